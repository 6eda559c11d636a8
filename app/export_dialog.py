"""Export dialog: path, size, fps, range; progress with time left; cancel; reveal on success.

The export goes through core.video.export.export_video, the CLI's streaming atomic writer, so a
cancelled or failed export leaves no file behind.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from app.errors import show_error
from app.session import Session
from app.ui_constants import EXPORT_POLL_MS, EXPORT_SIZES
from app.workers import Worker
from core.engine import CancelToken
from core.project import Project


def reveal_file(path: str) -> None:
    """Show the exported file in the system's file manager (its folder)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def run_export(engine, job, out_path: str, state: dict, cancel: CancelToken):
    from core.video.export import export_video

    def progress(done: int, total: int) -> None:
        state["done"], state["total"] = done, total

    export_video(engine, job, out_path, progress=progress, cancel=cancel)
    return out_path


class ExportDialog(QDialog):
    exported = Signal(str)

    def __init__(self, session: Session, project: Project, parent: QWidget | None = None,
                 keys=None):
        """keys: the take's core.keyframes.KeyTrack (or None: the project's mix throughout)."""
        super().__init__(parent)
        self.keys = keys
        self.setWindowTitle("Export video")
        self.session, self.project = session, project
        self.worker: Worker | None = None
        self.state: dict = {}
        self.started_at = 0.0
        self.poll = QTimer(self)
        self.poll.setInterval(EXPORT_POLL_MS)
        self.poll.timeout.connect(self._show_progress)
        self._build()
        self._load_settings()

    def _build(self) -> None:
        self.path = QLineEdit()
        self.path.setObjectName("export_path")
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
        self.eta = QLabel("")
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.eta)
        layout.addWidget(self.buttons)

    def _load_settings(self) -> None:
        e = self.project.export
        default = Path.home() / "moee.mp4"
        if self.project.file_path:
            default = Path(self.project.file_path).with_suffix("").with_suffix(".mp4")
        self.path.setText(e.path or str(default))
        index = self.size.findData(e.size)
        self.size.setCurrentIndex(index if index >= 0 else self.size.findData(512))
        self.fps.setValue(e.fps)
        self.start.setValue(e.start)
        self.end.setValue(self.session.duration if e.end is None else e.end)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export video", self.path.text(),
                                              "MP4 video (*.mp4)")
        if path:
            self.path.setText(path if path.endswith(".mp4") else path + ".mp4")

    # ----- export
    def start_export(self) -> None:
        path = self.path.text().strip()
        start, end = self.start.value(), self.end.value()
        job = self.session.job(self.project.mix, start, end, size=self.size.currentData(),
                               fps=self.fps.value(), keys=self.keys)
        problem = self._check(path, start, end, job)
        if problem:
            show_error(self, "Cannot export", problem)
            return
        self.project.set_export(path=path, size=self.size.currentData(), fps=self.fps.value(),
                                start=start, end=end)
        self.state = {"done": 0, "total": job.frame_count()}
        self.started_at = time.monotonic()
        self.worker = Worker(run_export, self.session.engine, job, path, self.state)
        self.worker.returned.connect(self._done)
        self.worker.errored.connect(self._failed)
        self.worker.finished.connect(self._finished)
        self._set_running(True)
        self.poll.start()
        self.worker.start()

    def _check(self, path: str, start: float, end: float, job) -> str | None:
        if job is None:
            return "Load a portrait first (and wait until it is ready)."
        if not path:
            return "Choose where to save the video."
        if end <= start:
            return "The range is empty: 'To' must be after 'From'."
        if not Path(path).parent.is_dir():
            return f"The folder {Path(path).parent} does not exist."
        return None

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.cancel_button.setText("Cancel export" if running else "Close")

    def _show_progress(self) -> None:
        done, total = self.state.get("done", 0), max(1, self.state.get("total", 1))
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        elapsed = time.monotonic() - self.started_at
        if done > 0:
            left = elapsed * (total - done) / done
            self.eta.setText(f"{done}/{total} frames · about {left:.0f} s left")

    def _done(self, path: str) -> None:
        self.eta.setText(f"Saved {path}")
        self.exported.emit(path)
        reveal_file(path)

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
