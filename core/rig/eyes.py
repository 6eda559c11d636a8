"""Eyes: the warp squashes whatever lies between the lids; a real iris doesn't squash. So the
rest iris is painted back, shifted by gaze and head motion, clipped to the current lid opening:
as lids close they cover the iris instead of flattening it (DESIGN.md, "Eyes")."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.regions import region

EYE_TUNING = {
    "iris_margin": 1.15,  # disc radius / iris contour radius: include the limbal ring
    "lid_erode": 0.006,  # IPD: keep the lash line drawn by the warp
    "feather": 0.006,  # IPD
    "closed": 0.02,  # IPD of lid opening under which the eye counts as closed
}


@dataclass
class _Eye:
    poly: np.ndarray  # landmark indices of the lid opening, corner to corner and back
    upper_mid: int
    lower_mid: int
    centre: np.ndarray  # rest iris centre (px)
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the patch around the iris
    patch: np.ndarray  # float32 RGB
    alpha: np.ndarray  # float32: iris disc inside the rest opening


def _fill(points: np.ndarray, shape: tuple[int, int], origin) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    pts = np.round((points - np.asarray(origin, np.float32)) * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255.0


class EyeRenderer:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, frame: FaceFrame):
        self.ipd = frame.ipd
        self.eyes = [self._eye(image, rest_xy, s) for s in ("R", "L")]

    def _eye(self, image: np.ndarray, xy: np.ndarray, s: str) -> _Eye:
        corners = {"R": (33, 133), "L": (263, 362)}[s]
        upper, lower = region(f"{s}_eye_upper_lid"), region(f"{s}_eye_lower_lid")
        poly = np.concatenate([[corners[0]], upper, [corners[1]], lower[::-1]])
        iris = region(f"{s}_iris")
        centre = xy[iris[0]].astype(np.float32)
        r = float(np.mean(np.hypot(*(xy[iris[1:]] - centre).T))) * EYE_TUNING["iris_margin"]
        h, w = image.shape[:2]
        pad = int(np.ceil(r)) + 3
        x0, y0 = max(int(centre[0]) - pad, 0), max(int(centre[1]) - pad, 0)
        x1, y1 = min(int(centre[0]) + pad + 1, w), min(int(centre[1]) + pad + 1, h)
        shape = (y1 - y0, x1 - x0)
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        disc = np.clip(r - np.hypot(xx - centre[0], yy - centre[1]) + 0.5, 0, 1)
        opening = _fill(xy[poly], shape, (x0, y0))
        return _Eye(poly, int(upper[len(upper) // 2]), int(lower[len(lower) // 2]), centre,
                    (x0, y0, x1, y1), image[y0:y1, x0:x1].astype(np.float32), disc * opening)

    def composite(self, img: np.ndarray, deformed_xy: np.ndarray,
                  gaze_px=(0.0, 0.0)) -> np.ndarray:
        """Paint the unsquashed irises into `img` (in place) and return it."""
        for eye in self.eyes:
            self._paint(img, deformed_xy, eye, np.asarray(gaze_px, np.float32))
        return img

    def _paint(self, img, xy, eye: _Eye, shift: np.ndarray) -> None:
        opening = float(np.hypot(*(xy[eye.lower_mid] - xy[eye.upper_mid]))) / self.ipd
        if opening < EYE_TUNING["closed"]:
            return
        x0, y0, x1, y1 = eye.box
        ix, iy = int(np.floor(shift[0])), int(np.floor(shift[1]))
        frac = shift - [ix, iy]
        h, w = img.shape[:2]
        X0, Y0, X1, Y1 = x0 + ix, y0 + iy, x1 + ix + 1, y1 + iy + 1
        if X0 < 0 or Y0 < 0 or X1 > w or Y1 > h:
            return
        m = np.float32([[1, 0, frac[0]], [0, 1, frac[1]]])
        size = (X1 - X0, Y1 - Y0)
        patch = cv2.warpAffine(eye.patch, m, size, borderMode=cv2.BORDER_REPLICATE)
        alpha = cv2.warpAffine(eye.alpha, m, size)
        lids = _fill(xy[eye.poly], (size[1], size[0]), (X0, Y0))
        erode = EYE_TUNING["lid_erode"] * self.ipd
        if erode >= 0.5:
            k = int(round(erode * 2)) * 2 + 1
            lids = cv2.erode(lids, np.ones((k, k), np.uint8))
        f = EYE_TUNING["feather"] * self.ipd
        if f > 0.3:
            lids = cv2.GaussianBlur(lids, (0, 0), f)
        a = (alpha * lids)[..., None]
        roi = img[Y0:Y1, X0:X1].astype(np.float32)
        img[Y0:Y1, X0:X1] = np.clip(roi * (1 - a) + patch * a, 0, 255).astype(np.uint8)
