"""Polyphase resampling with scipy.signal.resample_poly's filter and alignment, in numpy.

Why not call scipy: importing scipy.signal takes 0.5-1 s (it pulls in scipy.stats), paid by
every render and every audio file the app opens at a rate other than 16 kHz. The filter is
scipy's default (resample_poly docs): firwin(2 * 10 * max(up, down) + 1, 1 / max(up, down),
window=("kaiser", 5.0)) * up, with the same zero padding, so the output matches scipy's to
float32 rounding (tests/speech).

Outputs r, r + up, r + 2 up, ... share one filter phase and read the input `down` samples
apart: a matrix of rows `down` apart times the phase's taps. When the taps fit between two rows
(taps <= down: 22.05, 44.1, 11.025 kHz ...) that strided view is a plain BLAS matrix-vector
product with no copy, done a block of time at a time so the block's input stays in cache
across all phases (a 17-minute 22.05 kHz voice: 0.08 s, against 1.7 s for one pass per phase
over the whole file, which read a few bytes of every 1.7 kB). Otherwise (up 1 or 2: 48, 32,
24, 8 kHz) the rows overlap and one einsum per phase over the whole file streams through it.
"""
from __future__ import annotations

from math import gcd

import numpy as np

KAISER_BETA = 5.0  # scipy.signal.resample_poly's default window
HALF_LEN_PER_RATE = 10  # scipy: half_len = 10 * max(up, down)
BLOCK_INPUT = 1 << 21  # input samples (8 MB) per block of time: the block stays in cache
MIN_BLOCK = 256  # outputs per phase and block at least: an odd rate (16001 Hz) has many phases


def _lowpass(up: int, down: int) -> tuple[np.ndarray, int]:
    """scipy's filter times `up`, and its half length."""
    rate = max(up, down)
    half = HALF_LEN_PER_RATE * rate
    n = np.arange(2 * half + 1) - half
    h = np.sinc(n / rate) / rate * np.kaiser(2 * half + 1, KAISER_BETA)
    return h / h.sum() * up, half


def polyphase(x: np.ndarray, up: int, down: int) -> tuple:
    """For x (float32) and a reduced up / down: (outputs, the output samples the filter delay
    adds in front, taps per phase, the phases' reversed taps (up, taps), x zero-padded as
    scipy's as rows of `taps` samples): output i is windows[(start + i) * down // up + 1] times
    phases[(start + i) * down % up]."""
    n_in = len(x)
    n_out = -(-n_in * up // down)
    h, half = _lowpass(up, down)
    pre = down - half % down
    start = (half + pre) // down
    taps = -(-(pre + len(h)) // up)
    h = np.concatenate([np.zeros(pre), h, np.zeros(taps * up - pre - len(h))])
    phases = h.reshape(taps, up).T[:, ::-1].astype(np.float32)
    q_last = ((start + n_out - 1) * down) // up
    xp = np.concatenate([np.zeros(taps, np.float32), x,
                         np.zeros(max(q_last + 1 - n_in, 0) + 1, np.float32)])
    return n_out, start, taps, phases, np.lib.stride_tricks.sliding_window_view(xp, taps)


def resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """1-D float signal x resampled by up / down (zero padding at both ends, as scipy's)."""
    g = gcd(int(up), int(down))
    up, down = int(up) // g, int(down) // g
    x = np.asarray(x, np.float32)
    if up == down:
        return x.copy()
    n_out, start, taps, phases, windows = polyphase(x, up, down)
    y = np.empty(n_out, np.float32)
    n_phase = min(up, n_out)
    if n_phase == 0:
        return y
    t = (start + np.arange(n_phase)) * down
    first = t // up + 1  # phase r's first window
    counts = (n_out - np.arange(n_phase) + up - 1) // up  # its outputs
    taps_of = phases[t % up]
    # taps > down: overlapping rows, not a BLAS matrix; one block then
    block = max(BLOCK_INPUT // down, MIN_BLOCK) if taps <= down else int(counts[0])
    for i0 in range(0, int(counts[0]), block):
        for r in range(n_phase):
            k = min(int(counts[r]) - i0, block)
            if k <= 0:
                break  # later phases have no more outputs than this one
            a = int(first[r]) + i0 * down
            rows = windows[a: a + (k - 1) * down + 1: down]
            out = y[r + i0 * up: r + (i0 + k - 1) * up + 1: up]
            if taps <= down:
                np.matmul(rows, taps_of[r], out=out)
            else:
                np.einsum("kt,t->k", rows, taps_of[r], out=out)
    return y
