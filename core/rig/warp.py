"""Dense, smooth image warp driven by the 478 landmark displacements (DESIGN.md, "Dense motion
from sparse landmarks").

Once per portrait and size: triangulate landmarks + zero-motion anchors (image border and a ring
outside the face oval) and precompute sparse barycentric weights from those control points to a
low-resolution grid. Per frame: one sparse product gives the grid field D, one fixed-point step
inverts it (backward map x - D(x - D(x))), one resize brings it to full size, one cv2.remap moves
the pixels.
"""
from __future__ import annotations

import cv2
import numpy as np
from scipy import sparse
from scipy.spatial import Delaunay

from core.face.regions import region

WARP_TUNING = {
    "cell": 8,  # px between grid nodes at any size: the field is smooth at that scale
    "ring_scale": 1.45,  # anchor ring = face oval scaled about its centre (by eye: hair and
    # ears stay put, the jaw still has room to drop)
    "ring_points": 48,
    "border_step": 32,  # px between anchors on the image border
    "smooth_sigma": 0.8,  # grid cells: softens triangle-edge kinks of the piecewise-affine field
    "roi_margin": 3,  # grid cells around the anchor ring: outside it nothing moves
}


def _ring(rest_xy: np.ndarray, h: int, w: int) -> np.ndarray:
    oval = rest_xy[region("face_oval")]
    centre = oval.mean(0)
    angles = np.arctan2(oval[:, 1] - centre[1], oval[:, 0] - centre[0])
    radii = np.hypot(*(oval - centre).T)
    a = np.linspace(-np.pi, np.pi, WARP_TUNING["ring_points"], endpoint=False)
    order = np.argsort(angles)
    r = np.interp(a, angles[order], radii[order], period=2 * np.pi) * WARP_TUNING["ring_scale"]
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


class Warper:
    """Warp an image of shape (h, w) by landmark displacements (478, 2) in pixels."""

    def __init__(self, rest_xy: np.ndarray, image_shape: tuple[int, int], cell: int | None = None):
        h, w = image_shape[:2]
        self.shape = (h, w)
        self.cell = cell or WARP_TUNING["cell"]
        self.n_landmarks = len(rest_xy)
        rest = np.clip(rest_xy.astype(np.float64), 0, [w - 1, h - 1])
        ring = _ring(rest, h, w)
        ctrl = np.vstack([rest, ring, _border(h, w)])
        self.n_ctrl = len(ctrl)
        # only the region inside the anchor ring moves: warp just that box (speed)
        m = WARP_TUNING["roi_margin"] * self.cell
        lo = np.floor(np.vstack([ring, rest]).min(0) - m).astype(int)
        hi = np.ceil(np.vstack([ring, rest]).max(0) + m).astype(int)
        x0, y0 = max(lo[0], 0), max(lo[1], 0)
        x1, y1 = min(hi[0], w), min(hi[1], h)
        self.roi = (x0, y0, x1, y1)
        rw, rh = x1 - x0, y1 - y0
        gw, gh = max(int(np.ceil(rw / self.cell)), 2), max(int(np.ceil(rh / self.cell)), 2)
        self.grid_shape = (gh, gw)
        # node positions that cv2.resize(INTER_LINEAR) maps exactly onto the box's pixels
        self.node_x = x0 + (np.arange(gw) + 0.5) * (rw / gw) - 0.5
        self.node_y = y0 + (np.arange(gh) + 0.5) * (rh / gh) - 0.5
        nodes = np.stack(np.meshgrid(self.node_x, self.node_y), -1).reshape(-1, 2)
        self.weights = self._barycentric(ctrl, np.clip(nodes, 0, [w - 1, h - 1]))
        self.base_x, self.base_y = np.meshgrid(np.arange(x0, x1, dtype=np.float32),
                                               np.arange(y0, y1, dtype=np.float32))
        # grid index coordinates of each node, for sampling the field at displaced nodes
        self._gx, self._gy = np.meshgrid(np.arange(gw, dtype=np.float32),
                                         np.arange(gh, dtype=np.float32))
        self._px_to_grid = np.array([gw / rw, gh / rh], np.float32)

    @staticmethod
    def _barycentric(ctrl: np.ndarray, nodes: np.ndarray) -> sparse.csr_matrix:
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
        return sparse.csr_matrix((bary.reshape(-1), (rows, cols)), shape=(len(nodes), len(ctrl)))

    def field(self, disp: np.ndarray) -> np.ndarray:
        """Forward displacement on the grid, (gh, gw, 2) float32 pixels."""
        ext = np.zeros((self.n_ctrl, 2), np.float32)
        ext[: self.n_landmarks] = disp
        g = (self.weights @ ext).astype(np.float32).reshape(*self.grid_shape, 2)
        s = WARP_TUNING["smooth_sigma"]
        return cv2.GaussianBlur(g, (0, 0), s) if s > 0 else g

    def maps(self, disp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Backward maps for the box `roi` (absolute source coordinates, for cv2.remap):
        out(x) = in(x - D(x - D(x)))."""
        D = self.field(disp)
        # sample D at each node minus its own displacement (one fixed-point inversion step)
        qx = self._gx - D[..., 0] * self._px_to_grid[0]
        qy = self._gy - D[..., 1] * self._px_to_grid[1]
        D_inv = cv2.remap(D, qx, qy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        rh, rw = self.base_x.shape
        full = cv2.resize(D_inv, (rw, rh), interpolation=cv2.INTER_LINEAR)
        return self.base_x - full[..., 0], self.base_y - full[..., 1]

    def warp(self, image: np.ndarray, disp: np.ndarray) -> np.ndarray:
        """A new image: `image` with its pixels moved by the landmark displacements."""
        out = image.copy()
        if not np.any(disp):
            return out
        mx, my = self.maps(disp)
        x0, y0, x1, y1 = self.roi
        out[y0:y1, x0:x1] = cv2.remap(image, mx, my, cv2.INTER_LINEAR,
                                      borderMode=cv2.BORDER_REPLICATE)
        return out
