"""The main window's "Live" toggle: a LiveSession on the microphone with the current portrait and
palette mix, shown in a LiveWindow. The microphone is tried in a worker first, so a machine
without one gets a readable dialog and the app keeps working."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.live_window import LiveWindow
from app.workers import Worker
from core.errors import InputError, NoMicrophoneError
from core.live.emotion_controls import LivePalette
from core.live.sources import AudioSource, MicrophoneSource
from core.mix import EmotionMix

NO_MIC_ADVICE = ("Connect a microphone and choose Playback > Live mode again, or open a recorded "
                 "voice (File > Open voice…) and press Space to play it with the palette.")


def build_live_session(engine_name: str, portrait, mix: EmotionMix,
                       make_source: Callable[[], AudioSource]):
    """Runs in a worker: probe the input, then a rig engine of its own (the preview's engine
    keeps rendering on its thread) with the prepared portrait."""
    from core.engines import create_engine
    from core.live.session import LiveSession

    source = make_source()
    source.start()  # no microphone: InputError now, before a window opens
    source.stop()
    engine = create_engine("rig")
    prepared = portrait.prepared if engine_name == "rig" else engine.prepare(portrait.image)
    return LiveSession(engine, prepared, source, palette=LivePalette(mix))


class LiveMode(QObject):
    stateChanged = Signal(bool)  # live window open
    failed = Signal(str, object)  # title, exception

    def __init__(self, make_source: Callable[[], AudioSource] = MicrophoneSource,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.make_source = make_source
        self.window: LiveWindow | None = None
        self._worker: Worker | None = None

    @property
    def active(self) -> bool:
        return self.window is not None or self._worker is not None

    def start(self, engine_name: str, portrait, mix: EmotionMix, fullscreen: bool = False) -> None:
        if self.active:
            return
        worker = Worker(build_live_session, engine_name, portrait, mix, self.make_source)
        # a build stopped meanwhile (Live mode off again, the app closing) is no longer
        # self._worker: what it built or why it failed is dropped
        worker.returned.connect(lambda session, w=worker: w is self._worker
                                and self._open(session, fullscreen))
        worker.errored.connect(lambda e, w=worker: w is self._worker and self._not_started(e))
        worker.finished.connect(lambda w=worker: self._built(w))
        self._worker = worker.start()

    def _built(self, worker: Worker) -> None:
        if worker is self._worker:
            self._worker = None

    def _not_started(self, error: BaseException) -> None:
        self.stateChanged.emit(False)
        if isinstance(error, NoMicrophoneError):  # the core message speaks of CLI flags
            error = InputError(f"{error.reason[:1].upper()}{error.reason[1:]}. {NO_MIC_ADVICE}")
        self.failed.emit("Cannot start live mode", error)

    def _open(self, session, fullscreen: bool) -> None:
        self.window = LiveWindow(session)
        self.window.finished.connect(self._ended)
        self.window.showFullScreen() if fullscreen else self.window.show()
        self.window.start()
        self.stateChanged.emit(True)

    def _ended(self, error: BaseException | None) -> None:
        window, self.window = self.window, None
        if window is not None:
            window.close()
            window.deleteLater()
        self.stateChanged.emit(False)
        if error is not None:
            self.failed.emit("Live mode stopped", error)

    def stop(self) -> None:
        """End live mode; one still starting never opens (nor opens the microphone)."""
        if self.window is not None:
            self.window.stop()
        elif self._worker is not None:
            self._worker.cancel()
            self._worker = None
            self.stateChanged.emit(False)

    def set_mix(self, mix: EmotionMix) -> None:
        """Palette edits in the main window reach the live face too."""
        if self.window is not None:
            self.window.session.palette.set_mix(mix)
