"""load_image / prepare_image_array on real files written from the sample portrait."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.errors import InputError
from core.face.image_io import ALPHA_BACKGROUND, MAX_SIDE_PX, load_image, prepare_image_array

BG = np.array(ALPHA_BACKGROUND)


@pytest.fixture(scope="module")
def small(portrait) -> np.ndarray:
    import cv2
    return cv2.resize(portrait, (128, 96), interpolation=cv2.INTER_AREA)


def test_rgb_png_round_trip(portrait_path, portrait):
    out = load_image(portrait_path)
    assert out.dtype == np.uint8 and out.shape == (512, 512, 3)
    np.testing.assert_array_equal(out, portrait)


def test_grayscale_png_becomes_three_equal_channels(tmp_path, small):
    gray = small.mean(axis=2).astype(np.uint8)
    Image.fromarray(gray, "L").save(tmp_path / "g.png")
    out = load_image(tmp_path / "g.png")
    assert out.shape == (96, 128, 3)
    for c in range(3):
        np.testing.assert_array_equal(out[:, :, c], gray)


def test_rgba_png_composites_over_light_grey(tmp_path, small):
    alpha = np.full(small.shape[:2], 255, np.uint8)
    alpha[:, :40] = 0  # transparent strip
    alpha[:, 40:60] = 128  # half transparent
    Image.fromarray(np.dstack([small, alpha]), "RGBA").save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png").astype(int)
    assert (out[:, :40] == BG).all()  # not black
    np.testing.assert_array_equal(out[:, 60:], small[:, 60:])
    half = small[:, 40:60] * (128 / 255) + BG * (127 / 255)
    assert np.abs(out[:, 40:60] - half).max() <= 1


def test_gray_alpha_png(tmp_path, small):
    la = np.dstack([small[:, :, 0], np.zeros(small.shape[:2], np.uint8)])
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    assert (load_image(tmp_path / "la.png") == BG).all()


def test_16_bit_pngs_scale_to_8_bit(tmp_path, small):
    import cv2
    rgb16 = small.astype(np.uint16) * 257  # 0..255 -> 0..65535 exactly
    cv2.imwrite(str(tmp_path / "c16.png"), rgb16[:, :, ::-1])
    cv2.imwrite(str(tmp_path / "g16.png"), rgb16[:, :, 1])
    np.testing.assert_array_equal(load_image(tmp_path / "c16.png"), small)
    g = load_image(tmp_path / "g16.png")
    np.testing.assert_array_equal(g[:, :, 2], small[:, :, 1])


def test_float_and_bool_arrays():
    ramp = np.linspace(0, 1, 100 * 80, dtype=np.float32).reshape(80, 100)
    a = prepare_image_array(ramp)
    b = prepare_image_array(ramp * 255.0)
    assert a.shape == (80, 100, 3) and a[0, 0, 0] == 0 and a[-1, -1, 0] == 255
    assert np.abs(a.astype(int) - b).max() <= 1
    mask = prepare_image_array(np.eye(80, dtype=bool))
    assert mask[0, 0, 0] == 255 and mask[0, 1, 0] == 0


def test_palette_png_with_and_without_transparency(tmp_path, small):
    pal = Image.fromarray(small).quantize(64)
    pal.save(tmp_path / "p.png")
    out = load_image(tmp_path / "p.png")
    assert out.shape == (96, 128, 3) and np.abs(out.astype(int) - small).mean() < 8
    pal.info["transparency"] = int(np.asarray(pal)[0, 0])
    pal.save(tmp_path / "pt.png", transparency=pal.info["transparency"])
    assert (load_image(tmp_path / "pt.png")[0, 0] == BG).all()


def test_cmyk_jpeg(tmp_path, small):
    Image.fromarray(small).convert("CMYK").save(tmp_path / "c.jpg", quality=95)
    out = load_image(tmp_path / "c.jpg")
    assert out.shape == (96, 128, 3)
    assert np.abs(out.astype(int) - small).mean() < 6  # JPEG loss only, not inverted colours


def test_exif_orientation_is_applied(tmp_path):
    img = np.zeros((100, 200, 3), np.uint8)
    img[:, :100] = (255, 0, 0)  # stored left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the stored left edge becomes the top
    Image.fromarray(img).save(tmp_path / "r.jpg", exif=exif, quality=95)
    out = load_image(tmp_path / "r.jpg").astype(int)
    assert out.shape == (200, 100, 3)
    assert out[:90, :, 0].mean() > 240 and out[:90, :, 1].mean() < 15  # red on top
    assert out[110:].mean() < 15


def test_huge_image_is_capped(tmp_path, small):
    import cv2
    wide = cv2.resize(small, (3000, 1000), interpolation=cv2.INTER_LINEAR)
    cv2.imwrite(str(tmp_path / "wide.jpg"), wide[:, :, ::-1])
    out = load_image(tmp_path / "wide.jpg")
    assert out.shape == (683, MAX_SIDE_PX, 3)


def test_a_long_narrow_array_names_what_it_would_become(small):
    strip = np.zeros((100, 4000, 3), np.uint8)  # 2048x51 once capped
    with pytest.raises(InputError, match=r"4000x100 pixels, too long and narrow.* would be 51"):
        prepare_image_array(strip)
    assert prepare_image_array(strip[:, :3200]).shape == (64, MAX_SIDE_PX, 3)  # 32:1 is kept


PEAK_SCRIPT = """
import sys
import cv2, numpy, PIL.Image, PIL.ImageOps
from core.face.image_io import load_image
def kb(field):
    return int(next(ln for ln in open("/proc/self/status") if ln.startswith(field)).split()[1])
open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from here
before = kb("VmRSS")
shape = load_image(sys.argv[1]).shape
print(shape[0], shape[1], kb("VmHWM") - before)
"""


def test_a_big_png_costs_about_its_decode_in_memory(tmp_path):
    """Pillow holds the decode (4 bytes a pixel); its copy for the EXIF turn and its array export
    came on top: this 4096 px PNG's peak was 225 MB over the process before it, 3.4x its 67 MB
    decode (now 81 MB: the decode, the halved copy and the array)."""
    import subprocess
    import sys

    import cv2
    from tests.conftest import ROOT

    img = np.full((4096, 4096, 3), (90, 140, 200), np.uint8)
    img[::64] = 0
    cv2.imwrite(str(tmp_path / "big.png"), img, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(tmp_path / "big.png")],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    h, w, grew_kb = map(int, out)
    assert (h, w) == (MAX_SIDE_PX, MAX_SIDE_PX)
    assert grew_kb * 1024 < 1.5 * 4096 * 4096 * 4, f"{grew_kb / 1024:.0f} MB"


def test_a_200_megapixel_phone_jpeg_is_read_at_reduced_scale(tmp_path):
    """16320x12240, a 200 MP phone camera's full size: Pillow's own guard (179 M pixels by the
    header) refused it as too many pixels "to open safely; resize it below 8192 pixels per
    side", though a 12000x12000 opened; decoded at 1/4 scale it takes 0.4 s. Pictures over
    89 M pixels also printed Pillow's DecompressionBombWarning on stderr from picture_size."""
    import warnings

    from PIL import ImageDraw

    from core.face.image_io import picture_size

    im = Image.new("L", (16320, 12240), 150)
    ImageDraw.Draw(im).ellipse((4000, 2000, 12000, 10000), fill=60)
    im.save(tmp_path / "phone.jpg", quality=50)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = load_image(tmp_path / "phone.jpg")
        assert picture_size(tmp_path / "phone.jpg") == (16320, 12240)
    assert out.shape == (1536, MAX_SIDE_PX, 3) and out[768, 1024, 0] < 80
    assert not seen, [str(w.message) for w in seen]


def test_tiny_image_names_its_size(tmp_path, small):
    Image.fromarray(small[:30, :40]).save(tmp_path / "tiny.png")
    with pytest.raises(InputError, match=r"tiny\.png is only 40x30 pixels"):
        load_image(tmp_path / "tiny.png")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nothere\.png was not found"):
        load_image(tmp_path / "nothere.png")


def test_folder_is_not_a_picture(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        load_image(tmp_path)


def test_text_file_is_not_a_picture(tmp_path):
    (tmp_path / "notes.png").write_text("hello, not a picture")
    with pytest.raises(InputError, match=r"notes\.png is not a picture"):
        load_image(tmp_path / "notes.png")


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_truncated_file(tmp_path, portrait, ext):
    import cv2
    full = tmp_path / f"full.{ext}"
    cv2.imwrite(str(full), portrait[:, :, ::-1])
    cut = tmp_path / f"cut.{ext}"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(InputError, match=rf"cut\.{ext}.*damaged or incomplete"):
        load_image(cut)


@pytest.mark.parametrize("shape", [(10, 10, 5), (4,), (100, 100, 0)])
def test_bad_array_shapes(shape):
    with pytest.raises(InputError, match="unsupported shape|empty"):
        prepare_image_array(np.zeros(shape, np.uint8))


def test_a_name_too_long_for_the_file_system_is_not_called_damaged(tmp_path):
    """exists() raised ENAMETOOLONG and the picture was 'damaged or incomplete; re-download'."""
    with pytest.raises(InputError, match="too long for this file system") as e:
        load_image(tmp_path / ("p" * 300 + ".png"))
    assert "damaged" not in str(e.value)


def test_truncated_data_is_still_called_damaged(tmp_path, small):
    whole = tmp_path / "whole.png"
    Image.fromarray(small).save(whole)
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(InputError, match="damaged or incomplete"):
        load_image(cut)
