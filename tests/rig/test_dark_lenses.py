"""Sunglasses: lenses that show nothing of the eyes are held whole with their frames
(core/rig/glasses.py _dark_lenses, core/rig/rims.py). Before, the lids' motion behind them bent
the lenses' outlines: surprise bulged a lens's top, anger squashed both."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import core.body as body
from core.cli import run_cli
from core.engine import RenderJob
from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.glasses import find_glasses

LENS = (25, 25, 30)


def _lenses(image: np.ndarray, dark: bool) -> tuple[np.ndarray, list[np.ndarray]]:
    """Oval lenses drawn on a face, filled dark or as dark outlines, with a bridge; the image
    and each lens's outline in image pixels."""
    frame = FaceFrame.from_landmarks(detect_face(image).xy)
    out = image.copy()
    t = np.linspace(0, 2 * np.pi, 100)
    rings = []
    for cx in (-0.5, 0.5):
        ring = frame.to_image(np.column_stack([cx + 0.38 * np.cos(t), 0.03 + 0.24 * np.sin(t)]))
        ring = ring.astype(np.int32)
        if dark:
            cv2.fillPoly(out, [ring], LENS)
        else:
            cv2.polylines(out, [ring], True, LENS, max(int(0.05 * frame.ipd), 1), cv2.LINE_AA)
        rings.append(ring)
    ends = frame.to_image(np.array([[-0.15, -0.05], [0.15, -0.05]])).astype(np.int32)
    cv2.line(out, tuple(map(int, ends[0])), tuple(map(int, ends[1])), LENS,
             max(int(0.05 * frame.ipd), 1), cv2.LINE_AA)
    return out, rings


@pytest.fixture(scope="module")
def shades(portrait):
    return _lenses(portrait, True)


def test_dark_lenses_are_told_from_clear_ones(portrait, shades):
    dark = find_glasses(shades[0], detect_face(shades[0]).xy)
    clear, _ = _lenses(portrait, False)
    clear = find_glasses(clear, detect_face(clear).xy)
    assert dark.found and dark.dark_lenses, dark.scores
    assert clear.found and not clear.dark_lenses, clear.scores
    assert len(dark.rims) == len(clear.rims) + 2  # each lens, whole


def _lens_outline(image: np.ndarray, ring: np.ndarray) -> tuple[np.ndarray, int]:
    """The lens's outline (the largest region of its colour around where it was drawn) and
    its area in pixels."""
    x0, y0 = ring.min(0) - 12
    x1, y1 = ring.max(0) + 12
    dark = (np.abs(image[y0:y1, x0:x1].astype(int) - LENS).max(2) < 40).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark)
    k = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    contours, _ = cv2.findContours((labels == k).astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    return max(contours, key=len), int(stats[k, cv2.CC_STAT_AREA])


def test_the_lenses_keep_their_shape_whatever_the_face_does(shades, monkeypatch):
    """Under surprise, fear, anger and sadness each lens keeps its area within 3 % and its
    outline's shape (Hu moments, cv2.matchShapes, 0 for the same shape) within 0.05. Before:
    areas 1.03-1.11x, shapes 0.07-0.11 (the lids' motion bent the lenses)."""
    monkeypatch.setattr("core.body._HEAD", np.zeros_like(body._HEAD))  # the experts' postures
    monkeypatch.setattr("core.body._GAZE", np.zeros_like(body._GAZE))  # move lenses, rightly
    image, rings = shades
    eng = RigEngine()
    p = eng.prepare(image)
    rest = [_lens_outline(image, r) for r in rings]
    for name in ("surprised", "fearful", "angry", "sad"):
        mix = EmotionMix.from_preset(name, au_overrides={45: 0.0})
        im = eng.render_frame(RenderJob(portrait=p, mix=mix, size=image.shape[0], duration=1.0,
                                        fps=25), 20).image
        for ring, (outline0, area0) in zip(rings, rest):
            outline, area = _lens_outline(im, ring)
            assert abs(area / area0 - 1) < 0.03, f"{name}: a lens's area x{area / area0:.3f}"
            shape = cv2.matchShapes(outline0, outline, cv2.CONTOURS_MATCH_I1, 0)
            assert shape < 0.05, f"{name}: a lens's outline bent ({shape:.3f})"


def test_analyze_says_the_lenses_are_dark(shades, tmp_path, capsys):
    path = tmp_path / "shades.png"
    cv2.imwrite(str(path), cv2.cvtColor(shades[0], cv2.COLOR_RGB2BGR))
    assert run_cli(["analyze", "--portrait", str(path)]) == 0
    glasses = json.loads(capsys.readouterr().out)["eyeglasses"]
    assert glasses["found"] and glasses["dark_lenses"]
