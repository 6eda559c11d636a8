"""A window of a long take: its speech features and mouth motion are the whole take's at the
same frames (core/audio/window.py), and a late window analyses only the audio under it."""
from __future__ import annotations

import time

import numpy as np
import pytest

from core.audio import features as F
from core.audio.io import load_audio
from core.audio.visemes import speech_motion
from core.audio.window import TUNING, take_level, window_features, window_motion
from tests.speech.long_voice import counting_analyses, long_take

FPS = 25
COLUMNS = ("energy", "voiced", "f0", "f1", "f2", "hf", "dip", "db")


@pytest.fixture(scope="module")
def take(speech_wav):
    """~97 s (an odd length: the last video frame's window runs past the samples), its
    whole-take features and motion: the reference every window is held to."""
    track = long_take(load_audio(speech_wav), 97.013)
    feats = F.compute_features(track, FPS)
    return track, feats, speech_motion(feats), take_level(track, FPS)


def test_the_take_level_is_the_whole_takes(take):
    track, feats, _, level = take
    assert level.n_video == feats.n
    np.testing.assert_array_equal(level.energy, feats.energy)
    np.testing.assert_array_equal(F.analyse_db(track.samples, track.sample_rate),
                                  F.analyse_track(track.samples, track.sample_rate).db)


# video frame 250 is the first after the analysis's first 10 s chunk; the take ends at 2425
WINDOWS = [(0, 50), (240, 260), (1300, 1350), (2000, 2026), (2400, 2425), (2424, 2425)]


@pytest.mark.parametrize("start,stop", WINDOWS)
def test_window_features_equal_the_whole_takes(take, start, stop):
    track, feats, _, level = take
    win = window_features(track, level, start, stop)
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(win, name), getattr(feats, name)[start:stop],
                                      err_msg=name)


@pytest.mark.parametrize("start,stop", [*WINDOWS, (2420, 2440)])
def test_window_motion_equals_the_whole_takes(take, start, stop):
    """Exact from frame 0; after, a run warmed up warmup_s from rest: within 1e-6 (4e-13 by
    the mapper's slowest time constant). Frames past the take repeat its last frame."""
    _, feats, motion, level = take
    win = window_motion(take[0], level, start, stop)
    rows = np.minimum(np.arange(start, stop), feats.n - 1)
    tol = 0.0 if start == 0 else 1e-6
    for au, v in motion.aus.items():
        np.testing.assert_allclose(win.aus[au], v[rows], rtol=0, atol=tol, err_msg=str(au))
    np.testing.assert_allclose(win.activity, motion.activity[rows], rtol=0, atol=tol)


def test_a_late_window_analyses_only_the_audio_around_it(speech_wav, monkeypatch):
    """2 s at 500 s of a 10-minute take: the analysis frames under the window, its warm-up
    and one frame of look-ahead (~12 s), not the take's 60,000."""
    track = long_take(load_audio(speech_wav), 600.0)
    level = take_level(track, FPS)
    counts = counting_analyses(monkeypatch)
    window_motion(track, level, 500 * FPS, 502 * FPS)
    assert 0 < sum(counts) < (TUNING["warmup_s"] + 2 + 1) * 100, sum(counts)


@pytest.mark.slow
def test_a_late_window_costs_a_fraction_of_the_whole_take(speech_wav):
    """17 minutes: the take's level pass plus a 2 s window at 1000 s, under a fifth of the
    whole take's features and motion (measured 0.1 s against 3.5 s)."""
    track = long_take(load_audio(speech_wav), 1020.0)
    t0 = time.perf_counter()
    speech_motion(F.compute_features(track, FPS))
    whole = time.perf_counter() - t0
    t0 = time.perf_counter()
    window_motion(track, take_level(track, FPS), 1000 * FPS, 1002 * FPS)
    late = time.perf_counter() - t0
    assert late < 0.2 * whole, (late, whole)
