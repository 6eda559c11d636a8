"""Mouth interior: an opened jaw shows a dark cavity under a bright upper-teeth band; a mouth no
more open than at rest keeps its own pixels."""
from __future__ import annotations

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
    d = motions.jaw(p, -0.25)  # lips pressed past contact: nothing to paint
    warped = warper.warp(p.image, d)
    assert np.array_equal(mouth.composite(warped.copy(), p.xy + d), warped)


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
