"""Rig render cost per frame by where the take starts: 12 silent frames (0.5 s at 25 fps,
256 px, sample portrait) at --start 0, 1000 and 10000 s, a fresh engine each (its tracks built
for the job, as a render's are). Before the life motion was made a chunk at a time
(core/rig/life.py LifeTake) a late start paid for every frame before it: 2, 64 and 594 ms a
frame; now 4, 6 and 6 ms (a chunk of 750 life steps at 0, two later; 2 cores, loaded).

    .venv/bin/python benchmarks/bench_late_start.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.engine import RenderJob  # noqa: E402
from core.rig.engine import RigEngine  # noqa: E402
from core.samples import sample_portrait  # noqa: E402


def main() -> None:
    prepared = RigEngine().prepare(sample_portrait(512))
    base = None
    for start in (0.0, 0.0, 1000.0, 10000.0):  # the first run warms the caches
        job = RenderJob(portrait=prepared, size=256, start=start, duration=0.5)
        t0 = time.perf_counter()
        frames = list(RigEngine().frames(job))
        ms = 1000 * (time.perf_counter() - t0) / len(frames)
        base = ms if start == 0.0 else base  # the baseline: the same frames at --start 0
        print(f"--start {start:>7.0f} s: {len(frames)} frames, {ms:6.1f} ms/frame, "
              f"{ms / base:.2f}x --start 0")


if __name__ == "__main__":
    main()
