"""Signs of life that speech alone does not give: blinks, head motion and gaze.

`LifeTracker` steps one video frame at a time (live mode); `life_motion` runs it over a whole
take. Everything random comes from one `np.random.default_rng(seed)`, so a seed always gives the
same motion. Speech loudness (0..1 per frame, core.audio.features) livens the head, drives
small nods on stressed syllables and triggers blinks at phrase ends.
"""
from __future__ import annotations

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
    tracker = LifeTracker(fps, seed)
    e = np.zeros(n_frames) if energy is None else np.asarray(energy, np.float64)
    blink = np.zeros(n_frames, np.float32)
    head = np.zeros((n_frames, 3), np.float32)
    gaze = np.zeros((n_frames, 2), np.float32)
    for i in range(n_frames):
        blink[i], head[i], gaze[i] = tracker.step(float(e[i]) if i < len(e) else 0.0)
    return LifeMotion(float(fps), blink, head, gaze)


class LifeTracker:
    """Per-frame life motion: `step(energy)` -> (blink, (yaw, pitch, roll), (gx, gy))."""

    def __init__(self, fps: float, seed: int = 0):
        self.dt = 1.0 / float(fps)
        self.rng = np.random.default_rng(seed)
        self.t = 0.0
        self.activity = 0.0
        self._talk_run = 0.0          # seconds of speech in the current phrase
        self._blinks: list[tuple[float, float]] = []  # (onset time, amplitude)
        self._next_blink = self._blink_interval(first=True)
        self._last_blink = -10.0
        self._drift = np.zeros(3)
        self._drift_smooth = np.zeros(3)
        self._nod, self._nod_v = 0.0, 0.0
        self._e_fast = self._e_slow = 0.0
        self._gaze_target = np.zeros(2)
        self._gaze = np.zeros(2)
        self._jitter = np.zeros(2)
        self._next_saccade = self._saccade_interval()

    def step(self, energy: float = 0.0) -> tuple[float, np.ndarray, np.ndarray]:
        talking = energy > TUNING["speech_gate"]
        self.activity = _follow(self.activity, float(talking), TUNING["activity_s"], self.dt)
        self._phrase(talking)
        head = self._head(energy)
        gaze = self._gaze_step()
        blink = self._blink_value()
        self.t += self.dt
        return blink, head, gaze

    # ----- blinks
    def _blink_interval(self, first: bool = False) -> float:
        mean = (TUNING["blink_mean_talk_s"] * self.activity
                + TUNING["blink_mean_rest_s"] * (1.0 - self.activity))
        k = TUNING["blink_gamma_shape"]
        gap = max(self.rng.gamma(k, mean / k), TUNING["blink_min_gap_s"])
        # the first blink comes a bit earlier so a short preview shows one
        return self.t + (gap * 0.5 if first else gap)

    def _start_blink(self, at: float) -> None:
        if at - self._last_blink < TUNING["blink_min_gap_s"]:
            return
        self._blinks.append((at, float(self.rng.uniform(*TUNING["blink_amp"]))))
        self._last_blink = at
        if self.rng.random() < TUNING["double_blink_p"]:
            second = at + float(self.rng.uniform(*TUNING["double_blink_gap_s"]))
            self._blinks.append((second, float(self.rng.uniform(*TUNING["blink_amp"]))))
        self._next_blink = self._blink_interval()

    def _phrase(self, talking: bool) -> None:
        if talking:
            self._talk_run += self.dt
            return
        recent = self.t - self._last_blink < TUNING["phrase_refractory_s"]
        if (self._talk_run >= TUNING["phrase_min_s"] and not recent
                and self.rng.random() < TUNING["phrase_blink_p"]):
            at = self.t + float(self.rng.uniform(*TUNING["phrase_delay_s"]))
            self._next_blink = min(self._next_blink, at)
        self._talk_run = 0.0

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
        self._drift = a * self._drift + std * np.sqrt(1 - a * a) * self.rng.standard_normal(3)
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
        return self.t + self.rng.gamma(k, TUNING["saccade_mean_s"] / k)

    def _gaze_step(self) -> np.ndarray:
        if self.t >= self._next_saccade:
            rest, talk = np.array(TUNING["gaze_std_rest"]), np.array(TUNING["gaze_std_talk"])
            std = rest + (talk - rest) * self.activity
            new = np.clip(self.rng.standard_normal(2) * std, -np.array(TUNING["gaze_max"]),
                          np.array(TUNING["gaze_max"]))
            if (np.hypot(*(new - self._gaze_target)) > 2 * rest[0]
                    and self.rng.random() < TUNING["gaze_blink_p"]):
                self._start_blink(self.t)
            self._gaze_target = new
            self._next_saccade = self._saccade_interval()
        k = 1 - np.exp(-self.dt / TUNING["saccade_tau_s"])
        self._gaze += (self._gaze_target - self._gaze) * k
        a = np.exp(-self.dt / TUNING["jitter_tau_s"])
        self._jitter = a * self._jitter + TUNING["jitter_std"] * np.sqrt(1 - a * a) * \
            self.rng.standard_normal(2)
        return self._gaze + self._jitter


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
