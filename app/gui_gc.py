"""Garbage collection on the GUI thread only.

Python's cycle collector runs in whichever thread happens to allocate when a threshold is
crossed: with workers busy (a text encoder loading, a clip rendering) that is usually a pool
thread. A collected cycle may hold Qt objects (a closed dialog and its lambdas, a worker's
signals), and a QObject destroyed off its own thread can deadlock Qt or crash it. So, while the
app runs, automatic collection is off and a GUI timer collects by the same generation
thresholds (pyqtgraph's GarbageCollector recipe), with Python's own rule for the full pass:
only once the old generation has grown by a quarter (GC_FULL_PASS_GROWTH). Workers' signal
objects are swept on the same tick (app/workers.py).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from app import workers
from app.ui_constants import GC_FULL_PASS_GROWTH, GC_INTERVAL_MS

_users = 0  # windows that asked for it; automatic collection is back when the last one goes


class _OldGeneration:
    """Python's bookkeeping for the full pass, one for the one heap (the main window's and a
    live window's collectors share it): counted when the first collector starts and after each
    full pass, not at a live window's start (listing 460k objects: a GUI stall of its own)."""

    left = 0  # objects in the old generation after the last full pass (or at the first start)
    grown = 0  # objects moved there since: those in the younger two at each middle pass


class GuiThreadGC(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = GC_INTERVAL_MS):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.active = False

    def start(self) -> GuiThreadGC:
        global _users
        if not self.active:
            self.active = True
            if _users == 0:
                _OldGeneration.left, _OldGeneration.grown = len(gc.get_objects(2)), 0
            _users += 1
            gc.disable()
            self.timer.start()
        return self

    def stop(self) -> None:
        """The last one to stop collects once more here and hands collection back to Python.
        One stopping while another window's collector runs (the live window's, under the main
        window) leaves its garbage to that one's ticks: a full collection here held the GUI
        thread 250-370 ms with torch loaded, at each live window's end (bench_soak)."""
        global _users
        if not self.active:
            return
        self.active = False
        self.timer.stop()
        _users -= 1
        workers.sweep()
        if _users == 0:
            gc.collect()
            gc.enable()

    def check(self) -> int:
        """One tick: collect the generations whose counts passed their thresholds."""
        workers.sweep()
        found = 0
        counts = gc.get_count()
        old = _OldGeneration
        for generation in range(3):
            if counts[generation] <= self.threshold[generation]:
                break
            if generation == 2 and old.grown < GC_FULL_PASS_GROWTH * old.left:
                break  # the whole heap for next to nothing new in it: not yet
            if generation == 1:  # the survivors of this pass grow old
                old.grown += len(gc.get_objects(0)) + len(gc.get_objects(1))
            found += gc.collect(generation)
            if generation == 2:
                old.left, old.grown = len(gc.get_objects(2)), 0
        return found
