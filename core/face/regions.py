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


def skin_colour(image: np.ndarray, xy: np.ndarray, side: int | None = None,
                hair: dict | None = None) -> np.ndarray:
    """(3,) float32: the median colour of `image` (H, W, 3+) at the skin points of landmarks
    `xy` (478, 2+, image pixels; points off the picture read its nearest edge); `side` 0 or 1
    (the subject's right or left, as the R_/L_ lists): that half of the face only, beyond the
    midway between the pupils, as lit (a face lit from one side: the smiling sample portrait's
    halves 208 and 146 in red).

    `hair` ({"central": IPD, "yellower": degrees, "min_chroma": Lab units}, core/rig/tuning.py
    SKIN): points whose hue is yellower than the face's middle (its points within `central` IPD
    of the pupils' midpoint) by more than `yellower` degrees are left out: blonde hair over a
    cheek or a temple, not skin. Only yellower: a shadowed side's skin is redder than its lit
    side, and is kept."""
    h, w = image.shape[:2]
    pts = skin_points()
    r, l = xy[R_IRIS_CENTER, :2], xy[L_IRIS_CENTER, :2]
    p = np.clip(np.round(xy[pts, :2]).astype(int), 0, [w - 1, h - 1])
    colours = image[p[:, 1], p[:, 0], :3]
    keep = np.ones(len(pts), bool)
    if hair is not None:
        keep = ~_yellower(colours, np.hypot(*(xy[pts, :2] - (r + l) / 2).T)
                          <= hair["central"] * float(np.hypot(*(l - r))), hair)
    if side is not None:
        across = (xy[pts, :2] - (r + l) / 2) @ (l - r)
        on_side = across > 0 if side else across < 0
        # a side all hair (or nearly) keeps its points: its median is the best guess there is
        keep = on_side & keep if np.count_nonzero(on_side & keep) >= 3 else on_side
    elif np.count_nonzero(keep) < 3:
        keep[:] = True
    return np.median(colours[keep].astype(np.float32), 0)


def _yellower(colours: np.ndarray, central: np.ndarray, hair: dict) -> np.ndarray:
    """(n,) bool: which `colours` (n, 3, RGB) are yellower than those at `central` (their
    median's hue, CIELAB) by more than `hair["yellower"]` degrees; colours (or a middle) with
    less chroma than `hair["min_chroma"]` have no hue to compare (grey portraits, greys)."""
    import cv2  # here: the index lists stay importable without OpenCV (the CLI's --help)

    from core import lab_tables  # its tables may be building on another thread: wait for them

    lab = lab_tables.cvt(np.clip(colours, 0, 255).astype(np.uint8)[None], cv2.COLOR_RGB2LAB)[0]
    ab = lab[:, 1:].astype(np.float32) - 128.0
    ref = np.median(ab[central] if central.any() else ab, 0)
    if np.hypot(*ref) < hair["min_chroma"]:
        return np.zeros(len(colours), bool)
    # hue angles grow from red (0) toward yellow (90): yellower is a larger angle
    turn = np.degrees(np.arctan2(ab[:, 1], ab[:, 0]) - np.arctan2(ref[1], ref[0]))
    turn = (turn + 180.0) % 360.0 - 180.0
    return (turn > hair["yellower"]) & (np.hypot(ab[:, 0], ab[:, 1]) >= hair["min_chroma"])


@lru_cache(maxsize=2)
def eye_polygon(s: str) -> np.ndarray:
    """Landmarks round eye `s`'s ('R' or 'L') lid opening: outer corner, upper lid, inner
    corner, lower lid back (read-only)."""
    c = _table()[f"{s}_eye_corners"]
    out = np.concatenate([[c["outer"]], region(f"{s}_eye_upper_lid"), [c["inner"]],
                          region(f"{s}_eye_lower_lid")[::-1]])
    out.setflags(write=False)
    return out


def lid_opening(xy: np.ndarray, s: str) -> float:
    """Mean lid opening of eye `s`, in the units of `xy` (478+, 2+): the opening's area over
    its corner-to-corner width (whatever way the lid points slide sideways)."""
    return polygon_opening(xy[eye_polygon(s), :2])


def polygon_opening(poly: np.ndarray) -> float:
    """`lid_opening` of the lid polygon itself: `poly` (n, 2) the points of `eye_polygon` in
    their order (a caller that has them already, as the eye renderer each frame, saves the
    look-up)."""
    import cv2  # here: the index lists stay importable without OpenCV (the CLI's --help)

    poly = np.ascontiguousarray(poly, np.float32)
    area = abs(cv2.contourArea(poly))  # once per eye and frame: cv2, ~10x numpy's shoelace
    d = poly[0] - poly[len(poly) // 2]
    width = float(np.hypot(d[0], d[1]))  # not np.hypot(*d): unpacking an array is ~2x the call
    return area / max(width, 1e-9)


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
