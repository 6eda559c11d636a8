"""core.audio.resample matches scipy.signal.resample_poly (filter, alignment, length)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly as scipy_resample_poly

from core.audio.resample import resample_poly


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 24000, 44100, 48000])
@pytest.mark.parametrize("n", [1, 5, 999, 40_000])
def test_matches_scipy_to_float32_rounding(rate, n):
    from math import gcd
    x = (np.random.default_rng(n).standard_normal(n) * 0.3).astype(np.float32)
    g = gcd(rate, 16000)
    ours = resample_poly(x, 16000 // g, rate // g)
    ref = scipy_resample_poly(x, 16000 // g, rate // g)
    assert ours.dtype == np.float32 and ours.shape == ref.shape
    assert np.abs(ours - ref).max() < 1e-5


def test_a_tone_keeps_its_pitch_and_level():
    t = np.arange(44100) / 44100
    y = resample_poly(np.sin(2 * np.pi * 440 * t).astype(np.float32), 160, 441)
    spectrum = np.abs(np.fft.rfft(y[1000:-1000]))
    peak_hz = np.argmax(spectrum) * 16000 / len(y[1000:-1000])
    assert abs(peak_hz - 440) < 2
    assert abs(np.sqrt(np.mean(y[1000:-1000] ** 2)) - np.sqrt(0.5)) < 0.01


@pytest.mark.parametrize("rate", [11025, 22050, 44100, 88200, 16001])
def test_blocks_of_time_join_seamlessly(monkeypatch, rate):
    """Small blocks (many per phase, a last one cut short) give scipy's output all through."""
    from math import gcd

    import core.audio.resample as R
    monkeypatch.setattr(R, "BLOCK_INPUT", 3000)
    monkeypatch.setattr(R, "MIN_BLOCK", 3)
    x = (np.random.default_rng(rate).standard_normal(123_457) * 0.3).astype(np.float32)
    g = gcd(rate, 16000)
    ours = R.resample_poly(x, 16000 // g, rate // g)
    ref = scipy_resample_poly(x, 16000 // g, rate // g)
    assert ours.shape == ref.shape and np.abs(ours - ref).max() < 1e-5


def test_empty_input_gives_empty_output():
    assert resample_poly(np.zeros(0, np.float32), 160, 441).shape == (0,)


@pytest.mark.parametrize("channels", [2, 3, 6, 8])
def test_channel_mix_is_numpys_mean(channels):
    from core.audio.io import _mono
    x = np.random.default_rng(channels).standard_normal((10_001, channels)).astype(np.float32)
    mixed = _mono(x)
    assert mixed.dtype == np.float32 and np.array_equal(mixed, x.mean(axis=1))
