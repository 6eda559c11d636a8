"""Workers report through signals and never block the GUI thread; newest preview request wins."""
from __future__ import annotations

import time

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
    events = []  # one list, in GUI-thread order: timer ticks and the worker's yields
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: events.append("tick"))
    timer.start()
    worker = Worker(_slow_gen, 8)
    got, returned = [], []
    worker.yielded.connect(got.append)
    worker.yielded.connect(lambda v: events.append(v))
    worker.returned.connect(returned.append)
    with qtbot.waitSignals([worker.started, worker.returned, worker.finished], timeout=5000):
        worker.start()
    timer.stop()
    assert got == list(range(8)) and returned == ["done"]
    # the event loop kept running while the worker ran: the GUI timer fired between its yields
    between = events[events.index(0): events.index(7)]
    assert between.count("tick") >= 3, events


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
    # requests return at once: rendering even one frame in the caller would take 0.05 s
    assert time.perf_counter() - t0 < 0.05 * 10 / 2
    qtbot.waitUntil(lambda: bool(renderer.idle and shown and shown[-1] == 9), timeout=5000)
    assert len(shown) <= 3  # stale requests were dropped, not rendered
    renderer.stop()


def test_worker_qt_objects_die_on_the_gui_thread(qtbot):
    """A worker dropped by its caller while it runs (newest request wins) must not take its
    signal object down on the pool thread: it is released by the GUI thread's sweep."""
    import gc
    import threading
    import weakref

    from PySide6.QtCore import Qt

    gui = threading.get_ident()
    died_on: list[int] = []
    worker = Worker(_slow_gen, 4)
    worker.signals.destroyed.connect(lambda *_: died_on.append(threading.get_ident()),
                                     Qt.ConnectionType.DirectConnection)
    finished: list[bool] = []
    worker.finished.connect(lambda: finished.append(True))
    # a slot that captures its worker (as Session does) must not keep it alive through Qt
    worker.returned.connect(lambda result, w=worker: None)
    probe = weakref.ref(worker)
    worker.start()
    del worker  # the caller lets go at once; only the pool and the sweep hold it now
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)  # every slot still gets its call
    qtbot.waitUntil(lambda: bool(died_on), timeout=5000)
    assert died_on == [gui]
    gc.collect()
    assert probe() is None


def test_gui_thread_gc_collects_cycles_on_its_timer(qtbot):
    """While a window runs, Python's automatic collection is off and the GUI timer collects,
    so cyclic garbage (which may hold Qt objects) is never collected on a worker thread."""
    import gc
    import weakref

    from app.gui_gc import GuiThreadGC

    class Node:
        pass

    guard = GuiThreadGC(interval_ms=20).start()
    try:
        assert not gc.isenabled()
        probes = []
        for _ in range(gc.get_threshold()[0] + 1):  # enough cycles to pass generation 0's threshold
            a, b = Node(), Node()
            a.other, b.other = b, a
            probes.append(weakref.ref(a))
        del a, b
        assert probes[0]() is not None  # nothing collected them on the spot
        qtbot.waitUntil(lambda: all(p() is None for p in probes), timeout=3000)
    finally:
        guard.stop()
    assert gc.isenabled()
