"""Load any speech file as a mono float32 track at the engine's sample rate.

soundfile (libsndfile) reads wav/flac/ogg/aiff directly; everything else (mp3, m4a, mp4, webm,
...) is decoded by the ffmpeg binary that ships with imageio-ffmpeg. Every failure becomes one
AudioError sentence that names the file.
"""
from __future__ import annotations

import struct
import subprocess
from dataclasses import dataclass, field
from math import gcd
from pathlib import Path

import numpy as np

from core.errors import AudioError
from core.validate import MAX_TAKE_S, os_error_message, seconds_beside, show_number

from core.audio.rate import SAMPLE_RATE  # noqa: F401 - the engine's analysis rate, 16 kHz
# Extensions libsndfile reads well; others go straight to ffmpeg.
SOUNDFILE_EXTS = {".wav", ".wave", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".aifc", ".au"}
FFMPEG_TIMEOUT_S = 600
HEADER_BYTES = 4096  # a file this small may hold a header alone
READ_BLOCK = 1 << 18  # frames per libsndfile read: a 10-min stereo file never sits in memory twice


@dataclass
class AudioTrack:
    """Mono speech: `samples` float32 in [-1, 1] at `sample_rate` Hz.

    `path` is the file it was decoded from and `offset` the time in that file of samples[0]
    (non-zero for a slice): the exporter muxes full-band sound from there, because `samples`
    are only the engine's band-limited analysis copy."""

    samples: np.ndarray
    sample_rate: int
    path: str | None = None
    offset: float = 0.0
    # what the file's reading showed that a user should hear of (a WAV cut short)
    notes: list[str] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)

    def slice(self, start_s: float, end_s: float) -> AudioTrack:
        """The part between two times in seconds (clamped to the track)."""
        a = int(round(min(max(start_s, 0.0), self.duration) * self.sample_rate))
        b = int(round(min(max(end_s, 0.0), self.duration) * self.sample_rate))
        return AudioTrack(self.samples[a:max(a, b)].copy(), self.sample_rate, self.path,
                          self.offset + a / self.sample_rate, list(self.notes))


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE,
               max_seconds: float = MAX_TAKE_S) -> AudioTrack:
    """Read `path`, mix down to mono, resample to `sample_rate`; raise AudioError on bad input."""
    p = Path(path)
    name = p.name or str(p)  # "." or "..": its own name is empty
    try:  # exists() raises PermissionError inside a folder that may not be searched
        if not p.exists():
            raise AudioError(f"The audio file {p} does not exist.")
        if p.is_dir():
            raise AudioError(f"{name} is a folder, not an audio file.")
        if not p.is_file():  # a pipe (--input /dev/stdin) or a device has size 0: not "empty"
            raise AudioError(f"{name} is not a regular file (a pipe or a device); save the "
                             "audio to a file and give that.")
        size = p.stat().st_size
        with open(p, "rb"):  # libsndfile and ffmpeg would call an unreadable file damaged
            pass
    except OSError as e:  # permission, a name longer than this file system takes: not damage
        raise AudioError(os_error_message("read", p, e)) from None
    if size == 0:
        raise AudioError(f"{name} is empty (0 bytes), so it has no audio to use.")
    data, sr = _read_soundfile(p, max_seconds) if p.suffix.lower() in SOUNDFILE_EXTS else (None, 0)
    # no samples from a file with more than a header: a WAV whose writer could not go back to
    # fill in its data size (0) reads as empty in libsndfile; ffmpeg reads on to the end
    if data is None or (len(data) == 0 and size > HEADER_BYTES):
        data, sr = _read_ffmpeg(p, max_seconds)
    data = _mono(data)
    if len(data) == 0:
        raise AudioError(f"{name} contains no audio samples (zero length).")
    _check_finite(name, data, sr)
    _check_length(name, len(data) / sr, max_seconds)
    notes = _cut_short(p, len(data) / sr)
    data = resample(data, sr, sample_rate)
    return AudioTrack(_sanitise(data), int(sample_rate), str(p), notes=notes)


def _cut_short(p: Path, seconds: float) -> list[str]:
    """A note when `p` is a WAV whose header announces more audio than the file holds (a copy
    or a download cut off): libsndfile reads what is there without a word, and the take came
    out a fraction of the speech with a success message."""
    announced = wav_announced_seconds(p)
    if announced is None or announced <= seconds + max(0.05, 0.01 * announced):
        return []
    said, held = _fmt_pair(announced, seconds)
    return [f"{p.name} looks cut short: its header announces {said} of audio, the "
            f"file holds {held}; the take uses what is there"]


def wav_announced_seconds(p: Path) -> float | None:
    """Seconds of audio a RIFF/WAVE file's header announces (its data chunk's size over the
    format's bytes a second), or None: not a WAV, or a size left open by a streaming writer (0
    or 0xFFFFFFFF)."""
    try:
        with open(p, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            rate = None
            while True:
                chunk = f.read(8)
                if len(chunk) < 8:
                    return None
                cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = f.read(min(size, 16))
                    if len(fmt) < 12:
                        return None
                    rate = struct.unpack("<I", fmt[8:12])[0]  # average bytes a second
                    f.seek(size - len(fmt) + (size & 1), 1)
                elif cid == b"data":
                    if not rate or size in (0, 0xFFFFFFFF):
                        return None
                    return size / rate
                else:
                    f.seek(size + (size & 1), 1)
    except OSError:
        return None


def _read_soundfile(p: Path, max_seconds: float) -> tuple[np.ndarray | None, int]:
    """libsndfile read; None when it cannot parse the file (ffmpeg gets a try)."""
    import soundfile as sf
    try:
        info = sf.info(str(p))
        if info.samplerate > 0:
            _check_length(p.name, info.frames / info.samplerate, max_seconds)
        with sf.SoundFile(str(p)) as f:
            return _read_mono_blocks(f), int(f.samplerate)
    except AudioError:
        raise
    except Exception:  # libsndfile raises several types for unknown or damaged data
        return None, 0


def _read_mono_blocks(f) -> np.ndarray:
    """Mix down block by block into one float32 buffer: no whole-file multichannel copy."""
    out = np.empty(max(f.frames, 0), np.float32)
    pos = 0
    for block in f.blocks(READ_BLOCK, dtype="float32", always_2d=True):
        mono = _mono(block)
        if pos + len(mono) > len(out):  # header under-reported the length
            out = np.concatenate([out[:pos], np.empty(pos + len(mono) - len(out), np.float32)])
        out[pos:pos + len(mono)] = mono
        pos += len(mono)
    return out[:pos]


def _read_ffmpeg(p: Path, max_seconds: float) -> tuple[np.ndarray, int]:
    """Decode with ffmpeg to mono float32 at 48 kHz (we resample later with our own filter)."""
    import imageio_ffmpeg
    sr = 48000
    # Decode one second past the limit: enough to tell "too long" without reading an hour of audio.
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(p),
           "-t", f"{max_seconds + 1:.3f}", "-vn", "-ac", "1", "-ar", str(sr), "-f", "f32le", "-"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=FFMPEG_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired):
        raise AudioError(f"Could not decode {p.name}: the audio decoder failed to run.") from None
    if out.returncode != 0 and not out.stdout:
        if b"does not contain any stream" in out.stderr:  # read fine, but -vn left nothing
            raise AudioError(f"{p.name} has no audio track (a video without sound?); use a "
                             "file with the speech in it.")
        raise AudioError(f"Could not read {p.name}: it is not an audio file or it is damaged.")
    data = np.frombuffer(out.stdout[: len(out.stdout) // 4 * 4], dtype="<f4")
    if len(data) == 0:
        raise AudioError(f"{p.name} contains no audio samples (zero length or no audio track).")
    return data.reshape(-1, 1), sr


def _check_finite(name: str, data: np.ndarray, sr: int) -> None:
    """A float file can hold NaN or Inf: the analysis copy could be made silent there, but the
    video's sound is the file's own, and the encoder fails on it with a message that blames the
    disk. The sum is one pass with no copy; only a bad file is searched for the first one."""
    if np.isfinite(np.sum(data, dtype=np.float64)):  # float32 values cannot overflow a float64 sum
        return
    first = int(np.flatnonzero(~np.isfinite(data))[0])
    raise AudioError(f"{name} has invalid samples (NaN or Inf) at {first / sr:.2f} s; "
                     "re-export the audio.")


def _check_length(name: str, seconds: float, max_seconds: float) -> None:
    if seconds > max_seconds:
        long, limit = _fmt_pair(seconds, max_seconds)
        raise AudioError(f"{name} is {long} long; the limit is {limit}, "
                         f"so cut it into shorter parts.")


def _fmt_pair(a: float, b: float) -> tuple[str, str]:
    """_fmt of each, or both in seconds to as many decimals as tell them apart where _fmt shows
    them alike (3600.5 s against a 3600 s limit read '1 h 00 min' twice)."""
    shown = _fmt(a), _fmt(b)
    if shown[0] != shown[1] or a == b:
        return shown
    return f"{show_number(a)} s", f"{seconds_beside(a, b)} s"


def _fmt(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    m = int(seconds // 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min {int(seconds % 60):02d} s"


def _mono(data: np.ndarray) -> np.ndarray:
    data = np.asarray(data, dtype=np.float32)
    if data.ndim != 2:
        return data.reshape(-1)
    channels = data.shape[1]
    if channels == 1:
        return data[:, 0]  # a view: a mono file is not copied
    if channels >= 8:  # numpy's mean sums 8 or more pairwise
        return data.mean(axis=1)
    # mean(axis=1)'s very sums, in its order, without its per-row reduction: 0.8 s of a
    # 17-minute stereo file's reading became 0.03 s
    out = data[:, 0] + data[:, 1]
    for c in range(2, channels):
        out += data[:, c]
    out /= channels
    return out


def resample(x: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Polyphase resampling with a Kaiser-windowed FIR (scipy's), no aliasing into speech bands."""
    if sr_in == sr_out:
        return x
    from core.audio.resample import resample_poly
    g = gcd(int(sr_in), int(sr_out))
    return resample_poly(x, sr_out // g, sr_in // g)


def _sanitise(x: np.ndarray) -> np.ndarray:
    """NaN/inf become silence; float files louder than full scale are scaled down, not clipped."""
    # In place where we own the buffer: a 10-min take is 38 MB and needs no second copy.
    x = np.array(x, np.float32, copy=not (x.dtype == np.float32 and x.flags.writeable))
    np.nan_to_num(x, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    peak = max(float(x.max()), -float(x.min())) if len(x) else 0.0
    if peak > 1.0:
        x /= peak
    return np.ascontiguousarray(x, dtype=np.float32)
