"""The one road by which failures reach the user: a readable dialog, never a traceback.

Tests intercept `show_error` (monkeypatch `app.errors.show_error`) or find the open QMessageBox;
the dialog is opened with `open()` so it never blocks the event loop.
"""
from __future__ import annotations

import errno
import logging
import traceback

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from core.errors import MoeeError

log = logging.getLogger("moee.app")
_open_boxes: list[QDialog] = []  # keep references so open() dialogs are not collected


def user_message(error: BaseException | str) -> str:
    """One sentence a user can act on."""
    if isinstance(error, str):
        return error
    if isinstance(error, MoeeError):
        return str(error)
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "The disk is full. Free some space or choose another folder, then try again."
    if isinstance(error, PermissionError):
        return f"Permission denied: {error.filename or error}. Choose another location."
    if isinstance(error, FileNotFoundError):
        return f"File not found: {error.filename or error}."
    if isinstance(error, MemoryError):
        return "Not enough memory for this job. Try a smaller size or a shorter range."
    return f"Something went wrong: {error}"


def show_error(parent: QWidget | None, title: str, error: BaseException | str,
               details: str | None = None) -> QMessageBox:
    """Show a non-blocking error dialog; developers get the traceback in the log. `details`
    (paths, part lists) go behind "Show details"; a bug's traceback goes there too."""
    if isinstance(error, BaseException) and not isinstance(error, MoeeError):
        log.error("%s", "".join(traceback.format_exception(error)))
    box = QMessageBox(QMessageBox.Icon.Warning, title, user_message(error),
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    if isinstance(error, BaseException) and not isinstance(error, MoeeError):
        details = "\n\n".join(filter(None, (details, "".join(traceback.format_exception(error)))))
    if details:
        box.setDetailedText(details)
    return keep_open(box)


def keep_open(box: QDialog) -> QDialog:
    """open() a non-blocking dialog, keeping it alive until it closes."""
    box.finished.connect(lambda _=0, b=box: _forget(b))
    _open_boxes.append(box)
    box.open()
    return box


def _forget(box: QDialog) -> None:
    if box in _open_boxes:
        _open_boxes.remove(box)
    box.deleteLater()


def ask_save_changes(parent: QWidget | None, what: str = "this project") -> str:
    """'save', 'discard' or 'cancel'. Blocking by nature; tests monkeypatch it."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    answer = QMessageBox.question(parent, "Unsaved changes",
                                  f"Save the changes to {what} first?", buttons,
                                  QMessageBox.StandardButton.Save)
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")


def ask_replace(parent: QWidget | None, name: str) -> bool:
    """Whether to replace `name`, a file already there. Blocking by nature; tests monkeypatch
    it."""
    buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
    answer = QMessageBox.question(parent, "Replace the file?",
                                  f"{name} already exists. Replace it?", buttons,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes



def ask_take_folder(parent: QWidget | None, start: str) -> str:
    """A folder to keep a voice take in ("" when cancelled). Blocking by nature; tests
    monkeypatch it."""
    return QFileDialog.getExistingDirectory(parent, "Keep the take in a folder", start)

def _ask(parent: QWidget | None, icon, title: str, text: str, name: str,
         choices: tuple[tuple[str, QMessageBox.ButtonRole, str], ...], other: str) -> str:
    """A blocking question: the answer of the button clicked (`choices`: label, role, answer;
    the first is the default), else `other` (Cancel, Esc, the window closed)."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(name)
    buttons = [(box.addButton(label, role), answer) for label, role, answer in choices]
    if other == "cancel":
        box.addButton(QMessageBox.StandardButton.Cancel)
    else:
        box.addButton(other.capitalize(), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(buttons[0][0])
    answers = {id(button): answer for button, answer in buttons}
    box.exec()
    return answers.get(id(box.clickedButton()), other)


def ask_overwrite_changed(parent: QWidget | None, name: str) -> str:
    """'save as', 'overwrite' or 'cancel' when the project's file changed on disk since it was
    opened or saved here (another window saved it). Blocking by nature; tests monkeypatch it."""
    return _ask(parent, QMessageBox.Icon.Warning, "Project changed on disk",
                f"{name} was saved by another window or program since you opened it. Saving "
                "here replaces those changes.", "changedOnDisk",
                (("Save as…", QMessageBox.ButtonRole.AcceptRole, "save as"),
                 ("Overwrite", QMessageBox.ButtonRole.DestructiveRole, "overwrite")), "cancel")


def ask_missing_portrait(parent: QWidget | None, path: str) -> str:
    """'locate', 'skip' or 'cancel' for a project whose portrait file is gone. Blocking by
    nature; tests monkeypatch it (or answer the real box from a timer)."""
    return _ask_missing(parent, "portrait", path)


def ask_missing_voice(parent: QWidget | None, path: str) -> str:
    """As ask_missing_portrait, for the project's voice."""
    return _ask_missing(parent, "voice", path)


def _ask_missing(parent: QWidget | None, what: str, path: str) -> str:
    return _ask(parent, QMessageBox.Icon.Warning, f"{what.capitalize()} not found",
                f"This project's {what} was not found: {path}. Locate it, or open the project "
                f"without a {what}?", f"missing{what.capitalize()}",
                (("Locate…", QMessageBox.ButtonRole.AcceptRole, "locate"),
                 ("Skip", QMessageBox.ButtonRole.DestructiveRole, "skip")), "cancel")


def ask_stop_export(parent: QWidget | None, done: int, total: int) -> str:
    """'stop' or 'keep' when the window is closed while a video exports (`done` of `total`
    frames): closing stops it and writes nothing. Blocking by nature; tests monkeypatch it."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Export running",
                      f"A video is exporting ({done} of {total} frames). Closing stops it, and "
                      "no file is written.", QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("stopExport")
    stop = box.addButton("Stop and close", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(box.addButton("Keep exporting", QMessageBox.ButtonRole.RejectRole))
    box.exec()
    return "stop" if box.clickedButton() is stop else "keep"


def ask_recover(parent: QWidget | None, what: str, when: str) -> str:
    """'recover', 'discard' or 'later' for unsaved work a crash left behind (core/recovery.py).
    Blocking by nature; tests monkeypatch it."""
    return _ask(parent, QMessageBox.Icon.Question, "Recover unsaved work",
                f"MoEE Palette did not quit normally. Unsaved changes to {what} were kept at "
                f"{when}. Recover them?", "recoverWork",
                (("Recover", QMessageBox.ButtonRole.AcceptRole, "recover"),
                 ("Discard", QMessageBox.ButtonRole.DestructiveRole, "discard")), "later")
