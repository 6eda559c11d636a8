"""AU -> landmark displacement basis, built once per portrait in its own face frame.

For every (AU, side) the basis holds a (478, 2) field of displacements at full intensity, in IPD
units. Motions follow FACS.md ("what moves"); magnitudes come from core/rig/tuning.py. Each AU
moves a few "mover" landmarks explicitly and spreads to the surrounding skin with a Gaussian, so
the dense warp has no kinks; upper and lower lip stay separate through the mouth split line.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.emotions import AU_CATALOG
from core.face.regions import region
from core.rig.au_points import (LOWER_LIP, LOWER_LIP_ONLY, MASKS, POINT_SETS, PROFILES,
                                UPPER_LIP, corner_weight, curve_at, idx, midline_x)
from core.rig.au_table import AU_SHAPES, AUShape, Move
from core.rig.au_table import RULE_TUNING as R
from core.rig.tuning import AU_MAGNITUDE as M
from core.rig.tuning import MOUTH_LIMITS, SPREAD_SIGMA

SIDES = ("R", "L")  # subject's right (x < 0 in the face frame), subject's left (x > 0)
N = 478


def spread_motion(P: np.ndarray, movers: np.ndarray, vecs: np.ndarray, sigma: float,
                  allowed: np.ndarray | None = None, up: float = 1.0) -> np.ndarray:
    """Displacement field (N, 2): movers get `vecs` exactly; other points a Gaussian-weighted
    average of nearby movers' motion, fading with distance to the nearest mover; `up` times as
    far (sigma) for points above a mover than beside or below it."""
    diff = P[:, None, :] - P[None, movers, :]
    if up != 1.0:
        diff[..., 1] /= np.where(diff[..., 1] < 0, up, 1.0)
    d2 = (diff ** 2).sum(-1)
    w = np.exp(-d2 / (2 * sigma**2))
    out = (w @ vecs) / np.maximum(w.sum(1, keepdims=True), 1e-12) * w.max(1, keepdims=True)
    out[movers] = vecs
    if allowed is not None:
        out *= allowed[:, None]
    return out


@dataclass
class FaceGeometry:
    """Rest landmarks in the face frame plus the masks the AU definitions need."""

    P: np.ndarray  # (N, 2) IPD
    lower: np.ndarray  # (N,) 1 below the mouth split line (lower lip, chin, jaw), else 0
    side: np.ndarray  # (N,) -1 subject's right, +1 left, 0 on the midline
    corner_elevation: float  # how far the rest lip corners sit above the lip midline (IPD)
    split: np.ndarray  # (N,) the mouth split line's height under each point (flat past corners)
    mx: np.ndarray  # (N,) x from the face's own midline at the point's height (IPD)
    # IPD of dark band (liner, shadow, lashes) over each upper lid, subject's right and left
    # (core/rig/lid_band.py); 0: bare lids
    lid_bands: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def from_frame_points(cls, P: np.ndarray,
                          lid_bands: tuple[float, float] = (0.0, 0.0)) -> FaceGeometry:
        up, lo = region("lips_upper_inner"), region("lips_lower_inner")
        split = curve_at((P[up] + P[lo]) / 2, P[:, 0])  # mouth split line, flat past corners
        lower = (P[:, 1] > split).astype(np.float32)
        lower[idx(*LOWER_LIP)] = 1.0
        lower[idx(*UPPER_LIP)] = 0.0
        lower[P[:, 1] < 0.3] = 0.0  # nothing above the nose belongs to the jaw
        mx = P[:, 0] - midline_x(P)
        side = np.sign(np.where(np.abs(mx) < 0.02, 0.0, mx))
        corners = P[[region("mouth_corners_outer")[0], region("mouth_corners_outer")[1]]]
        centre_y = (P[13, 1] + P[14, 1]) / 2
        elevation = float(centre_y - corners[:, 1].mean())
        return cls(P=P, lower=lower, side=side, corner_elevation=elevation, split=split, mx=mx,
                   lid_bands=tuple(lid_bands))

    def smile_room(self) -> float:
        """Share of AU12's lift left before the corners pass the elevation limit (a smile on a
        smile must not become a grimace: DESIGN.md)."""
        room = MOUTH_LIMITS["max_corner_elevation"] - max(self.corner_elevation, 0.0)
        return float(np.clip(room / M["au12_corner_up"], MOUTH_LIMITS["min_au12_gain"], 1.0))

    def on_side(self, idx: np.ndarray, s: str) -> np.ndarray:
        """Points of `idx` on side s, midline included (each side then gives it half)."""
        sign = -1 if s == "R" else 1
        return idx[(self.side[idx] == sign) | (self.side[idx] == 0)]


def _vectors(g: FaceGeometry, move: Move, s: str) -> tuple[np.ndarray, np.ndarray]:
    """A move's points and their (n, 2) full-strength vectors, x turned outward on side s."""
    pts = POINT_SETS[move.points](g, s)
    out = 1.0 if s == "L" else -1.0
    vec = np.zeros((len(pts), 2))
    for axis, terms, sign in ((0, move.x, out), (1, move.y, 1.0)):
        for t in terms:
            vec[:, axis] += sign * t.factor * M[t.magnitude] * PROFILES[t.profile](g, pts, s)
    return pts, vec


def _from_moves(g: FaceGeometry, shape: AUShape, s: str) -> np.ndarray:
    parts = [_vectors(g, m, s) for m in shape.moves]
    movers = np.concatenate([p for p, _ in parts])
    vecs = np.vstack([v for _, v in parts])
    if shape.shared == "last":  # a point in two moves takes the later move's vector
        z = np.zeros((N, 2))
        for p, v in parts:
            z[p] = v
        vecs = z[movers]
    mask = MASKS[shape.mask](g) if shape.mask else None
    field = spread_motion(g.P, movers, vecs, SPREAD_SIGMA[shape.spread] * shape.spread_scale, mask,
                          shape.spread_up)
    for m in shape.after:
        p, v = _vectors(g, m, s)
        field[p] += v
    return field


def _lid_closure(g: FaceGeometry, shape: AUShape, s: str) -> np.ndarray:
    """Upper lid onto the lower lid, point by point (the lists run corner to corner)."""
    upper, lower = region(f"{s}_eye_upper_lid"), region(f"{s}_eye_lower_lid")
    vec = (g.P[lower] - g.P[upper]) * M["au45_closure"]
    z = spread_motion(g.P, upper, vec, SPREAD_SIGMA[shape.spread], MASKS[shape.mask](g))
    z[lower] = 0.0
    z[region(f"{s}_eye_halo2_upper")] *= R["lid_closure_halo"]
    z[region(f"{s}_iris")] = [0.0, R["lid_closure_iris"] * float(vec[:, 1].mean())]
    return z


def _narrowing(g: FaceGeometry, s: str, share: float) -> tuple[np.ndarray, np.ndarray]:
    """The lips on side s and their (n, 2) vectors toward the mouth's centre line, `share` of
    their distance from it."""
    lips = POINT_SETS["lips"](g, s)
    vec = np.zeros((len(lips), 2))
    vec[:, 0] = -(g.P[lips, 0] - (g.P[61, 0] + g.P[291, 0]) / 2) * share
    return lips, vec


def _toward_centre(g: FaceGeometry, shape: AUShape, s: str, au: int) -> np.ndarray:
    """AU18 pucker / AU22 funnel: the lips narrow toward the mouth's centre; the funnel also
    parts the inner lips in the middle (a rounded opening)."""
    P = g.P
    lips, vec = _narrowing(g, s, M["au18_pucker_width" if au == 18 else "au22_funnel_width"])
    if au == 22:
        cw = corner_weight(g, lips)
        for name, sign in (("lips_upper_inner", -1.0), ("lips_lower_inner", 1.0)):
            on = np.isin(lips, region(name))
            vec[on, 1] += sign * M["au22_opening"] * (1 - cw[on])
    return spread_motion(P, lips, vec, SPREAD_SIGMA[shape.spread])


def _toward_split(g: FaceGeometry, shape: AUShape, s: str, au: int) -> np.ndarray:
    """AU23 thins / AU24 presses, each lip measured against itself: AU23 draws every lip point
    toward its own lip's inner contour by a share of its depth into the lip (the red narrows,
    the mouth stays as open as it was); AU24 closes the inner contours onto the mouth's split
    line and carries each lip body with them, its outer contour pressed toward the inner one by
    `press_outer` of the lip's thickness; both fade out into the corners. Measured against the
    split line instead, a mouth open at rest (a smile's teeth) counted its opening as lip:
    pressing thickened the lips as they closed, and the smiling photo's pressed, tightened anger
    showed the same full lips as its sadness (upper lip 0.116 against 0.119 IPD)."""
    P = g.P
    movers, vec = [], []
    for names, inner in ((UPPER_LIP, "lips_upper_inner"), (LOWER_LIP, "lips_lower_inner")):
        pts = g.on_side(idx(*names), s)
        y_in = curve_at(P[region(inner)], P[pts, 0])
        # to the lip's own inner contour (+ down), fading out into the corners, where the lips'
        # contours meet and a point drawn to the inner contour's end would pass the corner
        depth = (y_in - P[pts, 1]) * (1 - corner_weight(g, pts))
        v = np.zeros((len(pts), 2))
        if au == 23:
            v[:, 1] = depth * M["au23_thin"]
        else:
            v[:, 1] = (g.split[pts] - y_in) * M["au24_press"] + depth * R["press_outer"]
        movers.append(pts)
        vec.append(v)
    return spread_motion(P, np.concatenate(movers), np.concatenate(vec),
                         SPREAD_SIGMA[shape.spread])


def _jaw_drop(g: FaceGeometry, shape: AUShape, s: str, au: int) -> np.ndarray:
    """AU26/27: the jaw rotates about the ear: full at chin and lower lip, fading toward the
    ears, points nearer the chin moving more; the mouth corners follow partly."""
    P = g.P
    amp = M["au26_jaw_down" if au == 26 else "au27_jaw_down"]
    member = g.lower * np.clip(1.25 - np.abs(g.mx) / 1.0, 0.0, 1.0)
    depth = np.clip((P[:, 1] - P[14, 1]) / max(P[152, 1] - P[14, 1], 1e-6), 0, 1)
    z = np.zeros((N, 2))
    z[:, 1] = amp * member * (1 - R["jaw_chin_extra"] + R["jaw_chin_extra"] * depth)
    corners = [61, 291, 78, 308]
    # the lower lip hangs between the corners: its drop falls off toward them along an arc, so
    # an open mouth narrows into its corners (a flat drop cut square ends into the opening, and
    # its dark ends read as a shout's box, by eye on surprise and on talking frames)
    xc = P[[61, 291], 0]
    t = np.clip(np.abs(P[LOWER_LIP_ONLY, 0] - xc.mean()) / (abs(xc[1] - xc[0]) / 2), 0.0, 1.0)
    share = R["jaw_corner_share"] / (1 - R["jaw_chin_extra"])  # the corner's own drop
    z[LOWER_LIP_ONLY, 1] *= share + (1 - share) * (1 - t**2) ** R["jaw_lip_arc"]
    z[corners, 1] = R["jaw_corner_share"] * amp
    if au == 27:
        z[corners, 0] = -np.sign(g.mx[corners]) * R["au27_corner_in"]
    moving = np.arange(N)[z[:, 1] > 0]
    # Only the jaw's side of the mouth split follows it: on a closed mouth the upper lip lies a
    # hair from the lower one, and an unrestricted spread dragged it down too (the lips then
    # stayed shut while the chin dropped). The corners take their share as movers.
    near_corner = ((P[:, None, :] - P[None, corners, :]) ** 2).sum(-1).min(1)
    near = np.exp(-near_corner / (2 * R["jaw_corner_reach"] ** 2))
    allowed = np.maximum(g.lower, near)
    out = spread_motion(P, moving, z[moving], SPREAD_SIGMA[shape.spread], allowed)
    # above the split, skin near a corner follows the corner, never further: the spread's
    # average took the lower lip's full drop into the upper lip beside the corners (0.16 IPD
    # against the corner's 0.105 on the sample portrait), and an open mouth's upper lip sagged
    # at its ends (by eye, fear and surprise; its turning over is motion.py _order_rings')
    above = (g.lower == 0) & (z[:, 1] == 0)
    out[above, 1] = np.minimum(out[above, 1], z[corners, 1].max() * near[above])
    if au == 26:  # the lips narrow as they stretch down over the opening jaw
        out += spread_motion(P, *_narrowing(g, s, R["au26_narrow"]), SPREAD_SIGMA[shape.spread])
    return out


RULES = {"toward_centre": _toward_centre, "toward_split": _toward_split, "jaw_drop": _jaw_drop}


def build_field(g: FaceGeometry, au: int, s: str) -> np.ndarray:
    """(N, 2) displacement of AU `au` on side s at full strength (IPD), from AU_SHAPES."""
    shape = AU_SHAPES[au]
    if shape.kind == "moves":
        field = _from_moves(g, shape, s)
    elif shape.kind == "lid_closure":
        field = _lid_closure(g, shape, s)
    else:
        field = RULES[shape.kind](g, shape, s, au)
    return field * _half(g, s)[:, None] if shape.split_sides else field


@dataclass
class AUBasis:
    """keys[k] = (au, side); matrix (K, N*2) of full-intensity displacements in IPD."""

    keys: list[tuple[int, str]]
    matrix: np.ndarray
    geometry: FaceGeometry

    @classmethod
    def build(cls, frame_points: np.ndarray, aus=None,
              lid_bands: tuple[float, float] = (0.0, 0.0)) -> AUBasis:
        """aus: only these AUs (default all of AU_CATALOG); lid_bands: FaceGeometry's."""
        g = FaceGeometry.from_frame_points(frame_points.astype(np.float64), lid_bands)
        keys, rows = [], []
        for au in (AU_CATALOG if aus is None else aus):
            for s in SIDES:
                field = build_field(g, au, s)
                keys.append((au, s))
                rows.append(field.reshape(-1))
        return cls(keys, np.asarray(rows, np.float32), g)

    def rebuilt(self, frame_points: np.ndarray, aus) -> AUBasis:
        """A copy whose rows for `aus` are built on the shape `frame_points` (the others as
        they are)."""
        g = FaceGeometry.from_frame_points(frame_points.astype(np.float64),
                                           self.geometry.lid_bands)
        matrix = self.matrix.copy()
        for k, (au, s) in enumerate(self.keys):
            if au in aus:
                matrix[k] = build_field(g, au, s).reshape(-1)
        return AUBasis(self.keys, matrix, self.geometry)

    def index(self) -> dict[tuple[int, str], int]:
        return {k: i for i, k in enumerate(self.keys)}

    def displacement(self, weights: np.ndarray) -> np.ndarray:
        """weights (K,) -> (N, 2) IPD."""
        # einsum, not `@`: OpenBLAS threads a gemv this size, and its second thread then spins
        # between frames, taking a core from the video encoder (500 frames: 3.5 s CPU with `@`,
        # 1.8 s with one BLAS thread, measured on 2 cores)
        return np.einsum("k,kn->n", weights.astype(np.float32), self.matrix).reshape(N, 2)


def _half(g: FaceGeometry, s: str) -> np.ndarray:
    sign = 1 if s == "L" else -1
    return np.where(g.side == sign, 1.0, np.where(g.side == 0, 0.5, 0.0))
