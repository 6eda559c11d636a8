"""Single-frame preview rendering where the newest request wins.

Every control change calls `request(job, index)`; a dedicated thread renders only the latest
pending request (older ones are dropped unrendered) and emits `rendered(frame, latency_s)`.
The GUI thread never waits on the engine.
"""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal

from core.engine import Engine, RenderJob


class FrameRenderer(QObject):
    rendered = Signal(object, float, int)  # Frame, perf_counter() time of the request, request id
    failed = Signal(object)  # exception

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: tuple[Engine, RenderJob, int, float, int] | None = None
        self._stop = False
        self._busy = False
        self._next_id = 0
        self._thread = threading.Thread(target=self._loop, name="preview-frame", daemon=True)
        self._thread.start()

    def request(self, engine: Engine, job: RenderJob, index: int) -> int:
        with self._cond:
            self._next_id += 1
            self._pending = (engine, job, index, time.perf_counter(), self._next_id)
            self._cond.notify()
            return self._next_id

    @property
    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and not self._busy

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=2.0)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                engine, job, index, asked, rid = self._pending
                self._pending = None
                self._busy = True
            try:
                frame = engine.render_frame(job, index)
            except Exception as e:  # shown as a dialog by whoever listens
                self._emit(self.failed, e)
            else:
                self._emit(self.rendered, frame, asked, rid)
            finally:
                with self._cond:
                    self._busy = False

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the QObject was deleted while the app quits
            pass
