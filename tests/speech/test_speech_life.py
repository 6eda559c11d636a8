"""Blinks, head motion and gaze: natural rates, bounded, deterministic per seed."""
from __future__ import annotations

import numpy as np

from core.rig.life import LifeTracker, life_motion

FPS = 25


def _blinks(b: np.ndarray) -> int:
    return int(np.count_nonzero(np.diff((b > 0.5).astype(int)) == 1))


def test_shapes_and_ranges():
    life = life_motion(250, FPS, None, seed=1)
    assert life.blink.shape == (250,) and life.head.shape == (250, 3)
    assert life.gaze.shape == (250, 2)
    assert life.blink.min() >= 0 and life.blink.max() <= 1


def test_blink_rate_is_natural():
    rates = [_blinks(life_motion(60 * FPS, FPS, None, seed=s).blink) for s in range(6)]
    assert 10 <= np.mean(rates) <= 26, rates  # ~15-20 per minute (Bentivoglio 1997)
    assert all(6 <= r <= 32 for r in rates), rates


def test_blink_shape_closes_fast_opens_slow():
    life = life_motion(60 * 100, 100, None, seed=3)  # 100 fps to resolve the shape
    b = life.blink
    onset = int(np.argmax(b > 0.05))
    peak = onset + int(np.argmax(b[onset:onset + 30]))
    end = peak + int(np.argmax(b[peak:] < 0.05))
    assert b[peak] > 0.85
    assert (peak - onset) < (end - peak) and 0.04 <= (peak - onset) / 100 <= 0.1
    assert 0.08 <= (end - peak) / 100 <= 0.2


def test_deterministic_per_seed_and_seeds_differ():
    e = np.abs(np.sin(np.arange(500) / 7.0))
    a, b, c = (life_motion(500, FPS, e, seed=s) for s in (5, 5, 6))
    assert np.array_equal(a.blink, b.blink) and np.array_equal(a.head, b.head)
    assert np.array_equal(a.gaze, b.gaze)
    assert not np.allclose(a.head, c.head)


def test_head_and_gaze_bounded_and_smooth():
    e = (np.arange(60 * FPS) // 50 % 2).astype(float) * 0.8  # 2 s talk, 2 s silence
    life = life_motion(60 * FPS, FPS, e, seed=2)
    assert np.abs(life.head).max(axis=0).tolist() <= [10, 8, 6]
    assert life.head.std(axis=0)[0] > 0.5  # it does move
    assert np.abs(np.diff(life.head, axis=0)).max() < 1.5  # degrees per frame: no jumps
    assert np.abs(life.gaze).max() < 0.06
    saccades = np.count_nonzero(np.hypot(*np.diff(life.gaze, axis=0).T) > 0.01)
    assert 10 <= saccades <= 60  # one every 1-3 s


def test_speech_livens_the_head():
    n = 60 * FPS
    rng = np.random.default_rng(0)
    talk = np.clip(rng.random(n) * 1.3 - 0.2, 0, 1)  # syllable-rate loudness changes
    still = [life_motion(n, FPS, None, seed=s).head[:, 1].std() for s in range(4)]
    lively = [life_motion(n, FPS, talk, seed=s).head[:, 1].std() for s in range(4)]
    assert np.mean(lively) > np.mean(still)


def test_tracker_matches_batch():
    e = np.abs(np.sin(np.arange(300) / 5.0))
    life = life_motion(300, FPS, e, seed=9)
    t = LifeTracker(FPS, seed=9)
    steps = [t.step(float(x)) for x in e]
    assert np.allclose([s[0] for s in steps], life.blink)
    assert np.allclose([s[1] for s in steps], life.head, atol=1e-5)
