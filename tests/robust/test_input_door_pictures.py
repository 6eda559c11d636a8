"""Pictures at the edges of what a camera or an editor writes, through `render` and `analyze`:
refused from the header with the real reason, or read whole, never a misleading "no face"."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.robust.helpers import Case, run_in_process


@pytest.fixture
def folder(tmp_path, portrait_path, speech_wav) -> Path:
    f = tmp_path / "case"
    f.mkdir()
    shutil.copy(speech_wav, f / "speech.wav")
    shutil.copy(portrait_path, f / "face.png")
    return f


def _strip(w: int, h: int, name: str):
    """A plain strip with the sample portrait, whole, in its middle: its face is clear."""
    def setup(folder: Path) -> None:
        import cv2
        face = np.asarray(Image.open(folder / "face.png"))
        side = min(w, h)
        strip = np.full((h, w, 3), 180, np.uint8)
        y, x = (h - side) // 2, (w - side) // 2
        strip[y:y + side, x:x + side] = cv2.resize(face, (side, side))
        Image.fromarray(strip).save(folder / name)
    return setup


def _png_header(w: int, h: int, name: str):
    """A PNG whose header says w x h and whose pixels stop at once: refused from the header,
    it is never decoded (decoding would call it damaged)."""
    def setup(folder: Path) -> None:
        import struct
        import zlib

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data)))

        ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit grey
        (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                                    + chunk(b"IDAT", zlib.compress(b"\0" * (w + 1)))
                                    + chunk(b"IEND", b""))
    return setup


def _render(portrait: str):
    return lambda f: ["render", "--portrait", f / portrait, "--audio", f / "speech.wav",
                      "--out", f / "take.mp4"]


CASES = [
    # capped to 2048 px on its long side it was 2048x14: "no face found" of a 200 px face
    Case("30000x200 strip", _render("strip.png"), "too long and narrow",
         setup=_strip(30000, 200, "strip.png")),
    Case("200x30000 strip, analyze", lambda f: ["analyze", "--portrait", f / "tall.jpg"],
         "200x30000 pixels, too long and narrow", setup=_strip(200, 30000, "tall.jpg")),
    # Pillow's guard said "too many pixels to open safely; resize it below 8192 pixels per
    # side" (a 12000x12000 opened), and its own limit (179 M) stood in for the app's (268 M)
    Case("40000x40000 PNG bomb", _render("bomb.png"),
         "40000x40000 pixels (1600 megapixels), too many to open: the limit is 268 megapixels",
         setup=_png_header(40000, 40000, "bomb.png")),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_refused_at_the_door(case, folder, capsys):
    run_in_process(case, folder, capsys)


@pytest.mark.parametrize("face_first", [False, True])
def test_an_animation_says_its_first_frame_is_the_portrait(folder, capsys, face_first):
    """An animated GIF is read at its first frame: one whose face came in a later frame was
    refused with "no face found in the portrait" and no word of the frames. A note says so,
    before that error or before a take of the first frame."""
    from core.cli import run_cli

    face = Image.open(folder / "face.png").convert("RGB")
    blank = Image.new("RGB", face.size, (128, 128, 128))
    first, later = (face, blank) if face_first else (blank, face)
    first.save(folder / "anim.gif", save_all=True, append_images=[later], duration=100)
    code = run_cli(["analyze", "--portrait", str(folder / "anim.gif")])
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("note: anim.gif holds 2 frames (an animation or a multi-page file); the "
                      "first one is the portrait")
    if face_first:
        assert code == 0
    else:
        assert code == 1 and err[-1].startswith("error: no face found")
