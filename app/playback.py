"""Playback, friture style: a clip worker fills a ring of frames ahead of the playhead; a GUI
QTimer polls the audio clock and shows the frame due now. No signal per frame is needed."""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from app.audio_player import AudioPlayer
from app.ui_constants import FPS_WINDOW, PLAYBACK_POLL_MS, RING_FRAMES
from app.workers import Worker
from core.engine import CancelToken, Engine, Frame, RenderJob


class FrameRing:
    """Frames keyed by index; the producer blocks when it is `capacity` frames ahead."""

    def __init__(self, capacity: int = RING_FRAMES):
        self.capacity = capacity
        self._frames: dict[int, Frame] = {}
        self._cond = threading.Condition()
        self._consumer = 0
        self.produced = deque(maxlen=FPS_WINDOW)  # perf_counter times of produced frames

    def put(self, key: int, frame: Frame, cancel: CancelToken) -> None:
        with self._cond:
            while key - self._consumer >= self.capacity and not cancel.cancelled:
                self._cond.wait(timeout=0.05)
            self._frames[key] = frame
            self.produced.append(time.perf_counter())

    def take(self, key: int) -> Frame | None:
        """The newest frame at or before `key`; older ones are dropped."""
        with self._cond:
            self._consumer = key
            ready = [k for k in self._frames if k <= key]
            if not ready:
                return None
            best = max(ready)
            frame = self._frames[best]
            for k in ready:
                del self._frames[k]
            self._cond.notify_all()
            return frame

    def clear(self, consumer: int = 0) -> None:
        with self._cond:
            self._frames.clear()
            self._consumer = consumer
            self._cond.notify_all()

    def render_fps(self) -> float | None:
        times = list(self.produced)
        if len(times) < 2 or times[-1] == times[0]:
            return None
        return (len(times) - 1) / (times[-1] - times[0])


JobFactory = Callable[[float, float], RenderJob | None]  # (start, end) seconds -> job


class Playback(QObject):
    frameShown = Signal(object)  # Frame
    position = Signal(float)  # seconds
    stateChanged = Signal(bool)  # playing
    message = Signal(str)  # e.g. "no audio device"
    failed = Signal(object)  # exception from the clip worker

    def __init__(self, player: AudioPlayer | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.player = player or AudioPlayer()
        self.ring = FrameRing()
        self.timer = QTimer(self)
        self.timer.setInterval(PLAYBACK_POLL_MS)
        self.timer.timeout.connect(self._tick)
        self.engine: Engine | None = None
        self.make_job: JobFactory | None = None
        self.fps = 25
        self.range = (0.0, 0.0)  # what plays: the loop range or the whole clip
        self.loop = False
        self.playing = False
        self.t = 0.0
        self._worker: Worker | None = None
        self._shown = deque(maxlen=FPS_WINDOW)
        self._told_silent = False

    def configure(self, engine: Engine | None, make_job: JobFactory, fps: int) -> None:
        self.engine, self.make_job, self.fps = engine, make_job, fps

    # ----- control
    def play(self) -> None:
        if self.engine is None or self.make_job is None or self.playing:
            return
        start, end = self.range
        if not start <= self.t < end - 1.0 / self.fps:
            self.t = start
        self.playing = True
        self._start_clock()
        self._start_clip()
        self.timer.start()
        self.stateChanged.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing = False
        self.timer.stop()
        self.t = self.player.time()
        self.player.stop()
        self._stop_clip()
        self.stateChanged.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, t: float) -> None:
        self.t = max(0.0, t)
        if self.playing:
            self._start_clock()
            self._start_clip()

    def restart_clip(self) -> None:
        """The condition changed while playing: re-render from the playhead."""
        if self.playing:
            self.t = self.player.time()
            self._start_clip()

    def shutdown(self) -> None:
        self.timer.stop()
        self.player.stop()
        self._stop_clip()

    # ----- internals
    def _start_clock(self) -> None:
        reason = self.player.start(self.t)
        if reason and not self._told_silent:
            self._told_silent = True
            self.message.emit(reason)

    def _start_clip(self) -> None:
        self._stop_clip()
        job = self.make_job(self.t, self.range[1])
        if job is None:
            return
        first = int(round(self.t * self.fps))
        self.ring.clear(first)
        self._worker = Worker(_produce, self.engine, job, self.ring)
        self._worker.errored.connect(self._clip_failed)
        self._worker.start()

    def _stop_clip(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def _clip_failed(self, error: BaseException) -> None:
        self.pause()
        self.failed.emit(error)

    def _tick(self) -> None:
        t = self.player.time()
        start, end = self.range
        if t >= end:
            if self.loop:
                self.seek(start)
                t = start
            else:
                self.t = end
                self.pause()
                self.position.emit(end)
                return
        frame = self.ring.take(int(t * self.fps))
        if frame is not None:
            self._shown.append(time.perf_counter())
            self.frameShown.emit(frame)
        self.position.emit(t)

    def shown_fps(self) -> float | None:
        times = list(self._shown)
        if len(times) < 2 or time.perf_counter() - times[-1] > 1.0:
            return None
        return (len(times) - 1) / (times[-1] - times[0])


def _produce(engine: Engine, job: RenderJob, ring: FrameRing, cancel: CancelToken) -> None:
    """Clip worker: stream the job's frames into the ring (blocks when far enough ahead)."""
    for frame in engine.frames(job, cancel=cancel):
        if cancel.cancelled:
            return
        ring.put(int(round(frame.time * job.fps)), frame, cancel)
