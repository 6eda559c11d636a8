"""Appearance from AUs: folds, furrows and bulges drawn into a luminance-gain map (DESIGN.md,
"Appearance from AUs"). Geometry alone reads weakly; people read furrows and folds.

Once per portrait and size: the face box, the light's direction (from the portrait's own
shading), a skin mask and the local skin contrast (so a flat painting gets gentle strokes and a
detailed photo photo-like creases). Per frame: each crease of core/rig/shading_table.py whose AUs
are active is placed on the current (deformed) landmarks and drawn as a ridge profile (a dark
crease with a lit lip) into a small map at about 56 px per IPD, blurred, and the image's
luminance is multiplied by it: Y' = g * Y, added equally to R, G and B, so the portrait's chroma
(YCbCr Cb, Cr) is untouched, except in a fold's shadow on skin, which takes the tint of the
portrait's own shadows on skin (on most photos they are warmer: blue's share falls;
SHADING_TUNING "tint_quantiles"): a washed-out forehead keeps no hue of its own, and its lines
came out grey. A grayscale portrait's skin is grey: it stays exactly grayscale. No active AU: the
frame is returned untouched.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.regions import mirror_map, point, region, skin_points
from core.rig.au_points import catmull_rom
from core.rig.blend import LUMA
from core.rig.eyeball import visible_blur
from core.rig.shading_table import CREASES, POINTS, SHADING_TUNING, Crease
from core.rig.ufuncs import clip

T = SHADING_TUNING
EYE_CORNERS = (33, 133, 263, 362)  # FACS.md; the irises move with gaze, the corners don't
_SHIFT = 4  # cv2 drawing: sub-pixel coordinates in 1/16 px
_TURN = np.float32([-1.0, 1.0])  # (x, y)[::-1] * this: turned a quarter
_SIGNS = np.float32([[-1.0], [1.0]])  # a mound's shadow (away from the light), its highlight
_KEEP = 64  # active crease sets a renderer keeps their tables' rows for


@dataclass
class _Placed:
    crease: Crease
    rows: slice  # its anchors' rows in the stacked anchor matrix
    side: float  # +1 as written (subject's right), -1 mirrored
    stipple: np.ndarray | None  # (n, 2) face-frame dimple offsets from the mound's centre


@dataclass
class _Selection:
    """What a set of active creases selects from the portrait's tables: the same for every
    frame with that set (ShadingRenderer._select keeps them)."""
    rows: np.ndarray  # (anchors,) bool: the active instances' anchors
    widest: float  # the widest active instance's width (IPD)
    seg: np.ndarray  # the active crease segments' indices, and their own tables:
    ends: np.ndarray  # (segments, 2) anchor rows
    owner: np.ndarray
    depth: np.ndarray
    taper: np.ndarray
    width: np.ndarray
    lip: np.ndarray
    has_bulge: np.ndarray
    bulge: np.ndarray
    free: np.ndarray  # (2 segments,) bool: lips, then darks, on the free layer
    any_free: bool
    mounds: list[int]  # the active mounds' instances
    mound_ends: np.ndarray  # (mounds, 2) their first and last anchor rows


def landmarks(points: tuple[str, ...]) -> list[int]:
    """Face Mesh indices of named points (core/rig/shading_table.py POINTS)."""
    out = []
    for name in points:
        where, key = POINTS[name]
        out.append(point(where, key) if isinstance(key, str) else int(region(where)[key]))
    return out


def _eye_frame(xy: np.ndarray) -> tuple[np.ndarray, float]:
    """(axes (2, 2), eye-centre distance px) from the eye corners. Python floats: the same
    float64 arithmetic as numpy's, without a numpy call per scalar."""
    (ax, ay), (bx, by), (cx, cy), (ex, ey) = \
        xy[list(EYE_CORNERS), :2].astype(np.float64).tolist()
    rx, ry = (ax + bx) * 0.5, (ay + by) * 0.5  # the right eye's centre
    dx, dy = (cx + ex) * 0.5 - rx, (cy + ey) * 0.5 - ry  # to the left one's
    n = max((dx * dx + dy * dy) ** 0.5, 1e-6)
    x, y = dx / n, dy / n
    return np.array([[x, y], [-y, x]]), n


def _disjoint_boxes(reach: np.ndarray, shape: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Integer boxes (x0, y0, x1, y1) inside `shape` covering the float boxes `reach` (n, 4),
    overlapping ones merged (so no pixel is blurred in twice)."""
    h, w = shape  # one or two boxes: Python floats cost less than numpy's calls
    boxes = [[max(math.floor(x0), 0), max(math.floor(y0), 0), min(math.ceil(x1), w),
              min(math.ceil(y1), h)] for x0, y0, x1, y1 in reach.tolist()]
    boxes = [b for b in boxes if b[2] > b[0] and b[3] > b[1]]
    merged = True
    while merged and len(boxes) > 1:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return [tuple(b) for b in boxes]


def _union(a, b):
    """The box around boxes `a` and `b` (either None for none), both (lo, lo, hi, hi)."""
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _drawn(pts: np.ndarray, reach: float) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1) of shapes drawn at points `pts` (n, 2 int32, 1/16 px) that
    reach `reach` px from them."""
    x, y, w, h = cv2.boundingRect(pts)
    return (x / 16 - reach, y / 16 - reach, (x + w) / 16 + reach, (y + h) / 16 + reach)


def _blur_into(delta: np.ndarray, layer: np.ndarray, drawn, sigma: float,
               gain: np.ndarray | None):
    """Gaussian blur of `layer` into `delta` in place over the box `drawn` (x0, y0, x1, y1,
    floats: the layer's cells outside it are 0) and the kernel's reach around it only: added
    times `gain`, or without one written there (where delta is 0). -> that box (x0, y0, x1,
    y1), or None if `drawn` is. The same values as blurring all of it: outside the box the
    blur reads only zeros, and inside it the margin past the drawn cells is zeros, so
    reflecting the box's own edge there reads the zeros the whole layer has (4000 random
    layers and sigmas)."""
    if drawn is None:
        return None
    m = math.ceil(4 * sigma) + 1  # past the kernel's radius (cv2: 4 sigma for float32)
    h, w = layer.shape
    a0, b0 = max(math.floor(drawn[0]) - m, 0), max(math.floor(drawn[1]) - m, 0)
    a1, b1 = min(math.ceil(drawn[2]) + 1 + m, w), min(math.ceil(drawn[3]) + 1 + m, h)
    if a1 <= a0 or b1 <= b0:
        return None
    if gain is None:
        cv2.GaussianBlur(layer[b0:b1, a0:a1], (0, 0), sigma, dst=delta[b0:b1, a0:a1])
    else:
        blur = cv2.GaussianBlur(layer[b0:b1, a0:a1], (0, 0), sigma)
        blur *= gain[b0:b1, a0:a1]
        delta[b0:b1, a0:a1] += blur
    return a0, b0, a1, b1


class ShadingRenderer:
    enabled = True  # benchmarks switch the layer off to measure it

    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, frame: FaceFrame,
                 blur: float = 0.0):
        """`blur`: the whole face's blur (px, core/rig/face_blur.py): the folds' least."""
        self.ipd = frame.ipd
        h, w = image.shape[:2]
        # one map cell = k x k image pixels (k integer), so a plain resize brings the map back
        # to pixels exactly aligned
        self.k = max(1, round(self.ipd / T["map_ipd"]))
        self.scale = 1.0 / self.k  # map px per image px
        xy = rest_xy[:, :2].astype(np.float64)
        axes, eye_dist = _eye_frame(xy)
        self.ipd_per_eye_dist = self.ipd / eye_dist
        pad = 0.5 * self.ipd
        lo = np.maximum(np.floor(xy.min(0) - pad), 0).astype(int)
        hi = np.minimum(np.ceil(xy.max(0) + pad), [w, h]).astype(int)
        hi = lo + (hi - lo) // self.k * self.k
        self.box = (int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1]))
        self._build_anchors()
        y = self._luma(image)
        skin = self._skin_mask(image, y, xy)
        contrast, self.detail = self._contrast(y, skin)
        x0, y0, x1, y1 = self.box
        msize = ((x1 - x0) // self.k, (y1 - y0) // self.k)
        gain = clip(contrast / T["contrast_ref"], T["contrast_floor"], T["contrast_ceiling"])
        self.skin_gain = cv2.resize(gain * skin, msize, interpolation=cv2.INTER_AREA)
        self.skin_map = cv2.resize(skin, msize, interpolation=cv2.INTER_AREA)
        on_skin = image[y0:y1, x0:x1, :3][skin > 0.5].astype(np.float32)  # (n, 3)
        self.tone = self._tone(on_skin)
        # per channel, how much more (less) a shadow on skin darkens it than its luminance:
        # as the portrait's own darker skin is tinted against its lighter skin
        self.warmth = None if self.tone is None else self._shadow_tint(on_skin)
        self.warmth_col = None if self.warmth is None else \
            np.float32(self.warmth)[:, None, None]  # (3, 1, 1): against a map, per channel
        self.free_gain = cv2.resize(gain, msize, interpolation=cv2.INTER_AREA)
        self.origin = np.float32([x0, y0])  # the box's corner
        # smooth (painted) portraits get wider, softer creases
        self.widen = 1.0 + T["smooth_widen"] * (1.0 - min(self.detail / T["contrast_ref"], 1.0))
        self.light = self._light(y, xy, axes)  # face frame, unit
        # a blurred portrait's own blur (map px): its folds no sharper than its face (a
        # degraded photo's surprise drew crisp stripes across a blurred forehead, by eye)
        self.blur = max(visible_blur(image[y0:y1, x0:x1]), blur) * self.scale

    # ----- once per portrait
    def _build_anchors(self) -> None:
        rows, placed, n = [], [], 0
        mm = mirror_map()
        rng = np.random.default_rng(17)
        for crease in CREASES.values():
            for side in ((1.0, -1.0) if crease.mirror else (1.0,)):
                m = np.zeros((len(crease.path), 478 + 3), np.float32)  # + dx, dy, taper
                for k, (points, dx, dy, taper) in enumerate(crease.path):
                    idx = landmarks(points)
                    idx = [mm[i] for i in idx] if side < 0 else idx
                    np.add.at(m[k], idx, 1.0 / len(idx))
                    m[k, 478:] = (dx * side, dy, taper)
                if crease.smooth > 1:
                    m = catmull_rom(len(m), crease.smooth) @ m
                dots = None
                if crease.stipple:
                    r = np.sqrt(rng.uniform(0, 1, T["stipple_dots"])) * crease.width * 0.8
                    a = rng.uniform(0, 2 * np.pi, T["stipple_dots"])
                    dots = np.stack([np.cos(a) * r, np.sin(a) * r * 0.7], 1)
                placed.append(_Placed(crease, slice(n, n + len(m)), side, dots))
                rows.append(m)
                n += len(m)
        stack = np.vstack(rows)
        # (points, anchors): each anchor's points, up to the most any has (the rest weigh 0),
        # and their weights: a gather instead of a (anchors, 478) matrix, nearly all zeros
        weights = stack[:, :478]
        most = int((weights != 0).sum(1).max())
        idx = np.argsort(weights == 0, 1, kind="stable")[:, :most]
        self.anchor_wt = np.take_along_axis(weights, idx, 1).T[:, :, None].copy()
        self.anchor_idx = idx.T.copy()
        self.anchor_off = stack[:, 478:480]
        self.taper = stack[:, 480]
        self.placed = placed
        aus = sorted({au for pl in placed for au in pl.crease.aus})
        self.au_list = aus
        self.au_weights = np.array([[pl.crease.aus.get(au, 0.0) for au in aus] for pl in placed],
                                   np.float32)  # (instances, AUs)
        self.row_owner = np.concatenate([np.full(pl.rows.stop - pl.rows.start, i)
                                         for i, pl in enumerate(placed)])
        seg = [(pl.rows.start + k, i) for i, pl in enumerate(placed) if pl.crease.kind == "crease"
               for k in range(pl.rows.stop - pl.rows.start - 1)]
        self.seg_a = np.array([a for a, _ in seg])
        self.seg_owner = np.array([i for _, i in seg])
        self.seg_ends = np.stack([self.seg_a, self.seg_a + 1], 1)
        self.seg_taper = self.taper[self.seg_a] + self.taper[self.seg_a + 1]
        c = [placed[i].crease for i in self.seg_owner]
        self.seg_depth = np.array([x.depth for x in c], np.float32)
        self.seg_lip = np.array([x.lip for x in c], np.float32)
        self.seg_width = np.array([x.width for x in c], np.float32)
        self.seg_free = np.array([not x.skin_only for x in c])
        self.seg_has_bulge = np.array([x.bulge is not None for x in c])
        self.seg_bulge = np.array([(x.bulge[0] * placed[i].side, x.bulge[1]) if x.bulge else (0, 0)
                                   for x, i in zip(c, self.seg_owner)], np.float32)
        self.mounds = np.array([i for i, pl in enumerate(placed) if pl.crease.kind == "mound"],
                               int)
        self.mound_ends = np.array([[placed[i].rows.start, placed[i].rows.stop - 1]
                                    for i in self.mounds], int).reshape(-1, 2)
        self.inst_width = np.array([pl.crease.width for pl in placed], np.float32)
        self._selected: dict[bytes, _Selection] = {}  # by active set (as bytes)

    def _select(self, on: np.ndarray) -> _Selection:
        """The tables' rows for the active instances `on`: gathered once per set (a clip's
        frames share a few), not a dozen gathers a frame. At most _KEEP sets are kept."""
        key = on.tobytes()
        sel = self._selected.get(key)
        if sel is not None:
            return sel
        k = on[self.seg_owner].nonzero()[0]
        free = self.seg_free[k]
        live = on[self.mounds]
        sel = _Selection(on[self.row_owner], float(self.inst_width[on].max()), k,
                         self.seg_ends[k], self.seg_owner[k], self.seg_depth[k],
                         self.seg_taper[k], self.seg_width[k], self.seg_lip[k],
                         self.seg_has_bulge[k], self.seg_bulge[k],
                         np.concatenate([free, free]), bool(free.any()),
                         self.mounds[live].tolist(), self.mound_ends[live])
        if len(self._selected) >= _KEEP:
            self._selected.clear()
        self._selected[key] = sel
        return sel

    @staticmethod
    def _luma(image: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_RGB2GRAY)

    def _skin_mask(self, image: np.ndarray, y: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """(box) float mask, 1 where the rest portrait's colour matches its cheeks' skin."""
        x0, y0, x1, y1 = self.box
        ycc = cv2.cvtColor(np.ascontiguousarray(image[y0:y1, x0:x1, :3]),
                           cv2.COLOR_RGB2YCrCb).astype(np.float32)
        pts = np.round(xy[skin_points()]).astype(int) - [x0, y0]
        ok = (pts[:, 0] >= 0) & (pts[:, 0] < x1 - x0) & (pts[:, 1] >= 0) & (pts[:, 1] < y1 - y0)
        samples = ycc[pts[ok, 1], pts[ok, 0]]
        if len(samples) < 4:
            return np.ones(ycc.shape[:2], np.float32)
        med = np.median(samples, 0)
        spread = np.maximum(np.median(np.abs(samples - med), 0) * 1.48, [8.0, 2.5, 2.5])
        dl = (ycc[..., 0] - med[0]) / (spread[0] * T["skin_luma_tol"])
        chroma = (ycc[..., 1:] - med[1:]) / (spread[1:] * T["skin_chroma_tol"])
        dc = np.hypot(chroma[..., 0], chroma[..., 1])
        mask = np.exp(-0.5 * (dl ** 2 + dc ** 2)).astype(np.float32)
        return cv2.GaussianBlur(mask, (0, 0), max(0.02 * self.ipd, 0.5))

    @staticmethod
    def _tone(rgb: np.ndarray) -> np.ndarray | None:
        """The skin's colour per unit of luminance (R/Y, G/Y, B/Y of the median of its pixels
        `rgb` (n, 3)), or None for a grey portrait (its folds' shadows then darken R, G and B
        alike); the tint of a fold's shadow on skin is taken at it (`_shadow_tint`)."""
        if len(rgb) < 16:
            return None
        med = np.median(rgb, 0)
        luma = float(med @ LUMA)
        tone = med / max(luma, 1.0)
        if luma < 8.0 or float(np.abs(tone - 1.0).max()) < 0.02:
            return None
        return tone.astype(np.float32)

    def _shadow_tint(self, on_skin: np.ndarray) -> list[float]:
        """Per channel c, w_c such that a shadow on skin changes c by (1 + w_c) x the luminance's
        change (ShadingRenderer.apply adds that to each channel) and so moves the colour per
        unit luminance (c/Y) as the portrait's own darker skin differs from its lighter skin:
        the slope of log(c/Y) against log Y between the medians of the skin's luminance
        quantiles in SHADING_TUNING "tint_quantiles", at the skin's median c/Y (`tone`):
        w_c = tone_c (1 + slope_c) - 1 (slope 0 keeps the hue). Clipped to "warmth_max". On
        most photos the shadows are warmer than the light (blue falls), but a colour-graded
        photo's darker skin kept its blue share (0.80 against 0.79 in its lighter skin) and
        lost green, and leaning toward the skin's median colour (blue darkened 1.3x the
        luminance) drew its smile's folds as orange arcs on a beige stubble (by eye).
        `on_skin` (n, 3): the skin's pixels."""
        rgb = on_skin + 1.0
        y = rgb @ LUMA
        lo, mid, hi = np.quantile(y, T["tint_quantiles"])
        dark, light = (y >= lo) & (y < mid), (y >= mid) & (y <= hi)
        slope = np.zeros(3, np.float32)
        span = float(np.log(np.median(y[light]) / np.median(y[dark]))) \
            if dark.sum() >= 8 and light.sum() >= 8 else 0.0
        if span >= 0.05:  # below it the skin is lit evenly: nothing to measure
            ratio = np.log(rgb / y[:, None])
            slope = (np.median(ratio[light], 0) - np.median(ratio[dark], 0)) / span
        w = self.tone * (1.0 + slope) - 1.0
        return clip(w, -T["warmth_max"], T["warmth_max"]).astype(np.float32).tolist()

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
        px = clip(np.round(p).astype(int), 0, [y.shape[1] - 1, y.shape[0] - 1])
        lum = blur[px[:, 1], px[:, 0]]
        ff = (p - p.mean(0)) @ axes.T / self.ipd
        a = np.column_stack([ff[:, 0], np.ones(len(ff))])
        coef, *_ = np.linalg.lstsq(a, lum, rcond=None)
        gx = coef[0] / max(float(np.mean(lum)), 1.0)
        v = np.array([clip(T["light_side_gain"] * gx, -2.0, 2.0), -1.0])
        return (v / float(np.hypot(*v))).astype(np.float32)

    # ----- per frame
    def strengths(self, aus: dict[int, float]) -> np.ndarray:
        """(instances,) crease strengths in [0, 1] for AU intensities `aus`."""
        v = np.array([aus.get(au, 0.0) for au in self.au_list], np.float32)
        return np.minimum(self.au_weights @ v, 1.0)

    def apply(self, img: np.ndarray, aus: dict[int, float], xy: np.ndarray) -> np.ndarray:
        """Shade `img` (h, w, 3 uint8, the warped frame; in place) for the frame's AU
        intensities `aus` on its landmarks `xy` (478, 2 px) and return it."""
        if not self.enabled or not aus:
            return img
        s = self.strengths(aus)
        on = s >= T["min_strength"]
        if not on.any():
            return img
        axes, eye_dist = _eye_frame(xy)
        axes = axes.astype(np.float32)
        ipd = eye_dist * self.ipd_per_eye_dist
        # each anchor the mean of its (one or two) points, then offset in the face frame
        near = xy[self.anchor_idx, :2].astype(np.float32) * self.anchor_wt
        pts = near.sum(0) + (self.anchor_off @ axes) * ipd
        x0, y0, x1, y1 = self.box
        sel = self._select(on)
        margin = (T["roi_margin"] + 2.5 * sel.widest) * ipd
        used = pts[sel.rows]
        lo, hi = (used.min(0) - margin).tolist(), (used.max(0) + margin).tolist()
        bx0, by0 = max(math.floor(lo[0]), x0), max(math.floor(lo[1]), y0)
        bx1, by1 = min(math.ceil(hi[0]), x1), min(math.ceil(hi[1]), y1)
        # map cells aligned with the precomputed gain maps
        k = self.k
        mx0, my0 = (bx0 - x0) // k, (by0 - y0) // k
        mx1 = min(-(-(bx1 - x0) // k), self.skin_gain.shape[1])
        my1 = min(-(-(by1 - y0) // k), self.skin_gain.shape[0])
        shape = (my1 - my0, mx1 - mx0)
        if bx1 - bx0 < 2 or by1 - by0 < 2 or min(shape) < 2:
            return img
        p = (pts - self.origin + 0.5) * self.scale - 0.5 - np.array([mx0, my0], np.float32)
        layers = {"skin": np.zeros(shape, np.float32), "free": None,
                  "mound": np.zeros(shape, np.float32), "skin box": None, "free box": None}
        light = self.light @ axes
        m_ipd = ipd * self.scale
        self._creases(layers, p, s, sel, m_ipd * self.widen, light, axes)
        reach = self._mounds(layers, p, s, sel, m_ipd, light, axes)
        delta, near = self._combine(layers, (my0, my1, mx0, mx1), m_ipd, self.widen,
                                    _disjoint_boxes(reach, shape))
        self._multiply(img, delta, near, self.skin_map[my0:my1, mx0:mx1],
                       (x0 + mx0 * k, y0 + my0 * k))
        return img

    def _creases(self, layers: dict, p: np.ndarray, s: np.ndarray, sel: _Selection,
                 px_per_ipd: float, light: np.ndarray, axes: np.ndarray) -> None:
        """Every active crease segment: a dark line with a lit lip beside it, on the side
        facing the light (or the crease's bulge), all lips first, then all darks."""
        if not len(sel.seg):
            return
        ends = p[sel.ends]  # (segments, 2, 2)
        pa, pb = ends[:, 0], ends[:, 1]
        v = sel.depth * s[sel.owner] * sel.taper / 2
        width = sel.width * px_per_ipd
        seg = pb - pa
        normal = seg[:, ::-1] * _TURN / np.maximum(np.hypot(seg[:, 0], seg[:, 1]), 1e-6)[:, None]
        bulge = sel.has_bulge
        toward = np.where(bulge[:, None], sel.bulge @ axes, light[None])
        facing = (normal * toward).sum(1)
        lit = v * sel.lip * np.where(bulge, 1.0, clip(np.abs(facing), 0.35, 1.0))
        off = normal * (np.where(facing >= 0, 1.0, -1.0) * T["lip_offset"] * width)[:, None]
        thick = np.maximum(width.round(), 1).astype(int)
        lip_thick = np.maximum((width * T["lip_width"]).round(), 1).astype(int)
        if layers["free"] is None and sel.any_free:
            layers["free"] = np.zeros_like(layers["skin"])
        # the lips (beside the crease), then the darks: one batch, the lips sorted first
        self._batch(layers, sel.free,
                    np.concatenate([lip_thick, thick]),
                    np.concatenate([(lit * 64 + 0.5).astype(int), (-v * 64 + 0.5).astype(int)]),
                    np.concatenate([ends + off[:, None], ends]))

    @staticmethod
    def _batch(layers: dict, free: np.ndarray, thick: np.ndarray, q: np.ndarray,
               ends: np.ndarray) -> None:
        """Draw segments `ends` (n, 2, 2), its first half (the lips) before its second, one
        cv2.polylines call per (half, layer, thickness, value step): values `q` are in 1/64
        (below what the blur and 8-bit output resolve)."""
        key = (free.astype(int) * 64 + thick) * 4096 + q + 2048
        key[len(key) // 2:] += 1 << 40  # the second half after the first
        order = np.argsort(key, kind="stable")
        fixed = (ends * 16).round().astype(np.int32)
        segs = list(fixed[order])
        # each layer's drawn box (layers' "skin box", "free box"): an anti-aliased line's
        # cells lie within half its thickness and 2 cells of its segment (1 more than it
        # reached over 15000 random lines)
        reach = float(thick.max()) * 0.5 + 2
        if layers["free"] is None:
            layers["skin box"] = _union(layers["skin box"], _drawn(fixed.reshape(-1, 2), reach))
        else:
            for name, rows in (("skin box", ~free), ("free box", free)):
                if rows.any():
                    layers[name] = _union(layers[name],
                                          _drawn(fixed[rows].reshape(-1, 2), reach))
        keys = key[order]
        cuts = ((keys[1:] != keys[:-1]).nonzero()[0] + 1).tolist()
        starts = order[[0, *cuts]]
        # Python lists: indexing numpy arrays element by element cost more than the drawing
        for lo, hi, qj, fj, tj in zip([0, *cuts], [*cuts, len(keys)], q[starts].tolist(),
                                      free[starts].tolist(), thick[starts].tolist()):
            if qj == 0:
                continue
            layer = layers["free"] if fj else layers["skin"]
            cv2.polylines(layer, segs[lo:hi], False, qj / 64, tj, cv2.LINE_AA, _SHIFT)

    def _mounds(self, layers: dict, p: np.ndarray, s: np.ndarray, sel: _Selection,
                m_ipd: float, light: np.ndarray, axes: np.ndarray) -> np.ndarray:
        """Each active mound, a lit bump: highlight toward the light, shadow away from it;
        dimples if stippled. -> their reach (n, 4: x0, y0, x1, y1) on the map, blur included."""
        mounds = sel.mounds
        if not mounds:
            return np.zeros((0, 4), np.float32)
        ends = p[sel.mound_ends]
        centres = (ends[:, 0] + ends[:, 1]) * 0.5
        radii = [self.placed[i].crease.width * m_ipd for i in mounds]
        # per mound its shadow, then its highlight: lifted toward the light by a share of r
        lift = _SIGNS * light * np.float32(radii)[:, None, None] * np.float32(T["mound_lift"])
        spots = ((centres[:, None] + lift) * 16).round().astype(np.int32).tolist()
        ang = float(np.degrees(np.arctan2(axes[0, 1], axes[0, 0])))
        for i, r, (shadow, highlight), centre in zip(mounds, radii, spots, centres):
            pl = self.placed[i]
            v = pl.crease.depth * float(s[i])
            ax = (max(round(r), 1) * 16, max(round(r * 0.7), 1) * 16)
            for ctr, amount in ((shadow, -T["mound_shadow"] * v), (highlight, v)):
                cv2.ellipse(layers["mound"], ctr, ax, ang, 0, 360, amount, -1, cv2.LINE_AA,
                            _SHIFT)
            if pl.stipple is not None:
                dots = centre + (pl.stipple @ axes) * m_ipd
                rad = max(round(0.012 * m_ipd * 16), 8)
                dots = (dots * 16).round().astype(np.int32)
                # the filled anti-aliased circles' reach, as the lines'
                layers["skin box"] = _union(layers["skin box"], _drawn(dots, rad / 16 + 2))
                for d in dots.tolist():
                    cv2.circle(layers["skin"], d, rad, -T["stipple"] * v, -1, cv2.LINE_AA,
                               _SHIFT)
        reach = np.float32([r * (1 + T["mound_lift"]) + 3 * max(0.06 * m_ipd, 1.0) + 2
                            for r in radii])[:, None]
        return np.concatenate([centres - reach, centres + reach], 1)

    def _combine(self, layers: dict, window, m_ipd: float, widen: float,
                 mound_boxes: list) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """The layers blurred and weighed by the skin's contrast -> (delta, its box (y0, y1,
        x0, x1) grown by a cell: outside it delta is 0). Each layer is blurred only over its
        drawn cells' box and the kernel's reach around it (_blur_into: the same values); the
        lines lie in a part of the window, a fold's free lines in a sliver of it."""
        my0, my1, mx0, mx1 = window
        soft = max(T["soft"] * 0.016 * m_ipd * widen, 0.5)
        if self.blur:
            soft = float(np.hypot(soft, self.blur))
        delta = np.zeros(layers["skin"].shape, np.float32)
        box = _blur_into(delta, layers["skin"], layers["skin box"], soft, None)
        sig = max(0.06 * m_ipd, 1.0)
        for a0, b0, a1, b1 in mound_boxes:  # blur only around the mounds: their kernel is wide
            delta[b0:b1, a0:a1] += cv2.GaussianBlur(layers["mound"][b0:b1, a0:a1], (0, 0), sig)
            box = _union(box, (a0, b0, a1, b1))
        delta *= self.skin_gain[my0:my1, mx0:mx1]  # all of it: numpy is faster on whole rows
        if layers["free"] is not None:
            box = _union(box, _blur_into(delta, layers["free"], layers["free box"], soft,
                                         self.free_gain[my0:my1, mx0:mx1]))
        if box is None:
            return delta, (0, 0, 0, 0)
        a0, b0, a1, b1 = box
        h, w = delta.shape
        return delta, (max(b0 - 1, 0), min(b1 + 1, h), max(a0 - 1, 0), min(a1 + 1, w))

    def _multiply(self, img: np.ndarray, delta: np.ndarray, near, skin: np.ndarray,
                  origin) -> None:
        """Luminance *= 1 + delta, delta's map cell (0, 0) covering the k x k pixels at
        `origin`: each channel changes by its gain times the pixel's luminance. The gain is
        delta itself without a skin tone, so the change is the same in R, G and B and chroma
        stays: lights and every shade of a grey portrait; with one, a shadow on skin (`skin`,
        the skin map under delta) darkens the skin's weak channels more
        (ShadingRenderer.warmth) and so takes its hue. Only the bands of map rows (and their
        columns) where delta is not ~0 are touched: the brows, eyes and nose between the
        creases cost nothing; delta is 0 outside the box `near` (y0, y1, x0, x1)."""
        n0, n1, m0, m1 = near
        live = np.abs(delta[n0:n1, m0:m1]) > 1e-3
        x, y, w, h = cv2.boundingRect(live.view(np.uint8))  # the live cells' box
        if not w:
            return
        x, y = x + m0, y + n0
        # the gains over that box (and the cell around it) only
        top, bottom = max(y - 1, 0), min(y + h + 1, delta.shape[0])
        left, right = max(x - 1, 0), min(x + w + 1, delta.shape[1])
        delta = delta[top:bottom, left:right]
        live = live[top - n0:bottom - n0, left - m0:right - m0]  # near holds the cell around
        gains, shade = delta, None
        if self.warmth is not None:  # each channel's own change: shadows on skin take its hue
            shade = np.minimum(delta, 0.0) * skin[top:bottom, left:right]
            gains = cv2.merge(list(delta + shade * self.warmth_col))
        origin = (origin[0] + left * self.k, origin[1] + top * self.k)
        rows = live.any(1).nonzero()[0]
        breaks = (rows[1:] - rows[:-1] > 2).nonzero()[0]
        for r0, r1 in zip([rows[0], *rows[breaks + 1]], [*rows[breaks], rows[-1]]):
            r0, r1 = max(r0 - 1, 0), min(r1 + 2, delta.shape[0])
            c, _, n, _ = cv2.boundingRect(live[r0:r1].view(np.uint8))  # the band's columns
            c0, c1 = max(c - 1, 0), min(c + n + 1, delta.shape[1])
            self._multiply_block(img, gains[r0:r1, c0:c1],
                                 (origin[0] + c0 * self.k, origin[1] + r0 * self.k),
                                 None if shade is None else shade[r0:r1, c0:c1])

    def _multiply_block(self, img: np.ndarray, gains: np.ndarray, origin,
                        shade: np.ndarray | None = None) -> None:
        """`gains` (cells, 1 or 3 channels) times the luminance added to each channel of the
        pixels from `origin`; `shade`: the skin's shadow part of the gain (cells), for
        _clipped_hue."""
        bx0, by0 = origin
        full = self._to_pixels(gains, img.shape, origin)
        by1, bx1 = by0 + full.shape[0], bx0 + full.shape[1]
        roi = img[by0:by1, bx0:bx1]
        # the luminance as float32 first: a product of two float32 arrays is ~3x faster in cv2
        # than one converting uint8 on the fly, and the same numbers
        y = cv2.cvtColor(roi, cv2.COLOR_RGB2GRAY).astype(np.float32)
        if full.ndim == 2:
            dy = cv2.multiply(full, y)
            step = cv2.merge([dy, dy, dy])
        else:
            step = cv2.multiply(full, cv2.cvtColor(y, cv2.COLOR_GRAY2RGB))
            if shade is not None:
                self._clipped_hue(roi, y, step, shade, img.shape, origin)
        cv2.add(roi, step, dst=roi, dtype=cv2.CV_8U)  # in place: roi is a view of img

    def _clipped_hue(self, roi: np.ndarray, y: np.ndarray, step: np.ndarray,
                     shade: np.ndarray, shape, origin) -> None:
        """A shadow on a highlight that clipped (a channel at or near 255) takes the skin's own
        colour at its new luminance (`tone`), in step (in place) by how clipped the pixel is and
        how deep the shadow (SHADING_TUNING "clip_from", "clip_hue_depth"): such a pixel lost
        its hue to the clip, and darkened in it, a fold came out a cool grey stroke on warm
        skin. Pixels under the clip keep `step` exactly. `shade` in map cells, brought to
        pixels (`_to_pixels`, `shape`, `origin`) only where some pixel is clipped."""
        r, g, b = cv2.split(roi)
        top = cv2.max(cv2.max(r, g), b)
        if int(top.max()) < T["clip_from"]:
            return  # most blocks of most portraits: no resize of `shade`
        shade = self._to_pixels(shade, shape, origin)
        hot = (top >= T["clip_from"]) & (shade < 0.0)
        if not hot.any():
            return
        at = np.nonzero(hot)  # only these pixels: on most frames a few or none
        a = (top[at].astype(np.float32) - T["clip_from"]) / (255.0 - T["clip_from"])
        w = a * np.minimum(-shade[at] / np.float32(T["clip_hue_depth"]), 1.0)
        st = step[at]
        out = roi[at].astype(np.float32) + st
        target = (y[at] + st @ LUMA)[:, None] * self.tone
        step[at] = st + w[:, None] * (target - out)

    def _to_pixels(self, cells: np.ndarray, shape, origin) -> np.ndarray:
        """Map cells -> image pixels from `origin`, cut at the image's edge."""
        k = self.k
        full = cells if k == 1 else cv2.resize(cells, (cells.shape[1] * k, cells.shape[0] * k),
                                               interpolation=cv2.INTER_LINEAR)
        return full[:shape[0] - origin[1], :shape[1] - origin[0]]
