"""Live speech -> mouth AUs, chunk by chunk (microphone mode).

Runs the batch pipeline's own stages incrementally: analysis frames as soon as their window is
complete, video frames as soon as their analysis frames are in, AUs one frame later (the viseme
mapper looks one frame ahead to tell a p/b/m closure from a pause). Added latency: half a video
frame + half the 40 ms pitch window + one video frame, about 80 ms at 25 fps.
"""
from __future__ import annotations

import numpy as np

from core.audio.features import (Analysis, FrameAggregator, FrameFeatures, analyse_frames,
                                 context, hop_length)
from core.audio.visemes import TUNING as VISEME_TUNING
from core.audio.visemes import VisemeMapper, viseme_weights


class SpeechTracker:
    """Incremental features + visemes. `push(samples)` returns one AU dict per finished frame."""

    def __init__(self, sample_rate: int, fps: float, ref_db: float | None = None):
        self.sr = int(sample_rate)
        self.fps = float(fps)
        self.hop = hop_length(self.sr)
        self.ctx = context(self.sr)
        self._buf = np.zeros(self.ctx, np.float32)  # zeros before t = 0, as in the batch path
        self._buf_start = -self.ctx                  # sample index of _buf[0]
        self._n_an = 0
        self._agg = FrameAggregator(self.sr, self.fps, ref_db=ref_db)
        self._mapper = VisemeMapper(self.fps)
        self._energy_hist: list[float] = []
        self._waiting: FrameFeatures | None = None   # the frame held back for look-ahead
        self.activity = 0.0

    @property
    def latency_s(self) -> float:
        return 1.5 / self.fps + self.ctx / self.sr

    @property
    def energy(self) -> float:
        """Loudness (0..1) of the last completed frame, for head motion in live mode."""
        return self._energy_hist[-1] if self._energy_hist else 0.0

    def push(self, samples: np.ndarray) -> list[dict[int, float]]:
        """Feed mono float samples at `sample_rate`; AU dicts of the frames completed so far."""
        x = np.asarray(samples, np.float32).reshape(-1)
        self._buf = np.concatenate([self._buf, np.nan_to_num(x)])
        ready = (self._buf_start + len(self._buf) - self.ctx) // self.hop + 1 - self._n_an
        if ready <= 0:
            return []
        ana = self._analyse(int(ready))
        return self._emit(self._agg.push(ana))

    def flush(self) -> list[dict[int, float]]:
        """End of input: pad with silence so the last held-back frames come out."""
        return self.push(np.zeros(int(self.sr / self.fps) * 2 + 2 * self.ctx, np.float32))

    def _analyse(self, count: int) -> Analysis:
        # Frame j is centred on sample j*hop; analyse_frames wants a buffer starting `ctx`
        # samples before the first centre.
        start = self._n_an * self.hop - self.ctx - self._buf_start
        ana = analyse_frames(self._buf[start:], self.sr, 0, count)
        self._n_an += count
        drop = max(self._n_an * self.hop - self.ctx - self._buf_start, 0)
        self._buf = self._buf[drop:]
        self._buf_start += drop
        return ana

    def _emit(self, feats: FrameFeatures) -> list[dict[int, float]]:
        out = []
        for i in range(feats.n):
            row = _row(feats, i)
            if self._waiting is not None:
                out.append(self._step(self._waiting, row.energy[0]))
            self._waiting = row
        return out

    def _step(self, f: FrameFeatures, next_energy: float) -> dict[int, float]:
        k = VISEME_TUNING["closure_lookback"]
        prev = max(self._energy_hist[-k:], default=0.0)
        w = viseme_weights(f, np.array([prev]), np.array([next_energy]))
        self._energy_hist = (self._energy_hist + [float(f.energy[0])])[-k:]
        aus = self._mapper.step({key: float(v[0]) for key, v in w.items()})
        self.activity = self._mapper.activity
        return aus


def _row(f: FrameFeatures, i: int) -> FrameFeatures:
    cols = (f.energy, f.voiced, f.f0, f.f1, f.f2, f.hf, f.dip, f.db)
    return FrameFeatures(f.fps, *(c[i:i + 1] for c in cols))
