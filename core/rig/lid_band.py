"""How far a dark band reaches above each upper lid: eyeliner, smoky eye shadow, long lashes.

A raised brow (AU1, AU2) stretches the skin between the lid and the brow; the lid's own margin
moves with the lid (AU5). A band of liner or shadow over the margin then stretched with the
skin into a black fan up to the brow, a bruise rather than surprise (by eye on made-up
portraits). Measured here once from the portrait at rest, each band makes the brows' raise
fade out further above its lid (core/rig/au_points.py, LID_BAND in core/rig/tuning.py), so
the band rides with the margin and what stretches is the bare skin above it.
"""
from __future__ import annotations

import cv2
import numpy as np

from core.face.regions import ipd as face_ipd
from core.face.regions import region, skin_colour
from core.rig.blend import LUMA
from core.rig.tuning import LID_BAND


def dark_lid_bands(image: np.ndarray, xy: np.ndarray) -> tuple[float, float]:
    """(subject's right, left): IPD from the upper lid margin up to where its dark band ends
    (0: a bare lid). `image` (H, W, 3) RGB uint8, `xy` (478, 2+) its landmarks in pixels."""
    xy = np.asarray(xy, np.float32)[:, :2]
    ipd = float(face_ipd(xy))
    skins = [float(skin_colour(image, xy, side=k) @ LUMA) for k in range(2)]
    # only the eyes and brows are read: blurred whole, a 2048 px photo cost 17 ms
    pts = xy[np.concatenate([region(f"{s}_{part}") for s in "RL"
                             for part in ("eye_upper_lid", "brow_lower")])]
    h, w = image.shape[:2]
    x0, y0 = np.clip(np.floor(pts.min(0) - 0.1 * ipd).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(pts.max(0) + 0.1 * ipd).astype(int) + 1, [x0 + 1, y0 + 1], [w, h])
    luma = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1, :3]), cv2.COLOR_RGB2GRAY)
    luma = cv2.GaussianBlur(luma.astype(np.float32), (0, 0), max(LID_BAND["blur"] * ipd, 0.5))
    xy = xy - np.float32([x0, y0])
    return tuple(_band(luma, xy, ipd, s, skin) for s, skin in zip("RL", skins))


def _band(luma: np.ndarray, xy: np.ndarray, ipd: float, s: str, skin: float) -> float:
    lid, brow = xy[region(f"{s}_eye_upper_lid")][1:-1], xy[region(f"{s}_brow_lower")]
    step = LID_BAND["step"]
    reaches = []
    for p in lid:  # along the line to the nearest lower-brow point
        b = brow[np.argmin(np.hypot(*(brow - p).T))]
        length = float(np.hypot(*(b - p))) / ipd
        ds = np.arange(0.0, min(length, LID_BAND["reach"]), step, dtype=np.float32)
        if len(ds) < 2:
            reaches.append(0.0)
            continue
        pts = p + np.outer(ds * ipd, (b - p) / max(length * ipd, 1e-6)).astype(np.float32)
        v = cv2.remap(luma, pts[:, :1].copy(), pts[:, 1:].copy(), cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE)[:, 0]
        dark = v < LID_BAND["dark"] * skin
        light = np.flatnonzero(~dark & (ds > 2 * step))  # the margin's own pixel aside
        end = int(light[0]) if len(light) else len(ds)
        run = np.flatnonzero(dark[:end])
        reaches.append(float(ds[run[-1]]) if len(run) else 0.0)
    return float(np.percentile(reaches, LID_BAND["percentile"])) if reaches else 0.0
