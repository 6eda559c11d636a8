"""Label condition: a basic emotion, neutral, or a compound preset -> the label branch's input.

The paper feeds labels to a 2-layer MLP; here the MLP's input is the label's preset weight
vector plus a neutral flag (LABEL_DIM = 7), so compound presets share what the basic labels learn.
"""
from __future__ import annotations

import numpy as np

from core.emotions import COMPOUND_PRESETS, EMOTIONS
from core.errors import InputError

LABELS: tuple[str, ...] = (*EMOTIONS, "neutral", *COMPOUND_PRESETS)
# Common names people type for the six experts.
ALIASES: dict[str, str] = {"happiness": "happy", "joy": "happy", "sadness": "sad", "anger": "angry",
                           "disgust": "disgusted", "fear": "fearful", "afraid": "fearful",
                           "scared": "fearful", "surprise": "surprised", "calm": "neutral"}


def canonical_label(name: str) -> str:
    key = " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())
    key = ALIASES.get(key, key)
    if key not in LABELS:
        raise InputError(f"unknown emotion label {name!r}; expected one of: " + ", ".join(LABELS))
    return key


def label_weights(name: str) -> np.ndarray:
    """The label's gate vector (6,) in free mode: 1 for a basic emotion, preset weights else."""
    key = canonical_label(name)
    g = np.zeros(len(EMOTIONS), np.float32)
    if key in EMOTIONS:
        g[EMOTIONS.index(key)] = 1.0
    elif key != "neutral":
        for emo, w in COMPOUND_PRESETS[key].weights.items():
            g[EMOTIONS.index(emo)] = w
    return g


def label_vector(name: str) -> np.ndarray:
    """Label branch input (7,): the six weights and a neutral flag."""
    key = canonical_label(name)
    return np.append(label_weights(key), np.float32(key == "neutral")).astype(np.float32)
