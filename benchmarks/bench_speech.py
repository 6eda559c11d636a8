"""Speech pipeline speed: load + features + visemes + life for 60 s of espeak-ng speech.

Run: .venv/bin/python benchmarks/bench_speech.py
Prints seconds per stage and the realtime factor (audio seconds per compute second).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.audio.features import compute_features  # noqa: E402
from core.audio.io import load_audio  # noqa: E402
from core.audio.stream import SpeechTracker  # noqa: E402
from core.audio.visemes import speech_motion  # noqa: E402
from core.rig.life import life_motion  # noqa: E402

TEXT = ("Hello there. My name is Eileen, and I fly to space. Papa bought a map of the moon. "
        "We sailed across a quiet sea, and every morning the sun rose over the water.")
SECONDS, FPS = 60.0, 25


def make_minute(folder: Path) -> Path:
    """60 s of speech at 22.05 kHz (espeak-ng's rate), so loading also resamples."""
    import soundfile as sf
    one = folder / "one.wav"
    subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-w", str(one), TEXT], check=True)
    x, sr = sf.read(one, dtype="float32")
    x = np.concatenate([x, np.zeros(int(0.4 * sr), np.float32)])
    out = folder / "minute.wav"
    sf.write(out, np.tile(x, int(np.ceil(SECONDS * sr / len(x))))[: int(SECONDS * sr)], sr)
    return out


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main() -> None:
    import scipy.signal  # noqa: F401  (a one-off import cost, not per-file work)
    with tempfile.TemporaryDirectory() as d:
        path = make_minute(Path(d))
        track, t_load = timed(load_audio, path)
    feats, t_feat = timed(compute_features, track, FPS)
    motion, t_vis = timed(speech_motion, feats)
    _, t_life = timed(life_motion, feats.n, FPS, feats.energy, 0)
    total = t_load + t_feat + t_vis + t_life

    tracker = SpeechTracker(track.sample_rate, FPS)
    block = track.sample_rate // 50  # 20 ms microphone blocks
    t = time.perf_counter()
    for i in range(0, len(track.samples), block):
        tracker.push(track.samples[i:i + block])
    t_stream = time.perf_counter() - t

    print(f"audio {track.duration:.1f} s at {FPS} fps ({feats.n} frames)")
    for name, s in [("load (22.05k -> 16k)", t_load), ("features", t_feat),
                    ("visemes", t_vis), ("life", t_life), ("total", total)]:
        print(f"  {name:22s} {s:7.3f} s")
    print(f"realtime factor (batch): {track.duration / total:.0f}x")
    print(f"realtime factor (live, 20 ms blocks): {track.duration / t_stream:.0f}x, "
          f"latency {tracker.latency_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
