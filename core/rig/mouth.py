"""The mouth interior: warping can't invent what is behind the lips, so where the inner-lip
polygon opens we paint a dark cavity, an upper-teeth band that follows the upper lip, a hint of
tongue and, when wide open, the lower teeth; feathered at the lip edge and lit like the face
(DESIGN.md, "Mouth interior")."""
from __future__ import annotations

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.regions import region

# Sizes in IPD, colours as RGB; by eye on the sample portrait and its painted copies.
MOUTH_TUNING = {
    "feather": 0.012,  # lip-edge softness
    "teeth_height": 0.085,  # upper incisors' visible height (FACS.md lip geometry, by eye)
    "teeth_max_share": 0.55,  # teeth take at most this share of the opening's height
    "lower_teeth_from_gap": 0.22,  # lower teeth show once the gap exceeds this
    "lower_teeth_height": 0.045,
    "tongue_from_gap": 0.10,
    "tongue_height": 0.14,
    "tongue_width_share": 0.55,  # of the mouth width
    "teeth_rgb": (242, 238, 228),
    "tongue_rgb": (178, 86, 92),
    "cavity_rgb": (78, 30, 34),  # deep red-brown, not black: lit soft tissue in shadow
    "corner_shade": 0.55,  # teeth darken toward the corners by this much
    "under_lip_shadow": 0.45,  # the top of the teeth sits in the upper lip's shadow
    "rest_open_area": 0.02,  # IPD^2: a rest mouth more open than this shows real teeth
    "closed_gap": 0.008,  # below this mean gap the mouth counts as closed
    "still_px": 0.25,  # inner lips within this of rest: the warped real mouth is already right
}


# the upper incisors sit under the middle of the upper lip, the lower ones behind the middle of
# the lower lip, not at the corners (FACS.md indices)
UPPER_CENTRE = [81, 82, 13, 312, 311]
LOWER_CENTRE = [178, 87, 14, 317, 402]


def _polygon_mask(points: np.ndarray, shape: tuple[int, int], origin: np.ndarray) -> np.ndarray:
    """Anti-aliased float mask of a polygon in a box of `shape` whose corner is `origin`."""
    mask = np.zeros(shape, np.uint8)
    pts = np.round((points - origin) * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255.0


class MouthRenderer:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, frame: FaceFrame):
        self.ipd = frame.ipd
        self.upper = region("lips_upper_inner")
        self.lower = region("lips_lower_inner")
        self.poly = np.concatenate([self.upper, self.lower[::-1][1:-1]])
        self.rest_lips = rest_xy[self.poly, :2].astype(np.float32).copy()
        self.rest_area = self._area(rest_xy)
        self.rest_patch = self._rest_interior(image, rest_xy)
        light = self._face_light(image, rest_xy)
        self.teeth = np.array(MOUTH_TUNING["teeth_rgb"], np.float32) * light
        self.tongue = np.array(MOUTH_TUNING["tongue_rgb"], np.float32) * light
        self.cavity = np.array(MOUTH_TUNING["cavity_rgb"], np.float32) * light

    def _rest_interior(self, image: np.ndarray, rest_xy: np.ndarray):
        """The real mouth interior (teeth) of a portrait whose mouth is open at rest, or None.
        It is repainted following the upper lip, so smiles keep their own teeth."""
        if self.rest_area < MOUTH_TUNING["rest_open_area"] * self.ipd ** 2:
            return None
        poly = rest_xy[self.poly]
        x0, y0 = np.floor(poly.min(0)).astype(int) - 1
        x1, y1 = np.ceil(poly.max(0)).astype(int) + 2
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
        mask = _polygon_mask(poly, (y1 - y0, x1 - x0), np.array([x0, y0], np.float32))
        # split at the midline between the inner lips: upper teeth vs lower teeth
        mid = (rest_xy[self.upper] + rest_xy[self.lower]) / 2
        order = np.argsort(mid[:, 0])
        split = np.interp(np.arange(x0, x1), mid[order, 0], mid[order, 1])
        rows = np.arange(y0, y1)[:, None]
        upper = np.clip(split[None, :] - rows + 0.5, 0, 1).astype(np.float32)
        patch = image[y0:y1, x0:x1].astype(np.float32)
        return (x0, y0), patch, (mask * upper, mask * (1 - upper)), (
            rest_xy[UPPER_CENTRE].mean(0), rest_xy[LOWER_CENTRE].mean(0))

    @staticmethod
    def _face_light(image: np.ndarray, rest_xy: np.ndarray) -> np.ndarray:
        """Per-channel light factor from the cheeks, so teeth aren't whiter than the skin's light."""
        pts = rest_xy[np.concatenate([region("cheek_R"), region("cheek_L")])].astype(int)
        h, w = image.shape[:2]
        pts = pts[(pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)]
        if len(pts) == 0:
            return np.ones(3, np.float32)
        skin = np.median(image[pts[:, 1], pts[:, 0]].astype(np.float32), axis=0)
        # a typical lit skin tone is ~(200,160,140); scale relative to it, keeping colour cast
        return np.clip(skin / np.array([200.0, 160.0, 140.0]), 0.45, 1.15).astype(np.float32)

    def _area(self, xy: np.ndarray) -> float:
        return float(abs(cv2.contourArea(xy[self.poly].astype(np.float32))))

    def opening(self, xy: np.ndarray) -> float:
        """Mean inner-lip gap in IPD."""
        return float(np.mean(xy[self.lower[1:-1], 1] - xy[self.upper[1:-1], 1])) / self.ipd

    def composite(self, img: np.ndarray, deformed_xy: np.ndarray) -> np.ndarray:
        """Paint the interior into `img` (in place, the warped frame) and return it."""
        gap = self.opening(deformed_xy)
        if gap < MOUTH_TUNING["closed_gap"]:
            return img
        if np.abs(deformed_xy[self.poly, :2] - self.rest_lips).max() < MOUTH_TUNING["still_px"]:
            return img  # the warp shows the real mouth unchanged: nothing to repaint
        poly = deformed_xy[self.poly]
        h, w = img.shape[:2]
        x0, y0 = np.floor(poly.min(0)).astype(int) - 2
        x1, y1 = np.ceil(poly.max(0)).astype(int) + 3
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return img
        origin = np.array([x0, y0], np.float32)
        mask = _polygon_mask(poly, (y1 - y0, x1 - x0), origin)
        f = MOUTH_TUNING["feather"] * self.ipd
        if f > 0.3:
            mask = cv2.GaussianBlur(mask, (0, 0), f) * np.clip(mask * 4, 0, 1)
        interior = self._interior(deformed_xy, (y1 - y0, x1 - x0), origin, gap,
                                  teeth=self.rest_patch is None)
        if self.rest_patch is not None:
            interior = self._real_teeth(interior, deformed_xy, origin)
        roi = img[y0:y1, x0:x1].astype(np.float32)
        a = mask[..., None]
        img[y0:y1, x0:x1] = np.clip(roi * (1 - a) + interior * a, 0, 255).astype(np.uint8)
        return img

    def _real_teeth(self, interior: np.ndarray, xy: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Lay the rest interior over the rendered one: its upper part (upper teeth) moved with
        the upper inner lip, its lower part (lower teeth) with the lower inner lip."""
        (rx, ry), patch, masks, rest_centres = self.rest_patch
        size = (interior.shape[1], interior.shape[0])
        for mask, idx, rest in zip(masks[::-1], (LOWER_CENTRE, UPPER_CENTRE), rest_centres[::-1]):
            shift = xy[idx].mean(0) - rest
            m = np.float32([[1, 0, rx + shift[0] - origin[0]], [0, 1, ry + shift[1] - origin[1]]])
            moved = cv2.warpAffine(patch, m, size, borderMode=cv2.BORDER_REPLICATE)
            a = cv2.warpAffine(mask, m, size)[..., None]
            interior = interior * (1 - a) + moved * a
        return interior

    def _interior(self, xy: np.ndarray, shape: tuple[int, int], origin: np.ndarray,
                  gap: float, teeth: bool = True) -> np.ndarray:
        hh, ww = shape
        ys, xs = np.mgrid[0:hh, 0:ww].astype(np.float32)
        xs += origin[0]
        ys += origin[1]
        up, lo = xy[self.upper], xy[self.lower]
        ou, ol = np.argsort(up[:, 0]), np.argsort(lo[:, 0])
        col = xs[0]
        y_up = np.interp(col, up[ou, 0], up[ou, 1])[None, :]
        y_lo = np.interp(col, lo[ol, 0], lo[ol, 1])[None, :]
        local_gap = np.maximum(y_lo - y_up, 1e-3)
        cx = (xy[78, 0] + xy[308, 0]) / 2
        half = max(abs(xy[308, 0] - xy[78, 0]) / 2, 1.0)
        lateral = np.clip(np.abs(col - cx) / half, 0, 1)[None, :]
        ipd = self.ipd
        t = MOUTH_TUNING
        # cavity: darkest under the upper teeth, warming toward the tongue at the bottom and
        # toward the corners (by eye on photos of open mouths)
        v = np.clip((ys - y_up) / local_gap, 0, 1)[..., None]
        dark = self.cavity[None, None, :] * 0.55
        warm = self.tongue[None, None, :] * 0.55
        out = dark * (1 - v ** 2) + warm * v ** 2
        out = out * (1.0 + 0.35 * lateral[..., None] ** 2)
        # tongue: a rounded mound low in the cavity
        if gap > t["tongue_from_gap"]:
            th = t["tongue_height"] * ipd * min(1.0, gap / 0.3)
            tw = t["tongue_width_share"] * half
            top = y_lo - th
            inside = ((xs - cx) / tw) ** 2 + ((ys - y_lo) / max(th, 1.0)) ** 2 < 1.0
            shade = np.clip(0.7 + 0.3 * (ys - top) / max(th, 1.0), 0.6, 1.0)
            strength = min(1.0, (gap - t["tongue_from_gap"]) / 0.1)
            tongue = self.tongue[None, None, :] * shade[..., None] * 0.85
            m = (inside * strength)[..., None]
            out = out * (1 - m) + tongue * m
        if not teeth:
            return out
        # upper teeth band below the upper inner lip
        teeth_h = np.minimum(t["teeth_height"] * ipd, t["teeth_max_share"] * local_gap)
        rel = (ys - y_up) / np.maximum(teeth_h, 1e-3)
        band = (rel >= -0.2) & (rel <= 1.0)
        shade = (1 - t["corner_shade"] * lateral ** 1.5) * (
            1 - t["under_lip_shadow"] * np.clip(1 - rel * 3, 0, 1))
        edge = np.clip((1.0 - rel) * 4, 0, 1)  # soft lower edge of the incisors
        teeth = self.teeth[None, None, :] * shade[..., None]
        m = (band * edge)[..., None]
        out = out * (1 - m) + teeth * m
        # lower teeth when wide open
        if gap > t["lower_teeth_from_gap"]:
            lh = t["lower_teeth_height"] * ipd
            rel_l = (y_lo - ys) / lh
            band_l = (rel_l >= -0.2) & (rel_l <= 1.0)
            strength = min(1.0, (gap - t["lower_teeth_from_gap"]) / 0.1) * 0.7
            shade_l = (1 - t["corner_shade"] * lateral ** 1.2) * 0.8
            m = (band_l * np.clip((1 - rel_l) * 3, 0, 1) * strength)[..., None]
            out = out * (1 - m) + self.teeth[None, None, :] * shade_l[..., None] * m
        return out
