"""Mouth interior: an opened jaw shows a dark cavity under a bright upper-teeth band; a mouth at
rest keeps its own pixels, and lips closed over a smile's teeth get the line where they meet."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.rig.mouth import MouthRenderer
from tests.rigrender import motions


@pytest.fixture(scope="module")
def rig(p, warper):
    return warper, MouthRenderer(p.image, p.xy, p.frame)


def _render(p, rig, disp):
    warper, mouth = rig
    return mouth.composite(warper.warp(p.image, disp), p.xy + disp)


def test_rest_and_closing_paint_nothing_new(p, rig):
    zero = np.zeros((478, 2), np.float32)
    assert np.abs(_render(p, rig, zero).astype(int) - p.image).mean() < 0.5
    warper, mouth = rig
    d = motions.jaw(p, -0.25)  # lips pressed past contact over the smile's teeth
    warped = warper.warp(p.image, d)
    out = mouth.composite(warped.copy(), p.xy + d)
    # only the line where the lips meet is painted: inside the closed lips' box, in lip colours
    xy = (p.xy + d)[mouth.poly]
    x0, y0 = np.floor(xy.min(0)).astype(int) - 4
    x1, y1 = np.ceil(xy.max(0)).astype(int) + 5
    changed = np.abs(out.astype(int) - warped).max(-1) > 0
    assert changed.any() and not changed[:y0].any() and not changed[y1:].any()
    assert not changed[:, :x0].any() and not changed[:, x1:].any()
    lum = out.astype(float).mean(-1)[changed]
    assert lum.mean() < float(np.mean(mouth.teeth)) * 0.9  # no pale band of squeezed teeth


def test_open_jaw_shows_cavity_and_upper_teeth(p, rig):
    d = motions.jaw(p, 0.25)
    out = _render(p, rig, d).astype(float).mean(-1)
    xy = p.xy + d
    x0, x1 = int(xy[78, 0]) + 8, int(xy[308, 0]) - 8
    top, bottom = xy[13, 1], xy[14, 1]  # upper / lower inner lip, mid-line
    ipd = p.frame.ipd
    cavity = out[int(top + 0.12 * ipd):int(bottom - 0.03 * ipd), x0:x1]
    teeth = out[int(top + 0.01 * ipd):int(top + 0.06 * ipd), x0:x1]
    rest = p.image.astype(float).mean(-1)[int(p.xy[13, 1]):int(p.xy[14, 1]), x0:x1]
    assert cavity.mean() < rest.mean() - 60  # darker than the rest mouth (teeth)
    assert teeth.mean() > cavity.mean() + 60  # a bright band right under the upper lip
    assert cavity.mean() < 110


@pytest.mark.slow
def test_speed(p, rig):
    warper, mouth = rig
    d = motions.jaw(p, 0.3)
    img = warper.warp(p.image, d)
    times = motions.timings(lambda: mouth.composite(img.copy(), p.xy + d), 30)
    assert np.median(times) < 2.5e-3  # target ~1 ms; slack for the shared test machine


def _lab(pixels):
    return cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2LAB)[:, 0] \
        .astype(float) - [0, 128, 128]


def _interior_pixels(img, xy, erode=2):
    from core.face.regions import region

    poly = np.concatenate([region("lips_upper_inner"), region("lips_lower_inner")[::-1][1:-1]])
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(xy[poly]).astype(np.int32)], 1)
    mask = cv2.erode(mask, np.ones((2 * erode + 1, 2 * erode + 1), np.uint8))
    return img[mask > 0]


def test_interior_colours_come_from_the_portrait(p, warper):
    d = motions.jaw(p, 0.3)
    face = cv2.convexHull(np.round(p.xy[:468]).astype(np.int32))
    mask = np.zeros(p.image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [face], 1)
    own = _lab(p.image[mask > 0])
    chroma = np.hypot(own[:, 1], own[:, 2])
    hue = np.degrees(np.arctan2(own[:, 2], own[:, 1]))[chroma > 6]
    mouth = MouthRenderer(p.image, p.xy, p.frame)
    inside = _lab(_interior_pixels(mouth.composite(warper.warp(p.image, d), p.xy + d), p.xy + d))
    c_in = np.hypot(inside[:, 1], inside[:, 2])
    assert len(inside) > 200
    assert c_in.max() <= np.percentile(chroma, 99.5) + 2
    h_in = np.degrees(np.arctan2(inside[:, 2], inside[:, 1]))[c_in > 6]
    assert ((h_in >= hue.min() - 3) & (h_in <= hue.max() + 3)).all()
    # a grayscale portrait: a grayscale interior
    g = cv2.cvtColor(p.image, cv2.COLOR_RGB2GRAY)
    gray = np.dstack([g, g, g])
    mouth = MouthRenderer(gray, p.xy, p.frame)
    out = mouth.composite(warper.warp(gray, d), p.xy + d).astype(int)
    assert np.abs(out - out[..., :1]).max() == 0


def test_teeth_at_rest_part_between_their_rows(p, rig):
    """The sample portrait smiles with its teeth showing: an opening jaw keeps the upper row
    where it was and opens the dark cavity below it, above the lower row."""
    warper, mouth = rig
    # the bite: where the upper row ends (this smile shows its upper row down to the lower lip)
    assert mouth.rest_patch is not None and 0.5 < mouth.bite <= 1.0
    d = motions.jaw(p, 0.25)
    out = mouth.composite(warper.warp(p.image, d), p.xy + d).astype(float).mean(-1)
    rest = p.image.astype(float).mean(-1)
    x = int(p.xy[13, 0])
    cols = slice(x - 6, x + 7)
    top, bite = p.xy[13, 1], p.xy[13, 1] + mouth.bite * (p.xy[14, 1] - p.xy[13, 1])
    upper_teeth = slice(int(top + 2), int(bite - 1))
    assert out[upper_teeth, cols].mean() > rest[upper_teeth, cols].mean() - 12  # still teeth
    column = out[int(top):int(p.xy[14, 1] + d[14, 1] - 4), cols].mean(1)
    dark = np.flatnonzero(column < out[upper_teeth, cols].mean() - 80)  # the cavity
    assert len(dark) > 4 and top + dark[0] >= bite - 1.5  # opens under the upper row


@pytest.mark.parametrize("angle", [-25, 20])
def test_rotated_face_interior_stays_between_the_lips(p, angle):
    from core.face.frame import FaceFrame
    from core.face.landmarks import detect_face
    from core.rig.warp import Warper

    m = cv2.getRotationMatrix2D((256, 256), angle, 1.0)
    img = cv2.warpAffine(p.image, m, (512, 512), borderMode=cv2.BORDER_REFLECT)
    xy = detect_face(img).xy.astype(np.float32)
    frame = FaceFrame.from_landmarks(xy)
    rot = motions.Portrait(img, xy, frame)
    d = motions.jaw(rot, 0.25)
    warped = Warper(xy, img.shape[:2]).warp(img, d)
    mouth = MouthRenderer(img, xy, frame)
    out = mouth.composite(warped.copy(), xy + d)
    changed = np.any(out != warped, -1)
    inner = np.zeros(changed.shape, np.uint8)
    cv2.fillPoly(inner, [np.round((xy + d)[mouth.poly]).astype(np.int32)], 1)
    near = cv2.dilate(inner, np.ones((5, 5), np.uint8)) > 0  # the feathered lip edge
    assert changed.sum() > 300 and not (changed & ~near).any()
    # the upper row sits under the upper lip: bright pixels lie nearer the upper inner lip
    ys, xs = np.nonzero(changed & (cv2.erode(inner, np.ones((3, 3), np.uint8)) > 0))
    lum = out[ys, xs].astype(float).mean(-1)
    c, axes = mouth._mouth_frame(xy + d)
    v = (np.stack([xs, ys], 1) - c) @ axes[1]
    assert v[lum > np.percentile(lum, 80)].mean() < v[lum < np.percentile(lum, 20)].mean()


@pytest.fixture(scope="module")
def grace():
    import matplotlib.cbook

    img = cv2.imread(str(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return cv2.resize(img, (384, 512))[:, :, ::-1].copy()


def test_raised_upper_lip_bares_upper_teeth_with_jaw_closed(grace):
    """AU10 with the jaw closed: the upper teeth show under the raised upper lip (anger,
    disgust), not a dark slot. Grace Hopper's portrait shows no teeth at rest."""
    from core.rig.engine import RigEngine
    from core.rig.pose import RigPose

    engine = RigEngine()
    prepared = engine.prepare(grace)
    sp = prepared.at_size(512)
    assert sp.mouth.rest_patch is None
    img = engine.render_pose(prepared, RigPose(aus={10: 1.0}), 512)
    d = prepared.motion.to_pixels(prepared.motion.displacement(RigPose(aus={10: 1.0})), sp.scale)
    inside = _interior_pixels(img, sp.rest_xy + d, erode=1).astype(float).mean(-1)
    assert len(inside) > 8  # a narrow band at AU10 alone (the jaw stays closed)
    outer = sp.rest_xy[[0, 17, 61, 291]]
    lips = sp.image[int(outer[0, 1]):int(outer[1, 1]), int(outer[2, 0]):int(outer[3, 0])]
    assert np.median(inside) > np.median(lips.astype(float).mean(-1))  # brighter than lips
    assert np.median(inside) > 3 * sp.mouth.cavity.mean()  # teeth, not a dark slot


def test_head_yaw_interior_stays_between_the_lips(p):
    """A head turned 20 degrees with the jaw open: the interior follows the turned lips."""
    from core.rig.engine import RigEngine
    from core.rig.pose import RigPose

    engine = RigEngine()
    prepared = engine.prepare(p.image)
    sp = prepared.at_size(512)
    pose = RigPose(aus={25: 1.0, 26: 0.7}, head=(20.0, 0.0, 0.0))
    d = prepared.motion.to_pixels(prepared.motion.displacement(pose), sp.scale)
    warped = sp.warper.warp(sp.image, d)
    out = sp.mouth.composite(warped.copy(), sp.rest_xy + d)
    changed = np.any(out != warped, -1)
    inner = np.zeros(changed.shape, np.uint8)
    cv2.fillPoly(inner, [np.round((sp.rest_xy + d)[sp.mouth.poly]).astype(np.int32)], 1)
    near = cv2.dilate(inner, np.ones((5, 5), np.uint8)) > 0
    assert changed.sum() > 300 and not (changed & ~near).any()
    assert np.abs(d[[78, 308], 0]).mean() > 3  # the lips did turn


def _max_turn(poly: np.ndarray) -> float:
    """Largest change of direction (degrees) between consecutive segments of an open polyline."""
    d = np.diff(poly, axis=0)
    a = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    return float(np.abs((np.diff(a) + 180) % 360 - 180).max())


def test_open_mouth_outline_is_smooth_through_the_lip_points():
    """The interior's outline runs through every inner-lip landmark, without the kinks that
    straight segments drew beside the corners of an open mouth."""
    from core.rig.au_points import catmull_rom

    u = np.linspace(-1, 1, 11)
    pts = np.stack([u * 40, 14 * u ** 2], 1).astype(np.float32)  # a lower lip, 11 points
    op = catmull_rom(len(pts), 4)
    curve = op @ pts
    np.testing.assert_allclose(curve[::4], pts, atol=1e-4)  # through every point
    assert _max_turn(curve[4:-4]) < 0.5 * _max_turn(pts[1:-1])


def test_a_smile_taken_away_shades_the_teeth_behind_the_canines(p, rig):
    """The smiling portrait's real teeth span its smile: with the smile taken away, an opening
    mouth darkens from the lateral incisors out (relaxed lips cover the canines) and keeps its
    central teeth."""
    warper, mouth = rig
    d = motions.jaw(p, 0.25)
    warped = warper.warp(p.image, d)
    kept = mouth.composite(warped.copy(), p.xy + d).astype(float).mean(-1)
    taken = mouth.composite(warped.copy(), p.xy + d, smile_taken=1.0).astype(float).mean(-1)
    xy, ipd = p.xy + d, p.frame.ipd
    y = int(xy[13, 1] + 0.03 * ipd)  # the upper teeth's row
    mid = int(xy[13, 0])
    front = slice(mid - int(0.17 * ipd), mid + int(0.17 * ipd))
    side = np.r_[int(xy[78, 0]) + 3:mid - int(0.34 * ipd), mid + int(0.34 * ipd):int(xy[308, 0]) - 3]
    assert np.abs(taken[y, front] - kept[y, front]).max() < 1.0
    teeth = side[kept[y, side] > 70]  # where the smile's lateral teeth showed
    assert len(teeth) >= 4
    assert taken[y, teeth].mean() < kept[y, teeth].mean() - 30  # 87 -> 40 grey levels


def test_a_grayscale_mouth_keeps_its_tongue_dark(p):
    """Only lightness tells a grayscale portrait's tongue from its cavity: it is made darker than
    a colour portrait's (at the colour level an open mouth read as a flat grey plate)."""
    from core.rig.mouth import MOUTH_TUNING

    gray = np.repeat(cv2.cvtColor(p.image, cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2)
    colour, mono = MouthRenderer(p.image, p.xy, p.frame), MouthRenderer(gray, p.xy, p.frame)
    assert np.ptp(mono.tongue) < 1e-3  # still gray
    np.testing.assert_allclose(colour.tongue / colour.cavity,
                               MOUTH_TUNING["tongue_level"] / MOUTH_TUNING["cavity_level"], rtol=1e-4)
    np.testing.assert_allclose(mono.tongue / mono.cavity,
                               MOUTH_TUNING["tongue_level_gray"] / MOUTH_TUNING["cavity_level"],
                               rtol=1e-4)


def _lab_of(rgb) -> np.ndarray:
    """One colour in float CIE Lab (L* 0-100)."""
    return cv2.cvtColor(np.float32(rgb).reshape(1, 1, 3) / 255, cv2.COLOR_RGB2LAB)[0, 0]


def test_made_up_teeth_on_a_painting_read_as_teeth(grace):
    """A painted portrait (saturated skin, no visible teeth, eye whites behind tinted lenses):
    the made-up teeth are clearly lighter than its skin, a warm off-white of its own hue.
    At L* 73 with a third of the skin's chroma they read as a blue-grey mouthguard beside the
    orange skin (by eye on docs/legibility_painting.jpg)."""
    from core.rig.engine import RigEngine
    from core.rig.mouth import portrait_palette

    painted = cv2.stylization(grace[:, :, ::-1].copy(), sigma_s=60, sigma_r=0.45)[:, :, ::-1]
    prepared = RigEngine().prepare(np.ascontiguousarray(painted))
    pal = portrait_palette(prepared.image, prepared.analysis.landmarks[:, :2], False)
    teeth, skin = _lab_of(pal["teeth"]), _lab_of(pal["skin"])
    assert teeth[0] >= skin[0] + 25, (teeth, skin)  # lighter than the skin by far
    assert np.hypot(*teeth[1:]) < np.hypot(*skin[1:])  # paler than the skin ...
    assert np.hypot(*teeth[1:]) >= 0.4 * np.hypot(*skin[1:])  # ... but of its hue, not grey
    hue = lambda lab: np.degrees(np.arctan2(lab[2], lab[1]))  # noqa: E731
    assert abs(hue(teeth) - hue(skin)) < 5  # no channel clipped off the hue
    assert np.hypot(*teeth[1:]) <= 14.5  # near white, as real teeth are


def test_made_up_teeth_on_a_grayscale_portrait_are_grey(grace):
    from core.rig.engine import RigEngine
    from core.rig.mouth import portrait_palette

    gray = np.repeat(cv2.cvtColor(grace, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
    prepared = RigEngine().prepare(gray)
    teeth = portrait_palette(prepared.image, prepared.analysis.landmarks[:, :2], False)["teeth"]
    assert teeth[0] == teeth[1] == teeth[2] and teeth[0] > 200


def test_made_up_teeth_have_a_scalloped_gum_line(grace):
    """A lip raised past made-up crowns (disgust: AU9 + AU10) shows the gum coming down between
    the teeth (the interdental papillae): at the dental midline the crown's top stands lower than
    over the central incisors' middles by about papilla_height of the crown. Before, one
    straight gum line ran over every crown and read as a strip of plastic (by eye, at 1.5)."""
    from core.rig.engine import RigEngine
    from core.rig.mouth import MOUTH_TUNING
    from core.rig.pose import RigPose

    engine = RigEngine()
    prepared = engine.prepare(grace)
    sp = prepared.at_size(1024)
    assert sp.mouth.rest_patch is None  # made-up teeth
    ipd = float(np.linalg.norm(sp.rest_xy[473] - sp.rest_xy[468]))
    lum = engine.render_pose(prepared, RigPose(aus={10: 1.0, 9: 1.0}), 1024).astype(float).mean(-1)
    mid = sp.rest_xy[13, 0]  # the dental midline; no head motion, the teeth stay on it
    rows = slice(int(sp.rest_xy[0, 1]) - 30, int(sp.rest_xy[14, 1]) + 10)

    def crown_top(x: float) -> int:
        bright = np.flatnonzero(lum[rows, int(round(x))] > 0.85 * float(np.mean(sp.mouth.teeth)))
        assert len(bright), x
        return int(bright.min())

    centre = 0.5 * MOUTH_TUNING["tooth_edges"][0] * ipd  # a central incisor's middle
    over_crowns = (crown_top(mid - centre) + crown_top(mid + centre)) / 2
    papilla = MOUTH_TUNING["papilla_height"] * MOUTH_TUNING["crown_height"] * ipd  # ~5 px
    assert crown_top(mid) - over_crowns >= 0.6 * papilla  # now 5 px; before 1


def test_lips_meet_toward_the_corners_where_they_barely_part(p, rig):
    """A sad mouth parting to speak opened as a thin arch down to its lowered corners, teeth
    painted along it and black dots at its ends: toward the corners, where the lips stand under
    MOUTH_TUNING seal_gap apart, the interior fades out (they meet); the middle keeps it, and a
    mouth open wide keeps it to its corners."""
    from core.rig.mouth import MOUTH_TUNING
    from core.rig.roi import poly_box

    _, mouth = rig
    xy = p.xy
    frame = mouth._mouth_frame(xy)
    skull, _ = mouth._bones(xy)
    x0, y0, x1, y1 = poly_box(mouth.outline(xy), p.image.shape, mouth._box_pad)
    grid = mouth._grid(xy, (y1 - y0, x1 - x0), np.array([x0, y0], np.float32), skull, frame)

    def apart(ipd_share):
        half = np.float32(ipd_share * mouth.ipd / 2)
        return np.full_like(grid.v, -half), np.full_like(grid.v, half)

    lo, hi = MOUTH_TUNING["seal_gap"]
    thin = mouth._sealed_corners(grid, apart(0.8 * lo))
    assert thin[grid.lateral > 0.97].max() < 0.1  # met at the corners
    assert thin[grid.lateral < MOUTH_TUNING["seal_from"]].min() == 1.0  # open in the middle
    # wide open to the corners: a gap of exactly seal_gap[1], taken to px and back to IPD in
    # float32, lands a hair under it for some IPDs (0.029999997), so the lips stand a float32
    # step past it
    assert mouth._sealed_corners(grid, apart(hi * (1 + 1e-6))).min() == 1.0
