"""A raised brow uncovers lid skin (core/rig/lid_reveal.py): the stretched strip under the brow
is drawn toward the portrait's skin, not left as a smeared band of the brow's shadow."""
import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.face.regions import region
from core.mix import EmotionMix
from core.rig import lid_reveal
from core.rig.engine import RigEngine
from core.rig.lid_reveal import LidReveal
from core.rig.portrait import PreparedPortrait
from core.rig.tuning import REVEAL


@pytest.fixture(scope="module")
def heavy_brows(portrait):
    """The sample portrait with the strips under its brows painted a dark brown at rest: the
    shadow a low, heavy brow casts (a squint, deep-set eyes)."""
    eng = RigEngine()
    analysis = eng.prepare(portrait).analysis
    img = portrait.copy()
    for side in (0, 1):
        poly = lid_reveal._strip(analysis.xy, side)
        cv2.fillPoly(img, [np.round(poly).astype(np.int32)], (95, 62, 40))
    return eng, PreparedPortrait(img, analysis)


def _frame(eng, p, emotion):
    job = RenderJob(portrait=p, mix=EmotionMix.from_preset(emotion, au_overrides={45: 0.0}),
                    size=512, duration=1.0, fps=25)
    return eng.render_frame(job, 15)


def _strip_mask(xy, side):
    mask = np.zeros((512, 512), np.uint8)
    cv2.fillPoly(mask, [np.round(lid_reveal._strip(xy, side)).astype(np.int32)], 1)
    return mask.astype(bool)


def test_a_stretched_strip_is_lifted_toward_the_skin(heavy_brows, monkeypatch):
    eng, p = heavy_brows
    shown = _frame(eng, p, "surprised")
    xy = shown.info["landmarks"]
    shares = p.at_size(512).lids.shares(xy)
    monkeypatch.setitem(REVEAL, "share", 0.0)
    bare = _frame(eng, p, "surprised")
    assert max(shares) > 0.3  # surprise stretches the strips
    y_shown = cv2.cvtColor(shown.image, cv2.COLOR_RGB2GRAY).astype(float)
    y_bare = cv2.cvtColor(bare.image, cv2.COLOR_RGB2GRAY).astype(float)
    side = int(np.argmax(shares))
    strip = _strip_mask(xy, side)
    assert y_shown[strip].mean() > y_bare[strip].mean() + 12
    # nothing moves but the painted strips (down to the ring above the lid) and their
    # feathered rims
    rim = int(np.ceil(3 * REVEAL["feather"] * p.at_size(512).lids.ipd))  # the blur's reach
    painted = np.zeros((512, 512), np.uint8)
    for s in (0, 1):
        cv2.fillPoly(painted, [np.round(lid_reveal.painted(xy, s)).astype(np.int32)], 1)
    near = cv2.dilate(painted,
                      np.ones((2 * rim + 1, 2 * rim + 1), np.uint8)).astype(bool)
    assert np.array_equal(shown.image[~near], bare.image[~near])


def test_an_unstretched_strip_is_left_alone(heavy_brows):
    eng, p = heavy_brows
    sp = p.at_size(512)
    rest = sp.rest_xy
    assert sp.lids.shares(rest) == [0.0, 0.0]
    assert np.array_equal(sp.lids.apply(sp.image.copy(), rest), sp.image)


def test_behind_glasses_the_strip_ends_at_the_rims():
    """Glasses pinned in the warp (core/rig/rims.py): the brow's strip is painted from the brow
    down to the top rims, never over the frames or behind the lenses."""
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    hopper = cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)[0:560, 60:452], (392, 560))
    p = RigEngine().prepare(cv2.stylization(hopper, sigma_s=60, sigma_r=0.45))
    sp = p.at_size(512)
    assert sp.lids.rims is not None
    rest = sp.rest_xy
    assert sp.lids.shares(rest) == [0.0, 0.0]
    lifted = rest.copy()  # the brows raised whole (their light hair moves as blocks)
    brows = [region(f"{s}_brow_{e}") for s in "RL" for e in ("upper", "lower")]
    lifted[np.concatenate(brows), 1] -= 0.1 * p.frame.ipd
    assert min(sp.lids.shares(lifted)) > 0.9
    out = sp.lids.apply(sp.image.copy(), lifted)
    changed = (out != sp.image).any(2)
    assert changed.sum() > 100
    # nothing on the frames (each band drawn whole, top rims and bridge) or under them
    frames = np.zeros(changed.shape, np.uint8)
    rims = sp.lids.rims
    for top, bottom in p.motion.rims.edges:
        band = np.concatenate([rims.rest_pins[top], rims.rest_pins[bottom][::-1]])
        cv2.fillPoly(frames, [np.round(band).astype(np.int32)], 1)
    below = np.zeros_like(frames)
    for s in (0, 1):  # from each top rim down to the lower lid
        edge = rims.rest_pins[p.motion.rims.edges[s][1]]
        lid = rest[region(("R", "L")[s] + "_eye_lower_lid"), :2]
        hull = cv2.convexHull(np.round(np.concatenate([edge, lid])).astype(np.int32))
        cv2.fillConvexPoly(below, hull, 1)
    # (the bands reach GLASSES["band_margin"] past the frames' edges: their outer pixels may
    # take a little of the lift)
    inner = cv2.erode(frames, np.ones((3, 3), np.uint8)).astype(bool)
    assert not changed[inner].any()
    assert not changed[cv2.erode(below, np.ones((3, 3), np.uint8)).astype(bool)].any()


def test_over_glasses_the_strip_never_folds_under_the_rim():
    """Face Mesh puts some of the lower brow points on or under a rim when the brow sits on the
    frame (grace_hopper.jpg's stylized copy): the strip's brow edge is lifted onto the rim
    there. Left under it, the polygon folded back and cancelled its own area, so a raised
    brow's stretch read as none and the strip was never painted (streaks down to the frame)."""
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    hopper = cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)[0:560, 60:452], (392, 560))
    sp = RigEngine().prepare(cv2.stylization(hopper, sigma_s=60, sigma_r=0.45)).at_size(512)
    rims, rest = sp.lids.rims, sp.rest_xy
    under = 0
    for s in (0, 1):
        rim = rims.at(rims.top[s], None)
        rim = rim[np.argsort(rim[:, 0])]
        raw = rest[lid_reveal._BROW[s], :2]
        under += int((raw[:, 1] > np.interp(raw[:, 0], rim[:, 0], rim[:, 1]) + 1).sum())
        brow = rims.strip(rest, s, None)[:len(lid_reveal._BROW[s])]
        assert (brow[:, 1] <= np.interp(brow[:, 0], rim[:, 0], rim[:, 1]) + 1e-3).all()
        # a brow raised by 0.08 IPD is seen as stretched (its strip's mean height grows by
        # at least half that)
        raised = rest.copy()
        raised[lid_reveal._BROW[s], 1] -= 0.08 * sp.lids.ipd
        grown = lid_reveal._height(rims.strip(raised, s, None), s) - \
            lid_reveal._height(rims.strip(rest, s, None), s)
        assert grown > 0.04 * sp.lids.ipd, (s, grown / sp.lids.ipd)
    assert under > 0  # the portrait has brow points under its rims: the case is exercised


def test_a_grayscale_strip_stays_grayscale(portrait):
    g = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
    gray = np.dstack([g, g, g])
    eng = RigEngine()
    p = eng.prepare(gray)
    sp = p.at_size(512)
    lifted = sp.rest_xy.copy()
    lifted[np.concatenate(lid_reveal._BROW), 1] -= 0.15 * p.frame.ipd
    out = sp.lids.apply(sp.image.copy(), lifted).astype(int)
    assert not np.array_equal(out, sp.image)
    assert np.abs(out - out[..., :1]).max() == 0


def test_a_strip_seen_edge_on_is_not_stretched_by_a_twitch(portrait):
    # a near profile's far eye: brow edge and fold ring nearly on one line at rest (0.01 IPD); a
    # 0.01 IPD lift made it "4x stretched" and lifted it fully
    eng = RigEngine()
    p = eng.prepare(portrait)
    sp = p.at_size(512)
    ipd = p.frame.ipd * sp.scale
    rest = sp.rest_xy.copy()
    for side in (0, 1):
        fold = rest[lid_reveal._FOLD[side], 1]
        rest[lid_reveal._BROW[side], 1] = fold.min() - 0.01 * ipd
    lids = LidReveal(sp.image, rest, ipd)
    twitch = rest.copy()
    twitch[np.concatenate(lid_reveal._BROW), 1] -= 0.01 * ipd
    assert lids.shares(twitch) == [0.0, 0.0]


def test_a_shadowed_sides_strip_stays_in_shadow(heavy_brows):
    # a face lit from one side: the shadowed half's strip is drawn toward that half's own skin,
    # not the whole face's (a lit patch cut out under the brow, fear on a side-lit painting)
    eng, p = heavy_brows
    sp = p.at_size(512)
    rest = sp.rest_xy
    img = sp.image.copy()
    mid = int(round(float(rest[[468, 473], 0].mean())))
    img[:, mid:] = (img[:, mid:] * 0.55).astype(np.uint8)  # the subject's left half in shadow
    lids = LidReveal(img, rest, sp.lids.ipd)
    luma = np.array([0.299, 0.587, 0.114])
    lit, shade = (float(lids.skin[s] @ luma) for s in (0, 1))
    assert shade < 0.7 * lit
    lifted = rest.copy()
    lifted[np.concatenate(lid_reveal._BROW), 1] -= 0.15 * p.frame.ipd
    out = cv2.cvtColor(lids.apply(img.copy(), lifted), cv2.COLOR_RGB2GRAY).astype(float)
    dark = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) < shade - 10  # what the lift draws up
    strip = _strip_mask(lifted, 1) & (np.arange(512)[None, :] > mid + 3) & dark
    assert strip.sum() > 50
    # lifted up to the shadowed half's skin, not past it toward the lit half's
    assert out[strip].max() < shade + 3, (out[strip].max(), shade, lit)
    assert out[strip].mean() > cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[strip].mean() + 5


def painted_sockets(portrait):
    """(engine, prepared portrait): the sample portrait with each side's painted region (its
    brow's lower edge down to the ring above the lid) one flat dark brown at rest."""
    eng = RigEngine()
    analysis = eng.prepare(portrait).analysis
    img = portrait.copy()
    for side in (0, 1):
        cv2.fillPoly(img, [np.round(lid_reveal.painted(analysis.xy, side)).astype(np.int32)],
                     (95, 62, 40))
    return eng, PreparedPortrait(img, analysis)


def test_a_deep_socket_is_lifted_from_a_small_stretch_down_past_the_fold(portrait, monkeypatch):
    """Dark-browed photos with deep-set eyes smeared their brows' shadow into a band down to
    the lids from a 1.4-1.5x stretch (sadness, surprise on five of seven such portraits, by
    eye), where the lift began only at 1.3x and reached nothing at the fold ring: the socket
    painted dark down to the ring above the lid, sadness's small stretch lifts it, past the
    fold ring too."""
    eng, p = painted_sockets(portrait)
    shown = _frame(eng, p, "sad")
    xy = shown.info["landmarks"]
    assert min(p.at_size(512).lids.shares(xy)) > 0.5
    monkeypatch.setitem(REVEAL, "share", 0.0)
    bare = _frame(eng, p, "sad")
    y_shown = cv2.cvtColor(shown.image, cv2.COLOR_RGB2GRAY).astype(float)
    y_bare = cv2.cvtColor(bare.image, cv2.COLOR_RGB2GRAY).astype(float)
    for side in (0, 1):
        band = np.zeros((512, 512), np.uint8)  # from the fold ring down to the ring above the lid
        ring = np.concatenate([lid_reveal._FOLD[side], lid_reveal._LOW[side][::-1]])
        cv2.fillPoly(band, [np.round(xy[ring, :2]).astype(np.int32)], 1)
        band = band.astype(bool)
        assert y_shown[band].mean() > y_bare[band].mean() + 5, side


@pytest.mark.xfail(strict=True, reason="a thick brow under a fringe, raised, still smears its "
                   "strands down to the lid (docs/legibility_rounds.md, the twenty-sixth round)")
def test_a_thick_striped_brow_raised_leaves_no_streaks_on_the_lid(portrait):
    """SadTalker's art_1 and deepface's img16 under surprise: their thick brows sit on the eyes,
    Face Mesh's lower brow points lie mid-brow, and the raise stretched the hair below them
    into streaks down to the lids. Laid back whole (core/rig/brow_hair.py, tests/rig/
    test_brow_hair.py) only where the forehead right above the brow is clear skin: under a
    fringe the brow is not told from the hair over it. Made here: the sample portrait (its
    fringe over the brows) with its brows painted as dark strands from their upper edge down
    to the fold ring. Raised by surprise, at most a tenth of each side's painted region (its
    brow's lower edge down to the ring above the lid) may stay darker than three quarters of
    that side's skin; one side keeps ~0.3 (0.27 with the brow layer's wider lift)."""
    from core.face.regions import region

    eng = RigEngine()
    analysis = eng.prepare(portrait).analysis
    img, xy = portrait.copy(), analysis.xy
    hair = np.zeros(img.shape[:2], np.uint8)
    for s in "RL":
        up, fold = region(f"{s}_brow_upper"), region(f"{s}_eye_halo3_upper")
        poly = np.concatenate([xy[up, :2], xy[fold[::-1], :2]])
        cv2.fillPoly(hair, [np.round(poly).astype(np.int32)], 1)
    strands = np.where(np.arange(img.shape[1]) // 2 % 2, 30, 0)[None, :, None]
    img[:] = np.where(hair[..., None] > 0, np.uint8([70, 45, 30]) + strands, img)
    p = PreparedPortrait(img, analysis)
    shown = _frame(eng, p, "surprised")
    fxy = shown.info["landmarks"]
    lids = p.at_size(512).lids
    assert min(lids.shares(fxy)) > 0.5  # both strips stretched
    y = cv2.cvtColor(shown.image, cv2.COLOR_RGB2GRAY).astype(float)
    luma = np.array([0.299, 0.587, 0.114])
    dark = []
    for s in (0, 1):
        m = np.zeros(y.shape, np.uint8)
        cv2.fillPoly(m, [np.round(lid_reveal.painted(fxy, s)).astype(np.int32)], 1)
        dark.append(float((y[m > 0] < 0.75 * float(lids.skin[s] @ luma)).mean()))
    assert max(dark) < 0.1, dark


def test_on_a_rolled_face_each_strip_is_drawn_toward_its_own_sides_skin():
    """The box both strips share is split between the sides along the face's own midline:
    split at a column, a face rolled 35 degrees had the upper strip's inner end painted toward
    the other side's skin, cut off by a vertical line between the brows (by eye). Here the
    sides' skins are set far apart (red, green) and the lift laid on a flat dark frame: 4.8 %
    of one side's lifted pixels went the other side's way before, none now."""
    from core.samples import sample_portrait
    from tests.rig.test_brow_hair import _brows

    eng = RigEngine()
    img = sample_portrait()
    img, _ = _brows(img, eng.prepare(img).analysis)  # thick brows: strips in to the nose
    turn = cv2.getRotationMatrix2D((256.0, 256.0), 35.0, 0.9)
    img = cv2.warpAffine(img, turn, (512, 512), borderMode=cv2.BORDER_REFLECT)
    p = eng.prepare(img)
    lids = p.at_size(512).lids
    assert all(layer is not None for layer in lids.hair.layers)
    lids.skin = [np.float32([210, 60, 60]), np.float32([60, 210, 60])]
    lids._skin_u8 = [(210, 60, 60, 0), (60, 210, 60, 0)]
    lids._grains = [None, None]
    xy = np.asarray(_frame(eng, p, "surprised").info["landmarks"], np.float32)
    out = lids.apply(np.full((512, 512, 3), 40, np.uint8), xy)
    rise = out.astype(int) - 40
    for side, (own, other) in ((0, (0, 1)), (1, (1, 0))):
        # where a laid brow's strip is painted: from the brow's wide edge (out to the temple,
        # in to the nose's root) down to the ring above the lid
        outline = np.concatenate([lid_reveal._WIDE[side], lid_reveal._LOW[side][::-1]])
        mask = np.zeros((512, 512), np.uint8)
        cv2.fillPoly(mask, [np.round(xy[outline, :2]).astype(np.int32)], 1)
        lifted = mask.astype(bool) & (rise.max(-1) > 8)
        assert lifted.sum() > 100, side
        wrong = rise[lifted][:, other] > rise[lifted][:, own]
        assert wrong.mean() < 0.02, (side, float(wrong.mean()))
