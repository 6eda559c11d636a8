"""How blurred the portrait's face is, as the Gaussian sigma (px) a sharp face would need to
look that soft: what the made-up parts (the mouth's interior, a made-up eyeball, the shading's
folds) take on so that they are no crisper than the face they are painted into."""
from __future__ import annotations

import cv2
import numpy as np

from core.rig.tuning import FACE_BLUR


def _energy(gray: np.ndarray) -> float:
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1)
    return float(np.mean(gx * gx) + np.mean(gy * gy))


def measured_blur(image: np.ndarray, xy: np.ndarray) -> float:
    """The raw measure (px) over the landmarks' box of `image` (RGB): the trial blur b that
    keeps a share r of the gradient energy gives b * sqrt(r / (1 - r)), iterated."""
    x0, y0 = np.maximum(np.floor(xy[:, :2].min(0)).astype(int), 0)
    x1, y1 = np.ceil(xy[:, :2].max(0)).astype(int) + 1
    patch = image[y0:y1, x0:x1, :3]
    if min(patch.shape[:2]) < 8:
        return 0.0
    gray = cv2.cvtColor(np.ascontiguousarray(patch), cv2.COLOR_RGB2GRAY).astype(np.float32)
    e0 = _energy(gray)
    if e0 <= 0.0:  # a flat patch: nothing to measure
        return 0.0
    b = FACE_BLUR["start"]
    for _ in range(FACE_BLUR["iterations"]):
        r = min(max(_energy(cv2.GaussianBlur(gray, (0, 0), b)) / e0, 1e-3), 0.999)
        b *= float(np.sqrt(r / (1.0 - r)))
    return b


def face_blur(image: np.ndarray, xy: np.ndarray) -> float:
    """The face's blur (px, a Gaussian sigma) in `image` round the landmarks `xy`, or 0 where
    it is under FACE_BLUR["soft_from"] (a sharp face: made-up parts stay as drawn)."""
    m, b = FACE_BLUR["calibration"]
    raw = measured_blur(image, xy)
    if raw > m[-1]:  # past the table: its last slope
        sigma = b[-1] + (raw - m[-1]) * (b[-1] - b[-2]) / (m[-1] - m[-2])
    else:
        sigma = float(np.interp(raw, m, b))
    return sigma if sigma >= FACE_BLUR["soft_from"] else 0.0
