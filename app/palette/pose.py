"""Head yaw/pitch/roll and gaze offsets (degrees) for the palette: part of the mix, so the undo
stack, keyframes (K) and live mode carry them like the expert weights. The experts' own posture
(core/body.py) adds to these; the sign conventions are core/body.py's."""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QGridLayout, QLabel, QPushButton, QWidget

from core.body import GAZE_LIMITS_DEG, HEAD_LIMITS_DEG
from core.mix import EmotionMix

# (label, tooltip, limit) per control, head axes first, then gaze
AXES = (
    ("yaw", "head yaw: > 0 turns the face to the subject's right", HEAD_LIMITS_DEG[0]),
    ("pitch", "head pitch: > 0 lowers the chin, < 0 lifts it", HEAD_LIMITS_DEG[1]),
    ("roll", "head roll: > 0 tilts toward the subject's left shoulder", HEAD_LIMITS_DEG[2]),
    ("gaze x", "gaze: > 0 looks to the subject's left", GAZE_LIMITS_DEG[0]),
    ("gaze y", "gaze: > 0 looks down", GAZE_LIMITS_DEG[1]),
)


class PoseControls(QWidget):
    poseEdited = Signal(object, object, str)  # head (3,), gaze (2,), the axis edited

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: list[QDoubleSpinBox] = []
        for i, (name, tip, limit) in enumerate(AXES):
            box = QDoubleSpinBox()
            box.setObjectName(f"pose_{name.replace(' ', '_')}")
            box.setRange(-limit, limit)
            box.setDecimals(1)
            box.setSingleStep(1.0)
            box.setSuffix("°")
            box.setToolTip(tip + " (added to the emotion's own posture and the speech motion)")
            box.valueChanged.connect(lambda _v, name=name: self._edited(name))
            label = QLabel(name)
            label.setToolTip(tip)
            grid.addWidget(label, i // 3 * 2, i % 3)
            grid.addWidget(box, i // 3 * 2 + 1, i % 3)
            self.boxes.append(box)
        self.reset = QPushButton("Straight")
        self.reset.setToolTip("head and gaze offsets back to 0")
        self.reset.clicked.connect(self._straight)
        grid.addWidget(self.reset, 3, 2)

    def values(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        v = [b.value() for b in self.boxes]
        return tuple(v[:3]), tuple(v[3:])

    def _edited(self, name: str) -> None:
        head, gaze = self.values()
        self.poseEdited.emit(head, gaze, name)

    def _straight(self) -> None:
        self.poseEdited.emit((0.0, 0.0, 0.0), (0.0, 0.0), "straight")

    def show_mix(self, mix: EmotionMix) -> None:
        blockers = [QSignalBlocker(b) for b in self.boxes]
        for box, v in zip(self.boxes, (*mix.head, *mix.gaze)):
            box.setValue(v)
        del blockers
