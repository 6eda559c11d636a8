"""Eyes: the warp squashes whatever lies between the lids; a real eyeball doesn't squash. So the
rest eye is painted back inside the current lid opening: an "empty" eyeball (the rest eye with
its iris inpainted away, so a gaze shift leaves sclera behind, not a second iris) moving with the
eye corners, and the rest iris disc on top moving with gaze. As lids close they cover the iris
instead of flattening it (DESIGN.md, "Eyes").
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.regions import region
from core.rig.blend import paint, spread
from core.rig.roi import poly_box
from core.rig.ufuncs import clip

EYE_TUNING = {
    "iris_margin": 1.12,  # disc radius / iris contour radius: include the limbal ring
    "feather": 0.008,  # IPD: lid-edge softness (~0.7 px at IPD 85), keeps the warped lash line
    "closed": 0.02,  # IPD of lid opening under which the eye counts as closed (brief)
    "pad": 0.12,  # IPD of texture around the rest eye: room for gaze and lid travel
    "max_gaze": 0.12,  # IPD: the iris stays inside the eye (iris radius ~0.2 IPD, eye ~0.45 wide)
    "inpaint_radius": 0.04,  # IPD: sclera filled in from this far around the iris
}
CORNERS = {"R": (33, 133), "L": (263, 362)}  # FACS.md: outer, inner


@dataclass
class _Eye:
    poly: np.ndarray  # landmark indices of the lid opening, corner to corner and back
    corners: tuple[int, int]
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the textures in the rest image
    empty: np.ndarray  # (bh, bw, 3) float32 eyeball without iris
    iris: np.ndarray  # (bh, bw, 3) float32 rest pixels
    iris_alpha: np.ndarray  # (bh, bw) float32 iris disc (its hidden top filled with iris colour)
    ball_alpha: np.ndarray  # (bh, bw) float32 rest opening: where the eyeball texture is real


def _fill(points: np.ndarray, shape: tuple[int, int], origin) -> np.ndarray:
    """Anti-aliased (shape) float mask of a polygon, `origin` = the box's corner in px."""
    mask = np.zeros(shape, np.uint8)
    pts = np.round((points - np.asarray(origin, np.float32)) * 16).astype(np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255.0


def _shift(patch: np.ndarray, offset: np.ndarray, size: tuple[int, int], border: int):
    m = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
    return cv2.warpAffine(patch, m, size, flags=cv2.INTER_LINEAR, borderMode=border)


class EyeRenderer:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, frame: FaceFrame):
        self.ipd = frame.ipd
        self.rest_xy = rest_xy[:, :2].astype(np.float32).copy()
        self.eyes = [self._eye(image, self.rest_xy, s) for s in ("R", "L")]

    def _eye(self, image: np.ndarray, xy: np.ndarray, s: str) -> _Eye:
        upper, lower = region(f"{s}_eye_upper_lid"), region(f"{s}_eye_lower_lid")
        c = CORNERS[s]
        poly = np.concatenate([[c[0]], upper, [c[1]], lower[::-1]])
        iris = region(f"{s}_iris")
        centre = xy[iris[0]]
        r = float(np.mean(np.hypot(*(xy[iris[1:]] - centre).T))) * EYE_TUNING["iris_margin"]
        h, w = image.shape[:2]
        pad = EYE_TUNING["pad"] * self.ipd
        lo = np.floor(xy[poly].min(0) - pad).astype(int)
        hi = np.ceil(xy[poly].max(0) + pad).astype(int)
        x0, y0, x1, y1 = max(lo[0], 0), max(lo[1], 0), min(hi[0], w), min(hi[1], h)
        patch = np.ascontiguousarray(image[y0:y1, x0:x1, :3])
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        # a pixel past the rest opening too: its anti-aliased edge must repaint with the
        # iris layer's own pixels, not the inpainted sclera
        opening = cv2.dilate((_fill(xy[poly], xx.shape, (x0, y0)) > 0).astype(np.float32),
                             np.ones((3, 3), np.uint8))
        # the iris layer covers the whole inpainted hole, so at rest the eye is repainted with
        # its own pixels (identity) and the inpainted sclera only shows where the iris left
        dist = np.hypot(xx - centre[0], yy - centre[1])
        hole = (dist < r + 1.5).astype(np.uint8) * 255
        disc = clip(r + 2.5 - dist, 0, 1)  # 1 over the whole hole, soft just outside
        rad = max(EYE_TUNING["inpaint_radius"] * self.ipd, 1.0)
        empty = cv2.inpaint(patch, hole, rad, cv2.INPAINT_TELEA).astype(np.float32)
        iris_layer = patch.astype(np.float32)
        # What a raised lid (AU5) uncovers was never visible: fill the hidden top of the iris
        # with the iris's own colour and everything else outside the rest opening with the
        # sclera's, so it reads as "white above the iris" (FACS AU5), not smeared lid skin.
        # Inside the rest opening nothing changes, so the rest eye stays pixel-identical.
        vis = _fill(xy[poly], xx.shape, (x0, y0)) > 0.5
        iris_vis, sclera_vis = vis & (disc > 0.5), vis & (disc <= 0)
        near = cv2.dilate(opening, np.ones((5, 5), np.uint8)) > 0  # the feathered lid edge
        if iris_vis.any():
            iris_layer[~near] = np.median(patch[iris_vis], axis=0)
        if sclera_vis.any():
            empty[~near] = np.median(patch[sclera_vis], axis=0)
        return _Eye(poly, c, (x0, y0, x1, y1), empty, iris_layer, disc, opening)

    def opening(self, xy: np.ndarray, eye: int) -> float:
        """Mean lid opening of eye 0 (subject's right) or 1 (left) in IPD: the opening's area
        over its corner-to-corner width (whatever way the lid points slide sideways)."""
        e = self.eyes[eye]
        area = abs(cv2.contourArea(xy[e.poly].astype(np.float32)))
        width = float(np.hypot(*(xy[e.corners[0]] - xy[e.corners[1]])))
        return area / max(width, 1e-6) / self.ipd

    def composite(self, img: np.ndarray, deformed_xy: np.ndarray,
                  gaze_px=(0.0, 0.0)) -> np.ndarray:
        """Paint the unsquashed eyes into `img` (h, w, 3 uint8; in place) and return it.

        gaze_px: (2,) pixels the irises move (gaze plus head motion of the eye centres); at most
        EYE_TUNING["max_gaze"] away from the eyeball's own motion (the eye corners').
        """
        g = np.asarray(gaze_px, np.float32).reshape(2)
        for i, eye in enumerate(self.eyes):
            if self.opening(deformed_xy, i) >= EYE_TUNING["closed"]:
                self._paint(img, deformed_xy, eye, g)
        return img

    def _paint(self, img: np.ndarray, xy: np.ndarray, eye: _Eye, gaze: np.ndarray) -> None:
        poly = xy[eye.poly]
        box = poly_box(poly, img.shape)
        if box is None:
            return
        X0, Y0, X1, Y1 = box
        size = (int(X1 - X0), int(Y1 - Y0))
        bx, by = eye.box[:2]
        # the eyeball rides with the eye corners (head motion); the iris adds gaze
        c0, c1 = eye.corners
        ball = ((xy[c0] - self.rest_xy[c0]) + (xy[c1] - self.rest_xy[c1])) / 2
        # the iris stays within max_gaze of where the eyeball took it: clamping the whole shift
        # (gaze plus the head's motion) left the iris behind a head tilted back more than ~5
        # degrees, under the lower lid (happily surprised at intensity 1.5: white above a sliver)
        rel = gaze - ball
        limit = EYE_TUNING["max_gaze"] * self.ipd
        norm = float(np.hypot(*rel))
        if norm > limit:
            rel = rel * np.float32(limit / norm)
        o_ball = np.array([bx - X0, by - Y0], np.float32) + ball
        o_iris = o_ball + rel
        empty = _shift(eye.empty, o_ball, size, cv2.BORDER_REPLICATE)
        ba = _shift(eye.ball_alpha, o_ball, size, cv2.BORDER_CONSTANT)
        iris = _shift(eye.iris, o_iris, size, cv2.BORDER_REPLICATE)
        ia = _shift(eye.iris_alpha, o_iris, size, cv2.BORDER_CONSTANT)
        lids = _fill(poly, (size[1], size[0]), (X0, Y0))
        f = EYE_TUNING["feather"] * self.ipd
        if f > 0.3:
            lids = cv2.GaussianBlur(lids, (0, 0), f) * clip(lids * 3, 0, 1)
        # eyeball texture only where it was real at rest (beyond that the warp's raised lid
        # shows); the iris wherever the lids let it
        # in place on the fresh layers (the same values as the plain expressions)
        ia3 = spread(ia)
        content = np.multiply(empty, 1 - ia3, out=empty)
        content += np.multiply(iris, ia3, out=iris)
        # one layer, so the lid's soft edge blends it once
        paint(img, box, content, lids * np.maximum(ba, ia))
