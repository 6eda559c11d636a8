"""Each lip keeps its layers in order (core/rig/motion.py _order_rings): with the smiling
portrait's smile taken away and its jaw dropped (fear, surprise), the upper lip beside the
corners stayed a lip: outer contour above the inner one, the corner's outer point beside its
inner one. Before, the upper lip there turned over, and the fold guard's unfolding left the
outer corner point below and inside the inner one (an opening with square ends)."""
from dataclasses import replace

import numpy as np
import pytest

from core.face.regions import region
from core.rig.au_points import curve_at
from core.rig.compose import FrameDrive, compose
from core.rig.portrait import PreparedPortrait
from core.track import TrackBuilder
from tests.legibility.mixes import preset


@pytest.fixture(scope="module")
def motion(portrait):
    return PreparedPortrait(portrait).motion


def _landmarks(motion, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(the rig's landmarks in the face frame, the displacement before the fold guard);
    `name` a preset's, or "pressed anger" (tests/legibility/mixes.py)."""
    mix = preset(name)
    row = replace(TrackBuilder().for_mixes([mix], mix.gates()).row(0),
                  head=np.zeros(3), gaze=np.zeros(2))
    pose, emotion = compose(motion, row, FrameDrive(speech={}))
    seen = {}
    guard = motion.fold_guard

    class Spy:
        def unfold(self, d, *a):  # what displacement asks of the guard
            seen["d"] = d.copy()
            return guard.unfold(d, *a)

        def __getattr__(self, k):
            return getattr(guard, k)

    motion.fold_guard = Spy()
    try:
        d = motion.displacement(pose, emotion)
    finally:
        motion.fold_guard = guard
    return motion.P + d, seen["d"]


@pytest.mark.parametrize("name", ["surprised", "fearful", "sadly surprised"])
def test_an_open_mouth_keeps_its_corners_and_upper_lip(motion, name):
    Q, before_guard = _landmarks(motion, name)
    for outer, inner in ((61, 78), (291, 308)):
        out = -1.0 if outer == 61 else 1.0  # the subject's right corner lies at x < 0
        # the outer point stays outside the inner one, at about its height (rest: 0.034 IPD
        # outside, 0.014 above; before: 0.023 inside and 0.069 below in surprise)
        assert (Q[outer, 0] - Q[inner, 0]) * out > 0.0, name
        assert abs(Q[outer, 1] - Q[inner, 1]) < 0.03, name
    # the upper lip beside the corners: outer contour above its rings, each ring above the
    # inner contour where it stands (before: 185 at 1.116 IPD under 184 1.113, 183 1.106 and
    # the inner contour's 191 1.097, turned over)
    for column in ((185, 184), (409, 408)):
        assert Q[column[0], 1] < Q[column[1], 1], (name, column)
    inner = region("lips_upper_inner")
    for ring in ("lips_upper_semi_inner", "lips_upper_semi_outer"):
        pts = region(ring)
        x = Q[pts, 0]
        mid = (x > Q[inner[1], 0]) & (x < Q[inner[-2], 0])
        assert np.all(Q[pts[mid], 1] < curve_at(Q[inner], x[mid])), (name, ring)
    # and the guard has little left to unfold around the mouth (before: 15 triangles)
    flipped = motion.fold_guard.flipped(before_guard)
    lips = np.concatenate([region(n) for n in ("lips_upper_outer", "lips_upper_inner",
                                               "lips_lower_outer", "lips_lower_inner")])
    assert np.isin(motion.fold_guard.tri[flipped], lips).any(1).sum() <= 3, name


def test_the_rest_face_is_untouched(motion):
    Q, before_guard = _landmarks(motion, "neutral")
    assert np.array_equal(Q, motion.P)
