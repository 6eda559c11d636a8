"""Synthetic talking-head clips: the sample portrait, shifted and scaled a little per frame, with
a mouth that opens on a sine, muxed with espeak-ng speech (or silence) by ffmpeg."""
from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import make_speech

N_FRAMES = 12
FPS = 25
SIDE = 256


def synthetic_frames(portrait: np.ndarray, n: int = N_FRAMES, seed: int = 0) -> list[np.ndarray]:
    import cv2

    rng = np.random.default_rng(seed)
    base = cv2.resize(portrait, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    out = []
    for i in range(n):
        s = 1.0 + 0.02 * np.sin(i / 3)
        m = cv2.getRotationMatrix2D((SIDE / 2, SIDE / 2), 0.0, s)
        m[:, 2] += rng.uniform(-3, 3, 2)
        out.append(cv2.warpAffine(base, m, (SIDE, SIDE), borderMode=cv2.BORDER_REPLICATE))
    return out


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory, portrait):
    """A folder of clips + metadata.csv: 2 happy, 1 sad, 1 angry, 1 neutral, 1 compound, and
    three bad ones (no face, silent, too short)."""
    import soundfile as sf

    from core.training.metadata import ClipMeta, write_metadata
    from core.training.video import write_video

    root = tmp_path_factory.mktemp("clips")
    speech = make_speech(root / "speech.wav", "Hello there, papa.", rate=220)
    silence = root / "silence.wav"
    sf.write(silence, np.zeros(16000, np.float32), 16000)
    rows = [("happy_1", "happy", speech, N_FRAMES), ("happy_2", "happy", speech, N_FRAMES),
            ("sad_1", "sad", speech, N_FRAMES), ("angry_1", "angry", speech, N_FRAMES),
            ("calm_1", "neutral", speech, N_FRAMES),
            ("mix_1", "happily surprised", speech, N_FRAMES),
            ("silent", "sad", silence, N_FRAMES), ("short", "happy", speech, 4)]
    clips = []
    for i, (name, emo, audio, n) in enumerate(rows):
        write_video(root / f"{name}.mp4", synthetic_frames(portrait, n, seed=i), FPS, audio)
        clips.append(ClipMeta(file=f"{name}.mp4", emotion=emo,
                              aus={12: 0.8} if emo == "happy" else {},
                              split="test" if name == "happy_2" else "train",
                              person="astronaut" if name != "mix_1" else ""))
    gray = [np.full((SIDE, SIDE, 3), 128, np.uint8)] * N_FRAMES
    write_video(root / "noface.mp4", gray, FPS, speech)
    clips.append(ClipMeta(file="noface.mp4", emotion="angry"))
    write_metadata(root / "metadata.csv", clips)
    return root


@pytest.fixture(scope="session")
def prepared(clip_dir, tmp_path_factory):
    from core.training.prepare import PrepareConfig, prepare_dataset

    out = tmp_path_factory.mktemp("prepared")
    report = prepare_dataset(clip_dir / "metadata.csv", out, PrepareConfig(size=64, min_frames=8,
                                                                           min_emotion_consistency=0.0))
    return out, report
