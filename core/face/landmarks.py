"""MediaPipe Face Mesh (478 points, refined irises) on a still portrait."""
from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field

import numpy as np

from core.errors import FaceTooSmallError, MoeeWarning, NoFaceError

MIN_IPD_PX = 20.0  # below this the rig has too few pixels per AU motion to look right


@dataclass
class FaceAnalysis:
    landmarks: np.ndarray  # (478, 3) float32: x, y in image pixels; z in the same pixel scale
    image_size: tuple[int, int]  # (height, width)
    n_faces: int = 1
    notes: list[str] = field(default_factory=list)  # messages for the user (e.g. several faces)

    @property
    def xy(self) -> np.ndarray:
        return self.landmarks[:, :2]


_lock = threading.Lock()
_mesh = None


def _face_mesh():
    global _mesh
    if _mesh is None:
        import mediapipe as mp
        _mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=5, refine_landmarks=True,
            min_detection_confidence=0.5)
    return _mesh


def detect_face(image: np.ndarray) -> FaceAnalysis:
    """Landmarks of the largest face in an RGB uint8 image; NoFaceError / FaceTooSmallError."""
    h, w = image.shape[:2]
    with _lock:  # the MediaPipe graph is not re-entrant
        result = _face_mesh().process(np.ascontiguousarray(image[:, :, :3]))
    faces = result.multi_face_landmarks or []
    if not faces:
        raise NoFaceError("no face found in the portrait; use a picture with one clearly "
                          "visible face, looking roughly toward the camera")
    arrays = [np.array([(p.x * w, p.y * h, p.z * w) for p in f.landmark], np.float32)
              for f in faces]
    areas = [np.ptp(a[:, 0]) * np.ptp(a[:, 1]) for a in arrays]
    lm = arrays[int(np.argmax(areas))]
    notes = []
    if len(arrays) > 1:
        notes.append(f"{len(arrays)} faces found; animating the largest one")
        warnings.warn(notes[-1], MoeeWarning, stacklevel=2)
    ipd = float(np.hypot(*(lm[473, :2] - lm[468, :2])))
    if ipd < MIN_IPD_PX:
        raise FaceTooSmallError(
            f"the face is too small ({ipd:.0f} px between the pupils, need at least "
            f"{MIN_IPD_PX:.0f}); crop the picture closer to the face or use a larger image")
    return FaceAnalysis(landmarks=lm, image_size=(h, w), n_faces=len(arrays), notes=notes)
