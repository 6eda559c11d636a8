"""The portrait's rest expression (read-only), whether a mix takes it away first, and what the
portrait's analysis says a user should know (several faces, a face small in the video)."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget


class RestBox(QWidget):
    neutralizeToggled = Signal(object)  # None (auto: on when an emotion is mixed) or False

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel("at rest: -")
        self.label.setObjectName("rest_label")
        self.label.setToolTip("Action Units the portrait already shows (main.py analyze)")
        self.neutralize = QCheckBox("Neutralize rest")
        self.neutralize.setObjectName("check_neutralize")
        self.neutralize.setChecked(True)
        self.neutralize.setToolTip("take the portrait's own expression away before the mix "
                                   "is added (when an emotion is mixed)")
        self.neutralize.toggled.connect(lambda on: self.neutralizeToggled.emit(None if on else False))
        self.notes = QLabel()
        self.notes.setObjectName("portrait_notes")
        self.notes.setWordWrap(True)  # a whole sentence with its numbers, on a laptop's width
        self.notes.setStyleSheet("color: #b8860b")  # dark goldenrod: a note, not an error
        self.notes.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.label, 1)
        row.addWidget(self.neutralize)
        column.addLayout(row)
        column.addWidget(self.notes)

    def show_rest(self, text: str) -> None:
        self.label.setText(f"at rest: {text}")

    def show_notes(self, notes: list[str]) -> None:
        """The portrait's notes, one per line, shown while it is loaded; hidden when none."""
        self.notes.setText("\n".join(f"Note: {n}" for n in notes))
        self.notes.setVisible(bool(notes))

    def show_mix(self, mix) -> None:
        self.neutralize.blockSignals(True)
        self.neutralize.setChecked(mix.neutralize is not False)
        self.neutralize.blockSignals(False)
