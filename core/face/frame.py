"""The face frame: origin between the pupils, x along the eye line toward the subject's left,
y perpendicular (image-down when the head is upright), unit = inter-pupil distance (IPD).

AU displacement tables are written in this frame so one table fits every face size and roll
(DESIGN.md, "Face frame").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.face.regions import L_IRIS_CENTER, R_IRIS_CENTER
from core.face.regions import ipd as face_ipd


@dataclass(frozen=True)
class FaceFrame:
    origin: np.ndarray  # (2,) image pixels
    axes: np.ndarray  # (2, 2) rows: x axis, y axis (unit vectors in image pixels)
    ipd: float  # pixels

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray) -> FaceFrame:
        """landmarks: (478, 2+) image pixels (refined Face Mesh, iris centres 468/473)."""
        r = landmarks[R_IRIS_CENTER, :2].astype(np.float64)
        l_ = landmarks[L_IRIS_CENTER, :2].astype(np.float64)
        d = l_ - r
        ipd = float(face_ipd(landmarks))
        if ipd < 1e-6:
            raise ValueError("degenerate landmarks: both pupils at the same place")
        x = d / ipd
        y = np.array([-x[1], x[0]])  # x rotated +90 deg in image coords (y down): points chin-ward
        return cls(origin=(r + l_) / 2, axes=np.stack([x, y]), ipd=ipd)

    @property
    def roll_degrees(self) -> float:
        return float(np.degrees(np.arctan2(self.axes[0, 1], self.axes[0, 0])))

    def to_frame(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) image pixels -> (N, 2) face-frame units (IPD)."""
        return ((points[..., :2] - self.origin) @ self.axes.T) / self.ipd

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) face-frame units -> (N, 2) image pixels."""
        return points @ self.axes * self.ipd + self.origin

    def vectors_to_image(self, vectors: np.ndarray) -> np.ndarray:
        """Displacements (..., 2) in IPD units -> image pixels (rotation and scale only)."""
        return (vectors @ self.axes) * self.ipd

    def scaled(self, factor: float) -> FaceFrame:
        """The same frame for the image resized by `factor`."""
        return FaceFrame(self.origin * factor, self.axes, self.ipd * factor)
