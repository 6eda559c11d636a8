"""One table from each Action Unit to the landmarks it moves and how (FACS.md "what moves").

An AU is a few Moves: a named point set (core/rig/au_points.py, built from the Face Mesh lists
in resources/facemesh_regions.json), a motion per axis made of Terms, each Term a factor times
a magnitude from core/rig/tuning.py (AU_MAGNITUDE, where the sources are) times a per-point
profile (inner end of the brow, arc of the lid, corner of the mouth, ...). x is outward (toward
the ear on the AU's side), y is down. The motion spreads to the skin around with the Gaussian of
`spread` (SPREAD_SIGMA), inside `mask`. A few AUs move points by a rule rather than a vector
(`kind`: a lid closing onto the other lid, lips toward the mouth's split line or its centre, the
jaw's rotation); their parameters are table entries too.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.rig.tuning import BROW_RAISE_SPREAD_UP


@dataclass(frozen=True)
class Term:
    factor: float
    magnitude: str  # AU_MAGNITUDE key
    profile: str = "flat"  # au_points.PROFILES key


@dataclass(frozen=True)
class Move:
    points: str  # au_points.POINT_SETS key
    x: tuple[Term, ...] = ()  # outward
    y: tuple[Term, ...] = ()  # down


@dataclass(frozen=True)
class AUShape:
    moves: tuple[Move, ...] = ()
    spread: str = "lip"  # SPREAD_SIGMA key
    spread_scale: float = 1.0
    spread_up: float = 1.0  # the spread's reach above its movers, times `spread`'s
    mask: str | None = None  # au_points.MASKS key: where the spread may reach
    kind: str = "moves"  # "moves" or a rule in au_basis.RULES
    shared: str = "each"  # points in two moves: "each" keeps both vectors, "last" the later one
    after: tuple[Move, ...] = ()  # added after the spread, not spread (a local push)
    split_sides: bool = True  # each side owns its half of the midline (False: lids)


def T(factor: float, magnitude: str, profile: str = "flat") -> tuple[Term, ...]:
    return (Term(factor, magnitude, profile),)


AU_SHAPES: dict[int, AUShape] = {
    # brows: inner-ness 1 at the medial end of the brow, 0 at the lateral end
    1: AUShape((Move("brow", y=T(-1, "au1_inner_brow_up", "brow_inner_0.25")),),
               spread="brow", mask="above_lids", spread_up=BROW_RAISE_SPREAD_UP),
    2: AUShape((Move("brow", y=T(-1, "au2_outer_brow_up", "brow_outer_0.2")),),
               spread="brow", mask="above_lids", spread_up=BROW_RAISE_SPREAD_UP),
    4: AUShape((Move("brow", x=T(-1, "au4_brow_medial", "brow_inner"),
                     y=T(1, "au4_brow_down", "brow_inner_0.5")),),
               spread="brow", mask="upper_face_not_lids",
               # the lowered brow pushes the upper-lid skin down a little (0.04 IPD: more hid
               # the raised lids of fear, whose AU4 pulls the brows together, by eye)
               after=(Move("lid_skin_upper", y=T(0.27, "au4_brow_down")),)),
    # lids and cheeks
    # the retracted lid folds into the crease: the ring above the lashes rises half as far
    # (the brows' raise fades out above it, LID_FADE and LID_BAND in core/rig/tuning.py; by
    # eye, fear and surprise)
    5: AUShape((Move("upper_lid", y=T(-1, "au5_upper_lid_up", "lid_arc")),
                Move("upper_lid_halo", y=T(-0.5, "au5_upper_lid_up", "lid_arc"))),
               spread="lid", mask="upper_face_and_eye_band"),
    6: AUShape((Move("lower_lid", y=T(-0.6, "au6_cheek_up", "lid_arc")),
                Move("cheek_ring", x=T(0.2, "au6_cheek_up"), y=T(-1, "au6_cheek_up"))),
               spread="cheek", mask="cheek_below_eyes"),
    7: AUShape((Move("lower_lid", y=T(-1, "au7_lower_lid_up")),), spread="lid"),
    45: AUShape(kind="lid_closure", spread="lid", mask="above_jaw", split_sides=False),
    # nose and upper lip
    9: AUShape((Move("nose_wing", y=T(-1, "au9_nose_up")),
                Move("upper_lip", y=T(-0.5, "au9_nose_up", "upper_lip_centre")),
                Move("inner_brow", y=T(0.5, "au9_nose_up"))),
               spread="nose", mask="above_jaw"),
    10: AUShape((Move("upper_lip", y=T(-1, "au10_upper_lip_up", "upper_lip_centre")),
                 Move("nasolabial", y=T(-0.4, "au10_upper_lip_up"))),
                spread="lip", mask="above_jaw"),
    11: AUShape((Move("nasolabial", x=T(0.5, "au11_nasolabial"), y=T(-1, "au11_nasolabial")),),
                spread="nose", mask="above_jaw"),
    # lip corners (profile "corner": 1 at the corner, falling toward the lip centre;
    # "corner_lateral" the same for sideways motion, foreshortened on a turned face's far side)
    12: AUShape((Move("lips", x=T(1, "au12_corner_out", "corner_lateral"),
                      y=T(-1, "au12_corner_up", "corner_smile_room")),), spread="corner"),
    14: AUShape((Move("lips", x=T(-1, "au14_corner_in", "corner_lateral"),
                      y=T(-0.2, "au14_corner_in", "corner")),), spread="corner"),
    15: AUShape((Move("lips", y=T(1, "au15_corner_down", "corner")),),
                spread="corner", mask="below_nose"),
    20: AUShape((Move("lips", x=T(1, "au20_corner_out", "corner_lateral"),
                      y=(Term(0.2, "au20_corner_out", "corner"),
                         Term(1, "au20_thin", "outer_lips_together"))),), spread="corner"),
    # lip shape
    18: AUShape(kind="toward_centre", spread="lip"),
    22: AUShape(kind="toward_centre", spread="lip"),
    23: AUShape(kind="toward_split", spread="lip"),
    24: AUShape(kind="toward_split", spread="lip"),
    # lower lip, chin and jaw
    16: AUShape((Move("lower_lip_all", y=T(1, "au16_lower_lip_down", "lower_lip_broad")),),
                mask="jaw"),
    17: AUShape((Move("chin", y=T(-1, "au17_chin_up")),
                 Move("lower_lip_all", y=T(-0.8, "au17_chin_up")),
                 Move("upper_lip_all", y=T(-0.25, "au17_chin_up"))),
                spread="jaw", spread_scale=0.5),
    25: AUShape((Move("lower_lip_all", y=T(1, "au25_lower_lip_down", "lip_centre")),
                 Move("upper_lip_all", y=T(-1, "au25_upper_lip_up", "lip_centre"))),
                shared="last"),
    26: AUShape(kind="jaw_drop", spread="lip"),
    27: AUShape(kind="jaw_drop", spread="lip"),
}
AU_SHAPES[43] = AU_SHAPES[45]  # eyes closed: the blink's shape, held

# Parameters of the rule-driven kinds (IPD or fractions; by eye unless noted)
RULE_TUNING: dict[str, float] = {
    "lid_closure_halo": 0.6,  # share of the closure the skin ring above the lid follows
    "lid_closure_iris": 0.5,  # the iris is compressed with the lid so the mesh never folds
    "press_outer": 0.25,  # AU24: share of the outer lip contour's gap closed with the inner one
    "jaw_corner_share": 0.35,  # AU26/27: the mouth corners follow the jaw this much
    # AU26/27: above the mouth split only the skin this near a corner follows the jaw (IPD;
    # by eye: the upper lip stays, the corners' surroundings stretch without a crease)
    "jaw_corner_reach": 0.1,
    "jaw_chin_extra": 0.2,  # AU26/27: points nearer the chin move this much more (rotation)
    # AU26/27: the lower lip's drop along the mouth, share + (1 - share) (1 - t^2)^arc from its
    # centre (t = 0) to the corners (t = 1): 1 a parabola (by eye: the opening narrows into the
    # corners; 0.6 left them blunt, 0 cut them square)
    "jaw_lip_arc": 1.0,
    # AU26: the lips narrow toward the mouth's centre by this share of their distance from it
    # as they stretch down over the opening jaw (corners ~0.03 IPD in; as AU18's narrowing,
    # spread alike, so each lip's rings move together: moving only the corner points turned
    # the upper lip over beside them). By eye: without it a surprised mouth opened as a wide
    # slot that read as a shout on grace_hopper.jpg
    "au26_narrow": 0.06,
    "au27_corner_in": 0.04,  # AU27: corners pulled in as the mouth stretches open
}
