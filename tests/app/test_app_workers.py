"""Workers report through signals and never block the GUI thread; newest preview request wins."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer

from app.frame_renderer import FrameRenderer
from app.workers import Worker
from core.engine import RenderJob
from tests.app.conftest import PaintEngine


def _slow_gen(n, cancel):
    for i in range(n):
        time.sleep(0.05)
        if cancel.cancelled:
            return "cancelled"
        yield i
    return "done"


def test_worker_signals_and_gui_stays_live(qtbot):
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    worker = Worker(_slow_gen, 8)
    got, returned = [], []
    worker.yielded.connect(got.append)
    worker.returned.connect(returned.append)
    with qtbot.waitSignals([worker.started, worker.returned, worker.finished], timeout=5000):
        worker.start()
    timer.stop()
    assert got == list(range(8)) and returned == ["done"]
    gaps = np.diff(ticks)
    assert len(ticks) > 15 and gaps.max() < 0.15  # the event loop kept running throughout


def test_worker_cancel_and_error(qtbot):
    worker = Worker(_slow_gen, 100)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
        qtbot.wait(120)
        worker.cancel()
    assert worker.cancelled

    def boom():
        raise ValueError("bad")

    bad = Worker(boom)
    with qtbot.waitSignal(bad.errored, timeout=5000) as blocker:
        bad.start()
    assert isinstance(blocker.args[0], ValueError)


def test_newest_request_wins(qtbot, portrait):
    class Slow(PaintEngine):
        def render_frame(self, job, index):
            time.sleep(0.05)
            return super().render_frame(job, index)

    engine = Slow()
    job = RenderJob(portrait=engine.prepare(portrait), duration=2.0)
    renderer = FrameRenderer()
    shown = []
    renderer.rendered.connect(lambda frame, asked, rid: shown.append(frame.index))
    t0 = time.perf_counter()
    for i in range(10):
        renderer.request(engine, job, i)
    assert time.perf_counter() - t0 < 0.05  # requests return at once
    qtbot.waitUntil(lambda: bool(renderer.idle and shown and shown[-1] == 9), timeout=5000)
    assert len(shown) <= 3  # stale requests were dropped, not rendered
    renderer.stop()
