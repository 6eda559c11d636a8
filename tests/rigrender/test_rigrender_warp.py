"""Dense warp: identity at rest, content follows the landmarks, background stays put."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.face.regions import region
from core.rig.warp import Warper
from tests.rigrender import motions


def _source_of(warper, disp, points):
    """Where the backward map samples the input for output pixels at `points` (N, 2)."""
    mx, my = warper.maps(disp)
    q = points.astype(np.float32)[None]
    return np.stack([cv2.remap(m, q[..., 0], q[..., 1], cv2.INTER_LINEAR)[0] for m in (mx, my)], 1)


def test_zero_displacement_is_identity(p, warper):
    zero = np.zeros((478, 2), np.float32)
    assert np.array_equal(warper.warp(p.image, zero), p.image)
    mx, my = warper.maps(zero)
    gx, gy = np.meshgrid(np.arange(512), np.arange(512))
    assert max(np.abs(mx - gx).max(), np.abs(my - gy).max()) < 1e-3
    tiny = np.full((478, 2), 1e-4, np.float32)  # goes through the full path
    assert np.abs(warper.warp(p.image, tiny).astype(int) - p.image).max() <= 1


@pytest.mark.parametrize("name,amount,idx", [
    ("jaw", 0.3, np.concatenate([region("lips_lower_outer")[2:-2], [152]])),
    ("smile", 0.15, np.array([61, 291])),
    ("blink", 0.6, np.concatenate([region("R_eye_upper_lid"), region("L_eye_upper_lid")])),
])
def test_content_follows_landmarks(p, warper, name, amount, idx):
    disp = getattr(motions, name)(p, amount)
    src = _source_of(warper, disp, p.xy[idx] + disp[idx])
    err = np.hypot(*(src - p.xy[idx]).T)
    moved = np.hypot(*disp[idx].T)
    assert moved.max() > 6  # the motion is real...
    # ...and the pixels follow it (a 4 px grid rounds off the lid ridge: ~1.7 px of 5 on lids)
    assert err.mean() < 0.4 * moved.mean() and err.max() < 4.5


def test_jaw_moves_chin_pixels_and_keeps_background(p, warper):
    disp = motions.jaw(p, 0.3)
    out = warper.warp(p.image, disp)
    # a patch on the chin shows up where the chin landmark went
    cx, cy = np.round(p.xy[152] - [0, 14]).astype(int)
    patch = p.image[cy - 6:cy + 6, cx - 6:cx + 6].astype(float)
    dy = int(round(disp[152, 1]))
    errs = [np.abs(out[cy + s - 6:cy + s + 6, cx - 6:cx + 6] - patch).mean()
            for s in range(0, 40)]
    assert abs(int(np.argmin(errs)) - dy) <= 3
    x0, y0, x1, y1 = warper.roi
    outside = np.ones((512, 512), bool)
    outside[y0:y1, x0:x1] = False
    assert outside.any() and np.array_equal(out[outside], p.image[outside])
    far = np.linalg.norm(np.stack(np.mgrid[0:512, 0:512][::-1], -1) - p.xy.mean(0), axis=-1) > 230
    assert np.abs(out[far].astype(int) - p.image[far]).max() <= 2


@pytest.mark.parametrize("amount", [0.35, -0.35])
def test_no_holes_or_folds(p, warper, amount):
    for disp in (motions.jaw(p, amount), motions.smile(p, amount)):
        mx, my = warper.maps(disp)
        assert np.isfinite(mx).all() and np.isfinite(my).all()
        # a fold shows as a backward map running backwards (negative Jacobian determinant)
        jx, jy = np.gradient(mx), np.gradient(my)
        det = jx[1] * jy[0] - jx[0] * jy[1]
        assert (det < -0.05).mean() < 1e-3


@pytest.mark.slow
def test_preparation_is_fast_at_1024(p):
    times = motions.timings(lambda: Warper(p.xy * 2, (1024, 1024)), 3)
    assert min(times) < 0.3  # best of three: the test machine is shared


@pytest.mark.parametrize("motion", ["jaw and smile", "one lid", "a hair"])
def test_warp_is_a_remap_through_its_own_maps(p, warper, motion):
    """warp() remaps with one two-channel map, and only the bands of the face box where the map
    moves a pixel; the whole-image maps() (two single-channel maps, every pixel remapped)
    describe the same pixels exactly, however little of the box moves."""
    if motion == "jaw and smile":
        disp = motions.jaw(p, 0.3) + motions.smile(p, 0.15)
    else:
        disp = np.zeros((478, 2), np.float32)
        disp[region("R_eye_upper_lid"), 1] = 3.0 if motion == "one lid" else 0.02
    spans = warper._moving_spans(warper.inverse_field(disp))
    area = sum((yb - ya) * (xb - xa) for ya, yb, xa, xb in spans)
    x0, y0, x1, y1 = warper.roi
    assert area < (x1 - x0) * (y1 - y0) or motion == "jaw and smile"
    mx, my = warper.maps(disp)
    ref = cv2.remap(p.image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    assert np.array_equal(warper.warp(p.image, disp), ref)


def test_newton_on_the_reached_nodes_is_newton_on_every_node(p, warper):
    """inverse_field iterates only on the grid nodes some landmark's motion reaches; the nodes
    among anchors alone keep B = 0 exactly, and iterating on every node gives the same B."""
    disp = motions.jaw(p, 0.3) + motions.smile(p, 0.15)
    disp[region("R_eye_upper_lid"), 1] += 3.0
    B = warper.inverse_field(disp)
    every = Warper(p.xy, p.image.shape[:2])
    every._set_live(np.arange(every._gx.size))
    assert 0.5 < len(warper._live) / every._gx.size < 1.0  # the shortcut skips some, not all
    assert np.array_equal(B, every.inverse_field(disp))
    outside = np.setdiff1d(np.arange(every._gx.size), warper._live)
    assert not B.reshape(-1, 2)[outside].any() and B.reshape(-1, 2)[warper._live].any()


def test_newton_on_more_nodes_than_a_remap_map_row(p, warper, monkeypatch):
    """More live nodes than one row of remap's map takes (a face filling a 2048 px frame): laid
    out in rows, the last one padded, the same B."""
    import core.rig.warp as warp_module

    disp = motions.jaw(p, 0.3) + motions.smile(p, 0.15)
    n = len(warper._live)
    # a row length that leaves the last row short
    row = next(k for k in range(n // 4, n) if -(-n // k) * -(-n // -(-n // k)) > n)
    monkeypatch.setattr(warp_module, "NEWTON_ROW", row)
    rows = Warper(p.xy, p.image.shape[:2])
    assert rows._live_at.shape[0] > 1 and rows._live_at.size > n
    assert np.array_equal(rows.inverse_field(disp), warper.inverse_field(disp))


def _newton_per_axis(warper, disp):
    """inverse_field as it was written before x and y were stacked: one array per axis."""
    from core.rig.ufuncs import clip
    from core.rig.warp import WARP_TUNING, _slope

    D = warper.field(disp)
    sx, sy = float(warper.spacing[0]), float(warper.spacing[1])
    Dx, Dy = cv2.split(D)
    DJ = cv2.merge([Dx, Dy, _slope(Dx, 1) / sx + 1, _slope(Dx, 0) / sy,
                    _slope(Dy, 1) / sx, _slope(Dy, 0) / sy + 1])
    at, (gx, gy) = warper._live_at, warper._live_g
    qx, qy = gx - Dx.reshape(-1)[at] / sx, gy - Dy.reshape(-1)[at] / sy
    t = WARP_TUNING
    for _ in range(t["newton_steps"]):
        dqx, dqy, a, b, c, d = cv2.split(cv2.remap(DJ, qx, qy, cv2.INTER_LINEAR,
                                                   borderMode=cv2.BORDER_REPLICATE))
        rx, ry = (qx - gx) * sx + dqx, (qy - gy) * sy + dqy
        det = np.maximum(a * d - b * c, t["min_det"])
        qx -= clip((d * rx - b * ry) / det / sx, -t["max_step"], t["max_step"])
        qy -= clip((a * ry - c * rx) / det / sy, -t["max_step"], t["max_step"])
    B = np.zeros((Dx.size, 2), np.float32)
    B[at, 0], B[at, 1] = (gx - qx) * sx, (gy - qy) * sy
    return B.reshape(*Dx.shape, 2)


@pytest.mark.parametrize("motion", ["jaw_smile_lid", "blink"])
def test_stacked_newton_is_newton_per_axis(p, warper, motion):
    """Newton runs on x and y stacked (fewer calls a step): the same float32 values, bit for
    bit, as one array per axis."""
    if motion == "blink":
        disp = motions.blink(p, 1.0)
    else:
        disp = motions.jaw(p, 0.3) + motions.smile(p, 0.15)
        disp[region("R_eye_upper_lid"), 1] += 3.0
    assert np.array_equal(warper.inverse_field(disp), _newton_per_axis(warper, disp))


@pytest.mark.parametrize("motion", ["jaw_smile_lid", "negative zero"])
def test_field_is_the_sparse_product(p, warper, motion):
    """field() gathers each node's weighted control points from a dense table: the same float32
    sums as scipy's CSR product `weights @ ext`, bit for bit, the sign of a zero included (nodes
    among -0 displacements: scipy's sums start from +0)."""
    if motion == "negative zero":
        disp = np.full((478, 2), -0.0, np.float32)
        disp[region("R_eye_upper_lid"), 1] = 3.0
    else:
        disp = motions.jaw(p, 0.3) + motions.smile(p, 0.15)
        disp[region("R_eye_upper_lid"), 1] += 3.0
    ext = np.zeros((warper.n_ctrl, 2), np.float32)
    ext[:len(warper.moving)] = disp[warper.moving, :2]
    want = (warper.weights @ ext).reshape(*warper.grid_shape, 2)
    assert np.array_equal(warper.field(disp).view(np.uint32), want.view(np.uint32))
