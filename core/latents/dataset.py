"""Generated training prompts with target gates: templates x words x modifiers x negations x compounds.

Targets are free-mode gate vectors (six values in [0, 1]): a word's strength times its
modifier, both parts of a compound, zero for a negated emotion (plus NEGATED_RESIDUE), all
zeros for neutral phrases. Label-as-text samples use the compound presets' weights.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from core.emotions import COMPOUND_PRESETS, EMOTIONS
from core.latents.lexicon import (COMPOUND_JOINS, MODIFIERS, NEGATED_RESIDUE, NEGATION_THEN,
                                  NEGATIONS, NEUTRAL_PHRASES, TEMPLATES, WORDS)
from core.paths import resource

HELDOUT_PATH = resource("latents", "heldout_prompts.json")
# How many samples of each kind one generation draws (scaled by `scale`).
MIX_COUNTS = {"single": 7000, "compound": 4500, "negation": 1500, "negation_then": 1500,
              "neutral": 1000, "preset": 400}


def _vec(d: dict[str, float]) -> np.ndarray:
    v = np.zeros(len(EMOTIONS), np.float32)
    for k, x in d.items():
        v[EMOTIONS.index(k)] = max(v[EMOTIONS.index(k)], min(1.0, x))
    return v


def _phrase(rng: random.Random, emotion: str, modify: float = 0.6) -> tuple[str, float]:
    word, strength = rng.choice(WORDS[emotion])
    mod, factor = rng.choice(MODIFIERS) if rng.random() < modify else ("", 1.0)
    return (f"{mod} {word}".strip(), float(np.clip(strength * factor, 0.22, 1.0)))


def _single(rng):
    e = rng.choice(EMOTIONS)
    text, level = _phrase(rng, e)
    return rng.choice(TEMPLATES).format(e=text), _vec({e: level})


def _compound(rng):
    a, b = rng.sample(EMOTIONS, 2) if rng.random() < 0.93 else [rng.choice(EMOTIONS)] * 2
    (ta, la), (tb, lb) = _phrase(rng, a, 0.3), _phrase(rng, b, 0.3)
    join, wb = rng.choice(COMPOUND_JOINS)
    text = join.format(a=ta, b=tb)
    if rng.random() < 0.3:
        text = rng.choice(TEMPLATES).format(e=text)
    target = _vec({a: max(0.5, la * 0.95)})
    target = np.maximum(target, _vec({b: max(0.3, lb * wb)}))
    return text, target


def _negation(rng):
    e = rng.choice(EMOTIONS)
    word, _ = rng.choice(WORDS[e])
    return rng.choice(NEGATIONS).format(a=word), _vec(NEGATED_RESIDUE.get(e, {}))


def _negation_then(rng):
    a, b = rng.sample(EMOTIONS, 2)
    word, _ = rng.choice(WORDS[a])
    tb, lb = _phrase(rng, b, 0.3)
    return rng.choice(NEGATION_THEN).format(a=word, b=tb), _vec({b: lb})


def _neutral(rng):
    text = rng.choice(NEUTRAL_PHRASES)
    if rng.random() < 0.4:
        text = rng.choice(["{e}", "looking {e}", "a {e} face", "feeling {e}", "{e} today",
                           "quite {e}", "very {e}", "{e} and quiet"]).format(e=text)
    return text, np.zeros(len(EMOTIONS), np.float32)


def _preset(rng):
    name = rng.choice([*EMOTIONS, "neutral", *COMPOUND_PRESETS])
    weights = ({name: 1.0} if name in EMOTIONS else {} if name == "neutral"
               else COMPOUND_PRESETS[name].weights)
    text = rng.choice(["{e}", "{e}", "looking {e}", "a {e} face"]).format(e=name)
    return text, _vec(weights)


_MAKERS = {"single": _single, "compound": _compound, "negation": _negation,
           "negation_then": _negation_then, "neutral": _neutral, "preset": _preset}


def heldout_texts(path: Path = HELDOUT_PATH) -> set[str]:
    return {_norm(p["text"]) for p in json.loads(path.read_text())["prompts"]}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def generate(seed: int = 0, scale: float = 1.0) -> tuple[list[str], np.ndarray]:
    """Training prompts and targets (N, 6); never a held-out prompt."""
    rng = random.Random(seed)
    banned = heldout_texts()
    texts, targets = [], []
    for kind, count in MIX_COUNTS.items():
        for _ in range(int(count * scale)):
            text, target = _MAKERS[kind](rng)
            if _norm(text) not in banned:
                texts.append(text)
                targets.append(target)
    return texts, np.stack(targets)
