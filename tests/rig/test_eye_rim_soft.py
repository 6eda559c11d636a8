"""On a blurred face, an eye whose lids leave their rest lines is blurred across its rim as the
face is: kept inside the lid polygon, the painted eye (a squint opened by surprise or fear on
GFPGAN's low-resolution inputs) stayed a crisp cut-out with a jagged edge (by eye). At rest, and
on a sharp face, nothing changes."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.face.regions import eye_polygon
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.eyes import _soften_rim


def _grad(a: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def test_the_rim_is_blurred_by_the_share_and_nothing_far_from_it():
    img = np.full((80, 120, 3), (200, 160, 140), np.uint8)
    poly = cv2.ellipse2Poly((60, 40), (30, 14), 0, 0, 360, 10).astype(np.float32)
    cv2.fillPoly(img, [poly.astype(np.int32)], (240, 240, 235))
    cv2.circle(img, (60, 40), 4, (70, 50, 40), -1)
    same = img.copy()
    _soften_rim(same, poly, 3.0, 0.0)
    assert np.array_equal(same, img)  # at rest
    soft = img.copy()
    _soften_rim(soft, poly, 3.0, 1.0)
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [poly.astype(np.int32)], 1)
    k5 = np.ones((5, 5), np.uint8)
    rim = (cv2.dilate(mask, k5) - cv2.erode(mask, k5)) > 0
    assert _grad(soft)[rim].max() < 0.5 * _grad(img)[rim].max()
    far = cv2.dilate(mask, np.ones((25, 25), np.uint8)) == 0
    assert np.array_equal(soft[far], img[far])
    assert np.array_equal(soft[36:45, 56:65], img[36:45, 56:65])  # the pupil, far inside


@pytest.fixture(scope="module")
def blurred(portrait):
    eng = RigEngine()
    return eng, eng.prepare(cv2.GaussianBlur(portrait, (0, 0), 3.0))


def _frame(eng, p, mix):
    return eng.render_frame(RenderJob(portrait=p, mix=mix, size=512, duration=1.0, fps=25),
                            15).image


def test_a_blurred_face_at_rest_is_untouched_and_its_raised_lids_are_soft(blurred):
    eng, p = blurred
    eyes = p.at_size(512).eyes
    assert all(e.soft > 0 for e in eyes.eyes)  # the blur is seen
    still, wide = EmotionMix(intensity=0.0), EmotionMix.from_preset("surprised")
    rest, raised = _frame(eng, p, still), _frame(eng, p, wide)
    softs = [e.soft for e in eyes.eyes]
    try:
        for e in eyes.eyes:
            e.soft = 0.0
        rest_crisp, raised_crisp = _frame(eng, p, still), _frame(eng, p, wide)
    finally:
        for e, s in zip(eyes.eyes, softs):
            e.soft = s
    assert np.array_equal(rest, rest_crisp)
    # raised, the two differ only round the eyes, and there the rim is softer
    near = np.zeros(rest.shape[:2], bool)
    xy = p.at_size(512).rest_xy
    for s in "RL":
        poly = xy[eye_polygon(s)]
        (x0, y0), (x1, y1) = (poly.min(0) - 12).astype(int), (poly.max(0) + 12).astype(int)
        near[y0 - 12:y1, x0:x1] = True  # raised lids: room above
    changed = np.abs(raised.astype(int) - raised_crisp).max(2) > 0
    assert changed.any() and not (changed & ~near).any()
    assert _grad(raised)[changed].mean() < 0.93 * _grad(raised_crisp)[changed].mean()


def test_made_up_fills_ease_out_of_a_blurred_opening():
    """A blurred face's pale eye met the made-up iris top in a crisp line (a dark dash under a
    raised lid, GFPGAN's 0143): past the opening, each layer now eases from the opening's own
    pixels, continued, into its fill over 2 x soft px; inside and far outside nothing moves."""
    from core.rig.eyes import _ease_made_up

    h, w = 60, 80
    opening = np.zeros((h, w), np.uint8)
    cv2.ellipse(opening, (40, 34), (26, 10), 0, 0, 360, 1, -1)
    outside = opening == 0
    layer = np.where(outside[..., None], np.float32(80.0), np.float32(200.0)) \
        * np.ones((1, 1, 3), np.float32)
    before = layer.copy()
    _ease_made_up(outside, 3.0, (layer,))
    assert np.array_equal(layer[~outside], before[~outside])
    far = cv2.distanceTransform(outside.astype(np.uint8), cv2.DIST_L2, 3) > 6.5
    assert np.allclose(layer[far], before[far])
    step = np.abs(np.diff(layer[..., 0], axis=0)).max()
    assert np.abs(np.diff(before[..., 0], axis=0)).max() == 120.0
    assert step < 45.0  # the 120-level step spread over ~6 px
