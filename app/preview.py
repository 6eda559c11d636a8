"""Centre of the window: the animated portrait and its transport (play/pause, scrub, loop, fps)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from app.elided_label import ElidedLabel
from app.transport import Transport
from app.ui_constants import SCRUB_STEPS_PER_S

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


PLACEHOLDER = "Drop a portrait and a voice here, or use File ▸ Open"
BUSY_MARK = "⏳ "


def format_time(t: float) -> str:
    """m:ss.cc, rounded once (59.996 s is 1:00.00, not 0:60.00)."""
    cs = int(round(max(t, 0.0) * 100))
    return f"{cs // 6000}:{cs % 6000 // 100:02d}.{cs % 100:02d}"


class Preview(QWidget):
    playToggled = Signal()
    scrubbed = Signal(float)  # seconds
    loopToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.duration = 0.0
        self.frames_shown = 0
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#202124")
        self.box = self.view.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.image = pg.ImageItem()
        self.box.addItem(self.image)
        self.placeholder = QLabel(PLACEHOLDER)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.placeholder)
        layout.addWidget(self._build_transport())

    def _build_transport(self) -> Transport:
        self.play = QToolButton()
        self.play.setObjectName("play")
        self.play.setText("▶")
        self.play.setToolTip("Play / pause (Space)")
        self.play.clicked.connect(self.playToggled)
        self.scrub = QSlider(Qt.Orientation.Horizontal)
        self.scrub.setObjectName("scrub")
        self.scrub.valueChanged.connect(lambda v: self.scrubbed.emit(v / SCRUB_STEPS_PER_S))
        self.time_label = QLabel(format_time(0) + " / " + format_time(0))
        self.loop = QCheckBox("Loop range")
        self.loop.setToolTip("Loop the range selected on the audio strip")
        self.loop.toggled.connect(self.loopToggled)
        self.busy_text = ""  # what is loading now ("" when idle)
        self.working_text = ""  # the frame being rendered, when that is slow ("" when none)
        # elided: at its whole width it widened a window at its narrowest by 156 px (past a
        # 1280x720 laptop's 853 logical px at 150%), and the window stayed so
        self.busy = ElidedLabel()
        self.busy.setObjectName("busy")
        self.busy.hide()
        self.fps_label = QLabel("– fps")
        self.fps_label.setObjectName("fps")
        self.fps_label.setMinimumWidth(150)
        self.transport = Transport(self.play, self.scrub, (self.time_label, self.loop,
                                                           self.busy, self.fps_label), self.busy)
        return self.transport

    def show_frame(self, image: np.ndarray) -> None:
        first = self.image.image is None
        self.image.setImage(image, autoLevels=False, levels=(0, 255))
        self.frames_shown += 1
        if first:
            self.placeholder.hide()
            self.busy.setVisible(bool(self.busy.text()))
            self.transport.fit()
            self.box.autoRange(padding=0.0)

    def clear(self) -> None:
        """No picture (no portrait): nothing of a previous one stays on screen."""
        self.image.clear()

    def set_busy(self, text: str) -> None:
        """A busy mark while something loads ("" when idle): in the empty preview before the
        first frame, beside the frame rate after it."""
        self.busy_text = text
        self._show_marks()

    def set_working(self, text: str) -> None:
        """Where a slow frame is ("" once shown, or dropped), in the busy mark's place when
        nothing loads: the picture before it stayed for minutes as if frozen."""
        self.working_text = text
        self._show_marks()

    def _show_marks(self) -> None:
        text = self.busy_text or self.working_text
        self.busy.setText(BUSY_MARK + text if text else "")
        self.busy.setVisible(bool(text) and self.image.image is not None)
        self.transport.fit()  # the mark's ellipsis may not fit one row any more
        if self.image.image is None:
            self.placeholder.setText(BUSY_MARK + text if text else PLACEHOLDER)

    def set_duration(self, seconds: float) -> None:
        self.duration = seconds
        with QSignalBlocker(self.scrub):
            self.scrub.setRange(0, int(seconds * SCRUB_STEPS_PER_S))

    def set_time(self, t: float) -> None:
        with QSignalBlocker(self.scrub):
            self.scrub.setValue(int(round(t * SCRUB_STEPS_PER_S)))
        text, before = f"{format_time(t)} / {format_time(self.duration)}", self.time_label.text()
        self.time_label.setText(text)
        if len(text) != len(before):  # a take past ten minutes: a wider time
            self.transport.fit()

    def set_playing(self, playing: bool) -> None:
        self.play.setText("❚❚" if playing else "▶")

    def set_rates(self, shown_fps: float | None, render_ms: float | None) -> None:
        parts = []
        if shown_fps is not None:
            parts.append(f"{shown_fps:.1f} fps")
        if render_ms is not None:
            parts.append(f"frame {render_ms:.0f} ms")
        self.fps_label.setText(" · ".join(parts) or "– fps")
