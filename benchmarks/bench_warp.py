"""Per-frame cost of the rig's image side at 512x512 on one thread: bare cv2.remap vs
Warper.warp, then + eyes + mouth. Median over 200 frames of random smooth landmark motion.

    .venv/bin/python benchmarks/bench_warp.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.face.frame import FaceFrame  # noqa: E402
from core.face.landmarks import detect_face  # noqa: E402
from core.rig.eyes import EyeRenderer  # noqa: E402
from core.rig.mouth import MouthRenderer  # noqa: E402
from core.rig.warp import Warper  # noqa: E402
from core.samples import sample_portrait  # noqa: E402

FRAMES = 200


def motions(xy: np.ndarray, ipd: float, n: int, seed: int = 0) -> list[np.ndarray]:
    """Smooth random fields: a few Gaussian bumps over the face, up to ~0.15 IPD each."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        d = np.zeros_like(xy)
        for c in rng.choice(len(xy), 4, replace=False):
            w = np.exp(-np.sum((xy - xy[c]) ** 2, 1) / (0.3 * ipd) ** 2)
            d += w[:, None] * rng.normal(0, 0.06 * ipd, 2)
        out.append(d.astype(np.float32))
    return out


def median_ms(fn, frames) -> float:
    times = []
    for d in frames:
        t = time.perf_counter()
        fn(d)
        times.append(time.perf_counter() - t)
    return float(np.median(times) * 1e3)


def main() -> None:
    cv2.setNumThreads(1)
    img = sample_portrait()
    xy = detect_face(img).xy.astype(np.float32)
    frame = FaceFrame.from_landmarks(xy)
    h, w = img.shape[:2]
    t = time.perf_counter()
    warper = Warper(xy, (h, w))
    mouth, eyes = MouthRenderer(img, xy, frame), EyeRenderer(img, xy, frame)
    prep = (time.perf_counter() - t) * 1e3
    frames = motions(xy, frame.ipd, FRAMES)
    mx, my = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    gaze = np.array([2.0, 1.0], np.float32)

    def full(d):
        out = warper.warp(img, d)
        out = eyes.composite(out, xy + d, gaze_px=gaze)
        return mouth.composite(out, xy + d)

    rows = {
        "bare cv2.remap": median_ms(
            lambda d: cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
            frames),
        "Warper.warp": median_ms(lambda d: warper.warp(img, d), frames),
        "warp + eyes + mouth": median_ms(full, frames),
    }
    print(f"512x512, 1 thread, cell {warper.cell} px, grid {warper.grid_shape}, "
          f"prep {prep:.1f} ms")
    base = rows["bare cv2.remap"]
    for name, ms in rows.items():
        print(f"{name:22s} {ms:6.2f} ms  {1e3 / ms:7.0f} fps  {ms / base:4.2f}x remap")


if __name__ == "__main__":
    main()
