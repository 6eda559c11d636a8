"""The skin between a lowered brow and the upper lid folds up; the lid under it still opens.

A brow lowered by AU4 pushes the lid skin under it down (core/rig/au_table.py), and the upper
lid's margin rises by AU5 (the levator, not the brow's skin). Added as they are, the skin rings
between them (eye halos 2 and 3) crossed the rising margin: anger's brows over a glare turned
triangles there inside out, and the fold guard unfolded them by pulling the margin back down to
where it had been (AU4 + AU5 on the sample portrait: the margin 0.010 IPD lower than at rest
instead of 0.065 higher). Anger then narrowed the eyes like disgust's squint instead of glaring
(Ekman & Friesen 1975, anger: "upper lid raised ... lowered brow", a hard stare).

So, before the guard, where a brow is lowered: its side's upper lid is pushed down a share of
the brow's drop (what the guard's unfolding had done, by accident and more) and kept a share of
its rest gap below the brow (the brow wins: nothing lifts the lid through it), and the skin rings
go toward their rest places between the lid and the brow as the brow comes down: they bunch up
between the two instead of crossing either. Where no brow is lowered (raised brows, a lid alone,
a blink) nothing changes (tests/rig/test_lid_skin.py).
"""
from __future__ import annotations

import numpy as np

from core.face.regions import region
from core.rig.au_points import curve_at
from core.rig.tuning import LID_SKIN
from core.rig.ufuncs import clip, interp

_SIDES = "RL"
_MARGIN = {s: region(f"{s}_eye_upper_lid") for s in _SIDES}
_BROW = {s: region(f"{s}_brow_lower") for s in _SIDES}
_RINGS = {s: np.concatenate([region(f"{s}_eye_halo2_upper"), region(f"{s}_eye_halo3_upper")])
          for s in _SIDES}


class LidSkin:
    def __init__(self, P: np.ndarray):
        """`P` (N, 2): the rest landmarks in IPD, y down."""
        self.P = P
        self.sides = []
        for s in _SIDES:
            # each curve's points in x order at rest (the lids and brows move mostly up and
            # down: read through `interp` directly, ~30 us a frame less than `curve_at`)
            margin = _MARGIN[s][np.argsort(P[_MARGIN[s], 0])]
            brow = _BROW[s][np.argsort(P[_BROW[s], 0])]
            rings = _RINGS[s]
            y_m = curve_at(P[margin], P[rings, 0])
            ring_brow = curve_at(P[brow], P[rings, 0])  # the brow's height over each ring
            gap = np.maximum(y_m - ring_brow, 1e-6)  # the margin-to-brow gap there
            share = np.clip((y_m - P[rings, 1]) / gap, 0.0, 1.0)  # margin 0 .. brow 1
            brow_y = curve_at(P[brow], P[margin, 0])  # the brow's height over the margin
            clear = LID_SKIN["margin_clearance"] * np.maximum(P[margin, 1] - brow_y, 0.0)
            self.sides.append((margin, brow, rings, share, LID_SKIN["full_at"] * gap,
                               ring_brow, brow_y, clear))

    def order(self, d: np.ndarray) -> np.ndarray:
        """`d` (N, 2) IPD with each side's lid margin below its brow and its skin rings
        between the two (in place)."""
        P = self.P
        for margin, brow, rings, share, full, ring_brow, brow_y, clear in self.sides:
            if not (d[brow, 1] > 0.0).any():
                continue  # no brow lowered: nothing presses the lid skin
            Qb = P[brow] + d[brow]
            Qm = P[margin] + d[margin]
            n = len(margin)
            y_b = interp(np.concatenate([Qm[:, 0], P[rings, 0] + d[rings, 0]]), Qb[:, 0], Qb[:, 1])
            # the lowered brow pushes the lid down a little; a raised one leaves it
            y = Qm[:, 1] + LID_SKIN["margin_push"] * np.maximum(y_b[:n] - brow_y, 0.0)
            y = np.maximum(y, y_b[:n] + clear)
            d[margin, 1] = y - P[margin, 1]
            # under a lowered brow the rings go toward their rest places between the margin
            # and the brow: fully once the brow is down `full_at` of the rest gap
            x, y_b = P[rings, 0] + d[rings, 0], y_b[n:]
            y_m = interp(x, Qm[:, 0], y)
            w = clip((y_b - ring_brow) / full, 0.0, 1.0)
            y_r = P[rings, 1] + d[rings, 1]
            d[rings, 1] += w * (y_m - share * np.maximum(y_m - y_b, 0.0) - y_r)
        return d
