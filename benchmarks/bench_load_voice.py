"""Loading a long voice: core.audio.io.load_audio on 17 minutes of espeak-ng speech (looped)
as 22.05 kHz mono (espeak-ng's own rate), 44.1 kHz stereo, 48 kHz mono WAV and a 44.1 kHz mp3,
against the code before in the same process: its resampler (one einsum per filter phase over
the whole file, kept below as `baseline_resample_poly`) and its channel mix (mean(axis=1)),
put back into core.audio for the baseline's runs. Runs alternate; each figure is the best of
--repeat. Also the resampler alone, each common rate to 16 kHz, and the largest difference
between the two outputs.

First measured (2 cores shared with other jobs, load average 4-5): loading 22.05 kHz mono 0.31
against 1.89 s (0.17x), 44.1 kHz stereo 0.72 against 6.44 s (0.11x), 48 kHz mono 0.37 against
0.41 s, mp3 2.04 against 2.34 s (ffmpeg's decode, ~1.3 s, is most of it); the resampler alone
22.05 and 44.1 kHz 0.20x (0.64 against 3.25 s, 0.63 against 3.20 s; 0.08-0.16 s on a quieter
spell), 48 kHz as before (0.20 s: its taps overlap, so it keeps the einsum).

    .venv/bin/python benchmarks/bench_load_voice.py [--minutes 17] [--repeat 3]
"""
from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from math import gcd
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_late_start

import core.audio.io as audio_io  # noqa: E402
import core.audio.resample as audio_resample  # noqa: E402
from core.audio.resample import polyphase  # noqa: E402

def baseline_resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """core.audio.resample.resample_poly before: one einsum per phase over the whole file."""
    g = gcd(int(up), int(down))
    up, down = int(up) // g, int(down) // g
    x = np.asarray(x, np.float32)
    if up == down:
        return x.copy()
    n_out, start, _taps, phases, windows = polyphase(x, up, down)  # the same then as now
    y = np.empty(n_out, np.float32)
    for r in range(min(up, n_out)):
        t = (start + r) * down
        k = len(range(r, n_out, up))
        rows = windows[t // up + 1: t // up + 2 + (k - 1) * down: down]
        y[r::up] = np.einsum("kt,t->k", rows, phases[t % up])
    return y


def baseline_mono(data: np.ndarray) -> np.ndarray:
    """core.audio.io._mono before."""
    data = np.asarray(data, dtype=np.float32)
    if data.ndim == 2 and data.shape[1] == 1:
        return data[:, 0]
    return data.mean(axis=1) if data.ndim == 2 else data.reshape(-1)


@contextlib.contextmanager
def baseline():
    """core.audio with the code before put back."""
    saved = audio_resample.resample_poly, audio_io._mono
    audio_resample.resample_poly, audio_io._mono = baseline_resample_poly, baseline_mono
    try:
        yield
    finally:
        audio_resample.resample_poly, audio_io._mono = saved


def voices(folder: Path, minutes: float) -> list[tuple[str, Path]]:
    """bench_late_start's long voice (espeak-ng's speech looped), in the formats timed."""
    import imageio_ffmpeg
    from bench_late_start import long_voice
    mono = long_voice(folder, minutes)
    ff = imageio_ffmpeg.get_ffmpeg_exe()
    made = {"22.05 kHz mono wav": mono}
    for name, args, out in [("44.1 kHz stereo wav", ["-ar", "44100", "-ac", "2"], "s44.wav"),
                            ("48 kHz mono wav", ["-ar", "48000"], "m48.wav"),
                            ("44.1 kHz mp3 128k", ["-ar", "44100", "-b:a", "128k"], "m44.mp3")]:
        subprocess.run([ff, "-v", "error", "-y", "-i", str(mono), *args, str(folder / out)],
                       check=True)
        made[name] = folder / out
    return list(made.items())


def best(fn, repeat: int) -> tuple[object, float]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=17.0, help="the voice's length")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each; the best is shown")
    args = ap.parse_args()
    limit = args.minutes * 60 + 60
    with tempfile.TemporaryDirectory() as d:
        files = voices(Path(d), args.minutes)
        audio_io.load_audio(files[0][1], max_seconds=limit)  # imports, first touch
        print(f"load_audio, {args.minutes:g} minutes (best of {args.repeat}):")
        for name, path in files:
            now, base = [], []
            for _ in range(args.repeat):  # alternating, so a slower spell hits both
                track, t_now = best(lambda: audio_io.load_audio(path, max_seconds=limit), 1)
                with baseline():
                    before, t_base = best(lambda: audio_io.load_audio(path, max_seconds=limit), 1)
                now.append(t_now)
                base.append(t_base)
            diff = float(np.abs(track.samples - before.samples).max())
            print(f"  {name:20s} {min(now):6.2f} s against {min(base):6.2f} s "
                  f"({min(now) / min(base):.2f}x), samples differ by at most {diff:.1e}")
    print("resample_poly alone, to 16 kHz:")
    for rate in (11025, 22050, 24000, 44100, 48000):
        x = (np.random.default_rng(rate).standard_normal(int(args.minutes * 60 * rate))
             * 0.1).astype(np.float32)
        g = gcd(rate, 16000)
        y, t_now = best(lambda: audio_resample.resample_poly(x, 16000 // g, rate // g),
                        args.repeat)
        ref, t_base = best(lambda: baseline_resample_poly(x, 16000 // g, rate // g),
                           args.repeat)
        print(f"  {rate:6d} Hz {t_now:6.2f} s against {t_base:6.2f} s "
              f"({t_now / t_base:.2f}x), outputs differ by at most "
              f"{float(np.abs(y - ref).max()):.1e}")


if __name__ == "__main__":
    main()
