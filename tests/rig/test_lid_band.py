"""A dark band over the upper lids (liner, smoky shadow, long lashes) rides with the lid under a
raised brow instead of stretching into a black fan up to the brow (surprise and fear on made-up
photos, by eye): core/rig/lid_band.py measures the band, core/rig/au_points.py fades the brows'
raise out above it."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.face.regions import region
from core.rig.au_basis import AUBasis
from core.rig.lid_band import dark_lid_bands


@pytest.fixture(scope="module")
def face(portrait):
    a = detect_face(portrait)
    return a, FaceFrame.from_landmarks(a.landmarks)


def _lined(portrait, a, ipd, height=0.08):
    """The portrait with a liner painted from each upper lid margin `height` IPD up."""
    out = portrait.copy()
    for s in "RL":
        lid = a.xy[region(f"{s}_eye_upper_lid"), :2]
        poly = np.concatenate([lid, lid[::-1] - [0, height * ipd]])
        cv2.fillPoly(out, [np.round(poly).astype(np.int32)], (28, 22, 24))
    return out


def test_a_bare_lid_has_no_band_and_a_lined_one_measures_its_height(portrait, face):
    a, frame = face
    bare = dark_lid_bands(portrait, a.xy)
    assert max(bare) < 0.04, bare
    lined = dark_lid_bands(_lined(portrait, a, frame.ipd), a.xy)
    assert all(0.065 <= b <= 0.11 for b in lined), lined


def test_the_brows_raise_leaves_a_banded_lids_skin_and_still_lifts_the_brow(face):
    a, frame = face
    P = frame.to_frame(a.xy)
    bare, banded = AUBasis.build(P), AUBasis.build(P, lid_bands=(0.12, 0.12))
    raise_ = {(au, s): 1.0 for au in (1, 2) for s in "RL"}

    def up(basis, pts):  # each point's rise (IPD) under AU1 + AU2 at 1
        w = np.zeros(len(basis.keys), np.float32)
        for k, key in enumerate(basis.keys):
            w[k] = raise_.get(key, 0.0)
        return -basis.displacement(w)[pts, 1]
    for s in "RL":
        ring2, ring3 = region(f"{s}_eye_halo2_upper"), region(f"{s}_eye_halo3_upper")
        brow = region(f"{s}_brow_upper")
        # the skin over the lid (eye halo 2, ~0.08 IPD up) rose with the brow and stretched the
        # band; now it stays with the lid, and the ring above it (~0.11) rises less
        assert up(bare, ring2).max() > 0.012 and up(banded, ring2).max() < 0.002
        assert up(banded, ring3).mean() < 0.8 * up(bare, ring3).mean()
        assert np.allclose(up(banded, brow), up(bare, brow), rtol=0.1, atol=0.002)
