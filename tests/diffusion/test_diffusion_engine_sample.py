"""The tiny diffusion engine from the real sample portrait (face found, cropped) and espeak
speech to frames and an mp4; emotion keyframes change the gates per clip; OOM is explained."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.audio.io import load_audio
from core.diffusion.config import DiffusionConfig
from core.diffusion.engine import DiffusionEngine, oom_message
from core.engine import RenderJob
from core.errors import MoeeError
from core.keyframes import Key, KeyTrack
from core.mix import EmotionMix

FPS = 8


@pytest.fixture(scope="module")
def engine():
    return DiffusionEngine.tiny()


@pytest.fixture(scope="module")
def prepared(engine, portrait):
    return engine.prepare(portrait)  # Face Mesh on the astronaut, crop at the model's size


@pytest.fixture(scope="module")
def speech_1s(speech_wav):
    track = load_audio(speech_wav)
    return track.slice(0.5, 1.5)  # 1 s of speech after the leading silence


def test_prepare_crops_the_face_with_masks(prepared):
    assert prepared.image.shape == (64, 64, 3) and prepared.image.dtype == np.uint8
    assert 0.1 < prepared.face_mask.mean() < 0.9  # a face oval, not the whole crop
    assert prepared.lip_mask.sum() > 0 and prepared.regions["mouth"].any()


def test_sample_portrait_and_speech_to_frames_and_mp4(engine, prepared, speech_1s, tmp_path):
    from core.video.export import export_video

    job = RenderJob(portrait=prepared, audio=speech_1s, fps=FPS, size=64,
                    mix=EmotionMix.from_preset("happy"))
    frames = list(engine.frames(job))
    assert [f.index for f in frames] == list(range(FPS))
    assert all(f.image.shape == (64, 64, 3) and f.image.dtype == np.uint8 for f in frames)
    assert frames[0].info["clip"] == 0 and frames[-1].info["clip"] > 0
    result = export_video(engine, job, tmp_path / "take.mp4")
    assert result.frames == FPS and (tmp_path / "take.mp4").stat().st_size > 0


def test_keyframes_change_the_gates_per_clip(engine, prepared, speech_1s, monkeypatch):
    keys = KeyTrack([Key(0.0, EmotionMix.from_preset("happy")),
                     Key(0.75, EmotionMix.from_preset("sad"))])
    sent = []
    real = engine.pipe.__class__.__call__

    def spy(self, *a, **kw):
        sent.append(kw["emotion_gates"].clone())
        return real(self, *a, **kw)
    monkeypatch.setattr(engine.pipe.__class__, "__call__", spy)
    job = RenderJob(portrait=prepared, audio=speech_1s, fps=FPS, size=64, keys=keys)
    frames = list(engine.frames(job))
    happy, sad = EmotionMix.from_preset("happy").gates(), EmotionMix.from_preset("sad").gates()
    np.testing.assert_allclose(frames[0].gates, happy, atol=1e-6)
    assert frames[-1].gates[1] > frames[0].gates[1]  # sadder towards the end
    assert sent[0].shape == (1, engine.config.clip_frames, 6)  # per-frame gates within a clip
    assert not torch.allclose(sent[0], sent[-1])
    torch.testing.assert_close(sent[-1][0, -1], torch.from_numpy(sad).float())


def test_out_of_memory_names_a_setting_that_fits(engine, prepared, speech_1s, monkeypatch):
    def oom(*a, **kw):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory")
    monkeypatch.setattr(engine.pipe.__class__, "__call__", oom)
    job = RenderJob(portrait=prepared, audio=speech_1s, fps=FPS, size=64)
    with pytest.raises(MoeeError, match=r"ran out of memory .* try clip_frames=\d+"):
        list(engine.frames(job))
    msg = oom_message(DiffusionConfig(resolution=512, clip_frames=16))
    assert "clip_frames=8" in msg and "512 px" in msg


def test_prepare_levels_a_tilted_head(engine, portrait, prepared):
    import cv2

    from core.face.frame import FaceFrame

    assert abs(FaceFrame.from_landmarks(prepared.landmarks).roll_degrees) < 1.0
    m = cv2.getRotationMatrix2D((256.0, 256.0), 12.0, 1.0)  # tilt the head 12 degrees
    tilted = engine.prepare(cv2.warpAffine(portrait, m, (512, 512), borderMode=cv2.BORDER_REPLICATE))
    assert abs(FaceFrame.from_landmarks(tilted.landmarks).roll_degrees) < 1.0
    assert 9 < abs(tilted.roll_degrees - prepared.roll_degrees) < 15
