"""One take through the track (core/track.py).

The track replaced a per-frame path (mix_at -> Emotion-to-Latents -> compose, every frame). While
both existed, a test rendered a keyed take (AU toggles, region gates, a label key, modes,
intensities) through each and got identical frames, images and AUs, bit for bit (commit "Track
builder (core/track.py)..." on branch body). With the old path gone, the track's arrays are
checked here against the same per-frame resolution written out independently, and a scrubbed
frame against the same frame of a full pass.
"""
from __future__ import annotations

import numpy as np
import pytest

from core.audio.io import load_audio
from core.emotions import AU_INDEX
from core.engine import RenderJob
from core.engines import create_engine
from core.keyframes import Key, KeyTrack
from core.mix import REGIONS, EmotionMix
from core.rig.compose import onset


@pytest.fixture(scope="module")
def job(portrait, speech_wav):
    engine = create_engine("rig")
    mouth_happy = {"mouth": (1.0, 0, 0, 0, 0, 0)}
    keys = KeyTrack([
        Key(0.0, EmotionMix.from_preset("happy", au_overrides={12: 0.5, 45: 0.0},
                                        local_gates=mouth_happy)),
        Key(0.8, EmotionMix.from_preset("sad", au_overrides={4: 1.0}, intensity=1.3), "linear"),
        Key(1.6, EmotionMix(label="angrily disgusted", gate_override=False)),
        Key(2.4, EmotionMix.from_preset("fearful", mode="normalized",
                                        local_gates={"brows": (0, 0, 0, 0, 1.0, 0)})),
    ])
    job = RenderJob(portrait=engine.prepare(portrait), audio=load_audio(speech_wav), keys=keys,
                    fps=25, size=128, duration=3.0)
    return engine, job


def reference_row(job, i: int):
    """What the per-frame path computed for frame i: gates, toggles and region gates."""
    from core.latents.resolve import resolve_condition

    t = job.frame_time(i)
    mix = job.mix_at(t)
    g = mix.gates() if not mix.label else resolve_condition(mix).gates
    return np.asarray(g, np.float32) * onset(t), mix.au_overrides, mix.local_gates


def test_track_holds_the_per_frame_resolution(job):
    engine, job = job
    n = job.frame_count()
    track = engine.emotion_track(job, range(n))
    assert len(track) == n == 75
    for i in range(n):
        g, toggles, local = reference_row(job, i)
        assert np.array_equal(track.g[i], g), i
        free = np.ones(len(track.aus[i]), bool)
        for au, v in toggles.items():
            assert track.aus[i, AU_INDEX[au]] == v
            free[AU_INDEX[au]] = False
        assert np.isnan(track.aus[i, free]).all()
        for r, name in enumerate(REGIONS):
            want = np.asarray(local.get(name, (np.nan,) * 6), np.float32)
            assert np.array_equal(track.s[i, r], want, equal_nan=True)
    assert track.g[50, 2] + track.g[50, 3] > 0.5  # the label key reached Emotion-to-Latents


def test_scrubbed_frames_equal_a_full_pass(job, monkeypatch):
    engine, job = job
    monkeypatch.setattr("core.rig.engine.TRACK_BLOCK", 16)  # a full pass resolves in blocks
    full = list(engine.frames(job))
    assert [f.index for f in full] == list(range(75))
    for i in (0, 30, 50, 74):
        one = engine.render_frame(job, i)
        assert np.array_equal(one.image, full[i].image) and one.aus == full[i].aus
        assert np.array_equal(one.gates, full[i].gates)
