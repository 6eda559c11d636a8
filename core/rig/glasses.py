"""Eyeglasses on the portrait: are there any, and where are the top rims and the bridge.

Real frames are rigid: they move with the head, never with the brows (issue 12: on
grace_hopper.jpg the cat-eye rims arched up with a surprised brow). Found here once per portrait,
from the rest image and its landmarks, in the face frame (IPD, core/face/frame.py), so the rig
can pin them (core/rig/rims.py).

Cues, read in a face-aligned resample (GLASSES["px_per_ipd"]):
- the bridge: a straight horizontal bar across the nasal root. Without glasses that skin is
  smooth, or carries only short curved wrinkles, so the row mean of the vertical gradient across
  the nose (which a straight line keeps and texture averages away), against the mean gradient
  magnitude there, is the strongest single cue;
- the top rims: above each eye a bar (two opposite edges) strong against the face's own texture,
  the two sides mirror images of each other.
All three must agree: a false positive would freeze the brows, a miss only leaves today's warp.
On the portraits measured (core/rig/tuning.py GLASSES) the bridge alone separates them; brows
pass for rims, so a face without glasses but with a straight bar across the nose (a pencil
line, a band-aid) would be taken for one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.regions import L_IRIS_CENTER, R_IRIS_CENTER, region, skin_points
from core.rig.au_points import curve_at
from core.rig.tuning import GLASSES, LENS

NASAL_ROOT = 168  # Face Mesh: the nose bridge between the eyes (FACS.md)


@dataclass(frozen=True)
class Rim:
    """One frame part as a band in the face frame (IPD): at each x of `xs` it covers
    y from `top` to `bottom` (y toward the chin)."""

    xs: np.ndarray
    top: np.ndarray
    bottom: np.ndarray

    def outline(self, step: float) -> np.ndarray:
        """(N, 2) points along the band's top and bottom edges, about `step` IPD apart."""
        n = max(int(np.ceil((self.xs[-1] - self.xs[0]) / step)) + 1, 2)
        x = np.linspace(self.xs[0], self.xs[-1], n)
        top = np.interp(x, self.xs, self.top)
        bottom = np.interp(x, self.xs, self.bottom)
        return np.vstack([np.column_stack([x, top]), np.column_stack([x, bottom])])


@dataclass(frozen=True)
class Glasses:
    found: bool
    # top rims (subject's right, left), bridge; then, for dark lenses, each lens whole
    rims: list[Rim] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)  # the cues, for notes and tests
    dark_lenses: bool = False  # sunglasses: nothing of the eyes shows through


class _Canvas:
    """The face region resampled upright at GLASSES["px_per_ipd"], with its gradients."""

    X0, Y0 = -1.2, -1.0  # IPD: the resample's top-left corner
    W, H = 2.4, 1.6

    def __init__(self, image: np.ndarray, frame: FaceFrame):
        s = GLASSES["px_per_ipd"]
        w, h = int(self.W * s), int(self.H * s)
        u, v = np.meshgrid(self.X0 + (np.arange(w) + 0.5) / s, self.Y0 + (np.arange(h) + 0.5) / s)
        src = frame.to_image(np.stack([u, v], -1).reshape(-1, 2)).astype(np.float32)
        src = src.reshape(h, w, 2)
        gray = image if image.ndim == 2 else cv2.cvtColor(image[..., :3], cv2.COLOR_RGB2GRAY)
        g = cv2.remap(gray.astype(np.float32) / 255.0, src[..., 0], src[..., 1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE)
        g = cv2.GaussianBlur(g, (0, 0), GLASSES["blur_px"])
        self.g = g
        # per IPD: Sobel's 3x3 kernel weighs 8 pixels' worth of difference
        self.gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3) * (s / 8)
        self.gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3) * (s / 8)
        self.mag = np.hypot(self.gx, self.gy)
        self.s = s

    def col(self, x: float) -> int:
        return int(np.rint((x - self.X0) * self.s))

    def row(self, y: float) -> int:
        return int(np.rint((y - self.Y0) * self.s))

    def y_of(self, r: np.ndarray) -> np.ndarray:
        return self.Y0 + (np.asarray(r, np.float64) + 0.5) / self.s

    def x_of(self, c: np.ndarray) -> np.ndarray:
        return self.X0 + (np.asarray(c, np.float64) + 0.5) / self.s


def find_glasses(image: np.ndarray, landmarks: np.ndarray) -> Glasses:
    """landmarks: (478, 2+) image pixels of `image` (refined Face Mesh). The rims come back in
    the face frame of `landmarks` (core/face/frame.py: from the iris centres), as the rig's
    motion model holds its points; they are looked for in one from the eye corners."""
    q = _corner_pupils(landmarks)
    frame = FaceFrame.from_landmarks(q)
    P = frame.to_frame(q)
    cv = _Canvas(image, frame)
    texture = _texture(cv, P)
    bridge, bridge_score = _bridge(cv, P)
    tops, bar = [], []
    for side, pupil in (("R", 468), ("L", 473)):
        rim, strength = _top_rim(cv, P, side, P[pupil])
        tops.append(rim)
        bar.append(strength / texture)
    mirror = float(np.mean(np.abs(
        np.interp(-tops[1].xs[::-1], tops[0].xs, (tops[0].top + tops[0].bottom) / 2)
        - ((tops[1].top + tops[1].bottom) / 2)[::-1])))
    scores = {"bridge": bridge_score, "rim_R": bar[0], "rim_L": bar[1], "mirror": mirror}
    found = bool(bridge_score >= GLASSES["bridge_min"] and min(bar) >= GLASSES["rim_min"]
                 and mirror <= GLASSES["mirror_max"])
    if not found:
        return Glasses(False, [], scores)
    lenses = _dark_lenses(cv, P)
    own = FaceFrame.from_landmarks(landmarks)
    return Glasses(True, [_moved(r, frame, own) for r in (*tops, bridge, *lenses)], scores,
                   bool(lenses))


def _dark_lenses(cv: _Canvas, P: np.ndarray) -> list[Rim]:
    """Each lens as a band, where nothing of the eyes shows through them (sunglasses): the
    brightest tenth of each eye's opening darker than LENS["eye_share"] of the skin (a sclera,
    a catch light, even in a shadowed socket, is brighter). Each band spans the dark around
    its eye, column by column, up and down from the pupil's row to where the tone is nearer the
    skin's than the lens's. [] when either eye shows."""
    h, w = cv.g.shape
    pts = P[skin_points()]
    skin = float(np.median([cv.g[min(max(cv.row(y), 0), h - 1), min(max(cv.col(x), 0), w - 1)]
                            for x, y in pts]))
    bands = []
    for side, pupil in (("R", P[R_IRIS_CENTER]), ("L", P[L_IRIS_CENTER])):
        ring = np.concatenate([P[region(f"{side}_eye_upper_lid")],
                               P[region(f"{side}_eye_lower_lid")][::-1]])
        poly = np.column_stack([[cv.col(x) for x in ring[:, 0]], [cv.row(y) for y in ring[:, 1]]])
        mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(mask, [poly.astype(np.int32)], 1)
        eye = cv.g[mask > 0]
        if eye.size < 4 or np.percentile(eye, 90) > LENS["eye_share"] * skin:
            return []
        mid = (float(np.median(eye)) + skin) / 2
        out = -1.0 if side == "R" else 1.0
        r0 = cv.row(pupil[1])
        r_up = max(cv.row(pupil[1] - LENS["reach_up"]), 0)
        r_down = min(cv.row(pupil[1] + LENS["reach_down"]), h - 1)
        cols = []  # (x, top, bottom) of each column dark at the pupil's row
        for x in np.sort(pupil[0] + out * np.linspace(*LENS["span"], 40)):
            c = cv.col(x)
            if not (0 <= c < w) or cv.g[r0, c] > mid:
                continue
            col = cv.g[:, c]
            up = r0
            while up > r_up and col[up - 1] <= mid:
                up -= 1
            down = r0
            while down < r_down and col[down + 1] <= mid:
                down += 1
            cols.append((x, float(cv.y_of(up)), float(cv.y_of(down))))
        if len(cols) < 4:
            return []
        xs, top, bottom = (np.array(v) for v in zip(*cols))
        bands.append(_band(xs, top, bottom))
    return bands


def _corner_pupils(landmarks: np.ndarray) -> np.ndarray:
    """(478, 2) px: `landmarks` with each pupil put midway between its eye's corners, for the
    frame the rims are looked for in and the lenses' columns. Behind lenses Face
    Mesh's iris centres wander (glare, refraction, a painting's flat eyes): on the stylized
    copy of grace_hopper.jpg cropped to its face the right one lay 0.13 IPD off its place in the
    whole picture, the frame came out 11 % too large and tilted, and the rims' search windows
    missed them (bridge 1.09, rims 0.36 and 0.75: no glasses, and the lid reveal painted a
    blotch over the rim). The corners held (GLASSES's measurements are in this frame)."""
    q = landmarks[:, :2].astype(np.float64).copy()
    for iris, corners in ((R_IRIS_CENTER, (33, 133)), (L_IRIS_CENTER, (362, 263))):
        q[iris] = q[list(corners)].mean(0)
    return q


def _moved(rim: Rim, src: FaceFrame, dst: FaceFrame) -> Rim:
    """`rim` from face frame `src` into `dst` (the two differ by a small turn and scale: each
    edge's points moved, the bottom edge read at the top edge's new x)."""
    top, bottom = (dst.to_frame(src.to_image(np.column_stack([rim.xs, y])))
                   for y in (rim.top, rim.bottom))
    order = np.argsort(bottom[:, 0])
    return Rim(top[:, 0], top[:, 1], np.interp(top[:, 0], bottom[order, 0], bottom[order, 1]))


def _texture(cv: _Canvas, P: np.ndarray) -> float:
    """The face's own edge level: mean gradient magnitude over both cheeks and the forehead
    (a pencil drawing's hatching is ~5x a smooth photo's)."""
    pts = P[skin_points()]
    h, w = cv.mag.shape
    vals = [cv.mag[cv.row(y) - 2:cv.row(y) + 3, cv.col(x) - 2:cv.col(x) + 3].mean()
            for x, y in pts if 2 <= cv.row(y) < h - 3 and 2 <= cv.col(x) < w - 3]
    return max(float(np.mean(vals)) if vals else 0.0, 1e-3)


def _bridge(cv: _Canvas, P: np.ndarray) -> tuple[Rim, float]:
    """The bridge band and its score: the bar at the strongest row of the vertical gradient
    across the nose (that edge and the opposite one nearest in strength within
    GLASSES["bridge_max"]), as strong as its weaker edge, over the mean gradient magnitude of
    the window; 0 unless each half of the nose shows that bar too."""
    half = GLASSES["bridge_half_width"]
    ya, yb = GLASSES["bridge_rows"]
    y0 = P[NASAL_ROOT, 1]
    r0, r1 = cv.row(y0 + ya), cv.row(y0 + yb)
    c0, c1 = cv.col(-half), cv.col(half)
    win = cv.gy[r0:r1, c0:c1]
    prof = win.mean(1)
    k = int(np.argmax(np.abs(prof)))
    lo, hi = _pair(prof, k, GLASSES["bridge_max"])
    # a bridge is a bar: as strong as its weaker edge. As the strongest single edge, a lone step
    # (the shading of a smooth nasal root, a fringe's edge: 1.41-1.65) or a dark mass on one
    # side of the nose (a three-quarter photo's thick brow reaching the midline: 2.88) scored as
    # real bridges do (2.08-2.71), and those faces' brows were pinned as rims. As bars: glasses
    # 1.73-2.43, faces without them 0-1.23
    other = hi if lo == k else lo
    edge = min(abs(prof[k]), abs(prof[other])) if other != k else 0.0
    # ... and it crosses the nose: each half of the window shows its strongest edge too, at
    # least `bridge_both_sides` of it, and one half at least the whole bar (each edge looked for
    # within `bridge_slant` IPD of its row: a turned face's bridge slants across the window), or
    # a dark patch on one side of the nose counts as none. Not the whole bar on both halves: a
    # thin metal bridge merges with a nose pad's shadow on one side (a photo of a man in thin
    # metal frames: the top edge 4.7 and 6.1 on the halves, the bottom 1.0 and 5.4, against 1.3
    # needed; missed, his frames arched up with his brows under surprise)
    m = (c1 - c0) // 2
    d = int(round(GLASSES["bridge_slant"] * GLASSES["px_per_ipd"]))
    need = GLASSES["bridge_both_sides"] * edge
    halves = []
    for half_cols in (slice(None, m), slice(m, None)):
        side = win[:, half_cols].mean(1)
        halves.append([float((np.sign(prof[r]) * side[max(r - d, 0):r + d + 1]).max())
                       for r in (k, other)])
    if not (all(h[0] >= need for h in halves) and any(min(h) >= need for h in halves)):
        edge = 0.0
    score = float(edge / max(cv.mag[r0:r1, c0:c1].mean(), 1e-6))
    xs = np.array([-half, half])
    margin = GLASSES["band_margin"]
    top, bottom = cv.y_of(r0 + lo) - margin, cv.y_of(r0 + hi) + margin
    return Rim(xs, np.full(2, top), np.full(2, bottom)), score


def _pair(profile: np.ndarray, k: int, widest: float | None = None) -> tuple[int, int]:
    """Rows (lo, hi) of the bar whose strongest edge is at row k: the opposite-signed edge
    nearest in strength within `widest` IPD (GLASSES["bar_max"]), or k alone for a single
    edge."""
    reach = int((GLASSES["bar_max"] if widest is None else widest) * GLASSES["px_per_ipd"])
    lo, hi = max(k - reach, 0), min(k + reach + 1, len(profile))
    opp = -np.sign(profile[k]) * profile[lo:hi]
    j = int(np.argmax(opp))
    if opp[j] < GLASSES["pair_share"] * abs(profile[k]):
        return k, k
    return min(k, lo + j), max(k, lo + j)


def _top_rim(cv: _Canvas, P: np.ndarray, side: str, pupil: np.ndarray) -> tuple[Rim, float]:
    """The top rim over one eye, between the brows' top and the upper lid."""
    xs, c0 = _rim_columns(cv, pupil, side)
    lid_y = curve_at(P[region(f"{side}_eye_upper_lid")], xs)
    r_lo = np.full(len(xs), cv.row(pupil[1] - GLASSES["rim_reach"]))
    r_hi = np.array([cv.row(y - GLASSES["lid_clearance"]) for y in lid_y])
    rim, per_col = _bar(cv, xs, c0, r_lo, r_hi)
    # a brow can outweigh a thin wire rim under it; glasses sit below the brows, so a second
    # bar under the first, of at least a share of its strength, is the rim
    below = np.array([cv.row(y + GLASSES["under_gap"]) for y in rim.bottom])
    if np.mean(below < r_hi - 1) > 0.8:
        lower, per_col2 = _bar(cv, xs, c0, np.minimum(below, r_hi - 2), r_hi)
        if per_col2.mean() >= GLASSES["under_share"] * per_col.mean():
            rim, per_col = lower, per_col2
    return _trimmed(rim, per_col), float(per_col.mean())


def _rim_columns(cv: _Canvas, pupil: np.ndarray, side: str) -> tuple[np.ndarray, int]:
    """The resample's columns a lens spans (GLASSES["rim_span"]): their x (IPD), the first."""
    out = -1.0 if side == "R" else 1.0  # the subject's right eye is at x < 0
    u0, u1 = GLASSES["rim_span"]
    xa, xb = sorted((pupil[0] + out * u0, pupil[0] + out * u1))
    c0, c1 = cv.col(xa), cv.col(xb)
    return cv.x_of(np.arange(c0, c1)), c0


def _bar(cv: _Canvas, xs: np.ndarray, c0: int, r_lo: np.ndarray,
         r_hi: np.ndarray) -> tuple[Rim, float]:
    """The strongest smooth bar running across columns c0.. between rows r_lo and r_hi (per
    column), by dynamic programming over columns, and its strength (per IPD): a dark bar's top
    edge darkens downward and its bottom edge brightens within GLASSES["bar_max"] under it, a
    light bar's the other way round; the stronger of the two readings."""
    r0 = int(r_lo.min())
    gy = cv.gy[r0:int(r_hi.max()), c0:c0 + len(xs)]
    rows = np.arange(gy.shape[0])[:, None]
    inside = (rows >= (r_lo - r0)[None]) & (rows < (r_hi - r0)[None])
    cols = np.arange(gy.shape[1])
    reach = int(GLASSES["bar_max"] * GLASSES["px_per_ipd"])
    best = None
    for sign in (-1.0, 1.0):  # -1: a dark bar
        top_e, bottom_e = np.maximum(sign * gy, 0.0), np.maximum(-sign * gy, 0.0)
        top = _best_path(np.where(inside, top_e, _OUTSIDE))
        under = inside & (rows > top[None]) & (rows <= top[None] + reach)
        bottom = _best_path(np.where(under, bottom_e, _OUTSIDE))
        # a bar is as strong as its weaker edge
        per_col = np.minimum(top_e[top, cols], bottom_e[bottom, cols]) * under[bottom, cols]
        if best is None or per_col.mean() > best[0].mean():
            best = (per_col, top, bottom)
    per_col, top, bottom = best
    bottom = _whole_bar(cv.g[r0:int(r_hi.max()), c0:c0 + len(xs)], top, bottom,
                        top + reach, inside)
    return _band(xs, cv.y_of(top + r0), cv.y_of(bottom + r0)), per_col


def _whole_bar(g: np.ndarray, top: np.ndarray, bottom: np.ndarray, limit: np.ndarray,
               inside: np.ndarray) -> np.ndarray:
    """The bar's bottom row per column moved down past any inner edge (a highlight along a
    glossy rim brightens inside it) while the tone stays nearer the bar's than the skin's above
    it, within `limit` and the window `inside`."""
    cols = np.arange(g.shape[1])
    h = g.shape[0]
    above = g[np.maximum(top - 3, 0), cols]
    bar = np.array([np.median(g[t:max(b, t) + 1, c]) for t, b, c in zip(top, bottom, cols)])
    mid = (above + bar) / 2
    sign = np.sign(above - bar)  # +1: a bar darker than the skin
    out = bottom.copy()
    for c in cols:
        r = bottom[c]
        while r + 1 < min(limit[c] + 1, h) and inside[r + 1, c] and \
                sign[c] * (mid[c] - g[r + 1, c]) > 0:
            r += 1
        out[c] = r
    return out


def _trimmed(rim: Rim, per_col: np.ndarray) -> Rim:
    keep = _strong_run(_smooth(per_col, GLASSES["smooth_cols"]))
    return Rim(rim.xs[keep], rim.top[keep], rim.bottom[keep])


def _strong_run(strength: np.ndarray) -> slice:
    """Columns from the first to the last where the bar holds GLASSES["trim_share"] of its
    median strength: a round lens's top curves down out of the band's reach at its ends, and
    the path wanders off onto the brow there (a dip inside, a reflection, stays)."""
    ok = np.flatnonzero(strength >= GLASSES["trim_share"] * np.median(strength))
    return slice(int(ok[0]), int(ok[-1]) + 1) if len(ok) >= 2 else slice(0, len(strength))


_OUTSIDE = -1e3  # path cost outside the search window: a path never leaves it for nothing


def _best_path(cost: np.ndarray) -> np.ndarray:
    """Row per column maximising the summed cost, moving at most one row per column."""
    h, w = cost.shape
    acc = cost[:, 0].copy()
    back = np.zeros((h, w), np.int64)
    idx = np.arange(h)
    for c in range(1, w):
        cand = np.stack([np.r_[-np.inf, acc[:-1]], acc, np.r_[acc[1:], -np.inf]])
        j = np.argmax(cand, 0)
        back[:, c] = idx + j - 1
        acc = cand[j, idx] + cost[:, c]
    path = np.zeros(w, np.int64)
    path[-1] = int(np.argmax(acc))
    for c in range(w - 1, 0, -1):
        path[c - 1] = back[path[c], c]
    return path


def _band(xs: np.ndarray, top: np.ndarray, bottom: np.ndarray) -> Rim:
    """A band across the columns `xs` from `top` to `bottom` (IPD per column), each edge
    smoothed along the columns (GLASSES["smooth_cols"]) and moved out GLASSES["band_margin"]."""
    k = GLASSES["smooth_cols"]
    margin = GLASSES["band_margin"]
    return Rim(xs, _smooth(top, k) - margin, _smooth(bottom, k) + margin)


def _smooth(y: np.ndarray, k: int) -> np.ndarray:
    pad = np.pad(y, k // 2, mode="edge")
    return np.convolve(pad, np.ones(k) / k, mode="valid")
