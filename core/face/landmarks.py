"""MediaPipe Face Mesh (478 points, refined irises) on a still portrait of any size.

Search, then refine: find faces on a copy of at most DETECT_MAX_SIDE pixels (then on
contrast-normalised and smoothed copies for paintings and drawings, then on tiles for small
faces in big pictures); then run Face Mesh again on a crop around the largest face, scaled so
the face is about REFINE_FACE_PX wide, and map the landmarks back to full-image pixels. The
landmarks are equally accurate whatever the picture's size.

`find_small_faces` looks further, for a picture read at its own resolution (a full-length or
group photo whose faces are a few dozen pixels wide, core/face/portrait_file.py): MediaPipe's
full-range face detector on overlapping tiles of a copy scaled so a SMALL_FACE_PX face is
FULL_RANGE_FACE_PX wide in its 192 px input, then Face Mesh on a crop around each box.
"""
from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from core.errors import FaceTooSmallError, MoeeWarning, NoFaceError
from core.face.image_io import as_rgb_uint8, cap_size
from core.face.regions import ipd as face_ipd
from core.native_logs import configure as configure_native_logs
from core.native_logs import native_stderr_muted, quiet_absl

MIN_IPD_PX = 20.0  # below this the rig has too few pixels per AU motion to look right
# A face turned further than this (degrees) gets a note: the rig moves the side that shows, and
# the rest expression read against a frontal neutral face is rough (a 54-degree near profile
# read as AU15 0.88 at rest; a 38-degree face animated cleanly, by eye)
TURNED_NOTE_DEG = 35.0

# Tuning table. Face Mesh's short-range detector sees a 128 px copy of its input and finds faces
# filling roughly 20-100 % of it; its landmark model sees a 192 px crop of the face (MediaPipe
# face_detection_short_range / face_landmark_front model cards).
DETECT_MAX_SIDE = 1024  # search pass resolution; more only costs time at a 128 px detector
REFINE_FACE_PX = 320  # face width in the refine crop: well above the 192 px landmark input
REFINE_MARGIN = 0.6  # crop margin on each side, in face widths (room for the detector's box)
TILE_MIN_PX = 256  # smallest tile: a face ~20 % of it (~54 px, IPD ~MIN_IPD_PX) is still found
TILE_DETECT_PX = 384  # tiles are searched at this size: the detector sees 128 px anyway
TILE_OVERLAP = 0.5  # tiles overlap by half so every face lies whole inside one tile
CLAHE_CLIP, CLAHE_GRID = 2.0, 8  # OpenCV's usual CLAHE settings: lifts faded/dark paintings
SMOOTH_SIGMA_FRAC = 1 / 256  # blur for drawings: hatching and paper grain hide the face
# a face filling the whole picture (a tight crop: forehead and chin cut off, a profile photo's
# avatar) escapes the detector, which wants some of the head around it: the picture is searched
# again inside a border this share of its longest side wide on every side, its edge pixels
# repeated (one of twelve 512 px face crops of CodeFormer's inputs was found only so, at 0.5;
# at 0.15-0.3 not, in any variant)
PAD_FRAC = 0.5
MAX_FACES = 5
MIN_DETECTION_CONFIDENCE = 0.5  # MediaPipe default
# find_small_faces. The full-range detector (face_detection_full_range_sparse.tflite, in the
# wheel) sees 192 px and finds faces a few percent of that wide; on the sample portrait and
# matplotlib's grace_hopper.jpg pasted into a noise canvas, faces 12 px wide in its input or
# more were found in 8 of 8 places, 10.5 px in 6 of 8 (the face's landmark extent)
FULL_RANGE_INPUT_PX = 192
FULL_RANGE_FACE_PX = 12
SMALL_FACE_PX = 45  # smallest face (landmark extent, px) it looks for: under ~50 px a face has
#                     under MIN_IPD_PX between the pupils anyway (IPD ~0.4 of the extent)
SMALL_TILE_STEP = 128  # tiles overlap by a third: a face up to 64 px there lies whole in one
# tile count at most (6 ms each): a bigger picture is searched coarser, its limit said so; a
# 6000x4000 photo takes ~100 tiles at SMALL_FACE_PX
SMALL_MAX_TILES = 160
SMALL_MAX_CANDIDATES = 8  # boxes checked with Face Mesh, best first (noise gives a few at 0.6)


@dataclass
class FaceAnalysis:
    landmarks: np.ndarray  # (478, 3) float32: x, y in image pixels; z in the same pixel scale
    image_size: tuple[int, int]  # (height, width)
    n_faces: int = 1
    notes: list[str] = field(default_factory=list)  # messages for the user (e.g. several faces)

    @property
    def xy(self) -> np.ndarray:
        return self.landmarks[:, :2]


_lock = threading.Lock()  # the MediaPipe graph is not re-entrant: one image at a time
_mesh = None
_detector = None
# the last picture's result, by its pixels: a portrait file checked before the engine gets it
# (core/face/portrait_file.py) is not searched twice
_last: tuple[bytes, np.ndarray | None, int] | None = None


def detect_face(image: np.ndarray, check_size: bool = True) -> FaceAnalysis:
    """Landmarks of the largest face in an RGB image (uint8 preferred; gray/RGBA accepted).

    Raises NoFaceError when no face is found, FaceTooSmallError when it is too small to animate.
    check_size=False is a look before deciding (core/face/portrait_file.py): any size, and
    several faces are in the notes but not warned of.
    """
    global _last
    rgb = as_rgb_uint8(image)
    key = _pixels_key(rgb)
    with _lock:
        if _last is None or _last[0] != key:
            faces, variant = _search(rgb)
            lm = _refine(rgb, max(faces, key=_face_width), variant) if faces else None
            _last = (key, lm, len(faces))
        lm, n_faces = _last[1], _last[2]
    if lm is None:
        raise NoFaceError("no face found in the portrait; use a picture with one clearly "
                          "visible face, looking roughly toward the camera")
    lm = lm.copy()
    return analysis_of(lm, rgb.shape[:2], n_faces, check_size)


def analysis_of(lm: np.ndarray, image_size: tuple[int, int], n_faces: int,
                check_size: bool = True) -> FaceAnalysis:
    """The FaceAnalysis of the largest of n_faces faces, its size checked and several faces
    warned of (neither without check_size)."""
    if check_size:
        _check_size(lm)  # before the several-faces warning: an error makes that moot
    notes = []
    if n_faces > 1:
        notes.append(f"{n_faces} faces found; animating the largest one")
        if check_size:
            warnings.warn(notes[-1], MoeeWarning, stacklevel=3)
    yaw = face_yaw_degrees(lm)
    if abs(yaw) > TURNED_NOTE_DEG:
        notes.append(f"the face is turned about {abs(yaw):.0f} degrees from the camera: "
                     "expressions move the side that shows, and the expression read at rest is "
                     "rough; a picture facing the camera works best")
    return FaceAnalysis(landmarks=lm, image_size=image_size, n_faces=n_faces, notes=notes)


def _pixels_key(rgb: np.ndarray) -> bytes:
    import hashlib

    digest = hashlib.blake2b(memoryview(np.ascontiguousarray(rgb)).cast("B"), digest_size=16)
    return repr(rgb.shape).encode() + digest.digest()


def face_yaw_degrees(landmarks: np.ndarray) -> float:
    """How far the face is turned from the camera (degrees, signed): the line between the outer
    eye corners in Face Mesh's 3-D (its depth is in the image's pixel scale)."""
    v = landmarks[263, :3].astype(np.float64) - landmarks[33, :3]
    return float(np.degrees(np.arctan2(v[2], v[0])))


def _check_size(lm: np.ndarray) -> None:
    ipd = float(face_ipd(lm))
    if ipd < MIN_IPD_PX:
        need = np.ceil(10 * MIN_IPD_PX / max(ipd, 1e-3)) / 10  # round up: 1.04 -> 1.1
        raise FaceTooSmallError(
            f"the face is too small ({ipd:.0f} px between the pupils, {_face_width(lm):.0f} px "
            f"wide; need at least {MIN_IPD_PX:.0f} px between the pupils); crop the picture "
            f"closer to the face or use a version about {need:.1f}x larger")


# --- search ----------------------------------------------------------------------------------

Variant = Callable[[np.ndarray], np.ndarray]


def _identity(rgb: np.ndarray) -> np.ndarray:
    return rgb


def _clahe(rgb: np.ndarray) -> np.ndarray:
    import cv2

    from core import lab_tables

    lab = lab_tables.cvt(rgb, cv2.COLOR_RGB2LAB)
    clahe = cv2.createCLAHE(CLAHE_CLIP, (CLAHE_GRID, CLAHE_GRID))
    lab[:, :, 0] = clahe.apply(lab[:, :, 0])
    return lab_tables.cvt(lab, cv2.COLOR_LAB2RGB)


def _smooth(rgb: np.ndarray) -> np.ndarray:
    import cv2

    sigma = max(1.5, max(rgb.shape[:2]) * SMOOTH_SIGMA_FRAC)
    return cv2.GaussianBlur(rgb, (0, 0), sigma)


VARIANTS: tuple[Variant, ...] = (_identity, _clahe, _smooth)


def _search(rgb: np.ndarray) -> tuple[list[np.ndarray], Variant | None]:
    """Faces (full-image pixel landmarks) from the first pass that finds any, and the variant
    (image treatment) that found them."""
    for variant in VARIANTS:
        faces = _mesh_downscaled(rgb, DETECT_MAX_SIDE, variant)
        if faces:
            return faces, variant
    for variant in VARIANTS:
        faces = _mesh_padded(rgb, variant)
        if faces:
            return faces, variant
    faces = _search_tiles(rgb)
    return (faces, _identity) if faces else ([], None)


def _mesh_padded(rgb: np.ndarray, variant: Variant) -> list[np.ndarray]:
    """Face Mesh on the picture inside a border of its own edge pixels (PAD_FRAC); landmarks
    in rgb's pixels."""
    import cv2

    pad = int(round(PAD_FRAC * max(rgb.shape[:2])))
    big = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    return [f - np.array([pad, pad, 0], np.float32)
            for f in _mesh_downscaled(big, DETECT_MAX_SIDE, variant)]


def _search_tiles(rgb: np.ndarray) -> list[np.ndarray]:
    """Overlapping tiles, coarse to fine, for faces too small for the whole-picture pass."""
    h, w = rgb.shape[:2]
    for tile in _tile_sizes(max(h, w)):
        found: list[np.ndarray] = []
        for y0, x0 in _tile_origins(h, w, tile):
            crop = rgb[y0:y0 + tile, x0:x0 + tile]
            for f in _mesh_downscaled(crop, TILE_DETECT_PX, _identity):
                found.append(f + np.array([x0, y0, 0], np.float32))
        if found:
            return _dedupe(found)
    return []


def _mesh_downscaled(rgb: np.ndarray, max_side: int, variant: Variant) -> list[np.ndarray]:
    """Face Mesh on a copy of at most max_side pixels; landmarks in rgb's pixels."""
    small = cap_size(rgb, max_side)
    sx, sy = rgb.shape[1] / small.shape[1], rgb.shape[0] / small.shape[0]
    return [f * np.array([sx, sy, sx], np.float32) for f in _run_mesh(variant(small))]


def _tile_sizes(longest: int) -> list[int]:
    """Halving tile sizes from half the picture down to TILE_MIN_PX (always the last one)."""
    sizes, tile = [], longest // 2
    while tile > TILE_MIN_PX:
        sizes.append(tile)
        tile //= 2
    return sizes + [TILE_MIN_PX] if longest > TILE_MIN_PX * 2 else sizes


def _tile_origins(h: int, w: int, tile: int, step: int = 0) -> list[tuple[int, int]]:
    step = step or max(1, int(tile * (1 - TILE_OVERLAP)))

    def starts(n: int) -> list[int]:
        last = max(0, n - tile)
        return sorted(set(list(range(0, last, step)) + [last]))

    return [(y, x) for y in starts(h) for x in starts(w)]


def _dedupe(faces: list[np.ndarray]) -> list[np.ndarray]:
    """One face per person when overlapping tiles each see it: keep the largest copy."""
    kept: list[np.ndarray] = []
    for f in sorted(faces, key=_face_width, reverse=True):
        c = f[:, :2].mean(axis=0)
        if all(np.hypot(*(c - k[:, :2].mean(axis=0))) > 0.5 * _face_width(k) for k in kept):
            kept.append(f)
    return kept


# --- small faces in a picture at its own resolution --------------------------------------------

def small_face_limit(image_size: tuple[int, int]) -> float:
    """The smallest face (landmark extent, px) find_small_faces looks for in a picture of
    (height, width): SMALL_FACE_PX, more where SMALL_MAX_TILES tiles cannot cover it so."""
    h, w = image_size
    face = float(SMALL_FACE_PX)
    while face < max(h, w):
        scale = min(1.0, FULL_RANGE_FACE_PX / face)
        side = round(h * scale), round(w * scale)
        if len(_tile_origins(*side, FULL_RANGE_INPUT_PX, SMALL_TILE_STEP)) <= SMALL_MAX_TILES:
            break
        face *= 1.25
    return face


def find_small_faces(image: np.ndarray, known: tuple[np.ndarray, ...] = ()) -> list[np.ndarray]:
    """Faces down to small_face_limit px in a big picture (the full-range detector on tiles,
    then Face Mesh on a crop around each box), largest first; (478, 3) landmarks in image
    pixels, refined as detect_face's. Sizes are not checked. `known`: faces found already
    (detect_face's, scaled), kept where this search misses them (a painting's)."""
    import cv2

    rgb = as_rgb_uint8(image)
    h, w = rgb.shape[:2]
    scale = min(1.0, FULL_RANGE_FACE_PX / small_face_limit((h, w)))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    tile = FULL_RANGE_INPUT_PX
    with _lock:
        boxes = []  # (score, centre x, centre y, side) in rgb's pixels
        for y0, x0 in _tile_origins(*small.shape[:2], tile, SMALL_TILE_STEP):
            for score, cx, cy, side in _run_detector(small[y0:y0 + tile, x0:x0 + tile]):
                boxes.append((score, (x0 + cx) / scale, (y0 + cy) / scale, side / scale))
        faces = []
        for _, cx, cy, side in _strongest(boxes)[:SMALL_MAX_CANDIDATES]:
            lm = _mesh_around(rgb, np.array([cx, cy], np.float32), side)
            if lm is not None:
                faces.append(_refine(rgb, lm, _identity))
        faces += [_refine(rgb, np.asarray(f, np.float32), _identity) for f in known]
    return _dedupe(faces)


def _strongest(boxes: list[tuple[float, float, float, float]]) -> list[tuple]:
    """One box per face (overlapping tiles see it twice), best score first."""
    kept: list[tuple] = []
    for b in sorted(boxes, reverse=True):
        if all(np.hypot(b[1] - k[1], b[2] - k[2]) > 0.5 * max(b[3], k[3]) for k in kept):
            kept.append(b)
    return kept


def _mesh_around(rgb: np.ndarray, centre: np.ndarray, size: float) -> np.ndarray | None:
    """Face Mesh on a crop around a detector's box; the face nearest its centre, in rgb's
    pixels, or None when Face Mesh sees none there (the detector's false alarm)."""
    crop, origin, scale = _square_crop(rgb, centre, size)
    faces = _run_mesh(crop)
    if not faces:
        return None
    mid = np.array(crop.shape[1::-1], np.float32) / 2
    best = min(faces, key=lambda f: np.hypot(*(f[:, :2].mean(axis=0) - mid)))
    out = best / scale
    out[:, :2] += origin
    return out.astype(np.float32)


# --- refine ----------------------------------------------------------------------------------

def _refine(rgb: np.ndarray, coarse: np.ndarray, variant: Variant) -> np.ndarray:
    """Face Mesh on a crop with the face about REFINE_FACE_PX wide, mapped back to full pixels.
    Falls back to the coarse landmarks when the crop pass loses the face."""
    crop, origin, scale = _face_crop(rgb, coarse)
    faces = _run_mesh(variant(crop))
    if not faces:
        return coarse.astype(np.float32)
    centre = np.array(crop.shape[1::-1], np.float32) / 2
    best = min(faces, key=lambda f: np.hypot(*(f[:, :2].mean(axis=0) - centre)))
    out = best / scale
    out[:, :2] += origin
    return out.astype(np.float32)


def _face_crop(rgb: np.ndarray, lm: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Square crop around the face (edge-padded where it leaves the picture), resized.
    Returns the crop, its top-left corner in full-image pixels and the scale applied."""
    lo, hi = lm[:, :2].min(axis=0), lm[:, :2].max(axis=0)
    return _square_crop(rgb, (lo + hi) / 2, float(max(hi - lo)))


def _square_crop(rgb: np.ndarray, centre: np.ndarray,
                 size: float) -> tuple[np.ndarray, np.ndarray, float]:
    """_face_crop around a face `size` px wide centred at `centre` (x, y)."""
    import cv2

    half = size * (0.5 + REFINE_MARGIN)
    x0, y0 = np.floor(centre - half).astype(int)
    side = int(np.ceil(2 * half))
    h, w = rgb.shape[:2]
    pads = (max(0, -y0), max(0, y0 + side - h), max(0, -x0), max(0, x0 + side - w))
    crop = rgb[max(0, y0):min(h, y0 + side), max(0, x0):min(w, x0 + side)]
    if any(pads):
        crop = cv2.copyMakeBorder(crop, *pads, cv2.BORDER_REPLICATE)
    scale = REFINE_FACE_PX / max(size, 1.0)
    new = max(1, round(side * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    crop = cv2.resize(crop, (new, new), interpolation=interp)
    return crop, np.array([x0, y0], np.float32), new / side


# --- MediaPipe -------------------------------------------------------------------------------

def _face_mesh():
    """The one Face Mesh graph, made on first use. Call inside native_stderr_muted: the graph
    opens its calculators on its own threads after FaceMesh() returns, and they log until the
    first image has gone through (core/native_logs.py, core/signal_shield.py)."""
    global _mesh
    if _mesh is None:
        _mesh = _solutions().face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=MAX_FACES, refine_landmarks=True,
            min_detection_confidence=MIN_DETECTION_CONFIDENCE)
    return _mesh


def _full_range():
    """The full-range face detector graph, made on first use (as _face_mesh)."""
    global _detector
    if _detector is None:
        _detector = _solutions().face_detection.FaceDetection(
            min_detection_confidence=MIN_DETECTION_CONFIDENCE, model_selection=1)
    return _detector


def _solutions():
    """mediapipe.solutions, its native logs quietened first."""
    configure_native_logs()
    quiet_absl()
    from core.face.mediapipe_import import import_mediapipe
    return import_mediapipe().solutions


def _run_detector(rgb: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Faces the full-range detector finds: (score, centre x, centre y, larger side), in this
    image's pixels. Hold _lock."""
    h, w = rgb.shape[:2]
    with native_stderr_muted(hold_signals=True):
        result = _full_range().process(np.ascontiguousarray(rgb))
    out = []
    for d in result.detections or []:
        b = d.location_data.relative_bounding_box
        out.append((float(d.score[0]), (b.xmin + b.width / 2) * w,
                    (b.ymin + b.height / 2) * h, max(b.width * w, b.height * h)))
    return out


def _run_mesh(rgb: np.ndarray) -> list[np.ndarray]:
    """All faces Face Mesh finds: (478, 3) float32 arrays in this image's pixels. Hold _lock."""
    h, w = rgb.shape[:2]
    # mediapipe's import, its graph's start and run log to fd 2, and a Ctrl-C among them broke
    # more than it stopped (core/signal_shield.py): it waits for this block (~0.1 s; ~1 s once)
    with native_stderr_muted(hold_signals=True):
        result = _face_mesh().process(np.ascontiguousarray(rgb))
    return [np.array([(p.x * w, p.y * h, p.z * w) for p in f.landmark], np.float32)
            for f in (result.multi_face_landmarks or [])]


def _face_width(lm: np.ndarray) -> float:
    return float(max(np.ptp(lm[:, 0]), np.ptp(lm[:, 1])))
