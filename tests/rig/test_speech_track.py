"""The rig's speech drive is made a chunk at a time (core/rig/speech_track.py): a render late in
a long voice analyses the audio around its frames only, and its frames' drive is the whole
take's (features, visemes and closures computed over the whole file, as before)."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from core.audio import features as F
from core.audio.io import load_audio
from core.audio.visemes import speech_motion
from core.engine import RenderJob
from core.rig.engine import RigEngine, build_tracks
from core.rig.speech_track import fit, spread_closures
from tests.speech.long_voice import counting_analyses, long_take

FPS = 25


@pytest.fixture(scope="module")
def voice(speech_wav):
    return load_audio(speech_wav)


def _whole_take(track, n):
    """The speech drive as build_tracks made it before: the whole file's features and
    visemes, padded to n frames, closures spread."""
    motion = speech_motion(F.compute_features(track, FPS))
    return spread_closures({au: fit(v, n) for au, v in motion.aus.items()}), \
        fit(motion.activity, n)


def test_a_late_render_analyses_only_the_audio_around_it(voice, portrait, monkeypatch):
    """--start 500 --duration 0.2 in a 10-minute voice: before, its first frame waited for
    the whole file's features (60,000 analysis frames, 1.5 s here); now one chunk's (20 s)
    and its warm-up (10 s)."""
    track = long_take(voice, 600.0)
    engine = RigEngine()
    job = RenderJob(portrait=engine.prepare(portrait), audio=track, size=64, start=500.0,
                    duration=0.2)
    counts = counting_analyses(monkeypatch)
    frames = list(engine.frames(job))
    assert len(frames) == 5
    assert 0 < sum(counts) < 32 * 100, sum(counts)


def test_the_drive_is_the_whole_takes(voice):
    """Every frame of a 97 s take, across the chunk edges (every 500 frames) and past the
    voice's last video frame (n = ceil, the features round): as the whole file gives it."""
    track = long_take(voice, 97.013)
    n = int(np.ceil(track.duration * FPS))
    speech, activity = _whole_take(track, n)
    tracks = build_tracks(track, FPS, n, seed=0)
    late = build_tracks(track, FPS, n, seed=0)  # frames asked from the end first
    for i in [*range(n - 1, n - 30, -1), 1210, 1000, 999, 501, 500, 499]:
        d = late.drive(i)
        assert all(abs(d.speech[au] - speech[au][i]) <= 1e-6 for au in speech), i
        assert abs(d.activity - activity[i]) <= 1e-6
    got = tracks.speech
    for au in speech:
        np.testing.assert_allclose(got[au], speech[au], rtol=0, atol=1e-6, err_msg=str(au))


def test_tracks_travel_made_without_the_voice(voice):
    """A parallel export's helper gets the chunks its frames need, not the voice's samples."""
    track = long_take(voice, 60.0)
    tracks = build_tracks(track, FPS, 1500, seed=0)
    tracks.speech_track.frames(600, 700)
    sent = pickle.dumps(tracks)
    assert len(sent) < track.samples.nbytes / 4
    there = pickle.loads(sent)
    assert there.drive(650) == tracks.drive(650)
    with pytest.raises(RuntimeError, match="not made"):
        there.drive(100)
