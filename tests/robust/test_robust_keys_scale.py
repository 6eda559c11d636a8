"""Category 6, scale: loading a keyframe file is O(n log n). On main every key was inserted by a
linear scan of the track (30,000 keys took over a minute; 10,000 took 9.4 s on this machine);
`benchmarks/bench_keys.py` times a million. Here 100,000 shuffled keys must load (seconds now,
hours on main: the alarm is a hang guard, not a timing assertion) and report progress."""
from __future__ import annotations

import json
import signal

import numpy as np
import pytest

from core.keyframes import PROGRESS_EVERY, KeyTrack, load_keys
from core.mix import EmotionMix

N = 100_000
HANG_GUARD_S = 300


@pytest.fixture
def hang_guard():
    def stop(*_):
        raise TimeoutError(f"loading {N} keys did not finish in {HANG_GUARD_S} s: quadratic?")
    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(HANG_GUARD_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def test_a_large_shuffled_key_file_loads_sorted_with_progress(tmp_path, hang_guard):
    rng = np.random.default_rng(0)
    times = rng.permutation(N) * 0.04
    keys = [{"time": float(t), "mix": {"weights": {"happy": round(float(t) % 1, 3)}}}
            for t in times]
    path = tmp_path / "take.json"
    path.write_text(json.dumps({"format": "moee-keyframes", "version": 1, "keys": keys}))
    seen = []
    track = load_keys(path, lambda done, total: seen.append((done, total)))
    assert len(track) == N
    got = track.times()
    assert got == sorted(got) and got[0] == 0.0 and got[-1] == pytest.approx((N - 1) * 0.04)
    assert seen[-1] == (N, N) and len(seen) == N // PROGRESS_EVERY
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    mid = track.mix_at(100.02)  # between the keys at 100.00 and 100.04
    assert 0.0 <= mid.weights[0] <= 1.0


def test_bulk_load_keeps_the_rule_of_adding_one_by_one():
    """A key within MIN_GAP_S of an earlier one replaces it, in the bulk path as in `add`."""
    a, b, c = (EmotionMix.from_dict({e: 1.0}) for e in ("happy", "sad", "angry"))
    from core.keyframes import Key

    given = [Key(1.0, a), Key(0.0, b), Key(1.0004, c), Key(2.0, a)]
    one_by_one = KeyTrack()
    for k in given:
        one_by_one.add(k)
    bulk = KeyTrack(given)
    assert bulk.keys == one_by_one.keys
    assert [k.mix for k in bulk] == [b, c, a]
    assert bulk.index_near(1.03) == 1 and bulk.index_near(1.5) is None
