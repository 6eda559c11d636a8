"""Rig render speed at 512x512 on one CPU core, prepared portrait, end to end per frame
(motion + warp + AU shading + eyes + mouth), as a ratio to a bare cv2.remap of the same frame
measured in the same run, with the shading layer and the lid reveal each on and off (interleaved
frame by frame). Also: portrait preparation time
for a 1024x1024 photo.

    .venv/bin/python benchmarks/bench_rig.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.audio.io import load_audio  # noqa: E402
from core.engine import RenderJob  # noqa: E402
from core.mix import EmotionMix  # noqa: E402
from core.rig.engine import RigEngine  # noqa: E402
from core.samples import sample_portrait  # noqa: E402

VOICE = Path(__file__).resolve().parents[1] / "resources" / "samples" / "sample_voice.wav"


def median_time(fn, n: int) -> tuple[float, float]:
    """Median seconds per call: (wall clock, this process's CPU time). On a shared machine the
    CPU time is what the call costs one free core; the wall clock includes waiting for one."""
    wall, cpu = [], []
    for i in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn(i)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    return float(np.median(wall)), float(np.median(cpu))


def line(name: str, t: tuple[float, float], base: tuple[float, float]) -> str:
    wall, cpu = (f"{x * 1e3:6.2f} ms ({1 / x:5.0f} fps, {x / b:5.2f}x remap)"
                 for x, b in zip(t, base))
    return f"{name:28s} wall {wall}   cpu {cpu}"


def main() -> None:
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    engine = RigEngine()
    big = cv2.resize(sample_portrait(512), (1024, 1024), interpolation=cv2.INTER_CUBIC)
    engine.prepare(big)  # warm-up: loads the Face Mesh graph once per process
    t = time.perf_counter()
    portrait = engine.prepare(big)
    portrait.at_size(512)
    prep = time.perf_counter() - t

    audio = load_audio(VOICE)
    job = RenderJob(portrait=portrait, audio=audio, size=512,
                    mix=EmotionMix.from_preset("happily surprised"))
    sp = portrait.at_size(512)
    n = job.frame_count()
    engine.tracks(job)
    engine.render_frame(job, 0)
    h, w = sp.image.shape[:2]
    mx, my = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    mx += 0.37  # a real sub-pixel shift, so remap does its full interpolation work
    remap = median_time(lambda i: cv2.remap(sp.image, mx, my, cv2.INTER_LINEAR,
                                            borderMode=cv2.BORDER_REPLICATE), 300)
    # the full frame and the frame without each appearance layer, interleaved frame by frame,
    # so a busy machine slows all of them alike (in turn, a minute apart, the layer's cost
    # came out anywhere from 0.2 to 6.7 ms on one shared machine)
    layers = {"full": None, "shading off": sp.shading, "lid reveal off": getattr(sp, "lids", None)}
    if layers["lid reveal off"] is None:  # older code (--compare runs of this file elsewhere)
        del layers["lid reveal off"]
    times: dict[str, list] = {k: [] for k in layers}
    for i in range(3 * n):
        for name, layer in layers.items():
            was = layer is not None and layer.enabled
            if layer is not None:
                layer.enabled = False
            c, t = time.process_time(), time.perf_counter()
            engine.render_frame(job, i % n)
            times[name].append((time.perf_counter() - t, time.process_time() - c))
            if layer is not None:
                layer.enabled = was
    med = {k: tuple(np.median(np.array(v), 0)) for k, v in times.items()}
    print(f"portrait preparation (1024x1024 photo -> 512 render state): {prep * 1000:.0f} ms")
    print(line("bare cv2.remap 512x512", remap, remap))
    print(line("rig frame end to end 512", med["full"], remap))
    print(line("  the same, shading off", med["shading off"], remap))
    if "lid reveal off" in med:
        print(line("  the same, lid reveal off", med["lid reveal off"], remap))
    for name, what in (("shading off", "the shading layer"), ("lid reveal off", "the lid reveal")):
        if name not in times:
            continue
        paired = np.median([a[1] - b[1] for a, b in zip(times["full"], times[name])])
        print(f"{what} costs {paired * 1e3:.2f} ms CPU per frame ({paired / remap[1]:.2f}x a "
              f"bare remap; median of frame-by-frame differences)")


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
