"""Portrait loading: any common image file or array -> RGB uint8 (H, W, 3).

Handles the inputs DESIGN.md lists as "bad input": grayscale, alpha, 16-bit and float images,
palette PNGs, CMYK JPEGs, EXIF rotation, tiny and huge pictures, truncated or non-image files.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from core.errors import InputError

MIN_SIDE_PX = 64  # below this Face Mesh has nothing to work with (its landmark input is 192 px)
MAX_SIDE_PX = 2048  # larger pictures only cost time: the rig warps at preview resolution
# Transparent pixels become a neutral light grey, not black: a black surround makes a dark
# halo at the face edge after the warp and confuses the face detector on cut-out portraits.
ALPHA_BACKGROUND = (204, 204, 204)
# A picture that would decode to more pixels than this is refused from its header (a
# decompression bomb: a few MB of PNG that would take GBs); 16k x 16k is plenty. A JPEG counts
# at the scale it is decoded at (draft: down to 1/8), so a 200 MP phone photo is one to read.
MAX_PIXELS = 16384 * 16384
# Modes Pillow's reduce() averages right (not palette indices; "LA" and "RGBA" premultiplied)
REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "I", "F")


def load_image(path: str | Path, max_side: int = MAX_SIDE_PX) -> np.ndarray:
    """Read a picture file as RGB uint8 (H, W, 3), EXIF-upright, longest side <= max_side
    (MAX_SIDE_PX, the size everything works at; more for a search of the picture's own pixels,
    core/face/portrait_file.py, where a picture over it is brought down by a whole factor).

    Raises InputError naming the file when it is missing, unreadable, damaged or too small.
    """
    from core.validate import nonempty_path, not_a_stream, os_error_message

    nonempty_path(path, "the picture's path")  # Path("") is the current folder
    path = Path(path)
    name = path.name or str(path)
    try:  # exists() raises PermissionError inside a folder that may not be searched
        if not path.exists():
            raise InputError(f"the picture {name} was not found; check the path ({path})")
        if path.is_dir():
            raise InputError(f"{name} is a folder, not a picture; choose an image file inside it")
        not_a_stream(path, "the picture")
        arr = _read_with_pillow(path, max_side)
    except PermissionError as e:  # the file is fine: "damaged, re-download it" would mislead
        raise InputError(os_error_message("read", path, e)) from None
    except OSError as e:  # the system's refusal (a name too long for it), not the file's data
        if e.errno is None:
            raise _damaged(name, e) from e
        raise InputError(os_error_message("read", path, e)) from None
    except (SyntaxError, ValueError) as e:  # truncated data, broken chunks, decoders
        raise _damaged(name, e) from e
    if max_side != MAX_SIDE_PX:
        return cap_size(as_rgb_uint8(arr, name), max_side)
    return prepare_image_array(arr, name=name)


def _damaged(name: str, e: Exception) -> InputError:
    return InputError(f"could not read the picture {name}: the file is damaged or "
                      f"incomplete ({e}); re-export or re-download it")


def prepare_image_array(arr: np.ndarray, name: str = "the picture") -> np.ndarray:
    """An array from the GUI or a decoder (gray, gray+alpha, RGB or RGBA; uint8, uint16, bool
    or float in [0, 1]) -> RGB uint8 (H, W, 3), longest side <= MAX_SIDE_PX."""
    rgb = as_rgb_uint8(arr, name)
    h, w = rgb.shape[:2]
    _check_sides(w, h, name)
    return cap_size(rgb, MAX_SIDE_PX)


def _check_sides(w: int, h: int, name: str) -> None:
    """Too small, or so long and narrow that once its longest side is brought down to
    MAX_SIDE_PX its shortest is too small: a 30000x200 strip became 2048x14, and its clear
    200 px face was reported as no face found."""
    if min(h, w) < MIN_SIDE_PX:
        raise InputError(f"{name} is only {w}x{h} pixels; use a picture at least {MIN_SIDE_PX} "
                         f"pixels on its shortest side (256 or more looks much better)")
    short = min(h, w) * MAX_SIDE_PX / max(h, w)
    if short < MIN_SIDE_PX:
        raise InputError(f"{name} is {w}x{h} pixels, too long and narrow: brought down to the "
                         f"{MAX_SIDE_PX} pixels its longest side is worked at, its shortest "
                         f"would be {short:.0f}, under the {MIN_SIDE_PX} a face needs; crop it "
                         f"closer to the face (its longest side at most "
                         f"{MAX_SIDE_PX // MIN_SIDE_PX} times its shortest)")


def as_rgb_uint8(arr: np.ndarray, name: str = "the picture") -> np.ndarray:
    """Channel and dtype normalisation only (no resizing): -> contiguous RGB uint8 (H, W, 3)."""
    arr = np.asarray(arr)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (2, 3, 4)):
        raise InputError(f"{name} has an unsupported shape {arr.shape}; expected a grayscale, "
                         f"RGB or RGBA image")
    if arr.size == 0:
        raise InputError(f"{name} is empty (shape {arr.shape})")
    img = _to_unit_float(arr, name) if arr.dtype != np.uint8 else arr
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    elif img.shape[2] == 2:  # gray + alpha
        img = np.concatenate([np.repeat(img[:, :, :1], 3, axis=2), img[:, :, 1:]], axis=2)
    if img.shape[2] == 4:
        img = _composite_alpha(img)
    if img.dtype != np.uint8:
        img = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img)


def cap_size(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (area averaging, no aliasing) so the longest side is at most max_side."""
    import cv2

    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _to_unit_float(arr: np.ndarray, name: str) -> np.ndarray:
    """Integer/float/bool pixels -> float32 in [0, 1]."""
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    if arr.dtype == np.uint16:
        return arr.astype(np.float32) / 65535.0
    if np.issubdtype(arr.dtype, np.integer):  # Pillow's 'I' mode: 16-bit values in int32
        top = 65535.0 if arr.max(initial=0) > 255 else 255.0
        return np.clip(arr.astype(np.float32) / top, 0.0, 1.0)
    if np.issubdtype(arr.dtype, np.floating):
        f = np.nan_to_num(arr.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        if f.max(initial=0.0) > 1.0 + 1e-3:  # float data stored on the 0-255 scale
            f = f / 255.0
        return np.clip(f, 0.0, 1.0)
    raise InputError(f"{name} has unsupported pixel type {arr.dtype}; use 8- or 16-bit images")


def _composite_alpha(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 or unit float -> (H, W, 3) float in [0, 1] over ALPHA_BACKGROUND."""
    f = rgba.astype(np.float32) / (255.0 if rgba.dtype == np.uint8 else 1.0)
    alpha = f[:, :, 3:4]
    bg = np.asarray(ALPHA_BACKGROUND, np.float32) / 255.0
    return f[:, :, :3] * alpha + bg * (1.0 - alpha)


def _read_with_pillow(path: Path, max_side: int = MAX_SIDE_PX) -> np.ndarray:
    from PIL import ImageOps, UnidentifiedImageError

    try:
        with _open(path) as im:
            size = _header_size(im)
            _check_sides(*size, path.name)
            im.draft("RGB", (max_side, max_side))  # JPEG: decode at reduced scale
            _check_pixels(im.size, size, path.name)
            im = _reduced(im, max_side)  # forces the full decode
            im = ImageOps.exif_transpose(im)
            return _pillow_to_array(im)
    except UnidentifiedImageError as e:
        raise InputError(f"{path.name} is not a picture this app can read; use a PNG, JPEG, "
                         f"WebP, BMP or TIFF image") from e


def frame_count(path: str | Path) -> int:
    """The frames a picture file holds (an animated GIF or WebP, a multi-page TIFF: its first is
    read); 1 for a still picture or a file Pillow cannot open (load_image says why)."""
    try:
        with _open(path) as im:
            return int(getattr(im, "n_frames", 1))
    except (OSError, ValueError, SyntaxError, EOFError):
        return 1


def _open(path: str | Path):
    """Image.open without Pillow's decompression-bomb guard, which counts the header's pixels
    (refusing above 179 M, warning on stderr above 89 M): _check_pixels counts those decoded."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # process-wide, idempotent; core/samples.py opens our own PNGs
    return Image.open(path)


def _reduced(im, max_side: int = MAX_SIDE_PX):
    """A decoded picture at least twice MAX_SIDE_PX long, box-averaged by the whole factor
    that keeps it at least that long (cap_size's area averaging does the rest). Pillow holds RGB
    at 4 bytes a pixel, and its copy (the EXIF turn) and its array export (bytes, joined) came
    on top of the decode: a 12000 px PNG peaked at 2.0 GB. A larger max_side (a search at the
    picture's own resolution) takes the whole factor that brings it within max_side: no full
    size array besides the decode."""
    im.load()
    if max_side == MAX_SIDE_PX:
        factor = max(im.size) // MAX_SIDE_PX
    else:
        factor = -(-max(im.size) // max_side)
    if factor < 2 or im.mode not in REDUCIBLE_MODES:
        return im
    small = im.reduce(factor)
    im.close()  # the full-size pixels go now, not when the caller's `with` ends
    return small


def picture_size(path: str | Path) -> tuple[int, int] | None:
    """(width, height) of the picture file itself, upright as its EXIF orientation turns it
    (load_image's array is capped at MAX_SIDE_PX); None where the header can't be read."""
    try:
        with _open(path) as im:  # past the limit, not decoded to look for a PNG's late EXIF
            return _upright_size(im) if im.size[0] * im.size[1] <= MAX_PIXELS else im.size
    except (OSError, SyntaxError, ValueError):
        return None


def longest_side(path: str | Path) -> int | None:
    """The picture file's longest side (px), from its header alone: the same whichever way its
    EXIF turns it (picture_size may decode a PNG whole to find that); None where unread."""
    try:
        with _open(path) as im:
            return max(im.size)
    except (OSError, SyntaxError, ValueError):
        return None


def _header_size(im) -> tuple[int, int]:
    """_upright_size where the header holds the EXIF turn. A PNG may keep its EXIF after the
    pixels, and Pillow decodes them all to look (a 40000 px bomb took 1.6 GB to be refused):
    there the size as stored; the checks on it are symmetric, only their message's WxH turns."""
    if im.format == "PNG" and "exif" not in im.info:
        return im.size
    return _upright_size(im)


def _upright_size(im) -> tuple[int, int]:
    w, h = im.size
    turned = im.getexif().get(0x0112) in (5, 6, 7, 8)  # a quarter turn: sides swap
    return (h, w) if turned else (w, h)


def _check_pixels(decoded: tuple[int, int], size: tuple[int, int], name: str) -> None:
    """Before anything is decoded: `decoded` is the size the decoder will make (a JPEG's after
    draft), `size` the picture's own."""
    if decoded[0] * decoded[1] > MAX_PIXELS:
        w, h = size
        raise InputError(f"{name} is {w}x{h} pixels ({w * h / 1e6:.0f} megapixels), too many "
                         f"to open: the limit is {MAX_PIXELS / 1e6:.0f} megapixels "
                         f"({math.isqrt(MAX_PIXELS)}x{math.isqrt(MAX_PIXELS)}); resize it")


def _pillow_to_array(im) -> np.ndarray:
    """Pillow image of any mode -> array of one of the layouts as_rgb_uint8 accepts."""
    mode = im.mode
    if mode in ("RGB", "L", "LA", "RGBA", "I;16", "I;16B", "I;16L", "I", "F", "1"):
        if mode.startswith("I;16"):
            return np.asarray(im, dtype=np.uint16)
        return np.asarray(im)
    if (mode == "P" and "transparency" in im.info) or mode in ("PA", "RGBa", "La"):
        return np.asarray(im.convert("RGBA"))
    return np.asarray(im.convert("RGB"))  # P, CMYK (Pillow undoes Adobe inversion), YCbCr, LAB
