"""Face Mesh index lists (resources/facemesh_regions.json, from ../shared/reference; FACS.md).

LEFT/RIGHT are the subject's own sides: the subject's right eye (33/133, iris 468-472) is on the
image's left in an unmirrored photo.
"""
from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

from core.paths import resource

_PATH = resource("facemesh_regions.json")
NUM_LANDMARKS = 478
R_IRIS_CENTER, L_IRIS_CENTER = 468, 473
IRIS_POINTS = np.arange(468, 478)  # refined Face Mesh: right iris 468-472, left 473-477


def ipd(landmarks: np.ndarray) -> np.ndarray:
    """Inter-pupil distance of (..., 478, 2+) landmarks, in their units: the face frame's unit."""
    d = landmarks[..., L_IRIS_CENTER, :2] - landmarks[..., R_IRIS_CENTER, :2]
    return np.hypot(d[..., 0], d[..., 1])


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(_PATH.read_text(encoding="utf-8"))


def region(name: str) -> np.ndarray:
    """Landmark indices of a named list (e.g. 'lips_upper_inner', 'R_eye_upper_lid')."""
    value = _table()[name]
    if isinstance(value, dict):  # e.g. {"center": 468, "contour": [469, ...]}
        flat: list[int] = []
        for v in value.values():
            flat.extend(v if isinstance(v, list) else [v])
        value = flat
    return np.asarray(value, dtype=np.int64)


def skin_points() -> np.ndarray:
    """Landmarks on open skin, both cheeks and the forehead: where a portrait's own skin
    colour and texture are read."""
    return np.concatenate([region("cheek_R"), region("cheek_L"), region("forehead")])


def point(name: str, key: str) -> int:
    """A single named landmark, e.g. point('mouth_corners_outer', 'R') -> 61."""
    return int(_table()[name][key])


@lru_cache(maxsize=1)
def mirror_map() -> np.ndarray:
    """Index i -> its left/right twin, for all 478 points (iris points mapped too)."""
    m = np.arange(NUM_LANDMARKS)
    m[:468] = _table()["mirror_map"]
    m[468:473], m[473:478] = np.arange(473, 478), np.arange(468, 473)
    return m
