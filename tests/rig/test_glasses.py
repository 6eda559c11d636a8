"""Eyeglass frames stay rigid (core/rig/glasses.py finds them, core/rig/rims.py pins them)."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from scipy.spatial import Delaunay

from core.cli import run_cli
from core.engine import RenderJob
from core.face.frame import FaceFrame
from core.face.framing import frame_picture
from core.face.landmarks import detect_face
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.glasses import Glasses, find_glasses
from core.rig.pose import RigPose
from core.rig.rims import _interpolate
from core.rig.tuning import FOLD_GUARD

SIZE = 768  # the grid cell (6 px) is then well inside the thin parts of the rims
HEAD = (6.0, 4.0, 3.0)  # yaw, pitch, roll degrees
SURPRISE_BROWS = {1: 1.0, 2: 1.0, 5: 1.0}


@pytest.fixture(scope="module")
def hopper() -> np.ndarray:
    """grace_hopper.jpg cropped as benchmarks/bench_legibility.py does."""
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)[0:560, 60:452], (392, 560))


@pytest.fixture(scope="module")
def hop(hopper):
    eng = RigEngine()
    return eng, eng.prepare(hopper)


def test_analyze_says_whether_the_portrait_wears_glasses(portrait_path, tmp_path, hopper, capsys):
    hop_path = tmp_path / "hopper.png"
    cv2.imwrite(str(hop_path), cv2.cvtColor(hopper, cv2.COLOR_RGB2BGR))
    found = []
    for path in (portrait_path, hop_path):
        assert run_cli(["analyze", "--portrait", str(path)]) == 0
        found.append(json.loads(capsys.readouterr().out)["eyeglasses"]["found"])
    assert found == [False, True]


def _found(image: np.ndarray) -> bool:
    return find_glasses(image, detect_face(image).xy).found


def test_glasses_found_on_the_photo_its_grayscale_and_a_painting(hopper):
    gray = cv2.cvtColor(cv2.cvtColor(hopper, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    painting = cv2.stylization(hopper, sigma_s=60, sigma_r=0.45)
    assert [_found(im) for im in (hopper, gray, painting, hopper[:, ::-1].copy())] == [True] * 4


@pytest.mark.parametrize("view", ["cropped to its face", "at double size"])
def test_a_painting_s_glasses_found_however_it_is_framed(hopper, view):
    """Behind the stylized lenses Face Mesh's iris centres wander with the framing (cropped to
    the face, the right one moved 0.13 IPD): the rims are looked for in a frame from the eye
    corners, and come back in the landmarks' own (the irises') frame, on the dark bars."""
    painting = cv2.stylization(hopper, sigma_s=60, sigma_r=0.45)
    im = frame_picture(painting, "face") if view.startswith("cropped") else \
        cv2.resize(painting, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    xy = detect_face(im).xy
    g = find_glasses(im, xy)
    assert g.found, g.scores
    frame, gray = FaceFrame.from_landmarks(xy), cv2.cvtColor(im, cv2.COLOR_RGB2GRAY)
    for rim in g.rims[:2]:
        tone = [gray[r, c].mean() for r, c in (np.round(frame.to_image(np.column_stack(
            [rim.xs, y]))).astype(int)[:, ::-1].T for y in ((rim.top + rim.bottom) / 2,
                                                           rim.top - 0.06))]
        assert tone[0] < tone[1] - 40, tone  # the band's middle on the bar, skin above it


def test_no_glasses_on_faces_without_them(portrait):
    sketch, _ = cv2.pencilSketch(cv2.cvtColor(portrait, cv2.COLOR_RGB2BGR), sigma_s=60,
                                 sigma_r=0.07, shade_factor=0.05)
    drawing = cv2.cvtColor(sketch, cv2.COLOR_GRAY2RGB)
    eng = RigEngine()
    neutral = eng.render_frame(RenderJob(portrait=eng.prepare(portrait),
                                         mix=EmotionMix(neutralize=True), size=512,
                                         duration=1.0), 15).image  # the smile taken away
    assert [_found(im) for im in (portrait, drawing, neutral)] == [False] * 3
    assert eng.prepare(portrait).motion.rims is None


def _draw_glasses(image: np.ndarray, square: bool, bridge: float = 0.05,
                  slant: float = 0.0, lens: tuple[float, float] = (0.03, 0.25)) -> np.ndarray:
    """Dark frames drawn on a face (0.05 IPD thick): oval or square lenses (centred `lens[0]`
    IPD under the pupils, `lens[1]` IPD tall each way) and a bridge (`bridge` IPD thick, its
    ends `slant` IPD apart in height)."""
    frame = FaceFrame.from_landmarks(detect_face(image).xy)
    out = image.copy()
    t = np.linspace(0, 2 * np.pi, 100)
    c, s_ = np.cos(t), np.sin(t)
    if square:
        c, s_ = np.clip(1.3 * c, -1, 1), np.clip(1.3 * s_, -1, 1)
    width = max(int(0.05 * frame.ipd), 1)
    for cx in (-0.5, 0.5):
        ring = frame.to_image(np.column_stack([cx + 0.37 * c, lens[0] + lens[1] * s_]))
        cv2.polylines(out, [ring.astype(np.int32)], True, (30, 20, 20), width, cv2.LINE_AA)
    ends = frame.to_image(np.array([[-0.15, -0.05 - slant / 2],
                                    [0.15, -0.05 + slant / 2]])).astype(np.int32)
    cv2.line(out, tuple(map(int, ends[0])), tuple(map(int, ends[1])), (30, 20, 20),
             max(int(bridge * frame.ipd), 1), cv2.LINE_AA)
    return out


def test_glasses_found_when_drawn_on_a_face_without_them(portrait):
    assert [_found(_draw_glasses(portrait, sq)) for sq in (False, True)] == [True, True]


def test_thick_frames_are_found(portrait):
    """A thick bridge (a generated portrait's black frames were missed: their bridge, a bar
    0.175 IPD tall, is wider than a rim's bar_max, and read as one edge)."""
    im = _draw_glasses(portrait, True, bridge=0.17)
    g = find_glasses(im, detect_face(im).xy)
    assert g.found and g.scores["bridge"] > 1.4, g.scores


def _field_at(warper, d_px, pins_px, pts):
    """The warp's forward displacement (px) at output pixels `pts`, bilinear on its grid."""
    D = warper.field(d_px, pins_px)
    x0, y0 = warper.roi[:2]
    sx, sy = warper.spacing
    mx = ((pts[:, 0] - x0 + 0.5) / sx - 0.5).astype(np.float32)[None]
    my = ((pts[:, 1] - y0 + 0.5) / sy - 0.5).astype(np.float32)[None]
    return cv2.remap(D, mx, my, cv2.INTER_LINEAR)[0]


def test_rims_move_with_the_head_alone_while_the_brows_rise(hop):
    _, p = hop
    m, sp = p.motion, p.at_size(SIZE)
    assert m.rims is not None
    pose = RigPose(aus=SURPRISE_BROWS, head=HEAD)
    d = m.displacement(pose)
    d_px, pins_px = m.to_pixels(d, sp.scale), m.to_pixels(m.pin_displacement(HEAD), sp.scale)
    frame = p.frame.scaled(sp.scale)
    for band in m.rims.bands[:2]:  # the top rims: their middle line, inner half to outer end
        xs = np.linspace(band.xs[0], band.xs[-1], 15)[2:-2]
        mid = np.column_stack([xs, (np.interp(xs, band.xs, band.top)
                                    + np.interp(xs, band.xs, band.bottom)) / 2])
        head_only = m.to_pixels(m.head_displacement(
            mid, HEAD, depth=_interpolate(m.P[:468], m.Z[:468], mid)), sp.scale)
        got = _field_at(sp.warper, d_px, pins_px, frame.to_image(mid))
        assert np.abs(got - head_only).max() < 0.5
    # the brows' tops above the rims still rise (AU1/AU2), past the head's own motion
    brow_tops = [105, 334]
    rise = -(d[brow_tops, 1] - m.head_displacement(m.P[brow_tops], HEAD, brow_tops)[:, 1])
    assert (rise > 0.05).all()


def test_a_lowered_brow_stops_short_of_the_rim(hop):
    _, p = hop
    m = p.motion
    d = m.displacement(RigPose(aus={4: 1.0}))
    P1 = m.P + d
    for band, (idx, _gap) in zip(m.rims.bands[:2], m.rims.above[:2]):
        assert len(idx)
        # 0.01 IPD (<1 px here): the fold guard, after the hold, may nudge a point
        assert (P1[idx, 1] < np.interp(m.P[idx, 0], band.xs, band.top) + 0.01).all()


@pytest.mark.parametrize("cond", ["surprised", "fearful", "angry", "sad", "sadly surprised",
                                  "disgusted"])
def test_no_folds_in_the_warp_mesh(hop, cond):
    eng, p = hop
    m, sp = p.motion, p.at_size(384)
    full = EmotionMix.from_preset(cond, au_overrides={45: 0.0})
    job = RenderJob(portrait=p, mix=full, size=384, duration=1.0)
    info = eng.render_frame(job, 15).info
    d_px = info["landmarks"] - sp.rest_xy
    pins_px = m.to_pixels(m.pin_displacement(info["head"]), sp.scale)
    w = sp.warper
    ctrl = w.ctrl
    moved = ctrl.copy()
    n = len(w.moving)
    moved[:n] += d_px[w.moving]
    moved[n:n + w.n_pins] += pins_px
    tri = Delaunay(ctrl).simplices

    def area(Q):
        a, b, c = Q[tri[:, 0]], Q[tri[:, 1]], Q[tri[:, 2]]
        return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])

    rest = area(ctrl)
    # slivers have no orientation worth keeping: the fold guard's own floor (core/rig/tuning.py)
    live = np.abs(rest) > FOLD_GUARD["min_area"] * (p.frame.ipd * sp.scale) ** 2
    flipped = live & (np.sign(area(moved)) != np.sign(rest))
    on_rims = ((tri >= n) & (tri < n + w.n_pins)).any(1)
    # the landmark mesh's own slivers are the fold guard's business (tests/legibility); none
    # touching a rim (before the guard knew the pins: 1-2 per expression, before brows near a
    # rim were damped: 4-15)
    assert not (flipped & on_rims).any()


def test_nothing_moving_renders_as_without_glasses(hop, hopper, monkeypatch):
    eng, p = hop
    monkeypatch.setattr("core.rig.portrait.find_glasses", lambda *a: Glasses(False))
    bare = eng.prepare(hopper)
    assert bare.motion.rims is None and p.motion.rims is not None
    assert np.array_equal(eng.render_pose(p, RigPose(), 384), eng.render_pose(bare, RigPose(), 384))


def test_an_edge_on_one_side_of_the_nose_is_no_bridge(portrait):
    """A dark mass beside the nasal root on one side only (a three-quarter photo's thick brow,
    its inner end reaching the midline) is no bridge, however strong its edge: found as one,
    its "rims", the brows, were pinned and tore as they rose."""
    from core.rig.glasses import NASAL_ROOT

    xy = detect_face(portrait).xy
    frame = FaceFrame.from_landmarks(xy)
    img = portrait.copy()
    # below the nasal root, the subject's right half of the bridge window, dark
    corners = frame.to_image(np.array([[-0.25, 0.0], [0.0, 0.0], [0.0, 0.2], [-0.25, 0.2]])
                             + [0.0, frame.to_frame(xy[NASAL_ROOT][None])[0, 1]])
    cv2.fillPoly(img, [np.round(corners).astype(np.int32)], (40, 30, 25))
    g = find_glasses(img, xy)
    assert not g.found and g.scores["bridge"] == 0.0


def test_a_lone_step_across_the_nose_is_no_bridge(portrait):
    """A bridge is a bar, two edges: one step across the nasal root (a smooth face's shading,
    a fringe's edge, a unibrow's lower edge) took four faces without glasses for ones wearing
    them, their brows held."""
    from core.rig.glasses import NASAL_ROOT

    xy = detect_face(portrait).xy
    frame = FaceFrame.from_landmarks(xy)
    img = portrait.copy()
    y0 = frame.to_frame(xy[NASAL_ROOT][None])[0, 1]
    # darker from the nasal root down, past the bridge window's reach, right across the nose
    corners = frame.to_image(np.array([[-0.2, y0], [0.2, y0], [0.2, y0 + 0.4], [-0.2, y0 + 0.4]]))
    step = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(step, [np.round(corners).astype(np.int32)], 1)
    img[step > 0] = (img[step > 0] * 0.55).astype(np.uint8)
    g = find_glasses(img, xy)
    assert not g.found and g.scores["bridge"] < 1.0, g.scores


def test_a_bridge_darker_on_one_side_is_found(portrait):
    """Each half of the nose must show the bridge's bar at 0.4 of it, each edge within 0.05 IPD
    of its row, so uneven light on a bridge still finds it: one drawn faint over one side of
    the nose (0.3 of the other side's contrast). (A photo of a man in thin dark frames, turned
    a little, was missed while the halves were compared at the strongest row alone: 0.42.)"""
    xy = detect_face(portrait).xy
    frame = FaceFrame.from_landmarks(xy)
    im = _draw_glasses(portrait, False)
    skin = np.median(portrait[np.round(xy[[118, 347], 1]).astype(int),
                              np.round(xy[[118, 347], 0]).astype(int)], 0)
    faint = tuple(float(c) for c in skin - 0.3 * (skin - np.array([30, 20, 20])))
    ends = frame.to_image(np.array([[-0.16, -0.05], [0.0, -0.05]])).astype(np.int32)
    cv2.line(im, tuple(map(int, ends[0])), tuple(map(int, ends[1])), faint,
             max(int(0.05 * frame.ipd), 1), cv2.LINE_AA)
    g = find_glasses(im, detect_face(im).xy)
    assert g.found, g.scores


def test_a_bridge_over_a_shadow_on_one_side_is_found(portrait):
    """A thin bridge whose lower edge merges, on one side of the nose, with a nose pad's shadow
    under it: its top edge crosses the whole nose, its bar only one half. (A photo of a man in
    thin metal frames was missed so, and his frames arched up with his brows.) A dark mass on
    one side alone is still no bridge (test_an_edge_on_one_side_of_the_nose_is_no_bridge)."""
    from core.rig.glasses import NASAL_ROOT

    im = _draw_glasses(portrait, False, bridge=0.03)
    xy = detect_face(im).xy
    frame = FaceFrame.from_landmarks(xy)
    y0 = frame.to_frame(xy[NASAL_ROOT][None])[0, 1]
    # under the bridge (its middle at -0.05 IPD), the subject's right half of the nose in a
    # shadow 0.85 as dark as the frame, from the bar down past the window's reach (0.2 IPD
    # under the nasal root): that half's bar has a bottom edge 0.15 as strong as the other's
    skin = np.median(portrait[np.round(xy[[118, 347], 1]).astype(int),
                              np.round(xy[[118, 347], 0]).astype(int)], 0)
    shade = tuple(float(c) for c in skin - 0.85 * (skin - np.array([30, 20, 20])))
    corners = frame.to_image(np.array([[-0.2, -0.05], [0.0, -0.05], [0.0, y0 + 0.3],
                                       [-0.2, y0 + 0.3]]))
    cv2.fillPoly(im, [np.round(corners).astype(np.int32)], shade)
    g = find_glasses(im, xy)
    assert g.found and g.scores["bridge"] > 1.4, g.scores


def _raised_over_rims(image: np.ndarray, blocks: bool, monkeypatch):
    """(scaled portrait, surprised frame, landmarks and the rims' pin motion the lid reveal
    got) of `image`; `blocks` False: its light brows left to the warp."""
    from core.rig import brow_hair, lid_reveal
    with monkeypatch.context() as m:
        if not blocks:
            m.setattr(brow_hair, "_block_layer", lambda *a: None)
        got = {}
        apply = lid_reveal.LidReveal.apply

        def spy(self, img, xy, pins=None):
            got.update(xy=xy.copy(), pins=pins)
            return apply(self, img, xy, pins)

        m.setattr(lid_reveal.LidReveal, "apply", spy)
        eng = RigEngine()
        p = eng.prepare(image)
        sp = p.at_size(512)
        job = RenderJob(portrait=p, mix=EmotionMix.from_preset("surprised",
                                                               au_overrides={45: 0.0}),
                        size=512, duration=1.0, fps=25)
        return sp, eng.render_frame(job, 15).image, got


def test_a_light_brow_over_glasses_rises_whole_over_skin(hopper, monkeypatch):
    """grace_hopper.jpg's light brows sit on her frames: the rim holds their lower points, and
    raised, each brow stretched from its upper edge down to the frame into a tall smear. They
    rise as blocks now, over the forehead's colour: the gap between a raised brow and the rim
    is about as light as the forehead over the brow (measured 3-4 levels under it, against
    29-34 with the brow left to the warp), and a grayscale portrait's stays grey."""
    gray = np.dstack([cv2.cvtColor(hopper, cv2.COLOR_RGB2GRAY)] * 3)
    for image in (hopper, gray):
        sp, shown, got = _raised_over_rims(image, True, monkeypatch)
        _, bare, _ = _raised_over_rims(image, False, monkeypatch)
        lids = sp.lids
        assert lids.hair.layers == [None, None] and None not in lids.hair.blocks
        for s in (0, 1):
            rim = lids.rims.at(lids.rims.top[s], got["pins"])
            edge = lids.hair.block_edge(got["xy"], s, rim)
            assert np.mean(rim[:, 1] - edge[:, 1]) > 0.1 * lids.ipd  # it rose off the rim
            row = lids.hair.fill(s, 0, shown.shape[1])  # the gap's paint per column
            forehead = float(np.mean(row[np.round(rim[:, 0]).astype(int)] @ [0.299, 0.587,
                                                                            0.114]))
            gap = [[cv2.cvtColor(im, cv2.COLOR_RGB2GRAY)[y, int(round(x))]
                    for (x, top), (_, bottom) in zip(edge, rim)
                    for y in range(int(np.ceil(top)) + 1, int(bottom) - 1)]
                   for im in (shown, bare)]
            assert forehead - np.mean(gap[0]) < 10 < 20 < forehead - np.mean(gap[1]), s
        if image is gray:
            assert np.abs(shown.astype(int) - shown[..., :1]).max() == 0


def test_a_brow_block_reads_its_rim_in_either_order(hop):
    """One side's top rim runs medial to lateral, the other's back (the lid reveal's strip
    outlines): the block's lower edge over it is the same either way (read in the given order,
    np.interp made one side's up)."""
    from core.rig import brow_hair

    _, p = hop
    sp = p.at_size(512)
    rims = sp.lids.rims
    for s in (0, 1):
        rim = rims.at(rims.top[s], None)
        blocks = [brow_hair._block_layer(sp.image, sp.rest_xy, s, sp.lids.ipd, r)
                  for r in (rim, rim[::-1].copy())]
        assert None not in blocks
        assert np.array_equal(blocks[0].straight, blocks[1].straight), s
