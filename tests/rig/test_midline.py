"""Pupils off the face's midline (eyes looking aside, a drawing's irises found off-centre) must
not make one side of the face move less: the AU fields' sides and distances from the centre
are measured from the midline, not from the point between the pupils (core/rig/au_points.py
midline_x)."""
import numpy as np
import pytest

from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.rig.au_basis import AUBasis
from core.rig.rest import fit_rest, neutral_landmarks

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


def test_rest_smile_taken_away_as_with_the_pupils_straight(landmarks):
    straight = fit_rest(landmarks)
    aside = fit_rest(_look_aside(landmarks, 0.09))
    assert aside.aus.get(12, 0.0) == pytest.approx(straight.aus[12], abs=0.1)
    # the pencil drawing of the smiling photo had one corner pulled 1.75x as far as the other
    # and its cheek smeared under sadness
    np.testing.assert_allclose(aside.fields[12][:468], straight.fields[12][:468], atol=0.01)


def test_a_lopsided_smile_is_taken_away_on_each_side(landmarks):
    """A smirk: the sample's smile with its left corner lifted by another half AU12. Taking the
    rest smile away brings each corner to the neutral face's height, the high one no longer
    left lifted and the low one not pushed under the line (rest.py _exact_corners)."""
    fr = FaceFrame.from_landmarks(landmarks)
    P = fr.to_frame(landmarks[:, :2])
    basis = AUBasis.build(P, [12])
    lift = 0.5 * basis.matrix[basis.keys.index((12, "L"))].reshape(-1, 2)
    smirk = landmarks.copy()
    smirk[:, :2] = fr.to_image(P + lift)
    rest = fit_rest(smirk)
    frame = FaceFrame.from_landmarks(smirk)
    after = frame.to_frame(smirk[:, :2]) - sum(rest.fields.values())
    neutral = frame.to_frame(neutral_landmarks(smirk))

    def heights(X):
        return X[[R_CORNER, L_CORNER], 1] - (X[13, 1] + X[14, 1]) / 2

    np.testing.assert_allclose(heights(after), heights(neutral), atol=0.01)


@pytest.mark.parametrize("side", ["R", "L"])
def test_a_one_sided_smile_on_a_neutral_face_is_measured_and_taken_away(side):
    """A smirk alone: a neutral face (grace_hopper.jpg) with one corner lifted by AU12 0.8 on
    that side only. Fitted as one AU12 for both sides, half of it explained the lifted corner
    too little to count (a turned face of DECA's test samples kept its smirk under sadness and
    anger); fitted per side, it reads as a smile and taking it away levels both corners."""
    import cv2
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    face = detect_face(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).landmarks.astype(np.float64)
    assert 12 not in fit_rest(face).aus
    fr = FaceFrame.from_landmarks(face)
    P = fr.to_frame(face[:, :2])
    basis = AUBasis.build(P, [12])
    smirk = face.copy()
    smirk[:, :2] = fr.to_image(P + 0.8 * basis.matrix[basis.keys.index((12, side))].reshape(-1, 2))
    rest = fit_rest(smirk)
    assert rest.aus.get(12, 0.0) >= 0.5
    # reported as that side's (FACS codes a unilateral AU by its side), each side's intensity
    # kept, the reported one the larger
    name = "right" if side == "R" else "left"
    assert rest.one_sided() == {12: name}
    assert f"AU12 {rest.aus[12]:.1f} ({name})" in rest.label()
    assert rest.aus[12] == max(rest.sides[12].values())
    assert rest.sides[12][side] > 2 * rest.sides[12]["L" if side == "R" else "R"]
    frame = FaceFrame.from_landmarks(smirk)
    X = frame.to_frame(smirk[:, :2])
    after = X - sum(rest.fields.values())

    def heights(Y):
        return Y[[R_CORNER, L_CORNER], 1] - (Y[13, 1] + Y[14, 1]) / 2

    lifted = 0 if side == "R" else 1
    # the lifted corner comes down to the other one's height, where the face had it
    assert heights(X)[lifted] < heights(X)[1 - lifted] - 0.03
    assert abs(heights(after)[lifted] - heights(after)[1 - lifted]) < 0.015
