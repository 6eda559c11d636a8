"""A rest smile taken away takes its corner creases with it (core/rig/unsmile.py): the folds
that curl up from the smiling portrait's corners are lifted toward their surroundings outside
the lips; nothing changes without a smile taken, and grayscale stays grayscale."""
import cv2
import numpy as np
import pytest

from core.audio.io import load_audio
from core.mix import EmotionMix
from core.rig.compose import FrameDrive, compose
from core.rig.engine import RigEngine
from core.rig.tuning import IRON
from core.rig.unsmile import _CHEEKS, _OUTER_LIPS, CORNERS, CreaseFlattener
from core.track import neutral_row


@pytest.fixture(scope="module")
def smiling(portrait):
    eng = RigEngine()
    return eng, eng.prepare(portrait)


def _scene(gray: bool = False):
    """A flat skin patch with a dark crease curling up from a mouth corner, and landmarks whose
    lips sit left of the crease."""
    img = np.full((200, 200, 3), (200, 160, 140), np.uint8)
    if gray:
        img[:] = 170
    colour = (110,) * 3 if gray else (120, 90, 80)
    curl = np.array([[93, 108], [100, 104], [106, 97], [109, 90]], np.int32)  # up and out
    cv2.polylines(img, [curl], False, colour, 3)
    xy = np.zeros((478, 2), np.float32)
    xy[:] = (40, 150)  # everything else far away
    lips = np.array([[30, 95], [50, 90], [70, 95], [50, 105]], np.float32)
    xy[_OUTER_LIPS] = lips[np.arange(len(_OUTER_LIPS)) % 4]
    xy[CORNERS] = (90, 110)
    return img, xy


def test_the_crease_fades_and_the_rest_stays():
    img, xy = _scene()
    f = CreaseFlattener(img, xy, ipd_px=100.0)
    out = f.apply(img.copy(), xy, smile_taken=0.5)
    crease = np.all(img == (120, 90, 80), axis=-1)
    assert crease.sum() > 50
    skin = img[~crease].astype(float).mean(0)
    before = np.abs(img[crease].astype(float) - skin).mean()
    after = np.abs(out[crease].astype(float) - skin).mean()
    assert after < 0.6 * before, (before, after)
    ys, xs = np.mgrid[0:200, 0:200]
    far = np.hypot(xs - 90, ys - 110) > 31
    assert np.array_equal(out[far], img[far])  # beyond the radius (0.3 IPD) nothing moves
    assert (out.astype(int) >= img.astype(int)).all()  # it only lifts


def test_nothing_without_a_smile_taken_and_gray_stays_gray():
    img, xy = _scene(gray=True)
    f = CreaseFlattener(img, xy, ipd_px=100.0)
    assert np.array_equal(f.apply(img.copy(), xy, smile_taken=0.0), img)
    out = f.apply(img.copy(), xy, smile_taken=0.5)
    assert not np.array_equal(out, img)
    assert np.ptp(out.astype(int), axis=-1).max() == 0


def _hatched(strokes: int, depth: int):
    """The gray scene with short parallel strokes `depth` levels dark all over the patch."""
    img, xy = _scene(gray=True)
    rng = np.random.default_rng(0)
    for _ in range(strokes):
        x, y = rng.integers(0, 190, 2)
        cv2.line(img, (int(x), int(y)), (int(x) + 8, int(y) + 3), (170 - depth,) * 3, 1)
    return img, xy


def test_textured_skin_keeps_its_texture_and_its_crease_still_lifts():
    """Only darkness beyond the texture around the corners is a crease: lifting all of a pencil
    drawing's hatching left a white blotch beside the mouth."""
    img, xy = _hatched(1500, 25)
    crease = np.all(img == 110, axis=-1)
    f = CreaseFlattener(img, xy, ipd_px=100.0)
    assert f.texture > 3 and f.style_share > 0.5
    out = f.apply(img.copy(), xy, smile_taken=0.5)
    near = np.hypot(*np.mgrid[0:200, 0:200][::-1] - np.array([90, 110])[:, None, None]) < 25
    hatch = np.all(img == 145, axis=-1) & near
    assert hatch.sum() > 30
    lift = out.astype(float) - img.astype(float)
    f.texture = 0.0  # what lifting every darkness does to the same scene
    lift_all = f.apply(img.copy(), xy, smile_taken=0.5).astype(float) - img.astype(float)
    assert lift[hatch].mean() < 0.4 * lift_all[hatch].mean(), (lift[hatch].mean(),
                                                               lift_all[hatch].mean())
    # the crease, 60 levels dark against the strokes' 25, still lifts several times more
    assert lift[crease].mean() > 3 * lift[hatch].mean(), (lift[hatch].mean(),
                                                          lift[crease].mean())


def test_a_drawing_keeps_its_strokes(portrait):
    """A pencil drawing of the smiling portrait (the legibility bench's): its folds are strokes,
    and lifted fully they turned into grey smudges, so they are only softened."""
    from core.face.landmarks import detect_face

    bgr = cv2.cvtColor(portrait, cv2.COLOR_RGB2BGR)
    gray, _ = cv2.pencilSketch(bgr, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
    img = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
    face = detect_face(img)
    xy = face.xy.astype(np.float32)
    f = CreaseFlattener(img, xy, ipd_px=float(np.linalg.norm(xy[468] - xy[473])))
    assert f.texture > 25 and 0.0 < f.style_share < 0.5
    soft = f.apply(img.copy(), xy, smile_taken=1.0).astype(float) - img
    f.style_share = 1.0  # a photo's full lift on the same drawing
    full = f.apply(img.copy(), xy, smile_taken=1.0).astype(float) - img
    assert 0.0 < soft.sum() < 0.5 * full.sum()


def test_the_smiling_portrait_set_to_sad_takes_its_smile(smiling):
    eng, p = smiling
    m = p.motion
    assert m.rest.aus.get(12, 0.0) > 0.3
    sad, _ = compose(m, neutral_row(EmotionMix.from_preset("sad").gates()), FrameDrive({}))
    neutral, _ = compose(m, neutral_row(), FrameDrive({}))
    assert sad.smile_taken > 0.3 and neutral.smile_taken == 0.0


def test_the_smiles_cheeks_are_ironed_and_their_fine_texture_stays(portrait):
    """The folds between the nose wings and the corners flatten (the shading at their scale
    goes), the skin's fine texture stays, the lips and everything off the cheeks are untouched,
    and a grayscale portrait stays grayscale."""
    from core.face.landmarks import detect_face
    from core.face.regions import ipd
    from core.rig.tuning import IRON
    from core.rig.unsmile import _CHEEKS

    xy = detect_face(portrait).landmarks[:, :2].astype(np.float32)
    d = float(ipd(xy))
    for img in (portrait, np.repeat(cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)[..., None], 3, 2)):
        f = CreaseFlattener(img, xy, d)
        out = f._iron(img.copy(), xy, 1.0)
        zone = np.zeros(img.shape[:2], np.uint8)
        for c in _CHEEKS:
            cv2.fillPoly(zone, [np.round(xy[c]).astype(np.int32)], 1)
        lips = np.zeros_like(zone)
        cv2.fillPoly(lips, [np.round(xy[_OUTER_LIPS]).astype(np.int32)], 1)
        inner = cv2.erode(zone, None, iterations=int(0.06 * d)) & (1 - cv2.dilate(lips, None, iterations=int(0.06 * d)))
        g = lambda a, s: cv2.GaussianBlur(a.astype(np.float32).mean(-1), (0, 0), s * d)
        band = lambda a: (g(a, IRON["fine"]) - g(a, IRON["coarse"]))[inner > 0].std()
        pores = lambda a: (a.astype(np.float32).mean(-1) - g(a, 0.012))[inner > 0].std()
        assert band(out) < 0.6 * band(img), (band(out), band(img))  # ~60 % of it goes
        assert abs(pores(out) - pores(img)) < 0.2 * pores(img)  # 3.8 -> 3.2 grey levels
        near = cv2.dilate(zone, None, iterations=int(4 * IRON["feather"] * d) + 3)
        assert np.array_equal(out[near == 0], img[near == 0])  # off the cheeks nothing moves
        assert np.abs(out[lips > 0].astype(int) - img[lips > 0]).max() <= 2  # the lips stay
        if img.ndim == 3 and np.ptp(img.astype(int), axis=-1).max() == 0:
            assert np.ptp(out.astype(int), axis=-1).max() == 0  # gray stays gray


def test_the_source_is_flattened_at_rest_from_changes_made_once(smiling, monkeypatch):
    """The warp moves a source flattened at rest (CreaseFlattener.source): the portrait itself
    with nothing taken; otherwise the creases and laugh lines lifted as `apply` and `unsquint`
    lift them (each is linear in its share, so it is made once at full share and scaled),
    whatever the shares; the portrait is never changed."""
    _, p = smiling
    sp = p.at_size(512)
    f = CreaseFlattener(sp.image, sp.rest_xy, sp.unsmile.ipd)
    before = sp.image.copy()
    assert f.source(sp.image, sp.rest_xy, 0.0, 0.0) is sp.image
    made = []
    lift = f._lift
    monkeypatch.setattr(f, "_lift", lambda *a: made.append(1) or lift(*a))
    for smile, cheek in ((0.6, 0.5), (0.2, 0.1), (0.35, 0.0), (0.0, 0.3)):
        got = f.source(sp.image, sp.rest_xy, smile, cheek)
        want = f.apply(f.unsquint(sp.image.copy(), sp.rest_xy, cheek), sp.rest_xy, smile)
        diff = np.abs(got.astype(int) - want)
        # the cheeks' iron reads the band left after the lift: at a share under 1 it takes a
        # little more (measured: 4 levels at most, on ~200 pixels 2 or more)
        assert diff.max() <= 5 and (diff > 1).sum() < 1000, (smile, cheek, diff.max())
        assert not np.array_equal(got, sp.image)
    assert np.array_equal(sp.image, before)
    assert len(made) == 1 + 3  # the full-share change once; `want`'s three lifts
    assert f.source(sp.image, sp.rest_xy, 0.0, 0.3) is got  # the same shares: kept


def test_a_talking_take_flattens_its_source_once(smiling, speech_wav, monkeypatch):
    """Frame after frame of a sad mix on the smiling portrait, speech moving the shares: one
    flattening, not one a frame, and the rendered frames lose the rest smile's creases (the
    source is warped)."""
    from core.engine import RenderJob

    eng, p = smiling
    job = RenderJob(portrait=p, mix=EmotionMix.from_preset("sad"), size=512, fps=25,
                    audio=load_audio(speech_wav))
    sp = p.at_size(512)
    calls = []
    real = sp.unsmile._lift
    monkeypatch.setattr(sp.unsmile, "_lift", lambda *a: calls.append(1) or real(*a))
    for i in range(15, 40):  # speech from 0.5 s
        shown = eng.render_frame(job, i)  # the last: frame 39, rendered bare below
    assert len(calls) <= 1, len(calls)
    monkeypatch.setattr(sp.unsmile, "source", lambda image, *a: image)
    bare = eng.render_frame(job, 39)
    xy = shown.info["landmarks"]
    d = float(np.linalg.norm(xy[468] - xy[473]))
    zone = np.zeros(shown.image.shape[:2], np.uint8)
    for c in _CHEEKS:
        cv2.fillPoly(zone, [np.round(xy[c]).astype(np.int32)], 1)
    g = lambda a, s: cv2.GaussianBlur(a.astype(np.float32).mean(-1), (0, 0), s * d)
    band = lambda a: (g(a, IRON["fine"]) - g(a, IRON["coarse"]))[zone > 0].std()
    assert band(shown.image) < 0.9 * band(bare.image), (band(shown.image), band(bare.image))
