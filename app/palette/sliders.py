"""Six expert sliders (global gate g), the mixing mode and the master intensity."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QRadioButton,
                               QSlider, QVBoxLayout, QWidget)

from app.ui_constants import INTENSITY_MAX, SLIDER_STEPS, WEIGHT_MAX
from core.emotions import AU_CATALOG, BASIC_PROTOTYPES, EMOTION_COLORS, EMOTIONS
from core.expression import EXPERT_AUS
from core.mix import EmotionMix


def emotion_tooltip(name: str, index: int) -> str:
    """The expert, its prototype AUs (Du et al. 2014) and what the rig's expert moves."""
    proto = " + ".join(f"AU{a} {AU_CATALOG[a].name}" for a in BASIC_PROTOTYPES[name].core
                       if a in AU_CATALOG)
    moves = ", ".join(f"AU{a} {v:.2f}" for a, v in sorted(EXPERT_AUS[name].items(),
                                                          key=lambda kv: -kv[1]))
    return (f"{name} expert: global gate weight (key {index + 1} solos it)\n"
            f"Prototype AUs (Du et al. 2014): {proto}\nAt full weight it moves: {moves}")


def _slider(maximum: float, name: str) -> QSlider:
    s = QSlider(Qt.Orientation.Horizontal)
    s.setRange(0, int(round(maximum * SLIDER_STEPS)))
    s.setObjectName(name)
    return s


class ExpertSliders(QWidget):
    weightEdited = Signal(int, float)  # expert index, new weight
    modeEdited = Signal(str)
    intensityEdited = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.sliders: list[QSlider] = []
        self.values: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._build_mode_row())
        layout.addLayout(self._build_expert_grid())

    def _build_expert_grid(self) -> QGridLayout:
        grid = QGridLayout()
        for i, name in enumerate(EMOTIONS):
            swatch = QLabel(f"{i + 1}  {name}")
            swatch.setStyleSheet(f"border-left: 10px solid {EMOTION_COLORS[name]}; padding-left: 6px;")
            tip = emotion_tooltip(name, i)
            swatch.setToolTip(tip)
            slider = _slider(WEIGHT_MAX, f"slider_{name}")
            slider.setToolTip(tip)
            slider.setStyleSheet(f"QSlider::sub-page:horizontal {{ background: {EMOTION_COLORS[name]}; }}")
            slider.valueChanged.connect(lambda v, i=i: self.weightEdited.emit(i, v / SLIDER_STEPS))
            value = QLabel("0.00")
            value.setMinimumWidth(36)
            value.setToolTip("effective gate g after mixing mode and master intensity")
            grid.addWidget(swatch, i, 0)
            grid.addWidget(slider, i, 1)
            grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self.values.append(value)
        self.intensity = _slider(INTENSITY_MAX, "slider_intensity")
        self.intensity.valueChanged.connect(lambda v: self.intensityEdited.emit(v / SLIDER_STEPS))
        self.intensity_value = QLabel("1.00")
        grid.addWidget(QLabel("master"), len(EMOTIONS), 0)
        grid.addWidget(self.intensity, len(EMOTIONS), 1)
        grid.addWidget(self.intensity_value, len(EMOTIONS), 2)
        grid.setColumnStretch(1, 1)
        return grid

    def _build_mode_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.free = QRadioButton("Free intensities")
        self.free.setToolTip("each expert is an independent intensity")
        self.normalized = QRadioButton("Normalized (sum = 1)")
        self.normalized.setToolTip("weights are shares of one emotion, like the softmax gate")
        self.mode_group = QButtonGroup(self)
        for button in (self.free, self.normalized):
            self.mode_group.addButton(button)
            row.addWidget(button)
        self.free.toggled.connect(lambda on: self.modeEdited.emit("free" if on else "normalized"))
        row.addStretch(1)
        return row

    def show_mix(self, mix: EmotionMix) -> None:
        gates = mix.gates()
        blockers = [QSignalBlocker(w) for w in (*self.sliders, self.intensity, self.free,
                                                self.normalized)]
        for slider, label, weight, g in zip(self.sliders, self.values, mix.weights, gates):
            slider.setValue(int(round(weight * SLIDER_STEPS)))
            label.setText(f"{g:.2f}")
        self.intensity.setValue(int(round(mix.intensity * SLIDER_STEPS)))
        self.intensity_value.setText(f"{mix.intensity:.2f}")
        (self.free if mix.mode == "free" else self.normalized).setChecked(True)
        for slider in self.sliders:
            slider.setEnabled(mix.gate_override)
        del blockers
