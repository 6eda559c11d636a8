"""Keep the landmark mesh from folding: where a displacement would turn a triangle of the rest
mesh inside out (a lowered brow pushed through the upper lid, pressed lips crossing, an
exaggerated mix at master intensity 1.5), its corners' motions are pulled toward their common
mean, which moves that triangle rigidly, until no triangle is flipped. Triangles that only
collapse (a lid closing, lips meeting) are left alone: only a sign change counts. The mouth
corners give way least: the skin around them unfolds by following them. Held points (the sealed
lips' seam) are let go for the last passes; what still flips after every pass shrinks toward
the rest shape, unless that cannot unfold it either (then the relaxed mesh is kept)."""
from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay

from core.face.regions import region
from core.rig.au_points import LOWER_LIP_ONLY, UPPER_LIP_ONLY
from core.rig.tuning import FOLD_GUARD

# the outer mouth corners: they give way least (FOLD_GUARD["corner_share"])
_CORNERS = region("mouth_corners_outer")


def _signed_area(Q: np.ndarray, corners: tuple[np.ndarray, ...]) -> np.ndarray:
    """Twice the signed area of each triangle (corner index lists a, b, c) of `Q` (N, 2)."""
    x, y = Q[:, 0], Q[:, 1]
    a, b, c = corners
    ax, ay = x[a], y[a]
    return (x[b] - ax) * (y[c] - ay) - (y[b] - ay) * (x[c] - ax)


class FoldGuard:
    def __init__(self, P: np.ndarray, extra: np.ndarray | None = None,
                 opened: np.ndarray | None = None):
        """`extra` (K, 2): fixed points of the mesh that are no landmarks (eyeglass rims,
        core/rig/rims.py): each call gives their motion and the landmarks unfold around them.
        `opened` (N, 2): the landmarks with eyes shut at rest opened (see below)."""
        n = min(len(P), 468)  # the irises are not skin (core/rig/warp.py)
        self.n = n
        if extra is not None:
            P = np.vstack([P[:n], extra])
        self.m = len(P) if extra is not None else n
        self.tri = Delaunay(P[:self.m]).simplices
        # slivers (the closed mouth slit, a closed eye) have no meaningful orientation at rest:
        # counted, lips parting across them "flipped" them and the guard dragged the lower lip
        # up with a raised upper lip (AU10 opened grace_hopper.jpg's mouth 0.017 IPD, not 0.06)
        area = _signed_area(P[:self.m].astype(np.float32), tuple(self.tri.T))
        self.tri = self.tri[np.abs(area) >= FOLD_GUARD["min_area"]]
        # nor are triangles across the mouth (a corner of each lip): open at rest, they span what
        # the mouth renderer paints. Counted, lips closing over a smile's teeth "flipped" them
        # and the guard parted the lips again (the smiling astronaut set to sad showed teeth)
        t = self.tri
        across = np.isin(t, UPPER_LIP_ONLY).any(1) & np.isin(t, LOWER_LIP_ONLY).any(1)
        # ... nor those an eye shut at rest turns over as it opens (`opened`: the rest with the
        # eyes opened, core/rig/rest.py's rest AU43 taken away). A laugh's squint has lid points
        # out of order across its slit, so their rest orientation means nothing: counted, the
        # guard held one eye of a low-resolution laughing face at 0.060 IPD open under
        # surprise against 0.091 asked
        if opened is not None:
            a0 = _signed_area(P[:self.m].astype(np.float32), tuple(t.T))
            q = np.vstack([opened[:n], P[n:self.m]]).astype(np.float32)
            across |= np.sign(a0) != np.sign(_signed_area(q, tuple(t.T)))
        self.tri = t[~across]
        # the corners as three contiguous index lists: _area gathers ~2x faster from them
        self._corners = tuple(np.ascontiguousarray(self.tri[:, k]) for k in range(3))
        self.P = P[:self.m].astype(np.float32)
        # each point's pull per pass: the mouth corners' is a share of the rest (see FOLD_GUARD)
        self.pull = np.full(self.m, FOLD_GUARD["pull"], np.float32)
        self.pull[_CORNERS] *= FOLD_GUARD["corner_share"]
        self._keep = 1 - self.pull  # float32, as the pass computed it
        self.sign = np.sign(self._area(self.P))
        self._plus_minus = self._edge_index()

    def _area(self, Q: np.ndarray) -> np.ndarray:
        return _signed_area(Q, self._corners)

    def _edge_index(self) -> np.ndarray:
        """(8 T,) indices into the flat (x, y) points: per triangle (a, b, c), the minuends
        xb, yb (rows 0..2T) and yc, xc (rows 2T..4T), then their subtrahends xa, ya, ya, xa:
        the first half less the second is xb - xa, yb - ya, yc - ya, xc - xa, and twice the
        signed area is the product of its halves' first rows minus that of their second rows.
        b and c swap where the rest triangle is negative, so that folded reads alike
        everywhere: area * sign < 0 exactly when p[:T] < p[T:] (the same float32 products,
        swapped; a difference of two floats is below zero exactly when the first is the
        smaller). A triangle without a sign (never folded) gets a, a, a: p = 0, 0."""
        a, b, c = (self.tri[:, k] for k in range(3))
        pos, some = self.sign > 0, self.sign != 0
        b, c = np.where(pos, b, c), np.where(pos, c, b)
        b, c = np.where(some, b, a), np.where(some, c, a)
        return np.concatenate([2 * b, 2 * b + 1, 2 * c + 1, 2 * c,
                               2 * a, 2 * a + 1, 2 * a + 1, 2 * a]).astype(np.intp)

    def _folded(self, moved: np.ndarray) -> np.ndarray:
        """Indices of the triangles folded with the mesh's points at `moved` (m, 2) IPD: the
        same as area * sign < 0, from one gather and four operations (the guard's pass runs up
        to ~40 times a frame on a frown over the smiling photo; ~3x faster than the signed
        areas, ~1.3x than the same differences as a sparse matrix product)."""
        t = len(self.tri)
        g = moved.reshape(-1)[self._plus_minus]
        d = g[:4 * t] - g[4 * t:]
        p = d[:2 * t] * d[2 * t:]
        return (p[:t] < p[t:]).nonzero()[0]

    def flipped(self, d: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """Indices of the mesh's triangles that displacements d (N, 2) IPD (and `extra`, the
        fixed points' motion) turn inside out."""
        full = d[:self.n] if self.m == self.n else np.vstack([d[:self.n], extra])
        return self._folded(self.P + full)

    def __call__(self, d: np.ndarray, pinned: np.ndarray | None = None,
                 extra: np.ndarray | None = None) -> np.ndarray:
        """d (N, 2) IPD -> the same with flipped triangles relaxed (a copy when anything changed).
        `pinned` points keep their motion (the seam of sealed lips: relaxing it parted the lips
        again); a flipped triangle they share is unfolded by its other corners. `extra` (K, 2):
        the motion of the fixed points given at construction."""
        return self.unfold(d, pinned, extra)[0]

    def unfold(self, d: np.ndarray, pinned: np.ndarray | None = None,
               extra: np.ndarray | None = None) -> tuple[np.ndarray, int | None]:
        """`__call__`'s result and how many triangles it leaves flipped (`flipped`), where its
        last pass counted them (0 unless its passes ran out; None then)."""
        n, m = self.n, self.m
        free = np.ones(m, bool)
        free[n:] = False
        if pinned is not None:
            free[pinned[pinned < n]] = False
        full = d if m == n else np.vstack([d[:n], extra.astype(d.dtype)])
        out, left, relaxed = None, None, None
        relax = FOLD_GUARD["iterations"]
        unpin = relax - FOLD_GUARD["unpinned_passes"] if pinned is not None else relax
        for i in range(relax + FOLD_GUARD["shrink_passes"]):
            if i == unpin:
                free[:n] = True
            cur = full if out is None else out
            bad = self._folded(self.P + cur[:m])
            if not len(bad):
                left = 0
                break
            if out is None:
                out = full.copy()
            t = self.tri[bad]
            if i >= relax:
                # last resort: shrink toward the rest shape, which is unfolded by definition
                if relaxed is None:
                    relaxed = out.copy()
                u = np.unique(t)
                out[u[free[u]]] *= FOLD_GUARD["shrink"]
                continue
            # (B, 2) corner means; summed as np.mean sums them (same float32 values), without
            # its ~15 us of set-up in a loop that runs ~7 times a frame
            c = out[t.T]  # (3, B, 2): each corner's motions in one block
            mean = (c[0] + c[1] + c[2]) / 3
            acc = np.zeros((m, 2), np.float32)
            np.add.at(acc, t, mean[:, None])  # in t's order, as over its flat corners
            cnt = np.bincount(t.ravel(), minlength=m).astype(np.float32)
            hit = (cnt * free).nonzero()[0]  # indices: ~2x faster than the mask here
            if i < FOLD_GUARD["corner_passes"]:
                a, keep = self.pull[hit, None], self._keep[hit, None]
            else:
                a = FOLD_GUARD["pull"]
                keep = 1 - a
            out[hit] = keep * out[hit] + a * acc[hit] / cnt[hit, None]
        if left is None and relaxed is not None and len(self._folded(self.P + out[:m])):
            # the shrink did not unfold it either (what stays flipped has fixed corners that
            # crossed: two of the rims' pins, when the head's turn still had a step at the
            # midline): it only pulled the skin around toward its rest, a jump of up to 0.4 IPD
            # in that one frame; the relaxed mesh, with its few thin folds, is kept instead
            out = relaxed
        if out is None:
            return d, left
        if m == n:
            return out, left
        res = d.copy()
        res[:n] = out[:n]
        return res, left
