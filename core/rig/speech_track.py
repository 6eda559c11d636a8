"""The speech drive of a take (mouth AUs, talking activity, closures beside each frame), made a
chunk at a time as frames ask for it, so a frame late in a long voice costs what an early one
does: the take's loudness once (core/audio/window.py `take_level`, ~0.2 s for 17 minutes),
then the features and visemes of one chunk and its warm-up. Frame i is the same whichever
frame a render starts from, and matches the whole take's computation (exact in the first
chunk, to 4e-13 after: the viseme mapper's warm-up, core/audio/window.py).
"""
from __future__ import annotations

import threading

import numpy as np

from core.audio.window import TUNING as WINDOW
from core.audio.window import take_level, window_motion
from core.rig.motion import closure_share
from core.rig.tuning import CLOSURE


class SpeechTrack:
    """Frames 0..n-1 of a take's speech drive; frames past the voice repeat its last one."""

    def __init__(self, audio, fps: float, n: int):
        self.audio, self.fps, self.n = audio, float(fps), int(n)
        self.level = take_level(audio, fps)
        self.energy = fit(self.level.energy, self.n)  # the life motion's loudness, whole take
        self.chunk = max(1, int(round(WINDOW["chunk_s"] * self.fps)))
        self._chunks: dict[int, tuple[dict[int, np.ndarray], np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()  # the GUI's preview and clip workers share a take

    def __getstate__(self) -> dict:
        """What travels to a parallel export's helper: the chunks made (core/rig/engine.py
        `portable` makes the job's), not the voice's samples (65 MB for 17 minutes)."""
        drop = ("_lock", "audio", "level")
        return {k: v for k, v in self.__dict__.items() if k not in drop}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock(), audio=None, level=None)

    def at(self, i: int) -> tuple[dict[int, float], float, float]:
        """(speech AUs, activity, beside) of frame `i`."""
        speech, activity, beside = self._chunk(i // self.chunk)
        r = i % self.chunk
        return ({au: float(v[r]) for au, v in speech.items()}, float(activity[r]),
                float(beside[r]))

    def frames(self, start: int, stop: int) -> tuple[dict[int, np.ndarray], np.ndarray,
                                                      np.ndarray]:
        """(speech AUs, activity, beside) of frames start..stop-1, clamped into 0..n-1 (at
        least one frame: what `at` gives a frame outside is the nearest one's)."""
        start = min(max(start, 0), self.n - 1)
        stop, c = min(max(stop, start + 1), self.n), self.chunk
        parts = [self._chunk(k) for k in range(start // c, max(start, stop - 1) // c + 1)]
        off, m = start - (start // c) * c, max(0, stop - start)
        speech = {au: np.concatenate([p[0][au] for p in parts])[off:off + m] for au in parts[0][0]}
        activity, beside = (np.concatenate([p[j] for p in parts])[off:off + m] for j in (1, 2))
        return speech, activity, beside

    def _chunk(self, k: int):
        with self._lock:
            if k not in self._chunks:
                if self.audio is None:
                    raise RuntimeError(f"speech chunk {k} was not made before the take travelled")
                self._chunks[k] = self._make(k)
            return self._chunks[k]

    def _make(self, k: int):
        """Chunk k's frames, from the motion of one frame more either side (the closures)."""
        s, e = k * self.chunk, min((k + 1) * self.chunk, self.n)
        a, b = max(0, s - 1), min(self.n, e + 1)
        sm = window_motion(self.audio, self.level, a, b)
        speech = spread_closures(sm.aus)
        side = closing(speech, b - a)[1]
        return ({au: v[s - a:e - a] for au, v in speech.items()}, sm.activity[s - a:e - a],
                side[s - a:e - a])


def closing(speech: dict[int, np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """How far speech's p/b/m close the lips at each frame (its AU24, full at CLOSURE's
    full_at), and the most of that at either frame beside."""
    c = closure_share(speech.get(24, np.zeros(n, np.float32))).astype(np.float32)
    side = np.zeros_like(c)
    side[1:] = c[:-1]
    side[:-1] = np.maximum(side[:-1], c[1:])
    return c, side


def spread_closures(speech: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Speech's opening (AU25, AU26, AU16, AU27) closes partly in the frames beside a p/b/m
    closure (CLOSURE["spread"] of it): the viseme mapper shuts the lips for the closure's one
    frame and opens them again at once, and a jaw 0.45 IPD down shut and reopened within 80 ms
    (deepface's img19 surprised: wide, shut, wide, a pop at 25 fps; a real jaw moves a few
    centimetres a second). Beside a closure the sample's surprised mouth now opens a median
    0.91 of what it opens two frames away, against 1.11 (tests/rig/test_closure_spread.py)."""
    if 24 not in speech:
        return speech
    n = len(speech[24])
    _, side = closing(speech, n)
    keep = (1.0 - np.float32(CLOSURE["spread"]) * side).astype(np.float32)
    return {au: v * keep if au in (16, 25, 26, 27) else v for au, v in speech.items()}


def fit(a: np.ndarray, n: int) -> np.ndarray:
    a = np.asarray(a, np.float32)
    if len(a) >= n:
        return a[:n]
    pad = np.repeat(a[-1:], n - len(a), axis=0) if len(a) else np.zeros((n, *a.shape[1:]))
    return np.concatenate([a, pad.astype(np.float32)])
