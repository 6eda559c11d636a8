"""A blurred portrait (a soft painting, an old or low-quality photo) keeps its softness where the
rig paints: the made-up mouth and the shading's folds take on the blur the picture shows
(core/rig/eyeball.py visible_blur). A crisp black hole with sharp teeth, or sharp lines across a
blurred forehead, read pasted in (by eye on CodeFormer's degraded face crops)."""
import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.mix import EmotionMix
from core.rig.engine import RigEngine


def _edges(image: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


@pytest.fixture(scope="module")
def blurred(portrait):
    eng = RigEngine()
    return eng, eng.prepare(cv2.GaussianBlur(portrait, (0, 0), 3.0))


def _render(eng, prepared, name):
    job = RenderJob(portrait=prepared, mix=EmotionMix.from_preset(name), size=512,
                    duration=1.0)
    return eng.render_frame(job, 15)


def test_a_blurred_portraits_made_up_mouth_is_as_soft_as_its_face(blurred):
    eng, p = blurred
    assert p.at_size(512).mouth.soft >= 1.0
    rest = _render(eng, p, "neutral")
    face = _edges(rest.image)
    lm = rest.info["landmarks"]
    x0, y0 = np.floor(lm[:, :2].min(0)).astype(int)
    x1, y1 = np.ceil(lm[:, :2].max(0)).astype(int)
    sharpest = np.percentile(face[y0:y1, x0:x1], 99.5)  # the blurred face's own edges
    shown = _render(eng, p, "surprised")
    lm = shown.info["landmarks"]
    lips = lm[[61, 291, 0, 17]]
    a0, b0 = np.floor(lips[:, :2].min(0)).astype(int) - 4
    a1, b1 = np.ceil(lips[:, :2].max(0)).astype(int) + 4
    mouth = _edges(shown.image)[b0:b1, a0:a1]
    assert mouth.max() < 2.0 * sharpest, (mouth.max(), sharpest)



@pytest.mark.parametrize("name", ["sad", "angry"])
def test_a_blurred_portraits_sealed_lips_seam_is_as_soft_as_its_face(blurred, name):
    """The line drawn where lips close over a mouth open at rest (the sample smiles with its
    teeth) takes the picture's blur too: drawn at its own width it was a crisp pencil arc on
    very soft photos (by eye). Sharpest edge at the mouth against the face's own: 2.6-2.7x
    before, 1.2x now."""
    eng, p = blurred
    assert p.at_size(512).mouth.open_at_rest
    rest = _render(eng, p, "neutral")
    lm = rest.info["landmarks"]
    x0, y0 = np.floor(lm[:, :2].min(0)).astype(int)
    x1, y1 = np.ceil(lm[:, :2].max(0)).astype(int)
    sharpest = np.percentile(_edges(rest.image)[y0:y1, x0:x1], 99.5)
    shown = _render(eng, p, name)
    lips = shown.info["landmarks"][[61, 291, 0, 17]]
    a0, b0 = np.floor(lips[:, :2].min(0)).astype(int) - 4
    a1, b1 = np.ceil(lips[:, :2].max(0)).astype(int) + 4
    mouth = _edges(shown.image)[b0:b1, a0:a1]
    assert mouth.max() < 1.8 * sharpest, (mouth.max(), sharpest)


def _degraded(portrait: np.ndarray) -> np.ndarray:
    """A low-quality photo: a quarter size, JPEG at quality 40, scaled back up."""
    small = cv2.resize(portrait, (128, 128), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 40])
    return cv2.resize(cv2.imdecode(buf, cv2.IMREAD_COLOR), portrait.shape[1::-1],
                      interpolation=cv2.INTER_CUBIC)


def _lines(eng, p):
    """Surprise's forehead lines: the render less the same without the shading layer, and the
    box above the brows."""
    from core.rig.shading import ShadingRenderer

    shown = _render(eng, p, "surprised")
    ShadingRenderer.enabled = False
    try:
        bare = _render(eng, p, "surprised")
    finally:
        ShadingRenderer.enabled = True
    diff = shown.image.astype(np.float32) - bare.image.astype(np.float32)
    brows = shown.info["landmarks"][[70, 300, 105, 334], :2]
    top = int(brows[:, 1].min())
    x0, x1 = int(brows[:, 0].min()), int(brows[:, 0].max())
    return diff[max(top - 80, 0):top, x0:x1]


def test_a_degraded_portraits_forehead_lines_take_its_blur(portrait):
    """The shading's folds are blurred by the portrait's own blur too (in its map's pixels):
    the same lines' steepest step is gentler than with that blur set to nothing; a sharp
    portrait measures none."""
    eng = RigEngine()
    assert eng.prepare(portrait).at_size(512).shading.blur == 0.0
    p = eng.prepare(_degraded(portrait))
    shading = p.at_size(512).shading
    assert shading.blur > 0.5
    soft = _lines(eng, p)
    shading.blur = 0.0
    sharp = _lines(eng, p)
    assert np.abs(sharp).max() > 6  # the lines are drawn
    step = lambda d: float(np.abs(np.diff(d.mean(2), axis=0)).max())
    assert step(soft) < 0.8 * step(sharp), (step(soft), step(sharp))
