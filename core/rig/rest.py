"""The portrait's rest expression: which AUs a photo already shows, measured from its landmarks.

DESIGN.md "The rest expression": align a neutral face shape (MediaPipe's canonical face model,
resources/canonical_face_model.json) to the portrait's landmarks, then explain what is left
with the rig's own AU basis by non-negative least squares. Rendering an emotion then removes
the rest AUs that conflict with it (a smiling photo set to sad stops smiling) or, with
neutralize, all of them, by subtracting their displacements in the face frame.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from core.emotions import AU_CATALOG
from core.face.frame import FaceFrame
from core.face.landmarks import face_yaw_degrees
from core.face.regions import lid_opening, region
from core.face.umeyama import umeyama
from core.paths import resource
from core.rig.au_basis import AUBasis, spread_motion
from core.rig.au_points import LOWER_LIP_ONLY, UPPER_LIP_ONLY, curve_at, midline_x
from core.rig.nnls import nnls
from core.rig.tuning import REST_FIT, REST_LIDS, REST_NOT_ADDED, SPREAD_SIGMA

_MODEL = resource("canonical_face_model.json")


@lru_cache(maxsize=1)
def canonical_face() -> np.ndarray:
    """(478, 3) neutral face in image axes: x toward image right, y down, z away from the viewer
    (the model file's y and z flipped: a proper rotation, so handedness is kept)."""
    v = np.asarray(json.loads(_MODEL.read_text(encoding="utf-8"))["vertices"], np.float64)
    v = v * [1.0, -1.0, -1.0]
    # the model's inner lip contours stand ~0.08 IPD apart; a neutral face (FACS: AU25 absent)
    # has them touching, so they meet at their mean height
    up, lo = region("lips_upper_inner")[1:-1], region("lips_lower_inner")[1:-1]
    mid = (v[up, 1] + v[lo, 1]) / 2
    v[up, 1], v[lo, 1] = mid, mid
    return v


def _stable() -> np.ndarray:
    """Landmarks no expression AU moves much: eye corners, nose bridge, temples, forehead.
    The alignment is fitted on these alone, so a smile or a raised brow stays in the residual."""
    names = ("nose_bridge", "nose_tip", "forehead", "R_eye_corners", "L_eye_corners")
    return np.unique(np.concatenate([region(n) for n in names] + [np.array([234, 454, 127, 356])]))


_CORNERS = region("mouth_corners_outer")  # subject's right, left (61, 291)
_MOUTH = np.concatenate([_CORNERS, region("lips_upper_inner"), region("lips_lower_inner")])


def _fitted() -> np.ndarray:
    """Landmarks the AU fit looks at: the parts expressions move."""
    # eyelids and the outer lip contours stay out: eye opening and lip thickness differ more
    # between people than AU5/AU7 or AU25 move them (the canonical model's eye opening is
    # 0.09 IPD, 0.12-0.16 measured on photos); the corners and the inner contours carry the mouth
    names = ("mouth_corners_outer", "lips_upper_inner", "lips_lower_inner",
             "R_brow_upper", "L_brow_upper", "R_brow_lower", "L_brow_lower",
             "nose_R_side", "nose_L_side", "nasolabial_R", "nasolabial_L", "cheek_R", "cheek_L",
             "chin")
    return np.unique(np.concatenate([region(n) for n in names]))


def _left_share(Q: np.ndarray) -> np.ndarray:
    """(N,) each point's share of the subject's left side: 0 right, 1 left, blended over
    0.1 IPD about the face's midline."""
    return np.clip(0.5 + (Q[:, 0] - midline_x(Q)) / 0.1, 0.0, 1.0)


def _heights(d: np.ndarray, idx: np.ndarray, width: bool = False) -> np.ndarray:
    """The parts of a displacement (478, 2) the fit compares: heights (widths of mouth and
    brows are mostly identity), and mouth points relative to the lip midline's centre (how low
    the mouth sits under the nose is identity too; a smile or a parted lip moves points apart);
    with `width`, the mouth's width too, corner to corner, weighted (REST_FIT "width_weight":
    on parted lips, where the heights alone took toothy smiles for parted mouths)."""
    y = d[idx, 1].copy()
    mouth = np.isin(idx, _MOUTH)
    y[mouth] -= (d[13, 1] + d[14, 1]) / 2
    if width:
        return np.append(y, REST_FIT["width_weight"] * (d[_CORNERS[1], 0] - d[_CORNERS[0], 0]))
    return y


def neutral_landmarks(landmarks: np.ndarray) -> np.ndarray:
    """(478, 2) image pixels: the canonical neutral face posed like the portrait (a 3-D
    similarity fitted on stable points, dropped to the image plane: weak perspective)."""
    idx = _stable()
    c = canonical_face()
    s, R, t = umeyama(c[idx], landmarks[idx, :3])
    q = (c @ R.T * s + t)[:, :2]
    # then a 2-D affine on the same points: faces differ in width-to-height ratio more than
    # in expression, and Face Mesh's depth scale is not the model's
    X = np.column_stack([q[idx], np.ones(len(idx))])
    A, *_ = np.linalg.lstsq(X, landmarks[idx, :2].astype(np.float64), rcond=None)
    return np.column_stack([q, np.ones(len(q))]) @ A


@dataclass
class RestExpression:
    """aus: AU -> measured rest intensity (only those above REST_FIT["report_min"]);
    fields: AU -> (478, 2) its displacement in the portrait's face frame (IPD), such that
    rest landmarks ~ neutral + sum of fields."""

    aus: dict[int, float]
    fields: dict[int, np.ndarray]
    # AU -> {"R": ..., "L": ...}: each side's intensity, for the AUs fitted per side (REST_FIT
    # "sided") on a face near frontal; `aus` holds the larger
    sides: dict[int, dict[str, float]] = field(default_factory=dict)

    def one_sided(self) -> dict[int, str]:
        """AU -> "left" or "right" (the subject's) for a reported AU shown on that side alone:
        the other side under REST_FIT["one_sided"] of it (a smirk)."""
        out = {}
        for au, v in self.sides.items():
            if au in self.aus:
                hi, lo = max(v, key=v.get), min(v, key=v.get)
                if v[lo] < REST_FIT["one_sided"] * v[hi]:
                    out[au] = "left" if hi == "L" else "right"
        return out

    @cached_property
    def parted(self) -> dict[int, float]:
        """AU -> how far its field parts the lips (IPD, inner_gap), for the REST_NOT_ADDED AUs:
        a broad grin's AU25 reads 1.0, capped, while its field, scaled to close the whole gap,
        parts them 2-3.5x as far as AU25 1.0 does."""
        return {au: inner_gap(self.fields[au]) for au in REST_NOT_ADDED if au in self.fields}

    def removal(self, fractions: dict[int, float]) -> np.ndarray:
        """(478, 2) IPD displacement that takes `fractions[au]` of each rest AU away."""
        d = np.zeros((478, 2), np.float32)
        for au, f in fractions.items():
            if f > 0 and au in self.fields:
                d -= np.float32(min(f, 1.0)) * self.fields[au]
        return d

    def label(self) -> str:
        """'AU12 0.6, AU6 0.4' (strongest first; 'AU12 0.8 (left)' for a smile on the subject's
        left side alone), or 'neutral'."""
        items = sorted(self.aus.items(), key=lambda kv: -kv[1])
        side = self.one_sided()
        return ", ".join(f"AU{au} {v:.1f}" + (f" ({side[au]})" if au in side else "")
                         for au, v in items) or "neutral"

    @classmethod
    def none(cls) -> RestExpression:
        return cls({}, {})


def fit_rest(landmarks: np.ndarray, frame: FaceFrame | None = None) -> RestExpression:
    """Rest AUs of a portrait from its (478, 3) Face Mesh landmarks (image pixels)."""
    frame = frame or FaceFrame.from_landmarks(landmarks)
    P = frame.to_frame(landmarks[:, :2].astype(np.float64))
    Q = frame.to_frame(neutral_landmarks(landmarks))
    # the basis is built on the neutral shape: the portrait is neutral + AU motion from there
    # lips parted at rest: the mouth's width joins the fit, and AU20 with it (REST_FIT)
    width = inner_gap(P) >= REST_FIT["width_from_gap"]
    aus = [au for au in REST_FIT["aus"] + (REST_FIT["width_aus"] if width else ())
           if au in AU_CATALOG]
    basis = AUBasis.build(Q, aus)
    idx = _fitted()
    # one column per AU (both sides), or per side for the one-sided ones (a smirk) on a face
    # near frontal enough for its two sides to compare
    sided = REST_FIT["sided"] if abs(face_yaw_degrees(landmarks)) <= REST_FIT["sided_max_yaw"] \
        else ()
    columns = [(au, sides) for au in aus
               for sides in ((("R",), ("L",)) if au in sided else (("R", "L"),))]
    cols, full = [], []
    for au, sides in columns:
        f = sum(basis.matrix[basis.keys.index((au, s))] for s in sides).reshape(-1, 2)
        full.append(f)
        cols.append(_heights(f, idx, width))
    A = np.stack(cols, 1)
    r = _heights(P - Q, idx, width)
    # a little ridge toward zero keeps AUs with near-identical shapes from trading off wildly
    lam = REST_FIT["ridge"]
    A_aug = np.vstack([A, np.sqrt(lam) * np.eye(len(columns))])
    w, _ = nnls(A_aug, np.concatenate([r, np.zeros(len(columns))]))
    shown: dict[int, float] = {}
    parts: dict[int, np.ndarray] = {}
    sides: dict[int, dict[str, float]] = {}
    for (au, side), v, f in zip(columns, w, full):
        cap = REST_FIT["max_parting"] if au in REST_FIT["parting_aus"] else REST_FIT["max"]
        v = float(min(v, cap))
        shown[au] = max(shown.get(au, 0.0), v)
        parts[au] = parts.get(au, 0.0) + v * f
        if len(side) == 1:
            sides.setdefault(au, {})[side[0]] = round(min(v, 1.0), 2)
    out, fields = {}, {}
    for au, v in shown.items():
        if v >= REST_FIT["report_min"]:
            out[au] = round(min(v, 1.0), 2)  # FACS scale for display; the field keeps it all
            fields[au] = parts[au].astype(np.float32)
    # a width without a lift is the face's own mouth (identity, as on closed lips): AU20 only
    # keeps that width from being read as a smile, and is neither reported nor taken away
    for au in REST_FIT["width_aus"]:
        out.pop(au, None)
        fields.pop(au, None)
    _close_the_gap(fields, P - Q)
    _exact_lip_closure(fields, P)
    _identity_on_closed_lips(P, out, fields)
    k = _exact_corners(fields, P, Q)  # each side's scale
    if 12 in sides and 12 in out:  # fitted per side: each side scaled as its field was
        sides[12] = {s: round(min(v * float(k["RL".index(s)]), 1.0), 2)
                     for s, v in sides[12].items()}
        out[12] = max(sides[12].values())
        if out[12] < REST_FIT["report_min"]:  # scaled down to the face's own corners: identity
            for d in (out, fields, sides):
                d.pop(12)
    elif k.max() > 1.0:
        out[12] = round(min(out[12] * float(k.max()), 1.0), 2)
    _lowered_lids(P, Q, out, fields)
    return RestExpression(out, fields, {au: v for au, v in sides.items() if au in out})


_UP_MID, _LO_MID = region("lips_upper_inner")[1:-1], region("lips_lower_inner")[1:-1]


def inner_gap(d: np.ndarray) -> float:
    """Mean height between the inner lip contours, corners left out (as core/rig/mouth.py
    measures the opening), of landmarks or of a displacement."""
    return float(d[_LO_MID, 1].mean() - d[_UP_MID, 1].mean())


def _identity_on_closed_lips(P: np.ndarray, out: dict[int, float],
                             fields: dict[int, np.ndarray]) -> None:
    """Lips that meet at rest are not parted, so no rest AU25/AU26; and the chin raise the fit
    paired with a parting there is the face's own lip shape and chin length, a raised lower lip
    cancelled on the lips by a lowered one: 11 of 14 closed-mouth faces of LivePortrait's
    examples read AU17 ~1.0 with AU25 ~1.0, and a smile, taking that AU17 away, lengthened the
    chin 0.07-0.1 IPD. Both are identity there: neither reported nor taken away."""
    if inner_gap(P) >= REST_FIT["lips_meet"]:
        return
    for au in (*REST_FIT["parting_aus"], 17):
        out.pop(au, None)
        fields.pop(au, None)


def rest_notes(rest: RestExpression) -> list[str]:
    """What a user should know about the rest expression before rendering."""
    if 43 not in rest.aus:
        return []
    return ["the eyes are nearly shut in the picture: expressions that open them (surprise, "
            "fear, anger) show eyes painted in the picture's own colours, not its own eyes"]


def _lowered_lids(P: np.ndarray, Q: np.ndarray, out: dict[int, float],
                  fields: dict[int, np.ndarray]) -> None:
    """Eyes caught nearly shut (a laugh's squint, a downcast look) become rest AU43: the lids
    lowered from the neutral face's, so taking it away opens each eye to the canonical face's
    lid shapes set between its own corners (with the rest AU6's push on the lower lid taken
    away first). The lid points are left out of the AU fit (eye opening is mostly identity):
    only eyes this near shut (REST_LIDS) are measured."""
    rest_opens = {s: lid_opening(P, s) for s in "RL"}
    if np.mean(list(rest_opens.values())) >= REST_LIDS["shut_below"]:
        return
    shown = P - fields[6] if 6 in fields else P  # the cheeks' push on the lower lids gone
    movers, vecs, shut = [], [], []
    for s in "RL":
        c = region(f"{s}_eye_corners")
        up, lo = region(f"{s}_eye_upper_lid"), region(f"{s}_eye_lower_lid")
        lids = np.concatenate([up, lo])
        target = _between(Q[lids], Q[c], shown[c])
        moved = shown.copy()
        moved[lids] = target
        if lid_opening(moved, s) <= lid_opening(shown, s):
            continue  # an eye open already (the other one shut): never closed by this
        d = target - shown[lids]
        halo = region(f"{s}_eye_halo2_upper")
        dh = np.zeros((len(halo), 2))
        dh[:, 1] = REST_LIDS["halo_follow"] * d[: len(up), 1].mean()
        movers += [lids, halo]
        vecs += [d, dh]
        shut.append(max(1.0 - rest_opens[s] / max(lid_opening(moved, s), 1e-6), 0.0))
    if not movers:
        return
    field = spread_motion(P, np.concatenate(movers), np.vstack(vecs), SPREAD_SIGMA["lid"])
    out[43] = round(min(float(np.mean(shut)), 1.0), 2)
    fields[43] = (-field).astype(np.float32)


def _between(pts: np.ndarray, ends: np.ndarray, to: np.ndarray) -> np.ndarray:
    """`pts` (n, 2) moved by the 2-D similarity that takes the two points `ends` onto `to`."""
    a, b = complex(*ends[0]), complex(*ends[1])
    m = (complex(*to[1]) - complex(*to[0])) / (b - a)
    z = complex(*to[0]) + m * (pts[:, 0] + 1j * pts[:, 1] - a)
    return np.column_stack([z.real, z.imag])


def _corner_heights(X: np.ndarray) -> np.ndarray:
    """(2,) how far each mouth corner (subject's right, left) sits below the lip midline's
    centre (face frame: + is down)."""
    return X[_CORNERS, 1] - (X[13, 1] + X[14, 1]) / 2


def _exact_corners(fields: dict[int, np.ndarray], P: np.ndarray, Q: np.ndarray) -> float:
    """Scale each side of the rest smile's field so that removing every rest AU brings that
    mouth corner to the neutral face's height: the fit trades the corners off against the other
    points (a pencil drawing of the smiling astronaut kept corners 0.08 IPD above its lip
    midline, a closed-lip smile under anger, where the photo kept none), and its one AU12 lifts
    both corners alike, so a lopsided smile (a smirk, most paintings' half smiles) kept its
    high corner and had its low one pushed under the neutral line. Returns each side's scale
    (subject's right, left; 1: unchanged)."""
    if 12 not in fields:
        return np.ones(2)
    left = _corner_heights(P - sum(fields.values())) - _corner_heights(Q)  # < 0: still lifted
    own = _corner_heights(fields[12])  # < 0: the smile lifts them
    k = np.ones(2)
    lifting = own < -1e-3
    k[lifting] = np.clip(1.0 + left[lifting] / own[lifting], 0.0, REST_FIT["max_corner_scale"])
    scale = (k[0] + (k[1] - k[0]) * _left_share(Q)).astype(np.float32)
    fields[12] = (fields[12] * scale[:, None]).astype(np.float32)
    return k


def _close_the_gap(fields: dict[int, np.ndarray], d: np.ndarray) -> None:
    """Scale the parting AUs' fields so that removing them closes the lip gap the portrait
    shows (mean over the inner contours, as core/rig/mouth.py measures the opening): the height
    fit trades the gap off against the other mouth AUs, and lips left ~0.02 IPD apart still
    show a band of teeth under pressed lips."""
    parting = [au for au in REST_FIT["parting_aus"] if au in fields]
    explained = sum(inner_gap(fields[au]) for au in parting)
    # less what the other rest AUs open (_exact_lip_closure)
    shown = inner_gap(d) - sum(max(inner_gap(f), 0.0) for au, f in fields.items()
                               if au not in parting)
    if explained > 1e-3 and shown > explained:
        k = np.float32(min(shown / explained, REST_FIT["max_gap_scale"]))
        for au in parting:
            fields[au] = fields[au] * k


_UP_IN, _LO_IN = region("lips_upper_inner"), region("lips_lower_inner")
_UP_OUT, _LO_OUT = region("lips_upper_outer"), region("lips_lower_outer")


def _exact_lip_closure(fields: dict[int, np.ndarray], P: np.ndarray) -> None:
    """On the lips themselves, the parting AUs' fields become the exact opening the portrait
    shows, point by point: removing them closes every pair of inner contour points (a smile's
    opening is widest in the middle and follows the teeth; the basis' one lip-centre profile
    left it open near the corners and crossed it in the middle). The upper lip takes
    REST_FIT["closure_upper_share"] of the closing, and a lip's outer contour follows its inner
    one by REST_FIT["closure_outer"] (the lips thicken as they meet)."""
    parting = [au for au in REST_FIT["parting_aus"] if au in fields]
    if not parting:
        return
    # what the other rest AUs open between the lips (a grin's upper lip raise, AU10, parts them
    # too) is theirs to take away: the parting AUs close the rest (with the whole gap here, a
    # toothy smile's AU10 0.5-1.0 took away 0.03-0.08 IPD more than it showed, and a sneer's
    # opening, disgust on two of six toothy smiles, sealed shut)
    others = sum((f for au, f in fields.items() if au not in parting), np.zeros_like(P))
    gap = np.maximum(P[_LO_IN, 1] - P[_UP_IN, 1]
                     - np.maximum(others[_LO_IN, 1] - others[_UP_IN, 1], 0.0), 0.0)
    gap[[0, -1]] = 0.0  # the corners are where the lips meet already
    gap_curve = np.column_stack([P[_UP_IN, 0], gap])
    share = REST_FIT["closure_upper_share"]
    y = np.zeros(len(P), np.float32)
    for pts, inner, outer, amount in ((UPPER_LIP_ONLY, _UP_IN, _UP_OUT, -share),
                                      (LOWER_LIP_ONLY, _LO_IN, _LO_OUT, 1.0 - share)):
        x = P[pts, 0]
        g = curve_at(gap_curve, x)
        y_in, y_out = curve_at(P[inner], x), curve_at(P[outer], x)
        t = np.clip((P[pts, 1] - y_out) / np.where(np.abs(y_in - y_out) > 1e-6, y_in - y_out,
                                                   1e-6), 0.0, 1.0)
        w = REST_FIT["closure_outer"] + (1.0 - REST_FIT["closure_outer"]) * t
        y[pts] = amount * g * w
    main = max(parting, key=lambda au: float(np.abs(fields[au]).sum()))
    lips = np.concatenate([UPPER_LIP_ONLY, LOWER_LIP_ONLY])
    for au in parting:
        fields[au] = fields[au].copy()
        fields[au][lips, 1] = y[lips] if au == main else 0.0
