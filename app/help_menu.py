"""The Help menu: keyboard shortcuts (read from the window's own actions, so the list cannot go
stale), usage (the README's "Using it" section) and About (the versions a bug report needs)."""
from __future__ import annotations

import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app.errors import keep_open
from app.screen_fit import fitted_size
from app.ui_constants import (APP_NAME, DIALOG_SCREEN_MARGIN, HELP_TEXT_ALLOWANCE, HELP_TEXT_WIDTH,
                              RESOURCES)

README = RESOURCES.parent / "README.md"  # a checkout's
DISTRIBUTION = "moee-palette"  # an installed copy's README is its metadata's description
USAGE_HEADING = "## Using it"
VERSIONED = ("torch", "mediapipe", "numpy", "diffusers")


def shortcuts_text(window: QWidget) -> str:
    rows = []
    for action in window.findChildren(QAction):
        keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                         for s in action.shortcuts())
        if keys and action.text():
            rows.append((action.text().replace("&", "").rstrip("…"), keys))
    lines = [f"| {keys} | {text} |" for text, keys in sorted(set(rows), key=lambda r: r[0])]
    return "| Key | Does |\n|---|---|\n" + "\n".join(lines)


def readme_text() -> str | None:
    """The README: the checkout's file, else the installed distribution's long description
    (pyproject's readme; a wheel holds no README.md file)."""
    try:
        return README.read_text(encoding="utf-8")
    except OSError:
        pass
    try:
        meta = metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    return meta.get_payload() or meta.get("Description") or None


def usage_text() -> str:
    """The README's usage section; a pointer to it when no README is installed."""
    text = readme_text()
    if not text:
        return f"See the README of {APP_NAME} for how to use the app and the commands."
    start = text.find(USAGE_HEADING)
    if start < 0:
        return text
    end = text.find("\n## ", start + len(USAGE_HEADING))
    return text[start:end if end > 0 else None].strip()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_text() -> str:
    parts = [f"**{APP_NAME}**: a portrait, a voice and an emotion mixed from six experts "
             "(MoEE, CVPR 2025).", "",
             f"- Python {platform.python_version()}",
             f"- Qt {qVersion()} (PySide6 {pyside_version})"]
    parts += [f"- {name} {_version(name)}" for name in VERSIONED]
    return "\n".join(parts)


class TextDialog(QDialog):
    """Markdown in a scrolling view and a Close button: as tall as the text, at most the
    screen's free height (a message box grows with its text: Usage was 1391 px tall, its Close
    button below a 768 px screen's edge)."""

    def __init__(self, parent: QWidget, title: str, markdown: str, name: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(name)
        self._markdown = markdown
        self.view = QTextBrowser()
        self.view.setOpenExternalLinks(True)
        self.view.setMarkdown(markdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.resize(*self._fitting_size())

    def text(self) -> str:
        return self._markdown

    def _fitting_size(self) -> tuple[int, int]:
        document = self.view.document()
        document.setTextWidth(HELP_TEXT_WIDTH)
        width = int(document.idealWidth()) + HELP_TEXT_ALLOWANCE[0]
        height = int(document.size().height()) + HELP_TEXT_ALLOWANCE[1]
        return fitted_size(self, (width, height), margin=DIALOG_SCREEN_MARGIN)


def show_text(parent: QWidget, title: str, markdown: str, name: str) -> TextDialog:
    return keep_open(TextDialog(parent, title, markdown, name))


def build_help_menu(window, menu) -> None:
    for text, title, name, make in (
            ("&Keyboard shortcuts", "Keyboard shortcuts", "helpShortcuts",
             lambda: shortcuts_text(window)),
            ("&Usage", "Using MoEE Palette", "helpUsage", usage_text),
            ("&About", f"About {APP_NAME}", "helpAbout", about_text)):
        action = QAction(text, window)
        action.setObjectName(name + "Action")
        action.triggered.connect(lambda _=False, t=title, n=name, m=make:
                                 show_text(window, t, m(), n))
        menu.addAction(action)
