"""AU shading layer: creases darken where their AU says, move with the landmarks, leave colour
(and a grayscale portrait's grayness) alone, and leave a frame without those AUs untouched."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.face.regions import region
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.shading import ShadingRenderer, landmarks
from core.rig.shading_table import CREASES, SHADING_TUNING

EMOTIONS = ("happy", "sad", "angry", "disgusted", "fearful", "surprised")


@pytest.fixture(scope="module")
def shading(p):
    return ShadingRenderer(p.image, p.xy, p.frame)


def luma(img):
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(float)


def max_drop(before, after, centre, half):
    (x, y), h = np.round(centre).astype(int), int(half)
    return (luma(before) - luma(after))[y - h:y + h + 1, x - h:x + h + 1].max()


def on_crease(p, name, k):
    """Image position of anchor k of a crease (subject's right side) at rest."""
    points, dx, dy, _ = CREASES[name].path[k]
    return p.xy[landmarks(points)].mean(0) + p.frame.vectors_to_image(np.array([dx, dy]))


def test_no_shading_aus_leave_pixels_identical(p, shading):
    for aus in ({}, {25: 1.0, 26: 0.8, 45: 1.0, 5: 1.0}):
        img = p.image.copy()
        assert np.array_equal(shading.apply(img, aus, p.xy), p.image)


def test_each_crease_darkens_where_its_au_says(p, shading):
    places = {"glabella_vertical": (1, 4), "nasolabial": (3, 12), "forehead_1_lateral": (1, 2),
              "crows_feet_middle": (1, 6), "nose_bunny_upper": (1, 9), "mentolabial": (1, 17)}
    for au in (2, 4, 6, 9, 12, 17):
        out = shading.apply(p.image.copy(), {au: 1.0}, p.xy)
        for name, (k, owner) in places.items():
            drop = max_drop(p.image, out, on_crease(p, name, k), 0.03 * p.frame.ipd)
            if owner == au:
                assert drop > 4.0, (au, name, drop)
            elif not CREASES[name].aus.get(au):
                assert drop < 1.0, (au, name, drop)


def darkening_row(before, after, x0, x1, y0=0, y1=None):
    """The row where the crease darkens most, inside columns x0:x1 and rows y0:y1."""
    d = np.clip(luma(before) - luma(after), 0, None)[y0:y1, x0:x1].sum(1)
    return y0 + int(np.argmax(d))


def test_crease_moves_with_the_brows_and_the_mouth_corner(p, shading):
    # forehead lines ride the brows: lift the brow landmarks 6 px
    brows = np.concatenate([region(n) for n in ("R_brow_upper", "R_brow_lower",
                                                "L_brow_upper", "L_brow_lower")])
    lifted = p.xy.copy()
    lifted[brows, 1] -= 6
    x0, x1 = int(p.xy[105, 0]) - 5, int(p.xy[66, 0]) + 5
    y = int(on_crease(p, "forehead_1_lateral", 1)[1])  # the lowest line, 10 px below the next
    rows = (y - 10, y + 5)
    a = darkening_row(p.image, shading.apply(p.image.copy(), {2: 1.0}, p.xy), x0, x1, *rows)
    b = darkening_row(p.image, shading.apply(p.image.copy(), {2: 1.0}, lifted), x0, x1, *rows)
    assert a - b == pytest.approx(6, abs=1)
    # the nasolabial fold's lower half hangs on the mouth corner: move the corner 5 px out
    out = p.xy.copy()
    out[61, 0] -= 5
    ipd = p.frame.ipd
    y0, y1 = int(p.xy[61, 1] - 0.08 * ipd), int(p.xy[61, 1] + 0.08 * ipd)
    x0 = int(p.xy[61, 0] - 0.3 * ipd)

    def column(xy):
        after = shading.apply(p.image.copy(), {12: 1.0}, xy)
        d = np.clip(luma(p.image) - luma(after), 0, None)[y0:y1, x0:int(p.xy[61, 0])].sum(0)
        return x0 + int(np.argmax(d))

    assert column(p.xy) - column(out) == pytest.approx(5, abs=1.5)


def test_lights_keep_colour_and_shadows_take_the_skins(p, shading):
    aus = {1: 1, 2: 1, 4: 1, 6: 1, 9: 1, 12: 1, 17: 1, 24: 1}
    out = shading.apply(p.image.copy(), aus, p.xy)
    changed = np.any(out != p.image, -1)
    assert changed.mean() > 0.01
    # lit: the same change to R, G and B (Y moves, Cb and Cr stay), away from the shadows (a
    # map cell's blend with a shadow's next to it takes a little of its hue)
    step = out.astype(int) - p.image
    ok = (out.min(-1) > 0) & (out.max(-1) < 255)  # not clipped
    near_dark = cv2.dilate((step.min(-1) < 0).astype(np.uint8), np.ones((5, 5), np.uint8))
    lit = ok & (step.min(-1) > 0) & (near_dark == 0)
    assert lit.sum() > 100
    assert np.array_equal(step[lit][:, 0], step[lit][:, 1])
    assert np.array_equal(step[lit][:, 0], step[lit][:, 2])
    # dark: a deep shadow on this warm skin is warmer than its light, as the photo's own
    # darker skin is (its blue share falls), rather than greying like a filter
    drop = luma(p.image) - luma(out)
    deep = ok & (drop > 0.15 * luma(p.image))
    assert deep.sum() > 50
    before, toned = p.image[deep].astype(float), out[deep].astype(float)
    assert shading.tone[0] > shading.tone[2]
    assert np.median(toned[:, 2] / toned[:, 0]) < np.median(before[:, 2] / before[:, 0]) - 0.03


def test_a_washed_out_forehead_gets_skin_coloured_lines_not_grey(p):
    # a flash photo: the skin's highlights washed out toward a colourless white (the forehead
    # most) on a warm face. Darkened alike, the forehead's lines kept its faint hue and came
    # out grey; the photo's own darker skin keeps its colour, and so does a fold's shadow
    img = p.image.copy()
    y = luma(img)[..., None]
    bright = np.clip((y - np.median(y)) / 60.0, 0.0, 1.0)  # how far into the highlights
    washed = y + 0.3 * (img - y) + 20
    img = np.clip(img * (1 - bright) + washed * bright, 0, 255).astype(np.uint8)
    fore = region("forehead")
    (x0, y0), (x1, y1) = p.xy[fore].min(0).astype(int), p.xy[fore].max(0).astype(int)
    renderer = ShadingRenderer(img, p.xy, p.frame)
    out = renderer.apply(img.copy(), {1: 1.0, 2: 1.0}, p.xy)
    lines = (luma(img) - luma(out))[y0:y1, x0:x1] > 15
    assert lines.sum() > 30
    after = out[y0:y1, x0:x1][lines].astype(float)
    before = img[y0:y1, x0:x1][lines].astype(float)
    warmer = (after[:, 0] - after[:, 2]) - (before[:, 0] - before[:, 2])  # R over B
    assert np.median(warmer) >= 3 and renderer.tone[0] > renderer.tone[2]


def test_shadows_take_the_tint_of_the_portraits_own_shadows(p):
    """A colour-graded photo whose darker skin keeps the same colour per unit luminance as its
    lighter skin (every skin pixel recoloured to one hue, its luminance kept): its folds keep
    that hue. Leaning toward the skin's median colour (blue darkened 1.3x the luminance) drew a
    beige stubble's smile folds as orange arcs."""
    y = luma(p.image)[..., None]
    hue = np.array([1.25, 0.93, 0.8])  # c / Y, Y = 0.299 R + 0.587 G + 0.114 B = 1 for it
    hue /= hue @ [0.299, 0.587, 0.114]
    graded = np.clip(y * hue, 0, 255).astype(np.uint8)
    renderer = ShadingRenderer(graded, p.xy, p.frame)
    out = renderer.apply(graded.copy(), {6: 1.0, 12: 1.0, 4: 1.0, 1: 1.0, 2: 1.0}, p.xy)
    drop = luma(graded) - luma(out)
    ok = (out.max(-1) < 255) & (graded.min(-1) > 20)
    deep = ok & (drop > 0.12 * luma(graded))
    assert deep.sum() > 50
    before, after = graded[deep].astype(float), out[deep].astype(float)
    # blue's share of red the same in the folds as on the skin around them (2 %)
    np.testing.assert_allclose(np.median(after[:, 2] / after[:, 0]),
                               np.median(before[:, 2] / before[:, 0]), rtol=0.02)


def test_a_fold_on_a_clipped_highlight_takes_the_skins_colour(p, monkeypatch):
    """A blown-out cheek (red clipped at 255, as on a painting's near-white light or a flash
    photo) has lost its hue: darkened in its own washed-out colour, a smile's fold came out a
    cool grey stroke beside warm skin (LivePortrait's s3: (255, 230, 206) -> (223, 206, 192)).
    In the shadow it takes the skin's own colour at its new luminance, as the portrait's
    darker skin has it; pixels under the clip are shaded as before."""
    y = luma(p.image)[..., None]
    bright = np.clip((y - np.median(y) + 20) / 40.0, 0.0, 1.0)  # how far into the light
    blown = y + 0.35 * (p.image - y) + 90  # toward white, red past 255
    img = np.clip(p.image * (1 - bright) + blown * bright, 0, 255).astype(np.uint8)
    renderer = ShadingRenderer(img, p.xy, p.frame)
    aus = {6: 1.0, 12: 1.0, 9: 1.0}
    out = renderer.apply(img.copy(), aus, p.xy)
    drop = luma(img) - luma(out)
    y_out = np.maximum(luma(out), 1.0)
    clipped = (img.max(-1) >= 252) & (drop > 0.1 * luma(img))
    assert clipped.sum() > 50
    rb = (out[..., 0].astype(float) - out[..., 2]) / y_out  # red over blue per unit luminance
    tone_rb = float(renderer.tone[0] - renderer.tone[2])
    was = float(np.median((img[clipped][:, 0].astype(float) - img[clipped][:, 2])
                          / luma(img)[clipped]))
    now = float(np.median(rb[clipped]))
    assert tone_rb > was + 0.1  # the clip took the skin's hue away
    assert now > was + 0.4 * (tone_rb - was), (was, now, tone_rb)  # back toward it
    assert now < tone_rb + 0.02  # never past the skin's own colour (no orange marker)
    # under the clip: exactly the shading without this step
    monkeypatch.setitem(SHADING_TUNING, "clip_from", 256.0)
    without = renderer.apply(img.copy(), aus, p.xy)
    under = img.max(-1) < 235
    assert (drop[under] > 2).sum() > 100
    assert np.array_equal(out[under], without[under])
    assert not np.array_equal(out[clipped], without[clipped])


@pytest.fixture(scope="module")
def gray_portrait(p):
    g = cv2.cvtColor(p.image, cv2.COLOR_RGB2GRAY)
    return np.dstack([g, g, g])


def test_grayscale_portrait_renders_grayscale(gray_portrait, speech_wav):
    from core.audio.io import load_audio

    engine = RigEngine()
    prepared = engine.prepare(gray_portrait)
    frames = [engine.render_frame(RenderJob(portrait=prepared, duration=1.0, size=384,
                                            mix=EmotionMix.from_preset(e)), 12)
              for e in EMOTIONS]
    job = RenderJob(portrait=prepared, audio=load_audio(speech_wav), size=384,
                    mix=EmotionMix.from_preset("angrily disgusted"))
    frames += [engine.render_frame(job, i) for i in (30, 45, 60)]
    for f in frames:
        img = f.image.astype(int)
        assert np.abs(img - img[..., :1]).max() == 0  # R = G = B, as in the portrait
    assert any(f.info["activity"] > 0 for f in frames[-3:])


def test_shading_off_equals_today_without_aus(p):
    engine = RigEngine()
    prepared = engine.prepare(p.image)
    job = RenderJob(portrait=prepared, duration=1.0, size=512)
    sp = prepared.at_size(512)
    on = engine.render_frame(job, 10).image
    sp.shading.enabled = False
    try:
        off = engine.render_frame(job, 10).image
    finally:
        sp.shading.enabled = True
    assert np.array_equal(on, off)
    surprised = RenderJob(portrait=prepared, duration=1.0, size=512,
                          mix=EmotionMix.from_preset("surprised"))
    assert not np.array_equal(engine.render_frame(surprised, 10).image, off)


def test_a_deep_nasolabial_fold_is_a_shadow_not_a_white_streak(p, shading):
    # disgust's AU9 + AU10: the fold darkens; the lit cheek beside it stays faint. At 0.55 of
    # the depth its lit lip brightened the cheek 17-19 levels against a 12-13 level fold here,
    # a white scar down the cheek on photos and paintings (by eye); now 3-4 against 14-16
    out = shading.apply(p.image.copy(), {9: 1.0, 10: 1.0}, p.xy)
    diff = luma(out) - luma(p.image)
    r = int(0.1 * p.frame.ipd)
    for k in (2, 3, 4):  # along the fold, beside the nose wing to past the mouth corner
        (x, y) = np.round(on_crease(p, "nasolabial", k)).astype(int)
        patch = diff[y - r:y + r + 1, x - r:x + r + 1]
        assert -patch.min() > 10.0, k  # a fold
        assert patch.max() < 0.4 * -patch.min(), (k, patch.max(), patch.min())


def test_a_smoothed_crease_runs_through_its_anchors_on_a_curve(shading):
    """A crease with `smooth` k is drawn as k segments per path segment along a Catmull-Rom
    curve: it still passes through every anchor (the nasolabial fold, bent straight at the mouth
    corner's anchor, read as a drawn ">")."""
    from core.rig.au_points import catmull_rom

    crease = CREASES["nasolabial"]
    assert crease.smooth > 1
    placed = [pl for pl in shading.placed if pl.crease is crease]
    assert placed
    n = len(crease.path)
    for pl in placed:
        assert pl.rows.stop - pl.rows.start == (n - 1) * crease.smooth + 1
    op = catmull_rom(n, crease.smooth)
    assert np.allclose(op[:: crease.smooth], np.eye(n), atol=1e-6)  # through the anchors


def test_disgust_wrinkles_the_nasal_bridge_visibly(p, shading):
    # AU9's folds across the bridge, from the nasion to bridge_lower, along its midline (rows'
    # mean darkening, grey levels): were two faint ones (8 and 12 levels deep at 512 px, a
    # hairline on smooth skin); now at least three, the deepest 16 levels or more, each standing
    # 3 levels or more over the rows between it and the next (a scrunched nose, not one smear)
    out = shading.apply(p.image.copy(), {9: 1.0}, p.xy)
    ipd = p.frame.ipd
    y0, y1 = int(p.xy[168, 1] - 0.05 * ipd), int(p.xy[197, 1] + 0.05 * ipd)
    cx, w = int(p.xy[6, 0]), int(0.06 * ipd)
    rows = (luma(p.image) - luma(out))[y0:y1, cx - w:cx + w].mean(1)
    folds, dip = [], np.inf  # peaks over 5 levels, each 3 over the lowest row since the last
    for k in range(1, len(rows) - 1):
        dip = min(dip, rows[k])
        if rows[k] > 5 and rows[k] >= rows[k - 1] and rows[k] > rows[k + 1]:
            if not folds or rows[k] - dip >= 3:
                folds.append(rows[k])
            elif rows[k] > folds[-1]:
                folds[-1] = rows[k]
            dip = rows[k]
    assert len(folds) >= 3 and max(folds) >= 16, np.round(rows, 1)
