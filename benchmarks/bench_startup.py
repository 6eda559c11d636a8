"""App start-up: from `python main.py` to the window's first paint and to the sample portrait's
first rendered frame painted in the preview. Each run is a fresh process with fresh settings.

Run:  .venv/bin/python benchmarks/bench_startup.py                  # 5 runs, Qt offscreen
      .venv/bin/python benchmarks/bench_startup.py --xvfb           # under Xvfb :98 (needs
                                                                    # Qt's xcb libraries)
      .venv/bin/python benchmarks/bench_startup.py --compare /path/to/old/checkout
      .venv/bin/python benchmarks/bench_startup.py --cold     # no project bytecode

The app runs unmodified: a small harness (PROBE) wraps `main.py`, watching the main window's
first Paint event and the preview's first Paint after its first frame was set. Times are from
the moment the child process is spawned (CLOCK_MONOTONIC, shared by both processes). The
baseline in the same run: the bare interpreter start plus `import PySide6.QtWidgets` and a
QApplication showing an empty window (what no app can go below).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120

PROBE = """
import json, os, runpy, sys, time
sys.path.insert(0, os.getcwd())
from PySide6.QtCore import QEvent, QObject
import app.main_window as mw
import app.preview as pv

moments = {}


def mark(name):
    moments.setdefault(name, time.monotonic())
    if len(moments) == 2:
        print("MOMENTS " + json.dumps(moments), flush=True)
        os._exit(0)  # no teardown, no settings written


class Watch(QObject):
    def __init__(self, name, ready=lambda: True):
        super().__init__()
        self.name, self.ready = name, ready

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and self.ready():
            mark(self.name)
        return False


show = mw.MainWindow.show


def show_and_watch(self):
    self._watch_window = Watch("first_paint")
    self.installEventFilter(self._watch_window)
    view = self.preview.view.viewport()
    self._watch_frame = Watch("first_frame", lambda: self.preview.image.image is not None)
    view.installEventFilter(self._watch_frame)
    show(self)


mw.MainWindow.show = show_and_watch
sys.argv = ["main.py"]
runpy.run_path("main.py", run_name="__main__")
"""

FLOOR = """
import json, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow


class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("MOMENTS " + json.dumps({"first_paint": time.monotonic()}), flush=True)
            import os
            os._exit(0)
        return False


app = QApplication(sys.argv)
w = QMainWindow()
w.resize(1280, 800)
watch = Watch()
w.installEventFilter(watch)
w.show()
app.exec()
"""


def run_child(code: str, cwd: Path, env: dict) -> dict:
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=TIMEOUT_S, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("MOMENTS "):
            return {k: v - t0 for k, v in json.loads(line[8:]).items()}
    sys.exit(f"no start-up moments reported (exit {out.returncode}):\n{out.stderr[-2000:]}")


def display_env(use_xvfb: bool) -> tuple[dict, subprocess.Popen | None]:
    env = dict(os.environ)
    xvfb = shutil.which("Xvfb") if use_xvfb else None
    if xvfb is None:
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env, None
    display = ":98"
    proc = subprocess.Popen([xvfb, display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    return env, proc


def bytecode(root: Path, cold: bool) -> None:
    """Steady state (default): the project's modules compiled, as after a first launch or
    `pip install .` (this machine sets PYTHONDONTWRITEBYTECODE=1, so a launch never writes them,
    and each start compiled ~100 modules, 0.15-0.2 s of the GUI thread). Cold: none."""
    folders = [root / "app", root / "core"]
    if cold:
        for folder in folders:
            for cache in folder.rglob("__pycache__"):
                shutil.rmtree(cache, ignore_errors=True)
        return
    subprocess.run([sys.executable, "-m", "compileall", "-q", *map(str, folders),
                    str(root / "main.py")], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, PYTHONDONTWRITEBYTECODE=""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--xvfb", action="store_true", help="run under Xvfb :98, not offscreen")
    ap.add_argument("--compare", metavar="CHECKOUT", help="also start another checkout's app")
    ap.add_argument("--cold", action="store_true",
                    help="no bytecode for the project's own modules (a first launch from a fresh "
                         "checkout, or a machine with PYTHONDONTWRITEBYTECODE=1): each run "
                         "compiles app/ and core/ from source")
    a = ap.parse_args()
    env, xvfb = display_env(a.xvfb)
    checkouts = {"this checkout": ROOT}
    if a.compare:
        checkouts["compare"] = Path(a.compare).resolve()
    for root in checkouts.values():
        bytecode(root, cold=a.cold)
    if a.cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    rows: dict[str, list[dict]] = {"bare Qt window (floor)": []}
    rows.update({name: [] for name in checkouts})
    try:
        with tempfile.TemporaryDirectory() as home:
            for _ in range(a.runs):  # interleaved, so load on a shared machine hits all alike
                env_run = dict(env, HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home)
                rows["bare Qt window (floor)"].append(run_child(FLOOR, ROOT, env_run))
                for name, root in checkouts.items():
                    shutil.rmtree(Path(home), ignore_errors=True)
                    Path(home).mkdir(exist_ok=True)
                    rows[name].append(run_child(PROBE, root, env_run))
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
    platform = env.get("QT_QPA_PLATFORM")
    print(f"app start-up, {a.runs} runs, platform {platform}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, "
          f"{'cold (no project bytecode)' if a.cold else 'project bytecode compiled'}")
    print(f"{'':24} {'first paint s (median, range)':>30} {'first frame s (median, range)':>30}")
    for name, runs in rows.items():
        cells = []
        for key in ("first_paint", "first_frame"):
            v = [r[key] for r in runs if key in r]
            cells.append(f"{statistics.median(v):6.2f} ({min(v):.2f}-{max(v):.2f})" if v else "-")
        print(f"{name:24} {cells[0]:>30} {cells[1]:>30}")


if __name__ == "__main__":
    main()
