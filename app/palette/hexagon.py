"""2-D palette picker: a hexagon with one emotion per corner; dragging one point sets the weights."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QLinearGradient, QPainter, QPen, QPolygonF, QRadialGradient
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.palette.mixing import hex_corners, point_from_weights, weights_from_point
from app.ui_constants import HEX_CORNER_ORDER, HEX_HANDLE_RADIUS, HEX_MARGIN, HEX_MIN_SIZE
from core.emotions import EMOTION_COLORS


class HexagonPicker(QWidget):
    weightsPicked = Signal(tuple)  # six weights, EMOTIONS order

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(HEX_MIN_SIZE, HEX_MIN_SIZE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("Drag the point: corners are pure emotions, edges blend two neighbours, "
                        "the centre is neutral")
        self.point = (0.0, 0.0)  # unit-hexagon coordinates
        self.normalized = False
        self._last_emitted: tuple | None = None
        self._corners = hex_corners()

    def sizeHint(self) -> QSize:
        return QSize(HEX_MIN_SIZE + 60, HEX_MIN_SIZE + 20)

    def hasHeightForWidth(self) -> bool:
        return False

    # ----- model -> view
    def show_weights(self, weights, normalized: bool = False) -> None:
        self.normalized = normalized
        # Keep the user's point when the weights are what it produced (the mapping is many-to-one
        # in normalized mode); otherwise place the point from the weights.
        if self._last_emitted is None or tuple(weights) != self._last_emitted:
            self.point = point_from_weights(weights)
            self._last_emitted = None
        self.update()

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

    # ----- interaction
    def mousePressEvent(self, event) -> None:
        self._pick(event.position())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event.position())

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

    def _paint_handle(self, p: QPainter) -> None:
        at = self._to_widget(*self.point)
        p.setPen(QPen(QColor("#111"), 2))
        p.setBrush(QColor("white"))
        p.drawEllipse(at, HEX_HANDLE_RADIUS, HEX_HANDLE_RADIUS)
