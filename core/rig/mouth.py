"""The mouth interior: warping can't invent what is behind the lips, so where the inner-lip
polygon opens we paint a cavity, the upper teeth, a hint of tongue and the lower teeth; feathered
at the lip edge (DESIGN.md, "Mouth interior").

Everything is laid out in the mouth's own frame (u along the inner lip corners, v toward the
chin), so a tilted or rotated face gets its interior exactly between its lips. The teeth ride
on the bones, not the lips: the upper row with the skull (the head's own motion where the teeth
are), the lower row with the jaw (the chin's motion on top of it). So a raised upper
lip (AU10) bares the upper teeth with the jaw closed, and a portrait that shows its teeth at rest
opens between its rows. Colours come from the portrait itself (DESIGN.md, "Colours come from
the portrait"): the teeth from its own visible teeth or, failing that, its eye whites; cavity and
tongue are its lip colour darkened. No fixed RGB, so a grayscale portrait gets a grayscale mouth
and a painting one in its own palette.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import cv2
import numpy as np

from core import lab_tables
from core.face.frame import FaceFrame
from core.face.regions import region
from core.face.umeyama import similarity_matrix
from core.rig.au_points import catmull_rom, curve_at, mouth_frame
from core.rig.blend import LUMA, paint, spread, tint
from core.rig.drawn_mouth import drawn_extent, lateral_fade
from core.rig.eyeball import visible_blur
from core.rig.roi import poly_box, polygon_mask
from core.rig.tuning import FACE_BLUR
from core.rig.ufuncs import clip, smoothstep

# Sizes in IPD; shades are shares of the sampled colour. By eye on the sample portrait, its
# grayscale and painted copies and grace_hopper.jpg unless a source is given.
MOUTH_TUNING = {
    "soft_pad": 0.15,  # IPD round the lips where the portrait's own blur is measured
    "feather": 0.018,  # lip-edge softness (0.012 read as a cut-out on the open-mouth sheets)
    "feather_of_gap": 0.25,  # ... at most this share of the mean gap
    # the upper incisal edge sits this far below the rest upper inner lip, hidden behind the
    # lower lip when the lips are closed (rest incisal display 1-3 mm, IPD ~63 mm: Vig & Brundo
    # 1978, "The kinetics of anterior tooth display")
    "incisal_below_lip": 0.055,
    "overbite": 0.03,  # the lower incisal edge sits this far above the upper one (~2 mm)
    "crown_height": 0.19,  # upper central incisor crown, ~10.5 mm, nearer the camera than the
    # eyes (by eye: a lip raised past it shows gum)
    "lower_crown_height": 0.14,
    # tooth boundaries from the dental midline, IPD (upper central incisor 8.5 mm, lateral 6.5,
    # canine 7.5; lower 5.4, 5.9, 7: Wheeler's Dental Anatomy)
    "tooth_edges": (0.135, 0.24, 0.355),
    "lower_tooth_edges": (0.085, 0.18, 0.29),
    "tooth_gap_shade": 0.12,  # darkening along a boundary between two upper teeth (0.25 drew
    # a grid of dark bars on made-up teeth)
    "lower_gap_shade": 0.06,  # ... two lower teeth (narrower, deeper in shadow)
    "tongue_from_gap": 0.10,
    "tongue_height": 0.14,
    "tongue_width_share": 0.8,  # of the mouth width (0.55 read as a pink disc in surprise)
    # the cavity darkens by this much toward the corners (the cheeks' inner walls in shadow;
    # lightening it 1.35x there read as a grey plate, by eye on open mouths)
    "corner_dark": 0.35,
    "tongue_soft": 2.0,  # 1 / the share of the ellipse's outer band over which its edge fades
    "corner_shade": 0.35,  # teeth darken toward the corners by this much (buccal corridor; 0.7
    # and 0.5 greyed a smile's narrow band of made-up teeth: on the grayscale photo its teeth
    # came out as grey as the skin, by eye)
    # ... and end at this share of the way to each corner, fading out (0.85 left black wedges
    # at the corners of made-up teeth that read as fangs on four paintings, by eye)
    "teeth_reach": 0.95,
    "under_lip_shadow": 0.1,  # the top of the teeth sits in the upper lip's shadow (0.35 and
    # 0.2: in a smile's narrow opening every row of teeth was in shadow, grey)
    "shadow_depth": 0.03,  # IPD: ... this far down
    "lower_teeth_shade": 0.88,  # the lower row, deeper in the mouth
    # a rest opening smaller than this (IPD^2) is thin: lips parted on the tips of the teeth
    # (0.03-0.05 on two photos of LivePortrait's examples; the smiling sample portrait's opening
    # is 0.12), its made-up interior replaces it once the lips move (MouthRenderer.thin_rest)
    "upper_row_area": 0.08,
    "teeth_level": 1.0,  # teeth / the portrait's teeth or eye-white colour (0.92 with the
    # shades above left made-up teeth darker than the skin: 65 against 70 L on grace_hopper.jpg)
    "cavity_level": 0.3,  # cavity / the lip colour: lit soft tissue in shadow, not black (0.22
    # read as a black blob under the teeth on the sample portrait's fear and surprise)
    "tongue_level": 0.72,  # tongue / the lip colour
    # ... on a grayscale portrait (lips' Lab chroma under gray_lips_chroma), where only lightness
    # tells the tongue from the cavity: at 0.72 an open mouth read as a flat grey plate (by eye)
    "tongue_level_gray": 0.5,
    "gray_lips_chroma": 4.0,
    "gum_level": 0.8,  # gum above the crowns / the lip colour
    # made-up teeth: the gum comes down between two crowns (the interdental papilla) over this
    # share of the crown's height, rounded over `papilla_width` IPD each side of the boundary.
    # A straight gum line read as a strip of plastic over a lip raised in disgust at intensity
    # 1.5; the anatomical third (~3.5 mm of a ~10.5 mm central crown: Wheeler's Dental Anatomy)
    # with pointed tips read as a saw's teeth at 512 px (by eye), 0.22 with round ones as teeth
    "papilla_height": 0.22,
    # the incisal embrasures: a crown's edge rounds up (the lower row's down) by this much at a
    # boundary, over this far each side (IPD; ~0.5-1 mm, Wheeler's Dental Anatomy)
    "embrasure_depth": 0.012,
    "embrasure_width": 0.03,
    "papilla_width": 0.06,
    "gum_edge": 14.0,  # 1 / the gum line's softness, in crown heights (~0.07 of the crown)
    "neck_shade": 0.12,  # the crown darkens by this much over its last fifth by the gum
    # Made-up teeth (no teeth at rest): the skin's hue in CIE Lab at this share of its chroma,
    # at most pale_max_chroma (0.25 looked bluish grey next to the warm skin of grace_hopper.jpg;
    # real teeth in photos are near white: the sample portrait's, chroma ~7) ...
    "pale_chroma": 0.5,
    "pale_max_chroma": 14.0,
    # ... and at least this much lighter than the skin (L*), at most pale_max_l: an RGB-mean
    # 1.5x read as a grey band next to warm skin, and the painted portrait's teeth, L* 62
    # beside skin at 43, as a blue-grey mouthguard (by eye on the contact sheets); scaling RGB
    # further clipped red and turned grace_hopper.jpg's teeth yellow-green ([224, 220, 190])
    "pale_lift_l": 28.0,
    "pale_max_l": 96.0,
    "rest_open_area": 0.02,  # IPD^2: a rest mouth more open than this shows real teeth
    "closed_gap": 0.008,  # below this mean gap the mouth counts as closed
    # toward the corners of a mouth barely open, where the lips stand less than seal_gap[1]
    # apart (IPD) they meet: the interior fades out by seal_gap[0], from seal_from of the way
    # to each corner, in full on a mean gap under seal_below[0], not at all past seal_below[1]
    # (a sad mouth parting to speak opened as a thin arch down to its lowered corners, the teeth
    # painted along it and black dots at its ends, by eye on LivePortrait's paintings; sealed on
    # wide openings too, fear's stretched mouth lost its tapering ends and read as fear less
    # often: the second CNN on the 36 faces looked at, fear 9 of 36 stills against 12)
    "seal_gap": (0.012, 0.03),
    "seal_from": 0.5,
    "seal_below": (0.06, 0.1),
    "still_px": 0.25,  # px: inner lips within this of rest: the warped real mouth is already right
    # a thin rest opening's made-up interior fades in over this much more lip motion (IPD): no
    # pop from the real teeth's tips to made-up ones when a still face starts to move
    "thin_fade": 0.03,
    # a portrait open at rest: its lower row counts as teeth where a band past the bite's dark
    # one is this share of the upper row's level and nearer the teeth's colour than the lips'
    # (lip rims reach 0.58-0.69 on deepface's img1, img24, img25 and img28; the pencil
    # drawing's hatching past its gap 1.0, but nearer its lips' grey); without a lower row the
    # part under the bite fades out as the jaw drops this far (IPD)
    "lower_row_level": 0.8,
    "rest_lower_fade": 0.05,
    # ... unless that part is at least this share of the opening's height: then it is the open
    # mouth's inside, a tongue, and rides the jaw whole (a wide-open mouth of DECA's examples,
    # bite 0.22: faded, its tongue gave way to a row of made-up teeth)
    "rest_interior": 0.5,
    # where that part fades, the made-up lower row drawn in its place shows as the jaw drops
    # `rest_lower_fade` or the lower lip comes down off it from the first to the second of these
    # (IPD; all of it past the second). Happy on a toothy smile lowers the lip 0.01-0.08 IPD
    # with the jaw still (the sample portrait, deepface's img1, img22, img24, img28): a made-up
    # row a sliver tall showed as a grey band round the real teeth, a mouthguard, where a dark
    # crescent reads as a laugh (by eye). Anger's lip comes 0.03-0.16 down, mostly past 0.07,
    # and its crowns stand tall enough to read as clenched teeth: of 95 faces' anger, a FER2013
    # CNN read 56 angry (56 with the row always drawn; 53 with none until the jaw drops), the
    # second CNN 34 (37; 32)
    "lower_row_lip_drop": (0.03, 0.08),
    # made-up crowns beside a portrait's real ones end at the first of these shares of the rest
    # mouth's half-width (corner to corner, inner lips), fading out over 1 / the second: the
    # real row darkens toward its rest corners (the buccal corridor), and made-up crowns out
    # to 0.95 of it showed as white fangs at a raised smile's corners on blurred laughs (by
    # eye on six of GFPGAN's and CodeFormer's inputs; 0.8 keeps the sharp photos' lateral
    # teeth: deepface's img22, img24, img25, img28)
    "made_up_reach_on_real": (0.8, 4.0),
    # a mouth open at rest, closing (pressed lips, sad): below this mean gap the sliver left
    # between the lips is painted as the line where lips meet, not as a band of teeth (by eye on
    # the smiling sample portrait: the fold guard leaves pressed lips ~0.02 IPD apart near the
    # corners)
    "sealed_gap": 0.035,
    # lips closed over a mouth open at rest: the sliver left between them takes the lips' own
    # colours beside it (_lip_fill: a normalised blur of the lips outside the sliver, reaching
    # `fill_reach` IPD; only lip colour where at least `fill_support` of the blur is lip, else
    # the lip colour at `lip_fill_level`), and the line where they meet is drawn this wide and
    # strong, at `lip_line_level` of the lip colour. A flat fill at 0.85 showed as a grey-mauve
    # band 3-4 px wide between the pink lips of the smiling sample portrait set to sad or angry
    # (by eye, zoomed). With the lips' colours and the old line (0.6, alpha 0.45) the pressed
    # mouth read as full relaxed lips (by eye at contact-sheet size; a FER2013 CNN's p(happy)
    # on its anger 0.38 -> 0.58); a darker, firmer line (0.45, 0.7) reads pressed (0.38)
    "lip_fill_level": 0.85,
    "fill_reach": 0.03,
    "fill_support": 0.3,
    "lip_line_level": 0.45,
    "seam_width": 0.012,
    "seam_alpha": 0.7,
    "seam_soft_alpha": 0.45,  # the seam's darkest on a blurred portrait (visible_blur), by eye
    # samples per segment of the inner lips' smooth outline (au_points.catmull_rom): 4 at 512 px
    # puts a vertex every ~3 px along a 0.9 IPD mouth; straight segments showed kinks by eye
    "outline_steps": 4,
    # the open mouth's outline smoothed along its length (round_corners) by this share of the
    # mean gap (px): the inner lips' two curves met at the corners in cusps, and a dropped
    # jaw's hole read as a hexagon or a trapezoid with pointed ends (by eye, surprise) ...
    "corner_round": 0.3,
    # ... fully once the gap stands this share of the width (surprise 0.49-0.65, "sadly
    # surprised" 0.45-0.59, "happily surprised" 0.36-0.47 on four portraits), not below the
    # first: fear's stretched slot (0.22-0.31) keeps its pointed corners (rounded, the two
    # FER2013 CNNs read fear on 9 and 14 of 50 faces' stills against 7 and 17, "sadly
    # fearful" 9 and 5 against 14 and 7; surprise 37 and 32 against 34 and 31)
    "corner_round_aspect": (0.3, 0.45),
    # a smile taken away (rest AU12 x share removed) at this value darkens its real teeth beyond
    # the canines fully (mouth.py _corridor) ...
    "corridor_full_at": 0.5,
    # ... fading from the canine's middle to past its distal edge, IPD from the dental midline
    # (canine distal edge 0.355: tooth_edges above)
    "corridor_from": (0.18, 0.32),
    # The made-up interior takes the portrait's own grain: the fine luminance detail of a cheek
    # patch this wide (IPD), high-passed at `grain_sigma` (IPD: shading_table's detail_sigma) and
    # clipped to `grain_clip` times its median size so an edge in the patch (a fold, a mole)
    # doesn't print into the mouth. Pores and noise on a photo, hatching on a pencil drawing,
    # brush marks on a painting (by eye: the drawing's smooth grey cavity read as a photo pasted
    # into a sketch). Sampled in the mouth's frame, so it moves with the mouth
    "grain_patch": 0.6,
    "grain_sigma": 0.012,
    "grain_clip": 3.0,
    "grain_dark": 0.35,  # ... at this share where the interior is black, full at skin's lightness
}

JAW = [152, 175, 199, 200]  # chin: moves with the jaw
# the bones' points under a head turn: the inner lips at rest (the dental arch lies just behind
# them), then the chin (MouthRenderer.composite's head_px)
BONE_POINTS = np.concatenate([region("lips_upper_inner"), region("lips_lower_inner"), JAW])
MIDLINE = 13  # upper inner lip centre: the dental midline at rest
_JAW = np.array(JAW)  # as an index array: numpy converts a list on every indexing
_DILATE = np.ones((5, 5), np.uint8)  # MouthRenderer._closed_lips


def _curve(uv: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Height (float32) of the polyline through `uv` at `u` (au_points.curve_at), `u` best
    float64 (what interp works in: `_Grid.u64`, converted once a frame, not once a curve)."""
    return curve_at(uv, u).astype(np.float32)


class _Grid(NamedTuple):
    """The mouth interior box's pixels in the mouth frame (MouthRenderer._grid)."""

    c: np.ndarray  # the frame's centre, px
    axes: np.ndarray  # (2, 2): u along the corners, v toward the chin
    u: np.ndarray
    v: np.ndarray
    um: np.ndarray  # u from the dental midline
    half: float  # the mouth's half-width, px
    lateral: np.ndarray  # |um| / the midline's distance to that side's corner, at most 1
    shade: np.ndarray  # the cavity's shade across the mouth (MouthRenderer._cavity_shade)
    u64: np.ndarray  # u as float64, what np.interp takes (_curve)

    def height(self, pts: np.ndarray) -> np.ndarray:
        """Height (v, px, float32) at each pixel's u of the polyline through image points
        `pts` (_curve in this frame)."""
        return _curve(((pts - self.c) @ self.axes.T).astype(np.float32, copy=False), self.u64)


_ZERO, _ONE = np.zeros((), np.float32), np.ones((), np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    """`x` clipped to [0, 1], the bounds as 0-d float32 arrays: numpy takes them as it takes
    the numbers 0 and 1 (value-based casting: the same float32 bounds, the same result), and a
    call on the mouth's small planes runs ~2-5 us faster without converting Python numbers."""
    return clip(x, _ZERO, _ONE)


@functools.lru_cache(maxsize=256)
def _k(x: float) -> np.ndarray:
    """`x` as a read-only 0-d float32 array, kept: numpy casts a Python number to a float32
    operand's type (value-based casting: the same float32 value, the same result), but converts
    it anew on every call, ~1 us each on the mouth's small planes and ~40 a frame. For the
    constants of the per-frame arithmetic (tuning values, times the IPD where they are px)."""
    out = np.array(x, np.float32)
    out.flags.writeable = False
    return out


def _apply(m: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ m[:, :2].T + m[:, 2]


def _robust_colour(pixels: np.ndarray, lo: float, hi: float) -> np.ndarray | None:
    """Mean RGB of the pixels whose Lab lightness lies between its lo and hi percentiles."""
    if len(pixels) < 3:
        return None
    lab_l = lab_tables.cvt(pixels.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2LAB)[:, 0, 0]
    a, b = np.percentile(lab_l, [lo, hi])
    keep = (lab_l >= a) & (lab_l <= b)
    return pixels[keep].astype(np.float32).mean(0) if keep.any() else None


def _pixels_in(image: np.ndarray, poly: np.ndarray, minus: np.ndarray | None = None) -> np.ndarray:
    """RGB pixels inside polygon `poly` (and outside `minus`)."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1)
    if minus is not None:
        cv2.fillPoly(mask, [np.round(minus).astype(np.int32)], 0)
    return image[mask > 0][:, :3]


def _lab(rgb: np.ndarray) -> np.ndarray:
    return lab_tables.cvt(clip(rgb, 0, 255).astype(np.float32).reshape(1, 1, 3) / 255,
                          cv2.COLOR_RGB2LAB)[0, 0]


def _chroma(rgb: np.ndarray) -> float:
    lab = _lab(rgb)
    return float(np.hypot(lab[1], lab[2]))


def _eye_whites(image: np.ndarray, xy: np.ndarray) -> np.ndarray | None:
    """The eye whites: of the brightest 40 % of the eye openings' pixels, the less coloured
    half (iris, lashes and lid skin are darker or more coloured)."""
    pixels = []
    for s in "RL":
        lid = np.concatenate([region(f"{s}_eye_upper_lid"), region(f"{s}_eye_lower_lid")[::-1]])
        pixels.append(_pixels_in(image, xy[lid]))
    px = np.concatenate(pixels).astype(np.float32)
    if len(px) < 6:
        return None
    lab = lab_tables.cvt(px.reshape(-1, 1, 3) / 255, cv2.COLOR_RGB2LAB)[:, 0]
    bright = px[lab[:, 0] >= np.percentile(lab[:, 0], 60)]
    chroma = np.hypot(*lab[lab[:, 0] >= np.percentile(lab[:, 0], 60)][:, 1:].T)
    return bright[chroma <= np.median(chroma)].mean(0)


def _pale(skin: np.ndarray, light: float | None = None) -> np.ndarray:
    """Made-up teeth: the skin's hue at a share of its chroma (capped), clearly lighter than
    the skin, or `light` (L*, e.g. the eye whites') where that is lighter still. In Lab, so no
    channel clips and the hue stays the skin's."""
    t = MOUTH_TUNING
    lab = _lab(skin)
    c = float(np.hypot(lab[1], lab[2]))
    k = min(t["pale_chroma"] * c, t["pale_max_chroma"]) / c if c > 1e-3 else 0.0
    lightness = min(max(float(lab[0]) + t["pale_lift_l"], light or 0.0), t["pale_max_l"])
    out = np.array([lightness, lab[1] * k, lab[2] * k], np.float32).reshape(1, 1, 3)
    rgb = lab_tables.cvt(out, cv2.COLOR_LAB2RGB)[0, 0] * 255
    if float(np.ptp(skin)) < 0.5:  # a grayscale portrait gets exactly grey teeth
        rgb[:] = rgb.mean()
    return clip(rgb, 0, 255).astype(np.float32)


def portrait_palette(image: np.ndarray, xy: np.ndarray, teeth_visible: bool) -> dict:
    """Lip, skin and teeth colours (RGB float) sampled from the portrait (robust percentiles of
    Lab lightness): the lips between the outer and inner lip contours, the teeth from the rest
    mouth opening's bright pixels, else from the eye whites, else pale skin."""
    outer = np.concatenate([region("lips_upper_outer"), region("lips_lower_outer")[::-1][1:-1]])
    inner = np.concatenate([region("lips_upper_inner"), region("lips_lower_inner")[::-1][1:-1]])
    lips = _robust_colour(_pixels_in(image, xy[outer], xy[inner]), 30, 70)
    skin_idx = np.concatenate([region("cheek_R"), region("cheek_L")])
    p = clip(np.round(xy[skin_idx]).astype(int), 0, [image.shape[1] - 1, image.shape[0] - 1])
    skin = _robust_colour(image[p[:, 1], p[:, 0], :3], 25, 75)
    teeth = None
    if teeth_visible:
        teeth = _robust_colour(_pixels_in(image, xy[inner]), 70, 95)
    from_eyes = teeth is None  # not the portrait's own teeth: made up below
    if from_eyes:
        teeth = _eye_whites(image, xy)
    if skin is None:
        skin = np.full(3, 160.0, np.float32)
    if lips is None:
        lips = skin * 0.85
    if teeth is None or _chroma(teeth) > 0.6 * _chroma(skin):
        teeth = _pale(skin)  # no clean eye white (glasses, shadow, a painting): pale skin
    elif from_eyes:
        # the eye whites' lightness (where lighter than the skin's lift) in the skin's own hue:
        # whites seen through glasses or in shade came out bluish grey on grace_hopper.jpg, and
        # as grey teeth that read as a gap, not a smile
        teeth = _pale(skin, float(_lab(teeth)[0]))
    return {"lips": lips, "skin": skin, "teeth": clip(teeth, 0, 255)}


def portrait_grain(image: np.ndarray, xy: np.ndarray, ipd: float) -> np.ndarray | None:
    """(n, n) float32: the fine luminance detail (signed) of the fuller cheek's skin, or None
    when neither cheek's patch lies inside the picture (MOUTH_TUNING "grain_*")."""
    t = MOUTH_TUNING
    half = max(int(round(t["grain_patch"] * ipd / 2)), 3)
    h, w = image.shape[:2]
    best = None
    for s in "RL":
        pts = xy[region(f"cheek_{s}"), :2]
        cx, cy = np.round(pts.mean(0)).astype(int)
        if cx - half < 0 or cy - half < 0 or cx + half > w or cy + half > h:
            continue
        width = float(np.ptp(pts[:, 0]))  # a turned face's far cheek is the narrower
        if best is None or width > best[0]:
            best = (width, cx, cy)
    if best is None:
        return None
    _, cx, cy = best
    y = cv2.cvtColor(np.ascontiguousarray(image[cy - half:cy + half, cx - half:cx + half, :3]),
                     cv2.COLOR_RGB2GRAY).astype(np.float32)
    hp = y - cv2.GaussianBlur(y, (0, 0), max(t["grain_sigma"] * ipd, 0.5),
                              borderType=cv2.BORDER_REFLECT_101)
    lim = t["grain_clip"] * max(float(np.median(np.abs(hp))), 0.5)
    return clip(hp, -lim, lim).astype(np.float32)


_MEASURE = object()  # MouthRenderer's `drawn` default: measure the drawn mouth on `image`


class MouthRenderer:
    def __init__(self, image: np.ndarray, rest_xy: np.ndarray, frame: FaceFrame,
                 drawn=_MEASURE, blur: float = 0.0):
        """`drawn`: the drawn mouth's reach (core/rig/drawn_mouth.py drawn_extent, a share of
        the way to each corner, so the same at any size), measured once on the full portrait by
        PreparedPortrait; by default measured on `image`. `blur`: the whole face's blur (px,
        core/rig/face_blur.py), which the made-up interior takes on."""
        self.ipd = frame.ipd
        self.upper = region("lips_upper_inner")
        self.lower = region("lips_lower_inner")
        self.poly = np.concatenate([self.upper, self.lower[::-1][1:-1]])
        self.outer = np.concatenate([region("lips_upper_outer"),
                                     region("lips_lower_outer")[::-1][1:-1]])
        self._smooth = catmull_rom(len(self.upper), MOUTH_TUNING["outline_steps"])
        self.rest = rest_xy[:, :2].astype(np.float32).copy()
        self.rest_lips = self.rest[self.poly].copy()
        self.rest_area = self._area(self.rest)
        t = MOUTH_TUNING
        # a thin rest opening (lips parted on the tips of the teeth) shows too little to tell
        # what is below them (MOUTH_TUNING "upper_row_area")
        self.thin_rest = self.rest_area < t["upper_row_area"] * self.ipd ** 2
        open_at_rest = self.rest_area >= t["rest_open_area"] * self.ipd ** 2
        pal = portrait_palette(image, self.rest, open_at_rest)
        if self.thin_rest and open_at_rest and _lab(pal["teeth"])[0] < _lab(pal["skin"])[0]:
            # a thin opening that is all shadow (a painting's dark slit of a smile) gave "teeth"
            # darker than the skin (L* 16 against 48), and the made-up interior, which takes
            # over from a thin opening, bared a dark slot for a sneer or a laugh (by eye): its
            # teeth are made up as a closed mouth's are. (A wider opening keeps its sample: its
            # real interior is laid in, and made-up teeth beside it must match it)
            pal = portrait_palette(image, self.rest, False)
        self.teeth = pal["teeth"] * t["teeth_level"]
        gray = _chroma(pal["lips"]) < t["gray_lips_chroma"]
        self.tongue = pal["lips"] * t["tongue_level_gray" if gray else "tongue_level"]
        self.cavity = pal["lips"] * t["cavity_level"]
        self.gum = pal["lips"] * t["gum_level"]
        self.lip_line = (pal["lips"] * t["lip_line_level"]).astype(np.float32)
        self.lip_fill = (pal["lips"] * t["lip_fill_level"]).astype(np.float32)
        self._colours = np.stack([self.cavity, self.tongue, self.teeth, self.gum]).astype(
            np.float32)
        self._gap_table = self._gap_tables()
        self.lower_row = False  # a lower row of teeth shows at rest (_rest_interior)
        self.lower_kept = False  # the rest's part under the bite rides the jaw whole
        self.bite = None  # rest bite line: v (mouth frame at rest) of the upper incisal edge
        self.open_at_rest = open_at_rest
        self.rest_patch = self._rest_interior(image, pal) if open_at_rest else None
        if self.thin_rest:
            # a thin opening's real teeth are only their tips: laid into a bigger opening they
            # left seams against the made-up rest (fangs at a smile's corners, a band of lip
            # across it, by eye on four of LivePortrait's examples and a low-resolution photo),
            # so the made-up interior takes over, fading in as the lips leave their rest
            # (MOUTH_TUNING "thin_fade"); the rest's bite line still places its edge
            self.rest_patch = None
        self.grain = portrait_grain(image, self.rest, self.ipd)
        # a drawn mouth smaller than Face Mesh's (anime, cartoons): the made-up interior stays
        # inside what is drawn (core/rig/drawn_mouth.py; None: every photo and painting).
        # Measured on the full portrait, so the preview's size and the export's agree (measured
        # at each output size, an anime face at the limit's edge was limited at 512 and 1024 px
        # and not at 768)
        self.drawn = drawn_extent(image, self.rest) if drawn is _MEASURE else drawn
        # the blur the portrait already shows around the mouth (px; 0: sharp): the made-up
        # interior takes it too, or a soft painting or a low-quality photo opened a sharp black
        # hole with crisp teeth in a blurred face (by eye on CodeFormer's degraded face crops
        # and LivePortrait's soft paintings: the teeth read pasted in, posed)
        box = poly_box(self.rest[self.outer], image.shape,
                       pad=int(round(t["soft_pad"] * self.ipd)))
        self.soft = 0.0 if box is None else visible_blur(image[box[1]:box[3], box[0]:box[2]])
        # the face's own blur (its share FACE_BLUR["mouth"]), where it is more: the made-up
        # parts take it (a patch round the lips saturates, and a degraded photo's cavity stayed
        # a crisp black hole, by eye); the real teeth, repainted from the blurred portrait, take
        # only `soft` (blurred twice they smeared)
        self.made_up_soft = max(self.soft, FACE_BLUR["mouth"] * blur)
        self._box_pad = 2 + int(np.ceil(2.5 * self.made_up_soft))  # room for the blur's spread
        # the interior's lightness relative to the skin's, for the grain's strength
        self._lightness = LUMA / np.float32(max(float(pal["skin"] @ LUMA), 1.0))
        self._prepare_frame_constants()

    def _prepare_frame_constants(self) -> None:
        """What every frame's interior takes from the rest alone, worked out once: the rest
        points the bones and the incisal edges start from, the tooth tables stacked for one
        gather per frame (`_interior`), the colours as float32."""
        t = MOUTH_TUNING
        self._gap_pts = np.concatenate([self.upper[1:-1], self.lower[1:-1]])  # opening()
        self._bone_rest = self.rest[BONE_POINTS]
        self._rest_up = self.rest[self.upper]
        # the upper incisal edge at rest on the rest bite line (none: `_interior` sets it below
        # the upper lip along the frame's own v)
        self._rest_edge = None if self.bite is None else \
            self._rest_up + (self.rest[self.lower] - self._rest_up) * self.bite
        u_tab, upper_gaps, lower_gaps, papillae, notch_up, notch_lo = self._gap_table
        self._u_first = np.array(u_tab[0])  # 0-d: faster in arithmetic than a scalar
        # the lower notch in lower crown heights (as `_interior` divides it, table-wise)
        notch_lo = notch_lo / np.float32(t["lower_crown_height"] * self.ipd)
        rows = [upper_gaps, lower_gaps, notch_up, notch_lo]
        self._tables = np.stack(rows if self.bite is not None else rows + [papillae])
        self._cavity32 = self.cavity.astype(np.float32)

    # ----- geometry
    _mouth_frame = staticmethod(mouth_frame)  # (centre, axes): core/rig/au_points.py

    def _bones(self, xy: np.ndarray, chin_px: np.ndarray | None = None,
               head_px: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(skull similarity 2x3 rest -> now, jaw translation px on top of it): the chin's
        move less what the chin raiser (AU17, `chin_px`) did to its soft tissue: the jaw stays.
        Taken as the jaw, a smile that took a painting's rest AU17 away dropped its lower teeth
        0.07-0.1 IPD, a dark band between the rows (by eye on four paintings).

        The skull: the head's own motion at BONE_POINTS (`head_px`; none: the head is still).
        A similarity fitted to the nose bridge and eye corners carried the teeth with the upper
        face: on a turned face those points lie at other depths than the mouth, and fear's head
        back and away lifted the upper teeth 0.04-0.09 IPD behind the upper lip, a dark slot
        with a sliver of teeth (by eye on three turned portraits); the expression's own move of
        those points (brows, lids) added 0.01-0.02 IPD."""
        n = len(BONE_POINTS) - len(JAW)
        rest = self._bone_rest
        head = np.zeros_like(rest) if head_px is None else np.asarray(head_px, np.float32)
        skull = similarity_matrix(rest[:n], rest[:n] + head[:n])
        # the chin's move less the head's there: the expression's own (mean: np.mean's own sum
        # and division, without its wrapper)
        jaw = (xy[_JAW, :2] - rest[n:] - head[n:]).sum(0) / len(JAW)
        if chin_px is not None:
            jaw = jaw - chin_px
        return skull, jaw.astype(np.float32)

    def _rest_interior(self, image: np.ndarray, pal: dict):
        """The real mouth interior of a portrait whose mouth is open at rest: its upper teeth
        (above the bite line, where the bright upper row ends between the inner lips) ride with the
        skull, its lower part with the jaw."""
        poly = self.rest[self.poly]
        h, w = image.shape[:2]
        x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + 2, [w, h])
        mask = polygon_mask(poly, (y1 - y0, x1 - x0), np.array([x0, y0], np.float32))
        c, axes = self._mouth_frame(self.rest)
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        u = (xs - c[0]) * axes[0, 0] + (ys - c[1]) * axes[0, 1]
        v = (xs - c[0]) * axes[1, 0] + (ys - c[1]) * axes[1, 1]
        up = _curve((self.rest[self.upper] - c) @ axes.T, u)
        lo = _curve((self.rest[self.lower] - c) @ axes.T, u)
        frac = clip((v - up) / np.maximum(lo - up, 1e-3), 0, 1)
        lum = cv2.cvtColor(image[y0:y1, x0:x1, :3], cv2.COLOR_RGB2GRAY).astype(np.float32)
        half = abs(float((self.rest[308] - self.rest[78]) @ axes[0])) / 2
        central = (mask > 0.9) & (np.abs(u) < 0.6 * half)
        # mean luminance per sixteenth of the opening's height, central columns only
        band = np.minimum((frac * 16).astype(int), 15)[central]
        total = np.bincount(band, lum[central], minlength=16)
        count = np.bincount(band, minlength=16)
        prof = np.where(count > 0, total / np.maximum(count, 1), lum.max())
        prof = np.convolve(prof, [1 / 3] * 3, "same")
        # the bite is where the upper teeth end: going down, the first dark row after the first
        # bright one (a smile showing only its upper row is bright to the bottom: all upper).
        # The darkest row alone can be the shadow under the upper lip, and then the upper teeth
        # went down with the jaw
        mid = (prof.max() + prof.min()) / 2
        if not (prof[:8] > mid).any():
            # nothing in the opening's upper half is light: a laugh whose lower row, lit, is
            # far lighter than its upper row in the upper lip's shadow (bands 77-87 against
            # 184 on face_recognition's obama2.jpg) read as all upper, and the tongue and the
            # lower row stayed up with the skull as the jaw dropped; the upper row is then
            # measured against the upper half's own light
            mid = (prof[:8].max() + prof.min()) / 2
        bright = prof > mid
        first = int(np.argmax(bright))
        after = np.flatnonzero(~bright[first:])
        split = (first + int(after[0]) + 0.5) / 16 if len(after) else 1.0
        upper = clip((split - frac) * 4 + 0.5, 0, 1).astype(np.float32)
        self.bite = split
        # a lower row of teeth at rest: a band past the bite's dark one nearly as light as the
        # upper row and nearer the teeth's colour than the lips' (a lip's inner rim is darker,
        # or pinker: a pale lip can be as light as teeth)
        start = first + int(after[0]) if len(after) else 16
        rgb = np.stack([np.bincount(band, image[y0:y1, x0:x1, c][central].astype(np.float64),
                                    minlength=16) for c in range(3)], 1)
        rgb = rgb[start:] / np.maximum(count[start:, None], 1)
        lab = lab_tables.cvt(clip(rgb, 0, 255).astype(np.float32)[None] / 255,
                             cv2.COLOR_RGB2LAB)[0] if len(rgb) else rgb
        nearer = (np.linalg.norm(lab - _lab(pal["teeth"]), axis=1)
                  < np.linalg.norm(lab - _lab(pal["lips"]), axis=1))
        light = prof[start:] >= MOUTH_TUNING["lower_row_level"] * prof.max()
        dark_end = np.cumsum(prof[start:] > mid) > 0  # past the gap
        row = light & nearer & dark_end & (count[start:] > 0)
        self.lower_row = bool(row.any())
        # a tall part under the bite is the open mouth's inside (a tongue), which rides the jaw
        # whole; a short one is the gap and the lower lip's rim (`_real_teeth`)
        self.lower_kept = self.lower_row or 1.0 - split >= MOUTH_TUNING["rest_interior"]
        below = 1 - upper
        if self.lower_row:
            # the lower part fades in across the dark gap between the rows, from the bite to
            # the gap's darkest band: carried down whole, the gap's near-black top edge lay
            # across the made-up cavity as a straight line (a laugh's dropped jaw, obama2.jpg)
            top = start + int(np.argmax(row))
            deep = (start + int(np.argmin(prof[start:top])) + 1) / 16 if top > start else split
            below = clip((frac - split) / max(deep - split, 1 / 16), 0, 1).astype(np.float32)
        patch = image[y0:y1, x0:x1, :3].astype(np.float32)
        # soft edges: the rows move apart with the jaw, and a hard-edged lower part (its lip
        # rim included) read as a pasted block in an open mouth
        soft = max(MOUTH_TUNING["feather"] * self.ipd, 0.5)
        lower = cv2.GaussianBlur((mask * below).astype(np.float32), (0, 0), soft)
        return (x0, y0), patch, (mask * upper, lower * mask)

    def _area(self, xy: np.ndarray) -> float:
        return float(abs(cv2.contourArea(xy[self.poly].astype(np.float32))))

    def outline(self, xy: np.ndarray) -> np.ndarray:
        """The inner lips' outline (M, 2), upper lip then lower, each a smooth curve."""
        up, lo = self._smooth @ xy[self.upper], self._smooth @ xy[self.lower]
        return np.concatenate([up, lo[::-1][1:-1]])

    def opening(self, xy: np.ndarray, frame: tuple | None = None) -> float:
        """Mean inner-lip gap in IPD; `frame`: `_mouth_frame(xy)` where the caller has it."""
        c, axes = self._mouth_frame(xy[:, :2]) if frame is None else frame
        v = (xy[self._gap_pts, :2] - c) @ axes[1]  # the upper lip's points, then the lower's
        n = len(self._gap_pts) // 2
        gaps = v[n:] - v[:n]
        # their mean as np.mean takes it (a float32 sum over the count, back to float32),
        # without its wrapper
        return float(np.float32(np.add.reduce(gaps) / n)) / self.ipd

    # ----- per frame
    def composite(self, img: np.ndarray, deformed_xy: np.ndarray,
                  smile_taken: float = 0.0, chin_px: np.ndarray | None = None,
                  head_px: np.ndarray | None = None) -> np.ndarray:
        """Paint the interior into `img` (in place, the warped frame) and return it;
        `smile_taken` (rest AU12 x the share removed, core/rig/compose.py) shades the real teeth
        beside the corners; `head_px` (len(BONE_POINTS), 2): those points' motion (px) under
        the head's turn alone, which the teeth ride (`_bones`; none: the head is still)."""
        xy = deformed_xy[:, :2].astype(np.float32)
        frame = self._mouth_frame(xy)
        gap = self.opening(xy, frame)
        moved = float(np.abs(xy[self.poly] - self.rest_lips).max())
        if moved < MOUTH_TUNING["still_px"]:
            return img  # the warp shows the real mouth unchanged: nothing to repaint
        if self.open_at_rest and gap < MOUTH_TUNING["sealed_gap"]:
            self._closed_lips(img, xy, frame)
            return img
        if gap < MOUTH_TUNING["closed_gap"]:
            return img
        poly = self.outline(xy)
        poly = round_corners(poly, self._corner_sigma(poly, gap * self.ipd))
        box = poly_box(poly, img.shape, self._box_pad)
        if box is None:
            return img
        x0, y0, x1, y1 = box
        origin = np.array([x0, y0], np.float32)
        mask = polygon_mask(poly, (y1 - y0, x1 - x0), origin)
        # a narrow opening (AU10 alone) keeps its middle opaque: a feather wider than a quarter
        # of the gap blurs the interior away into the warped dark lip line
        f = min(MOUTH_TUNING["feather"], MOUTH_TUNING["feather_of_gap"] * gap) * self.ipd
        soft, made_up = self.soft, self.made_up_soft
        if made_up:  # a blurred portrait's lip edges: blurred across, as the picture's own are
            mask = cv2.GaussianBlur(mask, (0, 0), max(f, made_up))
        elif f > 0.3:
            mask = cv2.GaussianBlur(mask, (0, 0), f) * _unit(mask * _k(4))
        if self.open_at_rest and self.thin_rest:
            fade = (moved - MOUTH_TUNING["still_px"]) / (MOUTH_TUNING["thin_fade"] * self.ipd)
            if fade < 1.0:
                mask *= np.float32(fade)
        skull, jaw = self._bones(xy, chin_px, head_px)
        grid = self._grid(xy, (y1 - y0, x1 - x0), origin, skull, frame)
        if self.drawn is not None:
            mask = mask * lateral_fade(grid.um, grid.lateral, self.drawn)
        curves = grid.height(xy[self.upper]), grid.height(xy[self.lower])  # the inner lips
        lo, hi = MOUTH_TUNING["seal_below"]
        barely = min(max((hi - gap) / (hi - lo), 0.0), 1.0)  # how barely open the mouth is
        if barely > 0.0:
            mask = mask * self._sealed_corners(grid, curves, barely)
        lip_drop = 0.0 if self.rest_patch is None else self._lip_drop(xy, frame[1], skull, jaw)
        # the rest upper lip's height, carried by the skull, over the box: where real teeth at
        # rest end above (the bite known)
        rest_lip = None if self.bite is None else grid.height(_apply(skull, self._rest_up))
        interior, lower_row = self._interior(xy, grid, gap, skull, jaw, curves, lip_drop,
                                             rest_lip)
        if made_up > soft:  # the made-up parts to the face's blur (with `soft`, below); the
            # portrait's grain after it, as a grainy soft photo's own skin has it
            interior = cv2.GaussianBlur(interior, (0, 0), float(np.sqrt(made_up ** 2 - soft ** 2)))
        if self.grain is not None:
            # fainter in the dark: strokes over shadow are denser, not brighter (by eye: at
            # full strength a pencil drawing's cavity showed its paper as a net of light dots)
            light = interior @ self._lightness
            dark = _k(MOUTH_TUNING["grain_dark"])
            k = clip(dark + _k(1 - MOUTH_TUNING["grain_dark"]) * light, dark, _ONE)
            interior += spread(self._grain_at(grid) * k)
        if self.rest_patch is not None:
            interior = self._real_teeth(interior, origin, skull, jaw, lip_drop,
                                        self._uncovered_top(grid, curves[0], rest_lip))
            k = min(smile_taken / MOUTH_TUNING["corridor_full_at"], 1.0)
            if k > 0.01:
                interior = self._corridor(interior, grid, k, lower_row)
        if soft:
            interior = cv2.GaussianBlur(interior, (0, 0), soft)
        paint(img, box, interior, mask)
        return img

    def _corner_sigma(self, poly: np.ndarray, gap_px: float) -> float:
        """How far (px) round_corners smooths an open mouth's outline `poly`: a share of its
        gap, by how tall the opening stands against its width (a round O, not a slot)."""
        n = len(self._smooth)  # the upper lip's curve first, corner to corner
        width = float(np.hypot(*(poly[0] - poly[n - 1])))
        lo, hi = MOUTH_TUNING["corner_round_aspect"]
        share = min(max((gap_px / max(width, 1.0) - lo) / (hi - lo), 0.0), 1.0)
        return MOUTH_TUNING["corner_round"] * gap_px * share

    def _closed_lips(self, img: np.ndarray, xy: np.ndarray, frame: tuple | None = None) -> None:
        """Lips closed (or nearly) over a mouth open at rest: the warp squeezes the rest teeth
        into pale slivers between the lips. The sliver is filled with the lips' own colour and
        the line where they meet is drawn, smooth, along the middle (in place)."""
        poly = self.outline(xy)
        box = poly_box(poly, img.shape, pad=3 + self._box_pad)  # 5 px, and the blur's room
        if box is None:
            return
        x0, y0, x1, y1 = box
        origin = np.array([x0, y0], np.float32)
        t = MOUTH_TUNING
        fill = polygon_mask(poly, (y1 - y0, x1 - x0), origin)
        roi = img[y0:y1, x0:x1].astype(np.float32)
        # 2 px past the smooth outline: a broad grin's teeth squeezed between pressed lips lie
        # a pixel or two outside it, jagged, and 1 px left a pale line along the seam (sad and
        # angry on a toothy smile of deepface's test photos, by eye)
        fill = cv2.GaussianBlur(cv2.dilate(fill, _DILATE), (0, 0), 0.7)
        c, axes = self._mouth_frame(xy) if frame is None else frame
        mid = ((xy[self.upper] + xy[self.lower]) / 2 - c) @ axes.T
        # a smooth seam: a quartic in the mouth frame through the contours' midpoints
        coef = np.polyfit(mid[:, 0], mid[:, 1], min(4, len(mid) - 1))
        u = np.linspace(mid[:, 0].min(), mid[:, 0].max(), 48)
        line = c + np.stack([u, np.polyval(coef, u)], 1) @ axes - origin
        seam = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.polylines(seam, [np.round(line * 16).astype(np.int32).reshape(-1, 1, 2)], False, 255,
                      1, cv2.LINE_AA, shift=4)
        seam = cv2.GaussianBlur(seam.astype(np.float32) / _k(255.0), (0, 0),
                                max(t["seam_width"] * self.ipd / 2, 0.5))
        seam = _unit(seam / np.array(max(float(seam.max()), 1e-6), np.float32)) \
            * _k(t["seam_alpha"])
        if self.made_up_soft:  # spread as the blurred portrait's own lines are: drawn at the
            # seam's width, a very soft photo's sad mouth was a crisp pencil arc (by eye); its
            # darkest kept at `seam_soft_alpha`, where the blur alone left it too faint to read
            seam = cv2.GaussianBlur(seam, (0, 0), self.made_up_soft)
            seam *= _k(t["seam_soft_alpha"] / max(float(seam.max()), 1e-6))
        # the blends in place on the frame's own float copy, each weight's complement taken on
        # one channel and then spread (the same values as on the spread weight)
        clear = _ONE - fill
        lips = self._lip_fill(roi, fill, clear, xy, origin)
        lips *= spread(fill)
        roi *= spread(clear)
        roi += lips
        roi *= spread(_ONE - seam)
        roi += tint(seam, self.lip_line)
        roi += _k(0.5)
        img[y0:y1, x0:x1] = clip(roi, _ZERO, _k(255), out=roi)  # truncated, as astype(uint8)

    def _lip_fill(self, roi: np.ndarray, fill: np.ndarray, clear: np.ndarray, xy: np.ndarray,
                  origin: np.ndarray) -> np.ndarray:
        """What fills the sliver between sealed lips: the lips' own colours beside it, carried
        in by a normalised blur of the lips outside the sliver (the upper half of the sliver
        takes the upper lip's colour, the lower half the lower lip's, texture and light as they
        are), so no flat band of one colour shows. `lip_fill` where no lip is near. `clear`:
        1 - `fill`, which the caller has; a fresh array returned."""
        lips = polygon_mask(xy[self.outer], fill.shape, origin)
        keep = lips * clear
        sigma = max(MOUTH_TUNING["fill_reach"] * self.ipd, 0.7)
        den = cv2.GaussianBlur(keep, (0, 0), sigma)
        num = cv2.GaussianBlur(roi * spread(keep), (0, 0), sigma)
        w = _unit(den / _k(MOUTH_TUNING["fill_support"]))
        own = np.divide(num, spread(np.maximum(den, _k(1e-6))), out=num)
        own *= spread(w)
        own += tint(_ONE - w, self.lip_fill)
        return own

    def _lower_row_shown(self, jaw: np.ndarray, lip_drop: float) -> float:
        """Share (0..1) of the made-up lower row drawn under real upper teeth that show no
        lower row at rest: none while the jaw stays and the lower lip barely leaves it, all once
        the jaw has dropped `rest_lower_fade` IPD or the lower lip come `lower_row_lip_drop`
        down off it (`lip_drop`, px: `_lip_drop`)."""
        t = MOUTH_TUNING
        by_jaw = smoothstep(float(np.hypot(jaw[0], jaw[1])) / (t["rest_lower_fade"] * self.ipd))
        lo, hi = t["lower_row_lip_drop"]
        return max(by_jaw, smoothstep((lip_drop / self.ipd - lo) / (hi - lo)))

    def _uncovered_top(self, grid: _Grid, lip: np.ndarray,
                       rest: np.ndarray) -> np.ndarray | None:
        """(h, w) share of the real upper teeth laid at each pixel (None: all of it
        everywhere): all, except where the upper lip has risen off its rest line (`lip`,
        `rest`: their heights, `_Grid.height`). There the real row's top, which holds the rest
        lip's shadow, gives way over `shadow_depth` to the made-up crowns, shaded from the lip
        where it is now: uncovered, that shadow lay across the teeth as a dark seam under a
        pale strip of made-up crown (disgust's raised lip on the sample portrait's smile, by
        eye at 1024 px)."""
        depth = _k(MOUTH_TUNING["shadow_depth"] * self.ipd)
        risen = _unit((rest - lip) / (depth * _k(0.5)))
        if not risen.any():
            return None
        from_rest = _unit((grid.v - rest) / depth)
        return _ONE - risen * (_ONE - from_rest)

    def _lip_drop(self, xy: np.ndarray, axes: np.ndarray, skull: np.ndarray,
                  jaw: np.ndarray) -> float:
        """How far (px) the lower lip's inner edge has come down off the jaw: its middle
        points' mean move toward the chin, less where the skull and the jaw carry them."""
        lo = self._gap_pts[len(self._gap_pts) // 2:]
        carried = _apply(skull, self.rest[lo]) + jaw
        return float(((xy[lo] - carried) @ axes[1]).mean())

    def _real_teeth(self, interior: np.ndarray, origin: np.ndarray, skull: np.ndarray,
                    jaw: np.ndarray, lip_drop: float = 0.0,
                    top: np.ndarray | None = None) -> np.ndarray:
        """Lay the rest interior over the rendered one: its upper teeth moved with the skull,
        its lower part with the jaw (px beyond the skull), so an opening jaw parts the rows; a
        lower part without a row of teeth fades out as the jaw drops or the lower lip comes
        down off it (`lip_drop`, px: `_lip_drop`); `top` (`_uncovered_top`) scales the upper
        teeth's cover."""
        (rx, ry), patch, masks = self.rest_patch
        size = (interior.shape[1], interior.shape[0])
        # patch pixel (i, j) sits at rest (rx + i, ry + j): compose with the bone motion
        corner = _apply(skull, np.array([rx, ry], np.float32))
        lower = masks[1]
        if not self.lower_kept:
            # no lower teeth at rest and a short part under the bite: the dark gap and the
            # lower lip's inner rim, which a dropped jaw carried into the cavity as a second lip
            # under a floating sliver of the upper teeth's tips (fear on a toothy smile, by
            # eye); it fades as the jaw drops and the made-up lower teeth show instead. The
            # lower lip alone coming down (anger's, AU16 and AU25 with the jaw still) left the
            # rim behind the same way, a pink band afloat under the teeth (deepface's img1)
            drop = max(float(np.hypot(jaw[0], jaw[1])), lip_drop) \
                / (MOUTH_TUNING["rest_lower_fade"] * self.ipd)
            if drop >= 1.0:
                lower = None
            elif drop > 0.0:
                lower = lower * np.float32(1.0 - smoothstep(drop))
        for mask, extra, cover in ((lower, jaw, None), (masks[0], np.zeros(2, np.float32), top)):
            if mask is None:
                continue
            m = skull.copy()
            m[:, 2] = corner + extra - origin
            moved = cv2.warpAffine(patch, m, size, borderMode=cv2.BORDER_REPLICATE)
            a = cv2.warpAffine(mask, m, size)
            if cover is not None:
                a *= cover
            a = spread(a)
            interior *= _ONE - a  # in place: `interior` is this frame's own (same values)
            interior += np.multiply(moved, a, out=moved)
        return interior

    def _grid(self, xy: np.ndarray, shape: tuple[int, int], origin: np.ndarray,
              skull: np.ndarray, frame: tuple | None = None) -> _Grid:
        """The interior box's pixels in the mouth frame (`_Grid`), u and v from a row and a
        column of pixel coordinates; `frame`: `_mouth_frame(xy)` where the caller has it."""
        c, axes = self._mouth_frame(xy) if frame is None else frame
        xs = np.arange(shape[1], dtype=np.float32)[None] + np.float32(origin[0] - c[0])
        ys = np.arange(shape[0], dtype=np.float32)[:, None] + np.float32(origin[1] - c[1])
        u = xs * axes[0, 0] + ys * axes[0, 1]
        v = xs * axes[1, 0] + ys * axes[1, 1]
        mid = (_apply(skull, self.rest[MIDLINE:MIDLINE + 1]) - c) @ axes.T
        um = u - np.float32(mid.astype(np.float32)[0, 0])
        half = max(abs(float((xy[308] - xy[78]) @ axes[0])) / 2, 1.0)
        # each side's share of the way from the midline to its own corner: a midline off the
        # mouth's centre (a turned face, a crooked smile) ended the teeth short of the far
        # corner, a long black wedge there (by eye on the Mona Lisa's smile)
        m = float(mid[0, 0])
        lateral = np.maximum(um * np.float32(1 / max(half - m, 1.0)),
                             um * np.float32(-1 / max(half + m, 1.0)))  # each side's own share
        lateral = np.minimum(lateral, _ONE)
        return _Grid(c, axes, u, v, um, half, lateral, self._cavity_shade(lateral),
                     u.astype(np.float64))

    def _grain_at(self, grid: _Grid) -> np.ndarray:
        """The portrait's grain over the interior box, laid in the mouth's frame (mirrored past
        the patch's edges)."""
        gh, gw = self.grain.shape
        return cv2.remap(self.grain, grid.u + np.float32(gw / 2), grid.v + np.float32(gh / 2),
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)

    def _cavity_shade(self, lateral: np.ndarray) -> np.ndarray:
        """The cavity's shade across the mouth: 1 at the middle, `corner_dark` less at the
        corners."""
        return _ONE - _k(MOUTH_TUNING["corner_dark"]) * lateral * lateral

    def _corridor(self, interior: np.ndarray, grid: _Grid, k: float,
                  lower_row: np.ndarray | None = None) -> np.ndarray:
        """A smiling portrait's real teeth span its smile, premolars included: with the smile
        taken away, an opening mouth (speech, fear) showed that full band and read as a grin.
        Relaxed lips show the front six teeth and the mouth darkens behind the canines (the
        buccal corridor), so beyond them the interior fades to the cavity colour, by `k`.
        Not the made-up lower row (`lower_row`, its opacity from `_interior`): it has no smile
        to take away, and darkened with the rest it ended in square cuts mid-cavity (fear on
        deepface's img1 and img22, by eye; its own ends fade at `teeth_reach`)."""
        lo, hi = MOUTH_TUNING["corridor_from"]
        f = _unit((np.abs(grid.um) / _k(self.ipd) - _k(lo)) / _k(hi - lo))
        dark = f * f * (_k(3) - _k(2) * f) * np.float32(k)
        if lower_row is not None:
            dark *= _ONE - lower_row
        dark = spread(dark)
        # to the cavity as _interior shades it beside the corners
        cavity = tint(grid.shade, self._cavity32)
        interior *= _ONE - dark  # in place: `interior` is this frame's own (same values)
        interior += np.multiply(cavity, dark, out=cavity)
        return interior

    def _sealed_corners(self, grid: _Grid, curves: tuple[np.ndarray, np.ndarray],
                        strength: float = 1.0) -> np.ndarray:
        """The interior's opacity where the lips meet toward the corners (MOUTH_TUNING
        seal_gap, seal_from): 0 where they stand under seal_gap[0] apart, 1 from seal_gap[1]
        or nearer the middle; `strength` (0..1) of that."""
        lo, hi = MOUTH_TUNING["seal_gap"]
        apart = (curves[1] - curves[0]) * _k(1 / self.ipd)
        met = _ONE - _unit((apart - _k(lo)) * _k(1 / (hi - lo)))
        start = MOUTH_TUNING["seal_from"]
        near = _unit((grid.lateral - _k(start)) * _k(strength / (1 - start)))
        return _ONE - met * near

    def _interior(self, xy: np.ndarray, grid: _Grid, gap: float, skull: np.ndarray,
                  jaw: np.ndarray, curves: tuple[np.ndarray, np.ndarray],
                  lip_drop: float = 0.0, rest_lip: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray | None]:
        """((h, w, 3) float32 interior over `grid` (`_grid`), (h, w) opacity of its made-up
        lower row or None where none is drawn, which `_corridor` leaves alone): per-pixel
        weights of cavity, tongue, teeth and gum (2-D planes, each contiguous: the arithmetic on
        them runs ~2x faster than on one (h, w, 4) array's channels), mixed with the portrait's
        colours in one product at the end; `curves`: the inner lips' heights (`_Grid.height`);
        `lip_drop`: `_lip_drop`; `rest_lip`: the rest upper lip's height, carried by the skull
        (given wherever the bite is known)."""
        t = MOUTH_TUNING
        ipd = self.ipd
        c, axes, u, v, um, half, lateral, warm, u64 = grid
        y_up, y_lo = curves
        # cavity: darkest under the upper teeth, warming toward the tongue; the cheeks' inner
        # walls beside the corners are in shadow (by eye on photos of open mouths: `warm`)
        below_lip = v - y_up
        d2 = _unit(below_lip / np.maximum(y_lo - y_up, _k(1e-3))) ** 2
        # the weights of cavity, tongue and teeth: planes of one array, so what hides two or
        # all three of them scales them in one product
        weights = np.empty((3, *u.shape), np.float32)
        cavity, tongue, teeth = weights
        np.multiply(_k(0.35), d2, out=tongue)
        np.subtract(_ONE, tongue, out=cavity)
        weights[:2] *= warm
        if gap > t["tongue_from_gap"]:
            th = max(t["tongue_height"] * ipd * min(1.0, gap / 0.3), 1.0)
            tw = t["tongue_width_share"] * half
            # its outline fades into the cavity over the outer quarter of the ellipse: a hard
            # edge read as a pink disc pasted in the mouth (surprise, by eye)
            th, tw = np.array(th, np.float32), np.array(tw, np.float32)
            inside = _unit((_ONE - (um / tw) ** 2 - ((v - y_lo) / th) ** 2) * _k(t["tongue_soft"]))
            m = inside * np.float32(min(1.0, (gap - t["tongue_from_gap"]) / 0.1))
            weights[:2] *= _ONE - m
            tongue += clip(_k(0.7) + _k(0.3) * (v - (y_lo - th)) / th, _k(0.6), _ONE) * m
        # the incisal edges: upper on the skull, lower on the jaw (rest bite line when known)
        rest_edge = self._rest_edge
        if rest_edge is None:
            rest_edge = self._rest_up + axes[1] * t["incisal_below_lip"] * ipd
        edge = _apply(skull, rest_edge)
        edge_up = grid.height(edge)
        edge_lo = grid.height(edge + jaw) - _k(t["overbite"] * ipd)
        reach = _k(t["teeth_reach"])
        fade = _unit((reach - lateral) * _k(10))  # teeth end short of the corners
        if self.bite is not None:
            # ... and where the real ones do: a smile widened past its rest corners (happy on
            # a toothy smile) showed made-up crowns beyond them, white wedges under the upper
            # lip at the corners, where the real teeth end in the buccal corridor's dark
            # (deepface's img24 and img1, by eye)
            # Each side against its own rest corner: on a turned face the midline sits near
            # the far corner, and against half the width the near side's crowns ended at 0.25
            # IPD of its 0.47, a black gap like missing teeth there (Vermeer's girl, s10 of
            # LivePortrait's examples: rest corners 0.15 and 0.47 IPD from the midline)
            ends = _apply(skull, self.rest[[78, MIDLINE, 308]]) @ axes[0]
            end, soft = t["made_up_reach_on_real"]
            share = np.maximum(um * np.float32(1 / max(float(ends[2] - ends[1]), 1.0)),
                               um * np.float32(-1 / max(float(ends[1] - ends[0]), 1.0)))
            fade *= _unit((_k(end) - share) * _k(soft))
        corner = _ONE - _k(t["corner_shade"]) * np.minimum(lateral / reach, _ONE) ** 2
        shadow = _ONE - _k(t["under_lip_shadow"]) * _unit(
            _ONE - below_lip / _k(t["shadow_depth"] * ipd))
        # the tooth tables (`_gap_tables`) at each pixel's u, 1/4 px steps, in one gather
        at = ((um - self._u_first) * _k(4) + _k(0.5)).astype(np.int32)
        upper_gap, lower_gap, notch_up, notch_lo, *papilla = np.take(self._tables, at, axis=1,
                                                                     mode="clip")
        # lower row first, so the upper row overlaps it when the jaw is closed. A portrait whose
        # open mouth shows only its upper row (bite near the lower lip) gets one too, once its
        # jaw or lower lip has come down far enough for the crowns to read as teeth
        # (`_lower_row_shown`): a lip dropped 0.15 IPD showed a dark band under the real teeth
        # without it (by eye on four of deepface's test photos), and one dropped 0.01-0.08 a
        # grey band with it
        lower_row = None
        if self.lower_kept and self.rest_patch is not None:
            # the portrait's own lower part rides the jaw (`_real_teeth`) instead: its lower
            # row, or a wide-open mouth's tongue (a made-up row beside it showed as white
            # crescents at corners stretched past it, fear on GFPGAN's Justin_Timberlake_crop)
            teeth[...] = _ZERO
        else:
            rel = (v - edge_lo) / _k(t["lower_crown_height"] * ipd)
            top = rel - notch_lo  # notch_lo in lower crown heights
            m = _unit(top * _k(3) + _k(0.5)) * (rel < _ONE) * fade
            if self.rest_patch is not None:
                m *= _k(self._lower_row_shown(jaw, lip_drop))
            lower_row = m
            weights[:2] *= _ONE - m
            np.multiply(m, corner, out=teeth)
            teeth *= lower_gap
            teeth *= _k(t["lower_teeth_shade"])
        rel = (edge_up - notch_up - v) / _k(t["crown_height"] * ipd)
        if self.bite is not None:
            # real teeth at rest: a crown's height above their edge, or up to the rest lip where
            # the portrait showed more, is crown; above both, gum. Gum from the rest lip up
            # painted a thin opening's teeth (a slightly parted smile showing their tips) as
            # gum when a smile raised the lip: a dark mouth with no teeth (by eye)
            above = (v < rest_lip - _k(0.01 * ipd)) \
                & (rel >= _ONE)
            gum = above.astype(np.float32)
            crown = _ONE - gum
            neck = None  # no darker neck: the real crowns' own
        else:  # the gum line scalloped over each crown (the papillae between them), soft
            to_gum = rel + papilla[0] - _ONE  # < 0 on the crown, in crown heights
            gum = _unit(to_gum * _k(t["gum_edge"]) + _k(0.5))
            crown = _ONE - gum
            # the crown's neck, by the gum, a shade darker (by eye: a white crown cut straight
            # against the gum read as a mouthguard)
            neck = _ONE - _k(t["neck_shade"]) * _unit(to_gum * _k(5) + _ONE)
        # a crisp incisal edge: at rel * 6 the last ~0.03 IPD of a crown faded into the cavity, and
        # in a smile's narrow opening that was most of what showed (grey teeth, by eye)
        m = _unit(rel * _k(16) + _k(0.5)) * crown * fade
        weights *= (_ONE - m) * crown
        upper = m * corner * upper_gap * shadow
        if neck is not None:
            upper *= neck
        upper *= _k(0.93) + _k(0.07) * _unit(rel * _k(4))  # the incisal edge a shade darker
        teeth += upper
        w = cv2.merge([cavity, tongue, teeth, np.multiply(gum, shadow, dtype=np.float32)])
        return w @ self._colours, lower_row

    def _gap_tables(self) -> tuple:
        """(u px at 1/4 px steps, upper-row shade, lower-row shade, upper gum's reach down):
        shades <= 1, darker at the boundaries between teeth; the reach, a share of the upper
        crown's height, is the papilla's: most at a boundary, 0 over a crown's middle."""
        t = MOUTH_TUNING
        u = np.arange(-0.7 * self.ipd, 0.7 * self.ipd, 0.25, dtype=np.float32)
        width = max(0.006 * self.ipd, 0.6)
        tables = [u]
        for edges, shade in ((t["tooth_edges"], t["tooth_gap_shade"]),
                             (t["lower_tooth_edges"], t["lower_gap_shade"])):
            out = np.ones_like(u)
            for e in _boundaries(edges):
                out -= shade * np.exp(-0.5 * ((u - e * self.ipd) / width) ** 2)
            tables.append(out)
        reach = np.zeros_like(u)
        for e in _boundaries(t["tooth_edges"]):
            d = clip(np.abs(u - e * self.ipd) / (t["papilla_width"] * self.ipd), 0, 1)
            np.maximum(reach, t["papilla_height"] * (0.5 + 0.5 * np.cos(np.pi * d)), out=reach)
        tables.append(reach)
        # the incisal embrasures: each crown's edge rounds off toward its neighbours, so the
        # row's edge is scalloped, not ruled (px the upper edge rises, the lower edge drops)
        for edges in (t["tooth_edges"], t["lower_tooth_edges"]):
            notch = np.zeros_like(u)
            for e in _boundaries(edges):
                d = clip(np.abs(u - e * self.ipd) / (t["embrasure_width"] * self.ipd), 0, 1)
                np.maximum(notch, (1 - d) ** 2, out=notch)
            tables.append(notch * np.float32(t["embrasure_depth"] * self.ipd))
        return tuple(tables)


def round_corners(poly: np.ndarray, sigma: float) -> np.ndarray:
    """Closed polygon `poly` (M, 2) smoothed along its length with a Gaussian of `sigma` px:
    its cusps (the lips' corners) round off, its long curves barely move. Unchanged for
    sigma under half a pixel."""
    if sigma < 0.5:
        return poly
    closed = np.vstack([poly, poly[:1]]).astype(np.float64)
    run = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(closed, axis=0).T))])
    n = max(int(run[-1]), 8)  # about a point a pixel
    t = np.arange(n) * (run[-1] / n)
    pts = np.stack([np.interp(t, run, closed[:, 0]), np.interp(t, run, closed[:, 1])], 1)
    k = cv2.getGaussianKernel(2 * int(np.ceil(3 * sigma)) + 1, sigma).ravel()
    half = len(k) // 2
    if half >= n:
        return poly
    wrapped = np.vstack([pts[-half:], pts, pts[:half]]) if half else pts
    out = np.stack([np.convolve(wrapped[:, i], k, "valid") for i in (0, 1)], 1)
    return out.astype(np.float32)


def _boundaries(edges: tuple[float, ...]) -> list[float]:
    """The boundaries between teeth across the mouth, IPD from the dental midline."""
    return [0.0, *edges, *(-e for e in edges)]
