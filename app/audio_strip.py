"""Audio strip (pyqtgraph): waveform, playhead, loop range, key markers (app/key_lane.py) with
their controls (app/key_bar.py), and the six gate weights over time."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QVBoxLayout, QWidget

from app.key_bar import KeyBar
from app.key_lane import KeyLane
from app.ui_constants import WAVEFORM_POINTS
from core.emotions import EMOTION_COLORS, EMOTIONS


def envelope(samples: np.ndarray, sample_rate: int, points: int = WAVEFORM_POINTS):
    """(times, lows, highs): a min/max envelope, cheap to draw for any length of audio."""
    n = len(samples)
    if n == 0:
        return np.zeros(1), np.zeros(1), np.zeros(1)
    bins = max(1, min(points, n))
    edges = np.linspace(0, n, bins + 1).astype(int)
    lows = np.minimum.reduceat(samples, edges[:-1])
    highs = np.maximum.reduceat(samples, edges[:-1])
    return edges[:-1] / sample_rate, lows, highs


def envelope_path(times: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> QPainterPath:
    """The envelope as one closed outline: the highs left to right, the lows back."""
    x = np.concatenate([times, times[::-1]]).astype(np.float64)
    y = np.concatenate([highs, lows[::-1]]).astype(np.float64)
    path = pg.arrayToQPath(x, y, connect="all")
    path.closeSubpath()
    return path


class AudioStrip(QWidget):
    seeked = Signal(float)  # the user dragged the playhead or clicked the waveform
    rangeChanged = Signal(float, float)  # loop range, seconds
    keyClicked = Signal(int)  # key index
    keyMoved = Signal(int, float)  # key index, new time (s)
    backgroundClicked = Signal(float)  # a click on the waveform away from keys (seconds)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.duration = 0.0
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#1b1c1f")
        self.wave = self.view.addPlot(row=0, col=0)
        self.gates = self.view.addPlot(row=1, col=0)
        self.gates.setXLink(self.wave)
        self._setup_wave()
        self._setup_gates()
        self.keys = KeyLane(self.wave, self)
        self.keys.clicked.connect(self.keyClicked)
        self.keys.moved.connect(self.keyMoved)
        self.view.scene().sigMouseClicked.connect(self._scene_clicked)
        self.keybar = KeyBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.keybar)
        layout.addWidget(self.view)

    def _setup_wave(self) -> None:
        w = self.wave
        w.hideAxis("bottom")
        w.setMouseEnabled(x=False, y=False)
        w.hideButtons()
        w.setYRange(-1, 1)
        w.setLabel("left", "voice")
        # one filled outline, not two curves and a FillBetweenItem: that rebuilt its path from
        # both curves' on each setData (20-50 ms a time for 4,000 points, 3 times on the GUI
        # thread while the first frame was being made; bench_startup.py)
        self.envelope = QGraphicsPathItem()
        self.envelope.setPen(pg.mkPen("#8ab4f8"))
        self.envelope.setBrush(pg.mkBrush(138, 180, 248, 120))
        w.addItem(self.envelope)
        self.region = pg.LinearRegionItem(values=(0, 0), brush=pg.mkBrush(255, 255, 255, 30))
        self.region.setZValue(-5)
        self.region.sigRegionChangeFinished.connect(
            lambda r: self.rangeChanged.emit(*sorted(r.getRegion())))
        w.addItem(self.region)
        self.playhead = pg.InfiniteLine(0, movable=True, pen=pg.mkPen("#ffffff", width=2))
        self.playhead.sigDragged.connect(lambda line: self.seeked.emit(max(0.0, line.value())))
        w.addItem(self.playhead)

    def _setup_gates(self) -> None:
        g = self.gates
        g.setMouseEnabled(x=False, y=False)
        g.hideButtons()
        g.setYRange(0, 1.05)
        g.setLabel("left", "gates")
        g.setLabel("bottom", "time", units="s")
        self.gate_curves = [g.plot(pen=pg.mkPen(EMOTION_COLORS[name], width=2), name=name)
                            for name in EMOTIONS]
        self.gate_playhead = pg.InfiniteLine(0, pen=pg.mkPen("#ffffff", width=1))
        g.addItem(self.gate_playhead)

    def set_audio(self, samples: np.ndarray | None, sample_rate: int, duration: float) -> None:
        self.duration = duration
        if samples is None:
            t, lo, hi = np.array([0.0, duration]), np.zeros(2), np.zeros(2)
        else:
            t, lo, hi = envelope(samples, sample_rate)
        self.envelope.setPath(envelope_path(t, lo, hi))
        self.wave.setXRange(0, duration, padding=0)
        self.region.setBounds((0, duration))
        self.region.setRegion((0, duration))
        self.keys.set_duration(duration)

    def _scene_clicked(self, ev) -> None:
        """A click on the waveform that no marker took: seek there and deselect keys."""
        if ev.isAccepted() or ev.button() != Qt.MouseButton.LeftButton:
            return
        if not self.wave.vb.sceneBoundingRect().contains(ev.scenePos()):
            return
        t = float(np.clip(self.wave.vb.mapSceneToView(ev.scenePos()).x(), 0.0, self.duration))
        self.backgroundClicked.emit(t)
        self.seeked.emit(t)

    def set_gates(self, times: np.ndarray, gates: np.ndarray) -> None:
        """gates: (len(times), 6) effective gate values over time."""
        for i, curve in enumerate(self.gate_curves):
            curve.setData(times, gates[:, i])

    def set_playhead(self, t: float) -> None:
        self.playhead.setValue(t)
        self.gate_playhead.setValue(t)

    def loop_range(self) -> tuple[float, float]:
        lo, hi = sorted(self.region.getRegion())
        return float(lo), float(hi)
