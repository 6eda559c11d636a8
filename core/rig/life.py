"""Signs of life that speech alone does not give: blinks, head motion and gaze.

`LifeTracker` steps one video frame at a time (live mode); `LifeTake` runs it over a take, a
chunk at a time, and `life_motion` gives a take's first frames. Speech loudness (0..1 per
frame, core.audio.features) livens the head, drives small nods on stressed syllables and
triggers blinks at phrase ends.

A frame costs the same at any time of a take: the random numbers of each frame are drawn by
its absolute index (`_Draws`: default_rng((seed, block))), and every TUNING["chunk_s"] seconds
the tracker starts its blinks and saccades afresh, from those numbers alone (`_regenerate`). So
the frames of chunk k are a run started one chunk earlier, at the start of chunk k-1, with the
speech state there (activity, length of the current phrase: a cheap pass over the loudness);
they are the same frames whichever frame a render starts from, and they meet the chunk before
without a seam: the same blinks and saccades (both runs started them afresh at chunk k-1's
start), a head's drift the same to exp(-chunk_s / head_tau_s) (6e-6 of it).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

TUNING = {
    # Blinks. Rate ~17/min at rest, ~20-26/min in conversation (Bentivoglio et al. 1997);
    # intervals are right-skewed, gamma-like, with a short refractory time.
    "blink_mean_rest_s": 3.6,
    "blink_mean_talk_s": 2.8,
    "blink_gamma_shape": 3.0,
    "blink_min_gap_s": 0.6,
    "blink_close_s": 0.07,       # lid closes fast, 60-80 ms (Evinger et al. 1991) ...
    "blink_hold_s": 0.02,
    "blink_open_s": 0.14,        # ... and reopens slower, 100-150 ms
    "blink_amp": (0.9, 1.0),     # not every blink closes all the way
    "double_blink_p": 0.1,       # a second blink right after the first, ~300 ms later
    "double_blink_gap_s": (0.25, 0.35),
    "phrase_blink_p": 0.4,       # blinks cluster at pauses between phrases (Nakano & Kitazawa 2010)
    "phrase_min_s": 0.8,         # ... after at least this much speech
    "phrase_delay_s": (0.05, 0.3),
    "phrase_refractory_s": 1.5,  # ... unless the eyes blinked very recently
    "gaze_blink_p": 0.15,        # large saccades often carry a blink (Evinger 1994)
    # Head: slow drifts of a few degrees, livelier while talking (Hadar et al. 1983: speakers
    # move the head ~2-3x more than listeners); nods follow stressed, loud syllables
    # (Munhall et al. 2004, head motion correlates with F0 and loudness).
    "head_std_deg": (2.0, 1.2, 0.8),    # yaw, pitch, roll at rest
    "head_tau_s": (2.0, 1.5, 2.5),      # drift correlation times
    "head_smooth_s": 0.25,              # second low-pass: no frame-level jitter
    "head_talk_gain": 1.8,              # drift amplitude while talking, x rest
    "nod_gain_deg": 7.0,                # pitch per unit of loudness rise (chin down is +pitch)
    "nod_hz": 1.6,                      # critically damped nod spring: ~0.3 s to peak
    "stress_fast_s": 0.06,              # syllable loudness ...
    "stress_slow_s": 0.35,              # ... above its running mean = stress
    "head_max_deg": (10.0, 8.0, 6.0),   # hard bound per axis
    "activity_s": (0.2, 1.0),           # talking envelope attack/release
    # Gaze (IPD units; the iris moves ~0.003 IPD per degree of eye rotation, 12 mm eyeball).
    "saccade_mean_s": 1.8,              # fixations last ~1-3 s in conversation
    "saccade_gamma_shape": 2.0,
    "gaze_std_rest": (0.022, 0.010),    # looking around when silent
    "gaze_std_talk": (0.012, 0.006),    # speakers keep near the listener
    "gaze_max": (0.045, 0.025),
    "saccade_tau_s": 0.02,              # saccades take 30-50 ms: one frame at 25 fps
    "jitter_std": 0.0015,               # fixational drift / microsaccades
    "jitter_tau_s": 0.3,
    "speech_gate": 0.05,                # loudness above this counts as talking
    # A take's motion is made in chunks (LifeTake): each starts its blinks and saccades afresh
    # (a saccade now; the next blink half an interval on, mean 1.8 s at rest, where a running
    # take's is 2.4 s on, gamma's mean residual) and is a run started one chunk earlier.
    # 30 s (by design): the head's slowest drift (tau 2.5 s) forgets the run's start to
    # exp(-12), and a chunk costs 2 x 750 steps at 25 fps (~40 ms), whatever its time.
    "chunk_s": 30.0,
}


@dataclass
class LifeMotion:
    fps: float
    blink: np.ndarray  # (n,) AU45 intensity 0..1
    head: np.ndarray   # (n, 3) yaw, pitch, roll in degrees
    gaze: np.ndarray   # (n, 2) iris shift in IPD: x toward the subject's left, y down


def life_motion(n_frames: int, fps: float, energy: np.ndarray | None = None,
                seed: int = 0) -> LifeMotion:
    """Blinks, head motion and gaze for `n_frames` frames; `energy` is speech loudness 0..1."""
    return LifeTake(fps, energy, seed).frames(0, n_frames)


def chunk_frames(fps: float) -> int:
    """Frames in a chunk of life motion (TUNING["chunk_s"] at `fps`)."""
    return max(1, int(round(TUNING["chunk_s"] * float(fps))))


class LifeTake:
    """A take's life motion, made a chunk at a time on demand (see the module's note): frame i
    is the same whether a render starts at 0 or at i, and costs the same."""

    def __init__(self, fps: float, energy: np.ndarray | None = None, seed: int = 0):
        self.fps, self.seed = float(fps), int(seed)
        self.dt = 1.0 / self.fps
        self.energy = None if energy is None else np.asarray(energy, np.float64)
        self.chunk = chunk_frames(fps)
        self._chunks: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._speech = [(0.0, 0.0)]  # (activity, phrase run) as chunk 0, 1, ... start
        self._lock = threading.Lock()  # the GUI's preview and clip workers share a take

    def __getstate__(self) -> dict:  # travels to a parallel export's helper (pickled)
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    def at(self, i: int) -> tuple[float, np.ndarray, np.ndarray]:
        """(blink, head (3,), gaze (2,)) of frame `i`."""
        blink, head, gaze = self._chunk(i // self.chunk)
        r = i % self.chunk
        return float(blink[r]), head[r], gaze[r]

    def frames(self, start: int, stop: int) -> LifeMotion:
        """Frames start..stop-1."""
        c = self.chunk
        parts = [self._chunk(k) for k in range(start // c, max(start, stop - 1) // c + 1)]
        off, m = start - (start // c) * c, max(0, stop - start)
        blink, head, gaze = (np.concatenate([p[j] for p in parts])[off:off + m] for j in range(3))
        return LifeMotion(self.fps, blink, head, gaze)

    def _energy(self, i: int) -> float:
        e = self.energy
        return float(e[i]) if e is not None and i < len(e) else 0.0

    def _speech_at(self, k: int) -> tuple[float, float]:
        """(activity, phrase run) as chunk k starts: a pass over the loudness before it, the
        same arithmetic as the tracker's (`_speech_step`), so a run started there matches."""
        if self.energy is None:
            return 0.0, 0.0
        while len(self._speech) <= k:
            j = len(self._speech) - 1
            a, run = self._speech[j]
            for i in range(j * self.chunk, (j + 1) * self.chunk):
                a, run, _ = _speech_step(a, run, self._energy(i), self.dt)
            self._speech.append((a, run))
        return self._speech[k]

    def _chunk(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self._lock:
            if k not in self._chunks:
                self._chunks[k] = self._make(k)
            return self._chunks[k]

    def _make(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Chunk k: a tracker run from the start of chunk k-1 (of chunk 0 for k = 0)."""
        c, first = self.chunk, max(0, k - 1) * self.chunk
        tracker = LifeTracker(self.fps, self.seed, first, *self._speech_at(max(0, k - 1)))
        blink = np.zeros(c, np.float32)
        head = np.zeros((c, 3), np.float32)
        gaze = np.zeros((c, 2), np.float32)
        for i in range(first, (k + 1) * c):
            out = tracker.step(self._energy(i))
            if i >= k * c:
                blink[i - k * c], head[i - k * c], gaze[i - k * c] = out
        return blink, head, gaze


class _Draws:
    """The random numbers of each absolute frame, drawn BLOCK frames at a time from
    default_rng((seed, block)): a tracker started at frame s draws there what one started at 0
    draws. Per frame: 7 normals (head 3, fixational jitter 2, saccade target 2), 7 uniforms
    (blink amplitude, double blink?, its gap, its amplitude, phrase blink?, its delay, saccade
    blink?), 2 blink intervals (gamma, unit scale: after a blink, after a fresh start) and a
    saccade interval."""

    BLOCK = 250

    def __init__(self, seed: int):
        self.seed, self._block = int(seed), -1

    def at(self, i: int) -> tuple[list, list, list, float]:
        b, r = divmod(i, self.BLOCK)
        if b != self._block:
            rng = np.random.default_rng([self.seed, b])
            n = self.BLOCK
            self._rows = (rng.standard_normal((n, 7)).tolist(), rng.random((n, 7)).tolist(),
                          rng.standard_gamma(TUNING["blink_gamma_shape"], (n, 2)).tolist(),
                          rng.standard_gamma(TUNING["saccade_gamma_shape"], n).tolist())
            self._block = b
        normal, uniform, blink_gap, saccade_gap = self._rows
        return normal[r], uniform[r], blink_gap[r], saccade_gap[r]


class LifeTracker:
    """Per-frame life motion: `step(energy)` -> (blink, (yaw, pitch, roll), (gx, gy)).

    `frame` is the absolute frame the first step makes: 0, or the start of a chunk, with the
    speech state there (`activity`, `talk_run`: LifeTake's pass)."""

    def __init__(self, fps: float, seed: int = 0, frame: int = 0, activity: float = 0.0,
                 talk_run: float = 0.0):
        self.fps = float(fps)
        self.dt = 1.0 / self.fps
        self.chunk = chunk_frames(fps)
        self.draws = _Draws(seed)
        self.frame = int(frame)
        self.t = self.frame * self.dt
        self.activity = float(activity)
        self._talk_run = float(talk_run)  # seconds of speech in the current phrase
        self._blinks: list[tuple[float, float]] = []  # (onset time, amplitude)
        self._drift = np.zeros(3)
        self._drift_smooth = np.zeros(3)
        self._nod, self._nod_v = 0.0, 0.0
        self._e_fast = self._e_slow = 0.0
        self._gaze_target = np.zeros(2)
        self._gaze = np.zeros(2)
        self._jitter = np.zeros(2)
        self._draw = self.draws.at(self.frame)
        self._last_blink = -10.0
        self._fresh_saccade = False
        # the first blink comes a bit earlier so a short preview shows one; a tracker started
        # at a later chunk starts afresh in its first step (`_regenerate`)
        self._next_blink = self._blink_interval(first=True)
        self._next_saccade = self._saccade_interval()

    def step(self, energy: float = 0.0) -> tuple[float, np.ndarray, np.ndarray]:
        self.t = self.frame * self.dt
        self._draw = self.draws.at(self.frame)
        if self.frame > 0 and self.frame % self.chunk == 0:
            self._regenerate()
        self._phrase(energy)
        head = self._head(energy)
        gaze = self._gaze_step()
        blink = self._blink_value()
        self.frame += 1
        return blink, head, gaze

    def _regenerate(self) -> None:
        """A chunk starts: the next blink and a saccade now come from this frame's random
        numbers alone, and no blink comes within blink_min_gap_s of now (of whatever blinked
        before it), so the events from here on are the same whatever ran before. Blinks under
        way go on."""
        self._last_blink = self.t
        self._next_blink = self._blink_interval(first=True)
        self._next_saccade = self.t
        self._fresh_saccade = True

    # ----- blinks
    def _blink_interval(self, first: bool = False) -> float:
        mean = (TUNING["blink_mean_talk_s"] * self.activity
                + TUNING["blink_mean_rest_s"] * (1.0 - self.activity))
        k = TUNING["blink_gamma_shape"]
        gap = max(self._draw[2][1 if first else 0] * mean / k, TUNING["blink_min_gap_s"])
        return self.t + (gap * 0.5 if first else gap)

    def _start_blink(self, at: float) -> None:
        if at - self._last_blink < TUNING["blink_min_gap_s"]:
            return
        u = self._draw[1]
        lo, hi = TUNING["blink_amp"]
        self._blinks.append((at, lo + (hi - lo) * u[0]))
        self._last_blink = at
        if u[1] < TUNING["double_blink_p"]:
            g0, g1 = TUNING["double_blink_gap_s"]
            self._blinks.append((at + g0 + (g1 - g0) * u[2], lo + (hi - lo) * u[3]))
        self._next_blink = self._blink_interval()

    def _phrase(self, energy: float) -> None:
        talk_run = self._talk_run
        self.activity, self._talk_run, talking = _speech_step(
            self.activity, self._talk_run, energy, self.dt)
        if talking:
            return
        recent = self.t - self._last_blink < TUNING["phrase_refractory_s"]
        u = self._draw[1]
        if talk_run >= TUNING["phrase_min_s"] and not recent and u[4] < TUNING["phrase_blink_p"]:
            d0, d1 = TUNING["phrase_delay_s"]
            self._next_blink = min(self._next_blink, self.t + d0 + (d1 - d0) * u[5])

    def _blink_value(self) -> float:
        if self.t >= self._next_blink:
            self._start_blink(self.t)
            if self.t >= self._next_blink:  # refused (too soon): try again later
                self._next_blink = self._blink_interval()
        c, h, o = TUNING["blink_close_s"], TUNING["blink_hold_s"], TUNING["blink_open_s"]
        value = 0.0
        for onset, amp in self._blinks:
            value = max(value, amp * _blink_shape(self.t - onset, c, h, o))
        self._blinks = [(s, a) for s, a in self._blinks if self.t - s < c + h + o]
        return float(value)

    # ----- head
    def _head(self, energy: float) -> np.ndarray:
        std = np.array(TUNING["head_std_deg"])
        tau = np.array(TUNING["head_tau_s"])
        gain = 1.0 + (TUNING["head_talk_gain"] - 1.0) * self.activity
        # Ornstein-Uhlenbeck drift (stationary std = `std`), then a low-pass to remove jitter.
        a = np.exp(-self.dt / tau)
        self._drift = a * self._drift + std * np.sqrt(1 - a * a) * np.array(self._draw[0][:3])
        b = 1.0 - np.exp(-self.dt / TUNING["head_smooth_s"])
        self._drift_smooth += (self._drift * gain - self._drift_smooth) * b
        nod = self._nod_step(energy)
        out = self._drift_smooth + np.array([0.0, nod, 0.0])
        lim = np.array(TUNING["head_max_deg"])
        return np.clip(out, -lim, lim)

    def _nod_step(self, energy: float) -> float:
        self._e_fast += (energy - self._e_fast) * (1 - np.exp(-self.dt / TUNING["stress_fast_s"]))
        self._e_slow += (energy - self._e_slow) * (1 - np.exp(-self.dt / TUNING["stress_slow_s"]))
        stress = max(0.0, self._e_fast - self._e_slow)
        w = 2 * np.pi * TUNING["nod_hz"]
        target = TUNING["nod_gain_deg"] * stress
        # critically damped spring, integrated in small sub-steps for stability at any fps
        sub = max(1, int(np.ceil(self.dt / 0.005)))
        h = self.dt / sub
        for _ in range(sub):
            acc = w * w * (target - self._nod) - 2 * w * self._nod_v
            self._nod_v += acc * h
            self._nod += self._nod_v * h
        return self._nod

    # ----- gaze
    def _saccade_interval(self) -> float:
        k = TUNING["saccade_gamma_shape"]
        return self.t + self._draw[3] * TUNING["saccade_mean_s"] / k

    def _gaze_step(self) -> np.ndarray:
        normal = self._draw[0]
        if self.t >= self._next_saccade:
            rest, talk = np.array(TUNING["gaze_std_rest"]), np.array(TUNING["gaze_std_talk"])
            std = rest + (talk - rest) * self.activity
            new = np.clip(np.array(normal[5:7]) * std, -np.array(TUNING["gaze_max"]),
                          np.array(TUNING["gaze_max"]))
            # a chunk's first saccade carries no blink: it would hang on the gaze before it
            if (not self._fresh_saccade and np.hypot(*(new - self._gaze_target)) > 2 * rest[0]
                    and self._draw[1][6] < TUNING["gaze_blink_p"]):
                self._start_blink(self.t)
            self._fresh_saccade = False
            self._gaze_target = new
            self._next_saccade = self._saccade_interval()
        k = 1 - np.exp(-self.dt / TUNING["saccade_tau_s"])
        self._gaze += (self._gaze_target - self._gaze) * k
        a = np.exp(-self.dt / TUNING["jitter_tau_s"])
        self._jitter = a * self._jitter + TUNING["jitter_std"] * np.sqrt(1 - a * a) * \
            np.array(normal[3:5])
        return self._gaze + self._jitter


def _speech_step(activity: float, talk_run: float, energy: float,
                 dt: float) -> tuple[float, float, bool]:
    """One frame of the speech state: (activity, seconds of the current phrase, talking?)."""
    talking = energy > TUNING["speech_gate"]
    activity = _follow(activity, float(talking), TUNING["activity_s"], dt)
    return activity, (talk_run + dt if talking else 0.0), talking


def _follow(y: float, x: float, taus: tuple[float, float], dt: float) -> float:
    tau = taus[0] if x > y else taus[1]
    return y + (x - y) * (1.0 - float(np.exp(-dt / tau)))


def _blink_shape(s: float, close: float, hold: float, open_: float) -> float:
    """Lid closure 0..1 at `s` seconds after onset: fast ease-in close, hold, slower reopening."""
    if s < 0 or s >= close + hold + open_:
        return 0.0
    if s < close:
        return float(np.sin(0.5 * np.pi * s / close))
    if s < close + hold:
        return 1.0
    u = (s - close - hold) / open_
    return float(0.5 * (1 + np.cos(np.pi * u)))
