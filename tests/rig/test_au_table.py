"""The AU table (core/rig/au_table.py) rebuilds the first rig's chain of AU cases exactly:
every (AU, side) field equal on three real faces (tests/rig/legacy_au_basis.py is that chain,
kept only for this proof)."""
import cv2
import numpy as np
import pytest

from core.face.landmarks import detect_face
from core.rig.au_basis import AUBasis
from core.rig.motion import MotionModel
from tests.rig import legacy_au_basis


@pytest.fixture(scope="module", params=["astronaut", "hopper", "canonical"])
def frame_points(request, portrait):
    if request.param == "canonical":
        from core.face.frame import FaceFrame
        from core.rig.rest import canonical_face
        c = canonical_face()
        return FaceFrame.from_landmarks(c).to_frame(c[:, :2])
    if request.param == "astronaut":
        return MotionModel(detect_face(portrait)).P
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return MotionModel(detect_face(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))).P


def test_table_equals_the_legacy_chain(frame_points):
    new = AUBasis.build(frame_points)
    old = legacy_au_basis.AUBasis.build(frame_points)
    assert new.keys == old.keys
    for k, key in enumerate(new.keys):
        np.testing.assert_allclose(new.matrix[k], old.matrix[k], atol=1e-7, err_msg=str(key))
