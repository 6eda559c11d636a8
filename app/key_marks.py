"""Many vertical markers drawn by one pyqtgraph item, each with its colour, width and label,
with what pg.InfiniteLine gave each key: hover thickens, a click picks, a drag moves (within
bounds; a right click mid-drag puts it back). One InfiniteLine (and its label) per key took
~1.2 ms to create: importing 2000 keys held the GUI thread for 2.4 s of 3.9 s.

A label sits `label_at` of the view's height up its line, on the side facing the view's middle
(as InfLineLabel places it); a label that would cover one drawn before it is left out (2000
labels on 1000 pixels are ink, not text); the selected and hovered keys' always show.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen

from app.ui_constants import KEY_SELECTED_WIDTH

PICK_PX = 7  # a pointer this close to a marker (pixels) hovers, clicks or drags it
LABEL_GAP_PX = 4  # between a marker and its label
LEFT = Qt.MouseButton.LeftButton

Mark = tuple  # (time s, colour, width px, label): one marker as the caller wants it shown


class KeyMarks(pg.GraphicsObject):
    def __init__(self, label_at: float, pen: Callable[[str, int], QPen],
                 clicked: Callable[[int], None] | None = None,
                 moved: Callable[[int, float], None] | None = None):
        """pen(colour, width): a marker's pen. clicked(index) and moved(index, time): where
        clicks and drags go; without `moved` the markers cannot be dragged."""
        super().__init__()
        self.label_at, self._pen, self._clicked, self._moved = label_at, pen, clicked, moved
        self.marks: list[Mark] = []
        self.selected: int | None = None  # its label shows first, whatever it covers
        self.places = np.zeros(0)  # where each marker stands (its time within the bounds; dragged)
        self.bounds = (0.0, 1e-3)
        self.hover: int | None = None
        self._drag: tuple[int, float] | None = None  # (index, marker x - pointer x at press)
        self._font = QFont()
        self._metrics = QFontMetricsF(self._font)
        self._widths: dict[str, float] = {}  # label -> its width in pixels

    def set_marks(self, marks: list[Mark], selected: int | None = None) -> None:
        self.marks, self.selected = marks, selected
        self.places = np.clip(np.array([m[0] for m in marks], float), *self.bounds)
        self._drag = None
        if self.hover is not None and self.hover >= len(marks):
            self.hover = None
        self.update()

    def set_bounds(self, lo: float, hi: float) -> None:
        self.bounds = (lo, hi)
        self.set_marks(self.marks, self.selected)

    # ----- geometry (the whole view, as an InfiniteLine's; never scales the view)
    def dataBounds(self, axis, frac=1.0, orthoRange=None):
        return None

    def boundingRect(self) -> QRectF:
        return self.viewRect() or QRectF()  # cached by pyqtgraph until the view changes

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()

    def viewTransformChanged(self) -> None:
        super().viewTransformChanged()
        self.prepareGeometryChange()

    # ----- drawing
    def _width(self, i: int) -> int:
        width = self.marks[i][2]
        return max(width, KEY_SELECTED_WIDTH) if i == self.hover else width

    def paint(self, p, *args) -> None:
        """In device pixels: a solid marker is one filled rectangle (stroking 2000 lines of
        width 2 took 120 ms a paint), a dashed one (a proposal) a line."""
        rect = self.boundingRect()
        if not self.marks or rect.isEmpty():
            return
        tr = p.transform()
        xs = self.places * tr.m11() + tr.dx()
        top, bottom = sorted((tr.map(rect.topLeft()).y(), tr.map(rect.bottomLeft()).y()))
        label_y = tr.map(QPointF(0.0, rect.top() + self.label_at * rect.height())).y()
        middle = tr.map(rect.center()).x()
        p.resetTransform()
        groups: dict[tuple, list[float]] = {}
        for i, mark in enumerate(self.marks):
            groups.setdefault((self._width(i), mark[1]), []).append(xs[i])
        for (width, color), at in sorted(groups.items()):  # thick ones (selected) on top
            pen = self._pen(color, width)
            if pen.style() == Qt.PenStyle.SolidLine:
                for x in at:
                    p.fillRect(QRectF(x - width / 2, top, width, bottom - top), pen.color())
            else:
                p.setPen(pen)
                p.drawLines([QLineF(x, top, x, bottom) for x in at])
        self._paint_labels(p, xs, label_y, middle)

    def _paint_labels(self, p, xs: np.ndarray, y: float, middle: float) -> None:
        first = [i for i in dict.fromkeys((self.selected, self.hover)) if i is not None]
        spans = {i: self._span(i, xs[i], middle) for i in first}  # index -> (left, right)
        fixed = list(spans.values())
        right = -np.inf  # of the last label placed left to right
        for i in sorted(range(len(self.marks)), key=lambda i: xs[i]):
            if i in spans:
                continue
            left, end = self._span(i, xs[i], middle)
            if left >= right + LABEL_GAP_PX and not any(a < end and left < b for a, b in fixed):
                spans[i] = (left, end)
                right = end
        p.setFont(self._font)
        h = self._metrics.height()
        for i in [i for i in spans if i not in first] + first[::-1]:  # the first ones on top
            left, right = spans[i]
            p.setPen(QColor(self._pen(self.marks[i][1], 1).color()))
            p.drawText(QRectF(left, y - h / 2, right - left + 1, h),
                       Qt.AlignmentFlag.AlignCenter, self.marks[i][3])

    def _span(self, i: int, x: float, middle: float) -> tuple[float, float]:
        """Where key i's label goes (left, right in pixels): on the side of its marker that
        faces the view's middle."""
        label = self.marks[i][3]
        w = self._widths.get(label)
        if w is None:
            w = self._widths[label] = self._metrics.horizontalAdvance(label)
        left = x + LABEL_GAP_PX if x < middle else x - LABEL_GAP_PX - w
        return left, left + w

    # ----- the pointer
    def _near(self, x: float) -> int | None:
        dt = self.deviceTransform_()
        if not len(self.places) or dt is None or dt.m11() == 0:
            return None
        i = int(np.argmin(np.abs(self.places - x)))
        return i if abs(self.places[i] - x) * abs(dt.m11()) <= PICK_PX else None

    def hoverEvent(self, ev) -> None:
        i = None
        if not ev.isExit() and self._moved is not None:
            i = self._near(ev.pos().x())
            if i is not None and not ev.acceptDrags(LEFT):
                i = None
        if i != self.hover:
            self.hover = i
            self.update()

    def mouseClickEvent(self, ev) -> None:
        if self._drag is not None and ev.button() == Qt.MouseButton.RightButton:
            ev.accept()  # mid-drag: the marker goes back, as a drag that did not move
            i, self._drag = self._drag[0], None
            self.places[i] = np.clip(self.marks[i][0], *self.bounds)
            self.update()
            self._moved(i, max(0.0, float(self.places[i])))
            return
        i = self._near(ev.pos().x())
        if i is not None and self._clicked is not None:
            ev.accept()  # the strip's "click on empty space" handler must not see it
            self._clicked(i)

    def mouseDragEvent(self, ev) -> None:
        if self._moved is None or ev.button() != LEFT:
            return
        if ev.isStart():
            i = self._near(ev.buttonDownPos().x())
            if i is None:
                return
            self._drag = (i, self.places[i] - ev.buttonDownPos().x())
        if self._drag is None:
            return
        ev.accept()
        i, offset = self._drag
        self.places[i] = np.clip(offset + ev.pos().x(), *self.bounds)
        self.update()
        if ev.isFinish():
            self._drag = None
            self._moved(i, max(0.0, float(self.places[i])))
