"""Rig CPU per frame, stage by stage, against a baseline checkout in the same run, and how far
the frames moved: the same talking take (espeak-ng speech) on two portraits (the smiling sample
portrait, grace_hopper.jpg) in several emotions, rendered by this checkout and by the baseline,
each in its own child process (one OpenCV thread, as bench_rig.py), alternating over rounds.

Run:  git worktree add --detach /tmp/perfbase main
      .venv/bin/python benchmarks/bench_frame_cost.py --baseline /tmp/perfbase
      .venv/bin/python benchmarks/bench_frame_cost.py --baseline /tmp/perfbase --sheets /tmp/cmp

Prints per-stage CPU ms a frame (thread CPU time, the timers' own overhead included alike on both
sides; the least disturbed round and the median: on a shared machine the minimum is the steadier
figure), the ratio new / baseline, and the PSNR of every frame against the
baseline's (minimum over all frames; frames bit-identical counted). --sheets writes, for the
least similar frames, the mouth and eyes of both renders side by side, zoomed, with their
difference amplified 8x (PNG).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TEXT = ("Hello there. My name is Eileen, and I fly to space. Papa bought a map of the moon. "
        "We sailed across a quiet sea.")
EMOTIONS = ("neutral", "happy", "angry", "surprised", "fearful", "happily surprised")
PORTRAITS = ("sample", "grace_hopper")
# (module, class or None, function): timed wherever it exists in the checkout
STAGES = (("core.rig.warp", "Warper", "warp"), ("core.rig.warp", "Warper", "inverse_field"),
          ("core.rig.mouth", "MouthRenderer", "composite"),
          ("core.rig.shading", "ShadingRenderer", "apply"),
          ("core.rig.unsmile", "CreaseFlattener", "apply"),
          ("core.rig.unsmile", "CreaseFlattener", "source"),
          ("core.rig.eyes", "EyeRenderer", "composite"),
          ("core.rig.motion", "MotionModel", "displacement"),
          ("core.rig.engine", None, "compose"))
SIZE, FPS = 512, 25


def _portrait(name: str) -> np.ndarray:
    import cv2

    from core.samples import sample_portrait
    if name == "sample":
        return sample_portrait(SIZE)
    from matplotlib import cbook
    with cbook.get_sample_data("grace_hopper.jpg") as f:
        data = np.frombuffer(f.read(), np.uint8)
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def time_stages(stages) -> dict[str, float]:
    """Wrap each (module, class or None, function) of `stages` that exists here with a timer;
    -> the dict they add their thread CPU seconds to, keyed "Class.function"."""
    import collections
    import importlib

    spent: dict = collections.defaultdict(float)

    def timed(fn, label):
        def run(*args, **kw):
            t = time.thread_time()
            try:
                return fn(*args, **kw)
            finally:
                spent[label] += time.thread_time() - t
        return run

    for module, cls, name in stages:
        owner = importlib.import_module(module)
        owner = getattr(owner, cls, None) if cls else owner
        if owner is not None and hasattr(owner, name):
            setattr(owner, name, timed(getattr(owner, name), f"{cls or module}.{name}"))
    return spent


def child(wav: str, out: str, save: bool) -> None:
    """Render every (portrait, emotion) take of `wav`: stage CPU to out/times.json and, with
    `save`, the frames to out/frames.npy (in order)."""
    import cv2

    cv2.setNumThreads(1)
    from core.audio.io import load_audio
    from core.engine import RenderJob
    from core.mix import EmotionMix
    from core.rig.engine import RigEngine

    spent = time_stages(STAGES)
    audio = load_audio(wav)
    engine = RigEngine()
    takes = []
    for pname in PORTRAITS:
        portrait = engine.prepare(_portrait(pname))
        for emo in EMOTIONS:
            takes.append((pname, emo, RenderJob(portrait=portrait, audio=audio, fps=FPS,
                                                size=SIZE, mix=EmotionMix.from_preset(emo))))
    n = sum(job.frame_count() for *_, job in takes)
    # frames of any aspect ratio, each in the top-left corner of a SIZE x SIZE slot
    frames = np.lib.format.open_memmap(Path(out) / "frames.npy", "w+", np.uint8,
                                       (n, SIZE, SIZE, 3)) if save else None
    for *_, job in takes:  # render state, tracks and emotion caches warm, as in a take
        engine.render_frame(job, 0)
    spent.clear()
    k, total = 0, 0.0
    for *_, job in takes:
        t = time.thread_time()
        for frame in engine.frames(job):
            total += time.thread_time() - t
            if frames is not None:
                h, w = frame.image.shape[:2]
                frames[k, :h, :w] = frame.image
            k += 1
            t = time.thread_time()
    if frames is not None:
        frames.flush()
    (Path(out) / "times.json").write_text(json.dumps({
        "frames": k, "total": total, "stages": dict(spent),
        "takes": [(p, e, job.frame_count(), job.portrait.at_size(SIZE).image.shape[:2])
                  for p, e, job in takes]}))


def run_child(code: Path, wav: Path, out: Path, save: bool) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(code), QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(wav), str(out)]
    subprocess.run(cmd + (["--save"] if save else []), check=True, env=env, cwd=code)
    return json.loads((out / "times.json").read_text())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def sheet(new: np.ndarray, base: np.ndarray, path: Path) -> None:
    """Mouth and eyes (where the frames differ most) side by side, 3x, with |diff| x 8."""
    import cv2

    diff = np.abs(new.astype(np.int16) - base.astype(np.int16)).max(2)
    ys, xs = np.nonzero(diff) if diff.any() else (np.array([SIZE // 2]), np.array([SIZE // 2]))
    cy, cx = int(np.median(ys)), int(np.median(xs))
    y0, x0 = np.clip([cy - 64, cx - 96], 0, [new.shape[0] - 128, new.shape[1] - 192])
    crops = [im[y0:y0 + 128, x0:x0 + 192] for im in (base, new)]
    amp = np.clip(np.abs(crops[0].astype(np.int16) - crops[1]) * 8, 0, 255).astype(np.uint8)
    row = np.hstack([*crops, amp])
    big = cv2.resize(row, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(str(path), big[:, :, ::-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=False, help="checkout to compare with (e.g. main)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sheets", help="folder for side-by-side PNGs of the least similar frames")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--save", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        sys.path.insert(0, os.getcwd())
        child(*a.child, a.save)
        return
    if not a.baseline:
        ap.error("--baseline CHECKOUT is required")
    base_code = Path(a.baseline).resolve()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        wav = tmp / "speech.wav"
        subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-s", "150", "-w", str(wav),
                        TEXT], check=True, capture_output=True)
        runs: dict[str, list[dict]] = {"new": [], "base": []}
        for r in range(a.rounds):
            order = [("new", ROOT), ("base", base_code)]
            for name, code in order if r % 2 == 0 else order[::-1]:
                runs[name].append(run_child(code, wav, tmp / name, save=r == 0))
        report(runs)
        compare(tmp / "new" / "frames.npy", tmp / "base" / "frames.npy", runs["new"][0]["takes"],
                Path(a.sheets) if a.sheets else None)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          "(shared: ratios within a round are what counts)")


def report(runs: dict[str, list[dict]]) -> None:
    n = runs["new"][0]["frames"]
    print(f"{n} frames a run, {SIZE} px, {len(runs['new'])} rounds, one OpenCV thread; "
          "CPU ms a frame, the least disturbed round (min) and the median")
    print(f"{'stage':34} {'base min':>9} {'new min':>9} {'new/base':>9} {'base med':>9} "
          f"{'new med':>9} {'new/base':>9}")

    def ms(name, key, how):
        vals = [r["total"] if key is None else r["stages"].get(key) for r in runs[name]]
        vals = [v for v in vals if v is not None]
        return 1000 * float(how(vals)) / n if vals else float("nan")

    keys = sorted({k for rs in runs.values() for r in rs for k in r["stages"]},
                  key=lambda k: -ms("base", k, np.min))
    for key in [None, *keys]:
        b, w, bm, wm = (ms(name, key, how) for how in (np.min, np.median)
                        for name in ("base", "new"))
        print(f"{key or 'frame, end to end':34} {b:9.3f} {w:9.3f} {w / b:9.2f} {bm:9.3f} "
              f"{wm:9.3f} {wm / bm:9.2f}")
    per_round = [nr["total"] / br["total"] for nr, br in zip(runs["new"], runs["base"])]
    print("frame ratio new/base per round: " + ", ".join(f"{x:.2f}" for x in per_round))


def compare(new_path: Path, base_path: Path, takes: list, sheets: Path | None) -> None:
    new, base = np.load(new_path, mmap_mode="r"), np.load(base_path, mmap_mode="r")
    sizes = [hw for *_, count, hw in takes for _ in range(count)]
    scores = np.array([psnr(new[i, :h, :w], base[i, :h, :w]) for i, (h, w) in enumerate(sizes)])
    same = int(np.isinf(scores).sum())
    k = 0
    print(f"{'portrait':14} {'emotion':18} {'frames':>6} {'identical':>9} {'min PSNR dB':>11}")
    for pname, emo, count, _ in takes:
        s = scores[k:k + count]
        print(f"{pname:14} {emo:18} {count:6d} {int(np.isinf(s).sum()):9d} {s.min():11.1f}")
        k += count
    print(f"all: {len(scores)} frames, {same} bit-identical, min PSNR {scores.min():.1f} dB, "
          f"max |diff| {max(int(np.abs(new[i].astype(np.int16) - base[i]).max()) for i in np.argsort(scores)[:20])}")
    if sheets is not None:
        sheets.mkdir(parents=True, exist_ok=True)
        for i in np.argsort(scores)[:6]:
            if np.isfinite(scores[i]):
                h, w = sizes[i]
                sheet(np.asarray(new[i, :h, :w]), np.asarray(base[i, :h, :w]),
                      sheets / f"frame{i:05d}.png")
        print(f"sheets (baseline | new | |diff| x 8) in {sheets}")


if __name__ == "__main__":
    main()
