"""A toothy smile whose corners sit level with its parted lips' midline reads as a smile from the
mouth's width (core/rig/tuning.py REST_FIT "width_aus"): by heights alone the fit took it for a
parted mouth (AU25 and AU23, no AU12), and its smile never went away under sad, angry or
disgusted. A width without a lift, and any closed mouth's width, stay identity."""
import numpy as np
import pytest

from core.face.regions import region
from core.rig.rest import canonical_face, fit_rest

_LOWER = ("lips_lower_inner", "lips_lower_outer", "lips_lower_semi_inner", "lips_lower_semi_outer")
_MOUTH = _LOWER + ("lips_upper_inner", "lips_upper_outer", "lips_upper_semi_inner",
                   "lips_upper_semi_outer", "mouth_corners_outer")


def _face(gap: float = 0.0, widen: float = 0.0, lift: float = 0.0) -> np.ndarray:
    """(478, 3) px: the canonical neutral face with its lower lip dropped `gap` IPD in the
    middle (a U, the corners staying), its mouth `widen` IPD wider and its corners `lift` IPD
    up, the points between following."""
    c = canonical_face().copy()
    ipd = float(np.linalg.norm(c[468, :2] - c[473, :2]))
    mid, half = (c[61, 0] + c[291, 0]) / 2, (c[291, 0] - c[61, 0]) / 2
    for ring in (region(n) for n in _LOWER):
        c[ring, 1] += gap * ipd * np.clip(1 - ((c[ring, 0] - mid) / half) ** 2, 0, 1)
    mouth = np.unique(np.concatenate([region(n) for n in _MOUTH]))
    s = (c[mouth, 0] - mid) / half
    c[mouth, 0] += widen / 2 * ipd * s
    c[mouth, 1] -= lift * ipd * s ** 2
    return c * 40 + np.array([256.0, 256.0, 0.0])


def test_a_wide_toothy_smile_with_level_corners_reads_as_a_smile():
    # measured: AU25 1.0, AU23 0.6, AU12 0.5 (before: no AU12)
    assert fit_rest(_face(gap=0.15, widen=0.3)).aus.get(12, 0.0) >= 0.3


@pytest.mark.parametrize("kw", [dict(gap=0.15), dict(widen=0.3), dict(gap=0.15, lift=-0.02)],
                         ids=["open neutral mouth", "wide closed mouth", "open, corners down"])
def test_a_mouth_that_does_not_smile_reads_no_smile_and_no_width(kw):
    rest = fit_rest(_face(**kw))
    assert 12 not in rest.aus and 20 not in rest.aus, rest.label()
    assert 20 not in rest.fields  # the width itself is never taken away


def test_a_lifted_smile_reads_as_it_did():
    # the corners' lift carries it: AU12 0.8 with or without the width
    assert fit_rest(_face(gap=0.15, widen=0.3, lift=0.05)).aus.get(12, 0.0) >= 0.7
