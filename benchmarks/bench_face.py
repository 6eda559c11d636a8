"""Portrait loading + face analysis speed on a 1024x1024 portrait (the sample, upscaled).

Run: .venv/bin/python benchmarks/bench_face.py [--runs N]
Prints medians after a warm-up and their ratio to a bare cv2.resize (1024 -> 512, area) of the
same image, measured in the same run so the ratio holds on any machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median_seconds(fn, runs: int) -> float:
    fn()  # warm-up: model load, caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    import cv2

    from core.face.image_io import load_image
    from core.face.landmarks import detect_face
    from core.samples import sample_portrait

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()

    img = sample_portrait(1024)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "portrait_1024.png"
        cv2.imwrite(str(path), img[:, :, ::-1])
        t_resize = median_seconds(
            lambda: cv2.resize(img, (512, 512), interpolation=cv2.INTER_AREA), args.runs)
        t_load = median_seconds(lambda: load_image(path), args.runs)
        t_detect = median_seconds(lambda: detect_face(img), args.runs)
        t_both = median_seconds(lambda: detect_face(load_image(path)), args.runs)

    ms = lambda t: f"{t * 1e3:.1f} ms"  # noqa: E731
    print(f"face 1024x1024, median of {args.runs}: load_image {ms(t_load)}, "
          f"detect_face {ms(t_detect)}, both {ms(t_both)}; baseline cv2.resize {ms(t_resize)}; "
          f"ratios to baseline: load {t_load / t_resize:.0f}x, detect {t_detect / t_resize:.0f}x, "
          f"both {t_both / t_resize:.0f}x")


if __name__ == "__main__":
    main()
