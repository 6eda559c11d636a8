"""Every number of the AU shading layer (core/rig/shading.py), in one place, with its source.

A crease is a polyline of anchors on the CURRENT (deformed) Face Mesh landmarks, so it moves with
the face and with speech. Each anchor is (points, dx, dy, taper): the mean of the named points
(`POINTS`), offset by (dx, dy) IPD in the face frame (x toward the subject's left, y toward the
chin), and a strength taper along the line. Crease paths are drawn on the subject's RIGHT side
(x < 0) and mirrored through `mirror_map`, unless `mirror` is False (midline creases).

Sources: the wrinkle atlases of facial expression (Ekman, Friesen & Hager, FACS Manual 2002,
"appearance changes" per AU; Du, Tao & Martinez 2014 Fig. 1) say WHERE a fold forms; the
positions in IPD were read off the sample portrait's landmarks (core/samples.py) and checked on
grace_hopper.jpg; depths and widths are "by eye" on renders of those photos, a grayscale copy and a
cv2.stylization painting (subtle but visible at 512 px).
"""
from __future__ import annotations

from dataclasses import dataclass

Anchor = tuple[tuple[str, ...], float, float, float]  # (named points, dx, dy, taper)

# Named points on the subject's right side (Face Mesh index in the comment): (region of
# core/face/regions.py, position in its list or key of its dict).
POINTS: dict[str, tuple[str, int | str]] = {
    "brow_outer": ("R_brow_upper", 1),  # 70
    "brow_mid_outer": ("R_brow_upper", 2),  # 63
    "brow_mid": ("R_brow_upper", 3),  # 105
    "brow_mid_inner": ("R_brow_upper", 4),  # 66
    "brow_inner": ("R_brow_upper", 5),  # 107
    "brow_inner_low": ("R_brow_upper", 6),  # 55
    "brow_inner_L": ("L_brow_upper", 5),  # 336: the other inner brow, for midline points
    "glabella_top": ("glabella", 0),  # 9
    "nasion": ("nose_bridge", 0),  # 168
    "bridge_upper": ("nose_bridge", 1),  # 6
    "bridge_lower": ("nose_bridge", 2),  # 197
    "eye_outer": ("R_eye_corners", "outer"),  # 33
    **{f"under_eye_{i}": ("R_eye_halo3_lower", i + 1) for i in range(1, 6)},  # 228-232
    "cheek_apex_inner": ("cheek_R", 3),  # 119
    "cheek_apex_outer": ("cheek_R", 4),  # 118
    "nasolabial_top": ("nasolabial_R", 0),  # 129
    "nasolabial_upper": ("nasolabial_R", 1),  # 203
    "nasolabial_mid": ("nasolabial_R", 2),  # 206
    "mouth_corner": ("mouth_corners_outer", "R"),  # 61
    "below_lower_lip": ("chin", 4),  # 18
    "chin_boss": ("chin", 14),  # 199
    "lips_inner_corner": ("lips_upper_inner", 0),  # 78
    **{f"lip_upper_inner_{i}": ("lips_upper_inner", i) for i in (2, 3, 4)},  # 80, 81, 82
    **{f"lip_lower_inner_{i}": ("lips_lower_inner", i) for i in (2, 3, 4)},  # 88, 178, 87
    "lip_upper_inner_mid": ("lips_upper_inner", 5),  # 13
    "lip_lower_inner_mid": ("lips_lower_inner", 5),  # 14
}


@dataclass(frozen=True)
class Crease:
    aus: dict[int, float]  # AU -> share of the crease's full strength at that AU's intensity 1
    path: tuple[Anchor, ...]
    depth: float  # luminance loss at the crease's centre at full strength (0.18 = 18 % darker)
    width: float  # IPD: the dark line's width (its blur is `SHADING_TUNING["soft"]` of it)
    lip: float = 0.45  # the lit lip's brightening, as a share of `depth`
    bulge: tuple[float, float] | None = None  # face-frame side of the lit lip; None: the light's
    mirror: bool = True
    kind: str = "crease"  # "crease": dark line + lit lip; "mound": a lit bump, shadow below
    skin_only: bool = True  # drawn only where the rest portrait shows skin (not hair, eyes)
    stipple: bool = False  # a mound dimpled like orange peel (the chin boss, FACS AU17)
    smooth: int = 1  # segments drawn per path segment, along a Catmull-Rom curve through it


def _a(points, dx=0.0, dy=0.0, taper=1.0) -> Anchor:
    return (tuple(points) if isinstance(points, (tuple, list)) else (points,), dx, dy, taper)


# Forehead: frontalis lifts the brows and folds the forehead skin into horizontal lines (FACS
# AU1: lines in the centre of the forehead; AU2: lines across the lateral forehead). Lines sit
# about 0.11, 0.22 and 0.33 IPD above the brows (by eye on the sample portrait, whose bangs start
# ~0.5 IPD above the brows); each is a medial half (AU1) and a lateral half (AU2) meeting at
# brow_mid_inner.
def _forehead(h: float, flat: float, depth: float, bend: float,
              reach: float) -> tuple[Crease, Crease]:
    """One forehead line `h` IPD above the brows, its ends `flat` lower, `depth` of the full
    depth, its middle `bend` IPD up (+) or down, its lateral half's outer end at `reach` of its
    strength."""
    medial = Crease(aus={1: 1.0, 2: 0.25}, depth=0.48 * depth, width=0.016, lip=0.3,
                    path=(_a(("brow_inner", "brow_inner_L"), 0.0, -h - flat),
                          _a("brow_inner", -0.02, -h - flat * 0.6 - bend),
                          _a("brow_mid_inner", 0.0, -h - flat * 0.2)))
    lateral = Crease(aus={2: 1.0, 1: 0.3}, depth=0.44 * depth, width=0.016, lip=0.3,
                     path=(_a("brow_mid_inner", 0.0, -h - flat * 0.2),
                           _a("brow_mid", 0.0, -h + bend),
                           _a("brow_mid_outer", 0.0, -h + flat * 0.3, 0.7),
                           _a("brow_outer", 0.03, -h + flat, 0.2 * reach)))
    return medial, lateral


# (height, flat, depth, bend, reach) per line, lowest first. Drawn alike, three evenly spaced,
# equally deep parallel lines read as stripes painted across a smooth forehead (by eye on young,
# low-resolution faces); skin folds where it is most compressed, above the brows' middle, and
# less toward the hairline: the upper lines are shallower and shorter, and none runs exactly
# parallel to the next
FOREHEAD_LINES = ((0.11, 0.0, 1.0, 0.006, 1.0), (0.22, 0.03, 0.8, -0.008, 0.8),
                  (0.33, 0.06, 0.55, 0.005, 0.4))

CREASES: dict[str, Crease] = {}
for _k, _line in enumerate(FOREHEAD_LINES):
    _m, _l = _forehead(*_line)
    CREASES[f"forehead_{_k + 1}_medial"], CREASES[f"forehead_{_k + 1}_lateral"] = _m, _l

# AU9's nose folds' lit lips, a share of their depth (Crease.lip's 0.45 elsewhere): at 0.45 the
# lips of six folds 0.021 IPD wide lit the bridge as a glossy band, a strip of tape across the
# nose at thumbnail size on a side-lit grayscale photo and the smiling photo (by eye, 200 px)
_NOSE_LIP = 0.15
# a horizontal line at the nasal root (procerus: AU4 and AU9)
_NASAL_ROOT = (_a("nasion", -0.08, 0.0, 0.3), _a("nasion", 0.0, -0.015),
               _a("nasion", 0.08, 0.0, 0.3))

CREASES.update({
    # Glabella: corrugator pulls the inner brows down and together, raising vertical furrows
    # between them (FACS AU4; procerus/AU9 adds a horizontal one at the nasal root).
    "glabella_vertical": Crease(
        aus={4: 1.0, 9: 0.3}, depth=0.4, width=0.018, lip=0.5,
        path=(_a(("brow_inner", "glabella_top"), 0.015, -0.06, 0.3),
              _a(("brow_inner", "glabella_top"), 0.0, 0.02),
              _a(("brow_inner_low", "nasion"), 0.01, 0.02, 0.6))),
    "glabella_root": Crease(
        aus={4: 0.35}, depth=0.29, width=0.016, mirror=False,
        path=_NASAL_ROOT),
    # AU9's own line there, apart from AU4's (which sad, anger and fear draw as before), 0.46
    # deep and 0.021 wide, 1.6 and 1.5x: at 0.29 and 0.014 (one line for both AUs) the wrinkled
    # nose of disgust, its most telling sign (Ekman & Friesen 1975), was a faint hairline at
    # 512 px on smooth skin, where the skin-contrast gain falls to 0.45-0.6 (by eye on the
    # smiling photo, four of the low-resolution faces and a 3D cartoon)
    "glabella_root_au9": Crease(
        aus={9: 1.0}, depth=0.46, width=0.021, lip=_NOSE_LIP, mirror=False,
        path=_NASAL_ROOT),
    # Crow's feet: orbicularis oculi (pars orbitalis) creases radiating from the outer eye corner
    # (FACS AU6; AU7 only faintly).
    "crows_feet_upper": Crease(
        aus={6: 1.0, 7: 0.25}, depth=0.27, width=0.013,
        path=(_a("eye_outer", -0.09, -0.03, 0.4), _a("eye_outer", -0.16, -0.07),
              _a("eye_outer", -0.23, -0.12, 0.2))),
    "crows_feet_middle": Crease(
        aus={6: 1.0, 7: 0.25}, depth=0.31, width=0.013,
        path=(_a("eye_outer", -0.09, 0.015, 0.4), _a("eye_outer", -0.17, 0.02),
              _a("eye_outer", -0.26, 0.035, 0.2))),
    "crows_feet_lower": Crease(
        aus={6: 1.0, 7: 0.25}, depth=0.27, width=0.013,
        path=(_a("eye_outer", -0.08, 0.06, 0.4), _a("eye_outer", -0.15, 0.12),
              _a("eye_outer", -0.21, 0.19, 0.2))),
    # Lower lid: the infraorbital furrow under the bulging lower lid (AU6 raises the cheek
    # into it; AU7 bunches the lid), its lip lit on the lid side.
    "infraorbital": Crease(
        aus={6: 1.0, 7: 0.6}, depth=0.23, width=0.02, lip=0.35, bulge=(0.0, -1.0),
        path=(_a("under_eye_1", 0.0, 0.02, 0.3), _a("under_eye_2", 0.0, 0.025),
              _a("under_eye_3", 0.0, 0.025),
              _a("under_eye_4", 0.0, 0.02, 0.6), _a("under_eye_5", 0.0, 0.01, 0.2))),
    # Cheek bulge: AU6 lifts the malar fat pad; its top catches the light.
    "cheek_mound": Crease(
        aus={6: 1.0, 12: 0.35}, depth=0.07, width=0.16, kind="mound",
        path=(_a("cheek_apex_outer", 0.03, 0.05), _a("cheek_apex_inner", -0.02, 0.05))),
    # Nose: AU9 wrinkles the skin across the root and the sides of the nasal bridge
    # ("bunny lines", obliquely down and out) and bunches it into horizontal folds across the
    # bridge (FACS AU9; depths and widths as glabella_root_au9's). Two more horizontal folds, one
    # between the nasion and bridge_upper and one at bridge_lower: with the bunny lines alone
    # the bridge read as lined, not scrunched (by eye on four low-resolution faces)
    "nose_bunny_upper": Crease(
        aus={9: 1.0}, depth=0.51, width=0.021, lip=_NOSE_LIP,
        path=(_a("bridge_upper", -0.03, -0.02, 0.4), _a("bridge_upper", -0.09, 0.02),
              _a("bridge_upper", -0.15, 0.08, 0.3))),
    "nose_bunny_lower": Crease(
        aus={9: 1.0}, depth=0.46, width=0.021, lip=_NOSE_LIP,
        path=(_a("bridge_lower", -0.03, -0.04, 0.4), _a("bridge_lower", -0.09, 0.0),
              _a("bridge_lower", -0.15, 0.05, 0.3))),
    "nose_bridge": Crease(
        aus={9: 1.0}, depth=0.4, width=0.021, lip=_NOSE_LIP, mirror=False,
        path=(_a("bridge_upper", -0.07, 0.02, 0.3), _a("bridge_upper", 0.0, 0.0),
              _a("bridge_upper", 0.07, 0.02, 0.3))),
    "nose_root_fold": Crease(
        aus={9: 1.0}, depth=0.35, width=0.021, lip=_NOSE_LIP, mirror=False,
        path=(_a(("nasion", "bridge_upper"), -0.07, 0.0, 0.3),
              _a(("nasion", "bridge_upper"), 0.0, -0.01),
              _a(("nasion", "bridge_upper"), 0.07, 0.0, 0.3))),
    "nose_bridge_low": Crease(
        aus={9: 1.0}, depth=0.35, width=0.021, lip=_NOSE_LIP, mirror=False,
        path=(_a("bridge_lower", -0.06, -0.01, 0.3), _a("bridge_lower", 0.0, -0.02),
              _a("bridge_lower", 0.06, -0.01, 0.3))),
    # Nasolabial fold (drawn along a curve: straight between its anchors it bent at the mouth
    # corner's like a drawn ">" on smooth skin, by eye on a freckled photo's smile and
    # disgust): from the nose wing past the mouth corner, deepened as AU10/AU11/AU12
    # (and the cheek lift of AU6/AU9) push the cheek against the lip; its lower half hangs on
    # the corner, so a smile bends it up and out. The cheek side overhangs and is lit, faintly:
    # at 0.55 of the depth its lit lip drew a white streak down the cheek, a scar more than a
    # fold (disgust on seven of LivePortrait's example portraits and the low-resolution faces,
    # by eye; 0.25 still did on a grayscale photo and a painting)
    "nasolabial": Crease(
        aus={12: 0.9, 10: 0.8, 11: 1.0, 9: 0.5, 6: 0.3}, depth=0.28, width=0.034, lip=0.1,
        bulge=(-1.0, -0.3), smooth=3,
        path=(_a("nasolabial_top", -0.03, -0.02, 0.35), _a("nasolabial_upper", -0.04, 0.0, 0.9),
              _a("nasolabial_mid", -0.04, 0.01),
              _a("mouth_corner", -0.12, -0.06, 0.9), _a("mouth_corner", -0.13, 0.05, 0.5),
              _a("mouth_corner", -0.11, 0.16, 0.15))),
    # Chin: AU17 pushes the chin boss up (a lit mound wrinkled like orange peel) and deepens the
    # mentolabial sulcus under the lower lip.
    "mentolabial": Crease(
        aus={17: 1.0}, depth=0.32, width=0.02, lip=0.6, bulge=(0.0, 1.0),
        path=(_a("below_lower_lip", -0.17, -0.03, 0.2), _a("below_lower_lip", -0.08, 0.02),
              _a("below_lower_lip", 0.0, 0.035))),
    "chin_boss": Crease(
        aus={17: 1.0}, depth=0.16, width=0.14, kind="mound", mirror=False, stipple=True,
        path=(_a("chin_boss", -0.05, 0.03), _a("chin_boss", 0.05, 0.03))),
    # Lips: AU24 presses and AU23 tightens them: a darker, straighter lip line.
    "lip_line": Crease(
        aus={24: 1.0, 23: 0.7}, depth=0.28, width=0.018, lip=0.3, bulge=(0.0, 1.0),
        skin_only=False,
        path=(_a("lips_inner_corner", 0.02, 0.0, 0.4),
              _a(("lip_upper_inner_2", "lip_lower_inner_2")),
              _a(("lip_upper_inner_3", "lip_lower_inner_3")),
              _a(("lip_upper_inner_4", "lip_lower_inner_4")),
              _a(("lip_upper_inner_mid", "lip_lower_inner_mid")))),
})

SHADING_TUNING: dict[str, float] = {
    "map_ipd": 56.0,  # map pixels per IPD: creases ~1 map px wide; cost independent of size
    "soft": 0.9,  # blur sigma / crease width (by eye: a fold, not a pen line)
    "lip_offset": 1.3,  # the lit lip sits this many crease widths beside the crease
    "lip_width": 1.8,  # ... and is this much wider than it
    "mound_shadow": 0.6,  # a mound's shadow (away from the light) / its highlight
    "mound_lift": 0.2,  # the highlight sits this share of the radius toward the light
    "stipple": 0.35,  # chin boss dimples' depth / the mound's
    "stipple_dots": 22,  # dimples on the chin boss (orange-peel texture, FACS AU17)
    "min_strength": 0.02,  # a crease weaker than this is not drawn
    # skin contrast scaling: local mean |high-pass| / this reference (measured at 512 px: the
    # sample photo's skin 1.6, grace_hopper.jpg 3.5, a cv2.stylization painting 1.9), clipped
    # to [floor, ceiling]: a smooth painting gets gentle strokes, a detailed photo photo-like
    # ones (by eye)
    "contrast_ref": 2.0,
    # the floor was 0.6: on smooth, low-resolution photos (skin detail 0.2-0.8, a face ~110 px
    # wide scaled up) a surprise drew three hard stripes across the forehead (by eye)
    "contrast_floor": 0.45,
    "contrast_ceiling": 1.3,
    "detail_sigma": 0.012,  # IPD: high-pass scale of the skin-detail measure (~1 px at 512)
    "contrast_sigma": 0.2,  # IPD: neighbourhood of the local contrast
    # smooth (painted) portraits also get wider, softer creases: width * (1 + this * (1 - c))
    "smooth_widen": 0.8,
    # skin mask: chroma / luminance distance from the cheeks' median skin, in robust spreads
    "skin_chroma_tol": 3.0,
    "skin_luma_tol": 3.5,
    # light: overhead, turned sideways by the cheeks' relative luminance gradient per IPD
    # times this (a 30 %/IPD side-lit face gives about 45 degrees; by eye)
    "light_side_gain": 3.3,
    "roi_margin": 0.12,  # IPD around the drawn creases
    # a fold's shadow on skin takes the tint of the portrait's own shadows on skin: each
    # channel changes by (1 + w) x the luminance's change, w = the skin's c/Y x (1 + the slope
    # of log(c/Y) against log Y over the skin) - 1 (ShadingRenderer._shadow_tint), the slope
    # measured between the medians of its darker and lighter halves (these luminance
    # quantiles); a slope of 0 keeps the hue. Darkened alike, a washed-out forehead's
    # lines came out grey-blue on warm skin (by eye on low-resolution photos with blown
    # highlights); the skin's median hue in its place (blue 1.3x) drew orange arcs on a
    # colour-graded photo whose shadows keep their blue
    "tint_quantiles": (0.15, 0.5, 0.85),
    # ... each channel's lean at most this: on a strongly warm skin (R/Y 1.38, B/Y 0.59: a
    # pale, freckled redhead lit warm) the blue darkened 2.6x the red and a smile's nasolabial
    # folds were drawn as orange marker lines (by eye)
    "warmth_max": 0.3,
    # a shadow on a clipped highlight (a channel past clip_from of 255: blown skin on a flash
    # photo, a painting's near-white light) moves toward the skin's own colour at its new
    # luminance, fully once it is clip_hue_depth deep (a share of the luminance) on a pixel at
    # 255 (ShadingRenderer._clipped_hue): kept at its own washed-out hue, a smile's nasolabial
    # fold on LivePortrait's s3 (cheek at R 255) went from (255, 230, 206) to (223, 206, 192),
    # a blue-grey stroke beside the painting's warm brown shadows (by eye)
    "clip_from": 235.0,
    "clip_hue_depth": 0.15,
}
