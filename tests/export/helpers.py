"""Probing written videos with the bundled ffmpeg, and a synthetic engine for writer tests."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from core.engine import Engine, Frame


def ffmpeg() -> str:
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


def probe(path: Path) -> dict:
    """Container duration, stream codecs and sizes from `ffmpeg -i` (what ffprobe would say)."""
    text = subprocess.run([ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True,
                          text=True).stderr
    info: dict = {"text": text, "video": None, "audio": None, "duration": None, "size": None}
    m = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    if m:
        info["duration"] = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    m = re.search(r"Stream #\S+: Video: (\w+).*?, (\d+)x(\d+)", text)
    if m:
        info["video"], info["size"] = m[1], (int(m[2]), int(m[3]))
    m = re.search(r"Stream #\S+: Audio: (\w+)", text)
    if m:
        info["audio"] = m[1]
    return info


def decoded_frames(path: Path) -> list[np.ndarray]:
    import imageio_ffmpeg
    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    return [np.frombuffer(b, np.uint8).reshape(h, w, 3) for b in gen]


def audio_seconds(path: Path, rate: int = 48000) -> float:
    out = subprocess.run([ffmpeg(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1",
                          "-ar", str(rate), "-f", "s16le", "-"], capture_output=True).stdout
    return len(out) / 2 / rate


class StripeEngine(Engine):
    """Frames of a moving colour bar at job.size x (3/4 job.size); honours progress and cancel."""

    name = "stripes"

    def __init__(self, height_ratio: float = 0.75):
        self.calls = 0
        self.height_ratio = height_ratio

    def prepare(self, image):
        return image

    def frames(self, job, progress=None, cancel=None):
        self.calls += 1
        job.validate()
        w, h = job.size, int(job.size * self.height_ratio)
        total = job.frame_count()
        for i in range(total):
            if cancel is not None:
                cancel.raise_if_cancelled()
            img = np.full((h, w, 3), 40, np.uint8)
            x = (i * 7) % w
            img[:, x:x + 8] = (230, 60, 60)
            yield Frame(index=i, time=job.frame_time(i), image=img)
            if progress is not None:
                progress(i + 1, total)


def hold_locks_and_exit(*shared) -> None:
    """A spawned process's target: take each shared Value's lock and exit holding it (a
    multiprocessing SemLock is not released when its holder dies: the locks are orphaned)."""
    import os

    for s in shared:
        s.get_lock().acquire()
    os._exit(0)
