"""The lifted strip under a raised brow carries the cheek's grain (core/rig/lid_reveal.py
LidReveal._grain): painted one flat colour it showed as a box under the brow on a textured face
(SadTalker's art_1: "goggles")."""
import cv2
import numpy as np
import pytest

from core.rig import lid_reveal
from core.rig.engine import RigEngine
from core.rig.tuning import REVEAL
from tests.rig.test_lid_reveal import _frame, painted_sockets


@pytest.fixture(scope="module")
def flat_strips(portrait):
    """The sample portrait (freckled cheeks) with its strips under the brows painted one flat,
    dark brown at rest: what the raise stretches is then a flat band with no grain of its own."""
    return painted_sockets(portrait)


def _fine(image):
    y = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return y, y - cv2.GaussianBlur(y, (0, 0), 1.5)


def _core(xy, side):
    """The strip's middle: its polygon shrunk by 3 px (the feathered edges left out)."""
    m = np.zeros((512, 512), np.uint8)
    cv2.fillPoly(m, [np.round(lid_reveal._strip(xy, side)).astype(np.int32)], 1)
    return cv2.erode(m, np.ones((7, 7), np.uint8)).astype(bool)


def test_the_lifted_strip_has_the_cheeks_grain(flat_strips, monkeypatch):
    eng, p = flat_strips
    shown = _frame(eng, p, "surprised")
    xy = shown.info["landmarks"]
    assert min(p.at_size(512).lids.shares(xy)) > 0.5
    monkeypatch.setattr(p.at_size(512).lids, "_grains", [None, None])
    flat = _frame(eng, p, "surprised")
    y_shown, _ = _fine(shown.image)
    y_flat, fine_flat = _fine(flat.image)
    ipd = p.at_size(512).lids.ipd
    for side in (0, 1):
        core = _core(xy, side)
        assert core.sum() > 150, side
        grain = (y_shown - y_flat)[core]
        # the cheek's grain (its band below the eye, under the strip's columns) ...
        cols = np.flatnonzero(core.any(0))
        y = float(xy[lid_reveal._CHEEK[side], 1].mean() + REVEAL["grain_drop"] * ipd)
        cheek = fine_flat[int(y) - 6:int(y) + 6, cols[0]:cols[-1] + 1]
        assert cheek.std() > 1.5, side  # freckled skin
        # ... laid over the lifted strip at about its strength: texture, not a shade
        assert 0.35 < grain.std() / cheek.std() < 1.3, (side, grain.std(), cheek.std())
        assert abs(grain.mean()) < 1.0, side
    # outside the painted strips nothing changes
    painted = np.zeros((512, 512), np.uint8)
    for s in (0, 1):
        cv2.fillPoly(painted, [np.round(lid_reveal.painted(xy, s)).astype(np.int32)], 1)
    away = cv2.dilate(painted, np.ones((31, 31), np.uint8)) == 0
    np.testing.assert_array_equal(shown.image[away], flat.image[away])


def test_no_grain_where_no_brow_is_raised(portrait, monkeypatch):
    eng = RigEngine()
    p = eng.prepare(portrait)
    angry = _frame(eng, p, "angry")
    monkeypatch.setattr(p.at_size(512).lids, "_grains", [None, None])
    np.testing.assert_array_equal(angry.image, _frame(eng, p, "angry").image)
