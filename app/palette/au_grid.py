"""AU toggles: one cell per Action Unit (number and name; tooltip: muscle and motion).

Each AU is off (the mix decides), forced on at an intensity, or muted; a bar beside it shows what
the mix itself gives the face (core.rig.moe_rig.face_aus without overrides: the experts'
strengths, the ceiling and the compounds' yields, as the AU curves show them).
"""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QProgressBar, QSlider,
                               QToolButton, QWidget)

from app.elided_label import ElidedLabel
from app.ui_constants import AU_CELL_MIN_WIDTH, AU_FORCED_DEFAULT, AU_GRID_COLUMNS, SLIDER_STEPS
from core.emotions import AU_CATALOG, ActionUnit
from core.mix import EmotionMix
from core.rig.moe_rig import face_aus

STATE_OFF, STATE_ON, STATE_MUTED = "off", "on", "muted"
_NEXT_STATE = {STATE_OFF: STATE_ON, STATE_ON: STATE_MUTED, STATE_MUTED: STATE_OFF}
_STATE_STYLE = {
    STATE_OFF: "",
    STATE_ON: "QToolButton { background: #2e8b57; color: white; font-weight: bold; }",
    STATE_MUTED: "QToolButton { background: #777; color: #ddd; text-decoration: line-through; }",
}


class AUCell(QWidget):
    edited = Signal(int, object)  # AU number, None (off) | 0.0 (muted) | intensity

    def __init__(self, au: ActionUnit, parent: QWidget | None = None):
        super().__init__(parent)
        self.au = au
        self.state = STATE_OFF
        self.button = QToolButton()
        self.button.setText(f"AU{au.number}")
        self.button.setObjectName(f"au_{au.number}")
        self.button.setMinimumWidth(48)
        self.button.clicked.connect(self._cycle)
        self.name = ElidedLabel(au.name, tooltip_text=False)
        self.intensity = QSlider(Qt.Orientation.Horizontal)
        self.intensity.setRange(0, SLIDER_STEPS)
        self.intensity.setValue(int(AU_FORCED_DEFAULT * SLIDER_STEPS))
        self.intensity.setMaximumWidth(70)
        self.intensity.setToolTip("forced intensity")
        self.intensity.valueChanged.connect(self._intensity_moved)
        self.produced = QProgressBar()
        self.produced.setRange(0, SLIDER_STEPS)
        self.produced.setTextVisible(False)
        self.produced.setMaximumWidth(40)
        self.produced.setMaximumHeight(8)
        tip = (f"AU{au.number} {au.name}\nMuscle: {au.muscle}\nMoves: {au.motion}\n"
               "Click: off → forced on → muted")
        for w in (self, self.button, self.name):
            w.setToolTip(tip)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for w in (self.button, self.name, self.intensity, self.produced):
            row.addWidget(w)

    def value(self) -> float | None:
        if self.state == STATE_OFF:
            return None
        return 0.0 if self.state == STATE_MUTED else self.intensity.value() / SLIDER_STEPS

    def _cycle(self) -> None:
        self.state = _NEXT_STATE[self.state]
        self.edited.emit(self.au.number, self.value())

    def _intensity_moved(self, _v: int) -> None:
        if self.state == STATE_ON:
            self.edited.emit(self.au.number, self.value())

    def show_state(self, override: float | None, produced: float) -> None:
        if override is None:
            self.state = STATE_OFF
        elif override == 0.0:
            self.state = STATE_MUTED
        else:
            self.state = STATE_ON
            with QSignalBlocker(self.intensity):
                self.intensity.setValue(int(round(override * SLIDER_STEPS)))
        self.button.setStyleSheet(_STATE_STYLE[self.state])
        self.intensity.setEnabled(self.state == STATE_ON)
        self.produced.setValue(int(round(produced * SLIDER_STEPS)))
        self.produced.setToolTip(f"the mix itself produces {produced:.2f}")


class AUGrid(QWidget):
    """The AU cells in as many columns as fit (AU_GRID_COLUMNS at most): one on a laptop-narrow
    palette, so the grid never makes the window wider (issue 14)."""
    auEdited = Signal(int, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.cells: dict[int, AUCell] = {}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(2)
        for au in AU_CATALOG.values():
            cell = AUCell(au)
            cell.edited.connect(self.auEdited)
            self.cells[au.number] = cell
        self.columns = 0
        self._reflow(1)

    def _reflow(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for i, cell in enumerate(self.cells.values()):
            self.grid.addWidget(cell, i // columns, i % columns)  # re-adding moves the cell

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._reflow(max(1, min(AU_GRID_COLUMNS, event.size().width() // AU_CELL_MIN_WIDTH)))

    def minimumSizeHint(self) -> QSize:
        return QSize(AU_CELL_MIN_WIDTH, super().minimumSizeHint().height())

    def show_mix(self, mix: EmotionMix) -> None:
        produced = face_aus(mix.gates())
        for number, cell in self.cells.items():
            cell.show_state(mix.au_overrides.get(number), produced.get(number, 0.0))
