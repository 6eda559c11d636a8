"""DiffusionEngine through core.engine: frames clip by clip, progress, cancel, mp4, no checkpoints."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from core.audio.io import AudioTrack
from core.diffusion.engine import DiffusionEngine, plan_clips
from core.engine import CancelToken, RenderJob
from core.errors import Cancelled, CheckpointError
from core.mix import EmotionMix


@pytest.fixture(scope="module")
def engine():
    return DiffusionEngine.tiny()


def _job(engine, ref_image, speech, seconds=1.0, **kw):
    track = AudioTrack(speech[: int(16000 * seconds)], 16000)
    return RenderJob(portrait=engine.prepare(ref_image, detect=False), audio=track,
                     mix=EmotionMix.from_preset("happy"), fps=8, size=64, **kw)


def test_plan_clips_overlap_by_two_frames():
    assert plan_clips(10, 4, 2) == [(0, 0, 4), (2, 4, 6), (4, 6, 8), (6, 8, 10)]
    assert plan_clips(3, 16, 2) == [(0, 0, 3)]


def test_frames_in_order_with_progress_and_continuation(engine, ref_image, speech, monkeypatch):
    calls = []
    real = engine.pipe.__class__.__call__

    def spy(self, *a, **kw):
        out = real(self, *a, **kw)
        calls.append((kw["first_frame"], kw["motion_latents"], out.latents))
        return out
    monkeypatch.setattr(engine.pipe.__class__, "__call__", spy)
    done = []
    frames = list(engine.frames(_job(engine, ref_image, speech), progress=lambda a, b: done.append((a, b))))
    assert [f.index for f in frames] == list(range(8))
    assert frames[0].image.shape == (64, 64, 3) and frames[0].image.dtype == np.uint8
    assert np.allclose(frames[0].gates, [1, 0, 0, 0, 0, 0])
    assert [c[0] for c in calls] == [0, 2, 4] and calls[0][1] is None
    for prev, nxt in itertools.pairwise(calls):
        torch.testing.assert_close(nxt[1], prev[2][:, :, -2:])  # the last 2 frames carry over
    assert done[-1] == (8, 8) and [a for a, _ in done] == sorted(a for a, _ in done)


def test_cancel_during_a_clip(engine, ref_image, speech):
    token = CancelToken()
    with pytest.raises(Cancelled):
        for _ in engine.frames(_job(engine, ref_image, speech), progress=lambda a, b: token.cancel(),
                               cancel=token):
            pass
    assert len(engine.pipe.bank) == 0


def test_export_to_mp4(engine, ref_image, speech, tmp_path):
    from core.video.export import export_video

    result = export_video(engine, _job(engine, ref_image, speech, seconds=0.5), tmp_path / "take.mp4")
    assert (tmp_path / "take.mp4").stat().st_size > 0 and result.frames == 4


def test_without_checkpoints_the_missing_part_and_path_are_named(tmp_path):
    with pytest.raises(CheckpointError, match=str(tmp_path / "sd15" / "unet")):
        DiffusionEngine(models_dir=str(tmp_path))


def test_off_a_gpu_the_take_says_how_long_it_would_run_at_least(engine, ref_image, speech):
    """Without CUDA the engine ran on the CPU in silence: no word of it, and no progress before
    the first of 25 steps ended (over 10 min on 2 cores with tiny parts at 512 px). The note
    gives the take's least time from one measured frame pass times the passes it needs."""
    import re

    job = _job(engine, ref_image, speech)  # 8 frames: 3 clips of 4 (2 carried over)
    note = engine.speed_note(job)
    assert note is not None and "no CUDA GPU: the diffusion engine runs on the CPU" in note
    assert "(3 clips x 2 steps x 1 passes x 4 frames; one 64 px frame pass took" in note
    one = float(re.search(r"pass took ([\d.]+) s", note).group(1))
    least = re.search(r"about (\d+) (s|min) or more", note)
    seconds = int(least.group(1)) * (60 if least.group(2) == "min" else 1)
    assert abs(seconds - max(1.0, one * 3 * 2 * 1 * 4)) <= max(1.0, 0.1 * seconds)
    assert len(engine.pipe.bank) == 0  # the measuring pass leaves no reference tokens behind


def test_the_speed_is_measured_once_and_told_per_frame(engine, ref_image, speech):
    """The app measures the pass in the worker that builds the engine (measure_speed) and then
    reads speed_line and speed_note on the GUI thread: those measure nothing again. Per frame
    of a long take: a clip's passes over its new frames (4 frames, 2 carried over)."""
    import re

    engine._pass_s = None
    assert engine.speed_line() is None  # nothing measured: nothing said, no pass run
    engine.measure_speed()
    one = engine._pass_s
    assert one is not None
    engine.measure_speed()
    assert engine._pass_s == one  # once
    line = engine.speed_line()
    per_frame = one * 2 * 1 * 4 / 2
    shown = int(re.search(r"^diffusion on CPU: about (\d+) s per frame or more", line).group(1))
    assert shown == max(1, round(per_frame))
    assert line.endswith("; the rig engine previews in real time")
    note = engine.speed_note(_job(engine, ref_image, speech))
    assert f"pass took {one:.2f} s here" in note and engine._pass_s == one
