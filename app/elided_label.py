"""A one-line label that elides its text instead of asking for more room, so a growing status
(key info, file names) can never widen the window; the whole text is in the tooltip."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight, tooltip_text: bool = True):
        super().__init__(text, parent)
        self._mode = mode
        self._tooltip_text = tooltip_text  # False: the caller's tooltip stays (e.g. help text)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        if self._tooltip_text:
            self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        m = self.contentsMargins()
        return QSize(self.fontMetrics().horizontalAdvance("…") + m.left() + m.right(),
                     super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.maximumWidth()), hint.height())

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(self.text(), self._mode, self.contentsRect().width())

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
                   self.shown_text())
        p.end()
