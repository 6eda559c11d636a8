"""Single-frame preview rendering where the newest request wins.

Every control change calls `request(job, index)`; a dedicated thread renders only the latest
pending request (older ones are dropped unrendered) and emits `rendered(frame, latency_s)`.
The GUI thread never waits on the engine.

An engine whose render_frame takes progress and cancel (the diffusion engine: minutes a frame
off a GPU) reports `progressed(request id, frames done, frames needed)` from its start, and a
newer request, or `cancel()`, stops it at its next step instead of after it.
"""
from __future__ import annotations

import inspect
import threading
import time

from PySide6.QtCore import QObject, Signal

from core.engine import CancelToken, Engine, RenderJob
from core.errors import Cancelled


class FrameRenderer(QObject):
    rendered = Signal(object, float, int)  # Frame, perf_counter() time of the request, request id
    failed = Signal(object)  # exception
    progressed = Signal(int, int, int)  # request id, frames done, frames its frame needs

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: tuple[Engine, RenderJob, int, float, int] | None = None
        self._stop = False
        self._busy = False
        self._next_id = 0
        self._token: CancelToken | None = None  # the running render's, when it takes one
        self._thread = threading.Thread(target=self._loop, name="preview-frame", daemon=True)
        self._thread.start()

    def request(self, engine: Engine, job: RenderJob, index: int) -> int:
        with self._cond:
            self._next_id += 1
            self._pending = (engine, job, index, time.perf_counter(), self._next_id)
            if self._token is not None:  # the newest wins: the one running stops
                self._token.cancel()
            self._cond.notify()
            return self._next_id

    def cancel(self) -> None:
        """Drop the pending request and stop the running one (an engine switch)."""
        with self._cond:
            self._pending = None
            if self._token is not None:
                self._token.cancel()

    @property
    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and not self._busy

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            if self._token is not None:
                self._token.cancel()
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
                kwargs = self._reporting(engine, rid, index)
            try:
                frame = engine.render_frame(job, index, **kwargs)
            except Cancelled:  # a newer request (or a switch) stopped it: nothing to show
                pass
            except Exception as e:  # shown as a dialog by whoever listens
                self._emit(self.failed, e)
            else:
                self._emit(self.rendered, frame, asked, rid)
            finally:
                with self._cond:
                    self._busy, self._token = False, None

    def _reporting(self, engine: Engine, rid: int, index: int) -> dict:
        """progress and cancel for an engine's render_frame that takes them (under the lock)."""
        if not _takes_progress(engine):
            return {}
        token = self._token = CancelToken()
        self._emit(self.progressed, rid, 0, index + 1)  # working, before its first step ends

        def progress(done: int, total: int) -> None:
            if not token.cancelled:  # a stopped frame says no more
                self._emit(self.progressed, rid, done, total)
        return {"progress": progress, "cancel": token}

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the QObject was deleted while the app quits
            pass


def _takes_progress(engine: Engine) -> bool:
    """Whether engine.render_frame takes progress and cancel (the rig's frame is quick and
    takes neither)."""
    params = inspect.signature(engine.render_frame).parameters
    return "progress" in params and "cancel" in params
