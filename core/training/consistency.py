"""Does a clip show the emotion its label claims? Its measured AU profile against the label's
prototype: Du et al. 2014 Table 1 as measured on real faces (core/emotions.py BASIC_PROTOTYPES:
the prototypical AUs at 1, each variant at the share of subjects who showed it), mixed by the
label's weights. Not the rig's experts (core/expression.py): those are tuned to read on a 2-D
warp (a broad grin's AU10 and AU16 in happy) and would judge real clips by the rig's needs.

profile = each AU's `au_profile_percentile` over the clip's frames (the expression at its
height, not diluted by calm frames); score = cosine between profile and the label's AU vector,
leaving out the AUs that speech and blinks move in every clip (25, 26, 27, 43, 45). A clip
scoring under `emotion_consistency_min` (tuning.py) is filtered out and listed with its score.
Neutral clips have no prototype and are kept.
"""
from __future__ import annotations

import numpy as np

from core.emotions import AU_INDEX, BASIC_PROTOTYPES, EMOTIONS, NUM_AUS
from core.latents.label import canonical_label, label_weights
from core.training.tuning import TUNING

SPEECH_AUS = (25, 26, 27, 43, 45)


def _measured(name: str) -> np.ndarray:
    """(NUM_AUS,) one basic emotion's prototype as Du et al. measured it."""
    proto = BASIC_PROTOTYPES[name]
    v = np.zeros(NUM_AUS, np.float32)
    for au, share in proto.variants.items():
        v[AU_INDEX[au]] = share
    for au in proto.core:
        v[AU_INDEX[au]] = 1.0
    return v


_MEASURED = np.stack([_measured(e) for e in EMOTIONS])


def au_profile(aus: np.ndarray) -> np.ndarray:
    """(N, NUM_AUS) per-frame intensities -> (NUM_AUS,)."""
    return np.percentile(aus, TUNING["au_profile_percentile"], axis=0).astype(np.float32)


def emotion_score(aus: np.ndarray, label: str) -> float | None:
    """Cosine in [0, 1] between the clip's AU profile and the label's; None for neutral."""
    key = canonical_label(label)
    if key == "neutral":
        return None
    proto = np.asarray(label_weights(key), np.float32) @ _MEASURED
    prof = au_profile(aus)
    drop = [AU_INDEX[a] for a in SPEECH_AUS]
    proto[drop] = 0.0
    prof[drop] = 0.0
    denom = float(np.linalg.norm(prof) * np.linalg.norm(proto))
    return float(prof @ proto / denom) if denom > 1e-9 else 0.0


def inconsistency(row: dict, threshold: float) -> str | None:
    """The reason to filter a prepared clip (its manifest row), or None to keep it."""
    score = row.get("emotion_score")
    if score is None or score >= threshold:
        return None
    return (f"emotion inconsistent: its AUs match '{row['emotion']}' at {score:.2f} "
            f"(< {threshold:.2f})")
