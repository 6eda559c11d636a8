"""Pupils off the face's midline (eyes looking aside, a drawing's irises found off-centre) must
not make one side of the face move less: the AU fields' sides and distances from the centre
are measured from the midline, not from the point between the pupils (core/rig/au_points.py
midline_x)."""
import numpy as np
import pytest

from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.rig.au_basis import AUBasis
from core.rig.rest import fit_rest

R_CORNER, L_CORNER = 61, 291


@pytest.fixture(scope="module")
def landmarks(portrait):
    return detect_face(portrait).landmarks.astype(np.float64)


def _look_aside(landmarks, ipd_share):
    """The same face with both irises moved sideways by `ipd_share` of the IPD."""
    out = landmarks.copy()
    fr = FaceFrame.from_landmarks(landmarks)
    out[468:478, :2] += fr.axes[0] * fr.ipd * ipd_share
    return out


def _corner_pair(field):
    return np.abs(field[R_CORNER]), np.abs(field[L_CORNER])


@pytest.mark.parametrize("aside", [-0.09, 0.09])
def test_fields_do_not_follow_the_pupils(landmarks, aside):
    # the frame's origin moves with the pupils; every AU's field stays what it was
    aus = [1, 2, 4, 10, 12, 15, 20, 26]
    fields = []
    for L in (landmarks, _look_aside(landmarks, aside)):
        P = FaceFrame.from_landmarks(L).to_frame(L[:, :2])
        fields.append(AUBasis.build(P, aus).matrix)
    face = np.arange(468)  # the irises' own points do move
    straight, moved = (f.reshape(len(f), -1, 2)[:, face] for f in fields)
    np.testing.assert_allclose(moved, straight, atol=2e-3)


def test_rest_smile_taken_away_alike_on_both_sides(landmarks):
    straight = fit_rest(landmarks)
    aside = fit_rest(_look_aside(landmarks, 0.09))
    assert aside.aus.get(12, 0.0) == pytest.approx(straight.aus[12], abs=0.1)
    r, l_ = _corner_pair(aside.fields[12])
    np.testing.assert_allclose(r, l_, rtol=0.1)
    # and as far as the straight-ahead portrait's (the pencil drawing of the smiling photo had
    # one corner pulled 1.75x as far and its cheek smeared under sadness)
    np.testing.assert_allclose(r, np.abs(straight.fields[12][R_CORNER]), rtol=0.15)
