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
from core.rig.tuning import AU_MAGNITUDE as M
from core.rig.tuning import MOUTH_LIMITS, SPREAD_SIGMA

SIDES = ("R", "L")  # subject's right (x < 0 in the face frame), subject's left (x > 0)
N = 478


def _idx(*names: str) -> np.ndarray:
    return np.unique(np.concatenate([region(n) for n in names]))


def _spread(P: np.ndarray, movers: np.ndarray, vecs: np.ndarray, sigma: float,
            allowed: np.ndarray | None = None) -> np.ndarray:
    """Displacement field (N, 2): movers get `vecs` exactly; other points a Gaussian-weighted
    average of nearby movers' motion, fading with distance to the nearest mover."""
    d2 = ((P[:, None, :] - P[None, movers, :]) ** 2).sum(-1)
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

    @classmethod
    def from_frame_points(cls, P: np.ndarray) -> FaceGeometry:
        up, lo = region("lips_upper_inner"), region("lips_lower_inner")
        mid = (P[up] + P[lo]) / 2  # mouth split line, corner to corner
        order = np.argsort(mid[:, 0])
        xs, ys = mid[order, 0], mid[order, 1]
        split = np.interp(P[:, 0], xs, ys)  # flat beyond the corners
        lower = (P[:, 1] > split).astype(np.float32)
        lower[_idx("lips_lower_inner", "lips_lower_outer", "lips_lower_semi_inner",
                   "lips_lower_semi_outer")] = 1.0
        lower[_idx("lips_upper_inner", "lips_upper_outer", "lips_upper_semi_inner",
                   "lips_upper_semi_outer")] = 0.0
        lower[P[:, 1] < 0.3] = 0.0  # nothing above the nose belongs to the jaw
        side = np.sign(np.where(np.abs(P[:, 0]) < 0.02, 0.0, P[:, 0]))
        corners = P[[region("mouth_corners_outer")[0], region("mouth_corners_outer")[1]]]
        centre_y = (P[13, 1] + P[14, 1]) / 2
        elevation = float(centre_y - corners[:, 1].mean())
        return cls(P=P, lower=lower, side=side, corner_elevation=elevation)

    def on_side(self, idx: np.ndarray, s: str) -> np.ndarray:
        """Points of `idx` on side s, midline included (each side then gives it half)."""
        sign = -1 if s == "R" else 1
        return idx[(self.side[idx] == sign) | (self.side[idx] == 0)]


def _lid_pairs(s: str) -> tuple[np.ndarray, np.ndarray]:
    return region(f"{s}_eye_upper_lid"), region(f"{s}_eye_lower_lid")


def _brows(g: FaceGeometry, s: str):
    inner = _idx(f"{s}_brow_upper", f"{s}_brow_lower")
    P = g.P
    # inner-ness: 1 at the brow's medial end, 0 at its lateral end (by |x|)
    ax = np.abs(P[inner, 0])
    t = (ax.max() - ax) / max(np.ptp(ax), 1e-6)
    return inner, t


def _upper_face(g: FaceGeometry) -> np.ndarray:
    return (g.P[:, 1] < -0.08).astype(np.float32)


def _build(g: FaceGeometry, au: int, s: str) -> np.ndarray:
    P = g.P
    out = np.sign(1 if s == "L" else -1)  # +1: outward is +x on the subject's left
    z = np.zeros((N, 2), np.float64)
    sg = SPREAD_SIGMA
    if au in (1, 2, 4):
        brow, inner = _brows(g, s)
        if au == 1:
            amp = M["au1_inner_brow_up"] * (0.25 + 0.75 * inner)
            vec = np.stack([np.zeros_like(amp), -amp], 1)
        elif au == 2:
            amp = M["au2_outer_brow_up"] * (0.2 + 0.8 * (1 - inner))
            vec = np.stack([np.zeros_like(amp), -amp], 1)
        else:
            vec = np.stack([-out * M["au4_brow_medial"] * inner,
                            M["au4_brow_down"] * (0.5 + 0.5 * inner)], 1)
        z = _spread(P, brow, vec, sg["brow"], _upper_face(g))
        if au == 4:  # the lowered brow pushes the upper-lid skin down a little
            halo = region(f"{s}_eye_halo3_upper")
            z[halo] += [0, 0.4 * M["au4_brow_down"]]
        return z
    if au == 5:
        upper = _idx(f"{s}_eye_upper_lid")
        prof = np.sin(np.linspace(0.15, np.pi - 0.15, len(region(f"{s}_eye_upper_lid"))))
        vec = np.zeros((len(upper), 2))
        vec[:, 1] = -M["au5_upper_lid_up"] * prof[np.argsort(np.argsort(P[upper, 0]))]
        z = _spread(P, upper, vec, sg["lid"], _upper_face(g) + (np.abs(P[:, 1]) < 0.1))
        return z
    if au in (6, 7, 43, 45):
        upper_l, lower_l = _lid_pairs(s)
        if au in (43, 45):
            # upper lid onto the lower lid, point by point (the lists run corner to corner)
            vec = (P[lower_l] - P[upper_l]) * M["au45_closure"]
            z = _spread(P, upper_l, vec, sg["lid"], 1.0 - g.lower)
            z[lower_l] = 0.0
            z[region(f"{s}_eye_halo2_upper")] *= 0.6
            iris = region(f"{s}_iris")  # compressed with the lid so the mesh never folds
            z[iris] = [0.0, 0.5 * float(vec[:, 1].mean())]
            return z
        lower = _idx(f"{s}_eye_lower_lid")
        if au == 7:
            vec = np.tile([0.0, -M["au7_lower_lid_up"]], (len(lower), 1))
            return _spread(P, lower, vec, sg["lid"])
        cheek = _idx(f"cheek_{s}", f"{s}_eye_halo2_lower", f"{s}_eye_halo3_lower",
                     f"{s}_eye_halo5_lower")
        movers = np.concatenate([lower, cheek])
        vec = np.tile([0.0, -M["au6_cheek_up"]], (len(movers), 1))
        vec[: len(lower), 1] *= 0.6
        vec[len(lower):, 0] = out * 0.2 * M["au6_cheek_up"]
        return _spread(P, movers, vec, sg["cheek"], 1.0 - g.lower)
    if au in (9, 10, 11):
        upper_lip = g.on_side(_idx("lips_upper_outer", "lips_upper_inner", "lips_upper_semi_inner",
                                   "lips_upper_semi_outer"), s)
        centre_w = np.clip(1.2 - np.abs(P[upper_lip, 0]) / 0.45, 0.3, 1.0)
        if au == 10:
            vec = np.stack([np.zeros_like(centre_w), -M["au10_upper_lip_up"] * centre_w], 1)
            naso = region(f"nasolabial_{s}")
            movers = np.concatenate([upper_lip, naso])
            vec = np.vstack([vec, np.tile([0.0, -0.4 * M["au10_upper_lip_up"]], (len(naso), 1))])
            return _spread(P, movers, vec, sg["lip"], 1.0 - g.lower)
        nose = g.on_side(_idx(f"nose_{s}_side", "nose_base_region"), s)
        if au == 11:
            naso = region(f"nasolabial_{s}")
            vec = np.tile([out * 0.5, -1.0], (len(naso), 1)) * M["au11_nasolabial"]
            return _spread(P, naso, vec, sg["nose"], 1.0 - g.lower)
        brow, inner = _brows(g, s)
        inner_brow = brow[inner > 0.6]
        movers = np.concatenate([nose, upper_lip, inner_brow])
        vec = np.zeros((len(movers), 2))
        vec[: len(nose), 1] = -M["au9_nose_up"]
        vec[len(nose): len(nose) + len(upper_lip), 1] = -0.5 * M["au9_nose_up"] * centre_w
        vec[len(nose) + len(upper_lip):, 1] = 0.5 * M["au9_nose_up"]
        return _spread(P, movers, vec, sg["nose"], 1.0 - g.lower)
    return _build_mouth(g, au, s)


def _lip_sets(g: FaceGeometry, s: str):
    ui = region("lips_upper_inner")
    li = region("lips_lower_inner")
    uo = _idx("lips_upper_outer", "lips_upper_semi_outer")
    lo = _idx("lips_lower_outer", "lips_lower_semi_outer")
    allp = _idx("lips_upper_outer", "lips_upper_inner", "lips_upper_semi_inner",
                "lips_upper_semi_outer", "lips_lower_outer", "lips_lower_inner",
                "lips_lower_semi_inner", "lips_lower_semi_outer")
    return ui, li, uo, lo, g.on_side(allp, s)


def _corner_weight(g: FaceGeometry, idx: np.ndarray) -> np.ndarray:
    """1 at the mouth corner, falling toward the lip centre."""
    half = abs(g.P[291, 0] - g.P[61, 0]) / 2
    return np.clip(np.abs(g.P[idx, 0]) / max(half, 1e-6), 0, 1) ** 2


def _build_mouth(g: FaceGeometry, au: int, s: str) -> np.ndarray:
    P = g.P
    out = 1.0 if s == "L" else -1.0
    sg = SPREAD_SIGMA
    ui, li, uo, lo, lips = _lip_sets(g, s)
    cw = _corner_weight(g, lips)
    if au in (12, 14, 15, 20):
        if au == 12:
            gain = (MOUTH_LIMITS["max_corner_elevation"] - max(g.corner_elevation, 0.0)) / M[
                "au12_corner_up"]
            gain = float(np.clip(gain, MOUTH_LIMITS["min_au12_gain"], 1.0))
            v = np.array([out * M["au12_corner_out"], -M["au12_corner_up"] * gain])
        elif au == 14:
            v = np.array([-out * M["au14_corner_in"], -0.2 * M["au14_corner_in"]])
        elif au == 15:
            undo = MOUTH_LIMITS["au15_undo_smile"] * max(g.corner_elevation, 0.0)
            v = np.array([0.0, M["au15_corner_down"] + undo])
        else:
            v = np.array([out * M["au20_corner_out"], 0.2 * M["au20_corner_out"]])
        vec = cw[:, None] * v[None, :]
        if au == 20:  # lips thin as they stretch
            vec[np.isin(lips, uo), 1] += 0.01
            vec[np.isin(lips, lo), 1] -= 0.01
        allowed = None if au != 15 else np.where(P[:, 1] > 0.3, 1.0, 0.3)
        return _spread(P, lips, vec, sg["corner"], allowed)
    if au in (16, 17, 25, 26, 27):
        return _build_jaw(g, au, s)
    if au in (18, 22):
        cx = (P[61, 0] + P[291, 0]) / 2
        frac = M["au18_pucker_width"] if au == 18 else M["au22_funnel_width"]
        vec = np.zeros((len(lips), 2))
        vec[:, 0] = -(P[lips, 0] - cx) * frac
        if au == 22:  # rounded opening: inner lips part in the middle
            vec[np.isin(lips, ui), 1] -= M["au22_opening"] * (1 - cw[np.isin(lips, ui)])
            vec[np.isin(lips, li), 1] += M["au22_opening"] * (1 - cw[np.isin(lips, li)])
        return _spread(P, lips, vec, sg["lip"])
    if au in (23, 24):
        # move inner and outer contours toward the mouth split line
        up_all = g.on_side(_idx("lips_upper_outer", "lips_upper_semi_outer",
                                "lips_upper_semi_inner", "lips_upper_inner"), s)
        lo_all = g.on_side(_idx("lips_lower_outer", "lips_lower_semi_outer",
                                "lips_lower_semi_inner", "lips_lower_inner"), s)
        mid = (P[region("lips_upper_inner")] + P[region("lips_lower_inner")]) / 2
        order = np.argsort(mid[:, 0])
        movers = np.concatenate([up_all, lo_all])
        split = np.interp(P[movers, 0], mid[order, 0], mid[order, 1])
        gap = split - P[movers, 1]  # + for upper points (above the split), - for lower
        frac = M["au23_thin"] if au == 23 else 0.0
        vec = np.zeros((len(movers), 2))
        vec[:, 1] = gap * frac
        if au == 24:
            inner = np.isin(movers, np.concatenate([region("lips_upper_inner"),
                                                    region("lips_lower_inner")]))
            vec[inner, 1] = gap[inner] * M["au24_press"]
            vec[~inner, 1] = gap[~inner] * 0.25
        return _spread(P, movers, vec, sg["lip"])
    raise KeyError(au)


def _jaw_membership(g: FaceGeometry) -> np.ndarray:
    """How much each point follows the jaw: full at chin and lower lip, fading toward the ears."""
    P = g.P
    lateral = np.clip(1.25 - np.abs(P[:, 0]) / 1.0, 0.0, 1.0)
    return g.lower * np.clip(lateral, 0, 1)


def _build_jaw(g: FaceGeometry, au: int, s: str) -> np.ndarray:
    P = g.P
    z = np.zeros((N, 2))
    half = np.where(g.side == (1 if s == "L" else -1), 1.0, np.where(g.side == 0, 0.5, 0.0))
    if au in (26, 27):
        amp = M["au26_jaw_down"] if au == 26 else M["au27_jaw_down"]
        m = _jaw_membership(g)
        # the jaw rotates about the ear: points nearer the chin move more (by eye)
        depth = np.clip((P[:, 1] - P[14, 1]) / max(P[152, 1] - P[14, 1], 1e-6), 0, 1)
        z[:, 1] = amp * m * (0.8 + 0.2 * depth)
        corners = [61, 291, 78, 308]
        z[corners, 1] = 0.35 * amp
        if au == 27:
            z[corners, 0] = -np.sign(P[corners, 0]) * 0.04
        return _spread(P, np.arange(N)[z[:, 1] > 0], z[z[:, 1] > 0], SPREAD_SIGMA["lip"]) * half[:, None]
    li = _idx("lips_lower_inner", "lips_lower_outer", "lips_lower_semi_inner",
              "lips_lower_semi_outer")
    ui = _idx("lips_upper_inner", "lips_upper_outer", "lips_upper_semi_inner",
              "lips_upper_semi_outer")
    centre = np.clip(1.2 - np.abs(P[li, 0]) / 0.5, 0.2, 1.0)
    if au == 25:
        z[li, 1] = M["au25_lower_lip_down"] * centre
        z[ui, 1] = -M["au25_upper_lip_up"] * np.clip(1.2 - np.abs(P[ui, 0]) / 0.5, 0.2, 1.0)
        movers = np.concatenate([li, ui])
        return _spread(P, movers, z[movers], SPREAD_SIGMA["lip"]) * half[:, None]
    if au == 16:
        z[li, 1] = M["au16_lower_lip_down"] * centre
        return _spread(P, li, z[li], SPREAD_SIGMA["lip"], g.lower) * half[:, None]
    # au == 17: chin boss up, lower lip pushed up, upper lip a little
    chin = region("chin")
    movers = np.concatenate([chin, li, ui])
    vec = np.zeros((len(movers), 2))
    vec[: len(chin), 1] = -M["au17_chin_up"]
    vec[len(chin): len(chin) + len(li), 1] = -0.8 * M["au17_chin_up"]
    vec[len(chin) + len(li):, 1] = -0.25 * M["au17_chin_up"]
    return _spread(P, movers, vec, SPREAD_SIGMA["jaw"] * 0.5) * half[:, None]


@dataclass
class AUBasis:
    """keys[k] = (au, side); matrix (K, N*2) of full-intensity displacements in IPD."""

    keys: list[tuple[int, str]]
    matrix: np.ndarray
    geometry: FaceGeometry

    @classmethod
    def build(cls, frame_points: np.ndarray) -> AUBasis:
        g = FaceGeometry.from_frame_points(frame_points.astype(np.float64))
        keys, rows = [], []
        for au in AU_CATALOG:
            for s in SIDES:
                base = 45 if au == 43 else au
                field = _build(g, base, s)
                if base not in (16, 17, 25, 26, 27, 43, 45):
                    # each side owns its half; midline points get half from each side
                    field = field * _half(g, s)[:, None]
                keys.append((au, s))
                rows.append(field.reshape(-1))
        return cls(keys, np.asarray(rows, np.float32), g)

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
