"""Speech features -> mouth Action Units, frame by frame.

Vowels are told apart by their first two formants (the uLipSync approach): a soft vote between
A/I/U/E/O targets in Bark space. Unvoiced frames get a consonant shape (sibilant, f/v, or a
neutral stop). p/b/m show as short energy valleys between speech: a crisp lip press (AU24) that
also closes the lips (AU25/26 gated to 0). Each AU is smoothed by an asymmetric attack/release
envelope (coarticulation) so lips neither chatter nor lag. One frame of look-ahead, no more: the
streaming tracker runs this same code with a one-frame delay.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.audio.features import FrameFeatures

MOUTH_AUS = (10, 16, 18, 20, 22, 23, 24, 25, 26, 27)
VOWELS = ("A", "I", "U", "E", "O")

# Vowel formant targets (F1, F2) in Hz: Peterson & Barney (1952) adult means, moved toward
# espeak-ng's English voice as measured on sustained vowels ([[A:]] 780/1070, [[i:]] 285/2280,
# [[u:]] 340/1470 (English /u:/ is fronted), [[o:]] 480/820, [[e:]] 445/1980).
FORMANT_TARGETS = {"A": (780.0, 1250.0), "I": (290.0, 2250.0), "U": (340.0, 1150.0),
                   "E": (460.0, 1950.0), "O": (490.0, 850.0)}

# AU weights per viseme: FACS.md "Visemes" (Meta/OpenXR set) with jaw levelled to the
# uLipSync order A > E = O > I = U, AU16 on open vowels (lower teeth show on 'a'/'e').
VISEME_AUS: dict[str, dict[int, float]] = {
    "A": {25: 1.0, 26: 0.8, 16: 0.25},
    "E": {25: 0.7, 26: 0.45, 20: 0.3, 16: 0.15},
    "I": {25: 0.5, 26: 0.2, 20: 0.45},
    "O": {25: 0.7, 26: 0.45, 22: 0.5, 18: 0.3},
    "U": {25: 0.3, 26: 0.2, 18: 0.7, 22: 0.35},
    "SS": {20: 0.3, 25: 0.3, 26: 0.05},       # s, z: teeth together, lips spread
    "FF": {10: 0.3, 25: 0.3, 26: 0.1, 16: 0.1},  # f, v: lower lip to upper teeth
    "DD": {25: 0.4, 26: 0.2, 20: 0.1},        # t, d, k, g, h and other unvoiced frames
    "PP": {24: 0.6, 23: 0.2},                 # p, b, m: lips pressed
}

TUNING = {
    "bark_sigma": 1.1,        # vowel vote width in Bark; ~1 Bark = one critical band
    "f1_weight": 1.6,         # F1 (jaw height) separates A/E/I more than F2 does
    "jaw_floor": 0.35,        # quiet vowels still open the jaw this fraction of full
    "lips_gain": 1.6,         # AU25 saturates at moderate loudness: lips part for any voicing
    "sibilant_hf": (0.35, 0.65),  # high-band share: above 0.35 fricative, 0.65 clear sibilant
    "ff_max_energy": 0.55,    # f/v are weak fricatives; s/sh are loud
    "closure_depth": (0.18, 0.40),  # energy valley depth (0..1 loudness) that starts / saturates PP
    "nasal_depth": (0.04, 0.16),    # loudness dip of a nasal murmur below its vowels
    "nasal_f1_hz": 420.0,     # F1 below this (fading over 100 Hz) reads as a nasal murmur ...
    "nasal_f2_hz": 1600.0,    # ... with a low F2 too (Fujimura 1962), which rules out /i/
    "closure_gate_gain": 1.5, # a half-certain closure already brings the lips together
    "closure_lookback": 3,    # frames of speech before a valley (120 ms at 25 fps)
    "closure_next_min": 0.45, # speech must resume in the next frame: a pause is not a p
    "au27_from": 0.92,        # only the loudest open vowels reach mouth stretch (AU27 rare)
    # Attack/release time constants in seconds (Massaro/Cohen coarticulation dominance: onsets
    # ~40-60 ms, offsets ~80-120 ms; lip closures for p/b/m are fast, ~15-30 ms).
    "attack_s": {25: 0.045, 26: 0.05, 16: 0.05, 27: 0.05, 10: 0.05, 18: 0.06, 20: 0.06, 22: 0.06,
                 23: 0.02, 24: 0.015},
    "release_s": {25: 0.09, 26: 0.10, 16: 0.09, 27: 0.09, 10: 0.09, 18: 0.12, 20: 0.11, 22: 0.12,
                  23: 0.035, 24: 0.03},
    "silence_release_s": 0.045,  # in silence the mouth settles fast: closed within ~0.15 s
    "closure_gate_s": (0.015, 0.05),  # attack/release of the lips-together gate on AU25/26/16
    "activity_s": (0.05, 0.35),  # talking indicator attack/release
}


@dataclass
class SpeechMotion:
    """Per-frame mouth AU intensities in [0, 1], viseme weights and talking activity."""

    fps: float
    aus: dict[int, np.ndarray]
    visemes: dict[str, np.ndarray]  # A, I, U, E, O, PP, sil
    activity: np.ndarray

    @property
    def n(self) -> int:
        return len(self.activity)


def speech_motion(features: FrameFeatures) -> SpeechMotion:
    """Mouth AUs for every frame of `features` (batch form of VisemeMapper)."""
    f = features
    prev_peak = _prev_peak(f.energy, TUNING["closure_lookback"])
    nxt = np.concatenate([f.energy[1:], [0.0]])
    weights = viseme_weights(f, prev_peak, nxt)
    mapper = VisemeMapper(f.fps)
    # Straight into arrays: a list of per-frame dicts would cost ~1 kB a frame (15 MB / 10 min).
    aus = {au: np.zeros(f.n, np.float32) for au in MOUTH_AUS}
    act = np.zeros(f.n, np.float32)
    for i in range(f.n):
        row = mapper.step({k: float(v[i]) for k, v in weights.items()})
        for au in MOUTH_AUS:
            aus[au][i] = row[au]
        act[i] = mapper.activity
    vis = {k: weights[k].astype(np.float32) for k in (*VOWELS, "PP", "sil")}
    return SpeechMotion(f.fps, aus, vis, act)


def _prev_peak(e: np.ndarray, k: int) -> np.ndarray:
    padded = np.concatenate([np.zeros(k), e])
    return np.max(np.stack([padded[j:j + len(e)] for j in range(k)]), axis=0) if len(e) else e


def viseme_weights(f: FrameFeatures, prev_peak: np.ndarray, next_energy: np.ndarray
                   ) -> dict[str, np.ndarray]:
    """Per-frame, memoryless: viseme weights plus 'energy' and 'voiced' for the mapper."""
    e, v = f.energy.astype(np.float64), f.voiced.astype(np.float64)
    talking = (e > 0).astype(float)
    vowel = _vowel_vote(f.f1, f.f2)
    has_vowel = (f.f1 > 0).astype(float) * v
    pp = _closure(f, prev_peak, next_energy)
    out = {k: vowel[:, i] * has_vowel * (1.0 - pp) for i, k in enumerate(VOWELS)}
    cons = (1.0 - has_vowel) * talking
    lo, hi = TUNING["sibilant_hf"]
    fric = np.clip((f.hf - lo) / (hi - lo), 0.0, 1.0)
    weak = (e < TUNING["ff_max_energy"]).astype(float)
    out["SS"] = cons * fric * (1.0 - weak)
    out["FF"] = cons * fric * weak
    out["DD"] = cons * (1.0 - fric)
    out["PP"] = pp
    out["sil"] = 1.0 - talking
    out["energy"], out["voiced"] = e, v
    return out


def _closure(f: FrameFeatures, prev_peak: np.ndarray, next_energy: np.ndarray) -> np.ndarray:
    """p/b/m: a loudness valley inside the frame, with speech before and right after it."""
    lo, hi = TUNING["closure_depth"]
    depth = np.minimum(prev_peak, next_energy) - f.dip
    strength = np.clip((depth - lo) / (hi - lo), 0.0, 1.0)
    resumes = next_energy >= TUNING["closure_next_min"]
    valley = f.energy <= np.maximum(prev_peak, next_energy)
    stop = strength * resumes * valley
    # m/n murmur: voiced, quieter than both neighbours, F1 very low (Fujimura 1962: nasal F1
    # ~250-300 Hz). Catches the bilabial nasal that has no silent gap.
    nlo, nhi = TUNING["nasal_depth"]
    n_depth = np.minimum(prev_peak, next_energy) - f.energy
    low_f1 = np.clip((TUNING["nasal_f1_hz"] - f.f1) / 100.0, 0.0, 1.0) * (f.f1 > 0)
    low_f1 = low_f1 * np.clip((TUNING["nasal_f2_hz"] - f.f2) / 200.0, 0.0, 1.0)
    nasal = np.clip((n_depth - nlo) / (nhi - nlo), 0.0, 1.0) * low_f1 * resumes
    return np.maximum(stop, nasal)


def _bark(hz: np.ndarray) -> np.ndarray:
    """Traunmüller (1990) Bark scale."""
    return 26.81 * hz / (1960.0 + hz) - 0.53


def _vowel_vote(f1: np.ndarray, f2: np.ndarray) -> np.ndarray:
    """Soft A/I/U/E/O weights (n, 5) from F1/F2; rows sum to 1."""
    t = np.array([FORMANT_TARGETS[k] for k in VOWELS])
    d1 = (_bark(np.maximum(f1, 1.0))[:, None] - _bark(t[:, 0])[None, :]) * TUNING["f1_weight"]
    d2 = _bark(np.maximum(f2, 1.0))[:, None] - _bark(t[:, 1])[None, :]
    logit = -(d1 ** 2 + d2 ** 2) / (2.0 * TUNING["bark_sigma"] ** 2)
    w = np.exp(logit - logit.max(axis=1, keepdims=True))
    return w / w.sum(axis=1, keepdims=True)


class VisemeMapper:
    """Stateful: viseme weights of one frame -> smoothed AU intensities of that frame."""

    def __init__(self, fps: float):
        self.dt = 1.0 / float(fps)
        self.env = {au: 0.0 for au in MOUTH_AUS}
        self.gate = 0.0     # lips-together envelope (p/b/m)
        self.activity = 0.0  # state only: the mapper keeps nothing per frame (live runs hours)

    def step(self, w: dict[str, float]) -> dict[int, float]:
        target = self._target(w)
        silent = w["sil"] > 0.5
        for au in MOUTH_AUS:
            rel = TUNING["silence_release_s"] if silent else TUNING["release_s"][au]
            tau = TUNING["attack_s"][au] if target[au] > self.env[au] else rel
            self.env[au] += (target[au] - self.env[au]) * (1.0 - np.exp(-self.dt / tau))
        closed = min(1.0, TUNING["closure_gate_gain"] * w["PP"])
        self.gate = self._follow(self.gate, closed, TUNING["closure_gate_s"])
        self.activity = self._follow(self.activity, 1.0 - w["sil"], TUNING["activity_s"])
        out = dict(self.env)
        for au in (25, 26, 16, 27, 10):  # lips together: the closure wins over the vowel
            out[au] *= 1.0 - self.gate
        return {au: float(min(max(x, 0.0), 1.0)) for au, x in out.items()}

    def _follow(self, y: float, x: float, taus: tuple[float, float]) -> float:
        tau = taus[0] if x > y else taus[1]
        return y + (x - y) * (1.0 - float(np.exp(-self.dt / tau)))

    def _target(self, w: dict[str, float]) -> dict[int, float]:
        e = w["energy"]
        t = {au: 0.0 for au in MOUTH_AUS}
        for name, aus in VISEME_AUS.items():
            k = w.get(name, 0.0)
            for au, x in aus.items():
                t[au] += k * x
        loud = TUNING["jaw_floor"] + (1.0 - TUNING["jaw_floor"]) * e
        t[26] *= loud
        t[16] *= loud
        t[25] = min(1.0, t[25] * min(1.0, TUNING["lips_gain"] * e))
        t[27] = w.get("A", 0.0) * max(0.0, (e - TUNING["au27_from"]) / (1 - TUNING["au27_from"]))
        return t
