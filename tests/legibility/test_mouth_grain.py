"""The made-up mouth interior takes the portrait's own grain (core/rig/mouth.py portrait_grain):
a pencil drawing's open mouth is hatched like the drawing, not a smooth grey blob pasted into
it; a grayscale portrait's stays grey."""
import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.face.regions import region
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.mouth import MouthRenderer

SIZE = 384


@pytest.fixture(scope="module")
def drawing(portrait):
    bgr = cv2.cvtColor(portrait, cv2.COLOR_RGB2BGR)
    gray, _ = cv2.pencilSketch(bgr, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
    eng = RigEngine()
    return eng, eng.prepare(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB))


def _mouth(prepared) -> MouthRenderer:
    sp = prepared.at_size(SIZE)
    return next(v for v in vars(sp).values() if isinstance(v, MouthRenderer))


def _cavity(frame) -> np.ndarray:
    """Pixels well inside the open inner lips that are dark (the made-up cavity: this drawing
    of the sample portrait shows its real upper teeth, pasted over the interior)."""
    xy = frame.info["landmarks"]
    poly = np.vstack([xy[region("lips_upper_inner")], xy[region("lips_lower_inner")][::-1]])
    mask = np.zeros(frame.image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    dark = mask * (cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY) < 110)
    return cv2.erode(dark.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0  # off its edges


def _detail(frame, where: np.ndarray) -> float:
    """Std of the fine luminance detail over `where`."""
    y = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float((y - cv2.GaussianBlur(y, (0, 0), 1.5))[where].std())


def _render(eng, prepared, mix: EmotionMix, index: int = 15):
    return eng.render_frame(RenderJob(portrait=prepared, mix=mix, size=SIZE, duration=1.0,
                                      fps=25), index)


def test_a_drawings_open_mouth_is_hatched_like_the_drawing(drawing):
    eng, prepared = drawing
    mouth = _mouth(prepared)
    grain = mouth.grain
    assert grain is not None and float(np.abs(grain).mean()) > 5  # pencil strokes
    mix = EmotionMix.from_preset("surprised")
    with_grain = _render(eng, prepared, mix)
    mouth.grain = None
    try:
        without = _render(eng, prepared, mix)
    finally:
        mouth.grain = grain
    cavity = _cavity(without)
    assert cavity.sum() > 200  # open enough to measure
    textured, smooth = _detail(with_grain, cavity), _detail(without, cavity)
    assert textured > 2.5 * smooth and textured > 2.0, (textured, smooth)  # now 3.4 and 0.6


def test_a_grayscale_portraits_mouth_stays_grey_with_its_grain(portrait):
    gray = cv2.cvtColor(cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    eng = RigEngine()
    prepared = eng.prepare(gray)
    assert _mouth(prepared).grain is not None
    image = _render(eng, prepared, EmotionMix.from_preset("surprised")).image.astype(int)
    assert int((image.max(-1) - image.min(-1)).max()) <= 1
