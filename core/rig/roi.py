"""The pixel box around a polygon that a per-frame painter (eyes, mouth) works in."""
from __future__ import annotations

import numpy as np


def poly_box(poly: np.ndarray, shape: tuple[int, ...], pad: int = 2) -> tuple[int, ...] | None:
    """(x0, y0, x1, y1) around `poly` (N, 2) px, `pad` px beyond it (one more past the far
    edges: the anti-aliased rim), clipped to an image of `shape`; None when under 2 px wide."""
    h, w = shape[:2]
    x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - pad, 0)
    x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + pad + 1, [w, h])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return int(x0), int(y0), int(x1), int(y1)
