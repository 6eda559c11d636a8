"""The pixel box around a polygon that a per-frame painter (eyes, mouth) works in."""
from __future__ import annotations

import math

import numpy as np


def poly_box(poly: np.ndarray, shape: tuple[int, ...], pad: int = 2) -> tuple[int, ...] | None:
    """(x0, y0, x1, y1) around `poly` (N, 2) px, `pad` px beyond it (one more past the far
    edges: the anti-aliased rim), clipped to an image of `shape`; None when under 2 px wide."""
    h, w = shape[:2]
    (lx, ly), (hx, hy) = poly.min(0).tolist(), poly.max(0).tolist()  # floats: ~3x faster
    x0, y0 = max(math.floor(lx) - pad, 0), max(math.floor(ly) - pad, 0)
    x1, y1 = min(math.ceil(hx) + pad + 1, w), min(math.ceil(hy) + pad + 1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1
