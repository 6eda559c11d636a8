"""A drawn mouth smaller than Face Mesh's (anime, cartoons): the made-up interior stays inside what
is drawn (core/rig/drawn_mouth.py); photos reach their mesh corners and are untouched."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.face.regions import region
from core.rig.drawn_mouth import drawn_extent
from core.rig.mouth import MouthRenderer
from tests.rigrender import motions

REACH = 0.7  # where the drawn test mouth ends, share of the way from the midline to a corner


def _lateral(xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Each pixel's share of the way from the dental midline (point 13) to its side's inner
    corner (78 or 308), along the inner corners' axis, as the mouth renderer's grid takes it."""
    c = (xy[78] + xy[308]) / 2
    ax = (xy[308] - xy[78]) / np.linalg.norm(xy[308] - xy[78])
    ys, xs = np.mgrid[:shape[0], :shape[1]].astype(np.float32)
    u = (xs - c[0]) * ax[0] + (ys - c[1]) * ax[1]
    mid = float((xy[13] - c) @ ax)
    half = float(np.linalg.norm(xy[308] - xy[78])) / 2
    um = u - mid
    return np.where(um < 0, -um / (half + mid), um / (half - mid))


def _drawn(p, reach: float = REACH) -> np.ndarray:
    """The sample portrait with its lips painted over in flat cheek colour past `reach` of the
    way to each corner, a band round them included: a mouth drawn smaller than the mesh's."""
    img = p.image.copy()
    cheeks = np.round(p.xy[np.concatenate([region("cheek_R"), region("cheek_L")])]).astype(int)
    skin = np.median(img[cheeks[:, 1], cheeks[:, 0]], 0).astype(np.uint8)
    outer = np.concatenate([region("lips_upper_outer"), region("lips_lower_outer")[::-1]])
    lips = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(lips, [np.round(p.xy[outer]).astype(np.int32)], 1)
    lips = cv2.dilate(lips, np.ones((9, 9), np.uint8)) > 0
    img[lips & (_lateral(p.xy, img.shape[:2]) > reach)] = skin
    return img


def test_photos_reach_their_mesh_corners(p):
    import matplotlib.cbook

    from core.face.landmarks import detect_face

    assert drawn_extent(p.image, p.xy) is None
    grace = cv2.imread(str(matplotlib.cbook.get_sample_data("grace_hopper.jpg",
                                                           asfileobj=False)))[:, :, ::-1].copy()
    assert drawn_extent(grace, detect_face(grace).xy) is None


def test_a_drawn_mouth_is_measured_where_its_colours_end(p):
    reach = drawn_extent(_drawn(p), p.xy)
    assert reach is not None
    assert reach == pytest.approx((REACH, REACH), abs=0.06)


def test_a_tiny_drawn_mouth_sets_no_limit(p):
    """A drawn mouth reaching under DRAWN_MOUTH["min_reach"] (a line, a dot, a mouth the mesh
    missed) sets no limit: its made-up mouth is drawn whole, as a cartoon's."""
    assert drawn_extent(_drawn(p, 0.3), p.xy) is None


def test_the_made_up_interior_stays_inside_the_drawn_mouth(p, warper):
    """The jaw opened on the drawn mouth: the interior is painted up to its reach, and nothing
    past it (the mesh's corners on flat skin keep the warped skin); on the photo the same
    opening paints there."""
    drawn = _drawn(p)
    d = motions.jaw(p, 0.3)
    xy = p.xy + d
    lateral = _lateral(xy, drawn.shape[:2])
    painted = {}
    for name, image in (("drawn", drawn), ("photo", p.image)):
        mouth = MouthRenderer(image, p.xy, p.frame)
        warped = warper.warp(image, d)
        out = mouth.composite(warped.copy(), xy)
        painted[name] = np.abs(out.astype(int) - warped).max(-1) > 8
    beyond = lateral > REACH + 0.05
    inside = lateral < REACH - 0.15
    assert painted["photo"][beyond].sum() > 50  # the photo's interior reaches its corners
    assert painted["drawn"][beyond].sum() == 0
    assert painted["drawn"][inside].sum() > 0.8 * painted["photo"][inside].sum()


def test_every_output_size_keeps_to_the_same_drawn_mouth(p):
    """The reach is measured once on the full portrait (PreparedPortrait.drawn_mouth) and every
    output size's mouth renderer keeps to it, so the preview and the export agree (measured per
    size, an anime face at the limit's edge was limited at 512 and 1024 px, not at 768)."""
    from core.rig.engine import RigEngine

    prepared = RigEngine().prepare(_drawn(p))
    assert prepared.drawn_mouth is not None
    assert all(prepared.at_size(s).mouth.drawn == prepared.drawn_mouth for s in (256, 384, 512))
