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
from core.expression import aus_from_gates
from core.mix import EmotionMix

BASIC_PRESETS = ("neutral", *EMOTIONS)
PAPER_COMPOUNDS = MOEE_COMPOUNDS  # the MoEE paper's four, listed first
DU_COMPOUNDS = tuple(n for n in COMPOUND_PRESETS if n not in MOEE_COMPOUNDS)


def set_weight(mix: EmotionMix, index: int, value: float) -> EmotionMix:
    """Set one expert. In normalized mode the others give way in proportion, so this one keeps
    its value on the simplex (alone, it is the whole mix: EmotionMix normalises)."""
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
    return replace(mix, mode=mode)


def solo(mix: EmotionMix, index: int) -> EmotionMix:
    """Keys 1-6: only this expert, at full weight (the user's AU toggles stay; a previous
    preset's forced AUs go)."""
    w = [0.0] * NUM_EXPERTS
    w[index] = 1.0
    return replace(without_preset_aus(mix), weights=tuple(w), label=EMOTIONS[index])


def preset_aus(mix: EmotionMix) -> set[int]:
    """The AUs the mix's preset (its label) forced that still hold the preset's intensity: the
    preset's, not the user's. A toggle the user changed or set again is the user's."""
    preset = COMPOUND_PRESETS.get(mix.label)
    if preset is None:
        return set()
    return {au for au in preset.core_aus
            if mix.au_overrides.get(au) == PRESET_CORE_AU_INTENSITY}


def without_preset_aus(mix: EmotionMix) -> EmotionMix:
    gone = preset_aus(mix)
    if not gone:
        return mix
    return replace(mix, au_overrides={a: v for a, v in mix.au_overrides.items() if a not in gone})


def preset_weights(name: str, mode: str) -> tuple[float, ...]:
    return EmotionMix.from_preset(name, mode=mode).weights


def shown_preset(mix: EmotionMix) -> str:
    """The preset the palette still shows: the mix's label while the weights are the preset's;
    "" (custom) once a slider or the hexagon moved them away."""
    if mix.label not in (*BASIC_PRESETS, *COMPOUND_PRESETS):
        return ""
    same = np.allclose(mix.weights, preset_weights(mix.label, mix.mode), atol=1e-3)
    return mix.label if same else ""


def apply_preset(mix: EmotionMix, name: str) -> EmotionMix:
    """A basic emotion or compound preset: its weights, and each of its core AUs (Du et al. 2014
    Table 1) that the weights make weaker than PRESET_CORE_AU_INTENSITY forced on at it (at full
    strength the gates make nearly all of them; forced over a stronger one, a core AU would
    weaken the face). The previous preset's forced AUs go; the user's own toggles stay."""
    out = replace(without_preset_aus(mix), weights=preset_weights(name, mix.mode), label=name)
    if name not in COMPOUND_PRESETS:
        return out
    made = aus_from_gates(out.gates())
    weak = {au: PRESET_CORE_AU_INTENSITY for au in COMPOUND_PRESETS[name].core_aus
            if made.get(au, 0.0) < PRESET_CORE_AU_INTENSITY}
    return replace(out, au_overrides={**out.au_overrides, **weak})


def pick(mix: EmotionMix, weights) -> EmotionMix:
    """A hexagon pick: new weights, no preset (its forced AUs go with it)."""
    return replace(without_preset_aus(mix), weights=tuple(weights), label="")


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


def hex_exact(weights) -> bool:
    """Whether the point is a faithful picture of the weights: at most two experts, neighbours
    on the hexagon, summing to at most 1 (then weights_from_point gives them back exactly). Any
    other mix shares its point with a different two-neighbour blend (happy + fearful sits where
    half "surprised" does)."""
    w = np.asarray(weights, np.float64)[_CORNER_EXPERT]
    on = np.flatnonzero(w > 1e-4)
    if w.sum() > 1.0 + 1e-4:
        return False
    if len(on) <= 1:
        return True
    return len(on) == 2 and (on[1] - on[0]) in (1, 5)


def prompt_gates(text: str) -> tuple[np.ndarray, str | None]:
    """Typed text -> six gates (Emotion-to-Latents) and a note when the text names no emotion.
    Slow the first time: run it in a worker."""
    from core.latents.resolve import read_prompt
    gates, note = read_prompt(text)
    return np.asarray(gates, np.float64), note


def with_prompt(mix: EmotionMix, text: str, gates: np.ndarray | None) -> EmotionMix:
    """The mix conditioned on `text`; the weights show what the text mapped to."""
    if not text or gates is None:
        return replace(mix, prompt=text)
    gates = np.clip(np.asarray(gates, np.float64), 0.0, WEIGHT_MAX)
    return replace(mix, prompt=text, weights=tuple(np.round(gates, 4)), label="")
