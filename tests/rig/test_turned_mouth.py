"""A turned face's mouth moves alike on both sides (core/rig/au_points.py `lip_offset`): the far
half of the mouth is foreshortened in the picture, and the lip profiles measured against the
mean half-width gave its corner only part of a frown's drop or a smile's lift (0.08-0.7 of it on
eleven of 46 test portraits): a frown there read as a smirk. Up and down keep their size
whichever way the head turns; sideways motion is foreshortened on the far side."""
import pytest

from core.rig.engine import RigEngine
from core.rig.pose import RigPose

R_CORNER, L_CORNER = 61, 291


@pytest.fixture(scope="module", params=[25.0, -25.0])
def turned(request, portrait):
    """The sample portrait turned by the rig's own head rotation (as the legibility bench's
    turned face is made), prepared as a portrait of its own."""
    eng = RigEngine()
    img = eng.render_pose(eng.prepare(portrait), RigPose(head=(request.param, 0.0, 0.0)), 512)
    return eng.prepare(img).motion


def _corners(motion, aus):
    return motion.displacement(RigPose(aus=aus))[[R_CORNER, L_CORNER]]


@pytest.mark.parametrize("au", [15, 12])
def test_both_corners_rise_and_fall_alike(turned, au):
    dy = _corners(turned, {au: 1.0})[:, 1]
    assert abs(dy).min() > 0.03, dy
    # before: AU15 0.079-0.095 against 0.130 IPD, AU12's lift 0.024-0.037 against 0.039-0.051
    assert abs(dy).min() / abs(dy).max() > 0.9, dy


def test_the_far_corner_moves_less_sideways(turned):
    g = turned.basis.geometry
    near_is_left = abs(g.mx[L_CORNER]) > abs(g.mx[R_CORNER])
    dx = abs(_corners(turned, {20: 1.0})[:, 0])
    far, near = (dx[0], dx[1]) if near_is_left else (dx[1], dx[0])
    halves = sorted([abs(float(g.mx[R_CORNER])), abs(float(g.mx[L_CORNER]))])
    assert far < 0.85 * near
    assert far / near == pytest.approx(halves[0] / halves[1], abs=0.08)
