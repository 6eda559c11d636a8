"""Key markers on a pyqtgraph plot: one vertical line per key, coloured by the key's dominant
emotion, draggable; proposals (auto keys) as dashed lines that cannot be dragged.

Lines are reused, never removed, while the keys change: a drag's own finish signal may rebuild
the markers, and removing the dragged item inside its event handler is unsafe in pyqtgraph.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from app.ui_constants import KEY_GHOST_ALPHA, KEY_NEUTRAL_COLOR, KEY_SELECTED_WIDTH, KEY_WIDTH
from core.emotions import EMOTION_COLORS
from core.mix import EmotionMix


def key_color(mix: EmotionMix) -> str:
    name = mix.dominant()
    return EMOTION_COLORS[name] if name else KEY_NEUTRAL_COLOR


def key_label(mix: EmotionMix) -> str:
    name = mix.dominant()
    return name[:3] if name else "neu"


class KeyLane(QObject):
    clicked = Signal(int)  # key index
    moved = Signal(int, float)  # key index, new time (s) after a drag

    def __init__(self, plot: pg.PlotItem, parent: QObject | None = None):
        super().__init__(parent)
        self.plot = plot
        self.lines: list[pg.InfiniteLine] = []
        self.ghosts: list[pg.InfiniteLine] = []
        self.duration = 0.0
        self._keys: tuple = ()  # what the markers show, to place them again on a new duration
        self._selected: int | None = None
        # what each line shows (colour, width, label, time; None: hidden): a line is styled only
        # when that changes. Styled all again, a palette edit with 2000 keys took ~0.5 s on the
        # GUI thread (each pen and label update repaints)
        self._shown: list[tuple | None] = []

    # ----- keys
    def set_keys(self, keys, selected: int | None) -> None:
        """keys: core.keyframes.Key sequence, sorted by time."""
        self._keys, self._selected = tuple(keys), selected
        while len(self.lines) < len(keys):
            self.lines.append(self._new_line(len(self.lines)))
            self._shown.append(None)
        for i, line in enumerate(self.lines):
            if i >= len(keys):
                if self._shown[i] is not None:
                    line.setVisible(False)
                    self._shown[i] = None
                continue
            color = key_color(keys[i].mix)
            width = KEY_SELECTED_WIDTH if i == selected else KEY_WIDTH
            label = ("▶ " if i == selected else "") + key_label(keys[i].mix)
            state = (color, width, label, keys[i].time)
            # ... and where the line stands (a drag moves it without set_keys)
            if self._shown[i] == state and float(line.value()) == keys[i].time:
                continue
            line.setPen(pg.mkPen(color, width=width))
            line.setHoverPen(pg.mkPen(color, width=KEY_SELECTED_WIDTH))
            line.label.setFormat(label)
            line.label.setColor(color)
            line.setValue(keys[i].time)
            line.setVisible(True)
            self._shown[i] = state

    def _new_line(self, index: int) -> pg.InfiniteLine:
        line = pg.InfiniteLine(0, movable=True, label="", labelOpts={"position": 0.92})
        line.setBounds((0, max(self.duration, 1e-3)))
        line.key_index = index
        line.setZValue(5)
        line.sigClicked.connect(self._line_clicked)
        line.sigPositionChangeFinished.connect(
            lambda ln: self.moved.emit(ln.key_index, max(0.0, float(ln.value()))))
        self.plot.addItem(line)
        return line

    def _line_clicked(self, line: pg.InfiniteLine, ev) -> None:
        ev.accept()  # the strip's "click on empty space" handler must not see it
        self.clicked.emit(line.key_index)

    def set_duration(self, duration: float) -> None:
        """A new voice: new bounds, and the markers placed again from the key times (a shorter
        voice's bounds clamped them; the times themselves live in the keys)."""
        self.duration = duration
        for line in self.lines:
            line.setBounds((0, max(duration, 1e-3)))
        self.set_keys(self._keys, self._selected)

    def visible_times(self) -> list[float]:
        return [ln.value() for ln in self.lines if ln.isVisible()]

    # ----- proposals
    def set_ghosts(self, keys) -> None:
        while len(self.ghosts) < len(keys):
            ghost = pg.InfiniteLine(0, movable=False, label="", labelOpts={"position": 0.08})
            ghost.setZValue(4)
            self.plot.addItem(ghost)
            self.ghosts.append(ghost)
        for i, ghost in enumerate(self.ghosts):
            if i >= len(keys):
                ghost.setVisible(False)
                continue
            color = pg.mkColor(key_color(keys[i].mix))
            color.setAlpha(KEY_GHOST_ALPHA)
            ghost.setPen(pg.mkPen(color, width=KEY_WIDTH, style=Qt.PenStyle.DashLine))
            ghost.label.setFormat(key_label(keys[i].mix) + "?")
            ghost.label.setColor(color)
            ghost.setValue(keys[i].time)
            ghost.setVisible(True)

    def ghost_times(self) -> list[float]:
        return [g.value() for g in self.ghosts if g.isVisible()]
