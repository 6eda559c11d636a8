"""Talking-head clips on disk: read frames with OpenCV, write mp4 (+ audio) with ffmpeg.

Audio is read by core.audio.io.load_audio, which decodes mp4 through the same ffmpeg binary.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from core.errors import ExportError, InputError
from core.validate import not_a_stream

MAX_FRAMES = 25 * 60 * 10  # ten minutes at 25 fps: longer clips should be cut before training


def _spelled_for_opencv(path: str | Path) -> bool:
    """OpenCV takes a file name as UTF-8: a name it cannot spell was a segmentation fault."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def video_header(path: str | Path) -> tuple[int, float, int, int] | None:
    """(frames declared, fps, width, height) from the file's header, decoding nothing; None
    when it cannot be opened, is not a plain file, or its name is not UTF-8
    (_spelled_for_opencv); read_video then says why."""
    import cv2

    from core.native_logs import native_stderr_muted

    if not _spelled_for_opencv(path):
        return None
    if not Path(path).is_file():  # a pipe (FIFO) would block the open: read_video refuses it
        return None

    with native_stderr_muted():
        cap = cv2.VideoCapture(str(path))
        try:
            if not cap.isOpened():
                return None
            return (int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0),
                    float(cap.get(cv2.CAP_PROP_FPS)) or 25.0,
                    int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        finally:
            cap.release()


def memory_free() -> int | None:
    """Bytes of memory a program can take now (Linux's MemAvailable: free pages and the cache
    that can be dropped; MemFree alone is often a tenth of it), or None where it cannot be told
    (then nothing is refused for size)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def too_long_to_read(path: str | Path) -> str | None:
    """Why read_video would not hold this clip whole, from its header: over MAX_FRAMES (it
    read the first ten minutes and dropped the rest without a word), or more decoded frames
    than the memory free now holds twice (the frames and their stacked copy: a minute of
    1080p is 9 GB, and the out-of-memory killer ended the whole run). None when it fits."""
    head = video_header(path)
    if head is None:
        return None
    frames, fps, w, h = head
    max_frames = MAX_FRAMES
    cut = "; cut it into shorter clips (ffmpeg -ss START -t SECONDS -c copy)"
    if frames > max_frames:
        return (f"{Path(path).name} is {frames / fps / 60:.1f} min long ({frames} frames); clips "
                f"are read whole, up to {max_frames / fps / 60:.0f} min" + cut)
    need, free = 2 * frames * w * h * 3, memory_free()
    if free is not None and need > free:
        return (f"{Path(path).name} is {frames} frames at {w}x{h}: reading it whole takes "
                f"{need / 2 ** 30:.1f} GiB, and {free / 2 ** 30:.1f} GiB of memory is free" + cut)
    return None


def read_video(path: str | Path, max_frames: int = MAX_FRAMES,
               complete: bool = False) -> tuple[np.ndarray, float]:
    """All frames (N, H, W, 3) RGB uint8 and the frame rate; InputError when unreadable, and with
    `complete` also when fewer frames decode than the header declares (a file cut off, as a
    half-finished copy or download is: OpenCV reads what is there without a word). FFmpeg's own
    lines about the damage ("moov atom not found", "partial file") are kept off stderr."""
    import cv2

    from core.native_logs import native_stderr_muted

    name = Path(path).name
    if not _spelled_for_opencv(path):
        raise InputError(f"the file name {name!r} is not UTF-8, which the video reader cannot "
                         "open; rename the file")
    not_a_stream(path, "the video")
    with native_stderr_muted():  # libavformat logs to fd 2 (core/native_logs.py)
        cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            raise InputError(f"{name} cannot be opened as a video (not a video file, or cut "
                             "off or damaged before its index)")
        try:
            fps = float(cap.get(cv2.CAP_PROP_FPS)) or 25.0
            declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            frames = []
            while len(frames) < max_frames:
                ok, bgr = cap.read()
                if not ok:
                    break
                frames.append(bgr[:, :, ::-1])
        finally:
            cap.release()
    if not frames:
        raise InputError(f"{name} has no readable video frames")
    if complete and len(frames) < min(declared, max_frames) - 1:
        raise InputError(f"{name} is cut off or damaged: only {len(frames)} of the {declared} "
                         "frames its header declares can be decoded")
    return np.stack(frames), fps


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def write_video(path: str | Path, frames: Iterable[np.ndarray], fps: float,
                audio: str | Path | None = None) -> Path:
    """Encode RGB uint8 frames (H, W even) to H.264 mp4, muxing `audio` when given.

    Writes to a temporary file beside `path` and renames it on success."""
    path = Path(path)
    frames = list(frames)
    if not frames:
        raise ExportError(f"no frames to write to {path.name}")
    h, w = frames[0].shape[:2]
    fd, tmp = tempfile.mkstemp(suffix=".mp4", dir=path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    cmd = [ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{w}x{h}", "-r", f"{fps:g}", "-i", "-"]
    if audio is not None:
        cmd += ["-i", str(audio), "-c:a", "aac", "-shortest"]
    cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "18", tmp]
    data = b"".join(np.ascontiguousarray(f, dtype=np.uint8).tobytes() for f in frames)
    proc = subprocess.run(cmd, input=data, capture_output=True)
    if proc.returncode != 0:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"ffmpeg could not write {path.name}: {proc.stderr.decode()[-300:]}")
    os.replace(tmp, path)
    return path
