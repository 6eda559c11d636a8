"""Whole-CLI export speed and memory: `main.py render` on 60 s of speech at 512 px, 25 fps,
against the encode floor measured in the same run.

Run:  .venv/bin/python benchmarks/bench_export.py            # 60 s take, 3 rounds
      .venv/bin/python benchmarks/bench_export.py --compare /path/to/old/checkout
      .venv/bin/python benchmarks/bench_export.py --long     # + a 10 min take (memory flat?)
      .venv/bin/python benchmarks/bench_export.py --writer-only   # encoder alone, no engine
      .venv/bin/python benchmarks/bench_export.py --stages   # where a take's CPU goes

The floor: the still portrait, as many frames at the same size, piped into ffmpeg and encoded
(1) by core.video's VideoWriter (the project's encoder settings, video only) and (2) by
imageio-ffmpeg's `write_frames` defaults. Each round runs the floors and the export(s)
back to back, so a shared machine's load hits them alike; the ratios are export wall / floor
wall per round, reported as a range over the rounds.

Each run is its own child process (the floors too: Python start-up is in every figure); its
peak memory is the child's ru_maxrss (os.wait4, which also covers the ffmpeg grandchild as a
max) and the peak sum of RSS over the process tree, sampled from /proc. RTF = wall seconds /
video seconds (< 1 is faster than real time).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXT = ("Hello there. My name is Eileen, and I fly to space. Papa bought a map of the moon. "
        "We sailed across a quiet sea, and every morning the sun rose over the water.")
SHORT_S, LONG_S = 60.0, 600.0
SAMPLE_EVERY_S = 0.2

WRITER_ONLY = """
import sys, numpy as np
sys.path.insert(0, {root!r})
from core.audio.io import load_audio
from core.video.export import VideoWriter
audio = load_audio({wav!r})
n, size = int(audio.duration * {fps}), {size}
img = np.zeros((size, size, 3), np.uint8)
with VideoWriter({out!r}, {fps}, size, size, audio) as w:
    for i in range(n):
        img[:, :, 0] = i % 256
        w.write(img)
"""

FLOOR_PROJECT = """
import sys, numpy as np
sys.path.insert(0, {root!r})
from core.video.export import VideoWriter
img = np.load({still!r})
h, w = img.shape[:2]
with VideoWriter({out!r}, {fps}, w, h) as writer:
    for _ in range({n}):
        writer.write(img)
"""

FLOOR_IMAGEIO = """
import numpy as np, imageio_ffmpeg
img = np.load({still!r})
h, w = img.shape[:2]
gen = imageio_ffmpeg.write_frames({out!r}, (w, h), fps={fps})
gen.send(None)
for _ in range({n}):
    gen.send(img)
gen.close()
"""


def make_speech(folder: Path, seconds: float) -> Path:
    """`seconds` of espeak-ng speech (one take looped with short pauses)."""
    import soundfile as sf
    one = folder / "one.wav"
    subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-w", str(one), TEXT], check=True)
    x, sr = sf.read(one, dtype="float32")
    x = np.concatenate([x, np.zeros(int(0.4 * sr), np.float32)])
    out = folder / f"speech_{int(seconds)}s.wav"
    sf.write(out, np.tile(x, int(np.ceil(seconds * sr / len(x))))[: int(seconds * sr)], sr)
    return out


def tree_rss_kb(pid: int) -> int:
    """Sum of VmRSS over pid and its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str]) -> dict:
    """Run cmd; wall seconds, child's ru_maxrss and peak process-tree RSS (MiB), CPU seconds
    (user + system of the child and the ffmpeg it waited for: what load on a shared machine
    changes least)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.wait(SAMPLE_EVERY_S):
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()[-2000:]}")
    return {"wall": time.perf_counter() - t0, "maxrss": usage.ru_maxrss / 1024,
            "tree": peak[0] / 1024, "cpu": usage.ru_utime + usage.ru_stime}


def render_cmd(portrait: Path, wav: Path, out: Path, size: int, fps: int,
               root: Path = ROOT, extra: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, str(root / "main.py"), "render", "--portrait", str(portrait),
            "--audio", str(wav), "--out", str(out), "--size", str(size), "--fps", str(fps),
            "--mix", "happy=0.6,surprised=0.4", "--quiet", *extra]


def writer_cmd(wav: Path, out: Path, size: int, fps: int) -> list[str]:
    code = WRITER_ONLY.format(root=str(ROOT), wav=str(wav), out=str(out), fps=fps, size=size)
    return [sys.executable, "-c", code]


def floor_cmd(template: str, still: Path, out: Path, n: int, fps: int) -> list[str]:
    code = template.format(root=str(ROOT), still=str(still), out=str(out), n=n, fps=fps)
    return [sys.executable, "-c", code]


def run_once(cmd: list[str], out: Path) -> dict:
    r = measure(cmd)
    r["mb"] = out.stat().st_size / 2**20
    out.unlink()
    return r


def floor_rounds(a) -> None:
    """Floors and export(s) back to back, `a.rounds` times; ratios per round, then ranges."""
    import cv2

    from core.samples import sample_portrait

    # "export": the CLI's default (--workers auto: two rendering processes on 2+ cores);
    # "export, 1 process": the same code with --workers 1, in the same round
    names = ["export", "export, 1 process"] + (["export (compare)"] if a.compare else [])
    roots = [ROOT, ROOT] + ([Path(a.compare).resolve()] if a.compare else [])
    extras = [(), ("--workers", "1")] + ([()] if a.compare else [])
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        image = sample_portrait(a.size)
        portrait, still = folder / "portrait.png", folder / "still.npy"
        cv2.imwrite(str(portrait), image[:, :, ::-1])
        np.save(still, np.ascontiguousarray(image))
        wav = make_speech(folder, SHORT_S)
        n = round(SHORT_S * a.fps)
        out = folder / "out.mp4"
        rounds = []
        for _ in range(a.rounds):
            row = {"floor, project settings": run_once(floor_cmd(FLOOR_PROJECT, still, out, n,
                                                                 a.fps), out),
                   "floor, imageio defaults": run_once(floor_cmd(FLOOR_IMAGEIO, still, out, n,
                                                                 a.fps), out)}
            for name, root, extra in zip(names, roots, extras):
                row[name] = run_once(render_cmd(portrait, wav, out, a.size, a.fps, root, extra),
                                     out)
            rounds.append(row)
    print(f"{n} frames ({SHORT_S:.0f} s), {a.size} px, {a.fps} fps, {os.cpu_count()} CPUs, "
          f"{a.rounds} rounds; load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'run':26} {'wall s (range)':>16} {'CPU s (range)':>15} {'py RSS MiB':>10} "
          f"{'tree RSS MiB':>12} {'file MiB':>8}")
    for name in rounds[0]:
        w = [r[name]["wall"] for r in rounds]
        c = [r[name]["cpu"] for r in rounds]
        print(f"{name:26} {min(w):7.2f}-{max(w):<7.2f} {min(c):6.1f}-{max(c):<6.1f} "
              f"{max(r[name]['maxrss'] for r in rounds):10.0f} "
              f"{max(r[name]['tree'] for r in rounds):12.0f} {rounds[0][name]['mb']:8.1f}")
    for name in names:
        for floor in ("floor, project settings", "floor, imageio defaults"):
            q = [r[name]["wall"] / r[floor]["wall"] for r in rounds]
            qc = [r[name]["cpu"] / r[floor]["cpu"] for r in rounds]
            print(f"ratio {name} / {floor}: wall {min(q):.2f}-{max(q):.2f} "
                  f"(per round: {', '.join(f'{x:.2f}' for x in q)}); CPU "
                  f"{min(qc):.2f}-{max(qc):.2f}")
    if a.compare:  # this checkout against the other, round by round (a shared machine's load
        # moves both alike within a round, less so across rounds)
        for name in names[:2]:
            q = [r[name]["wall"] / r["export (compare)"]["wall"] for r in rounds]
            qc = [r[name]["cpu"] / r["export (compare)"]["cpu"] for r in rounds]
            print(f"ratio {name} / export (compare): wall {min(q):.2f}-{max(q):.2f} "
                  f"(per round: {', '.join(f'{x:.2f}' for x in q)}); CPU "
                  f"{min(qc):.2f}-{max(qc):.2f} (per round: {', '.join(f'{x:.2f}' for x in qc)})")


def stages(a) -> None:
    """In this process: the rig's frames of the 60 s take with CPU timers on each stage, then the
    same take exported: CPU of the rendering thread, of the writer's feeder thread (YUV
    conversion, pipe writes) and of ffmpeg."""
    import resource

    from bench_frame_cost import STAGES, time_stages  # this folder: the same stage timers

    from core.audio.io import load_audio
    from core.engine import RenderJob
    from core.mix import EmotionMix
    from core.rig.engine import RigEngine
    from core.samples import sample_portrait
    from core.video import ffmpeg
    from core.video.export import export_video

    spent = time_stages(STAGES)
    feed = ffmpeg.EncoderProcess._feed

    def feeder(self):
        try:
            feed(self)
        finally:
            spent["feeder thread"] += time.thread_time()
    ffmpeg.EncoderProcess._feed = feeder

    engine = RigEngine()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        mix = EmotionMix(weights=(0.6, 0, 0, 0, 0, 0.4))
        job = RenderJob(portrait=engine.prepare(sample_portrait(a.size)),
                        audio=load_audio(make_speech(folder, SHORT_S)), mix=mix, fps=a.fps,
                        size=a.size)
        engine.render_frame(job, 0)  # size state and emotion cache warm, as in a take
        t = time.thread_time()
        n = sum(1 for _ in engine.frames(job))
        frames = time.thread_time() - t
        print(f"{n} frames at {a.size} px, rendering only: {frames:.2f} s CPU "
              f"({1000 * frames / n:.2f} ms a frame)")
        for label, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
            print(f"  {label:34} {sec:6.2f} s  {1000 * sec / n:5.2f} ms a frame")
        spent.clear()
        c0, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.thread_time()
        export_video(engine, job, folder / "take.mp4")
        main_cpu, c1 = time.thread_time() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"exported: rendering thread {main_cpu:.2f} s CPU, feeder thread "
          f"{spent['feeder thread']:.2f} s, ffmpeg "
          f"{c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long", action="store_true", help="also export a 10-minute take")
    ap.add_argument("--writer-only", action="store_true",
                    help="stream synthetic frames through VideoWriter (no engine)")
    ap.add_argument("--stages", action="store_true",
                    help="CPU per rig stage, rendering thread, feeder thread and ffmpeg")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=3,
                    help="floor + export rounds for the ratio (default 3)")
    ap.add_argument("--compare", metavar="CHECKOUT",
                    help="also export with another checkout's main.py in every round")
    a = ap.parse_args()
    if a.stages:
        stages(a)
        return
    if not (a.long or a.writer_only):
        floor_rounds(a)
        return
    lengths = [SHORT_S, LONG_S] if a.long else [SHORT_S]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        portrait = folder / "portrait.png"
        if not a.writer_only:
            import cv2

            from core.samples import sample_portrait
            cv2.imwrite(str(portrait), sample_portrait(a.size)[:, :, ::-1])
        for seconds in lengths:
            wav = make_speech(folder, seconds)
            out = folder / f"take_{int(seconds)}s.mp4"
            cmd = (writer_cmd(wav, out, a.size, a.fps) if a.writer_only
                   else render_cmd(portrait, wav, out, a.size, a.fps))
            r = measure(cmd)
            r.update(seconds=seconds, mb=out.stat().st_size / 2**20)
            rows.append(r)
            out.unlink()
    what = "VideoWriter only" if a.writer_only else "main.py render (rig)"
    print(f"{what}, {a.size} px, {a.fps} fps, {os.cpu_count()} CPUs")
    print(f"{'video s':>8} {'wall s':>8} {'RTF':>6} {'x real time':>11} {'py RSS MiB':>10} "
          f"{'tree RSS MiB':>12} {'file MiB':>8}")
    for r in rows:
        print(f"{r['seconds']:8.0f} {r['wall']:8.1f} {r['wall'] / r['seconds']:6.3f} "
              f"{r['seconds'] / r['wall']:11.2f} {r['maxrss']:10.0f} {r['tree']:12.0f} "
              f"{r['mb']:8.1f}")
    if len(rows) == 2:
        s, l_ = rows
        print(f"ratios 10 min / 1 min: wall {l_['wall'] / s['wall']:.2f} (length x10), "
              f"py RSS {l_['maxrss'] / s['maxrss']:.2f}, tree RSS {l_['tree'] / s['tree']:.2f} "
              f"(1.00 = flat memory)")


if __name__ == "__main__":
    main()
