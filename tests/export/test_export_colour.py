"""The writer converts RGB to YUV 4:2:0 itself (core/video/yuv.py) and tags the stream with
that conversion's matrix: a player (here ffmpeg's own decoder) shows the colours written."""
from __future__ import annotations

import numpy as np

from core.samples import sample_portrait
from core.video.export import VideoWriter
from core.video.yuv import to_i420
from tests.export.helpers import decoded_frames, probe

FPS = 25
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 255, 255), (255, 0, 255),
           (128, 128, 128), (255, 255, 255), (30, 60, 90), (0, 0, 0)]


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255 ** 2 / np.mean((a.astype(float) - b) ** 2)))


def _round_trip(tmp_path, frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    with VideoWriter(tmp_path / "c.mp4", FPS, w, h) as writer:
        for _ in range(3):
            writer.write(frame)
    return decoded_frames(tmp_path / "c.mp4")[1]


def test_i420_is_bt601_studio_range_with_mean_chroma():
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (6, 10, 3), dtype=np.uint8)
    out = to_i420(rgb)
    assert out.shape == (6 * 10 * 3 // 2,)
    f = rgb.astype(float)
    y = 16 + (65.481 * f[..., 0] + 128.553 * f[..., 1] + 24.966 * f[..., 2]) / 255  # BT.601
    assert np.abs(out[:60].reshape(6, 10) - y).max() <= 1.0
    m = f.reshape(3, 2, 5, 2, 3).mean((1, 3))  # each 2x2 block's mean colour
    cb = 128 + (-37.797 * m[..., 0] - 74.203 * m[..., 1] + 112.0 * m[..., 2]) / 255
    cr = 128 + (112.0 * m[..., 0] - 93.786 * m[..., 1] - 18.214 * m[..., 2]) / 255
    assert np.abs(out[60:75].reshape(3, 5) - cb).max() <= 1.5  # two roundings
    assert np.abs(out[75:].reshape(3, 5) - cr).max() <= 1.5


def test_decoded_colours_are_the_written_ones(tmp_path):
    frame = np.zeros((64, 320, 3), np.uint8)
    for i, c in enumerate(COLOURS):
        frame[:, 32 * i:32 * (i + 1)] = c
    out = _round_trip(tmp_path, frame)
    centres = out[32, 16::32].astype(int)
    assert np.abs(centres - np.array(COLOURS)).max() <= 3, centres
    assert "smpte170m" in probe(tmp_path / "c.mp4")["text"]  # the matrix is in the stream


def test_a_portrait_keeps_its_quality_and_odd_sides_are_cropped(tmp_path):
    photo = sample_portrait(257)[:, :255]  # odd height and width
    out = _round_trip(tmp_path, np.ascontiguousarray(photo))
    assert out.shape == (256, 254, 3)
    # CRF 18 on a detailed photo; the earlier swscale BT.709 path measured 36.2 dB here
    assert _psnr(out, photo[:256, :254]) > 35.0
