"""The teeth ride on the bones (core/rig/mouth.py): the lower row follows the jaw, not the chin
raiser's soft tissue (AU17), and the teeth span each side of the mouth to its own corner."""
import copy

import cv2
import numpy as np
import pytest

from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.face.regions import region
from core.mix import EmotionMix
from core.rig.motion import MotionModel
from core.rig.mouth import JAW, MOUTH_TUNING, MouthRenderer
from core.rig.rest import RestExpression
from tests.rig.test_rig_motion import disp


@pytest.fixture(scope="module")
def motion(portrait):
    return MotionModel(detect_face(portrait))


def jaw(motion, mix):
    """(the chin's mean move, the jaw the lower teeth follow), IPD: no head motion here, so the
    skull stays and the mouth's jaw is the chin's move less the chin raiser's."""
    d, pose = disp(motion, mix)
    chin = d[JAW].mean(0)
    return chin, chin - np.asarray(pose.chin_raise)


def test_the_chin_raiser_leaves_the_lower_teeth_where_they_are(motion):
    chin, bone = jaw(motion, EmotionMix(au_overrides={17: 1.0}))
    assert chin[1] < -0.04  # the chin rose (AU17's 0.065 IPD)
    assert np.abs(bone).max() < 0.005


def test_a_dropped_jaw_still_carries_them(motion):
    chin, bone = jaw(motion, EmotionMix(au_overrides={26: 1.0, 17: 1.0}))
    alone, _ = jaw(motion, EmotionMix(au_overrides={26: 1.0}))
    assert bone[1] == pytest.approx(alone[1], abs=0.005) and bone[1] > 0.2


def test_a_rest_chin_raise_taken_away_does_not_drop_them(motion):
    # a painting measured at rest AU17 1.0 (the Bouguereau girl of LivePortrait's examples): a
    # smile's parted lips take that rest AU away (REST_CONFLICTS), which lowered the chin
    # 0.065 IPD, and the lower teeth with it: a dark band between the rows (by eye)
    m = copy.copy(motion)
    field = m.basis.displacement(m.au_weights({17: 1.0}))
    m.rest = RestExpression(aus={**motion.rest.aus, 17: 1.0},
                            fields={**motion.rest.fields, 17: field})
    m.rest_home_region = {**motion.rest_home_region, 17: motion.rest_home_region.get(12, 0)}
    m.rest_chin = field[JAW].mean(0)
    chin, bone = jaw(m, EmotionMix.from_preset("happy"))
    plain, _ = jaw(motion, EmotionMix.from_preset("happy"))
    assert chin[1] - plain[1] > 0.05  # the rest's chin raise went: the chin fell
    assert bone[1] == pytest.approx(plain[1], abs=0.005)


def test_teeth_reach_both_corners_of_a_mouth_off_its_midline(portrait):
    face = detect_face(portrait)
    xy = face.xy.astype(np.float32)
    mr = MouthRenderer(portrait, xy, FaceFrame.from_landmarks(face.landmarks))
    moved = xy.copy()
    moved[[78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308], 1] += 0.1 * mr.ipd  # lips part
    moved[308, 0] += 0.15 * mr.ipd  # the left inner corner pulled out: a crooked smile
    skull, _ = mr._bones(moved)
    box_w, box_h = 400, 200
    origin = moved[[78, 308]].mean(0) - [box_w / 2, box_h / 2]
    grid = mr._grid(moved, (box_h, box_w), origin.astype(np.float32), skull)
    c, axes = grid.c, grid.axes
    for corner in (78, 308):
        u = float((moved[corner] - c) @ axes[0])
        col = int(round(c[0] + u * axes[0, 0] - origin[0]))
        row = int(round(c[1] + u * axes[0, 1] - origin[1]))
        assert grid.lateral[row, col] > 0.97, corner
    # ... and the midline is 0 on both sides
    assert float(grid.lateral.min()) < 0.01


@pytest.fixture(scope="module")
def thin_rest(portrait):
    """The sample portrait with its rest lips drawn together to a thin opening over the tips of
    its real teeth (0.04 IPD^2 against its own 0.12), as in a slightly parted smile."""
    face = detect_face(portrait)
    xy = face.xy.astype(np.float32)
    up, lo = region("lips_upper_inner"), region("lips_lower_inner")
    thin = xy.copy()
    thin[lo] = xy[up] + (xy[lo] - xy[up]) * 0.35
    return portrait, thin, FaceFrame.from_landmarks(face.landmarks)


def _opened(xy, ipd, down=0.0, up=0.0):
    out = xy.copy()
    out[region("lips_lower_inner")[1:-1], 1] += down * ipd
    out[region("lips_lower_outer")[1:-1], 1] += down * ipd
    out[region("lips_upper_inner")[1:-1], 1] -= up * ipd
    return out


def _band(img, xy, ipd, y0, y1):
    """Mean luminance of the mouth's central columns (0.12 IPD each side) between rows y0, y1."""
    cx = int(round(float(xy[[78, 308], 0].mean())))
    w = int(0.12 * ipd)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(grey[int(y0):int(y1), cx - w:cx + w].mean())


@pytest.mark.parametrize("thin", [False, True])
def test_a_mouth_showing_its_upper_row_shows_a_lower_row_when_it_opens(portrait, thin_rest,
                                                                      thin):
    # the sample portrait shows only its upper row at rest (bite 0.97), and so does its thin
    # variant: a lower lip dropped 0.15 IPD (the jaw still, as happy on a toothy grin) bares a
    # lower row under the tips, not the dark cavity those mouths showed before
    image, rest, frame = thin_rest
    if not thin:
        rest = detect_face(portrait).xy.astype(np.float32)
    mr = MouthRenderer(image, rest, frame)
    assert mr.bite > 0.85 and mr.thin_rest == thin
    moved = _opened(rest, mr.ipd, down=0.15)
    lip = float(rest[14, 1])  # the rest lower lip's middle: the upper teeth's edge sits there
    low = float(moved[14, 1])
    out = mr.composite(image.copy(), moved)
    shown = _band(out, moved, mr.ipd, lip + 0.3 * (low - lip), low - 2)
    cavity = float(mr.cavity @ np.array([0.299, 0.587, 0.114]))
    assert shown > cavity + 60, (shown, cavity)


def test_a_raised_lip_over_thin_rest_teeth_bares_crowns_not_gum(thin_rest):
    image, rest, frame = thin_rest
    mr = MouthRenderer(image, rest, frame)
    moved = _opened(rest, mr.ipd, down=0.05, up=0.06)
    out = mr.composite(image.copy(), moved)
    top = float(moved[13, 1])  # the raised upper lip's middle
    bared = _band(out, moved, mr.ipd, top + 2, float(rest[13, 1]) - 1)
    gum = float(mr.gum @ np.array([0.299, 0.587, 0.114]))
    assert bared > gum + 40, (bared, gum)


def test_made_up_teeth_have_rounded_incisal_corners():
    # grace_hopper.jpg shows no teeth at rest: its teeth are made up. Drawn at twice its size,
    # the jaw dropped, the upper row's edge rises where two crowns meet (the embrasures), so
    # the row's edge is scalloped, not ruled
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    img = cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), None, fx=2, fy=2)
    face = detect_face(img)
    xy = face.xy.astype(np.float32)
    mr = MouthRenderer(img, xy, FaceFrame.from_landmarks(face.landmarks))
    assert mr.bite is None
    moved = _opened(xy, mr.ipd, down=0.3, up=0.12)
    moved[JAW, 1] += 0.25 * mr.ipd
    out = cv2.cvtColor(mr.composite(img.copy(), moved), cv2.COLOR_RGB2GRAY).astype(np.float32)
    mid = float(xy[13, 0])  # the dental midline (an upright face: along x)
    top, bottom = int(moved[13, 1]) + 2, int(moved[14, 1]) - 2

    def edge(x):  # the last row of the upper crowns in column x, going down
        col = out[top:bottom, int(round(x))]
        bright = col > 0.5 * (col.max() + col.min())
        first = int(np.argmax(bright))
        return top + first + int(np.argmin(bright[first:]))

    for e0, e1 in ((0.0, 0.135), (0.135, 0.24)):  # boundaries of the central and lateral incisor
        for sign in (-1, 1):
            crown = edge(mid + sign * (e0 + e1) / 2 * mr.ipd)
            notch = [edge(mid + sign * e * mr.ipd) for e in (e0, e1)]
            assert max(notch) < crown, (e0, sign, notch, crown)


def test_a_thin_openings_real_tips_give_way_to_made_up_teeth(thin_rest):
    # laid into a smile's bigger opening, a thin opening's real tips left seams against the
    # made-up rest (fangs at the corners, a band of lip across it): all of an opened mouth is
    # made up, and nothing of the rest opening is laid in. Painted pure green at rest, the
    # portrait's own mouth would show where it landed
    image, rest, frame = thin_rest
    mr = MouthRenderer(image, rest, frame)
    assert mr.rest_patch is None and mr.bite > 0.85  # the rest's bite line still places the row
    green = image.copy()
    poly = mr.outline(rest)
    cv2.fillPoly(green, [np.round(poly).astype(np.int32)], (0, 255, 0))
    mr = MouthRenderer(green, rest, frame)
    out = mr.composite(green.copy(), _opened(rest, mr.ipd, down=0.15, up=0.03))
    inside = cv2.fillPoly(np.zeros(image.shape[:2], np.uint8),
                          [np.round(mr.outline(_opened(rest, mr.ipd, 0.15, 0.03))).astype(
                              np.int32)], 1).astype(bool)
    inside = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    g = out[inside].astype(np.float32)
    greenish = (g[:, 1] > 200) & (g[:, 0] < 60) & (g[:, 2] < 60)
    assert not greenish.any()


def test_a_thin_opening_fades_to_made_up_teeth_without_a_pop(thin_rest):
    # a still face shows its real mouth; as its lips start to move, the made-up interior comes
    # in over MOUTH_TUNING "thin_fade" of lip motion, not all at once
    image, rest, frame = thin_rest
    mr = MouthRenderer(image, rest, frame)
    ramp = MOUTH_TUNING["thin_fade"] * mr.ipd
    moves = MOUTH_TUNING["still_px"] + ramp * np.array([0.05, 0.5, 1.0, 2.0])
    changed = []
    for m in moves:
        moved = rest.copy()
        moved[region("lips_lower_inner")[1:-1], 1] += m  # the lower lip's inner edge drops
        out = mr.composite(image.copy(), moved).astype(np.float32)
        warped = image.astype(np.float32)  # no warp here: the frame the mouth paints into
        changed.append(float(np.abs(out - warped).max()))
    assert changed[0] < 0.15 * changed[3]  # barely moved: barely repainted
    assert changed[0] < changed[1] < changed[2]
    assert changed[2] == pytest.approx(changed[3], rel=0.25)  # fully made up past the ramp


def test_the_upper_teeth_stay_under_the_lip_on_a_turned_head(portrait):
    # the upper row rides with the head's own motion where the teeth are (MouthRenderer._bones).
    # A similarity fitted to the nose bridge and eye corners carried it as the upper face
    # moved: on a turned face those points lie at other depths than the mouth, and fear's head
    # back and away lifted the teeth 0.04-0.09 IPD behind the upper lip on three turned
    # portraits (a dark slot with a sliver of teeth, by eye), the expression's own move of
    # those points adding to it. The sample portrait, jaw dropped, turned 20 degrees and back
    from core.engine import RenderJob
    from core.rig.engine import RigEngine

    eng = RigEngine()
    prepared = eng.prepare(portrait)

    def teeth_below_lip(head):
        mix = EmotionMix(au_overrides={26: 1.0, 45: 0.0}, head=head)
        frame = eng.render_frame(RenderJob(portrait=prepared, mix=mix, size=512, duration=1.0,
                                           fps=25), 15)
        xy = np.asarray(frame.info["landmarks"])
        grey = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY).astype(np.float32)
        x, top, bottom = int(round(xy[13, 0])), int(round(xy[13, 1])), int(round(xy[14, 1]))
        column = grey[top:bottom, x - 2:x + 3].mean(1)
        bright = column > 0.5 * (column.max() + column.min())
        first = int(np.argmax(bright))
        return first + int(np.argmin(bright[first:]))  # px from the lip to the teeth's edge

    level, turned = teeth_below_lip((0.0, 0.0, 0.0)), teeth_below_lip((15.0, -10.0, 0.0))
    assert level > 4  # the sample portrait's real upper teeth show under the lip
    # measured 7 and 9 px (the toggled jaw drop takes the rest smile away as an expert's does,
    # tests/legibility/test_toggles_replace_rest.py; with the smile kept, 14 and 15). The head's
    # pitch alone moves the teeth's edge 2 px at this size, with the smile or without (10 deg
    # back: 9 against 7, 16 against 14); the lift this guards against was 0.04-0.09 IPD (3-8 px)
    assert abs(turned - level) <= 2, (level, turned)


def test_a_thin_dark_opening_makes_up_teeth_lighter_than_the_skin(portrait, monkeypatch):
    """A thin rest opening that shows only shadow (a painting's dark slit of a smile): the
    made-up interior takes over from a thin opening, and teeth sampled from that shadow (L* 16
    against skin at 48) bared a dark slot for a sneer or a laugh. Its teeth are made up as a
    closed mouth's are: lighter than the skin. The sample's opening painted dark, and counted
    thin here."""
    from core.rig.mouth import _lab

    xy = detect_face(portrait).xy
    img = portrait.copy()
    inner = np.concatenate([region("lips_upper_inner"), region("lips_lower_inner")[::-1]])
    cv2.fillPoly(img, [np.round(xy[inner]).astype(np.int32)], (40, 28, 28))
    frame = FaceFrame.from_landmarks(xy)
    monkeypatch.setitem(MOUTH_TUNING, "upper_row_area", 1.0)  # every rest opening is thin
    mouth = MouthRenderer(img, xy, frame)
    assert mouth.open_at_rest and mouth.thin_rest
    skin = np.median(img[np.round(xy[region("cheek_R")][:, 1]).astype(int),
                         np.round(xy[region("cheek_R")][:, 0]).astype(int)], 0)
    assert _lab(mouth.teeth)[0] > _lab(skin.astype(np.float32))[0]


def _below_the_bite(portrait, lower):
    """The sample portrait's rest opening made taller under its upper row (the lower lip's
    inner edge lower) and the new part painted: the dark gap between the rows, then `lower`
    ("rim": 0.05 IPD of the lower lip's inner rim, its own colour, under a part as short as
    deepface's img1's; "teeth": a 0.1 IPD lower row the upper row's colour; "tongue": a mouth
    open wide, 0.25 IPD of tongue, the lips' colour darker) -> (image, its rest landmarks (the
    lower lip moved), frame, the colour, the painted band's height in IPD)."""
    face = detect_face(portrait)
    xy = face.xy.astype(np.float32)
    frame = FaceFrame.from_landmarks(face.landmarks)
    inner = region("lips_lower_inner")[1:-1]
    taller = xy.copy()
    reach, gap = {"rim": (0.1, 0.45), "teeth": (0.16, 0.35), "tongue": (0.3, 0.15)}[lower]
    taller[inner, 1] += reach * frame.ipd
    taller[region("lips_lower_outer")[1:-1], 1] += reach * frame.ipd
    image = portrait.copy()
    lip = portrait[tuple(np.round(xy[[17, 84, 314], ::-1]).astype(int).T)].mean(0)
    cy, cx = np.round((xy[13] + xy[14])[::-1] / 2).astype(int)[-2:]
    w = int(0.1 * frame.ipd)
    teeth = np.median(portrait[cy - 1:cy + 2, cx - w:cx + w].reshape(-1, 3), 0)  # the upper row
    colour = {"rim": lip, "teeth": teeth, "tongue": lip * 0.8}[lower]
    for x, y0, y1 in _columns(xy[inner], taller[inner]):
        for y in range(int(np.floor(y0)), int(y1) + 1):
            f = (y - y0) / max(y1 - y0, 1e-3)
            image[y, x] = (40, 26, 26) if f < gap else colour
    return image, taller, frame, colour, reach * (1 - gap)


def _columns(top, bottom):
    """(x, y top, y bottom) for each pixel column both contours (n, 2+ px, any order) span,
    each interpolated along its x."""
    top, bottom = top[np.argsort(top[:, 0])], bottom[np.argsort(bottom[:, 0])]
    for x in range(int(np.ceil(max(top[0, 0], bottom[0, 0]))),
                   int(min(top[-1, 0], bottom[-1, 0])) + 1):
        yield x, np.interp(x, top[:, 0], top[:, 1]), np.interp(x, bottom[:, 0], bottom[:, 1])


def _dropped(mr, image, rest):
    """`mr`'s composite of `image` with the jaw and the lower lip 0.15 IPD down from `rest`
    -> (the frame, its landmarks)."""
    moved = _opened(rest, mr.ipd, down=0.15)
    moved[JAW, 1] += 0.15 * mr.ipd
    return mr.composite(image.copy(), moved), moved


def _lower_band_dropped(mr, image, rest, band):
    """The mean colour, over the mouth's middle columns, where the middle of the rest's lower
    band (`band` IPD tall, on the lower lip) lands when the jaw and the lower lip drop 0.15 IPD."""
    out, _ = _dropped(mr, image, rest)
    y_band = float(rest[14, 1]) - band / 2 * mr.ipd + 0.15 * mr.ipd
    cx, w = int(round(float(rest[[78, 308], 0].mean()))), int(0.1 * mr.ipd)
    return out[int(y_band) - 1:int(y_band) + 2, cx - w:cx + w].reshape(-1, 3).mean(0)


@pytest.mark.parametrize("lower", ["rim", "teeth"])
def test_a_dropped_jaw_leaves_the_rest_lip_rim_behind_and_keeps_a_rest_lower_row(portrait,
                                                                                  lower):
    # a toothy smile whose opening shows, under its upper row, a dark gap and the lower lip's
    # inner rim (deepface's img1): the jaw carried the rim down into the cavity, a second lip
    # under a sliver of the upper row's tips (fear, by eye); a real lower row rides the jaw
    image, rest, frame, colour, band = _below_the_bite(portrait, lower)
    mr = MouthRenderer(image, rest, frame)
    assert mr.rest_patch is not None and 0.4 < mr.bite < 0.8, mr.bite
    assert mr.lower_row == mr.lower_kept == (lower == "teeth")
    shown = _lower_band_dropped(mr, image, rest, band)
    off = float(np.abs(shown - colour).sum())  # summed over R, G and B
    if lower == "rim":  # the made-up lower row, not the rim (78; the rim carried down: 11)
        assert off > 50, (shown, colour)
    else:
        assert off < 25, (shown, colour)  # the rest's own lower row, moved with the jaw (2)


def test_a_laugh_whose_upper_row_is_in_shadow_parts_its_rows(portrait):
    # a laugh's lower row, lit, far lighter than its upper row in the upper lip's shadow
    # (face_recognition's obama2.jpg): the whole opening read as upper teeth, and the lower row
    # stayed up with the skull as the jaw dropped
    image, rest, frame, colour, band = _below_the_bite(portrait, "teeth")
    face = detect_face(portrait).xy.astype(np.float32)
    for x, y0, y1 in _columns(face[region("lips_upper_inner")], face[region("lips_lower_inner")]):
        rows = slice(int(np.ceil(y0)), int(y1) + 1)
        image[rows, x] = (image[rows, x] * 0.4).astype(np.uint8)  # the upper row in shadow
    mr = MouthRenderer(image, rest, frame)
    assert mr.bite < 0.7 and mr.lower_row, (mr.bite, mr.lower_row)
    shown = _lower_band_dropped(mr, image, rest, band)
    assert float(np.abs(shown - colour).sum()) < 25, (shown, colour)  # the row rode the jaw


def test_a_wide_open_mouths_inside_rides_the_jaw_whole(portrait):
    # a mouth open wide at rest (a tongue under a short upper row: the bite at 0.22 on one of
    # DECA's examples): its part under the bite is the mouth's inside, not a lip's rim, and
    # faded with the jaw, its tongue gave way to a row of made-up teeth
    image, rest, frame, colour, band = _below_the_bite(portrait, "tongue")
    mr = MouthRenderer(image, rest, frame)
    assert mr.bite < 0.5 and not mr.lower_row and mr.lower_kept, (mr.bite, mr.lower_row)
    shown = _lower_band_dropped(mr, image, rest, band)
    assert float(np.abs(shown - colour).sum()) < 25, (shown, colour)  # rode the jaw (1; faded 203)


def test_no_made_up_lower_row_beside_a_lower_part_that_rides_the_jaw(portrait):
    # a kept part under the bite is the mouth's own lower row or tongue: a made-up row drawn
    # under it showed where the lips stretched past it, white crescents at the corners (fear
    # on GFPGAN's Justin_Timberlake_crop.png). With the rest's lower part taken out of the
    # way, what it would have covered shows no made-up row (72 light pixels against 554)
    image, rest, frame, colour, band = _below_the_bite(portrait, "tongue")
    mr = MouthRenderer(image, rest, frame)
    assert mr.lower_kept
    origin, patch, (upper, lower) = mr.rest_patch
    mr.rest_patch = (origin, patch, (upper, lower * 0))
    out, moved = _dropped(mr, image, rest)
    grey = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)
    cx, w = int(rest[[78, 308], 0].mean()), int(0.3 * mr.ipd)
    box = grey[int(rest[14, 1] - 0.2 * mr.ipd):int(moved[14, 1]) + 2, cx - w:cx + w]
    assert int((box > 180).sum()) < 200, int((box > 180).sum())


@pytest.mark.parametrize("yaw", [35.0, -35.0])
def test_made_up_crowns_reach_the_near_corner_of_a_turned_mouth(portrait, yaw):
    """Made-up crowns beside a portrait's real ones end short of each rest corner
    (made_up_reach_on_real), each side measured against its own: against half the mouth's
    width, on a turned face (the midline near the far corner) the near side's crowns ended
    halfway to its corner, a black gap like missing teeth (Vermeer's girl, s10 of
    LivePortrait's examples, bared her teeth so). Along the upper row, the near side's outer
    half is as light as the far side's."""
    from core.engine import RenderJob
    from core.rig.engine import RigEngine
    from core.rig.pose import RigPose
    eng = RigEngine()
    turned = eng.render_pose(eng.prepare(portrait), RigPose(head=(yaw, 0.0, 0.0)), 512)
    rest = detect_face(turned).xy
    prepared = eng.prepare(turned)
    mix = EmotionMix.from_preset("angry", au_overrides={45: 0.0})
    img = eng.render_frame(RenderJob(portrait=prepared, mix=mix, size=512, duration=1.0,
                                     fps=25), 15).image
    xy = detect_face(img).xy
    luma = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(float)

    def row(corner):  # the upper row's band from the midline toward `corner`, outer part
        out = []
        for t in np.linspace(0.5, 0.75, 6):
            a, b = xy[13] + t * (xy[corner] - xy[13]), xy[14] + t * (xy[corner] - xy[14])
            x, y = np.round(a + 0.35 * (b - a)).astype(int)
            out.append(luma[y, x])
        return float(np.mean(out))

    near, far = sorted((78, 308), key=lambda k: -np.linalg.norm(rest[k] - rest[13]))
    assert np.linalg.norm(rest[near] - rest[13]) > 1.3 * np.linalg.norm(rest[far] - rest[13])
    assert row(near) > 0.85 * row(far), (row(near), row(far))
