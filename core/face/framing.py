"""Framing: which part of the picture the video shows.

The rig animates the whole picture ("picture", the default): right for a painting or a
head-and-shoulders photo, but a face inset in a wide photo comes out a few pixels wide and no
expression reads (`small_face_note` says so, in numbers). "face" crops the picture first to a
square around the face, `FACE_FRAME_SCALE` times its size, kept inside the picture (no invented
edges). The diffusion engine always works on such a crop (core/diffusion/portrait.py).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from core.face.regions import ipd as face_ipd

if TYPE_CHECKING:
    from core.face.landmarks import FaceAnalysis

FRAMES = ("picture", "face")
# crop side / the landmarks' larger extent (brow to chin): head, hair and neck in the frame,
# and the warp's anchor ring (1.45 x the face oval, core/rig/warp.py) inside it (by eye on the
# sample portrait inset in a wide canvas)
FACE_FRAME_SCALE = 2.2
# a crop keeping at least this share of both sides changes nothing worth a second analysis
KEEP_WHOLE = 0.9
# below this many px between the pupils IN THE VIDEO, the smallest AU motions (AU7's lid lift,
# 0.045 IPD; AU5's, 0.065: core/rig/tuning.py) move the lids by under 2-3 px and an expression
# is hard to see (by eye: the sample portrait inset small in a 1,456 px canvas, 15 px at 512)
MIN_OUTPUT_IPD_PX = 40.0


def crop_box(xy: np.ndarray, scale: float) -> tuple[int, int, int]:
    """Landmarks (478, 2) -> square box (x0, y0, side) around the face, `scale` times its size,
    a little above the face's centre (hair)."""
    lo, hi = xy.min(0), xy.max(0)
    cx, cy = (lo + hi) / 2
    side = round(max(hi - lo) * scale)
    return round(cx - side / 2), round(cy - side / 2 - 0.05 * side), side


def face_frame(xy: np.ndarray, image_size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the face's frame inside an image of (height, width), even sides (for
    H.264); None when it would keep nearly the whole picture."""
    h, w = image_size
    x0, y0, side = crop_box(xy, FACE_FRAME_SCALE)
    sw, sh = min(side, w) // 2 * 2, min(side, h) // 2 * 2  # a picture narrower than the frame
    x0 = int(np.clip(x0 + (side - sw) // 2, 0, w - sw))  # moved inside, never padded
    y0 = int(np.clip(y0 + (side - sh) // 2, 0, h - sh))
    if sw >= KEEP_WHOLE * w and sh >= KEEP_WHOLE * h:
        return None
    return x0, y0, x0 + sw, y0 + sh


def frame_picture(image: np.ndarray, frame: str) -> np.ndarray:
    """The part of an RGB picture the video shows: all of it, or its face's frame (NoFaceError
    when it has no face)."""
    if frame == "picture":
        return image
    from core.face.landmarks import detect_face

    box = face_frame(detect_face(image).xy, image.shape[:2])
    if box is None:
        return image
    x0, y0, x1, y1 = box
    return image[y0:y1, x0:x1].copy()  # contiguous, and the whole picture is freed


def small_face_note(analysis: FaceAnalysis, longest: int, remedy: str) -> str | None:
    """A note when the face will be small in a video whose longest side is `longest` px (the
    rig keeps the whole picture); `remedy` says what to do where the note is read (flags, a
    menu)."""
    ipd = float(face_ipd(analysis.landmarks)) * longest / max(analysis.image_size)
    if ipd >= MIN_OUTPUT_IPD_PX:
        return None
    return (f"the face is small in the video ({ipd:.0f} px between the pupils at {longest} px; "
            f"expressions read from about {MIN_OUTPUT_IPD_PX:.0f} px): {remedy}")


def portrait_notes(prepared, longest: int, remedy: str) -> list[str]:
    """What a user should know about a prepared portrait before rendering it at `longest` px:
    its analysis's notes (several faces...) and, for an engine that keeps the whole picture
    (the rig: `prepared.analysis`), a face small in the video."""
    notes = list(getattr(prepared, "notes", []))
    analysis = getattr(prepared, "analysis", None)
    small = analysis and small_face_note(analysis, longest, remedy)
    return notes + [small] if small else notes
