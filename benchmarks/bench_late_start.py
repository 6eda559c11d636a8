"""Rig render cost by where the take starts, a fresh engine each (its tracks built for the job,
as a render's are).

1. Silent: 12 frames (0.5 s at 25 fps, 256 px, sample portrait) at --start 0, 1000 and
   10000 s. Before the life motion was made a chunk at a time (core/rig/life.py LifeTake) a
   late start paid for every frame before it: 2, 64 and 594 ms a frame; now 4, 6 and 6 ms (a
   chunk of 750 life steps at 0, two later; 2 cores, loaded).
2. A long voice (17 minutes of espeak-ng speech, looped): the time to the first frame at
   --start 0 and 1000 s, and the whole file's features and visemes in the same run (what
   every first frame waited for before the speech drive was made a chunk at a time,
   core/rig/speech_track.py): before, 3.3 and 3.0 s; now 0.28 and 0.32 s (the take's
   loudness 0.17 s, a chunk of speech 0.12 s, the life motion's chunk 0.11 s). The voice's
   loading (1.4-2 s then, 0.3 s since bench_load_voice.py's round: read and resample
   22.05 -> 16 kHz) comes before either, timed apart.

    .venv/bin/python benchmarks/bench_late_start.py [--minutes 17]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.engine import RenderJob  # noqa: E402
from core.rig.engine import RigEngine  # noqa: E402
from core.samples import sample_portrait  # noqa: E402

TEXT = ("Hello there. My name is Eileen, and I fly to space. Papa bought a map of the moon. "
        "We sailed across a quiet sea, and every morning the sun rose over the water.")


def silent(prepared) -> None:
    base = None
    for start in (0.0, 0.0, 1000.0, 10000.0):  # the first run warms the caches
        job = RenderJob(portrait=prepared, size=256, start=start, duration=0.5)
        t0 = time.perf_counter()
        frames = list(RigEngine().frames(job))
        ms = 1000 * (time.perf_counter() - t0) / len(frames)
        base = ms if start == 0.0 else base  # the baseline: the same frames at --start 0
        print(f"--start {start:>7.0f} s: {len(frames)} frames, {ms:6.1f} ms/frame, "
              f"{ms / base:.2f}x --start 0")


def long_voice(folder: Path, minutes: float) -> Path:
    """espeak-ng's speech (22.05 kHz) with a pause, looped to `minutes`."""
    import soundfile as sf
    one = folder / "one.wav"
    subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-w", str(one), TEXT], check=True)
    x, sr = sf.read(one, dtype="float32")
    x = np.concatenate([x, np.zeros(int(0.7 * sr), np.float32)])
    n = int(minutes * 60 * sr)
    out = folder / "long.wav"
    sf.write(out, np.tile(x, n // len(x) + 1)[:n], sr)
    return out


def voiced(prepared, minutes: float) -> None:
    from core.audio.features import compute_features
    from core.audio.io import load_audio
    from core.audio.visemes import speech_motion

    with tempfile.TemporaryDirectory() as d:
        path = long_voice(Path(d), minutes)
        t0 = time.perf_counter()
        audio = load_audio(path)
    print(f"voice {audio.duration:.0f} s, loaded in {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    speech_motion(compute_features(audio, 25))
    whole = time.perf_counter() - t0
    print(f"the whole file's features + visemes: {whole:.2f} s (each first frame's wait before)")
    base = None
    for start in (0.0, 0.0, 1000.0):  # the first run warms the caches
        job = RenderJob(portrait=prepared, audio=audio, size=256, start=start, duration=2.0)
        t0 = time.perf_counter()
        next(iter(RigEngine().frames(job)))
        s = time.perf_counter() - t0
        base = s if start == 0.0 else base
        print(f"voice --start {start:>6.0f} s: first frame after {s:.3f} s, {s / base:.2f}x "
              f"--start 0, {s / whole:.2f}x the whole file's features")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=17.0, help="the long voice's length")
    args = ap.parse_args()
    prepared = RigEngine().prepare(sample_portrait(512))
    silent(prepared)
    voiced(prepared, args.minutes)


if __name__ == "__main__":
    main()
