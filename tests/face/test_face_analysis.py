"""detect_face with the real Face Mesh on the sample portrait and pictures made from it."""
from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from core.errors import FaceTooSmallError, MoeeWarning, NoFaceError
from core.face.image_io import MAX_SIDE_PX, load_image
from core.face.landmarks import MIN_IPD_PX, FaceAnalysis, detect_face
from core.face.regions import L_IRIS_CENTER, R_IRIS_CENTER

NOSE_TIP, UPPER_LIP, CHIN = 1, 13, 152
KEY_POINTS = [R_IRIS_CENTER, L_IRIS_CENTER, NOSE_TIP, 61, 291, UPPER_LIP, 14, CHIN]


@pytest.fixture(scope="module")
def photo(portrait) -> FaceAnalysis:
    return detect_face(portrait)


def ipd(lm: np.ndarray) -> float:
    return float(np.hypot(*(lm[L_IRIS_CENTER, :2] - lm[R_IRIS_CENTER, :2])))


def error_ipd(xy: np.ndarray, ref: FaceAnalysis, idx=slice(None)) -> np.ndarray:
    """Per-landmark distance to the photo's landmarks, in the photo's IPD units."""
    return np.linalg.norm(xy[idx, :2] - ref.xy[idx], axis=1) / ipd(ref.landmarks)


def paste(canvas_hw: tuple[int, int], img: np.ndarray, size: int, at: tuple[int, int]):
    canvas = np.full((*canvas_hw, 3), 200, np.uint8)
    y, x = at
    canvas[y:y + size, x:x + size] = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return canvas


def test_photo_landmark_layout(photo, portrait):
    lm = photo.landmarks
    assert lm.shape == (478, 3) and lm.dtype == np.float32
    assert photo.image_size == (512, 512) and photo.n_faces == 1 and photo.notes == []
    eyes_y = lm[[R_IRIS_CENTER, L_IRIS_CENTER], 1].mean()
    assert eyes_y < lm[NOSE_TIP, 1] < lm[UPPER_LIP, 1] < lm[CHIN, 1]
    assert lm[R_IRIS_CENTER, 0] < lm[L_IRIS_CENTER, 0]  # subject's right eye on image left
    assert 60 < ipd(lm) < 110  # the astronaut's face fills about half the crop


def stylise(portrait: np.ndarray, kind: str) -> np.ndarray:
    bgr = np.ascontiguousarray(portrait[:, :, ::-1])
    if kind == "oil":
        out = cv2.xphoto.oilPainting(bgr, 7, 1)
    elif kind == "watercolour":
        out = cv2.stylization(bgr, sigma_s=60, sigma_r=0.45)
    else:  # graphite drawing: the hardest case (hatching hides the face from the detector)
        gray, _ = cv2.pencilSketch(bgr, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
        out = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    return np.ascontiguousarray(out[:, :, ::-1])


@pytest.mark.parametrize("kind", ["oil", "watercolour", "pencil"])
def test_paintings_and_drawings(portrait, photo, kind):
    art = detect_face(stylise(portrait, kind))
    err = error_ipd(art.landmarks, photo)
    assert np.median(err) < 0.07, f"{kind}: median landmark error {np.median(err):.3f} IPD"
    assert error_ipd(art.landmarks, photo, KEY_POINTS).max() < 0.15


def test_accepts_gray_and_rgba_arrays(portrait, photo):
    gray = cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)
    rgba = np.dstack([portrait, np.full(portrait.shape[:2], 255, np.uint8)])
    assert np.median(error_ipd(detect_face(gray).landmarks, photo)) < 0.05
    assert error_ipd(detect_face(rgba).landmarks, photo).max() < 1e-3


def test_blank_image_has_no_face():
    with pytest.raises(NoFaceError, match="no face found"):
        detect_face(np.full((512, 512, 3), 128, np.uint8))


def test_two_faces_largest_is_animated_with_a_warning(portrait, photo):
    canvas = paste((512, 800), portrait, 512, (0, 0))
    canvas[100:356, 540:796] = cv2.resize(portrait, (256, 256), interpolation=cv2.INTER_AREA)
    with pytest.warns(MoeeWarning, match="2 faces found; animating the largest one"):
        found = detect_face(canvas)
    assert found.n_faces == 2 and found.notes == ["2 faces found; animating the largest one"]
    assert np.median(error_ipd(found.landmarks, photo)) < 0.02


def test_rolled_face(portrait, photo):
    m = cv2.getRotationMatrix2D((256, 256), 30, 1.0)
    rolled = cv2.warpAffine(portrait, m, (512, 512), borderMode=cv2.BORDER_REPLICATE)
    found = detect_face(rolled)
    expected = np.c_[photo.xy, np.ones(478)] @ m.T
    err = np.linalg.norm(found.xy - expected, axis=1) / ipd(photo.landmarks)
    assert np.median(err) < 0.04


def test_small_face_in_big_canvas_found_accurately(portrait, photo):
    size, at = 200, (900, 700)  # portrait 200 px wide: face ~90 px, IPD ~33 px
    found = detect_face(paste((2000, 2000), portrait, size, at))
    back = (found.xy - np.array(at[::-1])) * (512 / size)
    assert ipd(found.landmarks) > MIN_IPD_PX
    assert np.median(error_ipd(back, photo)) < 0.04


def test_tiny_face_is_reported_as_too_small(portrait):
    size = 100  # face ~42 px wide, IPD ~17 px < MIN_IPD_PX: found, then refused with numbers
    assert 85 * size / 512 < MIN_IPD_PX
    with pytest.raises(FaceTooSmallError, match=r"\d+ px between the pupils.*crop the picture"):
        detect_face(paste((2000, 2000), portrait, size, (1200, 300)))


def test_huge_file_is_capped_and_face_found(tmp_path, portrait, photo):
    big = cv2.resize(portrait, (4000, 4000), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(tmp_path / "big.jpg"), big[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92])
    img = load_image(tmp_path / "big.jpg")
    assert img.shape == (MAX_SIDE_PX, MAX_SIDE_PX, 3)
    found = detect_face(img)
    assert np.median(error_ipd(found.xy * (512 / MAX_SIDE_PX), photo)) < 0.02


def test_concurrent_calls_agree(portrait, photo):
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(detect_face(portrait).landmarks))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    for lm in results:
        np.testing.assert_allclose(lm, photo.landmarks, atol=1e-3)


def test_a_face_filling_the_whole_picture_is_found(portrait):
    """A tight crop (forehead, chin and ears cut off, as an avatar): the detector wants some
    head around the face and finds none in any treatment of the picture; inside a border of
    its own edge pixels it does, and the pupils land where they are."""
    from core.face.landmarks import DETECT_MAX_SIDE, VARIANTS, _mesh_downscaled

    lm = detect_face(portrait).xy
    lo, hi = lm.min(0), lm.max(0)
    half = 0.35 * float((hi - lo).max())
    x0, y0 = np.round((lo + hi) / 2 - half).astype(int)
    side = int(round(2 * half))
    crop = cv2.resize(np.ascontiguousarray(portrait[y0:y0 + side, x0:x0 + side]), (512, 512))
    assert not any(_mesh_downscaled(crop, DETECT_MAX_SIDE, v) for v in VARIANTS)
    found = detect_face(crop).xy
    k = 512 / side
    expected = (lm[[468, 473]] - [x0, y0]) * k
    assert np.abs(found[[468, 473]] - expected).max() < 0.05 * k * float(
        np.hypot(*(lm[473] - lm[468])))
