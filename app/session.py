"""The app's link to core: the engine, the prepared portrait and the loaded audio.

Loading and preparing run in workers; results and failures come back as signals, so the GUI
thread never waits. Everything engine-facing goes through core.engine's interface.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from app.ui_constants import AUDIO_RATE, PREVIEW_FPS, PREVIEW_SIZE, SILENT_DURATION_S
from app.workers import Worker
from core.engine import Engine, RenderJob, create_engine
from core.errors import InputError
from core.mix import EmotionMix


@dataclass
class LoadedPortrait:
    path: str | None  # None = the built-in sample
    image: np.ndarray
    prepared: Any
    warmed: bool = False  # Session.warm_up ran for it

    @property
    def name(self) -> str:
        return Path(self.path).name if self.path else "sample portrait"


@dataclass
class LoadedAudio:
    path: str
    track: Any  # core.audio AudioTrack (samples, sample_rate, duration)

    @property
    def name(self) -> str:
        return Path(self.path).name


def read_image(path: str | None) -> np.ndarray:
    if path is None:
        from core.samples import sample_portrait
        return sample_portrait()
    try:
        from core.face.image_io import load_image
    except ImportError:
        raise InputError("Image loading is not available in this installation.") from None
    return load_image(path)


def read_audio(path: str):
    try:
        from core.audio.io import load_audio
    except ImportError:
        raise InputError("Audio loading is not available in this installation.") from None
    return load_audio(path, sample_rate=AUDIO_RATE)


class Session(QObject):
    engineReady = Signal(dict)  # engine.describe()
    portraitReady = Signal(object)  # LoadedPortrait
    audioReady = Signal(object)  # LoadedAudio | None
    failed = Signal(str, object)  # title, exception
    busy = Signal(str)  # what is loading ("" when idle)

    def __init__(self, engine_name: str = "rig", engine: Engine | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.engine_name = engine_name
        self.engine = engine
        self.portrait: LoadedPortrait | None = None
        self.audio: LoadedAudio | None = None
        self._workers: dict[str, Worker] = {}
        self.fps = PREVIEW_FPS
        self.preview_size = PREVIEW_SIZE

    # ----- loading (asynchronous, newest request per kind wins)
    def load_portrait(self, path: str | None) -> Worker:
        return self._run("portrait", _prepare_portrait, self, path,
                         done=self._portrait_done, title="Cannot use this portrait")

    def load_audio(self, path: str | None) -> Worker | None:
        if path is None:
            self.audio = None
            self.audioReady.emit(None)
            return None
        return self._run("audio", lambda p: LoadedAudio(p, read_audio(p)), path,
                         done=self._audio_done, title="Cannot use this audio")

    def _run(self, kind: str, fn, *args, done, title: str) -> Worker:
        old = self._workers.get(kind)
        if old is not None:
            old.cancel()
        worker = Worker(fn, *args)
        # isValid: a worker may outlive its window (the engine warm-up loads torch for seconds)
        worker.returned.connect(lambda r, w=worker: None if w.cancelled or not isValid(self)
                                else done(r))
        worker.errored.connect(lambda e: isValid(self) and self.failed.emit(title, e))
        worker.finished.connect(lambda k=kind, w=worker: isValid(self) and self._finished(k, w))
        self._workers[kind] = worker
        self.busy.emit(f"Loading {kind}…")
        return worker.start()

    def _finished(self, kind: str, worker: Worker) -> None:
        if self._workers.get(kind) is worker:
            del self._workers[kind]
        if not self._workers:
            self.busy.emit("")

    def warm_up(self) -> Worker | None:
        """After the first frame is on screen: let the engine load what later frames may need
        (e.g. torch for the rig's experts) in a worker, once per portrait."""
        loaded = self.portrait
        if loaded is None or self.engine is None or getattr(loaded, "warmed", False):
            return None
        loaded.warmed = True
        return self._run("engine", self.engine.warm_up, loaded.prepared, done=lambda _r: None,
                         title="Cannot load the engine")

    def ensure_engine(self) -> Engine:
        """Create the engine on first use (called from a worker: engines may load models)."""
        if self.engine is None:
            self.engine = create_engine(self.engine_name)
        return self.engine

    def _portrait_done(self, portrait: LoadedPortrait) -> None:
        self.portrait = portrait
        self.engineReady.emit(self.engine.describe())
        self.portraitReady.emit(portrait)

    def _audio_done(self, audio: LoadedAudio) -> None:
        self.audio = audio
        self.audioReady.emit(audio)

    def loading(self) -> bool:
        return bool(self._workers)

    # ----- jobs
    @property
    def duration(self) -> float:
        return float(self.audio.track.duration) if self.audio else SILENT_DURATION_S

    def job(self, mix: EmotionMix, start: float = 0.0, end: float | None = None,
            size: int | None = None, fps: int | None = None, keys=None) -> RenderJob | None:
        """A job over [start, end) seconds, or None when no portrait is ready. `keys` (a
        core.keyframes.KeyTrack) makes the emotion change along the take instead of `mix`."""
        if self.portrait is None or self.engine is None:
            return None
        end = self.duration if end is None else min(end, self.duration)
        fps = fps or self.fps
        start = min(max(0.0, start), max(0.0, end - 1.0 / fps))
        return RenderJob(portrait=self.portrait.prepared,
                         audio=self.audio.track if self.audio else None, mix=mix, fps=fps,
                         size=size or self.preview_size, start=start,
                         duration=max(1.0 / fps, end - start), keys=keys)


def _prepare_portrait(session: Session, path: str | None) -> LoadedPortrait:
    image = read_image(path)
    engine = session.ensure_engine()
    return LoadedPortrait(path, image, engine.prepare(image))
