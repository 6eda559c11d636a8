"""One least-squares similarity for the 3-D rest pose, the AU fit and the teeth's skull."""
import numpy as np
import pytest

from core.face.umeyama import similarity_matrix, umeyama


@pytest.mark.parametrize("d", [2, 3])
def test_recovers_a_known_similarity(d):
    rng = np.random.default_rng(d)
    src = rng.normal(size=(30, d))
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    q[:, 0] *= np.sign(np.linalg.det(q))  # a rotation, not a reflection
    rot = q
    dst = 1.7 * src @ rot.T + np.arange(d) + rng.normal(scale=1e-4, size=src.shape)
    s, r, t = umeyama(src, dst)
    assert s == pytest.approx(1.7, abs=1e-3)
    np.testing.assert_allclose(r, rot, atol=1e-3)
    np.testing.assert_allclose(t, np.arange(d), atol=1e-3)


def test_a_mirror_image_gets_a_rotation_and_the_matrix_form():
    src = np.array([[0, 0], [1, 0], [0, 2], [3, 1]], float)
    s, r, _ = umeyama(src, src * [-1, 1])
    assert np.linalg.det(r) == pytest.approx(1.0)
    m = similarity_matrix(src, src * 2 + 5)
    assert m.dtype == np.float32 and m.shape == (2, 3)
    np.testing.assert_allclose(src @ m[:, :2].T + m[:, 2], src * 2 + 5, atol=1e-5)
