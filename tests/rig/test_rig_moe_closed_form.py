"""The rig's frames take the MoE's output in closed form (numpy); it must be what
core.moe.EmotionMoE (torch) computes for the same gates, local gates and AU gains."""
from __future__ import annotations

import numpy as np
import pytest

from core.emotions import NUM_AUS
from core.face.landmarks import detect_face
from core.mix import REGIONS
from core.rig.motion import MotionModel


@pytest.fixture(scope="module")
def moe(portrait):
    return MotionModel(detect_face(portrait)).moe


def _cases(rng, moe):
    yield np.array([1, 0, 0, 0, 0, 0], np.float32), None, np.ones(NUM_AUS)
    yield np.array([0.6, 0, 0, 0, 0, 0.4], np.float32), None, rng.uniform(0, 1, NUM_AUS)
    for _ in range(6):
        g = rng.uniform(0, 1.5, 6).astype(np.float32) * (rng.uniform(size=6) < 0.6)
        s = rng.uniform(0, 1, (len(REGIONS), 6)).astype(np.float32)
        s[rng.uniform(size=s.shape) < 0.4] = np.nan  # the module's own gate there
        yield g, s, rng.uniform(0, 1, NUM_AUS).astype(np.float32)
    yield np.zeros(6, np.float32), None, np.ones(NUM_AUS, np.float32)


def test_closed_form_is_the_module(moe):
    rng = np.random.default_rng(5)
    for g, s, gain in _cases(rng, moe):
        gain = np.asarray(gain, np.float32)
        fast, ref = moe.displacement(g, s, gain), moe.module_displacement(g, s, gain)
        assert fast.shape == ref.shape == (478, 2) and fast.dtype == np.float32
        # float32 sums in another order: ~1e-7 IPD, a thousandth of a pixel at IPD 1000
        assert np.abs(fast - ref).max() <= 1e-5 * max(np.abs(ref).max(), 1.0)


def test_a_take_renders_as_through_the_module(portrait, speech_wav, monkeypatch):
    """Frames of a speaking take with a compound mix and a region gate, closed form against the
    torch module: float32 sums in another order move a landmark by ~1e-7 IPD, which flips the
    odd 1/32-px remap step or anti-aliased polygon edge. Measured on a 60 s take (1500 frames at
    512 px): 383 of 1.2e9 values differ, by at most 2 levels. A lid lowered by the mix (sad's
    AU43) puts an anti-aliased lid edge over the white of the eye, where one such step is worth
    3 levels (3 values of 8.7e5 here). So: at most 4 levels, on at most 1e-5 of the values."""
    from core.audio.io import load_audio
    from core.engine import RenderJob
    from core.mix import EmotionMix
    from core.rig.engine import RigEngine
    from core.rig.moe_rig import RigMoE

    mix = EmotionMix(weights=(0.6, 0.2, 0.0, 0.0, 0.0, 0.4),
                     local_gates={"mouth": (1.0, 0.0, 0.0, 0.0, 0.0, 0.5)})
    engine = RigEngine()
    job = RenderJob(portrait=engine.prepare(portrait), audio=load_audio(speech_wav), mix=mix,
                    size=256, duration=2.0)
    fast = np.stack([f.image for f in engine.frames(job)])
    monkeypatch.setattr(RigMoE, "displacement", RigMoE.module_displacement)
    job.portrait.motion.emotion_cache.clear()
    ref = np.stack([f.image for f in RigEngine().frames(job)])
    diff = np.abs(fast.astype(int) - ref)
    assert diff.max() <= 4 and (diff > 0).mean() <= 1e-5


def test_a_render_with_an_emotion_loads_no_torch(tmp_path, portrait_path):
    """The closed form is what keeps torch (~1.5 s to import) off a render's path."""
    import subprocess
    import sys
    code = ("import sys; from core.cli import run_cli; "
            f"run_cli(['render', '--portrait', {str(portrait_path)!r}, '--duration', '0.2', "
            f"'--mix', 'happy=0.6,surprised=0.4', '--quiet', '--out', {str(tmp_path / 'a.mp4')!r}]); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
