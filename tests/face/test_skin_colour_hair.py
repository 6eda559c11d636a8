"""A side's skin colour leaves blonde hair out (core/face/regions.py skin_colour, SKIN in
core/rig/tuning.py): deepface's img3, hair over one cheek and temple, got a grey-beige box
painted under its raised brow."""
import cv2
import numpy as np
import pytest

from core.face.regions import L_IRIS_CENTER, R_IRIS_CENTER, skin_colour, skin_points
from core.rig.engine import RigEngine
from core.rig.tuning import SKIN

BLONDE = (205, 192, 140)  # RGB: light, yellow, as img3's strands (hue ~80 deg against skin's ~50)


@pytest.fixture(scope="module")
def face(portrait):
    return portrait.copy(), RigEngine().prepare(portrait).analysis.xy


def _side_points(xy, side):
    pts = skin_points()
    r, l = xy[R_IRIS_CENTER, :2], xy[L_IRIS_CENTER, :2]
    across = (xy[pts, :2] - (r + l) / 2) @ (l - r)
    on = pts[across > 0] if side else pts[across < 0]
    # lateral first: hair falls over the temple and the cheek's outer side
    return on[np.argsort(-np.abs(across[across > 0] if side else across[across < 0]))]


def _paint(img, xy, points, colour):
    out = img.copy()
    for p in points:
        cv2.circle(out, tuple(int(v) for v in np.round(xy[p, :2])), 4, colour, -1)
    return out


def test_blonde_hair_over_a_cheek_is_not_the_skin(face):
    img, xy = face
    pts = _side_points(xy, 0)
    hair = _paint(img, xy, pts[:int(0.45 * len(pts))], BLONDE)  # 45 % of the side on hair
    at = np.round(xy[pts, :2]).astype(int)
    on_hair = (hair[at[:, 1], at[:, 0]] == BLONDE).all(1)
    assert 0.4 < on_hair.mean() < 0.6
    # what the side's skin points off the hair show
    skin = np.median(img[at[~on_hair, 1], at[~on_hair, 0]].astype(np.float32), 0)
    plain = skin_colour(hair, xy, 0)
    kept = skin_colour(hair, xy, 0, SKIN)
    assert np.abs(plain - skin).max() > 20  # the hair moves the plain median
    np.testing.assert_allclose(kept, skin, atol=3.0)  # (a skin point may be out too)


def test_a_shadowed_side_stays_in_shadow(face):
    """Shadowed skin is darker and redder than lit skin: it is skin, and it stays."""
    img, xy = face
    pts = _side_points(xy, 1)
    shade = img.copy()
    mask = np.zeros(img.shape[:2], np.uint8)
    for p in pts:
        cv2.circle(mask, tuple(int(v) for v in np.round(xy[p, :2])), 4, 1, -1)
    dark = np.clip(img.astype(np.float32) * np.float32([0.6, 0.5, 0.45]), 0, 255)
    shade[mask > 0] = dark[mask > 0].astype(np.uint8)
    plain, kept = skin_colour(shade, xy, 1), skin_colour(shade, xy, 1, SKIN)
    assert np.abs(kept - plain).max() < 3, (plain, kept)


def test_a_grey_portrait_has_no_hue_to_leave_out(face):
    img, xy = face
    grey = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    hair = _paint(grey, xy, _side_points(xy, 0)[:8], (230, 230, 230))
    for s in (0, 1, None):
        np.testing.assert_array_equal(skin_colour(hair, xy, s, SKIN), skin_colour(hair, xy, s))
