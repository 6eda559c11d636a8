"""The app's feel, measured on the real window (offscreen Qt, rig engine, sample portrait):

- control -> frame on screen: a palette slider moves, the preview shows the new frame; median
  and p95 over many moves, against the bare `engine.render_frame` of the same frame measured in
  the same run (the ratio is what the GUI path adds: signals, thread hop, drawing);
- GUI stalls while work runs in workers: the longest gap of a 10 ms GUI timer while the text
  encoder loads for the first time (a prompt applied), and while a preview clip plays.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py
Results: benchmarks/results/gui.json.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
OUT = ROOT / "benchmarks" / "results" / "gui.json"
MOVES = 60


def _wait(app, condition, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.001)


class GapMeter:
    """A 10 ms GUI timer; the longest gap between its ticks is the longest GUI stall."""

    def __init__(self):
        from PySide6.QtCore import QTimer
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self):
        self.ticks.clear()
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()

    @property
    def max_gap_ms(self) -> float:
        return float(np.diff(self.ticks).max() * 1000.0) if len(self.ticks) > 1 else float("nan")


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from app.settings import AppSettings
    from core.engines import create_engine

    app = QApplication.instance() or QApplication([sys.argv[0]])
    settings = AppSettings(str(Path(tempfile.mkdtemp()) / "bench.ini"))
    window = MainWindow(settings=settings, engine=create_engine("rig"))
    window.show()
    _wait(app, lambda: window.session.portrait is not None and not window.session.loading())
    _wait(app, lambda: window.renderer.idle and window.preview.image.image is not None)
    _wait(app, lambda: not window.session.loading())  # the engine's warm-up after frame one

    # control -> frame on screen
    slider = window.palette.sliders.sliders[0]
    values = np.random.default_rng(0).integers(0, 101, MOVES)
    window.latencies_ms.clear()
    for v in values:
        shown = len(window.latencies_ms)
        slider.setValue(int(v) if int(v) != slider.value() else (int(v) + 7) % 101)
        _wait(app, lambda n=shown: len(window.latencies_ms) > n and window.renderer.idle)
    gui_ms = np.asarray(window.latencies_ms)

    job = window._job()
    engine = window.session.engine
    bare = []
    for _ in range(MOVES):
        t = time.perf_counter()
        engine.render_frame(job, 0)
        bare.append((time.perf_counter() - t) * 1000.0)
    bare_ms = float(np.median(bare))

    # GUI stalls: the first prompt (the text encoder loads in a worker), and playback
    meter = GapMeter()
    with meter:
        t = time.perf_counter()
        window.palette.prompt.edit.setText("absolutely furious")
        window.palette.prompt.apply.click()
        _wait(app, lambda: window.project.mix.prompt == "absolutely furious", timeout=120)
        prompt_s = time.perf_counter() - t
    prompt_gap = meter.max_gap_ms
    with meter:
        window.playback_toggle()
        t = time.perf_counter()
        _wait(app, lambda: time.perf_counter() - t > 3.0)
        shown_fps = window.playback.shown_fps()
        window.playback_toggle()
    play_gap = meter.max_gap_ms

    window.project.dirty = False  # nothing to ask about on close
    window.close()
    result = {
        "engine": engine.name,
        "preview_size": int(job.size or 0),
        "moves": MOVES,
        "control_to_frame_ms_median": round(float(np.median(gui_ms)), 1),
        "control_to_frame_ms_p95": round(float(np.percentile(gui_ms, 95)), 1),
        "bare_render_frame_ms_median": round(bare_ms, 1),
        "ratio_vs_bare_render": round(float(np.median(gui_ms)) / bare_ms, 2),
        "first_prompt_s": round(prompt_s, 2),
        "max_gui_stall_ms_first_prompt": round(prompt_gap, 1),
        "max_gui_stall_ms_playback": round(play_gap, 1),
        "playback_shown_fps": round(float(shown_fps or 0.0), 1),
    }
    print(f"control -> frame: median {result['control_to_frame_ms_median']} ms, p95 "
          f"{result['control_to_frame_ms_p95']} ms; bare render_frame "
          f"{result['bare_render_frame_ms_median']} ms (ratio {result['ratio_vs_bare_render']}x)")
    print(f"first prompt {result['first_prompt_s']} s, longest GUI stall meanwhile "
          f"{result['max_gui_stall_ms_first_prompt']} ms; playback stall "
          f"{result['max_gui_stall_ms_playback']} ms at {result['playback_shown_fps']} fps shown")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
