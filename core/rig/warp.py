"""Dense, smooth image warp driven by the 478 landmark displacements (DESIGN.md, "Dense motion
from sparse landmarks").

Once per portrait and size: triangulate landmarks + zero-motion anchors (image border and a ring
outside the face oval) and precompute sparse barycentric weights from those control points to a
low-resolution grid. Per frame: one sparse product (a gather over a table of its three entries a
row) gives the forward field D on the grid, a few Newton steps on that tiny grid invert
x -> x + D(x) (the plain fixed-point step x' - D(x' - D(x')) diverges where the field stretches
faster than 1 px/px, e.g. the lip gap of a jaw drop), one resize brings the inverse to full size,
one cv2.remap moves the pixels.
"""
from __future__ import annotations

import math

import cv2
import numpy as np
from scipy import sparse
from scipy.spatial import Delaunay

from core.face.regions import region
from core.rig.ufuncs import clip

IRIS_START = 468  # Face Mesh: 468-477 are the refined iris points
# the warp remaps only where the map moves a pixel (Warper._moving_spans): backward
# displacements under STILL_PX round to the pixel itself in remap's 1/32 px fixed point
# (half a step is 1/64; 1/128 leaves room for float rounding); checked in bands of grid rows
STILL_PX = 1 / 128
REMAP_BAND = 8
NEWTON_ROW = 16384  # live grid nodes per row of the Newton's remap map (remap: under 32767 a side)

WARP_TUNING = {
    "cell_ipd": 1 / 20,  # grid spacing in IPD when no cell is given: ~4 px at IPD 85, so a
    # 0.15 IPD lid closure spans 3 cells (at 8 px a blink only half closes the eye)
    "cell_min": 3,  # px: below this the grid costs more than it shows
    "cell_max": 8,  # px: the brief's default; beyond it lids and lips blur
    "ring_scale": 1.45,  # anchor ring = face oval scaled about its centre (by eye: hair and
    # ears stay put, the jaw still has room to drop)
    # ... and this share further out below the chin (full straight down, none from 17 degrees
    # below the horizontal up): at 1.45 a jaw dropped ~0.57 IPD ran into the ring and the
    # warp folded under the chin (surprise's AU27 at intensity 1.2); at +0.15 a 0.7 IPD drop
    # keeps det >= 0.15 on the astronaut and grace_hopper.jpg (tests/legibility)
    "ring_below": 0.15,
    "ring_points": 48,
    "border_step": 32,  # px between anchors on the image border
    "smooth_sigma": 0.0,  # grid cells; 0: sampling a 4 px grid already softens the triangle-edge
    # kinks, and any blur rounds off the lid ridge (blink error 1.7 -> 2.0 px at 0.5, measured)
    "roi_margin": 3,  # grid cells around the anchor ring: outside it nothing moves
    "newton_steps": 4,  # a 0.3 IPD jaw drop stretches the lip gap ~3x: fewer steps leave
    # folded bands at the lip edge (measured: 2 steps 0.13 % of pixels folded, 4 steps none)
    "min_det": 0.05,  # floor on det(I + dD/dx): a closing lid compresses to ~0
    "max_step": 1.5,  # cells per Newton step: keeps folds from throwing nodes far
}


def default_cell(rest_xy: np.ndarray) -> int:
    """Grid spacing (px) for a face of this size (see WARP_TUNING["cell_ipd"])."""
    ipd = float(np.hypot(*(rest_xy[473, :2] - rest_xy[468, :2]))) if len(rest_xy) > 473 else 80.0
    c = int(round(ipd * WARP_TUNING["cell_ipd"]))
    return int(clip(c, WARP_TUNING["cell_min"], WARP_TUNING["cell_max"]))


def _ring(rest_xy: np.ndarray, h: int, w: int) -> np.ndarray:
    oval = rest_xy[region("face_oval")]
    centre = oval.mean(0)
    angles = np.arctan2(oval[:, 1] - centre[1], oval[:, 0] - centre[0])
    radii = np.hypot(*(oval - centre).T)
    a = np.linspace(-np.pi, np.pi, WARP_TUNING["ring_points"], endpoint=False)
    order = np.argsort(angles)
    r = np.interp(a, angles[order], radii[order], period=2 * np.pi) * WARP_TUNING["ring_scale"]
    r *= 1 + WARP_TUNING["ring_below"] * clip((np.sin(a) - 0.3) / 0.7, 0.0, 1.0)  # image y: down
    pts = centre + np.stack([np.cos(a), np.sin(a)], 1) * r[:, None]
    inside = (pts[:, 0] > 1) & (pts[:, 0] < w - 2) & (pts[:, 1] > 1) & (pts[:, 1] < h - 2)
    return pts[inside]


def _border(h: int, w: int) -> np.ndarray:
    step = WARP_TUNING["border_step"]
    xs = np.append(np.arange(0, w - 1, step), w - 1)
    ys = np.append(np.arange(0, h - 1, step), h - 1)
    top = np.stack([xs, np.zeros_like(xs)], 1)
    bottom = np.stack([xs, np.full_like(xs, h - 1)], 1)
    left = np.stack([np.zeros_like(ys), ys], 1)
    right = np.stack([np.full_like(ys, w - 1), ys], 1)
    return np.unique(np.vstack([top, bottom, left, right]).astype(np.float64), axis=0)


def _barycentric(ctrl: np.ndarray, nodes: np.ndarray) -> sparse.csr_matrix:
    """(n_nodes, n_ctrl) piecewise-affine interpolation weights over a Delaunay triangulation."""
    from threadpoolctl import threadpool_limits

    # one BLAS thread: find_simplex sets up each triangle with a tiny LAPACK call, and with
    # OpenBLAS's threads each call waited for a thread the other core's load had descheduled
    # (2 cores, one busy: 9 s instead of 5 ms, the first frame late and Ctrl-C unheard)
    with threadpool_limits(1, user_api="blas"):
        tri = Delaunay(ctrl)
        simplex = tri.find_simplex(nodes)
        outside = simplex < 0
        if outside.any():  # numerically on the hull: take the nearest triangle
            simplex[outside] = tri.find_simplex(nodes[outside], tol=1e-6)
            simplex[simplex < 0] = 0
    T = tri.transform[simplex]
    b = np.einsum("nij,nj->ni", T[:, :2], nodes - T[:, 2])
    bary = np.column_stack([b, 1 - b.sum(1)])
    rows = np.repeat(np.arange(len(nodes)), 3)
    cols = tri.simplices[simplex].reshape(-1)
    return sparse.csr_matrix((bary.reshape(-1).astype(np.float32), (rows, cols)),
                             shape=(len(nodes), len(ctrl)))


def _slope(f: np.ndarray, axis: int) -> np.ndarray:
    """np.gradient(f, axis=axis) along axis 0 or 1 of a plane or of a (h, w, 2) pair of planes
    (central differences, one-sided at the edges; the same values), without its ~40 us of
    generic set-up per call."""
    out = np.empty_like(f)
    f, o = f.swapaxes(0, axis), out.swapaxes(0, axis)  # numpy still walks them in memory order
    np.subtract(f[2:], f[:-2], out=o[1:-1])
    o[1:-1] /= 2.0
    np.subtract(f[1], f[0], out=o[0])
    np.subtract(f[-1], f[-2], out=o[-1])
    return out


def _gather_table(weights: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """`weights` as a dense table for Warper.field: (k, n) control point indices and (k, 2n)
    float32 weights (each twice, for x and y), k the most entries a row has, in the CSR's own
    order; shorter rows padded with the last control point (an anchor: it never moves) at
    weight 0."""
    n, n_ctrl = weights.shape
    count = np.diff(weights.indptr)
    k = max(int(count.max(initial=0)), 1)
    cols = np.full((k, n), n_ctrl - 1, np.intp)
    w = np.zeros((k, n), np.float32)
    row = np.repeat(np.arange(n), count)
    pos = np.arange(weights.nnz) - np.repeat(weights.indptr[:-1], count)
    cols[pos, row], w[pos, row] = weights.indices, weights.data
    return cols, np.repeat(w, 2, axis=1)


class Warper:
    """Warp an image of shape (h, w) by landmark displacements (478, 2) in pixels.

    Only the box `roi` = (x0, y0, x1, y1) around the anchor ring moves; pixels outside it are
    copied unchanged.
    """

    def __init__(self, rest_xy: np.ndarray, image_shape: tuple[int, int], cell: int | None = None,
                 pins: np.ndarray | None = None):
        """`pins` (K, 2) px: more control points (eyeglass rims, core/rig/rims.py) whose own
        displacements each warp is given."""
        h, w = image_shape[:2]
        self.shape = (h, w)
        self.cell = int(cell or default_cell(rest_xy))
        self.n_landmarks = len(rest_xy)
        rest = clip(rest_xy[:, :2].astype(np.float64), 0, [w - 1, h - 1])
        # the iris points are not skin: pinned inside the eye they would stop a lid closing over
        # them (the eye renderer moves the iris); they stay out of the triangulation
        self.moving = np.arange(min(self.n_landmarks, IRIS_START))
        ring = _ring(rest, h, w)
        pins = np.zeros((0, 2)) if pins is None else clip(pins.astype(np.float64), 0,
                                                             [w - 1, h - 1])
        self.n_pins = len(pins)
        self.ctrl = np.vstack([rest[self.moving], pins, ring, _border(h, w)])
        ctrl = self.ctrl
        self.n_ctrl = len(ctrl)
        self.roi = self._roi(np.vstack([ring, rest]), h, w)
        x0, y0, x1, y1 = self.roi
        rw, rh = x1 - x0, y1 - y0
        gw, gh = max(int(np.ceil(rw / self.cell)), 2), max(int(np.ceil(rh / self.cell)), 2)
        self.grid_shape = (gh, gw)
        # node positions that cv2.resize(INTER_LINEAR) maps exactly onto the box's pixels
        self.spacing = np.array([rw / gw, rh / gh], np.float32)  # px per grid step (x, y)
        node_x = x0 + (np.arange(gw) + 0.5) * self.spacing[0] - 0.5
        node_y = y0 + (np.arange(gh) + 0.5) * self.spacing[1] - 0.5
        nodes = np.stack(np.meshgrid(node_x, node_y), -1).reshape(-1, 2)
        self.weights = _barycentric(ctrl, clip(nodes, 0, [w - 1, h - 1]))
        self._cols, self._w = _gather_table(self.weights)
        # the nodes that a landmark's or a pin's motion reaches (~70 %; the rest lie among
        # anchors only)
        reached = self.weights[:, : len(self.moving) + self.n_pins].getnnz(axis=1) > 0
        self._gx, self._gy = np.meshgrid(np.arange(gw, dtype=np.float32),
                                         np.arange(gh, dtype=np.float32))
        self._set_live(np.flatnonzero(reached))
        # the Newton's bounds (step, det) as float32 0-d arrays: the same float32 values numpy
        # casts the Python numbers to, without converting them every call
        t = WARP_TUNING
        self._bounds = tuple(np.array(v, np.float32)
                             for v in (-t["max_step"], t["max_step"], t["min_det"]))
        self.base_xy = np.dstack(np.meshgrid(np.arange(x0, x1, dtype=np.float32),
                                             np.arange(y0, y1, dtype=np.float32)))
        # each band of REMAP_BAND grid rows: the roi's pixel rows it covers and the grid rows its
        # pixels read (_moving_spans). A pixel reads the two grid rows / columns around
        # (p + 0.5) / spacing - 0.5 (cv2.resize, INTER_LINEAR): one node of margin each side
        # covers them
        nb = -(-gh // REMAP_BAND)
        edges = np.minimum(np.round(np.arange(nb + 1) * REMAP_BAND * float(self.spacing[1]))
                           .astype(int), rh)
        edges[-1] = rh
        edges = edges.tolist()
        self._band_px = list(zip(edges[:-1], edges[1:]))
        self._band_reads = [slice(max(k * REMAP_BAND - 1, 0), (k + 1) * REMAP_BAND + 1)
                            for k in range(nb)]

    def _set_live(self, live: np.ndarray) -> None:
        """The grid nodes Newton iterates on (`live`, flat indices) and their layout as a remap
        map, `_live_at` (rows, cols) of flat indices, NEWTON_ROW nodes a row at most; a short
        last row is filled with the first node again, computed twice alike."""
        self._live = live
        rows = max(-(-len(live) // NEWTON_ROW), 1)
        cols = max(-(-len(live) // rows), 1)
        at = np.full(rows * cols, live[0] if len(live) else 0, np.intp)
        at[: len(live)] = live
        self._live_at = at.reshape(rows, cols)
        # (2, rows, cols): x and y stacked, so each Newton operation is one call for both
        self._live_g = np.stack([self._gx.reshape(-1)[self._live_at],
                                 self._gy.reshape(-1)[self._live_at]])

    def _roi(self, pts: np.ndarray, h: int, w: int) -> tuple[int, int, int, int]:
        m = WARP_TUNING["roi_margin"] * self.cell
        lo = np.floor(pts.min(0) - m).astype(int)
        hi = np.ceil(pts.max(0) + m).astype(int)
        return max(lo[0], 0), max(lo[1], 0), min(hi[0], w), min(hi[1], h)

    def field(self, disp: np.ndarray, pins: np.ndarray | None = None) -> np.ndarray:
        """Forward displacement on the grid, (gh, gw, 2) float32 pixels; `pins` (K, 2) px the
        pins' displacements (none given: they stay).

        `weights @ ext` (scipy's CSR product: per row, from 0, += weight * point in the CSR's
        order, in float32) as a gather from the dense table of `_gather_table`, the same sums
        in the same order: ~60 us against ~140 (scipy's per-call set-up). The final + 0 turns a
        -0 that the first term can leave (scipy's sum starts from +0) into +0."""
        m = len(self.moving)  # self.moving is arange(m)
        # the control points' motion, anchors at zero: a new array each call (a buffer kept on
        # the warper would be shared by the GUI's preview and clip threads, and a view of it
        # kept beside it comes apart when the warper is pickled for the export's helper)
        ext = np.zeros((self.n_ctrl, 2), np.float32)
        ext[:m] = disp[:m, :2]
        if self.n_pins and pins is not None:
            ext[m:m + self.n_pins] = pins
        # each point's (x, y) as one 8-byte item, gathered in one take; mode "clip": the
        # indices are all valid, and clip skips take's bounds error path
        terms = ext.view(np.uint64).reshape(-1).take(self._cols, mode="clip").view(np.float32)
        terms *= self._w
        g = terms[0].copy()
        for t in terms[1:]:
            g += t
        g += 0.0
        g = g.reshape(*self.grid_shape, 2)
        s = WARP_TUNING["smooth_sigma"]
        return cv2.GaussianBlur(g, (0, 0), s) if s > 0 else g

    def inverse_field(self, disp: np.ndarray, pins: np.ndarray | None = None) -> np.ndarray:
        """Backward displacement B on the grid, (gh, gw, 2) px: out(y) = in(y - B(y))."""
        D = self.field(disp, pins)
        # D and its Jacobian in px/px, I + dD/dx = [[a, b], [c, d]] (the bilinear field's slope
        # between nodes), as one 6-channel image (Dx, Dy, b, d, a, c): one remap a step samples
        # all (the same values as two). Each slope on D's two planes at once, in its pairs
        dy = _slope(D, 0)
        dy /= float(self.spacing[1])  # (b, d - 1)
        dx = _slope(D, 1)
        dx /= float(self.spacing[0])  # (a - 1, c)
        # + 1 to d and a: one cv2 add of a per-channel scalar each (numpy's strided one channel
        # cost twice as much); adding -0.0 leaves the other channel as it is, bit for bit
        cv2.add(dy, (-0.0, 1.0, 0.0, 0.0), dst=dy)
        cv2.add(dx, (1.0, -0.0, 0.0, 0.0), dst=dx)
        DJ = cv2.merge([D, dy, dx])
        # x is kept in grid units: q = node index - displacement / spacing. Only the nodes a
        # landmark or pin reaches: elsewhere D is 0 around the node, so q stays on it, B is 0
        if not len(self._live):
            return np.zeros_like(D)
        at = self._live_at
        # the live nodes' (x, y) pairs as 8-byte items (all indices valid: "clip" skips
        # take's bounds error path), then channels first
        pairs = D.view(np.uint64).reshape(-1).take(at.reshape(-1), mode="clip")
        d = cv2.transpose(pairs.view(np.float32).reshape(-1, 2)).reshape(2, *at.shape)
        return self._invert(DJ, self._live_g - d / self.spacing.reshape(2, 1, 1), D.shape)

    def _invert(self, DJ: np.ndarray, q: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """Newton on the live nodes from q (2, rows, cols), grid units: x and y stacked, each
        operation one call for both on the same float32 values as one per axis (x uses the
        Jacobian's row (d, -b), y its row (a, -c): with (d, a) and (b, c) stacked and the
        residual's rows swapped, one product each; det's two products as one too)."""
        g = self._live_g
        s = self.spacing.reshape(2, 1, 1)  # float32: the same products as with Python floats
        lo, hi, least = self._bounds
        for _ in range(WARP_TUNING["newton_steps"]):
            sampled = cv2.remap(DJ, q[0], q[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            # channels first, contiguous (numpy on strided channels ran ~2x slower)
            planes = cv2.transpose(sampled.reshape(-1, 6)).reshape(6, *q.shape[1:])
            dq, da, bc = planes[:2], planes[3:5], planes[2::3]  # (Dx, Dy), (d, a), (b, c)
            r = (q - g) * s + dq  # residual F(x) - y in px, F(x) = x + D(x)
            da_bc = planes[3:1:-1] * planes[4:]  # (d a, b c)
            det = np.maximum(da_bc[0] - da_bc[1], least)
            q -= clip((da * r - bc * r[::-1]) / det / s, lo, hi)
        # B = (node - q) px at the live nodes, written as (x, y) pairs into the zero grid
        B = np.zeros(shape[0] * shape[1], np.uint64)
        at = self._live_at.reshape(-1)
        B[at] = cv2.transpose(((g - q) * s).reshape(2, -1)).view(np.uint64).reshape(-1)
        return B.view(np.float32).reshape(shape)

    def roi_map(self, disp: np.ndarray) -> np.ndarray:
        """Backward map for the box `roi` only, absolute source px, (y1-y0, x1-x0, 2) float32
        (one two-channel map: cv2.remap reads it as is, one subtraction makes it)."""
        return self._box_map(self.inverse_field(disp))

    def _box_map(self, B: np.ndarray) -> np.ndarray:
        rh, rw = self.base_xy.shape[:2]
        full = cv2.resize(B, (rw, rh), interpolation=cv2.INTER_LINEAR)
        return np.subtract(self.base_xy, full, out=full)

    def _moving_spans(self, B: np.ndarray) -> list[tuple[int, int, int, int]]:
        """Pixel boxes (ya, yb, xa, xb) of the roi, one per band of grid rows, outside which the
        backward map moves no pixel: there every grid node it interpolates is under STILL_PX, so
        remap's fixed point (1/32 px) rounds each sample onto the pixel itself and the copy is
        already exact. Measured: ~30 % of the box (the corners around the anchor ring)."""
        # (gh, 2 gw): each node's x and y side by side, nonzero where they move
        moving = (np.abs(B) >= STILL_PX).view(np.uint8).reshape(B.shape[0], -1)
        rw = self.base_xy.shape[1]
        sx = float(self.spacing[0])
        spans = []
        for (ya, yb), rows in zip(self._band_px, self._band_reads):
            # the band's first and last moving node columns (one bounding box; x // 2 the
            # node), out to the pixels reading them: (first - 0.5) * spacing - 0.5 to
            # (last + 1.5) * spacing - 0.5, and one pixel more each side
            x, _, n, _ = cv2.boundingRect(moving[rows])
            if n:
                spans.append((ya, yb, max(math.floor((x // 2 - 0.5) * sx - 0.5) - 1, 0),
                              min(math.ceil(((x + n + 1) // 2 + 0.5) * sx - 0.5) + 1, rw)))
        return spans

    def roi_maps(self, disp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Backward maps for the box `roi` only, absolute source px, each (y1-y0, x1-x0)."""
        m = self.roi_map(disp)
        return m[..., 0], m[..., 1]

    def maps(self, disp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Backward maps for the whole image, (h, w) float32 each, for cv2.remap."""
        h, w = self.shape
        mx, my = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        x0, y0, x1, y1 = self.roi
        mx[y0:y1, x0:x1], my[y0:y1, x0:x1] = self.roi_maps(disp)
        return mx, my

    def warp(self, image: np.ndarray, disp: np.ndarray,
             pins: np.ndarray | None = None) -> np.ndarray:
        """A new image: `image` (h, w[, c]) with its pixels moved by `disp` (478, 2) px (and the
        pins by `pins`, (K, 2) px)."""
        out = image.copy()
        if not disp.any() and (pins is None or not np.any(pins)):
            return out
        x0, y0 = self.roi[:2]
        B = self.inverse_field(disp, pins)
        m = self._box_map(B)
        for ya, yb, xa, xb in self._moving_spans(B):
            # BORDER_REPLICATE: a map that reaches past the image edge repeats the edge pixel
            cv2.remap(image, m[ya:yb, xa:xb], None, cv2.INTER_LINEAR,
                      dst=out[y0 + ya:y0 + yb, x0 + xa:x0 + xb], borderMode=cv2.BORDER_REPLICATE)
        return out
