"""The app's link to core: the engine, the prepared portrait and the loaded audio.

Loading and preparing run in workers; results and failures come back as signals, so the GUI
thread never waits. Everything engine-facing goes through core.engine's interface.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from app.path_text import shown_name
from app.ui_constants import (
    AUDIO_RATE,
    GATE_CURVE_MAX_POINTS,
    GATE_CURVE_RATE,
    PREVIEW_FPS,
    PREVIEW_SIZE,
    SILENT_DURATION_S,
)
from app.workers import Worker
from core.engine import Engine, RenderJob
from core.engines import create_engine
from core.mix import EmotionMix
from core.track import TrackBuilder

PORTRAIT_FAILED = "Cannot use this portrait"  # Session.failed's title for a portrait


@dataclass
class LoadedPortrait:
    path: str | None  # None = the built-in sample
    image: np.ndarray
    prepared: Any
    warmed: bool = False  # Session.warm_up ran for it
    frame: str = "picture"  # what of the picture `image` is (core/face/framing.py)

    @property
    def name(self) -> str:
        return shown_name(self.path) if self.path else "sample portrait"


@dataclass
class LoadedAudio:
    path: str
    track: Any  # core.audio AudioTrack (samples, sample_rate, duration)

    @property
    def name(self) -> str:
        return shown_name(self.path)


def read_image(path: str | None, frame: str = "picture") -> np.ndarray:
    if path is None:
        from core.face.framing import frame_picture
        from core.samples import sample_portrait
        return frame_picture(sample_portrait(), frame)
    from core.face.portrait_file import read_portrait
    # a face found only in the file's own pixels (a full-length photo): framed, it is animated
    return read_portrait(path, frame, "tick File > Frame the face and open the picture again")


def read_audio(path: str):
    from core.audio.io import load_audio
    return load_audio(path, sample_rate=AUDIO_RATE)


class Session(QObject):
    # engine.describe(), with "speed": engine.speed_line() when it renders far slower than
    # real time here (measured in the worker that built it)
    engineReady = Signal(dict)
    portraitReady = Signal(object)  # LoadedPortrait
    audioReady = Signal(object)  # LoadedAudio | None
    failed = Signal(str, object)  # title, exception
    # engine name, its exception, and the portrait asked for's exception when that one failed
    # too (tried with the engine that stays): said together. The previous engine stays.
    engineFailed = Signal(str, object, object)
    busy = Signal(str)  # what is loading ("" when idle)

    def __init__(self, engine_name: str = "rig", engine: Engine | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.engine_name = engine_name
        self.engine = engine
        self.portrait: LoadedPortrait | None = None
        self.frame = "picture"  # what portraits load as: the project's portrait_frame
        self.audio: LoadedAudio | None = None
        self._workers: dict[str, Worker] = {}
        # bumped by switch_project: a load started under an older number was for another project
        self.generation = 0
        # (path, frame) of the portrait last asked for (None: none is); what a switch prepares
        self._wanted: tuple | None = None
        # the voice last asked for (the one shown, or one loading) and the one asked for before
        self._audio_asked: tuple[str | None, str | None] = (None, None)
        self._switching: str | None = None  # the engine a switch under way brings
        self.fps = PREVIEW_FPS
        self.preview_size = PREVIEW_SIZE

    # ----- loading (asynchronous, newest request per kind wins)
    # The rule between portraits and engines: the engine and the portrait it renders are set
    # together, the portrait always prepared by that engine. While an engine switch is under way
    # a portrait asked for waits for it, and the switch takes it (or the portrait asked for
    # last, prepared with the new engine first) in place of the one it began with.
    def load_portrait(self, path: str | None) -> Worker | None:
        self._wanted = (path, self.frame)
        if self._switching is not None:  # prepared with the engine the switch brings
            self._cancel("portrait")
            return None
        return self._run("portrait", _prepare_portrait, self, path, self.frame,
                         done=self._portrait_done, title=PORTRAIT_FAILED,
                         on_error=lambda e: self._portrait_failed(e, path))

    def back_to_shown(self, path: str | None, frame: str) -> bool:
        """(path, frame) is the portrait shown while another loads (File > Frame the face ticked
        and unticked at once): that load is dropped, not the one shown prepared again (0.9 s of
        "Loading portrait…" for the picture already on screen). False: it is not so."""
        if self._switching is not None or _wish_of(self.portrait) != (path, frame):
            return False
        self._cancel("portrait")
        self._wanted = (path, frame)
        return True

    def load_audio(self, path: str | None) -> Worker | None:
        self._audio_asked = (path, self._audio_asked[0])
        if path is None:
            self.audio = None
            self.audioReady.emit(None)
            return None
        return self._run("audio", lambda p: LoadedAudio(p, read_audio(p)), path,
                         done=self._audio_done, title="Cannot use this audio",
                         on_error=lambda e: self._audio_failed(e, path))

    def _audio_failed(self, error: Exception, path: str) -> None:
        if self._audio_asked[0] == path:  # nothing asked for since: the one shown stays
            self._audio_asked = (self.audio.path if self.audio else None, None)
        self.failed.emit("Cannot use this audio", error)

    def audio_coming(self, project_path: str | None) -> bool:
        """A voice asked for is still loading, and it is `project_path` (the project's), or that
        names the one before it (the project's voice is set only once one is ready): the one
        shown, or one asked for and dropped for it (the sample voice a window starts loading,
        when a voice is opened, dropped or named on the command line before that is ready).
        Loading the project's voice then would load it twice, or take back what was asked for."""
        asked, before = self._audio_asked
        shown = self.audio.path if self.audio else None
        return asked != shown and project_path in (asked, shown, before)

    @property
    def wanted(self) -> tuple | None:
        """(path, frame) of the portrait last asked for: the one shown, or one still loading (or
        waiting for an engine switch); None when none is."""
        return self._wanted

    @property
    def chosen_engine(self) -> str:
        """The engine last chosen: the one a switch under way brings, else the one in use."""
        return self._switching or self.engine_name

    def switch_engine(self, name: str) -> Worker | None:
        """Build engine `name` and prepare the portrait asked for with it in a worker; only when
        both worked do they replace the current ones, so a failed switch leaves the previous
        engine running (engineFailed says why). The engine in use, chosen again, drops a switch
        under way (its portrait asked for meanwhile is then prepared with this engine)."""
        if name == self.engine_name:
            if self._switching is not None:
                self._switching = None
                self._cancel("engine")
                self.engineReady.emit(described(self.engine))
                self._engine_kept()
            return None
        self._switching = name
        self._cancel("portrait")  # the switch prepares it
        return self._switch_step(name, _engine_with_portrait, name, self.engine,
                                 _wish_of(self.portrait), self._wanted, fallback=None)

    def _switch_step(self, name: str, fn, *args, fallback) -> Worker:
        """fn(*args) -> (engine, the portrait args[-1] asks for, prepared by it), in the
        switch's worker (or, from the first step, (engine, the portrait shown, prepared by it,
        (the portrait asked for, its error)) when only that one failed). fallback: (engine, a
        portrait it prepared) to take should this one fail; None for the first step, which
        builds the engine: its failure is the engine's."""
        def failed(error) -> None:
            if fallback is None:  # building the engine (or its first portrait) failed
                self._switching = None
                self._engine_failed(name, error)
            else:  # the engine works; a portrait asked for during the switch does not
                self._switched(name, *fallback, failed=(args[-1], error))

        return self._run("engine", fn, *args, done=lambda r: self._switched(name, *r),
                         title="", on_error=failed, stale=lambda r: self._switched(name, *r))

    def _switched(self, name: str, engine: Engine, portrait, failed=None) -> None:
        """The new engine with `portrait` prepared by it: both are taken when that is the
        portrait asked for now (a switch_project may have asked for another); otherwise that one
        is prepared with the engine first, the current pair rendering meanwhile. failed: (the
        portrait asked for, its error) when it could not be prepared: `portrait` stays."""
        if failed is not None and failed[0] == self._wanted:
            self._wanted = self._fallback(portrait, failed[0][0])
            self.failed.emit(PORTRAIT_FAILED, failed[1])
        if _wish_of(portrait) != self._wanted:
            self._switch_step(name, _prepared_wish, engine, self._wanted,
                              fallback=(engine, portrait))
            return
        self._switching = None
        self.engine_name, self.engine = name, engine
        if portrait is None:
            self.portrait = None
            self.engineReady.emit(described(engine))
        else:
            self._portrait_done(portrait)

    def _engine_failed(self, name: str, error: BaseException) -> None:
        """Engine `name` failed: the engine in use stays, with the portrait asked for should the
        switch's worker have prepared it with that engine (_EngineFailed); should that portrait
        fail too, one engineFailed says both (not a second dialog when it is tried again)."""
        portrait_error = None
        if isinstance(error, _EngineFailed):
            if error.wish == self._wanted:  # nothing else asked for since
                if isinstance(error.portrait, LoadedPortrait):
                    self._portrait_done(error.portrait)
                else:
                    self._wanted = self._fallback(self.portrait, error.wish[0])
                    portrait_error = error.portrait
            error = error.error
        self.engineFailed.emit(name, error, portrait_error)
        self._engine_kept()

    def _engine_kept(self) -> None:
        """A switch ended without its engine: a portrait asked for meanwhile loads with the
        engine in use."""
        if self._wanted not in (None, _wish_of(self.portrait)):
            self.load_portrait(self._wanted[0])

    def switch_project(self) -> None:
        """Another project takes over (File > New, Open, a recovered copy): what was loading
        for the one before is dropped. A load it started delivers nothing, not even its error,
        so a late portrait or voice never lands in the new project; an engine switch still
        takes effect (View > Engine is no project's), with the portrait the new project asks
        for (prepared again when it is not the one the switch prepared)."""
        self.generation += 1
        self._wanted = _wish_of(self.portrait)  # the new project asks for its own
        self._audio_asked = (self.audio.path if self.audio else None, None)
        for kind in ("portrait", "audio"):
            self._cancel(kind)

    def _cancel(self, kind: str) -> None:
        if (worker := self._workers.get(kind)) is not None:
            worker.cancel()

    def _run(self, kind: str, fn, *args, done, title: str, on_error=None,
             stale=None) -> Worker:
        """stale: what a result gets when switch_project came since this started (None: it is
        dropped, with its error)."""
        self._cancel(kind)
        worker = Worker(fn, *args)
        generation = self.generation

        def returned(result, w=worker) -> None:
            # isValid: a worker may outlive its window (the engine warm-up loads torch for
            # seconds)
            if w.cancelled or not isValid(self):
                return
            if generation == self.generation:
                done(result)
            elif stale is not None:
                stale(result)

        worker.returned.connect(returned)
        report = on_error or (lambda e: self.failed.emit(title, e))
        worker.errored.connect(lambda e, w=worker: isValid(self) and not w.cancelled and (
            generation == self.generation or stale is not None) and report(e))
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
        return self._run("engine parts", self.engine.warm_up, loaded.prepared, done=lambda _r: None,
                         title="Cannot load the engine", stale=lambda _r: None)

    def ensure_engine(self) -> Engine:
        """Create the engine on first use (called from a worker: engines may load models)."""
        if self.engine is None:
            self.engine = create_engine(self.engine_name)
        return self.engine

    def clear_portrait(self) -> None:
        """No portrait (a project whose portrait file is missing): a pending load is dropped
        (and an engine switch under way takes none)."""
        self._cancel("portrait")
        self.portrait, self._wanted = None, None

    def _portrait_failed(self, error: BaseException, path: str | None) -> None:
        self._wanted = self._fallback(self.portrait, path)  # the portrait before stays
        self.failed.emit(PORTRAIT_FAILED, error)
        if self._wanted != _wish_of(self.portrait):  # framed as chosen meanwhile
            self.load_portrait(self._wanted[0])

    def _fallback(self, portrait: LoadedPortrait | None, failed: str | None) -> tuple | None:
        """What is asked for once the portrait at path `failed` could not be used: `portrait`
        (the one shown), framed as now chosen (File > Frame the face ticked while the failed
        one loaded), unless that is the portrait that failed (then as it is)."""
        if portrait is None or portrait.path == failed:
            return _wish_of(portrait)
        return portrait.path, self.frame

    def _portrait_done(self, portrait: LoadedPortrait) -> None:
        self.portrait = portrait
        self.engineReady.emit(described(self.engine))
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

    def gate_curve(self, mix: EmotionMix, keys=None,
                   rate: float = GATE_CURVE_RATE) -> tuple[np.ndarray, np.ndarray]:
        """(times, g (T, 6)) over the take: the g the engine's frames render (the track's, onset
        included), so the strip's curve is what is drawn. `keys` as in `job`."""
        n = max(2, int(self.duration * rate))
        if n > GATE_CURVE_MAX_POINTS:  # a long take: fewer samples, the same curve
            n, rate = GATE_CURVE_MAX_POINTS, GATE_CURVE_MAX_POINTS / self.duration
        times = np.arange(n) / rate
        mixes = [mix] * len(times) if keys is None else [keys.mix_at(float(t)) for t in times]
        if self.engine is None:  # not loaded yet: the track's g without the rig's ease-in
            return times, TrackBuilder().rendered_gates(mixes, times)
        return times, self.engine.gate_curve(mixes, times)

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


def described(engine: Engine) -> dict:
    """engine.describe() and its speed line, should it have one (measured: never measures)."""
    info = dict(engine.describe())
    line = engine.speed_line()
    return info if line is None else {**info, "speed": line}


def _prepared(engine: Engine, path: str | None, frame: str) -> LoadedPortrait:
    image = read_image(path, frame)
    return LoadedPortrait(path, image, engine.prepare(image), frame=frame)


def _wish_of(portrait: LoadedPortrait | None) -> tuple | None:
    return None if portrait is None else (portrait.path, portrait.frame)


def _prepared_wish(engine: Engine, wish: tuple | None):
    return engine, None if wish is None else _prepared(engine, *wish)


class _EngineFailed(Exception):
    """A switch's engine failed (`error`) while a portrait other than the one shown was asked
    for (`wish`): `portrait` is that one prepared by the engine in use, which stays, or why it
    could not be (an exception)."""

    def __init__(self, error: BaseException, wish: tuple, portrait):
        super().__init__(str(error))
        self.error, self.wish, self.portrait = error, wish, portrait


def _engine_with_portrait(name: str, current: Engine | None, shown: tuple | None,
                          wish: tuple | None):
    """The engine `name` with the portrait asked for, prepared by it. Should that portrait
    fail while the engine built (a broken file opened just before the switch), the engine is
    no less usable: the one shown is prepared instead, and (engine, it, (wish, error)) says
    what failed, so the switch takes the engine and 'Cannot use this portrait' alone says why.
    The one shown failing too (it worked with the engine before) is this engine's failure.
    Should the engine fail, the portrait asked for is prepared by the engine in use, `current`
    (_EngineFailed), so a broken one is said with the engine's failure, in one dialog."""
    try:
        engine = create_engine(name)
        engine.measure_speed()  # here, not on the GUI thread: a network pass off a GPU
        try:
            return _prepared_wish(engine, wish)
        except Exception as error:
            if wish == shown:
                raise
            return (*_prepared_wish(engine, shown), (wish, error))
    except Exception as error:
        if current is None or wish in (None, shown):
            raise
        try:
            portrait = _prepared(current, *wish)
        except Exception as portrait_error:
            portrait = portrait_error
        raise _EngineFailed(error, wish, portrait) from error


def _prepare_portrait(session: Session, path: str | None, frame: str) -> LoadedPortrait:
    engine = session.ensure_engine()
    engine.measure_speed()  # once per engine (the one started with, e.g. a saved diffusion)
    return _prepared(engine, path, frame)
