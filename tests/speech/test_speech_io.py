"""Audio loading: formats, mixdown, resampling, and one-sentence errors for bad files."""
from __future__ import annotations

import subprocess

import numpy as np
import pytest
import soundfile as sf

from core.audio.io import AudioTrack, load_audio, wav_announced_seconds
from core.errors import AudioError
from tests.conftest import make_speech


def test_loads_wav_as_mono_float32_at_16k(speech_wav):
    track = load_audio(speech_wav)
    assert isinstance(track, AudioTrack)
    assert track.sample_rate == 16000 and track.samples.dtype == np.float32
    assert track.samples.ndim == 1 and 4.0 < track.duration < 9.0
    assert track.path == str(speech_wav)


def test_resampling_44k_to_16k_keeps_duration(tmp_path):
    src = make_speech(tmp_path / "s44.wav", "Resampling keeps time.", sample_rate=44100)
    info = sf.info(str(src))
    track = load_audio(src, sample_rate=16000)
    assert abs(track.duration - info.frames / info.samplerate) < 1e-3


def test_stereo_is_mixed_down(tmp_path):
    p = tmp_path / "stereo.wav"
    t = np.arange(16000) / 16000
    sf.write(p, np.stack([np.sin(2 * np.pi * 200 * t), np.zeros_like(t)], 1) * 0.5, 16000)
    track = load_audio(p)
    assert track.samples.ndim == 1 and 0.2 < np.abs(track.samples).max() < 0.3


def test_mp3_decodes_through_ffmpeg(speech_wav, tmp_path):
    import imageio_ffmpeg
    mp3 = tmp_path / "speech.mp3"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(speech_wav),
                    "-codec:a", "libmp3lame", "-b:a", "64k", str(mp3)], check=True)
    wav, track = load_audio(speech_wav), load_audio(mp3)
    assert track.sample_rate == 16000
    assert abs(track.duration - wav.duration) < 0.1  # mp3 adds encoder padding, not seconds
    assert np.abs(track.samples).max() > 0.1


def test_overrange_samples_are_guarded_and_nan_refused(tmp_path):
    p = tmp_path / "wild.wav"
    x = np.full(8000, 0.5, np.float32)
    x[20] = 4.0
    sf.write(p, x, 16000, subtype="FLOAT")
    s = load_audio(p).samples
    assert np.isfinite(s).all() and np.abs(s).max() <= 1.0
    # a NaN is refused at the door: the video's sound is the file's own, and the encoder
    # failed on it with a message that blamed the disk (tests/robust/test_input_door_audio_nan)
    x[10] = np.nan
    sf.write(p, x, 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="invalid samples"):
        load_audio(p)


def test_silent_audio_is_allowed(silence_wav):
    track = load_audio(silence_wav)
    assert abs(track.duration - 2.0) < 1e-3 and not track.samples.any()


def test_slice(speech_wav):
    track = load_audio(speech_wav)
    part = track.slice(1.0, 2.5)
    assert abs(part.duration - 1.5) < 1e-3 and part.sample_rate == track.sample_rate
    assert track.slice(-3, 1e9).duration == pytest.approx(track.duration)


def _one_sentence(msg: str) -> bool:
    return msg.endswith(".") and msg.count(". ") == 0 and "\n" not in msg


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="does not exist") as e:
        load_audio(tmp_path / "nope.wav")
    assert _one_sentence(str(e.value))


@pytest.mark.parametrize("name", ["broken.wav", "broken.mp3", "notes.txt"])
def test_corrupt_bytes_name_the_file(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(b"RIFF\x00\x00junk" + bytes(range(256)) * 8)
    with pytest.raises(AudioError, match=name.replace(".", r"\.")) as e:
        load_audio(p)
    assert _one_sentence(str(e.value))


def test_zero_length(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match="empty"):
        load_audio(empty)
    header_only = tmp_path / "noframes.wav"
    sf.write(header_only, np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioError, match="no audio samples"):
        load_audio(header_only)


def test_video_without_sound_says_so(tmp_path):
    """A real mp4 with only a picture: 'no audio track', not 'not an audio file or damaged'."""
    import imageio_ffmpeg
    video = tmp_path / "silent film.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=gray:s=64x64:d=1", "-c:v", "libx264", str(video)], check=True)
    with pytest.raises(AudioError, match="silent film.mp4 has no audio track"):
        load_audio(video)


def test_too_long_says_length_and_limit(speech_wav):
    with pytest.raises(AudioError, match=r"is \d+\.\d s long; the limit is 2\.0 s") as e:
        load_audio(speech_wav, max_seconds=2.0)
    assert "speech.wav" in str(e.value)


def test_too_long_by_less_than_shown_reads_apart(tmp_path):
    """2.04 s against a 2 s limit read "is 2.0 s long; the limit is 2.0 s"."""
    wav = tmp_path / "a bit long.wav"
    sf.write(wav, np.zeros(32640, np.float32), 16000)
    with pytest.raises(AudioError, match=r"is 2\.04 s long; the limit is 2\.00 s"):
        load_audio(wav, max_seconds=2.0)


def test_folder_is_not_audio(tmp_path):
    with pytest.raises(AudioError, match="folder"):
        load_audio(tmp_path)


def test_too_long_compressed_file_is_refused_without_full_decode(speech_wav, tmp_path):
    import imageio_ffmpeg
    m4a = tmp_path / "speech.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-i", str(speech_wav),
                    "-c:a", "aac", str(m4a)], check=True)
    with pytest.raises(AudioError, match=r"speech\.m4a is .* long; the limit is 1\.0 s"):
        load_audio(m4a, max_seconds=1.0)


def _cut(src, dst, keep: float) -> None:
    """A copy of WAV `src` cut off after `keep` of its bytes (a download stopped short): its
    header still announces the whole file."""
    data = src.read_bytes()
    dst.write_bytes(data[:int(len(data) * keep)])


def test_a_wav_cut_short_says_so_and_keeps_what_is_there(speech_wav, tmp_path):
    whole = load_audio(speech_wav)
    assert whole.notes == []  # an intact file: nothing to say
    assert abs(wav_announced_seconds(speech_wav) - whole.duration) < 0.01
    cut = tmp_path / "cut.wav"
    _cut(speech_wav, cut, 0.25)
    track = load_audio(cut)
    assert 0.2 * whole.duration < track.duration < 0.3 * whole.duration
    assert len(track.notes) == 1, track.notes
    note = track.notes[0]
    assert "cut.wav looks cut short" in note and f"{whole.duration:.1f} s" in note
    assert f"{track.duration:.1f} s" in note  # as the header's: to 0.1 s, finer where alike
    assert track.slice(0.0, 0.5).notes == track.notes  # a slice of it is still that file's


def test_a_wav_header_left_open_by_a_streaming_writer_is_no_note(speech_wav, tmp_path):
    # a writer that cannot seek back leaves the data size 0 or 0xFFFFFFFF: not a cut file
    data = bytearray(speech_wav.read_bytes())
    at = data.index(b"data") + 4
    for size in (0, 0xFFFFFFFF):
        data[at:at + 4] = size.to_bytes(4, "little")
        p = tmp_path / f"open{size}.wav"
        p.write_bytes(bytes(data))
        assert wav_announced_seconds(p) is None
        track = load_audio(p)  # size 0: libsndfile reads nothing, ffmpeg reads it all
        assert track.notes == [] and abs(track.duration - load_audio(speech_wav).duration) < 0.05


def test_chunks_before_the_data_are_skipped(tmp_path):
    # a LIST chunk (an editor's tags) between fmt and data: the announced length still found
    p = tmp_path / "tagged.wav"
    t = np.arange(8000) / 16000
    sf.write(p, 0.3 * np.sin(2 * np.pi * 220 * t), 16000, subtype="PCM_16")
    raw = p.read_bytes()
    at = raw.index(b"data")
    tag = b"LIST" + (5).to_bytes(4, "little") + b"INFOx" + b"\0"  # odd size: one pad byte
    p.write_bytes(raw[:at] + tag + raw[at:])
    assert abs(wav_announced_seconds(p) - 0.5) < 1e-6
    assert wav_announced_seconds(tmp_path / "none.wav") is None


def test_a_pipe_is_not_called_empty(tmp_path):
    """`cat take.wav | main.py live --input /dev/stdin` said 'stdin is empty (0 bytes)': a
    pipe's size is 0 whatever flows through it. It now says what it is."""
    import os

    fifo = tmp_path / "take.wav"
    os.mkfifo(fifo)
    for p in (fifo, "/dev/zero"):
        with pytest.raises(AudioError, match="is not a regular file") as e:
            load_audio(p)
        assert "empty" not in str(e.value)
