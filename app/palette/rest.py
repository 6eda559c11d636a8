"""The portrait's rest expression (read-only) and whether a mix takes it away first."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QWidget


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
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.neutralize)

    def show_rest(self, text: str) -> None:
        self.label.setText(f"at rest: {text}")

    def show_mix(self, mix) -> None:
        self.neutralize.blockSignals(True)
        self.neutralize.setChecked(mix.neutralize is not False)
        self.neutralize.blockSignals(False)
