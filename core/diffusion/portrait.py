"""A portrait ready for the diffusion engine: a square face crop plus face, lip and region masks.

The crop follows hallo/AnimateAnyone practice: the eye line levelled (head roll removed), the
face box enlarged `crop_scale` times, squared, padded by edge replication where it leaves the
image, resized to the model's size.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from core.face.frame import FaceFrame
from core.face.framing import crop_box
from core.face.regions import region

# core.mix.REGIONS -> Face Mesh regions whose hull covers it (resources/facemesh_regions.json)
REGION_PARTS: dict[str, tuple[str, ...]] = {
    "brows": ("R_brow_upper", "R_brow_lower", "L_brow_upper", "L_brow_lower"),
    "eyes": ("R_eye_halo3_upper", "R_eye_halo3_lower", "L_eye_halo3_upper", "L_eye_halo3_lower"),
    "nose": ("nose_bridge", "nose_tip", "nose_R_side", "nose_L_side", "subnasale"),
    "cheeks": ("cheek_R", "cheek_L"),
    "mouth": ("lips_upper_outer", "lips_lower_outer"),
    "jaw": ("jaw_line_R_to_L", "chin"),
}
# Parts drawn per side (R_/L_ or _R/_L) so one hull does not span both.
_SIDED = ("brows", "eyes", "cheeks")


@dataclass
class DiffusionPortrait:
    image: np.ndarray  # (R, R, 3) uint8 RGB face crop
    face_mask: np.ndarray  # (R, R) float32 in [0, 1]: face oval
    lip_mask: np.ndarray  # (R, R) float32: the lips' hull, dilated
    regions: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (R, R) bool
    notes: list[str] = field(default_factory=list)
    landmarks: np.ndarray | None = None  # (478, 2) Face Mesh points in crop pixels
    roll_degrees: float = 0.0  # head roll removed by the alignment (0: none applied)

    def audio_mask(self) -> np.ndarray:
        """Where speech may move pixels (hallo weights face and lips): (R, R) in [0, 1]."""
        return np.maximum(self.face_mask, self.lip_mask)


def crop_square(image: np.ndarray, box: tuple[int, int, int], size: int) -> np.ndarray:
    x0, y0, side = box
    h, w = image.shape[:2]
    pad = max(0, -x0, -y0, x0 + side - w, y0 + side - h)
    padded = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE) if pad else image
    crop = padded[y0 + pad:y0 + pad + side, x0 + pad:x0 + pad + side]
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if side > size else cv2.INTER_CUBIC)


def _hull_mask(points: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros((size, size), np.uint8)
    if len(points) >= 3:
        cv2.fillConvexPoly(mask, cv2.convexHull(points.astype(np.int32)), 1)
    return mask.astype(bool)


def _region_mask(xy: np.ndarray, name: str, size: int) -> np.ndarray:
    parts = REGION_PARTS[name]
    groups = [[p for p in parts if p.startswith("R_") or p.endswith("_R")],
              [p for p in parts if p.startswith("L_") or p.endswith("_L")]] \
        if name in _SIDED else [list(parts)]
    mask = np.zeros((size, size), bool)
    for group in groups:
        idx = np.unique(np.concatenate([np.ravel(region(p)) for p in group]).astype(int))
        mask |= _hull_mask(xy[idx], size)
    return mask


def level_eyes(image: np.ndarray, xy: np.ndarray, min_degrees: float = 1.0
               ) -> tuple[np.ndarray, np.ndarray, float]:
    """Rotate the image about the pupils' midpoint so the eye line is horizontal, as the
    upright faces SD 1.5 and the talking-head training sets hold (hallo, AniPortrait align the
    same way). Returns (image, landmarks (478, 2), roll removed in degrees)."""
    frame = FaceFrame.from_landmarks(xy)
    roll = frame.roll_degrees
    if abs(roll) < min_degrees:
        return image, xy, 0.0
    m = cv2.getRotationMatrix2D(tuple(float(v) for v in frame.origin), roll, 1.0)
    h, w = image.shape[:2]
    rotated = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_CUBIC,
                             borderMode=cv2.BORDER_REPLICATE)
    moved = (xy[:, :2] @ m[:, :2].T + m[:, 2]).astype(np.float32)
    return rotated, moved, roll


def portrait_from_landmarks(image: np.ndarray, xy: np.ndarray, size: int,
                            crop_scale: float = 2.0, notes: list[str] | None = None,
                            align: bool = True) -> DiffusionPortrait:
    roll = 0.0
    if align:
        image, xy, roll = level_eyes(image, xy)
    box = crop_box(xy, crop_scale)
    crop = crop_square(image, box, size)
    local = (xy - np.array(box[:2], np.float32)) * (size / box[2])
    face = _hull_mask(local[np.ravel(region("face_oval")).astype(int)], size).astype(np.float32)
    lips = _region_mask(local, "mouth", size).astype(np.uint8)
    lips = cv2.dilate(lips, np.ones((max(3, size // 32),) * 2, np.uint8)).astype(np.float32)
    regions = {name: _region_mask(local, name, size) for name in REGION_PARTS}
    return DiffusionPortrait(crop, face, lips, regions, list(notes or []), local, roll)


def portrait_without_face(image: np.ndarray, size: int) -> DiffusionPortrait:
    """The whole image as the crop, masks all ones (tests, and images already cropped)."""
    crop = cv2.resize(np.ascontiguousarray(image[..., :3]), (size, size), interpolation=cv2.INTER_AREA)
    ones = np.ones((size, size), np.float32)
    return DiffusionPortrait(crop, ones, ones.copy(), {})
