"""Exports take their sound from the original file (full band), not the 16 kHz analysis copy."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest

from core.audio.io import AudioTrack, load_audio
from core.video.export import VideoWriter
from tests.conftest import make_speech
from tests.export.helpers import audio_seconds, ffmpeg

FPS = 25
SR = 44100
TONE_HZ = 10_000.0  # above the 8 kHz Nyquist limit of the analysis track


def _decoded(path, rate: int = 48000) -> np.ndarray:
    """The export's audio as mono float32, decoded by the ffmpeg binary."""
    raw = subprocess.run([ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1",
                          "-ar", str(rate), "-f", "f32le", "-"], capture_output=True, check=True)
    return np.frombuffer(raw.stdout, "<f4")


def _band_share(x: np.ndarray, rate: int, lo: float, hi: float) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    f = np.fft.rfftfreq(len(x), 1.0 / rate)
    return float(spec[(f >= lo) & (f <= hi)].sum() / (spec.sum() + 1e-20))


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """Speech at 44.1 kHz with a 10 kHz tone mixed in, starting 1 s in."""
    import soundfile as sf
    folder = tmp_path_factory.mktemp("hifi")
    wav = make_speech(folder / "speech.wav", sample_rate=SR)
    x, _ = sf.read(wav, dtype="float32")
    t = np.arange(len(x)) / SR
    x = 0.7 * x + 0.2 * np.sin(2 * np.pi * TONE_HZ * t) * (t >= 1.0)
    sf.write(wav, x.astype(np.float32), SR)
    return wav


def _export(out, audio, start: float = 0.0, frames: int = 50):
    with VideoWriter(out, FPS, 64, 48, audio, audio_start=start) as w:
        for _ in range(frames):
            w.write(np.zeros((48, 64, 3), np.uint8))
    return _decoded(out)


def test_export_keeps_content_above_8khz(tmp_path, source):
    track = load_audio(source)
    assert track.sample_rate == 16000  # the engine's copy cannot hold 10 kHz ...
    x = _export(tmp_path / "hifi.mp4", track, start=1.0)
    assert abs(len(x) / 48000 - 2.0) <= 1 / FPS
    assert _band_share(x, 48000, 9_500, 10_500) > 0.2  # ... the export does


def test_slice_exports_its_own_part_of_the_original(tmp_path, source):
    part = load_audio(source).slice(1.0, 3.0)  # the tone starts at 1.0 s in the file
    x = _export(tmp_path / "part.mp4", part, frames=25)
    assert _band_share(x, 48000, 9_500, 10_500) > 0.2


@pytest.mark.parametrize("path", [None, "missing.wav", "not_audio.wav"])
def test_falls_back_to_track_samples(tmp_path, source, path):
    track = load_audio(source)
    if path == "not_audio.wav":
        (tmp_path / path).write_text("not audio")
    bad = AudioTrack(track.samples, track.sample_rate, path and str(tmp_path / path))
    out = tmp_path / "fallback.mp4"
    x = _export(out, bad, start=1.0)
    assert abs(audio_seconds(out) - 2.0) <= 1 / FPS
    assert np.sqrt(np.mean(x ** 2)) > 0.05  # the speech is there ...
    assert _band_share(x, 48000, 9_500, 10_500) < 0.01  # ... band-limited to 8 kHz


@pytest.mark.parametrize("channels, out", [(8, 2), (6, 2), (2, 2), (1, 1)])
def test_a_voice_of_many_channels_goes_out_as_stereo(tmp_path, source, channels, out):
    """An 8-channel recorder's file went into the video as 7.1 AAC (the voice in the rear
    speakers); more than two channels are mixed down to stereo, mono and stereo stay."""
    import soundfile as sf
    x, _ = sf.read(source, dtype="float32")
    wav = tmp_path / f"ch{channels}.wav"
    sf.write(wav, np.repeat(x[:, None], channels, axis=1) * 0.5, SR)
    path = tmp_path / "out.mp4"
    _export(path, load_audio(wav), frames=25)
    probe = subprocess.run([ffmpeg(), "-i", str(path)], capture_output=True, text=True).stderr
    layout = [line for line in probe.splitlines() if "Audio:" in line][0]
    assert (" stereo," if out == 2 else " mono,") in layout, layout
