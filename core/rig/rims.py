"""Rigid eyeglass frames: the rims found on the portrait (core/rig/glasses.py) move only with
the head. Pins along each band's edges join the warp's control points with the head-only
displacement; landmarks inside a band (Face Mesh puts the lower brow on a thick top rim) follow
it; landmarks just above or below keep part of their distance to it, so a lowered brow or a
raised lid tucks behind the frame instead of folding the warp across it."""
from __future__ import annotations

import numpy as np
from scipy.spatial import Delaunay

from core.rig.glasses import Glasses, Rim
from core.rig.tuning import GLASSES


class Rims:
    def __init__(self, glasses: Glasses, P: np.ndarray, Z: np.ndarray):
        """P (478, 2) rest landmarks and Z (478,) their depth, IPD (core/rig/motion.py)."""
        n = min(len(P), 468)  # the irises are not skin (core/rig/warp.py)
        self.bands: list[Rim] = glasses.rims
        outlines = [r.outline(GLASSES["pin_step"]) for r in self.bands]
        self.pins = np.vstack(outlines).astype(np.float32)
        # per band, its pins' indices along its top edge and along its bottom edge (an outline
        # is the top edge's points, then the bottom edge's, each along x)
        ends = np.cumsum([0] + [len(o) for o in outlines])
        self.edges = [(np.arange(a, (a + b) // 2), np.arange((a + b) // 2, b))
                      for a, b in zip(ends[:-1], ends[1:])]
        self.pin_z = _interpolate(P[:n], Z[:n], self.pins)
        held, above, below = [], [], []
        for r in self.bands:
            # past the band's ends too (np.interp holds the end heights): a brow point just
            # beyond an end, left free, crossed the end pins
            end = GLASSES["end_reach"]
            on = (P[:n, 0] >= r.xs[0] - end) & (P[:n, 0] <= r.xs[-1] + end)
            top = np.interp(P[:n, 0], r.xs, r.top)
            bottom = np.interp(P[:n, 0], r.xs, r.bottom)
            y = P[:n, 1]
            # a point on a band's edge (within GLASSES["edge_hold"]) goes with it: kept a
            # fraction of no distance off it, its own depth's head turn still crossed the pins
            e = GLASSES["edge_hold"]
            held.append(np.flatnonzero(on & (y >= top - e) & (y <= bottom + e)))
            reach = GLASSES["reach"]
            a = np.flatnonzero(on & (y < top - e) & (y > top - reach))
            b = np.flatnonzero(on & (y > bottom + e) & (y < bottom + reach))
            above.append((a, (top - y)[a]))
            below.append((b, (y - bottom)[b]))
        self.held = np.unique(np.concatenate(held))
        self.above, self.below = above, below
        # the same, flat, for hold(): one pass per frame; a point near two bands (over the
        # bridge and a rim's inner end) is kept off the nearer
        self._up_idx, self._up_gap = _nearest(above)
        self._lo_idx, self._lo_gap = _nearest(below)
        # what the fold guard must leave where hold() put it (relaxed, a brow slid onto a rim)
        self.kept = np.unique(np.concatenate([self.held, *(i for i, _ in above)]))

    def hold(self, d: np.ndarray) -> np.ndarray:
        """Expression displacements d (N, 2) IPD, before the head turn, with the frame's
        neighbours held: a copy."""
        d = d.copy()
        d[self.held] = 0.0
        room = 1.0 - GLASSES["keep_gap"]
        ramp = GLASSES["rise_ramp"]
        idx, gap = self._up_idx, self._up_gap
        near = np.minimum(gap / ramp, 1.0)
        # along the rim too: a brow drawn inward (AU4) slid past the pins just under it
        d[idx, 0] *= near
        dy = d[idx, 1]
        d[idx, 1] = np.where(dy < 0, dy * near, np.minimum(dy, room * gap))
        idx, gap = self._lo_idx, self._lo_gap
        d[idx, 0] *= np.minimum(gap / ramp, 1.0)
        d[idx, 1] = np.maximum(d[idx, 1], -room * gap)
        return d


def _nearest(sets: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(points, gaps) of several bands merged: each point once, with its smallest gap."""
    idx = np.concatenate([i for i, _ in sets])
    gap = np.concatenate([g for _, g in sets]).astype(np.float32)
    order = np.lexsort((gap, idx))
    idx, gap = idx[order], gap[order]
    first = np.r_[True, idx[1:] != idx[:-1]]
    return idx[first], gap[first]


def _interpolate(P: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Piecewise-linear interpolation of per-landmark `values` at points `at` over the rest
    mesh (the nearest landmark's value outside it)."""
    tri = Delaunay(P)
    s = tri.find_simplex(at)
    nearest = np.argmin(np.linalg.norm(P[None] - at[:, None], axis=2), axis=1)
    out = values[nearest].astype(np.float64)
    ok = s >= 0
    T = tri.transform[s[ok]]
    b = np.einsum("nij,nj->ni", T[:, :2], at[ok] - T[:, 2])
    bary = np.column_stack([b, 1 - b.sum(1)])
    out[ok] = (values[tri.simplices[s[ok]]] * bary).sum(1)
    return out.astype(np.float32)
