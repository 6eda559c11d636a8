"""Appearance from AUs: folds, furrows and bulges drawn into a luminance-gain map (DESIGN.md,
"Appearance from AUs"). Geometry alone reads weakly; people read furrows and folds.

Once per portrait and size: the face box, the light's direction (from the portrait's own
shading), a skin mask and the local skin contrast (so a flat painting gets gentle strokes and a
detailed photo photo-like creases). Per frame: each crease of core/rig/shading_table.py whose AUs
are active is placed on the current (deformed) landmarks and drawn as a ridge profile (a dark
crease with a lit lip) into a small map at about 56 px per IPD, blurred, and the image's
luminance is multiplied by it: Y' = g * Y, added equally to R, G and B, so the portrait's chroma
(YCbCr Cb, Cr) is untouched and a grayscale portrait stays exactly grayscale. No active AU: the
frame is returned untouched.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.regions import mirror_map, region
from core.rig.shading_table import CREASES, SHADING_TUNING, Crease

T = SHADING_TUNING
EYE_CORNERS = (33, 133, 263, 362)  # FACS.md; the irises move with gaze, the corners don't
_SHIFT = 4  # cv2 drawing: sub-pixel coordinates in 1/16 px


@dataclass
class _Placed:
    crease: Crease
    rows: slice  # its anchors' rows in the stacked anchor matrix
    side: float  # +1 as written (subject's right), -1 mirrored
    stipple: np.ndarray | None  # (n, 2) face-frame dimple offsets from the mound's centre


def _eye_frame(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(origin px, axes (2, 2), eye-centre distance px) from the eye corners."""
    r = xy[[33, 133]].mean(0)
    l_ = xy[[263, 362]].mean(0)
    d = l_ - r
    n = float(np.hypot(*d))
    x = d / max(n, 1e-6)
    return (r + l_) / 2, np.stack([x, np.array([-x[1], x[0]])]), n


class ShadingRenderer:
    enabled = True  # benchmarks switch the layer off to measure it

    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, frame: FaceFrame):
        self.ipd = frame.ipd
        h, w = image.shape[:2]
        self.scale = min(1.0, T["map_ipd"] / self.ipd)  # map px per image px
        xy = rest_xy[:, :2].astype(np.float64)
        _, axes, eye_dist = _eye_frame(xy)
        self.ipd_per_eye_dist = self.ipd / eye_dist
        pad = 0.5 * self.ipd
        lo = np.maximum(np.floor(xy.min(0) - pad), 0).astype(int)
        hi = np.minimum(np.ceil(xy.max(0) + pad), [w, h]).astype(int)
        self.box = (int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
        self._build_anchors()
        y = self._luma(image)
        skin = self._skin_mask(image, y, xy)
        contrast, self.detail = self._contrast(y, skin)
        x0, y0, x1, y1 = self.box
        msize = (max(round((x1 - x0) * self.scale), 2), max(round((y1 - y0) * self.scale), 2))
        gain = np.clip(contrast / T["contrast_ref"], T["contrast_floor"], T["contrast_ceiling"])
        self.skin_gain = cv2.resize(gain * skin, msize, interpolation=cv2.INTER_AREA)
        self.free_gain = cv2.resize(gain, msize, interpolation=cv2.INTER_AREA)
        self.light = self._light(y, xy, axes)  # face frame, unit

    # ----- once per portrait
    def _build_anchors(self) -> None:
        rows, placed, n = [], [], 0
        mm = mirror_map()
        rng = np.random.default_rng(17)
        for crease in CREASES.values():
            for side in ((1.0, -1.0) if crease.mirror else (1.0,)):
                m = np.zeros((len(crease.path), 478 + 3), np.float32)  # + dx, dy, taper
                for k, (lms, dx, dy, taper) in enumerate(crease.path):
                    idx = [mm[i] for i in lms] if side < 0 else list(lms)
                    np.add.at(m[k], idx, 1.0 / len(idx))
                    m[k, 478:] = (dx * side, dy, taper)
                dots = None
                if crease.stipple:
                    r = np.sqrt(rng.uniform(0, 1, T["stipple_dots"])) * crease.width * 0.8
                    a = rng.uniform(0, 2 * np.pi, T["stipple_dots"])
                    dots = np.stack([np.cos(a) * r, np.sin(a) * r * 0.7], 1)
                placed.append(_Placed(crease, slice(n, n + len(m)), side, dots))
                rows.append(m)
                n += len(m)
        stack = np.vstack(rows)
        self.anchor_w = stack[:, :478]
        self.anchor_off = stack[:, 478:480]
        self.taper = stack[:, 480]
        self.placed = placed

    @staticmethod
    def _luma(image: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_RGB2GRAY)

    def _skin_mask(self, image: np.ndarray, y: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """(box) float mask, 1 where the rest portrait's colour matches its cheeks' skin."""
        x0, y0, x1, y1 = self.box
        ycc = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1, :3]),
                           cv2.COLOR_RGB2YCrCb).astype(np.float32)
        pts = np.round(xy[np.concatenate([region("cheek_R"), region("cheek_L"),
                                          region("forehead")])]).astype(int) - [x0, y0]
        ok = (pts[:, 0] >= 0) & (pts[:, 0] < x1 - x0) & (pts[:, 1] >= 0) & (pts[:, 1] < y1 - y0)
        samples = ycc[pts[ok, 1], pts[ok, 0]]
        if len(samples) < 4:
            return np.ones(ycc.shape[:2], np.float32)
        med = np.median(samples, 0)
        spread = np.maximum(np.median(np.abs(samples - med), 0) * 1.48, [8.0, 2.5, 2.5])
        dl = (ycc[..., 0] - med[0]) / (spread[0] * T["skin_luma_tol"])
        dc = np.hypot(*((ycc[..., 1:] - med[1:]) / (spread[1:] * T["skin_chroma_tol"])).transpose(2, 0, 1))
        mask = np.exp(-0.5 * (dl ** 2 + dc ** 2)).astype(np.float32)
        return cv2.GaussianBlur(mask, (0, 0), max(0.02 * self.ipd, 0.5))

    def _contrast(self, y: np.ndarray, skin: np.ndarray) -> tuple[np.ndarray, float]:
        """Local skin detail (box): the mean fine-scale |high-pass| of the luminance (pores,
        freckles, brush texture) over the skin, edges clipped so a lid or lip contour doesn't
        count as texture; and its median over the skin."""
        x0, y0, x1, y1 = self.box
        f = y[y0:y1, x0:x1].astype(np.float32)
        hp = np.abs(f - cv2.GaussianBlur(f, (0, 0), T["detail_sigma"] * self.ipd))
        on = skin > 0.5
        detail = float(np.median(hp[on])) if on.any() else T["contrast_ref"]
        hp = np.minimum(hp, 3.0 * max(detail, 0.5))
        sig = T["contrast_sigma"] * self.ipd
        local = cv2.GaussianBlur(hp * skin, (0, 0), sig) / np.maximum(
            cv2.GaussianBlur(skin, (0, 0), sig), 1e-3)
        return local.astype(np.float32), detail

    def _light(self, y: np.ndarray, xy: np.ndarray, axes: np.ndarray):
        """Direction the light comes from (face frame). Sideways: the cheeks' luminance gradient
        across the face (least squares over both cheeks); up/down can't be told apart from
        hair or a beard on the forehead or chin, so it is taken as overhead, as in nearly every
        portrait."""
        blur = cv2.GaussianBlur(y, (0, 0), max(0.08 * self.ipd, 1.0)).astype(np.float32)
        p = xy[np.concatenate([region("cheek_R"), region("cheek_L")])]
        px = np.clip(np.round(p).astype(int), 0, [y.shape[1] - 1, y.shape[0] - 1])
        lum = blur[px[:, 1], px[:, 0]]
        ff = (p - p.mean(0)) @ axes.T / self.ipd
        a = np.column_stack([ff[:, 0], np.ones(len(ff))])
        coef, *_ = np.linalg.lstsq(a, lum, rcond=None)
        gx = coef[0] / max(float(np.mean(lum)), 1.0)
        v = np.array([np.clip(T["light_side_gain"] * gx, -2.0, 2.0), -1.0])
        return (v / float(np.hypot(*v))).astype(np.float32)

    # ----- per frame
    def strengths(self, aus: dict[int, float]) -> np.ndarray:
        return np.array([min(1.0, sum(w * aus.get(au, 0.0) for au, w in pl.crease.aus.items()))
                         for pl in self.placed], np.float32)

    def apply(self, img: np.ndarray, aus: dict[int, float], xy: np.ndarray) -> np.ndarray:
        """Shade `img` (h, w, 3 uint8, the warped frame; in place) for the frame's AU
        intensities `aus` on its landmarks `xy` (478, 2 px) and return it."""
        if not self.enabled or not aus:
            return img
        s = self.strengths(aus)
        active = np.flatnonzero(s >= T["min_strength"])
        if not len(active):
            return img
        _, axes, eye_dist = _eye_frame(xy[:, :2].astype(np.float64))
        ipd = eye_dist * self.ipd_per_eye_dist
        pts = self.anchor_w @ xy[:478, :2].astype(np.float32) + (self.anchor_off @ axes) * ipd
        x0, y0, x1, y1 = self.box
        margin = T["roi_margin"] * ipd + 0.25 * ipd * max(
            (self.placed[i].crease.width for i in active), default=0.0) / 0.1
        used = np.vstack([pts[self.placed[i].rows] for i in active])
        bx0, by0 = np.maximum(np.floor(used.min(0) - margin), [x0, y0]).astype(int)
        bx1, by1 = np.minimum(np.ceil(used.max(0) + margin), [x1, y1]).astype(int)
        if bx1 - bx0 < 2 or by1 - by0 < 2:
            return img
        # map cells aligned with the precomputed gain maps
        mx0, my0 = int((bx0 - x0) * self.scale), int((by0 - y0) * self.scale)
        mx1 = min(int(np.ceil((bx1 - x0) * self.scale)) + 1, self.skin_gain.shape[1])
        my1 = min(int(np.ceil((by1 - y0) * self.scale)) + 1, self.skin_gain.shape[0])
        shape = (my1 - my0, mx1 - mx0)
        if min(shape) < 2:
            return img
        layers = {"skin": np.zeros(shape, np.float32), "free": None,
                  "mound": np.zeros(shape, np.float32)}
        to_map = lambda p: (p - [x0, y0] + 0.5) * self.scale - 0.5 - np.array([mx0, my0])
        light = (self.light @ axes).astype(np.float32)
        m_ipd = ipd * self.scale
        widen = 1.0 + T["smooth_widen"] * (1.0 - min(self.detail / T["contrast_ref"], 1.0))
        for i in active:
            pl = self.placed[i]
            p = to_map(pts[pl.rows])
            if pl.crease.kind == "mound":
                self._mound(layers, pl, p, s[i], m_ipd, light, axes)
                continue
            key = "skin" if pl.crease.skin_only else "free"
            if layers[key] is None:
                layers[key] = np.zeros(shape, np.float32)
            bulge = None if pl.crease.bulge is None else \
                (np.array([pl.crease.bulge[0] * pl.side, pl.crease.bulge[1]]) @ axes)
            self._crease(layers[key], pl.crease, p, self.taper[pl.rows] * s[i],
                         pl.crease.width * m_ipd * widen, light, bulge)
        delta = self._combine(layers, (my0, my1, mx0, mx1), m_ipd, widen)
        self._multiply(img, delta, (mx0, my0), (bx0, by0, bx1, by1), (x0, y0))
        return img

    @staticmethod
    def _crease(layer: np.ndarray, c: Crease, p: np.ndarray, strength: np.ndarray,
                width: float, light: np.ndarray, bulge) -> None:
        """A dark line along `p` with a lit lip on the side facing the light (or the bulge)."""
        v = c.depth * (strength[:-1] + strength[1:]) / 2
        thick = max(round(width), 1)
        lip_thick = max(round(width * T["lip_width"]), 1)
        seg = p[1:] - p[:-1]
        normal = np.stack([-seg[:, 1], seg[:, 0]], 1) / np.maximum(
            np.hypot(*seg.T), 1e-6)[:, None]
        toward = light if bulge is None else bulge
        facing = normal @ toward
        side = np.where(facing >= 0, 1.0, -1.0)
        lit = v * c.lip * (np.clip(np.abs(facing), 0.35, 1.0) if bulge is None else 1.0)
        off = normal * (side * T["lip_offset"] * width)[:, None]
        q = np.round(p * 16).astype(np.int32)
        ql0 = np.round((p[:-1] + off) * 16).astype(np.int32)
        ql1 = np.round((p[1:] + off) * 16).astype(np.int32)
        for k in range(len(seg)):
            cv2.line(layer, tuple(ql0[k]), tuple(ql1[k]), float(lit[k]), lip_thick,
                     cv2.LINE_AA, _SHIFT)
        for k in range(len(seg)):
            cv2.line(layer, tuple(q[k]), tuple(q[k + 1]), float(-v[k]), thick, cv2.LINE_AA, _SHIFT)

    @staticmethod
    def _mound(layers: dict, pl: _Placed, p: np.ndarray, strength: float, m_ipd: float,
               light: np.ndarray, axes: np.ndarray) -> None:
        """A lit bump: highlight toward the light, shadow away from it; dimples if stippled."""
        c = pl.crease
        centre = p.mean(0)
        r = c.width * m_ipd
        v = c.depth * strength
        ax = (max(round(r), 1), max(round(r * 0.7), 1))
        ang = float(np.degrees(np.arctan2(axes[0, 1], axes[0, 0])))
        for sign, amount in ((-1.0, -T["mound_shadow"] * v), (1.0, v)):
            ctr = np.round((centre + sign * light * r * T["mound_lift"]) * 16).astype(np.int32)
            cv2.ellipse(layers["mound"], tuple(ctr), (ax[0] * 16, ax[1] * 16), ang, 0, 360,
                        float(amount), -1, cv2.LINE_AA, _SHIFT)
        if pl.stipple is not None:
            dots = centre + (pl.stipple @ axes) * m_ipd
            rad = max(round(0.012 * m_ipd * 16), 8)
            for d in np.round(dots * 16).astype(np.int32):
                cv2.circle(layers["skin"], tuple(d), rad, float(-T["stipple"] * v), -1,
                           cv2.LINE_AA, _SHIFT)

    def _combine(self, layers: dict, window, m_ipd: float, widen: float) -> np.ndarray:
        my0, my1, mx0, mx1 = window
        soft = T["soft"] * 0.016 * m_ipd * widen
        delta = cv2.GaussianBlur(layers["skin"], (0, 0), max(soft, 0.5))
        if layers["mound"].any():
            delta += cv2.GaussianBlur(layers["mound"], (0, 0), max(0.06 * m_ipd, 1.0))
        delta *= self.skin_gain[my0:my1, mx0:mx1]
        if layers["free"] is not None:
            free = cv2.GaussianBlur(layers["free"], (0, 0), max(soft, 0.5))
            delta += free * self.free_gain[my0:my1, mx0:mx1]
        return delta

    def _multiply(self, img: np.ndarray, delta: np.ndarray, m_origin, box, roi_origin) -> None:
        """img[box] luminance *= 1 + delta (delta on the map grid whose cell (0, 0) is map
        cell m_origin of the face box); the change is added to R, G and B alike."""
        bx0, by0, bx1, by1 = box
        x0, y0 = roi_origin
        inv = 1.0 / self.scale
        # affine map from box pixels to map cells (the gain maps were resized with INTER_AREA,
        # so map cell c covers image pixels [c / scale, (c + 1) / scale))
        tx = (bx0 - x0) * self.scale - m_origin[0] + 0.5 * self.scale - 0.5
        ty = (by0 - y0) * self.scale - m_origin[1] + 0.5 * self.scale - 0.5
        m = np.float32([[self.scale, 0, tx], [0, self.scale, ty]])
        size = (bx1 - bx0, by1 - by0)
        full = cv2.warpAffine(delta, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_CONSTANT) if inv != 1.0 else \
            delta[:size[1], :size[0]]
        roi = img[by0:by1, bx0:bx1]
        y = cv2.cvtColor(roi, cv2.COLOR_RGB2GRAY)
        dy = cv2.multiply(full, y, dtype=cv2.CV_32F)
        dy3 = cv2.merge([dy, dy, dy])
        img[by0:by1, bx0:bx1] = cv2.add(roi, dy3, dtype=cv2.CV_8U)
