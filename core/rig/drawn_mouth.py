"""How far a drawn mouth really reaches along Face Mesh's lips.

Face Mesh fits a human mouth to every face. On an anime or cartoon face the drawn mouth is often
smaller: the mesh's corners lie on flat skin beyond the drawn lips, and the made-up interior
painted between the warped inner lips showed teeth there, as grey wings past the drawn mouth
(by eye on DualStyleGAN's anime faces, happy, fear and disgust). A photo's or a painting's lips
and the shadow at their corners always differ from the cheeks (154 of them measured, below), a
flat drawing's skin beyond its drawn mouth does not.

`drawn_extent` measures, on each side, the share of the way from the dental midline to the inner
corner (as the mouth renderer's `_Grid.lateral`) where the portrait's colours along the lips
last differ from the cheeks' by DRAWN_MOUTH["delta_e"]; `lateral_fade` turns that into the
interior's mask per pixel.
"""
from __future__ import annotations

import cv2
import numpy as np

from core import lab_tables
from core.face.regions import region
from core.rig.au_points import curve_at, mouth_frame

DRAWN_MOUTH = {
    # CIE76 difference from the cheeks' median colour that counts as mouth (lip, line, shadow).
    # The 154 photos, paintings, drawings and cartoons looked at (deepface's, LivePortrait's,
    # CodeFormer's, VToonify's, GFPGAN's, DECA's, SadTalker's, facenet's, face_recognition's
    # test faces, the six sample portraits, DualStyleGAN's cartoons and paintings) all reach
    # their inner corners at this threshold (at their outer corners, first measured on 143 of
    # them, they differ by 9.4 or more); two anime faces' flat skin beyond their drawn mouths
    # differs by 4.0-5.9
    "delta_e": 8.0,
    # a measured extent at or past this share on both sides is the mesh's own corner (no
    # limit): all 154 photos, paintings and drawings measured 1.0 on both sides, the two anime
    # faces 0.8 and 0.75, 1.0 and 0.95
    "no_limit_from": 0.97,
    # ... and a side reaching under this share is no drawn mouth to keep to: a line, a dot or a
    # mouth Face Mesh missed (52 of 169 anime faces cut from DualStyleGAN's anime overview fell
    # short of 0.97, 35 of them under 0.6 on a side, 23 at 0 on one: limited, their fear and
    # surprise opened half a mouth or a slit, by eye); their made-up mouth is drawn whole, as a
    # cartoon's
    "min_reach": 0.6,
    "steps": 40,  # samples per side, midline to corner
    "band_rows": 9,  # samples across the lips at each
    "min_band": 0.05,  # half-height of the band at least, share of the inner corners' distance
    "fade": 0.12,  # the interior fades out over this share before the drawn extent
}


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab of uint8 RGB pixels of any shape (..., 3), through core/lab_tables.py (OpenCV's
    Lab tables may still be building on another thread while a portrait is prepared)."""
    flat = rgb.reshape(-1, 1, 3).astype(np.float32) * np.float32(1 / 255)
    return lab_tables.cvt(flat, cv2.COLOR_RGB2LAB).reshape(rgb.shape)


def drawn_extent(image: np.ndarray, xy: np.ndarray) -> tuple[float, float] | None:
    """(toward point 78, toward point 308): the drawn mouth's reach as a share of the way from
    the dental midline (point 13) to each inner corner, or None where both reach the corners
    (DRAWN_MOUTH["no_limit_from"]: every photo and painting measured) or one falls far short
    ("min_reach": no drawn mouth to keep to)."""
    t = DRAWN_MOUTH
    h, w = image.shape[:2]
    xy = np.asarray(xy, np.float64)[:, :2]
    cheeks = np.concatenate([region("cheek_R"), region("cheek_L")])
    p = np.clip(np.round(xy[cheeks]).astype(int), 0, [w - 1, h - 1])
    skin = np.median(_lab(image[p[:, 1], p[:, 0], :3]), 0)
    width = float(np.hypot(*(xy[308] - xy[78])))
    if width < 4:
        return None
    c, axes = mouth_frame(xy)  # the mouth renderer's frame (its _Grid.lateral is in it)
    axes = axes.astype(np.float64)

    def uv(pts: np.ndarray) -> np.ndarray:
        return (pts - c) @ axes.T

    mid = float(uv(xy[13:14])[0, 0])
    half = width / 2
    top = uv(xy[region("lips_upper_outer")])
    bottom = uv(xy[region("lips_lower_outer")])
    reach = []
    for side, span in ((-1, half + mid), (1, half - mid)):
        s = np.linspace(0, 1, t["steps"] + 1)[1:]
        u = mid + side * s * max(span, 1.0)
        lo, hi = curve_at(top, u), curve_at(bottom, u)
        centre, band = (lo + hi) / 2, np.maximum(np.abs(hi - lo) / 2, t["min_band"] * width)
        rows = np.linspace(-1, 1, t["band_rows"])
        v = centre[:, None] + rows[None] * band[:, None]
        uu = np.broadcast_to(u[:, None], v.shape)
        px = c[0] + uu * axes[0, 0] + v * axes[1, 0]
        py = c[1] + uu * axes[0, 1] + v * axes[1, 1]
        ix = np.clip(np.round(px).astype(int), 0, w - 1)
        iy = np.clip(np.round(py).astype(int), 0, h - 1)
        diff = np.linalg.norm(_lab(image[iy, ix, :3]) - skin, axis=-1).max(1)
        hit = np.flatnonzero(diff >= t["delta_e"])
        reach.append(float(s[hit[-1]]) if len(hit) else 0.0)
    if min(reach) >= t["no_limit_from"] or min(reach) < t["min_reach"]:
        return None
    return reach[0], reach[1]


def lateral_fade(um: np.ndarray, lateral: np.ndarray, extent: tuple[float, float]
                 ) -> np.ndarray:
    """(h, w) float32 in [0, 1]: 1 inside the drawn mouth, fading to 0 at its reach over
    DRAWN_MOUTH's "fade" before it; `um`, `lateral`: the interior grid's u from the midline and
    each side's share of the way to its corner (mouth.py `_Grid`)."""
    reach = np.where(um < 0, np.float32(extent[0]), np.float32(extent[1]))
    f = (reach - lateral) * np.float32(1 / DRAWN_MOUTH["fade"])
    return np.clip(f, 0, 1).astype(np.float32, copy=False)
