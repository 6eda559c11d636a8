"""Where a Save dialog writes: the name chosen, with the file type's suffix added when none was
typed. The dialog asked before replacing the name typed ("take"), not the file the suffix names
("take.moee.json"), so a file there is replaced only when the user says so here."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app import errors
from app.path_text import real_path
from core.errors import InputError


def ask_save_path(parent: QWidget | None, title: str, start: str, name_filter: str,
                  suffix: str, accepted: tuple[str, ...] = ()) -> str:
    """The path to write, or "" when the user cancelled. `accepted`: endings kept as typed
    (`suffix` is always one)."""
    path, _ = QFileDialog.getSaveFileName(parent, title, start, name_filter)
    try:  # a folder named with bytes that are not UTF-8 came back with U+FFFD
        path = real_path(path)
    except InputError as e:
        errors.show_error(parent, "Cannot save there", e)
        return ""
    if not path or path.lower().endswith((suffix, *accepted)):
        return path
    path += suffix
    if Path(path).exists() and not errors.ask_replace(parent, Path(path).name):
        return ""
    return path
