"""Keyframe file loading at scale: 1,000,000 keys through `load_keys` (parse, validate, sort),
and the same keys in a project opened as the app opens it (`load_project`, then the key
editor's `Project.key_track()`: one parse between them).

Run: .venv/bin/python benchmarks/bench_keys.py [--keys N]
Baseline in the same run: `json.load` of the same file (the floor any loader pays). Keys are
written in shuffled time order, so the sort is exercised.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.emotions import EMOTIONS  # noqa: E402
from core.keyframes import KEYS_FORMAT, KEYS_VERSION, load_keys  # noqa: E402
from core.project import load_project  # noqa: E402


def write_keys(path: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    times = rng.permutation(n) * 0.04
    emo = rng.integers(0, len(EMOTIONS), n)
    weight = np.round(rng.random(n), 3)
    keys = [{"time": float(t), "easing": "linear",
             "mix": {"weights": {EMOTIONS[int(e)]: float(w)}}}
            for t, e, w in zip(times, emo, weight)]
    path.write_text(json.dumps({"format": KEYS_FORMAT, "version": KEYS_VERSION, "keys": keys}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    n = ap.parse_args().keys
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "take.json"
        write_keys(path, n)
        mb = path.stat().st_size / 2**20
        t0 = time.perf_counter()
        with path.open() as f:
            json.load(f)
        base = time.perf_counter() - t0
        t0 = time.perf_counter()
        track = load_keys(path, lambda done, total: print(f"\r  {done}/{total}", end="",
                                                          file=sys.stderr, flush=True))
        ours = time.perf_counter() - t0
        print(file=sys.stderr)
        project = Path(tmp) / "take.moee.json"
        project.write_text(json.dumps({"format": "moee-palette-project", "version": 1,
                                       "keyframes": track.to_project()}))
        t0 = time.perf_counter()
        opened = load_project(project).key_track()
        opening = time.perf_counter() - t0
    assert len(track) == n == len(opened)
    print(f"{n} keys ({mb:.0f} MB): load_keys {ours:.2f} s, json.load {base:.2f} s "
          f"(ratio {ours / base:.1f}x), {ours / n * 1e6:.1f} us per key; a project with them: "
          f"open + key track {opening:.2f} s (ratio {opening / base:.1f}x)")


if __name__ == "__main__":
    main()
