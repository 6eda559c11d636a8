"""The pixel box around a polygon that a per-frame painter (eyes, mouth) works in, and the
polygon's anti-aliased mask in it."""
from __future__ import annotations

import math

import cv2
import numpy as np

# uint8 coverage -> the float mask: these are the values of coverage.astype(float32) / 255,
# looked up in one cv2.LUT pass: on an eye's box (~700 px) ~1.5x faster than the cast and the
# division, but its gather is not vectorised: level at ~2000 px, half the speed at 8000
UNIT = np.arange(256, dtype=np.float32) / 255.0
_LUT_MAX = 2000  # px


def poly_box(poly: np.ndarray, shape: tuple[int, ...], pad: int = 2) -> tuple[int, ...] | None:
    """(x0, y0, x1, y1) around `poly` (N, 2) px, `pad` px beyond it (one more past the far
    edges: the anti-aliased rim), clipped to an image of `shape`; None when under 2 px wide."""
    h, w = shape[:2]
    # the ufuncs' own reductions (ndarray.min/max's Python wrappers cost ~1 us more a call);
    # then floats: ~3x faster
    (lx, ly), (hx, hy) = np.minimum.reduce(poly).tolist(), np.maximum.reduce(poly).tolist()
    x0, y0 = max(math.floor(lx) - pad, 0), max(math.floor(ly) - pad, 0)
    x1, y1 = min(math.ceil(hx) + pad + 1, w), min(math.ceil(hy) + pad + 1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


def polygon_coverage(points: np.ndarray, shape: tuple[int, int], origin) -> np.ndarray:
    """uint8 anti-aliased coverage (0-255) of a polygon (N, 2) px in a box of `shape` whose
    corner is `origin` px: polygon_mask before its scaling (look it up in a table of your own,
    UNIT or one derived from it, to get a mask and a function of it in one pass)."""
    mask = np.zeros(shape, np.uint8)
    pts = points - np.asarray(origin, np.float32)
    pts *= 16  # the same values as the product (1/16 px: fillPoly's shift=4)
    cv2.fillPoly(mask, [pts.round(out=pts).astype(np.int32)], 255, lineType=cv2.LINE_AA,
                 shift=4)
    return mask


def polygon_mask(points: np.ndarray, shape: tuple[int, int], origin) -> np.ndarray:
    """Anti-aliased float mask of a polygon (N, 2) px in a box of `shape` whose corner is
    `origin` px."""
    mask = polygon_coverage(points, shape, origin)
    if 0 < mask.size <= _LUT_MAX:
        return cv2.LUT(mask, UNIT)
    return mask.astype(np.float32) / 255.0
