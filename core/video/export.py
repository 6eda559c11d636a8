"""Streaming, atomic video export.

Frames go straight from the engine to ffmpeg's stdin (memory stays flat with length). ffmpeg
writes into a hidden temp folder next to the output; only a complete, successfully encoded file
is renamed over the output (os.replace, atomic on one file system). Any error, cancel or Ctrl-C
kills ffmpeg and removes the folder, so an existing output is never half overwritten, and an
encoder that a signal orphaned mid-start (before it was ours to kill) finds no folder to write
into later: a loose temp file would have been made again by it after the clean-up (seen: a batch
stopped by Ctrl-C kept a hidden .partial.mp4). A SIGKILL or an out-of-memory kill can't be
caught, so each temp folder holds an `owner` file (pid, process start time, host): the next
export to the same file removes those whose process is gone.

    result = export_video(engine, job, "take.mp4", progress=cb, cancel=token)

    with VideoWriter("take.mp4", fps=25, width=512, height=512, audio=track) as writer:
        for image in images:
            writer.write(image)
"""
from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.atomic import (file_mode, name_room, os_error_reason, process_gone, process_start,
                         protected, remove_stale, write_target)
from core.errors import ExportError
from core.video.ffmpeg import (FORMATS, AudioInput, EncodeSpec, EncoderProcess, encode_command,
                               looks_like_disk_full, mux_command, reads_audio, run_ffmpeg)
from core.video import parallel
from core.video.yuv import to_i420

DEFAULT_CRF = 18
DEFAULT_PRESET = "veryfast"
ENCODER_EXIT_WAIT_S = 5  # after a broken pipe, how long to wait for ffmpeg's last words
OWNER = "owner"  # in a partial folder: who writes it ({"pid", "start", "host"}, JSON)


@dataclass
class ExportResult:
    path: Path
    frames: int
    seconds: float  # video length
    fps: float
    width: int = 0
    height: int = 0
    elapsed: float = 0.0  # wall seconds the export took


def check_output_path(path: str | Path) -> Path:
    """The absolute output path, or ExportError if it can't be written (checked before any work)."""
    p = Path(path).expanduser().absolute()
    if p.is_dir():
        raise ExportError(f"cannot write {p}: that is a folder; give a file name inside it")
    if p.suffix.lower() not in FORMATS:
        raise ExportError(f"cannot write {p}: the video file name must end in "
                          f"{', '.join(FORMATS)} (got {p.suffix or 'no extension'!r})")
    target = write_target(p)  # a link is written through: its target's folder is the one
    folder = target.parent
    if not folder.exists():
        raise ExportError(f"cannot write {p}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise ExportError(f"cannot write {p}: {folder} is not a folder")
    if protected(p):
        raise ExportError(f"{p} is read-only; choose another name or make it writable")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write {p}: the folder {folder} is not writable")
    too_long = name_room(p, target, _TEMP_NAME_EXTRA)
    if too_long:  # it failed as "File name too long", after the face analysis at that
        raise ExportError(too_long)
    _probe(target)
    return p


# bytes the export's temp folder adds to the output's name: ".<stem>.XXXXXXXX.partial<suffix>"
# (_reserve_folder), the longest name it makes beside the output
_TEMP_NAME_EXTRA = len(".") + len(".XXXXXXXX") + len(".partial")


def _probe(final: Path) -> None:
    """Create and remove an empty, hidden, uniquely named file next to `final` (a real
    writability test: access() can't see read-only mounts, ACLs or root squash). A stop
    landing between the two removes it too (as _reserve_folder)."""
    temp = final.with_name(f".{final.stem}.{secrets.token_hex(4)}.probe")
    try:
        os.close(os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except OSError as e:  # none made (a name taken is not this call's file: left alone)
        raise ExportError(f"cannot write {final}: {os_error_reason(e)}") from None
    except BaseException:
        _unlink(temp)
        raise
    _unlink(temp)


def _reserve_folder(final: Path, tag: str) -> Path:
    """A hidden, uniquely named temp folder next to `final` (same file system: the rename is
    atomic), with an OWNER file naming this process. A stop landing in here (Ctrl-C, a batch
    driver's SIGTERM raised by the worker's handler) leaves no folder: its name is made before
    the folder is, so an interrupt after the mkdir still knows what to remove. mkdtemp's folder,
    interrupted before mkdtemp returned its name or before the OWNER file was written (without
    one the stale-folder sweep keeps it), stayed for good: a batch stopped under load kept one
    (tests/studio/test_studio_batch.py, 3 runs in 10 with three busy cores)."""
    for _ in range(_NAME_TRIES):
        name = "".join(secrets.choice(_NAME_CHARS) for _ in range(8))
        folder = Path(os.path.abspath(final.parent / f".{final.stem}.{name}.{tag}"))
        try:
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:
                continue
            (folder / OWNER).write_text(json.dumps(_owner()), encoding="ascii")
            return folder
        except OSError as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise ExportError(f"cannot write {final}: {os_error_reason(e)}") from None
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    raise ExportError(f"cannot write {final}: no free temporary name in {final.parent}")


# the temp folders' random part, as tempfile.mkdtemp's (remove_stale_partials reads it)
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_NAME_TRIES = 100


def _owner(pid: int | None = None) -> dict:
    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "start": process_start(pid), "host": socket.gethostname()}


def _owner_gone(folder: Path) -> bool:
    """True only when the folder's OWNER file names a process of this machine that has ended
    (or whose pid now belongs to a later process). No file yet, another host, anything
    unreadable: False, and the folder is kept."""
    try:
        with open(folder / OWNER, encoding="ascii") as f:
            owner = json.loads(f.read(1000))
        pid, start, host = int(owner["pid"]), str(owner.get("start", "")), owner.get("host")
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return False
    if host is not None and host != socket.gethostname():
        return False
    return process_gone(pid, start)


def remove_stale_partials(final: Path, tag: str) -> list[Path]:
    """Remove the partial folders (`.<stem>.XXXXXXXX.<tag>`, as _reserve_folder names them) of
    the output `final` that a killed export left behind; a live export's folder is kept.
    Returns the folders removed. Never raises: the clean-up must not fail an export."""
    name = re.compile(rf"\.{re.escape(final.stem)}\.[a-z0-9_]{{8}}\.{re.escape(tag)}")
    return remove_stale(final.parent, name, lambda entry, m: entry.is_dir(follow_symlinks=False)
                        and _owner_gone(Path(entry.path)))


def _unlink(path: Path | None) -> None:
    if path is not None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


class VideoWriter:
    """Context manager that encodes RGB uint8 frames (H.264, optional AAC audio) atomically.

    audio: a core.audio AudioTrack or None; audio_start: the time in it of the first frame. The
    audio is cut or silence-padded to exactly frames / fps. `frames`, when the count is known
    up front, lets the encoding pass mux the audio too (no second pass re-reading the video);
    should a different count arrive, the second pass runs after all.
    """

    def __init__(self, path: str | Path, fps: float, width: int, height: int, audio=None,
                 audio_start: float = 0.0, crf: int = DEFAULT_CRF, preset: str = DEFAULT_PRESET,
                 frames: int | None = None, before_commit: Callable[[], None] | None = None):
        self.path = check_output_path(path)
        # a link is written through, not replaced by a file; the file keeps its mode
        self._final = write_target(self.path)
        if not fps > 0:
            raise ExportError(f"cannot write {self.path}: frame rate must be > 0, got {fps}")
        if width < 2 or height < 2:
            raise ExportError(f"cannot write {self.path}: frames must be at least 2x2 pixels, "
                              f"got {width}x{height}")
        self.fps, self.width, self.height = fps, int(width), int(height)
        self.audio = audio if audio is not None and len(audio.samples) else None
        self.audio_start = float(audio_start)
        self.crf, self.preset = int(crf), preset
        self.container = FORMATS[self.path.suffix.lower()]
        self.frames = 0
        self.expected = frames if frames and frames > 0 else None
        self._audio_muxed = False  # the encoding pass carries the audio
        self._dir: Path | None = None  # the temp folder every file below lives in
        self._temp: Path | None = None  # the finished file before its rename
        self._video: Path | None = None  # video-only pass when there is audio to add
        self._wav: Path | None = None
        self._enc: EncoderProcess | None = None
        # runs once the video is complete, just before it is moved into place: files that
        # belong with it (the curves) are finished there, so a failure leaves the old video
        self.before_commit = before_commit

    # ----- context manager
    def __enter__(self) -> VideoWriter:
        try:
            tag = "partial" + self.path.suffix
            remove_stale_partials(self._final, tag)  # left by a killed export of this file
            self._dir = _reserve_folder(self._final, tag)
            self._temp = self._dir / ("take" + self.path.suffix)
            target, container, audio = self._temp, self.container, None
            if self.audio is not None and self.expected:
                audio = self._audio_input(self.expected / self.fps)
                self._audio_muxed = True
            elif self.audio is not None:
                self._video = target = self._dir / "video.mkv"
                container = "matroska"
            spec = EncodeSpec(str(target), self.fps, self.width, self.height, self.crf,
                              self.preset, container)
            self._enc = EncoderProcess(encode_command(spec, audio))
        except BaseException:
            self.abort()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.abort()
            return False
        try:
            self.close()
        except BaseException:  # a Ctrl-C before close()'s own clean-up began: no temp left
            self.abort()
            raise
        return False

    # ----- writing
    def write(self, image: np.ndarray, copy: bool = True) -> None:
        """Queue one frame. copy=False hands `image` over: no copy is made, so the caller must
        not change it afterwards (engines yield a new array per frame)."""
        if self._enc is None:
            raise ExportError(f"cannot write {self.path}: the writer is not open")
        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise ExportError(f"frame {self.frames} is {image.shape} {image.dtype}, but the video "
                              f"takes {self.width}x{self.height} RGB uint8 frames")
        try:
            if copy:  # converting is the copy: the caller may change `image` at once
                self._enc.write(to_i420(image))
            else:  # handed over: converted on the feeder thread, beside the renderer
                self._enc.write(image, to_i420)
        except OSError:
            raise self._encoder_error("the video encoder stopped while writing") from None
        self.frames += 1

    def close(self) -> None:
        """Finish encoding and move the file into place; ExportError (and no file) on failure."""
        if self._enc is None:
            return
        try:
            if self.frames == 0:
                raise ExportError(f"cannot write {self.path}: no frames were rendered")
            if self._enc.finish() != 0:
                raise self._encoder_error("the video encoder failed")
            if self._audio_muxed and self.frames != self.expected:
                # the sound was cut for another length: keep the video, mux the sound again
                self._video = self._temp
                self._temp = self._dir / ("muxed" + self.path.suffix)
                self._audio_muxed = False
            if self.audio is not None and not self._audio_muxed:
                self._add_audio()
            if self.before_commit is not None:
                self.before_commit()
            try:
                os.chmod(self._temp, file_mode(self.path))
                os.replace(self._temp, self._final)
            except OSError as e:
                raise ExportError(f"cannot write {self.path}: {os_error_reason(e)}") from None
            self._temp = None
        finally:
            self.abort()  # kills nothing by now; deletes whatever temp files are left

    def abort(self) -> None:
        """Stop ffmpeg and delete every temp file; the final path is left as it was. The temp
        folder goes even when a second Ctrl-C interrupts the encoder's stop."""
        enc, self._enc = self._enc, None
        try:
            if enc is not None:
                enc.kill()
        finally:
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = self._temp = self._video = self._wav = None

    # ----- helpers
    def _audio_input(self, seconds: float) -> AudioInput:
        """The original sound file when ffmpeg reads it (full band, see _mux_original), else a
        temp wav of the track's own samples."""
        source = getattr(self.audio, "path", None)
        start = getattr(self.audio, "offset", 0.0) + max(self.audio_start, 0.0)
        if source and os.path.isfile(source) and reads_audio(str(source), start):
            return AudioInput(str(source), start, seconds)
        self._wav = self._dir / "audio.wav"
        self._write_wav(self._wav, seconds)
        return AudioInput(str(self._wav), 0.0, seconds)

    def _add_audio(self) -> None:
        seconds = self.frames / self.fps
        if self._mux_original(seconds):
            return
        self._wav = self._dir / "audio.wav"  # written over, if the encoding pass made one
        self._write_wav(self._wav, seconds)
        code, log = run_ffmpeg(mux_command(str(self._video), str(self._wav), str(self._temp),
                                           seconds, self.container))
        if code != 0:
            raise _failure(self.path, "adding the audio failed", log)

    def _mux_original(self, seconds: float) -> bool:
        """Mux the sound straight from the file the track was decoded from: full band at 48 kHz
        instead of the engine's 16 kHz analysis copy. False (and the caller muxes the track's
        own samples) for recorded takes, a file gone since, or one ffmpeg can't read."""
        source = getattr(self.audio, "path", None)
        if not source or not os.path.isfile(source):
            return False
        start = getattr(self.audio, "offset", 0.0) + max(self.audio_start, 0.0)
        code, _ = run_ffmpeg(mux_command(str(self._video), str(source), str(self._temp),
                                         seconds, self.container, audio_start=start))
        return code == 0

    def _write_wav(self, path: Path, seconds: float) -> None:
        """The audio under the frames, audio_start .. audio_start + seconds (apad fills a gap)."""
        import soundfile as sf

        sr = self.audio.sample_rate
        a = min(int(round(max(self.audio_start, 0.0) * sr)), len(self.audio.samples))
        b = min(len(self.audio.samples), a + int(np.ceil(seconds * sr)))
        samples = self.audio.samples[a:b] if b > a else np.zeros(1, np.float32)
        try:
            sf.write(str(path), samples, sr, subtype="PCM_16", format="WAV")
        except (OSError, RuntimeError) as e:  # libsndfile reports a full disk as RuntimeError
            raise ExportError(f"cannot write {self.path}: writing the audio failed "
                              f"(disk full? {e})") from None

    def _encoder_error(self, what: str) -> ExportError:
        try:
            self._enc.proc.wait(timeout=ENCODER_EXIT_WAIT_S)
        except Exception:  # noqa: BLE001 - still report what we have
            pass
        self._enc.kill()
        return _failure(self.path, what, self._enc.tail())


def _failure(path: Path, what: str, log: str) -> ExportError:
    if looks_like_disk_full(log):
        return ExportError(f"cannot write {path}: the disk is full ({what}; ffmpeg: {log})")
    return ExportError(f"cannot write {path}: {what} (disk full? ffmpeg said: "
                       f"{log or 'nothing'})")


def export_video(engine, job, out_path: str | Path, progress=None, cancel=None,
                 crf: int = DEFAULT_CRF, preset: str = DEFAULT_PRESET,
                 on_frame=None, workers: int = 1,
                 helper: parallel.Helper | None = None,
                 before_commit: Callable[[], None] | None = None) -> ExportResult:
    """Render `job` with `engine` straight into a video file; the frame size comes from frame 0.
    `on_frame(frame)` sees every frame as it is written (e.g. a curve writer). `workers` 2: a
    helper process renders every other block of frames (core/video/parallel.py; engines that
    support it, takes of at least parallel.MIN_FRAMES frames); `helper`: one started early for
    it (parallel.Helper.early), stopped here if unused. `before_commit()` runs when the video
    is complete, before it replaces the output (VideoWriter); its error leaves the old file.

    Raises InputError (bad job), ExportError (path, disk, encoder), Cancelled; no file on failure.
    """
    try:
        job.validate()
        path = check_output_path(out_path)
    except BaseException:
        if helper is not None:
            helper.close()
        raise
    t0 = time.perf_counter()
    start, _ = job.time_range()
    if parallel.wanted(engine, job, workers):
        frames = iter(parallel.ParallelFrames(engine, job, progress, cancel, helper))
    else:
        if helper is not None:
            helper.close()
        frames = iter(engine.frames(job, progress, cancel))
    threads = parallel.cv2_single_thread()
    try:
        first = next(frames, None)
        if first is None:
            raise ExportError(f"cannot write {path}: the engine rendered no frames")
        h, w = first.image.shape[:2]
        with VideoWriter(path, job.fps, w, h, job.audio, audio_start=start, crf=crf,
                         preset=preset, frames=job.frame_count(),
                         before_commit=before_commit) as writer:
            for frame in itertools.chain([first], frames):
                writer.write(frame.image, copy=False)
                if on_frame is not None:
                    on_frame(frame)
            if cancel is not None:
                cancel.raise_if_cancelled()
    finally:
        close = getattr(frames, "close", None)
        if close is not None:
            close()
        import cv2

        cv2.setNumThreads(threads)
    return ExportResult(path, writer.frames, writer.frames / job.fps, job.fps, w, h,
                        time.perf_counter() - t0)
