"""One take through the track (core/track.py) and through the per-frame path it replaced."""
from __future__ import annotations

import numpy as np
import pytest

from core.audio.io import load_audio
from core.engine import RenderJob, create_engine
from core.keyframes import Key, KeyTrack
from core.mix import EmotionMix


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


def test_track_renders_the_old_path_frame_for_frame(job):
    engine, job = job
    sp = job.portrait.at_size(job.size)
    tracks = engine.tracks(job)
    new = list(engine.frames(job))
    assert len(new) == job.frame_count() == 75
    for f in new:
        old = engine._frame_legacy(job, sp, tracks, f.index)
        assert np.array_equal(f.image, old.image), f.index
        assert f.aus == old.aus and np.array_equal(f.gates, old.gates)
    # the same frames one at a time (preview scrubbing) as in one pass (export)
    for i in (0, 30, 74):
        assert np.array_equal(engine.render_frame(job, i).image, new[i].image)
