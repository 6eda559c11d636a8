"""A long voice for tests of late renders, and a count of the audio analysed."""
from __future__ import annotations

import numpy as np

from core.audio import features as F
from core.audio.io import AudioTrack


def long_take(one: AudioTrack, seconds: float) -> AudioTrack:
    """The speech fixture over and over with uneven gains and pauses: a shout near the start
    (so the level's reference late in the take remembers it), whispers, silences."""
    sr, x = one.sample_rate, one.samples
    rng = np.random.default_rng(7)
    parts, total = [], 0
    while total < seconds * sr:
        gain = 3.0 if not parts else rng.choice([0.05, 0.3, 1.0, 1.5])
        gap = np.zeros(int(rng.uniform(0.0, 3.0) * sr), np.float32)
        parts += [np.clip(x * gain, -1, 1).astype(np.float32), gap]
        total += len(x) + len(gap)
    return AudioTrack(np.concatenate(parts)[: int(seconds * sr)], sr)


def counting_analyses(monkeypatch) -> list[int]:
    """The analysis frames core.audio.features analyses from here on, call by call."""
    counts: list[int] = []
    analyse = F.analyse_frames

    def counted(padded, sr, first, count):
        counts.append(count)
        return analyse(padded, sr, first, count)

    monkeypatch.setattr(F, "analyse_frames", counted)
    return counts
