"""Body language: each expert's head posture and gaze, mixed by the same global gates g.

Conventions (the rig's, core/rig/motion.py and core/rig/life.py): yaw > 0 turns the face toward
the subject's right; pitch > 0 lowers the chin (a nod); roll > 0 tilts the head toward the
subject's left shoulder; gaze x > 0 looks toward the subject's left, gaze y > 0 looks down.
Angles are degrees. The posture is added to the speech-driven head motion and gaze of life.py.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from core import validate
from core.emotions import EMOTIONS
from core.errors import InputError
from core.expression import per_expert

# expert -> (yaw, pitch, roll, gaze x, gaze y) in degrees, and "stare": the share of the
# life motion's saccades an expert at full weight holds still. A few degrees each: enough to
# read, small enough that a 2-D warp keeps the face whole (life.py heads stay within 6-10 deg).
# Sources: Wallbott 1998 (Eur. J. Soc. Psychol. 28, "Bodily expression of emotion": head down in
# sadness, head back in surprise/fear); Darwin 1872 ch. 11-12 (disgust turns the face away,
# surprise throws the head back); Adams & Kleck 2005 (Emotion 5: direct gaze goes with anger and
# joy, averted gaze with fear and sadness); Witkower & Tracy 2019 (Psychol. Sci. 30: a 10-deg
# chin-down tilt with forward gaze reads as dominance/anger: the brows look lowered, AU4-like);
# Keltner 1995 (J. Pers. Soc. Psychol. 68: gaze down and head down in embarrassment/sadness).
# Values tuned by eye on renders of the sample portrait (docs contact sheets).
POSTURE: dict[str, dict[str, float]] = {
    # head up a little (Wallbott 1998, joy); gaze direct (Adams & Kleck 2005)
    "happy": {"yaw": 0.0, "pitch": -2.5, "roll": 0.0, "gaze_x": 0.0, "gaze_y": 0.0, "stare": 0.0},
    # head down, gaze down (Wallbott 1998; Keltner 1995); at 6 deg of pitch the projection
    # hides the raised inner brows (AU1) on the sample portrait, at 4 it keeps them
    "sad": {"yaw": 0.0, "pitch": 4.0, "roll": 0.0, "gaze_x": 0.0, "gaze_y": 12.0, "stare": 0.0},
    # chin down, eyes up under the brows to keep a fixed, direct stare (Witkower & Tracy 2019;
    # Adams & Kleck 2005): most saccades held still
    "angry": {"yaw": 0.0, "pitch": 4.0, "roll": 0.0, "gaze_x": 0.0, "gaze_y": -4.0,
              "stare": 0.8},
    # face turned and tilted away, head back a little (Darwin 1872); eyes stay on the object
    "disgusted": {"yaw": 5.0, "pitch": -2.0, "roll": 4.0, "gaze_x": 3.0, "gaze_y": 0.0,
                  "stare": 0.0},
    # head back and turned away (Wallbott 1998); a sidelong look back at the threat
    "fearful": {"yaw": 6.0, "pitch": -4.0, "roll": 0.0, "gaze_x": 4.0, "gaze_y": 0.0,
                "stare": 0.0},
    # head back (Darwin 1872; Wallbott 1998)
    "surprised": {"yaw": 0.0, "pitch": -5.0, "roll": 0.0, "gaze_x": 0.0, "gaze_y": -1.0,
                  "stare": 0.0},
}

# Iris shift per degree of eye rotation, in IPD: a 12 mm eyeball radius over a 63 mm IPD
# (Dodgson 2004, mean adult IPD) gives 0.19 IPD per radian (life.py uses the same ~0.003).
IRIS_IPD_PER_DEG = 12.0 / 63.0 * math.pi / 180.0
# Hand-set offsets (render flags, app, keys): bounded so a 2-D warp of a photo stays whole.
HEAD_LIMITS_DEG = (15.0, 12.0, 12.0)  # yaw, pitch, roll: at 15 deg of yaw hair edges start to bend
GAZE_LIMITS_DEG = (30.0, 20.0)  # x, y: eyes rotate ~+-35-45 deg; irises stay inside the lids

_HEAD = np.array([[POSTURE[e][k] for k in ("yaw", "pitch", "roll")] for e in EMOTIONS])
_GAZE = np.array([[POSTURE[e][k] for k in ("gaze_x", "gaze_y")] for e in EMOTIONS])
_STARE = np.array([POSTURE[e]["stare"] for e in EMOTIONS])

# expert -> gain on the life motion's head (its drift and the nods on stressed syllables,
# core/rig/life.py), unlisted 1.0. Movement activity is low in sadness and high in hot anger
# and elated joy (Wallbott 1998, the same study as the postures above; Busso et al. 2007, IEEE
# TASLP 15, found head motion in emotional speech differing by emotion as well): a sad voice's
# head moved as much as a neutral one's (1.27 degrees of pitch spread on a 3 s sentence), nodding
# on every stressed syllable like an emphatic speaker; at 0.5 it is 0.64.
HEAD_LIFE: dict[str, float] = {"sad": 0.5, "angry": 1.25, "happy": 1.15}
HEAD_LIFE_RANGE = (0.3, 1.6)  # the mixed gain's bounds (compounds, exaggeration)
_HEAD_LIFE = per_expert(HEAD_LIFE, dtype=np.float64) - 1.0


@dataclass
class Posture:
    head: np.ndarray  # (T, 3) degrees
    gaze: np.ndarray  # (T, 2) IPD
    gaze_life: np.ndarray  # (T,) gain on the life motion's gaze
    head_life: np.ndarray  # (T,) gain on the life motion's head


def posture(g: np.ndarray) -> Posture:
    """Body language of gates g (T, 6): sum_i g_i * posture_i, like the experts' AUs."""
    g = np.asarray(g, np.float64).reshape(-1, len(EMOTIONS))
    return Posture(head=g @ _HEAD, gaze=(g @ _GAZE) * IRIS_IPD_PER_DEG,
                   gaze_life=np.clip(1.0 - g @ _STARE, 0.0, 1.0),
                   head_life=np.clip(1.0 + g @ _HEAD_LIFE, *HEAD_LIFE_RANGE))


def check_pose(head, gaze, what: str = "") -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Validated (head, gaze) tuples; InputError naming the value otherwise."""
    head = _numbers(head, ("yaw", "pitch", "roll"), what + "head")
    gaze = _numbers(gaze, ("x", "y"), what + "gaze")
    for name, v, lim in zip(("yaw", "pitch", "roll"), head, HEAD_LIMITS_DEG):
        if abs(v) > lim:
            raise InputError(f"{what}head {name} must be within +-{lim:g} degrees, got {v:g}")
    for name, v, lim in zip(("x", "y"), gaze, GAZE_LIMITS_DEG):
        if abs(v) > lim:
            raise InputError(f"{what}gaze {name} must be within +-{lim:g} degrees, got {v:g}")
    return head, gaze


def _numbers(values, names: tuple[str, ...], what: str) -> tuple[float, ...]:
    """The shape here; each number's type and finiteness by core.validate, as every door does."""
    try:
        values = tuple(values)
    except TypeError:
        raise InputError(f"{what}: expected {len(names)} numbers, got {values!r}") from None
    if len(values) != len(names):
        raise InputError(f"{what}: expected {len(names)} numbers, got {len(values)}")
    return tuple(validate.number(v, label) for label, v in zip(_labels(what, names), values))


@functools.lru_cache(maxsize=64)
def _labels(what: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """Every key of a take checks its pose: the field names are made once, not per number."""
    return tuple(f"{what} {name}" for name in names)


def parse_angles(text: str, n: int, flag: str) -> tuple[float, ...]:
    """'5,-3,0' -> (5.0, -3.0, 0.0) for --head (n=3) or --gaze (n=2), with clear errors."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != n or not all(parts):
        shape = "YAW,PITCH,ROLL" if n == 3 else "X,Y"
        raise InputError(f"{flag}: expected {shape} in degrees, e.g. "
                         f"{'5,-3,0' if n == 3 else '0,10'}; got {text!r}")
    try:
        return tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(f"{flag}: {text!r} has a value that is not a number") from None
