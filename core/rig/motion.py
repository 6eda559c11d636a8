"""Pose -> landmark displacements: emotion (through the MoE), speech and other AUs, head, gaze."""
from __future__ import annotations

import numpy as np

from core.cache import BoundedCache
from core.emotions import AU_INDEX, AU_NUMBERS, NUM_AUS
from core.face.frame import FaceFrame
from core.face.landmarks import FaceAnalysis
from core.face.regions import L_IRIS_CENTER, R_IRIS_CENTER, region
from core.rig.au_basis import AUBasis
from core.rig.au_points import LOWER_LIP_ONLY, UPPER_LIP_ONLY, curve_at
from core.rig.fold_guard import FoldGuard
from core.rig.glasses import Glasses
from core.rig.lid_skin import LidSkin
from core.rig.moe_rig import RigMoE
from core.rig.mouth import JAW
from core.rig.pose import RigPose
from core.rig.rest import fit_rest, inner_gap
from core.rig.rims import Rims
from core.rig.tuning import (
    AU_MAGNITUDE,
    CLOSURE,
    CORNER_FOLLOW,
    HEAD_PIVOT_IPD,
    HEAD_YAW,
    LID_GAZE,
    MOUTH_LIMITS,
    REST_FIT,
)
from core.rig.ufuncs import clip, interp

EMOTION_CACHE = 64  # distinct emotion conditions (g, muted AUs, s) remembered per portrait
IRIS = np.arange(468, 478)
# upper and lower lid points, pairwise (the lists run corner to corner; FACS.md)
_UPPER_LIDS = np.concatenate([region("R_eye_upper_lid"), region("L_eye_upper_lid")])
_LOWER_LIDS = np.concatenate([region("R_eye_lower_lid"), region("L_eye_lower_lid")])
_INNER_UP = region("lips_upper_inner")[1:-1]  # pairwise with _INNER_LO (Face Mesh order)
_INNER_LO = region("lips_lower_inner")[1:-1]
_INNER_UP_C = region("lips_upper_inner")  # with the corners
# each lip's rings of points from its inner contour out (the outer contour without the corners)
_UPPER_RINGS = (_INNER_UP_C, region("lips_upper_semi_inner"), region("lips_upper_semi_outer"),
                region("lips_upper_outer")[1:-1])
_LOWER_RINGS = (region("lips_lower_inner"), region("lips_lower_semi_inner"),
                region("lips_lower_semi_outer"), region("lips_lower_outer")[1:-1])
_LIPS = np.concatenate([*_UPPER_RINGS, *_LOWER_RINGS])
_UPPER_OUTSIDE = np.concatenate(_UPPER_RINGS[1:])  # each lip's rings outside its inner contour
_LOWER_OUTSIDE = np.concatenate(_LOWER_RINGS[1:])
# the lower lip's inner contour, its own points and the outer mouth corners, in one gather
_LOWER_LIP = np.concatenate([_LOWER_RINGS[0], LOWER_LIP_ONLY, [61, 291]])
_N_INNER_LO = len(_LOWER_RINGS[0])
_ONE, _HALF = np.float32(1.0), np.float32(0.5)
_PIVOT = np.array([0.0, HEAD_PIVOT_IPD["y"], HEAD_PIVOT_IPD["z"]], np.float32)  # (x, y, depth)
# sealed lips stay this far apart (IPD): touching, by the mouth's measure (core/rig/mouth.py
# "closed_gap" 0.008), without the gap's triangles collapsing to nothing and flipping
_LIP_CONTACT = 0.004


def _pitch_roll(pitch: float, roll: float) -> np.ndarray:
    """3-D rotation for head pitch then roll (yaw turns on the sphere, MotionModel._yaw)."""
    angles = np.radians([pitch, roll])
    (cp, cr), (sp, sr) = np.cos(angles), np.sin(angles)
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx


def pressed_shut(pose: RigPose) -> float:
    """How firmly the mix itself presses the lips shut: its AU24 less what parts them (AU25)
    and what lifts the upper lip off the lower (AU10). Pressed lips win over a slight lift: the
    basis' AU24 closes only the gap the lips had at rest, so anger's AU10 0.3 left a sliver of
    teeth under its pressed lips on a tilted face (by eye); a sneer (disgust's AU10 1.0, with
    AU25) still bares the teeth. Speech's own AU intensities (`pose.aus`) are left out: what
    it presses goes through its p/b/m closure."""
    if not pose.final_aus:  # a pose built from AUs alone (live, tests): no mix
        return 0.0
    mix = lambda au: max(pose.final_aus.get(au, 0.0) - pose.aus.get(au, 0.0), 0.0)
    return max(mix(24) - mix(25) - mix(10), 0.0)


def closure_share(press):
    """How far speech's p/b/m (its AU24 at `press`, a frame's or a take's array) close the lips:
    all of the way from CLOSURE's full_at."""
    return np.minimum(press / CLOSURE["full_at"], 1.0)


class MotionModel:
    """Everything about a portrait's motion that doesn't depend on the output size."""

    def __init__(self, analysis: FaceAnalysis, glasses: Glasses | None = None,
                 lid_bands: tuple[float, float] = (0.0, 0.0)):
        """`glasses`: eyeglasses found on the portrait (core/rig/glasses.py); their rims then
        move only with the head. `lid_bands`: the dark bands over its upper lids (IPD,
        core/rig/lid_band.py), which ride with the lids under a raised brow."""
        self.frame = FaceFrame.from_landmarks(analysis.landmarks)
        self.P = self.frame.to_frame(analysis.xy).astype(np.float32)  # (478, 2) IPD
        z = analysis.landmarks[:, 2].astype(np.float32)
        z_eyes = (z[R_IRIS_CENTER] + z[L_IRIS_CENTER]) / 2
        self.Z = (z - z_eyes) / self.frame.ipd  # depth in IPD, + away from the camera
        self.basis = AUBasis.build(self.P, lid_bands=lid_bands)
        self.rest = fit_rest(analysis.landmarks, self.frame)  # what the portrait shows already
        self.moe = RigMoE(self._mix_basis(), self.P)
        # each rest AU's home: the face region of the point it moves most (compose.py)
        self.rest_home_region = {
            au: int(self.moe.token_region[int(np.argmax(np.einsum("ij,ij->i", f, f)))])
            for au, f in self.rest.fields.items()}
        self.rims = Rims(glasses, self.P, self.Z) if glasses is not None and glasses.found \
            else None
        # the rims' pins are fixed corners of the guard's mesh: a brow or lid point crossing a
        # rim folds the warp there as surely as crossing another landmark
        opened = self.P - self.rest.fields[43] if 43 in self.rest.fields else None
        self.fold_guard = FoldGuard(self.P, None if self.rims is None else self.rims.pins,
                                    opened)
        self._pins_last: tuple = (None, None)
        self.lid_follow = self._lid_follow_weights()
        self.corner_follow = self._corner_follow_weights()
        self.corner_push = self._corner_push()
        self.ring_pairs = self._ring_pairs()
        self.lid_skin = LidSkin(self.P)
        self.lip_sides = self._lip_sides()
        self.key_index = self.basis.index()
        # each AU's right and left basis keys (au_weights)
        self._au_keys = {au: [self.key_index[(au, "R")], self.key_index[(au, "L")]]
                         for au, side in self.key_index if side == "R"}
        self._lip_bodies = self._lip_body_curve()
        self._P_lower = self.P[_LOWER_LIP]  # _lower_lip_depth's points at rest
        self._inner_up_y, self._inner_lo_y = self.P[_INNER_UP, 1], self.P[_INNER_LO, 1]
        self._pitch_roll_last: tuple = (None, None)
        self._removal_last: tuple = (None, None)
        # how far each AU at 1.0 parts the lips on this face (IPD; 0 for those that don't)
        self._parting = np.zeros(NUM_AUS, np.float32)
        for au in AU_NUMBERS:
            if (au, "R") in self.key_index:
                gap = inner_gap(self.basis.displacement(self.au_weights({au: 1.0})))
                self._parting[AU_INDEX[au]] = max(gap, 0.0)
        # the chin's mean move under AU17 at 1, and under the rest's own AU17 (compose.py)
        self.chin_per_au17 = self.basis.displacement(self.au_weights({17: 1.0}))[JAW].mean(0)
        self.rest_chin = self.rest.fields[17][JAW].mean(0) if 17 in self.rest.fields \
            else np.zeros(2, np.float32)
        self.silhouette = self._silhouette()
        self._sphere_cache: dict = {}  # landmark index list -> its place on the yaw sphere
        # condition -> MoE displacements (core/rig/compose.py)
        self.emotion_cache: BoundedCache = BoundedCache(EMOTION_CACHE)

    def _mix_basis(self) -> AUBasis:
        """The basis the experts mix: this face's, but on a mouth open at rest the AUs of
        REST_FIT["mix_on_neutral"] built on the rest face with every rest AU taken away. An
        emotion that presses the lips (AU24) takes the rest opening away too (REST_CONFLICTS,
        neutralize), and AU24 built on the open mouth closed that opening a second time: the
        lips then crossed and sealed over what the mix itself opens (a sneer's raised upper lip:
        "angrily disgusted" on six toothy smiles kept a 0.004 IPD gap, 0.06-0.07 on closed-mouth
        faces). Speech's p/b/m keep this face's basis: they close the mouth it has."""
        parting = [au for au in REST_FIT["parting_aus"] if au in self.rest.fields]
        if not parting:
            return self.basis
        neutral = self.P - sum(self.rest.fields.values())
        return self.basis.rebuilt(neutral, REST_FIT["mix_on_neutral"])

    def _lid_follow_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Lid points and how far each follows the iris's vertical shift (LID_GAZE): a half
        sine along each lid, the middle most, the fixed eye corners not at all."""
        pts, w = [], []
        for s in ("R", "L"):
            for lid in ("upper", "lower"):
                p = region(f"{s}_eye_{lid}_lid")
                arc = np.sin(np.linspace(0.0, np.pi, len(p)))[np.argsort(np.argsort(self.P[p, 0]))]
                pts.append(p)
                w.append(LID_GAZE[lid] * arc)
        return np.concatenate(pts), np.concatenate(w).astype(np.float32)

    def _corner_follow_weights(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """For each mouth corner: the skin and lip points around it and how much of its
        downward pull each takes (1 at the corner, 0 at CORNER_FOLLOW["radius"])."""
        out = []
        r = CORNER_FOLLOW["radius"]
        for c in (61, 291):
            dist = np.linalg.norm(self.P[:468] - self.P[c], axis=1)
            pts = np.flatnonzero((dist < r) & (np.arange(468) != c))
            w = (1.0 - dist[pts] / r) ** CORNER_FOLLOW["falloff"]
            out.append((c, pts, w.astype(np.float32)))
        return out

    def _corner_push(self) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """For each mouth corner: the skin points under it (CORNER_FOLLOW's push), the height
        under the corner each keeps at least, and the share of the shortfall each takes."""
        out = []
        t = CORNER_FOLLOW
        for c in (61, 291):
            below = self.P[:468, 1] - self.P[c, 1]
            aside = np.abs(self.P[:468, 0] - self.P[c, 0])
            pts = np.flatnonzero((below > 0) & (below < t["push_reach"]) &
                                 (aside < t["push_width"]))
            pts = pts[~np.isin(pts, _LIPS)]
            out.append((c, pts, (t["push_keep"] * below[pts]).astype(np.float32),
                        (1.0 - aside[pts] / t["push_width"]).astype(np.float32)))
        return out

    def _follow_corners(self, d: np.ndarray) -> np.ndarray:
        """A mouth corner pulled down more than the lip and skin around it (a frown over a
        smiling rest mouth that closes: the lower lip rises as the corners fall) drags them
        along, so the corner never passes under its own lower lip (left to the fold guard the
        triangles there flip and the guard halves the frown), and pushes the skin under it
        down (`_corner_push`)."""
        for c, pts, w in self.corner_follow:
            if d[c, 1] <= 0:  # a corner going up (a smile) drags nothing
                continue
            lag = d[c, 1] - d[pts, 1]
            if (lag > 0).any():
                d[pts, 1] += w * np.maximum(lag, 0.0)
        for c, pts, under, share in self.corner_push:
            if d[c, 1] <= 0:
                continue
            floor = self.P[c, 1] + d[c, 1] + under
            d[pts, 1] += share * np.maximum(floor - (self.P[pts, 1] + d[pts, 1]), 0.0)
        return d

    def rest_removal(self, fractions: dict[int, float]) -> np.ndarray:
        """`self.rest.removal(fractions)` (read-only): consecutive frames mostly take the same
        shares (~85% of them); the last is kept."""
        key = tuple(fractions.items())
        last = self._removal_last  # one read: a preview thread may replace it meanwhile
        if last[0] != key:
            last = (key, self.rest.removal(fractions))
            last[1].setflags(write=False)
            self._removal_last = last
        return last[1]

    def mix_parting(self, mixed: np.ndarray) -> float:
        """How far a mix's AUs (NUM_AUS intensities) part the lips, IPD (compose.py)."""
        return float(np.asarray(mixed, np.float32) @ self._parting)

    def au_weights(self, aus: dict[int, float]) -> np.ndarray:
        """The basis' weights for AU intensities `aus`: each AU on both sides (one write)."""
        keys, values = [], []
        for au, v in aus.items():
            if v:
                keys += self._au_keys[au]
                values += (v, v)
        w = np.zeros(len(self.basis.keys), np.float32)
        w[keys] = values
        return w

    def _silhouette(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The turning sphere of `_yaw` on the subject's right and left: at each height, its
        radius (the face oval's half-width there, widened by HEAD_YAW["silhouette"]) and the
        depth of its centre (the oval's own depth there: the outline is where the head is
        widest), as (heights, radii, depths) tables."""
        oval = self.P[region("face_oval")].astype(np.float64)
        z = self.Z[region("face_oval")].astype(np.float64)
        sides = []
        for sign in (-1.0, 1.0):
            on = oval[:, 0] * sign > 0
            order = np.argsort(oval[on, 1])
            sides.append((oval[on, 1][order],
                          np.maximum(np.abs(oval[on, 0][order]), 0.3) * HEAD_YAW["silhouette"],
                          z[on][order]))
        return sides

    def _on_sphere(self, points: np.ndarray, z: np.ndarray):
        """(radius, angle, depth in front of the sphere, sine of the angle) of `points` (IPD) at
        depths `z`."""
        x, y = points[:, 0], points[:, 1]
        (y_r, r_r, z_r), (y_l, r_l, z_l) = self.silhouette
        # the side's sphere, blended with the other's across the midline: picked by the sign of
        # x alone, a point just left of it turned with a sphere up to 0.5 IPD wider than one
        # just right of it (a face turned 20 deg in its picture), a step of 0.05 IPD in the
        # turn at 10 deg that folded the nose's bridge and crossed the glasses' bridge pins
        band = HEAD_YAW["midline_band"]
        w = np.clip((x + band) / (2 * band), 0.0, 1.0)
        w = w * w * (3 - 2 * w)  # 0 on the subject's right, 1 on the left
        r_right, r_left = np.interp(y, y_r, r_r), np.interp(y, y_l, r_l)
        r = r_right + w * (r_left - r_right)
        z_right = np.interp(y, y_r, z_r)
        centre_z = z_right + w * (np.interp(y, y_l, z_l) - z_right)
        theta = np.arcsin(clip(x / r, -1.0, 1.0))
        return r, theta, np.maximum((centre_z - z) - r * np.cos(theta), 0.0), np.sin(theta)

    def _yaw(self, rest: np.ndarray, z: np.ndarray, yaw: float, key=None) -> np.ndarray:
        """x of `rest` points (IPD, depths `z`) after a head yaw (degrees): each turns on the
        sphere at its height, which leaves the silhouette where it is and keeps every row's
        order (no fold at the far cheek), plus the parallax of what stands in front of the
        sphere (nose, chin). With a `key` (a landmark index list), their place on the sphere is
        kept (most of the work, and every frame turns the same landmarks)."""
        geometry = None if key is None else self._sphere_cache.get(key)
        if geometry is None:
            geometry = self._on_sphere(rest, z)
            if key is not None:
                self._sphere_cache[key] = geometry
        r, theta, front, sin_theta = geometry
        a = np.radians(yaw)
        # the turn's change added to the point's own x: a point outside its sphere (beside a
        # near profile's oval, where the sphere is narrower than the picture) moves with the
        # silhouette instead of snapping onto it, which tore the picture at any yaw, even 0.3 deg
        turned = rest[:, 0] + r * (np.sin(clip(theta - a, -np.pi / 2, np.pi / 2)) - sin_theta)
        return (turned - np.sin(a) * front * HEAD_YAW["protrusion"]).astype(np.float32)

    def head_displacement(self, points: np.ndarray, head, idx=None,
                          depth: np.ndarray | None = None) -> np.ndarray:
        """Motion of `points` (IPD; the landmarks `idx`, default all) under a head rotation:
        yaw on the turning sphere (`_yaw`), then pitch and roll as a rigid turn in 3-D.
        `depth`: points that are no landmarks, at rest, with this depth (IPD)."""
        if not any(head):
            return np.zeros_like(points)
        if depth is not None:
            return self._turn(points, head, points, depth)
        z = self.Z if idx is None else self.Z[idx]
        key = "all" if idx is None else tuple(int(i) for i in idx)
        return self._turn(points, head, self.P if idx is None else self.P[idx], z, key)

    def pin_displacement(self, head) -> np.ndarray:
        """(K, 2) IPD: the eyeglass rims' pins (core/rig/rims.py) under the head turn alone.
        Asked twice per frame with the same head (the fold guard, the warp): kept once."""
        key = tuple(float(h) for h in head)
        last = self._pins_last  # one read: a preview thread may replace it meanwhile
        if last[0] != key:
            last = (key, self.head_displacement(self.rims.pins, head, depth=self.rims.pin_z))
            last[1].setflags(write=False)
            self._pins_last = last
        return last[1]

    def _turn(self, points: np.ndarray, head, rest: np.ndarray, z: np.ndarray,
              key=None) -> np.ndarray:
        """`head_displacement` of `points` at rest places `rest`, depths `z` (`key`: `_yaw`'s)."""
        # (x, y, depth), turned in place: the points, then their depths
        moved = np.empty((len(points), 3), np.float32)
        moved[:, :2] = points
        if head[0]:
            # each point turns where it sits on the head: its rest place picks its sphere (a
            # jaw dropped by speech below the oval's lowest height took the chin's tiny radius
            # and a notch appeared in the jaw line)
            moved[:, 0] += self._yaw(rest, z, head[0], key) - rest[:, 0]
        if head[1] or head[2]:
            moved[:, 2] = z
            moved -= _PIVOT
            moved = moved @ self._rotation(head[1], head[2]) + _PIVOT
        return moved[:, :2] - points

    def _rotation(self, pitch: float, roll: float) -> np.ndarray:
        """`_pitch_roll`'s matrix, transposed, float32: asked three times a frame with the same
        head (the landmarks, the eyeballs, the bone points); kept once."""
        key = (pitch, roll)
        last = self._pitch_roll_last  # one read: a preview thread may replace it meanwhile
        if last[0] != key:
            last = (key, _pitch_roll(pitch, roll).T.astype(np.float32))
            last[1].setflags(write=False)
            self._pitch_roll_last = last
        return last[1]

    def displacement(self, pose: RigPose, emotion: np.ndarray | None = None) -> np.ndarray:
        """(478, 2) displacement in IPD: emotion (precomputed by the MoE) + other AUs + head +
        gaze."""
        d = self.basis.displacement(self.au_weights(pose.aus))
        if emotion is not None:
            d = d + emotion
        if pose.gaze[1]:
            pts, w = self.lid_follow
            d[pts, 1] += w * np.float32(pose.gaze[1])
        if pose.blink:
            # the closing lid meets the lower lid where the expression put it (AU6/AU7 raise
            # it): without this the lid overshoots and the fold guard has to pull eyes apart
            k = pose.blink * AU_MAGNITUDE["au45_closure"]
            lids = d[_LOWER_LIDS] - d[_UPPER_LIDS]
            d = d + self.basis.displacement(self.au_weights({45: pose.blink}))
            d[_UPPER_LIDS] += k * lids
        d = self._follow_corners(d)
        press = max(pose.aus.get(24, 0.0), pressed_shut(pose))  # speech's p/b/m, the mix's press
        if press > 0.0:
            d = self._close_over(d, press)
        d, sealed = self._seal_lips(d)
        d = self._order_rings(d)
        d = self.lid_skin.order(d)
        if self.rims is not None:
            d = self.rims.hold(d)
            sealed = self.rims.kept if sealed is None else np.concatenate([sealed, self.rims.kept])
        # the turn goes in before the guard: the nose turning past the far cheek folds the mesh
        # there (14 triangles at 20 deg of yaw)
        d += self.head_displacement(self.P + d, pose.head)
        depth = self._lower_lip_depth(d)
        pins = None if self.rims is None else self.pin_displacement(pose.head)
        guarded, folds = self.fold_guard.unfold(d, sealed, pins)
        touched = guarded is not d and not np.array_equal(guarded[_LIPS], d[_LIPS])
        d = self._lips_after_guard(guarded, depth, pins, touched, folds)
        d[IRIS] += np.asarray(pose.gaze, np.float32)
        return d

    def _lips_after_guard(self, d: np.ndarray, depth: np.ndarray, pins: np.ndarray | None,
                          touched: bool, folds: int | None = None) -> np.ndarray:
        """The fold guard unfolds the skin beside the mouth corners, and its relaxation runs on
        along the lips, where it thickens a lip the mix thinned and can carry one lip's ring
        past the other lip's inner contour (the mesh's triangles across the mouth are not the
        guard's). Afterwards the lower lip keeps the depth it had before the guard (`depth`,
        `_lower_lip_depth`) wherever the guard deepened it: fully at the middle of the mouth,
        not at all at the corners, whose unfolding is left as it is (anger's pressed, thinned
        lower lip on the smiling photo: 0.086 IPD asked, 0.155 after the guard); each lip's
        rings are put back in order (`_order_rings`) and outside the other lip's inner contour
        (`_lips_apart`). Each step is taken in full, or half of it, or not at all: whichever
        first turns no more of the guard's triangles over (`pins`: its fixed points). When the
        guard moved no lip point (not `touched`) only the last step can change anything.
        `folds`: how many of the guard's triangles `d` turns over, where the guard knows."""
        steps = (lambda x: self._keep_lower_lip(x, depth), self._order_rings, self._lips_apart)
        for step in steps if touched else steps[-1:]:
            moved = step(d.copy())
            if (moved == d).all():  # np.array_equal's test
                continue
            if folds is None:
                folds = len(self.fold_guard.flipped(d, pins))
            change = moved - d
            for share in (_ONE, _HALF):
                out = d + share * change
                if len(self.fold_guard.flipped(out, pins)) <= folds:
                    d = out
                    break
        return d

    def _lower_lip(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(how far each of the lower lip's own points lies below its inner contour (IPD),
        those points, the outer mouth corners), moved by `d`."""
        q = self._P_lower + d[_LOWER_LIP]
        inner, own = q[:_N_INNER_LO], q[_N_INNER_LO:-2]
        return own[:, 1] - curve_at(inner, own[:, 0]), own, q[-2:]

    def _lower_lip_depth(self, d: np.ndarray) -> np.ndarray:
        """How far each of the lower lip's own points lies below its inner contour (IPD)."""
        return self._lower_lip(d)[0]

    def _keep_lower_lip(self, d: np.ndarray, before: np.ndarray) -> np.ndarray:
        """The lower lip's own points lifted back to their depth below its inner contour
        `before` the guard, where it deepened them; fading to nothing at the corners (in
        place)."""
        depth, own, c = self._lower_lip(d)
        over = np.maximum(depth - before, 0.0)
        half = max(abs(float(c[1, 0] - c[0, 0])) / 2, 1e-6)
        mid = (c[0, 0] + c[1, 0]) / 2  # np.mean's float32 sum and division, without its wrapper
        d[LOWER_LIP_ONLY, 1] -= over * clip(1.0 - ((own[:, 0] - mid) / half) ** 2, 0.0, 1.0)
        return d

    def _lip_sides(self) -> list[tuple[np.ndarray, np.ndarray, float, np.ndarray]]:
        """`_sides` for each lip's rings outside its inner contour against the other lip's
        inner contour, by `_LIP_CONTACT` or less where the rest face has it so: the lower lip,
        then the upper."""
        return self._sides([(_INNER_UP_C, _LOWER_OUTSIDE, 1.0),
                            (_LOWER_RINGS[0], _UPPER_OUTSIDE, -1.0)], _LIP_CONTACT)

    def _lips_apart(self, d: np.ndarray) -> np.ndarray:
        """Each lip's rings outside its inner contour stay on their side of the other lip's
        inner contour (`_lip_sides`; in place: the inner contours themselves are
        `_seal_lips`')."""
        return self._keep_sides(d, self.lip_sides)

    def _lip_body_curve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`_shift_lip_bodies`' curve at rest: its x (the inner corners and the upper inner
        contour's points) in x order, where each shift goes in that order, and the x of the
        points it moves (each lip's own), all float64 as np.interp takes them."""
        x = np.concatenate([self.P[[78], 0], self.P[_INNER_UP, 0], self.P[[308], 0]])
        x = x.astype(np.float64)  # sorted as the float64 curve was
        o = x.argsort()
        at = np.argsort(o)[1:-1]  # the shift of inner pair i goes to at[i]
        return (x[o], at,
                self.P[np.concatenate([UPPER_LIP_ONLY, LOWER_LIP_ONLY]), 0].astype(np.float64))

    def _shift_lip_bodies(self, d: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """Move each lip body vertically by `shift` (per inner pair, + closes: the upper lip down,
        the lower up), interpolated across the mouth and zero at the corners (moving only the
        inner contours would push them through the lips' own middle rings; moving the lips
        bodily would fold the corners). In place."""
        xp, at, x = self._lip_bodies
        fp = np.zeros(len(xp))
        fp[at] = shift
        moves = interp(x, xp, fp).astype(np.float32)  # both lips', as curve_at took them
        n = len(UPPER_LIP_ONLY)
        d[UPPER_LIP_ONLY, 1] += moves[:n]  # corners stay put
        d[LOWER_LIP_ONLY, 1] -= moves[n:]
        return d

    def _close_over(self, d: np.ndarray, press: float) -> np.ndarray:
        """Speech's lip closure (AU24 from p/b/m) closes the gap the lips have now, not only the
        rest gap the AU basis knows: over a raised upper lip (a grin's or a sneer's AU10) the
        lips of 'Papa' stayed 0.05-0.11 IPD apart. Both lips move, half each."""
        k = closure_share(press)
        gap = (self._inner_lo_y + d[_INNER_LO, 1]) - (self._inner_up_y + d[_INNER_UP, 1])
        return self._shift_lip_bodies(d, np.maximum(gap - _LIP_CONTACT, 0.0) * (k / 2))

    def _ring_pairs(self) -> list[tuple[np.ndarray, np.ndarray, float, np.ndarray]]:
        """`_sides` for each lip ring outside its inner contour (_UPPER_RINGS, _LOWER_RINGS):
        how far the ring must stay outside the ring inside it, MOUTH_LIMITS["lip_ring_gap"] or
        its rest distance if smaller (below zero where the rest shape has it so, beside a
        corner: the rest face is left as it is)."""
        return self._sides([(inner, ring, sign)
                            for rings, sign in ((_UPPER_RINGS, -1.0), (_LOWER_RINGS, 1.0))
                            for inner, ring in zip(rings, rings[1:])],
                           MOUTH_LIMITS["lip_ring_gap"])

    def _sides(self, specs, gap: float) -> list[tuple[np.ndarray, np.ndarray, bool, np.ndarray]]:
        """(curve and points, points, below, offset) for each (curve, points, side) of `specs`:
        the points stay on their side of the curve (-1 above, +1 below: `below`) by `gap`, or
        by their rest distance from it if smaller (the clearance; `offset`: it signed, the
        curve's height to the points' bound)."""
        out = []
        for curve, pts, sign in specs:
            rest = sign * (self.P[pts, 1] - curve_at(self.P[curve], self.P[pts, 0]))
            clearance = np.minimum(rest, gap).astype(np.float32)
            out.append((np.concatenate([curve, pts]), pts, sign > 0, sign * clearance))
        return out

    def _keep_sides(self, d: np.ndarray, sides) -> np.ndarray:
        """Points that crossed to the wrong side of their curve (`_sides`, in order: a curve
        moved by an earlier entry counts as moved) put back on its clearance (in place)."""
        Q = self.P + d
        for both, pts, below, offset in sides:
            c = Q[both]  # the curve's points, then the points'
            c, q = c[:-len(pts)], c[-len(pts):]
            bound = curve_at(c, q[:, 0]) + offset
            # sign * (y - bound) < 0, exactly: a float difference is below zero iff y < bound
            bad = ((q[:, 1] < bound) if below else (q[:, 1] > bound)).nonzero()[0]
            if len(bad):
                moved, y = pts[bad], bound[bad]
                Q[moved, 1] = y
                d[moved, 1] = y - self.P[moved, 1]
        return d

    def _order_rings(self, d: np.ndarray) -> np.ndarray:
        """Each lip's rings stay outside one another, from the inner contour out (their
        clearance, `_ring_pairs`). Lips pressed together over a raised upper lip (AU10 with AU17
        and AU24: "angrily disgusted", "appalled" at intensity 1.5) met above the upper lip's
        own inner ring, and the guard, which holds sealed pairs, left 3-4 triangles there inside
        out; a frown over the smiling photo's parted rest lips squeezed the upper lip's red to a
        line; and the smile taken away from it lowers its upper lip's outer contour beside the
        corners more than the inner one (the smile had raised it more), which with an open jaw
        turned that lip over (by eye, surprise: the guard's unfolding then sheared the corner)."""
        return self._keep_sides(d, self.ring_pairs)  # inner rings first

    def _seal_lips(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(d, the inner lip points that met, or None). Inner lips pushed past each other
        (pressed lips, AU24/AU23, on top of a parted rest mouth taken away) meet halfway
        instead. Left to the fold guard, crossing lips relax the whole mouth and stay ~0.025 IPD
        apart: a band of teeth under pressed lips."""
        y_up = self._inner_up_y + d[_INNER_UP, 1]
        y_lo = self._inner_lo_y + d[_INNER_LO, 1]
        crossed = y_lo < y_up
        if not crossed.any():
            return d, None
        # each lip body backs off by half its overshoot, then each pair meets
        d = self._shift_lip_bodies(d, -np.where(crossed, y_up + _LIP_CONTACT - y_lo, 0.0) / 2)
        y_up = self._inner_up_y + d[_INNER_UP, 1]
        y_lo = self._inner_lo_y + d[_INNER_LO, 1]
        crossed = crossed & (y_lo < y_up + _LIP_CONTACT)
        meet = (y_up + y_lo) / 2
        up, lo = _INNER_UP[crossed], _INNER_LO[crossed]
        d[up, 1] = meet[crossed] - _LIP_CONTACT / 2 - self.P[up, 1]
        d[lo, 1] = meet[crossed] + _LIP_CONTACT / 2 - self.P[lo, 1]
        # sealed lower points lie along the upper contour between its points (each pair met at
        # its own x; where the two contours' points sit at different x on a curved seam, a lower
        # point poked above the upper chord and turned the triangles across the mouth over)
        on_seam = curve_at(self.P[_INNER_UP_C] + d[_INNER_UP_C], self.P[lo, 0] + d[lo, 0]) \
            + _LIP_CONTACT
        d[lo, 1] = np.maximum(self.P[lo, 1] + d[lo, 1], on_seam) - self.P[lo, 1]
        # the pairs now touching: the fold guard keeps them where they met
        gap = (self.P[_INNER_LO, 1] + d[_INNER_LO, 1]) - (self.P[_INNER_UP, 1] + d[_INNER_UP, 1])
        touching = gap <= 2 * _LIP_CONTACT
        return d, np.concatenate([_INNER_UP[touching], _INNER_LO[touching]])

    def to_pixels(self, d: np.ndarray, scale: float) -> np.ndarray:
        """IPD displacements -> pixel displacements in an image resized by `scale`."""
        return self.frame.vectors_to_image(d).astype(np.float32) * scale
