"""Background work, napari style: a worker runs a function or generator on the thread pool and
reports through started / yielded / returned / errored / finished signals. Cancel sets the
engine's interrupt flag (core.engine.CancelToken), which the job checks between frames.

Thread rule: Qt objects are created, collected and destroyed on the GUI thread only. A worker
is a plain Python object run through `QThreadPool.start(callable)`; its signal object is held
here until the worker itself is gone, then released by `sweep()` on the GUI thread, so it can
never be deleted on a pool thread (by a dropped last reference or by the cycle collector: see
app/gui_gc.py).
"""
from __future__ import annotations

import inspect
import threading
import warnings
import weakref
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal, Slot

from app.ui_constants import SWEEP_AGAIN_MS
from core.engine import CancelToken
from core.errors import Cancelled


class WorkerSignals(QObject):
    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)  # the exception
    finished = Signal()


class Worker:
    """Run `fn(*args, cancel=token, **kwargs)` (when fn accepts `cancel`) off the GUI thread.

    A generator function has each item emitted as `yielded`; its return value as `returned`.
    Cancelled jobs finish without `errored`. Create and start workers on the GUI thread.
    """

    def __init__(self, fn: Callable, *args, **kwargs):
        self.signals = WorkerSignals()
        self.token = CancelToken()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        if "cancel" in inspect.signature(fn).parameters:
            self._kwargs["cancel"] = self.token
        self.is_running = False
        self.done = False
        self.signals.finished.connect(_janitor().finished)

    # signal shortcuts, so callers write worker.returned.connect(...)
    def __getattr__(self, name):
        if name in ("started", "yielded", "returned", "errored", "finished"):
            return getattr(self.signals, name)
        raise AttributeError(name)

    def cancel(self) -> None:
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def start(self, pool: QThreadPool | None = None) -> Worker:
        _hold(self)
        (pool or QThreadPool.globalInstance()).start(partial(_execute, self))
        return self

    def run(self) -> None:  # runs on a pool thread
        self.is_running = True
        self._emit("started")
        try:
            result = self._fn(*self._args, **self._kwargs)
            if inspect.isgenerator(result):
                result = self._drain(result)
            if not self.token.cancelled:
                self._emit("returned", result)
        except Cancelled:
            pass
        except BaseException as e:  # every failure goes to the GUI as a dialog
            if not self.token.cancelled:
                self._emit("errored", e)
        finally:
            self.is_running = False
            self.done = True
            self._emit("finished")

    def _emit(self, name: str, *args) -> None:
        try:
            getattr(self.signals, name).emit(*args)
        except RuntimeError:  # the app quit while this ran (e.g. an engine warm-up): no one waits
            pass

    def _drain(self, gen):
        while True:
            if self.token.cancelled:
                gen.close()
                return None
            try:
                item = next(gen)
            except StopIteration as stop:
                return stop.value
            self._emit("yielded", item)


def _execute(worker: Worker) -> None:
    worker.run()


# ----- releasing workers' Qt objects on the GUI thread (the pool keeps a started worker alive:
# it holds the callable, and so the worker, until it has run)
# [weak ref to the worker, its signals, `finished` delivered on the GUI thread]: the signals
# are let go only when both hold, so no queued slot call is lost and no pool thread deletes them
_held: list[list] = []
_lock = threading.Lock()


def _hold(worker: Worker) -> None:
    with _lock:
        _held.append([weakref.ref(worker), worker.signals, False])


def sweep() -> int:
    """GUI thread: let go of the signal objects of finished workers that are gone.
    Returns how many signal objects are still held."""
    with _lock:
        _held[:] = [e for e in _held if not (e[2] and e[0]() is None)]
        return len(_held)


class _Janitor(QObject):
    """Lives on the GUI thread, so `finished` (emitted on a pool thread) reaches it there, first
    of that worker's slots (it is connected first). It sweeps a moment later: after the other
    slots have run and the pool thread has let go of the worker."""

    @Slot()
    def finished(self) -> None:
        sender = self.sender()
        with _lock:
            for entry in _held:
                if entry[1] is sender:
                    entry[2] = True
        QTimer.singleShot(SWEEP_AGAIN_MS, partial(_retire, sender))


def _retire(signals: WorkerSignals) -> None:
    """After `finished` has reached every slot: cut the connections. A slot that captured its
    worker (`lambda r, w=worker: ...`) would otherwise keep it alive through Qt, out of reach
    of the cycle collector, with its arguments (a portrait, a job) for as long as the app runs."""
    for name in ("started", "yielded", "returned", "errored", "finished"):
        with warnings.catch_warnings():  # PySide warns when a signal had no slot
            warnings.simplefilter("ignore", RuntimeWarning)
            getattr(signals, name).disconnect()
    sweep()


_JANITOR: _Janitor | None = None


def _janitor() -> _Janitor:
    global _JANITOR
    if _JANITOR is None:
        _JANITOR = _Janitor()
    return _JANITOR
