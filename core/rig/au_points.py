"""Named point sets, per-point profiles and masks the AU table (core/rig/au_table.py) refers to.

Point sets are unions of the Face Mesh lists in resources/facemesh_regions.json, for one side
s ("R" the subject's right, "L" left). Profiles weight a move along its points; masks say where
a move's spread may reach. Every number here is geometry (where on the face), not a magnitude.
"""
from __future__ import annotations

import numpy as np

from core.face.regions import mirror_map, region
from core.rig.tuning import LID_BAND
from core.rig.ufuncs import clip, interp

UPPER_LIP = ("lips_upper_outer", "lips_upper_inner", "lips_upper_semi_inner",
             "lips_upper_semi_outer")
LOWER_LIP = ("lips_lower_inner", "lips_lower_outer", "lips_lower_semi_inner",
             "lips_lower_semi_outer")


def idx(*names: str) -> np.ndarray:
    return np.unique(np.concatenate([region(n) for n in names]))


def curve_at(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Height of the polyline through `points` (N, 2), taken in x order, at `x` (flat beyond
    its ends): a lip contour's y under other points, a seam's. float64, as np.interp's (the
    same call, without its wrapper: the rig reads its lip contours ~30 times a frame)."""
    s = points[points[:, 0].argsort()]
    return interp(x, s[:, 0], s[:, 1])


def mouth_frame(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mouth's own frame from landmarks `xy`: (centre, axes (2, 2) float32: u along the
    inner corners 78 -> 308, v toward the chin). The mouth renderer lays its interior in it and
    the drawn mouth's reach is measured in it (core/rig/mouth.py, core/rig/drawn_mouth.py)."""
    c = (xy[78] + xy[308]) / 2
    d = xy[308] - xy[78]
    ex = (d / max(float(np.hypot(d[0], d[1])), 1e-6)).tolist()
    return c, np.array([ex, [-ex[1], ex[0]]], np.float32)


def catmull_rom(n: int, steps: int) -> np.ndarray:
    """((n - 1) * steps + 1, n) linear operator: a uniform Catmull-Rom curve through n points
    (the end points repeated), `steps` samples per segment: the mouth's inner lip contours (11
    points each; drawn straight, an open mouth's outline had visible kinks beside the corners)
    and the shading's curved creases."""
    t = np.arange(steps, dtype=np.float64) / steps
    w = 0.5 * np.stack([-t ** 3 + 2 * t ** 2 - t, 3 * t ** 3 - 5 * t ** 2 + 2,
                        -3 * t ** 3 + 4 * t ** 2 + t, t ** 3 - t ** 2], 1)  # (steps, 4)
    op = np.zeros(((n - 1) * steps + 1, n), np.float32)
    for i in range(n - 1):
        cols = clip([i - 1, i, i + 1, i + 2], 0, n - 1)
        for j, c in enumerate(cols):
            op[i * steps:(i + 1) * steps, c] += w[:, j]
    op[-1, n - 1] = 1.0
    return op


_MIDLINE = region("midline")


def midline_x(P: np.ndarray) -> np.ndarray:
    """(N,) the face's midline (Face Mesh's midline points, forehead to chin) at each point's
    height, face frame. The frame's origin sits between the pupils, and pupils are not always on
    the midline: a drawing's or a painting's eyes looking aside put it 0.05-0.1 IPD off, and the
    sides and the distances from the centre measured from x = 0 then gave one mouth corner 0.57
    of a smile's lift and the other all of it."""
    o = np.argsort(P[_MIDLINE, 1])
    return np.interp(P[:, 1], P[_MIDLINE[o], 1], P[_MIDLINE[o], 0])


# each lip's own points: its contours and rings without the two corners both lips share
UPPER_LIP_ONLY = np.setdiff1d(idx(*UPPER_LIP), idx(*LOWER_LIP))
LOWER_LIP_ONLY = np.setdiff1d(idx(*LOWER_LIP), idx(*UPPER_LIP))


def _inner_brow(g, s: str) -> np.ndarray:
    brow, inner = brow_inner(g, s)
    return brow[inner > 0.6]


def brow_inner(g, s: str) -> tuple[np.ndarray, np.ndarray]:
    """The brow's points and their inner-ness: 1 at the medial end, 0 at the lateral end."""
    brow = idx(f"{s}_brow_upper", f"{s}_brow_lower")
    ax = np.abs(g.mx[brow])
    return brow, (ax.max() - ax) / max(np.ptp(ax), 1e-6)


POINT_SETS = {
    "brow": lambda g, s: brow_inner(g, s)[0],
    "inner_brow": _inner_brow,
    "lid_skin_upper": lambda g, s: region(f"{s}_eye_halo3_upper"),
    "upper_lid": lambda g, s: idx(f"{s}_eye_upper_lid"),
    "upper_lid_halo": lambda g, s: idx(f"{s}_eye_halo2_upper"),
    "lower_lid": lambda g, s: idx(f"{s}_eye_lower_lid"),
    "cheek_ring": lambda g, s: idx(f"cheek_{s}", f"{s}_eye_halo2_lower", f"{s}_eye_halo3_lower",
                                   f"{s}_eye_halo5_lower"),
    "nose_wing": lambda g, s: g.on_side(idx(f"nose_{s}_side", "nose_base_region"), s),
    "upper_lip": lambda g, s: g.on_side(idx(*UPPER_LIP), s),
    "nasolabial": lambda g, s: region(f"nasolabial_{s}"),
    "lips": lambda g, s: g.on_side(idx(*UPPER_LIP, *LOWER_LIP), s),
    "upper_lip_all": lambda g, s: idx(*UPPER_LIP),
    "lower_lip_all": lambda g, s: idx(*LOWER_LIP),
    "chin": lambda g, s: region("chin"),
}


def _lid_arc(g, pts: np.ndarray, s: str) -> np.ndarray:
    """A half sine along the lid, by x order: the lid's middle rises most."""
    prof = np.sin(np.linspace(0.15, np.pi - 0.15, len(region(f"{s}_eye_upper_lid"))))
    return prof[np.argsort(np.argsort(g.P[pts, 0]))]


def mouth_halves(g) -> tuple[float, float]:
    """The mouth's half-widths on the subject's right and left (IPD): each corner's distance
    from the face's midline."""
    return max(abs(float(g.mx[61])), 0.05), max(abs(float(g.mx[291])), 0.05)


def lip_offset(g, pts: np.ndarray) -> np.ndarray:
    """How far lip points lie from the face's midline (IPD), each side scaled to the mouth's
    mean half-width: on a turned face the far half of the mouth is foreshortened in the
    picture, and the profiles along the lips measured from it raw gave its corner 0.08-0.7 of a
    smile's or a frown's lift on eleven of 46 test portraits (the bench's face turned 20
    degrees 0.69: a frown there read as a smirk) and the far upper lip more of a sneer."""
    right, left = mouth_halves(g)
    return np.abs(g.mx[pts]) * ((right + left) / 2 / np.where(g.mx[pts] < 0, right, left))


def corner_weight(g, pts: np.ndarray) -> np.ndarray:
    """1 at the mouth corner on the point's own side, falling toward the lip centre (the face's
    midline; `lip_offset`)."""
    right, left = mouth_halves(g)
    return np.clip(lip_offset(g, pts) / ((right + left) / 2), 0, 1) ** 2


def _corner_lateral(g, pts: np.ndarray, s: str) -> np.ndarray:
    """`corner_weight` for a corner's sideways motion: foreshortened on the far side of a turned
    face as its half of the mouth is (its half-width over the near half's); up and down keep
    their size whichever way the head turns."""
    halves = mouth_halves(g)
    return corner_weight(g, pts) * (halves[s == "L"] / max(halves))


def _outer_lips_together(g, pts: np.ndarray, s: str) -> np.ndarray:
    """+1 on the upper outer contour, -1 on the lower: the red of the lips thins."""
    uo = idx("lips_upper_outer", "lips_upper_semi_outer")
    lo = idx("lips_lower_outer", "lips_lower_semi_outer")
    return np.isin(pts, uo).astype(float) - np.isin(pts, lo)


PROFILES = {
    "flat": lambda g, pts, s: np.ones(len(pts)),
    "brow_inner": lambda g, pts, s: brow_inner(g, s)[1],
    "brow_inner_0.25": lambda g, pts, s: 0.25 + 0.75 * brow_inner(g, s)[1],
    "brow_inner_0.5": lambda g, pts, s: 0.5 + 0.5 * brow_inner(g, s)[1],
    "brow_outer_0.2": lambda g, pts, s: 0.2 + 0.8 * (1 - brow_inner(g, s)[1]),
    "lid_arc": _lid_arc,
    "upper_lip_centre": lambda g, pts, s: np.clip(1.2 - lip_offset(g, pts) / 0.45, 0.3, 1.0),
    "lip_centre": lambda g, pts, s: np.clip(1.2 - lip_offset(g, pts) / 0.5, 0.2, 1.0),
    "lower_lip_broad": lambda g, pts, s: np.clip(1.5 - lip_offset(g, pts) / 0.35, 0.3, 1.0),
    "corner": lambda g, pts, s: corner_weight(g, pts),
    "corner_lateral": _corner_lateral,
    "corner_smile_room": lambda g, pts, s: corner_weight(g, pts) * g.smile_room(),
    "outer_lips_together": _outer_lips_together,
}

def _above_lids(g) -> np.ndarray:
    """Upper face fading to nothing toward the upper lid margins: a raised brow stretches the
    skin between the brow and the lid crease, not the lid itself (the tarsal plate). Without
    the fade the lid ring just above the lashes (eye halo 2, ~0.08 IPD up) rose with the brow
    while the margin stayed, and the dark lash line smeared into a band (surprise, fear). Over
    a made-up lid (a dark band, g.lid_bands) the fade lies higher: the band rides the margin,
    and the skin from the band up to the brow takes the raise evenly (`_over_band`)."""
    lids = np.concatenate([region("R_eye_upper_lid"), region("L_eye_upper_lid")])
    dist = np.sqrt(((g.P[:, None, :] - g.P[None, lids, :]) ** 2).sum(-1)).min(1)
    # subject's right, left; the brow's lower edge keeps its whole raise
    fades = [_lid_fade(b, float(dist[region(f"{s}_brow_lower")].min()))
             for b, s in zip(g.lid_bands, "RL")]
    # each point its side's, a midline point the lower of the two
    lo, hi = (np.where(g.side < 0, r, np.where(g.side > 0, left, min(r, left)))
              for r, left in zip(*fades))
    w = np.clip((dist - lo) / (hi - lo), 0.0, 1.0)
    for k in (0, 1):  # right, left
        w = _over_band(g, w, dist, g.lid_bands[k], fades[k][0], k)
    return ((g.P[:, 1] < -0.08) * w).astype(np.float32)


# per side, the brow's own points: Face Mesh's brow lists also hold points beside the eye at its
# corners' height (brow_upper's ends 156 and 193, brow_lower's lateral 35 and 124)
_BROW_R = np.array([70, 63, 105, 66, 107, 55, 65, 52, 53, 46])
_BROWS = (_BROW_R, mirror_map()[_BROW_R])


def _over_band(g, w: np.ndarray, dist: np.ndarray, band: float, lo: float,
               k: int) -> np.ndarray:
    """`w` (the fade above the lids) with side k's skin between its dark band and its brow
    taking the raise in proportion to the way up from the band (lo IPD above the lid) to the
    brow, by the band's share of LID_BAND["band"]: under a brow well above the fade (0.2-0.25
    IPD over a made-up lid) the fade's steep ramp had put most of the stretch in the ring just
    over the band (eye halos 2 to 3: 3.7-4.7 times its height against 1.5-2.0 under the brow),
    and the smoky shadow's top streaked up to the brow (deepface's img10 and img1, 768 px). The
    points beside the eye's outer corner that Face Mesh counts as brow (156) ride with the band
    too: raised whole, they dragged a liner's wing up. A point above the brow, the brow itself
    and the other side keep `w`; a bare lid (no band) keeps it all."""
    b0, b1 = LID_BAND["band"]
    t = float(np.clip((band - b0) / (b1 - b0), 0.0, 1.0))
    if t <= 0.0:
        return w
    brow = _BROWS[k]
    d = np.sqrt(((g.P[:, None, :] - g.P[None, brow, :]) ** 2).sum(-1))
    nearest = brow[d.argmin(1)]
    up = np.maximum(dist - lo, 0.0)
    even = up / np.maximum(up + d.min(1), 1e-9)
    under = (g.side == (-1 if k == 0 else 1)) & (g.P[:, 1] > g.P[nearest, 1])
    under[brow] = False
    return np.where(under, w + t * (even - w), w)


def _lid_fade(band: float, brow: float) -> tuple[float, float]:
    """(lo, hi) IPD: LID_FADE over a bare lid, moved up over a dark band (LID_BAND); its top
    no higher than the brow's lower edge (`brow` IPD above the lid: the brow keeps its whole
    raise) unless the bare lid's is, and no narrower than LID_BAND's."""
    (b0, b1), (bare, made_up) = LID_BAND["band"], LID_BAND["fade"]
    t = float(np.clip((band - b0) / (b1 - b0), 0.0, 1.0))
    lo, hi = (bare[0] + t * (made_up[0] - bare[0]), bare[1] + t * (made_up[1] - bare[1]))
    hi = max(min(hi, brow), bare[1])
    return max(min(lo, hi - (made_up[1] - made_up[0])), bare[0]), hi


# A cheek raise (AU6) narrows the eye from below: FACS "raises the cheek, narrows the eye
# aperture" (FACS.md). Its spread from the cheek ring had reached the upper lids and brows and
# lifted them more than the lower lid (0.05-0.057 IPD against 0.039 on three portraits): every
# smile opened the eyes wider and raised the brows, toward surprise. So nothing above the eye
# corners' line moves with it; below, it fades in over this many IPD (more than the cheek's
# rise, 0.065 IPD: over 0.05 a point rose past the still one above it and the mesh folded at
# the temples and the inner eye corners)
CHEEK_BELOW_CORNERS = 0.12


def _below_eye_corners(g) -> np.ndarray:
    corners = [region(f"{s}_eye_corners") for s in "RL"]
    yc = float(np.mean([g.P[c, 1].mean() for c in corners]))
    a = np.clip((g.P[:, 1] - yc) / CHEEK_BELOW_CORNERS, 0.0, 1.0)
    a[np.concatenate([region("R_eye_upper_lid"), region("L_eye_upper_lid")])] = 0.0
    a[np.concatenate([region("R_eye_lower_lid"), region("L_eye_lower_lid")])] = 1.0
    return (a * (1.0 - g.lower)).astype(np.float32)


MASKS = {
    "upper_face": lambda g: (g.P[:, 1] < -0.08).astype(np.float32),
    "above_lids": _above_lids,
    # the lid margins left to the lid AUs: the upper face's y cut put one eye's lid middle
    # (above y = -0.08) under the brow's spread and not the other's
    "upper_face_not_lids": lambda g: (g.P[:, 1] < -0.08) * ~np.isin(
        np.arange(len(g.P)), np.concatenate([region("R_eye_upper_lid"),
                                             region("L_eye_upper_lid")])),
    # once, not twice where they overlap: counted twice (the first rig's way) the middle of a
    # lid sitting above y = -0.08 rose double, one eye of the sample portrait but not the other,
    # and pushed through the ring above it (the fold guard then bent the lid)
    "upper_face_and_eye_band": lambda g: ((g.P[:, 1] < -0.08)
                                          | (np.abs(g.P[:, 1]) < 0.1)).astype(np.float32),
    "above_jaw": lambda g: 1.0 - g.lower,
    "cheek_below_eyes": _below_eye_corners,
    "jaw": lambda g: g.lower,
    "below_nose": lambda g: np.where(g.P[:, 1] > 0.3, 1.0, 0.3),
}
