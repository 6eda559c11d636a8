"""A blurred face's made-up parts are as soft as the face: the blur measured on a patch round the
mouth saturated (8 px of blur measured 2.4-3.4), so a degraded photo's open mouth was a crisp
black hole in a blurred face (GFPGAN's inputs 0143 and 0368, by eye). core/rig/face_blur.py
measures the whole face's blur as a Gaussian sigma; the mouth's made-up interior and made-up
eyes take a share of it (FACE_BLUR), the shading's folds all of it. A sharp face measures 0: nothing
changes there."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.face_blur import face_blur
from core.rig.tuning import FACE_BLUR


@pytest.fixture(scope="module")
def sharp(portrait):
    return RigEngine().prepare(portrait).at_size(512)


@pytest.mark.parametrize("sigma", [4.0, 6.0, 8.0])
def test_a_known_blur_is_measured(sharp, sigma):
    blurred = cv2.GaussianBlur(sharp.image, (0, 0), sigma)
    assert face_blur(blurred, sharp.rest_xy) == pytest.approx(sigma, rel=0.25)


@pytest.mark.parametrize("sigma", [0.0, 1.0])
def test_a_sharp_face_measures_nothing(sharp, sigma):
    img = cv2.GaussianBlur(sharp.image, (0, 0), sigma) if sigma else sharp.image
    assert face_blur(img, sharp.rest_xy) == 0.0
    assert face_blur(np.full_like(img, 128), sharp.rest_xy) == 0.0  # flat: nothing to measure


def _grad(a: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


@pytest.mark.parametrize("sigma", [8.0, 12.0])
def test_an_open_mouth_is_no_crisper_than_its_blurred_face(portrait, sigma):
    eng = RigEngine()
    p = eng.prepare(cv2.GaussianBlur(portrait, (0, 0), sigma))
    sp = p.at_size(512)
    blur = face_blur(sp.image, sp.rest_xy)
    assert sp.mouth.made_up_soft == pytest.approx(FACE_BLUR["mouth"] * blur)
    assert sp.mouth.made_up_soft > sp.mouth.soft
    assert min(e.soft for e in sp.eyes.eyes) >= FACE_BLUR["eyes"] * blur
    assert sp.shading.blur == pytest.approx(blur * sp.shading.scale)

    def frame(mix):
        job = RenderJob(portrait=p, mix=mix, size=512, duration=1.0, fps=25)
        return eng.render_frame(job, 15).image

    rest, open_ = frame(EmotionMix(intensity=0.0)), frame(EmotionMix.from_preset("surprised"))
    xy = sp.rest_xy
    ipd = float(np.hypot(*(xy[468] - xy[473])))
    lips = xy[[61, 291, 0, 17]]
    x0, y0 = (lips.min(0) - 0.3 * ipd).astype(int)
    x1, y1 = (lips.max(0) + 0.5 * ipd).astype(int)  # the jaw drops
    f0, f1 = xy.min(0).astype(int), xy.max(0).astype(int)
    mouth = np.quantile(_grad(open_)[y0:y1, x0:x1], 0.99)
    face = np.quantile(_grad(rest)[f0[1]:f1[1], f0[0]:f1[0]], 0.99)
    # the mouth's steepest edges against the face's at rest: 1.94 and 2.05 with the mouth
    # patch's own blur alone, 1.53 and 1.26 now (the mouth takes 0.6 of the face's blur)
    assert mouth < 1.7 * face
