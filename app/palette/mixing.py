"""Palette edits as pure functions EmotionMix -> EmotionMix (no Qt; unit-testable).

Each control of the palette turns a user gesture into one of these; the window pushes the result
through the undo stack into the project.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from app.ui_constants import HEX_CORNER_ORDER, PRESET_CORE_AU_INTENSITY, WEIGHT_MAX
from core.emotions import COMPOUND_PRESETS, EMOTIONS, MOEE_COMPOUNDS, NUM_EXPERTS
from core.mix import EmotionMix

BASIC_PRESETS = ("neutral", *EMOTIONS)
PAPER_COMPOUNDS = MOEE_COMPOUNDS  # the MoEE paper's four, listed first
DU_COMPOUNDS = tuple(n for n in COMPOUND_PRESETS if n not in MOEE_COMPOUNDS)


def set_weight(mix: EmotionMix, index: int, value: float) -> EmotionMix:
    """Set one expert. In normalized mode the others are rescaled so the weights sum to 1."""
    value = float(np.clip(value, 0.0, WEIGHT_MAX))
    w = np.asarray(mix.weights, np.float64)
    if mix.mode == "normalized":
        others = np.delete(np.arange(NUM_EXPERTS), index)
        rest = w[others].sum()
        if rest > 0:
            w[others] *= (1.0 - value) / rest
    w[index] = value
    return mix.with_weights(np.round(w, 4))


def set_mode(mix: EmotionMix, mode: str) -> EmotionMix:
    w = np.asarray(mix.weights, np.float64)
    if mode == "normalized" and w.sum() > 0:
        w = w / w.sum()
    return replace(mix, mode=mode, weights=tuple(np.round(w, 4)))


def solo(mix: EmotionMix, index: int) -> EmotionMix:
    """Keys 1-6: only this expert, at full weight (AU toggles stay)."""
    w = [0.0] * NUM_EXPERTS
    w[index] = 1.0
    return replace(mix, weights=tuple(w), label=EMOTIONS[index])


def apply_preset(mix: EmotionMix, name: str) -> EmotionMix:
    """A basic emotion or compound preset: its weights, and its core AUs forced on
    (Du et al. 2014 Table 1), replacing the previous AU toggles."""
    base = EmotionMix.from_preset(name)
    aus: dict[int, float] = {}
    if name in COMPOUND_PRESETS:
        aus = {au: PRESET_CORE_AU_INTENSITY for au in COMPOUND_PRESETS[name].core_aus}
    weights = np.asarray(base.weights, np.float64)
    if mix.mode == "normalized" and weights.sum() > 0:
        weights = weights / weights.sum()
    return replace(mix, weights=tuple(weights), au_overrides=aus, label=name)


def set_au(mix: EmotionMix, au: int, value: float | None) -> EmotionMix:
    """None = off (the mix decides), 0 = muted, > 0 = forced on at that intensity."""
    aus = dict(mix.au_overrides)
    if value is None:
        aus.pop(au, None)
    else:
        aus[au] = float(np.clip(value, 0.0, 1.0))
    return replace(mix, au_overrides=aus)


# ----- hexagon picker geometry (unit hexagon, screen axes: y grows downwards)
def hex_corners() -> np.ndarray:
    """(6, 2) corner positions clockwise from the top, in HEX_CORNER_ORDER."""
    angles = [math.radians(-90 + 60 * k) for k in range(6)]
    return np.array([(math.cos(a), math.sin(a)) for a in angles])


_CORNERS = hex_corners()
_CORNER_EXPERT = [EMOTIONS.index(n) for n in HEX_CORNER_ORDER]


def weights_from_point(x: float, y: float, normalized: bool = False) -> tuple[float, ...]:
    """Point in the unit hexagon -> six weights (EMOTIONS order).

    The point lies in the triangle (centre, corner k, corner k+1); its barycentric coordinates
    give the two neighbouring experts' weights, so the centre is neutral and a corner is one
    pure expert. Points outside are pulled back onto the edge.
    """
    p = np.array([x, y], np.float64)
    angle = (math.degrees(math.atan2(y, x)) + 90.0) % 360.0
    k = int(angle // 60) % 6
    a, b = np.linalg.solve(np.column_stack([_CORNERS[k], _CORNERS[(k + 1) % 6]]), p)
    a, b = max(a, 0.0), max(b, 0.0)
    if a + b > 1.0 or (normalized and a + b > 0):
        a, b = a / (a + b), b / (a + b)
    w = [0.0] * NUM_EXPERTS
    w[_CORNER_EXPERT[k]] = round(a, 4)
    w[_CORNER_EXPERT[(k + 1) % 6]] = round(b, 4)
    return tuple(w)


def point_from_weights(weights) -> tuple[float, float]:
    """Inverse of weights_from_point for two neighbouring experts; the weighted centroid
    of the corners otherwise (scaled into the hexagon when the weights sum above 1)."""
    w = np.asarray(weights, np.float64)[_CORNER_EXPERT]
    p = (w[:, None] * _CORNERS).sum(axis=0) / max(1.0, w.sum())
    return float(p[0]), float(p[1])


def prompt_gates(text: str) -> np.ndarray:
    """Typed text -> six gates (Emotion-to-Latents). Slow the first time: run it in a worker."""
    from core.latents.resolve import suggest_from_text
    return np.asarray(suggest_from_text(text), np.float64)


def with_prompt(mix: EmotionMix, text: str, gates: np.ndarray | None) -> EmotionMix:
    """The mix conditioned on `text`; the weights show what the text mapped to."""
    if not text or gates is None:
        return replace(mix, prompt=text)
    gates = np.clip(np.asarray(gates, np.float64), 0.0, WEIGHT_MAX)
    if mix.mode == "normalized" and gates.sum() > 0:
        gates = gates / gates.sum()
    return replace(mix, prompt=text, weights=tuple(np.round(gates, 4)), label="")
