"""Batch throughput: the same manifest (20 rows of 5 s takes) with --jobs 1 and --jobs 2 in one
run, the speed-up, and the Ray path's overhead per row against the process pool.

Run:  .venv/bin/python benchmarks/bench_batch.py                 # 20 rows, 5 s, 256 px
      .venv/bin/python benchmarks/bench_batch.py --rows 6 --seconds 2 --size 128   # quick
      .venv/bin/python benchmarks/bench_batch.py --no-ray

Each pass renders every row from scratch (--force) through core.batch.runner, as `main.py batch`
does: spawn workers, each importing the engine once. The Ray pass starts a local instance with
as many CPUs as the pool had workers (its start-up is timed apart, not charged to the rows).
Overhead per row = (Ray wall - pool wall) / rows at the same parallelism.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXT = ("Hello there. My name is Eileen, and I fly to space. Papa bought a map of the moon. "
        "We sailed across a quiet sea.")
MIXES = ("happy=0.8", "sad=0.7", "angry=0.6,disgusted=0.3", "surprised=0.9", "fearful=0.5", "")


def make_inputs(folder: Path, rows: int, seconds: float) -> Path:
    import cv2
    import numpy as np
    import soundfile as sf

    from core.samples import sample_portrait
    cv2.imwrite(str(folder / "face.png"), sample_portrait(512)[:, :, ::-1])
    one = folder / "one.wav"
    subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-w", str(one), TEXT], check=True)
    x, sr = sf.read(one, dtype="float32")
    x = np.tile(x, int(np.ceil(seconds * sr / len(x))) + 1)[: int(seconds * sr)]
    sf.write(folder / "line.wav", x, sr)
    (folder / "out").mkdir()
    lines = ["portrait,audio,mix,out"]
    lines += [f"face.png,line.wav,\"{MIXES[i % len(MIXES)]}\",out/take{i:02d}.mp4"
              for i in range(rows)]
    manifest = folder / "lines.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def one_pass(manifest: Path, size: int, jobs: int = 1, ray: str | None = None) -> float:
    from core.batch.manifest import read_manifest
    from core.batch.runner import BatchOptions, run_batch

    settings = {"fps": 25, "size": size, "seed": 0, "engine": "rig"}
    options = BatchOptions(jobs=jobs, ray=ray, force=True, settings=settings)
    t0 = time.perf_counter()
    report = run_batch(read_manifest(manifest), options, stream=io.StringIO())
    wall = time.perf_counter() - t0
    if report.failed:
        raise SystemExit("rows failed:\n" + report.summary())
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--jobs", type=int, default=2, help="the parallel pass (default 2)")
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = make_inputs(Path(tmp), a.rows, a.seconds)
        video_s = a.rows * a.seconds
        print(f"{a.rows} rows x {a.seconds:g} s at {a.size} px, 25 fps; {os.cpu_count()} CPUs")
        base = one_pass(manifest, a.size, jobs=1)
        print(f"--jobs 1 (baseline): {base:7.1f} s wall, {base / a.rows:5.2f} s/row, "
              f"RTF {base / video_s:.2f}")
        par = one_pass(manifest, a.size, jobs=a.jobs)
        print(f"--jobs {a.jobs}:            {par:7.1f} s wall, {par / a.rows:5.2f} s/row, "
              f"speed-up {base / par:.2f}x over --jobs 1")
        if a.no_ray:
            return
        try:
            import ray
        except ImportError:
            print("ray: not installed (pip install 'moee-palette[ray]'); skipped")
            return
        t0 = time.perf_counter()
        ray.init(num_cpus=a.jobs, include_dashboard=False, log_to_driver=False)
        start = time.perf_counter() - t0
        try:
            rw = one_pass(manifest, a.size, ray="auto")
        finally:
            ray.shutdown()
        print(f"--ray ({a.jobs} CPUs):      {rw:7.1f} s wall ({rw / par:.2f}x the --jobs {a.jobs} "
              f"pool), overhead {(rw - par) / a.rows:+.2f} s/row; cluster start {start:.1f} s "
              "(once, not per row)")


if __name__ == "__main__":
    main()
