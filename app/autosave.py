"""Crash recovery in the app: an unsaved project is copied (core/recovery.py) AUTOSAVE_MS after
its last change; saving, discarding or quitting normally deletes the copy; at start-up a copy a
crashed run left behind is offered back."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app import errors
from app.ui_constants import AUTOSAVE_MS
from core.errors import MoeeError
from core.project import Project
from core.recovery import RecoveryFile, read


class Autosave(QObject):
    failed = Signal(str)  # why the recovery copy could not be written (once per problem)

    def __init__(self, project: Project, folder, parent=None):
        super().__init__(parent)
        self.project = project
        self.file = RecoveryFile(folder)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.write_now)
        self._problem: str | None = None
        project.subscribe(self._changed)

    def _changed(self, what: str) -> None:
        if self.project.dirty:
            self.timer.start()  # restarted by every change: a slider drag writes once
        else:  # saved, opened or new: nothing unsaved to keep
            self.timer.stop()
            self.file.clear()

    def write_now(self) -> None:
        if not self.project.dirty:
            return
        try:
            self.file.write(self.project)
            self._problem = None
        except MoeeError as e:
            if str(e) != self._problem:
                self._problem = str(e)
                self.failed.emit(f"Unsaved changes could not be kept for recovery: {e}")

    def stop(self) -> None:
        """A normal quit (the user chose to save or discard): no copy stays behind."""
        self.timer.stop()
        self.file.clear()

    def offer(self, window) -> bool:
        """Ask about the newest copy a crashed run left; True when it was recovered. The answer
        covers every copy left behind ('later' keeps them for the next start); copies that no
        longer read are left alone."""
        kept = [found for p in self.file.orphans() if (found := read(p)) is not None]
        if not kept:
            return False
        newest = kept[0].project
        name = Path(newest.file_path).name if newest.file_path else "an untitled project"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(kept[0].saved_at))
        answer = errors.ask_recover(window, name, when)
        if answer == "later":
            return False
        for found in kept:
            found.source.unlink(missing_ok=True)
        if answer == "recover":
            window.restore_project(newest)
            return True
        return False
