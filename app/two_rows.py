"""Controls on one row where they fit, else on two (the key bar, the preview's transport): a
laptop at 150 % (853 logical px) has no room for either's one row beside the palette."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from app.elided_label import ElidedLabel


class TwoRowBar(QWidget):
    """A subclass puts its widgets in `top` and `bottom` for one row or two (`_place`) and says
    how wide one row must be (`one_row_width`); `fit` chooses, at each resize and when a
    subclass says a width changed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.top, self.bottom = QHBoxLayout(), QHBoxLayout()
        rows = QVBoxLayout(self)
        rows.addLayout(self.top)
        rows.addLayout(self.bottom)
        self.rows = 0

    def _place(self, rows: int) -> None:
        raise NotImplementedError

    def one_row_width(self) -> int:
        raise NotImplementedError

    def _arrange(self, rows: int) -> None:
        if rows == self.rows:
            return
        self.rows = rows
        for layout in (self.top, self.bottom):
            while layout.count():
                layout.takeAt(0)
        self._place(rows)
        self.updateGeometry()

    def _width_of(self, widgets) -> int:
        """Each shown widget whole (an elided label: its ellipsis), with the spacing."""
        spacing, total = self.top.spacing(), 0
        for w in widgets:
            if not w.isHidden():
                hint = w.minimumSizeHint() if isinstance(w, ElidedLabel) else w.sizeHint()
                total += max(hint.width(), w.minimumWidth()) + spacing
        return total

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        """One row or two for the width now."""
        self._arrange(1 if self.width() >= self.one_row_width() else 2)
