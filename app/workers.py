"""Background work, napari style: a worker runs a function or generator on the thread pool and
reports through started / yielded / returned / errored / finished signals. Cancel sets the
engine's interrupt flag (core.engine.CancelToken), which the job checks between frames.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.engine import CancelToken
from core.errors import Cancelled


class WorkerSignals(QObject):
    started = Signal()
    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)  # the exception
    finished = Signal()


class Worker(QRunnable):
    """Run `fn(*args, cancel=token, **kwargs)` (when fn accepts `cancel`) off the GUI thread.

    A generator function has each item emitted as `yielded`; its return value as `returned`.
    Cancelled jobs finish without `errored`.
    """

    def __init__(self, fn: Callable, *args, **kwargs):
        super().__init__()
        self.setAutoDelete(False)  # the Python object owns the lifetime (signals stay valid)
        self.signals = WorkerSignals()
        self.token = CancelToken()
        self._fn, self._args, self._kwargs = fn, args, kwargs
        if "cancel" in inspect.signature(fn).parameters:
            self._kwargs["cancel"] = self.token
        self.is_running = False
        self.done = False

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
        _live.add(self)
        (pool or QThreadPool.globalInstance()).start(self)
        return self

    def run(self) -> None:  # runs on a pool thread
        self.is_running = True
        self.signals.started.emit()
        try:
            result = self._fn(*self._args, **self._kwargs)
            if inspect.isgenerator(result):
                result = self._drain(result)
            if not self.token.cancelled:
                self.signals.returned.emit(result)
        except Cancelled:
            pass
        except BaseException as e:  # every failure goes to the GUI as a dialog
            if not self.token.cancelled:
                self.signals.errored.emit(e)
        finally:
            self.is_running = False
            self.done = True
            self.signals.finished.emit()
            _live.discard(self)

    def _drain(self, gen):
        while True:
            if self.token.cancelled:
                gen.close()
                return None
            try:
                item = next(gen)
            except StopIteration as stop:
                return stop.value
            self.signals.yielded.emit(item)


_live: set[Worker] = set()  # keeps running workers alive while the pool holds them


def run_worker(fn: Callable, *args, on_returned=None, on_errored=None, on_yielded=None,
               on_finished=None, **kwargs) -> Worker:
    """Create, connect and start a worker in one call."""
    worker = Worker(fn, *args, **kwargs)
    for signal, slot in ((worker.signals.returned, on_returned), (worker.signals.errored, on_errored),
                         (worker.signals.yielded, on_yielded), (worker.signals.finished, on_finished)):
        if slot is not None:
            signal.connect(slot)
    return worker.start()
