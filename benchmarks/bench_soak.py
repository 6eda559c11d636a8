"""A demo booth's day, compressed: the real window (offscreen Qt, rig engine) driven through many
cycles of what booth users do, with what the process holds measured after each cycle.

One cycle: open a portrait (the bundled sample, or a generated variant of it: flipped, smaller,
darker, framed wider), move the six emotion sliders, toggle AUs, type a prompt, scrub the
preview, play a second (no audio device here: it plays silently, told once), export a short clip,
undo and redo, switch engines (the diffusion engine cannot start here: its dialog is closed as a
user would), and open the live window on a second of voice, then stop it.

Per cycle: RSS, threads, open file descriptors, QObjects under the window, top-level widgets,
Python-side QObjects (gc: alive, and wrappers whose C++ object is gone), files left in the temp
folder, beside the export and in the app's data folder, the undo stack's size, the cycle
collector's full passes, and per action the GUI thread's longest stall (a 10 ms QTimer
heartbeat's largest gap) with the GUI thread's own CPU time in its busiest gap. Growth per
cycle is a least-squares slope past the warm-up cycles; the baseline row is the same window
left idle as long, in the same process, first.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_soak.py [--cycles 60]
Results: benchmarks/results/soak.json.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
SCRATCH = Path(tempfile.mkdtemp(prefix="moee-soak-"))
TMP = SCRATCH / "tmp"  # the process's temp folder: what is left there is the app's
TMP.mkdir()
os.environ["TMPDIR"] = str(TMP)
tempfile.tempdir = str(TMP)
OUT = ROOT / "benchmarks" / "results" / "soak.json"
STALL_LIMIT_MS = 100.0
METRICS = ("rss_mb", "threads", "fds", "qobjects", "top_widgets", "py_qobjects",
           "py_dead_wrappers", "temp_files", "export_files", "all_files", "undo_steps",
           "full_collections")
FULL_COLLECTIONS = [0]  # generation-2 passes of the cycle collector so far (gc.callbacks)
FULL_PASS_MS: list[float] = []  # each one's length
_pass_start = [0.0]


def _count_full(phase: str, info: dict) -> None:
    if info["generation"] != 2:
        return
    if phase == "start":
        FULL_COLLECTIONS[0] += 1
        _pass_start[0] = time.perf_counter()
    else:
        FULL_PASS_MS.append(round((time.perf_counter() - _pass_start[0]) * 1000.0, 1))


def _wait(app, condition, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the window did not get there in time: {what}")
        app.processEvents()
        time.sleep(0.002)


def _spin(app, seconds: float) -> None:
    _wait(app, lambda t=time.perf_counter() + seconds: time.perf_counter() > t, seconds + 5)


class GapMeter:
    """A 10 ms GUI timer; the longest gap between its ticks is the longest GUI stall. The GUI
    thread's own CPU time in that gap (time.thread_time) tells its work from waiting: on a
    loaded machine a gap may be the scheduler's or another thread's hold of the GIL."""

    def __init__(self):
        from PySide6.QtCore import QTimer
        self.last = self.last_cpu = 0.0
        self.max_gap = self.max_busy = 0.0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.max_gap = max(self.max_gap, now - self.last)
        self.max_busy = max(self.max_busy, cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def __enter__(self):
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.max_gap = self.max_busy = 0.0
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()
        self._tick()

    @property
    def max_gap_ms(self) -> float:
        return self.max_gap * 1000.0

    @property
    def max_busy_ms(self) -> float:
        return self.max_busy * 1000.0


def _count(folder: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(folder))


def _python_qobjects() -> tuple[int, int]:
    """QObjects Python holds (gc-tracked wrappers): (alive, their C++ object deleted). A wrapper
    made by measure()'s findChildren for a child Qt deletes itself (a status message's timer)
    outlives it: counted apart, the benchmark's own. Torch's deprecation noise kept quiet."""
    from PySide6.QtCore import QObject
    from shiboken6 import isValid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrappers = [o for o in gc.get_objects() if isinstance(o, QObject)]
    alive = sum(1 for o in wrappers if isValid(o))
    return alive, len(wrappers) - alive


def measure(window, export_dir: Path, collect: bool = False) -> dict:
    """collect: a full collection first (the app's own collector runs as it would otherwise,
    so Python-side counts include garbage it has not reached yet)."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication
    # the deferred deletes a running event loop makes (this script drives processEvents only)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if collect:
        gc.collect()
    py = _python_qobjects()
    rss = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    return {
        "rss_mb": rss / 1024.0,
        "threads": len(os.listdir("/proc/self/task")),
        "fds": len(os.listdir("/proc/self/fd")),
        "qobjects": len(window.findChildren(QObject)),
        "top_widgets": len(QApplication.topLevelWidgets()),
        "py_qobjects": py[0],
        "py_dead_wrappers": py[1],
        "temp_files": _count(TMP),
        "export_files": _count(export_dir),
        "all_files": _count(SCRATCH),  # the settings, the recovery copy, the portraits too
        "undo_steps": window.undo_stack.count(),
        "full_collections": FULL_COLLECTIONS[0],
    }


def portrait_variants(folder: Path) -> list[str | None]:
    """None (the bundled sample) and pictures made from it, as visitors bring them."""
    import cv2

    from core.samples import sample_portrait
    face = sample_portrait(512)[:, :, ::-1]
    variants = {
        "flipped.png": face[:, ::-1],
        "small.jpg": cv2.resize(face, (300, 300), interpolation=cv2.INTER_AREA),
        "dark.png": (face * 0.6).astype(np.uint8),
        "wide.jpg": cv2.copyMakeBorder(face, 0, 0, 160, 160, cv2.BORDER_REPLICATE),
    }
    paths: list[str | None] = [None]
    for name, image in variants.items():
        cv2.imwrite(str(folder / name), np.ascontiguousarray(image))
        paths.append(str(folder / name))
    return paths


class Booth:
    """The actions of one cycle, each timed under the heartbeat."""

    def __init__(self, app, window, portraits: list[str | None], export_dir: Path, voice):
        self.app, self.w = app, window
        self.portraits, self.export_dir, self.voice = portraits, export_dir, voice
        self.rng = np.random.default_rng(0)
        self.meter = GapMeter()
        self.live_frames = 0  # frames the last live window showed

    def settle(self, timeout: float = 60.0) -> None:
        w = self.w
        _wait(self.app, lambda: w.session.portrait is not None and not w.session.loading()
              and w.renderer.idle, timeout, "settled")
        _spin(self.app, 0.05)

    def close_dialogs(self) -> int:
        from PySide6.QtWidgets import QApplication, QMessageBox
        boxes = [b for b in QApplication.topLevelWidgets()
                 if isinstance(b, QMessageBox) and b.isVisible()]
        for box in boxes:
            box.done(0)  # the user presses OK
        return len(boxes)

    def portrait(self, cycle: int) -> None:
        path = self.portraits[cycle % len(self.portraits)]
        if path is None:
            self.w.use_samples()
        else:
            self.w.open_portrait(path)
        _spin(self.app, 0.02)
        self.settle()

    def sliders(self, _cycle: int) -> None:
        for slider in self.w.palette.sliders.sliders:
            slider.setValue(int(self.rng.integers(0, 101)))
            _spin(self.app, 0.03)
        self.settle()

    def aus(self, _cycle: int) -> None:
        cells = list(self.w.palette.au_grid.cells.values())
        for i in self.rng.choice(len(cells), 3, replace=False):
            cells[int(i)].button.click()
            _spin(self.app, 0.03)
        self.settle()

    def prompt(self, cycle: int) -> None:
        text = ("absolutely furious", "quietly happy", "a little sad", "")[cycle % 4]
        box = self.w.palette.prompt
        box.edit.setText(text)
        box.apply.click()
        _wait(self.app, lambda: self.w.project.mix.prompt == text and box.apply.isEnabled(),
              120, "prompt")
        self.settle()

    def scrub(self, _cycle: int) -> None:
        for t in self.rng.uniform(0.0, self.w.session.duration, 5):
            self.w.seek(float(t))
            _spin(self.app, 0.03)
        self.settle()

    def play(self, _cycle: int) -> None:
        self.w.seek(0.0)
        self.w.playback_toggle()
        _spin(self.app, 1.0)
        if self.w.playback.playing:
            self.w.playback_toggle()
        self.settle()

    def export(self, cycle: int) -> None:
        w = self.w
        w.open_export()
        dialog = w.export_dialog
        dialog.path.setText(str(self.export_dir / f"take{cycle % 3}.mp4"))
        dialog.size.setCurrentIndex(dialog.size.findData(256))
        dialog.start.setValue(0.0)
        dialog.end.setValue(0.4)
        dialog.start_export()
        _wait(self.app, lambda: not dialog.running, 120, "export")
        dialog.cancel_or_close()  # Close
        self.settle()

    def undo_redo(self, _cycle: int) -> None:
        stack = self.w.undo_stack
        for _ in range(4):
            stack.undo()
            _spin(self.app, 0.02)
        for _ in range(4):
            stack.redo()
            _spin(self.app, 0.02)
        self.settle()

    def engines(self, _cycle: int) -> None:
        w = self.w
        other = next((n for n in w.engine_actions if n != w.session.engine_name), None)
        if other is not None:
            w.refresh_engine_menu()
            w.switch_engine(other)
            _spin(self.app, 0.1)
            self.settle(300)
            w.switch_engine("rig")
            _spin(self.app, 0.1)
            self.settle(300)
        self.close_dialogs()

    def live(self, _cycle: int) -> None:
        """Live mode on a second of voice: it opens, shows frames, and is stopped (or ends with
        its input first: on a loaded machine before its third frame)."""
        from core.live.sources import FileSource
        w = self.w
        w.live.make_source = lambda: FileSource(self.voice)
        w.toggle_live(True)
        _wait(self.app, lambda: w.live.window is not None or not w.live.active, 60,
              "live window")
        window = w.live.window
        _wait(self.app, lambda: w.live.window is None or window.frames_shown > 2, 60,
              "live frames")
        self.live_frames = window.frames_shown if window is not None else 0
        w.toggle_live(False)
        _wait(self.app, lambda: not w.live.active, 30, "live stopped")
        self.close_dialogs()
        self.settle()

    ACTIONS = ("portrait", "sliders", "aus", "prompt", "scrub", "play", "export", "undo_redo",
               "engines", "live")

    def cycle(self, cycle: int) -> dict[str, float]:
        """{action: its longest GUI stall (ms), action + "_cpu": the GUI thread's CPU time in
        its longest busy gap (ms)}"""
        stalls = {}
        for name in self.ACTIONS:
            with self.meter:
                getattr(self, name)(cycle)
            stalls[name] = round(self.meter.max_gap_ms, 1)
            stalls[name + "_cpu"] = round(self.meter.max_busy_ms, 1)
        self.close_dialogs()
        return stalls

    def idle(self, seconds: float) -> dict[str, float]:
        with self.meter:
            _spin(self.app, seconds)
        return {"idle": round(self.meter.max_gap_ms, 1),
                "idle_cpu": round(self.meter.max_busy_ms, 1)}


def _quiet_offscreen(_kind, _context, message: str) -> None:
    """Qt's own lines, less the offscreen platform's one per window shown."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def slope(rows: list[dict], key: str) -> float:
    """Least-squares growth per cycle."""
    if len(rows) < 2:
        return float("nan")
    x = np.arange(len(rows), dtype=float)
    return float(np.polyfit(x, [r[key] for r in rows], 1)[0])


def summary(rows: list[dict], skip: int) -> dict:
    kept = rows[skip:] if len(rows) > skip + 2 else rows
    out = {f"{k}_per_cycle": round(slope(kept, k), 4) for k in METRICS}
    out.update({f"{k}_first": rows[0][k] for k in METRICS})
    out.update({f"{k}_last": rows[-1][k] for k in METRICS})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=60)
    parser.add_argument("--baseline", type=int, default=8, help="idle cycles first")
    parser.add_argument("--skip", type=int, default=5, help="warm-up cycles left out of slopes")
    args = parser.parse_args()

    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from app.settings import AppSettings
    from app.ui_constants import SAMPLE_VOICE
    from core.audio.io import load_audio
    from core.engines import create_engine

    app = QApplication.instance() or QApplication([sys.argv[0]])
    qInstallMessageHandler(_quiet_offscreen)
    gc.callbacks.append(_count_full)
    export_dir = SCRATCH / "exports"
    export_dir.mkdir()
    settings = AppSettings(str(SCRATCH / "soak.ini"))
    window = MainWindow(settings=settings, engine=create_engine("rig"))
    window.show()
    booth = Booth(app, window, portrait_variants(SCRATCH),
                  export_dir, load_audio(str(SAMPLE_VOICE), 16000).slice(0.0, 1.0))
    booth.settle(120)
    booth.cycle(0)  # everything loaded once (torch, the text encoder, ffmpeg) before counting
    cycle_s = []
    baseline, rows = [], []
    t0 = time.perf_counter()
    for i in range(args.baseline):
        stalls = booth.idle(2.0)
        baseline.append({**measure(window, export_dir), **stalls})
    for i in range(args.cycles):
        t = time.perf_counter()
        stalls = booth.cycle(i + 1)
        cycle_s.append(time.perf_counter() - t)
        row = {**measure(window, export_dir), **stalls, "cycle_s": round(cycle_s[-1], 2),
               "live_frames": booth.live_frames}
        rows.append(row)
        print(f"cycle {i + 1:3d} " + " ".join(f"{k}={row[k]:.1f}" if isinstance(row[k], float)
                                              else f"{k}={row[k]}" for k in METRICS)
              + f" stall={max(stalls[a] for a in Booth.ACTIONS):.0f}ms"
              f" ({max(Booth.ACTIONS, key=stalls.get)}) gui_cpu="
              f"{max(stalls[a + '_cpu'] for a in Booth.ACTIONS):.0f}ms"
              f" ({max(Booth.ACTIONS, key=lambda a: stalls[a + '_cpu'])})", flush=True)
    gc.callbacks.remove(_count_full)  # the pass below is the benchmark's own
    after = measure(window, export_dir, collect=True)
    window.project.dirty = False
    window.close()

    result = {
        "cycles": args.cycles,
        "seconds": round(time.perf_counter() - t0, 1),
        "baseline_idle": summary(baseline, 0),
        "booth": summary(rows, args.skip),
        "stall_ms_max": {k: max(r[k] for r in rows) for k in Booth.ACTIONS},
        "stall_ms_median": {k: float(np.median([r[k] for r in rows])) for k in Booth.ACTIONS},
        "gui_cpu_ms_max": {k: max(r[k + "_cpu"] for r in rows) for k in Booth.ACTIONS},
        "stalls_over_limit": sum(1 for r in rows for k in Booth.ACTIONS
                                 if r[k] > STALL_LIMIT_MS),
        "gui_cpu_over_limit": sum(1 for r in rows for k in Booth.ACTIONS
                                  if r[k + "_cpu"] > STALL_LIMIT_MS),
        "baseline_idle_stall_ms_max": max(r["idle"] for r in baseline),
        "load_average": os.getloadavg()[0],
        "full_pass_ms": FULL_PASS_MS,
        "after_full_collection": after,
        "rows": rows,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{'growth per cycle':18s} {'baseline (idle)':>16s} {'booth':>10s} "
          f"{'first':>9s} {'last':>9s}")
    for k in METRICS:
        print(f"{k:18s} {result['baseline_idle'][k + '_per_cycle']:16.3f} "
              f"{result['booth'][k + '_per_cycle']:10.3f} {result['booth'][k + '_first']:9.1f} "
              f"{result['booth'][k + '_last']:9.1f}")
    print(f"\nlongest GUI stall per action (ms): max / median; the GUI thread's CPU time in "
          f"its longest busy gap; load average {result['load_average']:.1f}")
    for k in Booth.ACTIONS:
        print(f"  {k:10s} {result['stall_ms_max'][k]:7.1f} / {result['stall_ms_median'][k]:6.1f}"
              f"   cpu {result['gui_cpu_ms_max'][k]:6.1f}")
    print(f"  idle       {result['baseline_idle_stall_ms_max']:7.1f}")
    print(f"gaps over {STALL_LIMIT_MS:.0f} ms: {result['stalls_over_limit']}; of the GUI "
          f"thread's own work: {result['gui_cpu_over_limit']}; full collector passes (ms): "
          f"{FULL_PASS_MS}")
    print(f"after a full collection at the end: py_qobjects {after['py_qobjects']} (first "
          f"cycle {rows[0]['py_qobjects']}), rss {after['rss_mb']:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
