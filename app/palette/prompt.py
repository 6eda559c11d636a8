"""Text prompt box (Emotion-to-Latents) and the gating-override switch."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.mix import EmotionMix


class PromptBox(QWidget):
    promptApplied = Signal(str)
    overrideToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setObjectName("prompt")
        self.edit.setPlaceholderText("Describe the emotion, e.g. “pleasantly surprised, a bit shy”")
        self.edit.setToolTip("Typed text becomes an emotion condition; the sliders show what it "
                             "mapped to. Press Enter to apply.")
        self.apply = QPushButton("Apply")
        self.edit.returnPressed.connect(self._apply)
        self.apply.clicked.connect(self._apply)
        self.note = QLabel()
        self.note.setObjectName("prompt_note")
        self.note.setWordWrap(True)
        self.note.hide()
        self.override = QCheckBox("Gating override: use the hand-set gates")
        self.override.setObjectName("gate_override")
        self.override.setToolTip("On: the sliders drive the experts. Off: the engine's own gates, "
                                 "computed from the text condition, decide (sliders only show them).")
        self.override.toggled.connect(self.overrideToggled)
        row = QHBoxLayout()
        row.addWidget(self.edit, 1)
        row.addWidget(self.apply)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.override)

    def _apply(self) -> None:
        self.promptApplied.emit(self.edit.text().strip())

    def show_note(self, note: str | None) -> None:
        """What the last applied text read as, when not an emotion (core.latents.no_emotion)."""
        self.note.setText(note or "")
        self.note.setVisible(bool(note))

    def show_mix(self, mix: EmotionMix) -> None:
        with QSignalBlocker(self.override):
            self.override.setChecked(mix.gate_override)
        if not self.edit.hasFocus():
            self.edit.setText(mix.prompt)
        if not mix.prompt:
            self.show_note(None)
