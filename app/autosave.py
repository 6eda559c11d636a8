"""Crash recovery in the app: an unsaved project is copied (core/recovery.py) AUTOSAVE_MS after
its last change, and AUTOSAVE_LONGEST_MS at the latest after the first change not yet copied
(edits in a steady stream, keys set along a take as it plays); saving, discarding or quitting
normally deletes the copy; at start-up a copy a crashed run left behind is offered back."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app import errors
from app.path_text import shown_name
from app.ui_constants import AUTOSAVE_LONGEST_MS, AUTOSAVE_MS
from core.atomic import os_error_reason
from core.errors import MoeeError
from core.project import Project
from core.recovery import RecoveryFile, read


class Autosave(QObject):
    failed = Signal(str)  # why the recovery copy could not be written (once per problem)
    message = Signal(str)  # for the status bar

    def __init__(self, project: Project, folder, parent=None):
        super().__init__(parent)
        self.project = project
        self.file = RecoveryFile(folder)
        self.timer = self._timer(AUTOSAVE_MS)
        self.deadline = self._timer(AUTOSAVE_LONGEST_MS)
        self._problem: str | None = None
        # a crashed run's copy recovered while this run's own could not be written (a full
        # disk): kept until this run has a copy of its own, or nothing unsaved to keep
        self._adopted: Path | None = None
        project.subscribe(self._changed)

    def _timer(self, ms: int) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(ms)
        timer.timeout.connect(self.write_now)
        return timer

    def _changed(self, what: str) -> None:
        if self.project.dirty:
            self.timer.start()  # restarted by every change: a slider drag writes once
            if not self.deadline.isActive():  # not restarted: changes never AUTOSAVE_MS apart
                self.deadline.start()  # (keys set as a take plays) still get a copy
        else:  # saved, opened or new: nothing unsaved to keep
            self.stop()

    def write_now(self) -> None:
        self.timer.stop()
        self.deadline.stop()
        if not self.project.dirty:
            return
        try:
            self.file.write(self.project)
            self._problem = None
        except MoeeError as e:
            if str(e) != self._problem:
                self._problem = str(e)
                self.failed.emit(f"Unsaved changes could not be kept for recovery: {e}")
            return
        self._let_go()

    def stop(self) -> None:
        """Nothing unsaved to keep (saved, opened, new; a normal quit, the user having chosen to
        save or discard): no copy stays behind."""
        self.timer.stop()
        self.deadline.stop()
        self.file.clear()
        self._let_go()

    def _let_go(self) -> None:
        if self._adopted is not None and _delete(self._adopted) is None:
            self._adopted = None

    def offer(self, window) -> bool:
        """Ask about each copy crashed runs left, newest first; True when one was recovered.
        Discard moves on to the next copy, Later keeps them all for the next start, Recover
        takes that one: copies not asked about yet are kept for the next start, never deleted
        unseen. Copies that no longer read are left alone, and the status bar says where."""
        orphans = self.file.orphans()
        kept = [found for p in orphans if (found := read(p)) is not None]
        if len(kept) < len(orphans):  # left where they are, and said: not there unseen
            self.message.emit(f"{len(orphans) - len(kept)} recovery cop"
                              f"{'y' if len(orphans) - len(kept) == 1 else 'ies'} from a crash "
                              "could not be read (damaged, or from a newer version of the app) "
                              f"and stay in {self.file.folder}")
        for i, found in enumerate(kept):
            project = found.project
            name = shown_name(project.file_path) if project.file_path else "an untitled project"
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(found.saved_at))
            answer = errors.ask_recover(window, name, when)
            if answer == "later":
                return False
            if answer == "recover":
                window.restore_project(project)  # this run's own copy first, then this one goes
                if self._problem is None and self.file.path.is_file():  # (written)
                    stuck = _delete(found.source)
                else:  # not written (the failed signal said why): the crash's copy stays
                    stuck, self._adopted = None, found.source
                    self.message.emit(f"The recovery copy {found.source} stays until this "
                                      "run can keep its own or the changes are saved: until "
                                      "then it will be offered again at the next start")
                if len(kept) > i + 1:
                    self.message.emit(f"{len(kept) - i - 1} more unsaved project(s) from a "
                                      "crash will be offered at the next start")
            else:
                stuck = _delete(found.source)
            if stuck:  # the folder read-only since the crash (a disk remounted read-only)
                self.message.emit(f"The recovery copy {found.source} could not be deleted: "
                                  f"{stuck}; it will be offered again at the next start")
            if answer == "recover":
                return True
        return False


def _delete(path: Path) -> str | None:
    """Delete `path`; why it could not be, or None."""
    try:
        path.unlink(missing_ok=True)
    except OSError as e:
        return os_error_reason(e)
    return None
