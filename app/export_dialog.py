"""Export dialog: path, size, fps, range; progress with time left; cancel; on success "Saved to
..." and an "Open folder" button that says so when no file manager can be started.

The range follows the current voice (0 to its end) unless the user set it for this voice: the
project remembers which voice a hand-set range belongs to (ExportSettings.range_audio). The
default file sits beside the project, else in the folder of the last export.

The export goes through core.video.export.export_video, the CLI's streaming atomic writer, so a
cancelled or failed export leaves no file behind.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.errors import show_error
from app.path_text import exists
from app.save_path import ask_save_path
from app.screen_fit import free_area, keep_on_screen
from app.session import Session
from app.ui_constants import (DIALOG_SCREEN_MARGIN, EXPORT_PATH_WIDTH, EXPORT_POLL_MS,
                              EXPORT_SIZES)
from app.workers import Worker
from core import validate
from core.errors import InputError
from core.engine import CancelToken
from core.pace import Pace
from core.project import Project


def reveal_file(path: str) -> bool:
    """Show the exported file's folder in the file manager; False when none could be started
    (Qt then only logs "Unable to detect a launcher" on stderr)."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent))))


def run_export(engine, job, out_path: str, state: dict, cancel: CancelToken):
    """state: "done", "total" and "pace" (a core.pace.Pace, timed by time.monotonic)."""
    from core.video.export import export_video

    def progress(done: int, total: int) -> None:
        state["done"], state["total"] = done, total
        state["pace"].note(done, time.monotonic())

    export_video(engine, job, out_path, progress=progress, cancel=cancel)
    return out_path


class ExportDialog(QDialog):
    exported = Signal(str)

    def __init__(self, session: Session, project: Project, parent: QWidget | None = None,
                 keys=None, settings=None):
        """keys: the take's core.keyframes.KeyTrack (or None: the project's mix throughout);
        settings: app.settings.AppSettings, for the last export folder."""
        super().__init__(parent)
        self.keys = keys
        self.settings = settings
        self.saved_path: str | None = None
        self.setWindowTitle("Export video")
        self.session, self.project = session, project
        self.worker: Worker | None = None
        self.state: dict = {}
        self.poll = QTimer(self)
        self.poll.setInterval(EXPORT_POLL_MS)
        self.poll.timeout.connect(self._show_progress)
        self._build()
        self._load_settings()

    def _build(self) -> None:
        self.path = QLineEdit()
        self.path.setObjectName("export_path")
        self.path.setMinimumWidth(EXPORT_PATH_WIDTH[0])
        self.path.textChanged.connect(self._fit_path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.size = QComboBox()
        for s in EXPORT_SIZES:
            self.size.addItem(f"{s} px", s)
        self.fps = QSpinBox()
        self.fps.setRange(1, 120)
        self.start = QDoubleSpinBox()
        self.end = QDoubleSpinBox()
        for box in (self.start, self.end):
            box.setDecimals(2)
            box.setSuffix(" s")
            box.setRange(0.0, max(0.01, self.session.duration))
        form = QFormLayout()
        form.addRow("File", path_row)
        form.addRow("Size (longest side)", self.size)
        form.addRow("Frames per second", self.fps)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        # the speed note of an engine far slower than real time here (the diffusion engine off
        # a GPU): a 5-hour export started with no word of it
        self.estimate = QLabel("")
        self.estimate.setObjectName("estimate")
        self.estimate.setWordWrap(True)
        self.estimate.setStyleSheet("font-weight: bold")
        self.estimate.hide()
        for signal in (self.size.currentIndexChanged, self.fps.valueChanged,
                       self.start.valueChanged, self.end.valueChanged):
            signal.connect(self._show_estimate)
        self.eta = QLabel("")
        self.eta.setWordWrap(True)
        self.eta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.open_folder = self.buttons.addButton("Open folder",
                                                  QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder.setObjectName("openFolder")
        self.open_folder.setVisible(False)
        self.open_folder.clicked.connect(self.reveal)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.estimate)
        layout.addWidget(self.progress)
        layout.addWidget(self.eta)
        layout.addWidget(self.buttons)

    def _load_settings(self) -> None:
        e = self.project.export
        self.path.setText(e.path or str(self._default_path()))
        self.path.setCursorPosition(len(self.path.text()))  # the file name, if anything is cut
        index = self.size.findData(e.size)
        self.size.setCurrentIndex(index if index >= 0 else self.size.findData(512))
        self.fps.setValue(e.fps)
        if self._range_is_for_this_voice():
            self.start.setValue(e.start)
            self.end.setValue(self.session.duration if e.end is None else e.end)
        else:
            self.start.setValue(0.0)
            self.end.setValue(self.session.duration)
        self._show_estimate()

    def _show_estimate(self, *_args) -> None:
        """The take's least time as the engine's speed note says it, for the range, size and
        frame rate chosen, when there is one; from the engine's measure taken when it was
        built (never a network pass on the GUI thread: speed_line is None before it)."""
        engine = self.session.engine
        note = None
        if engine is not None and engine.speed_line() is not None:
            start, end = self.start.value(), self.end.value()
            job = self.session.job(self.project.mix, start, end, size=self.size.currentData(),
                                   fps=self.fps.value(), keys=self.keys)
            note = None if job is None or end <= start else engine.speed_note(job)
        self.estimate.setText(note or "")
        self.estimate.setVisible(bool(note))
        self.export_button.setToolTip(note or "")

    def _range_is_for_this_voice(self) -> bool:
        e = self.project.export
        return e.range_audio is not None and e.range_audio == self.project.audio_path

    def _default_path(self) -> Path:
        """Beside the project; else in the last export's folder; else beside the portrait."""
        if self.project.file_path:
            return Path(self.project.file_path.removesuffix(".json")).with_suffix(".mp4")
        stem = Path(self.project.portrait_path).stem if self.project.portrait_path else "moee"
        folder = self.settings.last_dir("export", "") if self.settings is not None else ""
        if not folder and self.project.portrait_path:
            folder = str(Path(self.project.portrait_path).parent)
        return Path(folder or Path.home()) / f"{stem}.mp4"

    def _fit_path(self, text: str) -> None:
        """Wide enough for the whole path, up to a cap and to what the screen leaves beside the
        rest of the dialog; full path as tooltip. The field held the dialog at 1020 px, past a
        1280x720 laptop's edge when it grew from where it opened, and over the whole screen at
        150% (853 px): Browse, Export and Cancel beyond it. Grown, it moves back inside."""
        self.path.setToolTip(text)
        lo, hi = EXPORT_PATH_WIDTH
        screen = free_area(self)
        if screen is not None:
            rest = self.minimumSizeHint().width() - self.path.minimumWidth()
            hi = max(lo, min(hi, screen.width() - 2 * DIALOG_SCREEN_MARGIN - rest))
        need = self.path.fontMetrics().horizontalAdvance(text) + 24  # frame and cursor margins
        self.path.setMinimumWidth(max(lo, min(hi, need)))
        if self.isVisible():  # once the layout has grown it
            QTimer.singleShot(0, lambda: keep_on_screen(self, DIALOG_SCREEN_MARGIN))

    def _browse(self) -> None:
        path = ask_save_path(self, "Export video", self.path.text(), "MP4 video (*.mp4)", ".mp4",
                             (".mov", ".mkv"))
        if path:
            self.path.setText(path)
            if self.settings is not None:
                self.settings.remember_dir("export", path)

    # ----- export
    def start_export(self) -> None:
        path = self._target(self.path.text())
        if path:
            self.path.setText(path)  # where the file goes, as the message will say
        start, end = self.start.value(), self.end.value()
        job = self.session.job(self.project.mix, start, end, size=self.size.currentData(),
                               fps=self.fps.value(), keys=self.keys)
        problem = self._check(path, start, end, job)
        if problem:
            show_error(self, "Cannot export", problem)
            return
        whole = start <= 0.0 and end >= self.session.duration - 0.005  # spin boxes: 2 decimals
        self.project.set_export(path=path, size=self.size.currentData(), fps=self.fps.value(),
                                start=0.0 if whole else start, end=None if whole else end,
                                range_audio=None if whole else self.project.audio_path)
        self.open_folder.setVisible(False)
        self.saved_path = None
        self.state = {"done": 0, "total": job.frame_count(), "pace": Pace()}
        self.worker = Worker(run_export, self.session.engine, job, path, self.state)
        self.worker.returned.connect(self._done)
        self.worker.errored.connect(self._failed)
        self.worker.finished.connect(self._finished)
        self._set_running(True)
        self.poll.start()
        self.worker.start()

    def _target(self, text: str) -> str:
        """The typed path made whole: "~" is the home folder, a bare or relative name lands in
        the folder the default file sits in (not the folder the app was started from), and a
        name with no extension at all is an .mp4 (typed "take", the export was refused for
        its missing extension)."""
        text = text.strip()
        if not text:
            return ""
        path = Path(text).expanduser()
        path = path if path.is_absolute() else self._default_path().parent / path
        if not path.suffix and path.name and not text.endswith(("/", "\\")) \
                and not exists(path, Path.is_dir):  # a folder's name is told to be one
            path = path.with_name(path.name + ".mp4")
        return str(path)

    def _check(self, path: str, start: float, end: float, job) -> str | None:
        if job is None:
            return "Load a portrait first (and wait until it is ready)."
        if not path:
            return "Choose where to save the video."
        if end <= start:
            return "The range is empty: 'To' must be after 'From'."
        if not Path(path).parent.is_dir():
            return f"The folder {Path(path).parent} does not exist."
        try:  # as render refuses it: the video would replace the file it is made from
            validate.not_an_input(path, (("the voice", self.project.audio_path),
                                         ("the portrait", self.project.portrait_path)),
                                  "The video")
        except InputError as e:
            return str(e)
        except OSError as e:  # a name longer than the folder takes (exists() raises)
            return validate.os_error_message("write", path, e)
        return None

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.cancel_button.setText("Cancel export" if running else "Close")

    def _show_progress(self) -> None:
        done, total = self.state.get("done", 0), max(1, self.state.get("total", 1))
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        # timed from the first report, not the start (the set-up is no frame's time), as a
        # clock past a minute: 250 frames at 40 s/frame read "about 9960 s left"
        told = self.state["pace"].told(done, total, time.monotonic()) if "pace" in self.state \
            else None
        if told is not None:
            self.eta.setText(f"{done}/{total} frames · {told[0].strip()} · about {told[1]} left")
        elif self.worker is not None:
            self.eta.setText(f"{done}/{total} frames · timing the first frames…")

    def _done(self, path: str) -> None:
        self.saved_path = path
        self.eta.setText(f"Saved to {path}")
        self.open_folder.setVisible(True)
        if self.settings is not None:
            self.settings.remember_dir("export", path)
        self.exported.emit(path)

    def reveal(self) -> None:
        if self.saved_path and not reveal_file(self.saved_path):
            show_error(self, "Cannot open the folder",
                       f"No file manager could be started here; the video is in "
                       f"{Path(self.saved_path).parent}.")

    def _failed(self, error: BaseException) -> None:
        show_error(self, "Export failed", error)

    def _finished(self) -> None:
        self.poll.stop()
        self._show_progress()
        cancelled = self.worker is not None and self.worker.cancelled
        self.worker = None
        self._set_running(False)
        if cancelled:
            self.eta.setText("Export cancelled; nothing was written.")
            self.progress.setValue(0)
        elif self.saved_path:
            self.eta.setText(f"Saved to {self.saved_path}")
        else:  # failed (the dialog said why): no "frames · s left" of a run that stopped
            self.eta.setText("Export failed; nothing was written.")
            self.progress.setValue(0)

    def cancel_or_close(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
        else:
            self.reject()

    @property
    def running(self) -> bool:
        return self.worker is not None

    def closeEvent(self, event) -> None:
        if self.worker is not None:
            self.worker.cancel()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.worker is not None:  # Esc while exporting cancels the export, keeps the dialog
            self.worker.cancel()
            return
        super().reject()
