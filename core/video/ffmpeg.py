"""The ffmpeg encoder process: command line, raw-frame pipe, stderr tail.

The binary is the static build shipped in the imageio-ffmpeg wheel (libx264 + native AAC), so
nothing has to be installed system-wide.
"""
from __future__ import annotations

import collections
import os
import queue
import re
import subprocess
import sys
import threading
from dataclasses import dataclass

from core.video.yuv import MATRIX, PRIMARIES, TRANSFER, even_size

# Encoder settings. Sources: x264 --fullhelp (crf 18 is "visually lossless" territory; veryfast is
# ~3x faster than medium for ~10 % more bits), Apple's HLS authoring spec (AAC-LC 160 kb/s at 48 kHz
# is the stereo/mono speech tier); the colour tags are those of core/video/yuv.py's conversion.
ENCODER = {
    "video_codec": "libx264",
    "pix_fmt": "yuv420p",  # 4:2:0 needs even width and height; frames arrive converted
    "audio_codec": "aac",
    "audio_bitrate": "160k",
    # ffmpeg's "fast" AAC coder: its author found it sounds better than "twoloop" at higher
    # bit rates for much less CPU (FFmpeg commit fcb681a, "aacenc: use the fast coder as the
    # default"). Measured on 60 s of espeak speech at 160 kb/s: 0.73 s CPU against 1.15 s,
    # SNR against the source 53 dB against 38 dB (twoloop shapes its noise; SNR is no ear).
    "aac_coder": "fast",
    "audio_rate": 48000,
    # a voice of more channels (a 5.1 or 8-channel recorder's file) is mixed down to stereo:
    # left as it was, an 8-channel file went out as 7.1 AAC whatever its real layout, a
    # talking head whose voice came out of the rear speakers; mono and stereo pass as they are
    "audio_layouts": "mono|stereo",
    # machines with this many cores or fewer encode on one x264 thread: the renderers keep every
    # core busy, and x264's frame threads (3 on 2 cores) only added CPU. Measured on a 60 s take
    # at 512 px, veryfast CRF 18: 3.1 s CPU against 3.5 s, the same decoded frames (MD5).
    # More cores keep x264's own choice (at 1024 px one thread could not keep up)
    "one_thread_cores": 2,
}
FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}
STDERR_LINES = 3  # lines of ffmpeg's log quoted in error messages
PIPE_QUEUE_FRAMES = 4  # frames waiting for the pipe: enough to ride out the encoder's lookahead
# bursts without blocking the renderer, small enough that memory stays flat (3 MB at 512 px)
WAKE_S = 0.1  # producer and feeder wake this often: Ctrl-C is handled on the main thread only
# when it runs Python, whichever thread the kernel handed the signal to, and a KeyboardInterrupt
# raised inside Queue.put can skip its notify
FEEDER_EXIT_S = 2.0  # kill(): how long to wait for the feeder; it wakes every WAKE_S, and a write
# fails at once once ffmpeg is gone. A feeder still stuck after that is left behind (a daemon):
# see kill()
DISK_FULL_HINTS = ("no space left", "disk quota", "file too large", "enospc")


def ffmpeg_exe() -> str:
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class EncodeSpec:
    out_path: str
    fps: float
    width: int
    height: int
    crf: int
    preset: str
    container: str  # an ffmpeg muxer name, one of FORMATS' values


@dataclass(frozen=True)
class AudioInput:
    """Sound muxed in the encoding pass: `path` read from `start` s, cut or padded to `seconds`."""

    path: str
    start: float
    seconds: float


def encode_command(spec: EncodeSpec, audio: AudioInput | None = None) -> list[str]:
    """ffmpeg argv reading I420 frames (core/video/yuv.py, even sides) on stdin and writing
    H.264 video (plus AAC audio from `audio`, cut to exactly its `seconds`) to spec.out_path."""
    w, h = even_size(spec.width, spec.height)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-y",
           "-f", "rawvideo", "-pix_fmt", ENCODER["pix_fmt"], "-s", f"{w}x{h}",
           "-framerate", f"{spec.fps:g}", "-i", "pipe:0"]
    if audio is not None:
        cmd += [*_audio_input(audio.path, audio.start, audio.seconds)]
    cmd += ["-map", "0:v:0", "-vf", _VIDEO_TAGS, "-c:v", ENCODER["video_codec"],
            "-preset", spec.preset, "-crf", str(spec.crf), "-pix_fmt", ENCODER["pix_fmt"]]
    if (os.cpu_count() or 1) <= ENCODER["one_thread_cores"]:
        cmd += ["-threads", "1"]
    if audio is not None:
        # atrim, not an output -t: the video's length is the frames it gets, the audio's is exact
        cmd += ["-map", "1:a:0", "-af", f"{_LAYOUT},apad,atrim=duration={audio.seconds:.6f}",
                *_audio_codec()]
    return cmd + _container_flags(spec.container) + ["-f", spec.container, spec.out_path]


_LAYOUT = f"aformat=channel_layouts={ENCODER['audio_layouts']}"


def _audio_input(path: str, start: float, seconds: float) -> list[str]:
    # Input-side -ss decodes and drops up to the exact sample (ffmpeg's accurate_seek); the
    # input-side -t (a second of slack) stops decoding a long original early.
    seek = ["-ss", f"{start:.6f}"] if start > 0 else []
    return [*seek, "-t", f"{seconds + 1:.6f}", "-i", path]


def _audio_codec() -> list[str]:
    return ["-c:a", ENCODER["audio_codec"], "-aac_coder", ENCODER["aac_coder"],
            "-b:a", ENCODER["audio_bitrate"], "-ar", str(ENCODER["audio_rate"])]


def reads_audio(path: str, start: float = 0.0) -> bool:
    """Whether ffmpeg decodes sound from `path` at `start` s (a tenth of a second is tried)."""
    seek = ["-ss", f"{start:.6f}"] if start > 0 else []
    code, _ = run_ffmpeg([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
                          *seek, "-t", "0.1", "-i", path, "-map", "0:a:0", "-f", "null", "-"])
    return code == 0


def mux_command(video_path: str, wav_path: str, out_path: str, seconds: float,
                container: str, audio_start: float = 0.0) -> list[str]:
    """Copy the video and add AAC audio cut (or silence-padded) to exactly `seconds`.

    `wav_path` is any file ffmpeg reads (a temp wav of the take, or the original speech file),
    read from `audio_start` seconds on. The second pass for a video whose frame count was not
    known when encoding began (`-shortest` on a live pipe overshoots by up to ~0.1 s, muxer
    interleaving); with the video finished, `-t` is exact.
    """
    # the output -t sets the exact length
    return [ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin", "-loglevel", "error", "-y",
            "-i", video_path, *_audio_input(wav_path, audio_start, seconds),
            "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-af", f"{_LAYOUT},apad",
            *_audio_codec(),
            "-t", f"{seconds:.6f}", *_container_flags(container), "-f", container, out_path]


def _container_flags(container: str) -> list[str]:
    # moov atom first: the file plays while it downloads and previews open at once.
    return ["-movflags", "+faststart"] if container in ("mp4", "mov") else []


# the frames' colour as core/video/yuv.py made them, written into the stream for players
_VIDEO_TAGS = (f"setparams=range=tv:colorspace={MATRIX}:color_primaries={PRIMARIES}"
               f":color_trc={TRANSFER}")


def _own_group() -> dict:
    """Popen flags for a separate process group: Ctrl-C reaches only us, and we decide to kill
    ffmpeg (and delete its half file) instead of racing it while it finalises on its own."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def run_ffmpeg(cmd: list[str]) -> tuple[int, str]:
    """Run a finite ffmpeg job; (exit code, last lines of its log). Killed if we are interrupted."""
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, **_own_group())
    lines = [_clean(ln) for ln in out.stderr.decode("utf-8", "replace").splitlines()]
    return out.returncode, " | ".join([ln for ln in lines if ln][-STDERR_LINES:])


def _clean(line: str) -> str:
    """Drop ffmpeg's '[out#0/mp4 @ 0x55d0...]' context prefixes and repeat notices."""
    line = re.sub(r"\[[^\]]*@ 0x[0-9a-f]+\]\s*", "", line).strip()
    return "" if line.startswith("Last message repeated") else line


def looks_like_disk_full(log: str) -> bool:
    return any(h in log.lower() for h in DISK_FULL_HINTS)


class EncoderProcess:
    """ffmpeg with a stdin pipe for frames; stderr drained on a thread so it can never block.

    Frames reach the pipe from a feeder thread through a small bounded queue, so the caller
    renders the next frame while the pipe write waits for ffmpeg (a write releases the GIL);
    the caller blocks only when the encoder is PIPE_QUEUE_FRAMES behind. A frame may come with
    a conversion (e.g. RGB -> YUV) that the feeder runs just before writing it.
    """

    def __init__(self, cmd: list[str], queue_frames: int = PIPE_QUEUE_FRAMES):
        self._tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, **_own_group())
        try:
            self._drain = threading.Thread(target=self._read_stderr, daemon=True)
            self._drain.start()
            self._queue: queue.Queue = queue.Queue(maxsize=max(1, queue_frames))
            self._error: OSError | None = None
            self._abandon = False  # kill(): the feeder ends at its next wake-up, writes nothing
            self._feeder = threading.Thread(target=self._feed, daemon=True)
            self._feeder.start()
        except BaseException:  # a Ctrl-C here: the caller never gets the process to kill
            self.proc.kill()
            self.proc.wait()
            raise

    def _feed(self) -> None:
        while not self._abandon:
            try:
                data = self._queue.get(timeout=WAKE_S)
            except queue.Empty:  # polled: a Ctrl-C inside the producer's put() can swallow
                continue  # the notify after the frame is queued (seen: a 60 s hang)
            if data is None:
                return
            if self._error is None and not self._abandon:
                data, convert = data
                try:
                    self.proc.stdin.write(memoryview(convert(data) if convert else data).cast("B"))
                except (OSError, ValueError) as e:  # ValueError: stdin closed by kill()
                    self._error = e if isinstance(e, OSError) else BrokenPipeError(str(e))
                except Exception as e:  # noqa: BLE001 - a failed conversion stops the video too
                    self._error = BrokenPipeError(f"converting a frame failed: {e}")
            # after an error the queue is still emptied, so a producer never blocks on it

    def _put(self, item) -> None:
        while True:
            try:
                self._queue.put(item, timeout=WAKE_S)
                return
            except queue.Full:
                if not self._feeder.is_alive():
                    raise BrokenPipeError("the frame feeder stopped") from None

    def _stop_feeder(self) -> None:
        if self._feeder.is_alive():
            self._put(None)
            while self._feeder.is_alive():
                self._feeder.join(WAKE_S)

    def _read_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            line = _clean(raw.decode("utf-8", "replace"))
            if line:
                self._tail.append(line)

    def write(self, data, convert=None) -> None:
        """Queue one frame: a C-contiguous buffer the caller no longer changes, or whatever
        `convert(data)` on the feeder thread turns into one. Raises OSError (BrokenPipeError)
        once ffmpeg has stopped reading; that may show a few frames late."""
        if self._error is not None:
            raise self._error
        self._put((data, convert))

    def finish(self) -> int:
        """Send what is queued, close stdin (end of video), wait for ffmpeg to finalise; the
        exit code."""
        self._stop_feeder()
        try:
            self.proc.stdin.close()
        except OSError:  # ffmpeg already gone: its exit code and log tell why
            pass
        code = self.proc.wait()
        self._drain.join(timeout=5)
        self.proc.stderr.close()
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        # The feeder is told to stop by a flag, not through the queue, and waited for a
        # bounded time: kill() runs while a Ctrl-C unwinds, and a Ctrl-C that lands inside
        # Queue.put() can leave the queue's lock held for good (threading.Condition's
        # __enter__ and __exit__ are Python code, so the KeyboardInterrupt can come between
        # taking the lock and entering the with block, or before releasing it). A put() then
        # blocks on that lock whatever its timeout, and so does the feeder's get() (seen: a
        # render that never exited after Ctrl-C). A feeder stuck there is a daemon that will
        # write nothing more (ffmpeg is gone, `_abandon` is set): it is left behind.
        self._abandon = True
        self._feeder.join(FEEDER_EXIT_S)  # its blocked write fails now that ffmpeg is gone
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait()
        self._drain.join(timeout=5)  # stderr reaches EOF once ffmpeg is gone
        self.proc.stderr.close()

    def tail(self) -> str:
        return " | ".join(self._tail)

    def looks_like_disk_full(self) -> bool:
        return looks_like_disk_full(self.tail())
