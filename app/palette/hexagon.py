"""2-D palette picker: a hexagon with one emotion per corner; dragging one point sets the weights.

The point (puck) is the gate-weighted sum of the six corner directions. That is a faithful
picture only of one emotion or two neighbours (mixing.hex_exact); any other mix would be read as
the neighbour blend that shares its point (happy + fearful sits where half "surprised" does), so
the hexagon then draws one spoke per emotion (length = weight), a hollow puck, and says so in its
tooltip. A click without a drag changes nothing: only dragging picks a new mix.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QLinearGradient, QPainter, QPen, QPolygonF, QRadialGradient
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from app.palette.mixing import hex_corners, hex_exact, point_from_weights, weights_from_point
from app.ui_constants import (HEX_CORNER_ORDER, HEX_HANDLE_RADIUS, HEX_MARGIN, HEX_MIN_SIZE,
                              HEX_SPOKE_WIDTH)
from core.emotions import EMOTION_COLORS, EMOTIONS

HELP = ("Drag the point: corners are pure emotions, edges blend two neighbours, the centre is "
        "neutral. A click without a drag changes nothing.")
INEXACT = ("{mix}: the hexagon cannot show this mix as one point (only one emotion or two "
           "neighbours have a point of their own). Each spoke is one emotion's weight; dragging "
           "replaces the mix with a blend of two neighbours.")


class HexagonPicker(QWidget):
    weightsPicked = Signal(tuple)  # six weights, EMOTIONS order

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(HEX_MIN_SIZE, HEX_MIN_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip(HELP)
        self.point = (0.0, 0.0)  # unit-hexagon coordinates
        self.weights: tuple[float, ...] = (0.0,) * len(EMOTIONS)
        self.exact = True  # the point alone pictures the mix faithfully
        self.normalized = False
        self._last_emitted: tuple | None = None
        self._press: QPointF | None = None
        self._dragging = False
        self._corners = hex_corners()

    def sizeHint(self) -> QSize:
        return QSize(HEX_MIN_SIZE + 60, HEX_MIN_SIZE + 20)

    def hasHeightForWidth(self) -> bool:
        return False

    # ----- model -> view
    def show_weights(self, weights, normalized: bool = False) -> None:
        self.normalized = normalized
        self.weights = tuple(float(w) for w in weights)
        # Keep the user's point when the weights are what it produced (the mapping is many-to-one
        # in normalized mode); otherwise place the point from the weights.
        if self._last_emitted is None or self.weights != self._last_emitted:
            self.point = point_from_weights(weights)
            self._last_emitted = None
        self.exact = hex_exact(weights)
        if self.exact:
            self.setToolTip(HELP)
        else:
            shown = " + ".join(f"{n} {w:.2f}" for n, w in zip(EMOTIONS, self.weights) if w > 0)
            self.setToolTip(INEXACT.format(mix=shown))
        self.update()

    def spokes(self) -> list[tuple[str, QPointF, float]]:
        """What an inexact mix draws: (emotion, spoke end in widget pixels, weight) per emotion
        with a weight; empty when the point alone is faithful."""
        if self.exact:
            return []
        out = []
        for k, name in enumerate(HEX_CORNER_ORDER):
            w = self.weights[EMOTIONS.index(name)]
            if w > 1e-4:
                x, y = self._corners[k] * min(w, 1.0)
                out.append((name, self._to_widget(float(x), float(y)), w))
        return out

    # ----- geometry
    def _radius(self) -> float:
        return max(10.0, min(self.width(), self.height()) / 2 - HEX_MARGIN)

    def _to_widget(self, x: float, y: float) -> QPointF:
        r = self._radius()
        return QPointF(self.width() / 2 + x * r, self.height() / 2 + y * r)

    def _to_unit(self, pos: QPointF) -> tuple[float, float]:
        r = self._radius()
        return (pos.x() - self.width() / 2) / r, (pos.y() - self.height() / 2) / r

    def point_for(self, weights) -> QPointF:
        """Widget position of the point that `weights` put it at (tests drag to it)."""
        return self._to_widget(*point_from_weights(weights))

    def corner_at(self, name: str) -> QPointF:
        return self._to_widget(*self._corners[HEX_CORNER_ORDER.index(name)])

    # ----- interaction: only a drag picks
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._dragging = event.position(), False

    def mouseMoveEvent(self, event) -> None:
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        moved = (event.position() - self._press).manhattanLength()
        if self._dragging or moved >= QApplication.startDragDistance():
            self._dragging = True
            self._pick(event.position())

    def mouseReleaseEvent(self, event) -> None:
        if self._dragging and event.button() == Qt.MouseButton.LeftButton:
            self._pick(event.position())
        self._press, self._dragging = None, False

    def _pick(self, pos: QPointF) -> None:
        x, y = self._to_unit(pos)
        weights = weights_from_point(x, y, self.normalized)
        # the shown point is the free-mode one: the same spot, clamped into the hexagon
        self.point = point_from_weights(weights_from_point(x, y, False))
        self._last_emitted = weights
        self.update()
        self.weightsPicked.emit(weights)

    # ----- painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        centre = self._to_widget(0, 0)
        corners = [self._to_widget(*c) for c in self._corners]
        for k in range(6):
            a, b = corners[k], corners[(k + 1) % 6]
            grad = QLinearGradient(a, b)
            grad.setColorAt(0, QColor(EMOTION_COLORS[HEX_CORNER_ORDER[k]]))
            grad.setColorAt(1, QColor(EMOTION_COLORS[HEX_CORNER_ORDER[(k + 1) % 6]]))
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QBrush(grad))
            p.drawPolygon(QPolygonF([centre, a, b]))
        self._paint_centre_fade(p, centre)
        p.setPen(QPen(QColor("#555"), 1.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolygon(QPolygonF(corners))
        self._paint_labels(p, corners, centre)
        self._paint_spokes(p, centre)
        self._paint_handle(p)
        p.end()

    def _paint_centre_fade(self, p: QPainter, centre: QPointF) -> None:
        fade = QRadialGradient(centre, self._radius())
        fade.setColorAt(0, QColor(235, 235, 235, 255))
        fade.setColorAt(1, QColor(235, 235, 235, 0))
        p.setBrush(QBrush(fade))
        p.drawPolygon(QPolygonF([self._to_widget(*c) for c in self._corners]))

    def _paint_labels(self, p: QPainter, corners, centre: QPointF) -> None:
        p.setPen(QColor(self.palette().windowText().color()))
        for name, corner in zip(HEX_CORNER_ORDER, corners):
            d = corner - centre
            length = max(1.0, (d.x() ** 2 + d.y() ** 2) ** 0.5)
            at = corner + d * (HEX_MARGIN * 0.55 / length)
            rect = QRectF(at.x() - 45, at.y() - 9, 90, 18)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, name)
        p.drawText(QRectF(centre.x() - 30, centre.y() + 10, 60, 16), Qt.AlignmentFlag.AlignCenter,
                   "neutral")

    def _paint_spokes(self, p: QPainter, centre: QPointF) -> None:
        for name, end, _w in self.spokes():
            for color, width in ((QColor("#111"), HEX_SPOKE_WIDTH + 2),
                                 (QColor(EMOTION_COLORS[name]).darker(130), HEX_SPOKE_WIDTH)):
                pen = QPen(color, width)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                p.setPen(pen)
                p.drawLine(centre, end)

    def _paint_handle(self, p: QPainter) -> None:
        at = self._to_widget(*self.point)
        if self.exact:
            p.setPen(QPen(QColor("#111"), 2))
            p.setBrush(QColor("white"))
        else:  # hollow: the point is not the whole story
            pen = QPen(QColor("#111"), 2)
            pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(at, HEX_HANDLE_RADIUS, HEX_HANDLE_RADIUS)
