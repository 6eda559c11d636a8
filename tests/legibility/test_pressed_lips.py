"""Anger with pressed lips (tests/legibility/mixes.py) presses and thins them; sadness does not
(core/rig/au_basis.py _toward_split, core/rig/motion.py _lips_after_guard). On the smiling
portrait, whose mouth is open at rest, the pressed lips used to close by thickening: the lip
contours were moved toward the mouth's split line by a share of their distance from it, which
counted the smile's opening as lip, and the fold guard's relaxation then ran along the lower lip
and thickened it again. Anger's lips came out as full as sadness's pout (upper lip 0.116 against
0.119 IPD, lower 0.169 against 0.173)."""
import numpy as np
import pytest

from core.face.regions import region
from core.rig.au_points import curve_at
from tests.legibility.mixes import preset
from tests.legibility.test_lip_rings import _landmarks

# each lip's red at the face's midline: outer contour to inner contour (Face Mesh 0-13, 14-17)
UPPER, LOWER = (0, 13), (14, 17)


def _red(Q: np.ndarray) -> tuple[float, float]:
    return float(Q[UPPER[1], 1] - Q[UPPER[0], 1]), float(Q[LOWER[1], 1] - Q[LOWER[0], 1])


@pytest.fixture(scope="module")
def motion(portrait):
    from core.rig.portrait import PreparedPortrait
    return PreparedPortrait(portrait).motion


def test_anger_thins_the_lips_that_sadness_keeps(motion):
    rest = _red(motion.P)
    sad, _ = _landmarks(motion, "sad")
    angry, _ = _landmarks(motion, "pressed anger")
    (su, sl), (au, al) = _red(sad), _red(angry)
    # measured: sad 0.096 / 0.142, pressed anger 0.057 / 0.071 (rest, stretched by the smile:
    # 0.070 / 0.120); before, 0.116 / 0.169 against 0.119 / 0.173
    assert au < 0.75 * su and al < 0.9 * sl, ((su, sl), (au, al))
    assert au < rest[0], "anger's pressed upper lip is thinner than the smile's stretched one"


def test_pressing_a_mouth_open_at_rest_carries_the_lips_whole(motion):
    """AU24's field on a parted mouth: the inner contours close and each lip's outer contour
    comes with them, a little nearer (the red compressed), never left behind (thickened)."""
    k = motion.basis.index()
    f = sum(motion.basis.matrix[k[(24, s)]] for s in ("R", "L")).reshape(-1, 2)
    gap = motion.P[LOWER[0], 1] - motion.P[UPPER[1], 1]
    assert gap > 0.1  # the smiling portrait shows its teeth
    up_change = f[UPPER[1], 1] - f[UPPER[0], 1]  # upper red's height change (+ thicker)
    lo_change = f[LOWER[1], 1] - f[LOWER[0], 1]
    assert f[UPPER[1], 1] > 0.4 * gap / 2 and f[LOWER[0], 1] < -0.4 * gap / 2  # closing
    assert up_change <= 0 and lo_change <= 0, (up_change, lo_change)


@pytest.mark.parametrize("name", ["angry", "pressed anger", "sadly angry", "angrily disgusted",
                                  "sad"])
def test_after_the_guard_no_lip_ring_crosses_the_other_lip(motion, name):
    Q, _ = _landmarks(motion, name)
    up_in, lo_in = region("lips_upper_inner"), region("lips_lower_inner")
    rings_lo = np.concatenate([region(n) for n in ("lips_lower_semi_inner",
                                                   "lips_lower_semi_outer")])
    rings_up = np.concatenate([region(n) for n in ("lips_upper_semi_inner",
                                                   "lips_upper_semi_outer")])
    rest_lo = motion.P[rings_lo, 1] - curve_at(motion.P[up_in], motion.P[rings_lo, 0])
    rest_up = curve_at(motion.P[lo_in], motion.P[rings_up, 0]) - motion.P[rings_up, 1]
    below = Q[rings_lo, 1] - curve_at(Q[up_in], Q[rings_lo, 0])
    above = curve_at(Q[lo_in], Q[rings_up, 0]) - Q[rings_up, 1]
    # each ring stays on its side of the other lip's inner contour, or no further over than
    # the rest face already has it (beside the smile's corners)
    assert np.all(below >= np.minimum(rest_lo, 0.0) - 1e-4), name
    assert np.all(above >= np.minimum(rest_up, 0.0) - 1e-4), name


@pytest.fixture(scope="module")
def hopper():
    import cv2
    from matplotlib import cbook

    from core.rig.portrait import PreparedPortrait
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return PreparedPortrait(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).motion


def _inner_gap(motion, mix) -> float:
    from dataclasses import replace

    from core.rig.compose import FrameDrive, compose
    from core.track import TrackBuilder
    row = replace(TrackBuilder().for_mixes([mix], mix.gates()).row(0),
                  head=np.zeros(3), gaze=np.zeros(2))
    pose, emotion = compose(motion, row, FrameDrive(speech={}))
    Q = motion.P + motion.displacement(pose, emotion)
    up, lo = region("lips_upper_inner")[1:-1], region("lips_lower_inner")[1:-1]
    return float((Q[lo, 1] - Q[up, 1]).mean())


def test_pressed_lips_stay_shut_over_a_lifted_upper_lip(hopper):
    """The basis' AU24 closes only the gap the lips had at rest: pressed anger's upper lip
    lifted further (AU10 0.5) parted its pressed lips 0.012 IPD, a band of teeth (on a tilted
    face its own AU10 0.3 did). The mix's press closes the gap the lips have now, less what
    parts or lifts them; a sneer with parted lips still bares the teeth."""
    angry = _inner_gap(hopper, preset("pressed anger", {10: 0.5}))
    assert angry < 0.008, angry  # mouth.py "closed_gap"
    assert _inner_gap(hopper, preset("disgusted")) > 0.05
    assert _inner_gap(hopper, preset("angrily disgusted")) > 0.05
