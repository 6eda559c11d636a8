"""A portrait file as the engines get it: read at the working size, framed, and looked at again
at its own resolution when the face is too small to find or animate at the working size.

Everything works on the picture brought down to image_io.MAX_SIDE_PX, where a face under about
54 px escapes Face Mesh (core/face/landmarks.py). In a full-length or group photo, a landscape
with a person (a face 50-150 px wide in 4000-6000 px), that face is 20-50 px once the picture is
worked at 2048: "no face found", or found and too small. Then the file is read again at up to
SEARCH_MAX_SIDE and searched with landmarks.find_small_faces; the landmarks come back in that
copy's pixels. "face" framing crops that copy (the face's own pixels, not the working size's):
a face found there is animated. The whole picture ("picture") cannot animate a face too small
at the working size, so that is an error naming the remedy (frame the face), not a video with
a face a few pixels wide. A face too small even in the file is refused with its numbers, and
when nothing is found the message says how small a face the search could still find.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import FaceSmallInPictureError, NoFaceError
from core.face.regions import ipd as face_ipd

# Tuning table.
# the search copy's longest side: 8192^2 RGB is 200 MB (a bigger picture is box-reduced by a
# whole factor first, image_io._reduced); a 6000x4000 photo is searched at its own size
SEARCH_MAX_SIDE = 8192

FRAME_REMEDY = "frame the picture on the face"  # callers pass their own (a flag, a menu)


def read_portrait(path: str | Path, frame: str = "picture",
                  remedy: str = FRAME_REMEDY) -> np.ndarray:
    """The picture file as RGB uint8 (longest side <= MAX_SIDE_PX), framed as `frame` says
    (framing.FRAMES). "face" crops the file's own pixels around the face.

    Raises InputError for the file, NoFaceError when no face is found even at the file's own
    resolution, FaceTooSmallError when the face is too small to animate even so, and
    FaceSmallInPictureError (whose message ends with `remedy`) when "picture" framing would
    animate a face too small at the working size that "face" framing animates.
    """
    return _read(path, frame, remedy)[0]


def animation_note(path: str | Path) -> str | None:
    """What to say of an animated GIF or WebP, or a multi-page TIFF: it is read at its first
    frame, and one whose face came later was refused as "no face found" without a word why.
    None for a still picture, or a file the read itself will refuse."""
    from core.face.image_io import frame_count

    frames = frame_count(path)
    if frames < 2:
        return None
    return (f"{Path(path).name} holds {frames} frames (an animation or a multi-page file); "
            "the first one is the portrait")


def read_for_analysis(path: str | Path) -> tuple[np.ndarray, float, bool]:
    """(picture, the file's pixels per pixel of it, framed): the whole picture, or where its
    face is too small to animate in it (FaceSmallInPictureError), the face's frame."""
    return _read(path, "picture", FRAME_REMEDY, or_face=True)


def _read(path, frame: str, remedy: str, or_face: bool = False) -> tuple[np.ndarray, float, bool]:
    from core.face.framing import FRAMES, face_frame
    from core.face.image_io import MAX_SIDE_PX, cap_size, load_image, longest_side
    from core.face.landmarks import MIN_IPD_PX, analysis_of, detect_face

    if frame not in FRAMES:
        raise ValueError(f"frame must be one of {FRAMES}, got {frame!r}")
    image = load_image(path)
    longest = max(image.shape[:2])
    if longest >= MAX_SIDE_PX:  # brought down to the working size: the file's own longest side
        longest = longest_side(path) or longest  # (a PNG's EXIF looked for cost a decode)
    per_px = longest / max(image.shape[:2])  # file px per working px
    try:
        found = detect_face(image, check_size=False)
    except NoFaceError:
        found = None
    big_enough = found is not None and face_ipd(found.landmarks) >= MIN_IPD_PX
    if frame == "picture" and found is not None and (big_enough or per_px <= 1.0):
        return image, per_px, False  # the engine checks the size (detect_face's result kept)
    big = load_image(path, SEARCH_MAX_SIDE) if per_px > 1.0 else image
    k = max(big.shape[:2]) / max(image.shape[:2])
    if big_enough:
        lm, n_faces = found.landmarks * np.float32(k), found.n_faces
    else:  # too small at the working size, or not found: all faces in the file's own pixels
        #    (the one found may be neither the largest there nor the only one)
        lm, n_faces = _search(big, longest, () if found is None else (found.landmarks * k,))
    big_ipd = float(face_ipd(lm))
    if frame == "picture" and big_ipd >= MIN_IPD_PX and not or_face:
        work = (f"{big_ipd / k:.0f} px between the pupils at the {MAX_SIDE_PX} px the "
                f"picture is worked at" if k > 1 else "found only in a close-up search")
        raise FaceSmallInPictureError(
            f"the face is too small to animate in the whole picture ({work}; at least "
            f"{MIN_IPD_PX:.0f} px between the pupils needed, {big_ipd:.0f} px in the "
            f"picture's own pixels): {remedy}")
    analysis_of(lm, big.shape[:2], n_faces)  # too small even so: FaceTooSmallError; notes
    file_per_big = longest / max(big.shape[:2])
    box = face_frame(lm[:, :2], big.shape[:2])
    if box is None:  # the face fills the picture: all of it
        whole = cap_size(big, MAX_SIDE_PX)
        return whole, longest / max(whole.shape[:2]), True
    x0, y0, x1, y1 = box
    crop = cap_size(np.ascontiguousarray(big[y0:y1, x0:x1]), MAX_SIDE_PX)
    return crop, file_per_big * (x1 - x0) / crop.shape[1], True


def _search(big: np.ndarray, longest: int, known: tuple) -> tuple[np.ndarray, int]:
    """The largest face find_small_faces finds in the search copy (or `known`) and how many;
    NoFaceError saying the smallest face it looks for, in the file's pixels (`longest`: the
    file's longest side)."""
    from core.face.landmarks import find_small_faces, small_face_limit

    faces = find_small_faces(big, known)
    if not faces:
        limit = small_face_limit(big.shape[:2]) * longest / max(big.shape[:2])
        raise NoFaceError(
            f"no face found in the portrait; use a picture with one clearly visible face, "
            f"looking roughly toward the camera (a face under about {limit:.0f} px wide in "
            f"the picture is too small to find: crop the picture closer to it)")
    return faces[0], len(faces)
