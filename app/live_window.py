"""The live viewer (demo booth): the LiveSession runs on its own thread and puts frames in a
one-slot LatestFrame; a GUI QTimer takes the newest and draws it (friture style, no signal per
frame). Keys 1-6 solo an expert, 0 is neutral, A follows the voice's emotion, F11 toggles full
screen, Esc stops. Importing this module registers the viewer for `main.py live --window`."""
from __future__ import annotations

import app.pyside_imports  # noqa: F401  first: it speeds up every import after PySide6's
import signal
import sys
import threading

import pyqtgraph as pg
from PySide6.QtCore import QEventLoop, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from app.elided_label import ElidedLabel
from app.gui_gc import GuiThreadGC
from app.icon import app_icon
from app.screen_fit import fitted_size
from app.ui_constants import APP_NAME, LIVE_POLL_MS, LIVE_WINDOW_SIZE
from core.live.session import LatestFrame, LiveSession
from core.live.window import register_window

LIVE_HELP = "1-6 solo an expert · 0 neutral · A emotion from the voice · F11 full screen · Esc stop"


class LiveWindow(QWidget):
    finished = Signal(object)  # the exception that ended the session, or None

    def __init__(self, session: LiveSession, seconds: float | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Live — {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.session, self.seconds = session, seconds
        self.latest = LatestFrame()
        session.on_frame = self.latest.put
        self.frames_shown = 0
        self.error: BaseException | None = None
        self.running = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#000000")
        self.box = self.view.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        # rows as rows: app/preview.py sets this for the whole app, but `main.py live --window`
        # never imports it, and the face came out on its side
        self.image = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image)
        # elided, not wider than the window: a laptop at 150% is 853 pixels wide, and the help
        # line held the window at 700 (the numbers come first and stay in sight)
        self.status = ElidedLabel(LIVE_HELP)
        self.status.setObjectName("liveStatus")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self.resize(*fitted_size(self, LIVE_WINDOW_SIZE))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.timer = QTimer(self)
        self.timer.setInterval(LIVE_POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.gc_guard = GuiThreadGC(self)

    def start(self) -> None:
        self.running = True
        self.gc_guard.start()
        self._thread = threading.Thread(target=self._run, name="live-session", daemon=True)
        self._thread.start()
        self.timer.start()

    def _run(self) -> None:  # the session's thread
        try:
            self.session.run(self.seconds)
        except BaseException as e:  # a microphone that vanished: reported by the GUI thread
            self.error = e
        finally:
            self._done.set()

    def _poll(self) -> None:
        frame = self.latest.take()
        if frame is not None:
            first = self.image.image is None
            self.image.setImage(frame.image, autoLevels=False, levels=(0, 255))
            if first:
                self.box.autoRange(padding=0.0)
            self.frames_shown += 1
            info = frame.info or {}
            self.status.setText(f"{info.get('emotion', '')} · "
                                f"{info.get('latency_ms', 0):.0f} ms voice to mouth · {LIVE_HELP}")
        if self._done.is_set():
            self.timer.stop()
            self.gc_guard.stop()
            self.running = False
            self.finished.emit(self.error)

    def stop(self) -> None:
        """Ask the session to end; `finished` follows once its thread has stopped."""
        self.session.stop()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close()
        elif event.key() == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        elif not (event.text() and self.session.palette.key(event.text())):
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)


def run_live_window(session: LiveSession, fullscreen: bool = False,
                    seconds: float | None = None) -> int:
    """`main.py live --window`: show the session until Esc, the window closes or the input ends.
    An error that ended the session is raised again for the CLI to report. Closed by a kill
    (SIGTERM) it returns 128 + 15 after its statistics, as headless `live` does: a booth's
    supervisor tells a kill from Esc, Ctrl-C or the input's end (status 0)."""
    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = LiveWindow(session, seconds)
    loop = QEventLoop()
    window.finished.connect(lambda _error: loop.quit())
    # Ctrl-C in the terminal closes the window as Esc does (the command's own handler raised
    # inside a slot: a traceback, and the booth went on)
    from app.terminal_signals import close_on_terminal_signals
    heard: list[int] = []
    restore = close_on_terminal_signals(window, window, heard)
    window.showFullScreen() if fullscreen else window.show()
    window.start()
    try:
        loop.exec()
    finally:
        restore()
    error = window.error
    window.close()
    window.deleteLater()
    app.processEvents()
    if error is not None:
        raise error
    print(session.stats.report())
    killed = [sig for sig in heard if sig != signal.SIGINT]
    return 128 + int(killed[0]) if killed else 0


register_window(run_live_window)
