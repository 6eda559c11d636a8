"""Key markers on a pyqtgraph plot: one vertical line per key, coloured by the key's dominant
emotion, draggable; proposals (auto keys) as dashed lines that cannot be dragged. All keys are
drawn by one item (app/key_marks.py): an item per key made importing 2000 keys take seconds.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from app.key_marks import KeyMarks
from app.ui_constants import KEY_GHOST_ALPHA, KEY_NEUTRAL_COLOR, KEY_SELECTED_WIDTH, KEY_WIDTH
from core.emotions import EMOTION_COLORS
from core.mix import EmotionMix


def key_color(mix: EmotionMix) -> str:
    name = mix.dominant()
    return EMOTION_COLORS[name] if name else KEY_NEUTRAL_COLOR


def key_label(mix: EmotionMix) -> str:
    name = mix.dominant()
    return name[:3] if name else "neu"


def _ghost_pen(color: str, width: int):
    c = pg.mkColor(color)
    c.setAlpha(KEY_GHOST_ALPHA)
    return pg.mkPen(c, width=width, style=Qt.PenStyle.DashLine)


class KeyLane(QObject):
    clicked = Signal(int)  # key index
    moved = Signal(int, float)  # key index, new time (s) after a drag

    def __init__(self, plot: pg.PlotItem, parent: QObject | None = None):
        super().__init__(parent)
        self.plot = plot
        self.duration = 0.0
        self.marks = KeyMarks(0.92, lambda c, w: pg.mkPen(c, width=w), self.clicked.emit,
                              self.moved.emit)
        self.marks.setZValue(5)
        self.ghosts = KeyMarks(0.08, _ghost_pen)
        self.ghosts.setZValue(4)
        for item in (self.marks, self.ghosts):
            plot.addItem(item)

    @staticmethod
    def _marks(keys, selected: int | None, suffix: str = "") -> list[tuple]:
        """(time, colour, width, label) per key; keys sharing a mix are styled once."""
        styles: dict[int, tuple[str, str]] = {}  # id(mix) -> (colour, label)
        marks = []
        for i, key in enumerate(keys):
            style = styles.get(id(key.mix))
            if style is None:
                style = styles[id(key.mix)] = (key_color(key.mix), key_label(key.mix))
            color, label = style
            if i == selected:
                marks.append((key.time, color, KEY_SELECTED_WIDTH, "▶ " + label + suffix))
            else:
                marks.append((key.time, color, KEY_WIDTH, label + suffix))
        return marks

    # ----- keys
    def set_keys(self, keys, selected: int | None) -> None:
        """keys: core.keyframes.Key sequence, sorted by time."""
        self.marks.set_marks(self._marks(keys, selected), selected)

    def set_duration(self, duration: float) -> None:
        """A new voice: new bounds, and the markers placed again from the key times (a shorter
        voice's bounds clamped them; the times themselves live in the keys)."""
        self.duration = duration
        for item in (self.marks, self.ghosts):
            item.set_bounds(0.0, max(duration, 1e-3))

    def visible_times(self) -> list[float]:
        return [float(x) for x in self.marks.places]

    def shown(self, index: int) -> tuple:
        """(where, colour, width, label) of key `index`'s marker as drawn."""
        return (float(self.marks.places[index]), *self.marks.marks[index][1:])

    # ----- proposals
    def set_ghosts(self, keys) -> None:
        self.ghosts.set_marks(self._marks(keys, None, "?"))

    def ghost_times(self) -> list[float]:
        return [float(x) for x in self.ghosts.places]
