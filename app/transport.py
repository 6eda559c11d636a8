"""The preview's transport row: play and the scrub slider, then the time, loop, busy mark and
frame rate. One row where the scrub slider keeps SCRUB_MIN_WIDTH beside the rest; else two,
play and the slider across the preview and the rest under them: on a laptop at 150 % (853
logical px, the palette dock half of it) one row left the slider 33 px."""
from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget

from app.two_rows import TwoRowBar
from app.ui_constants import SCRUB_MIN_WIDTH


class Transport(TwoRowBar):
    def __init__(self, play: QWidget, scrub: QWidget, rest: tuple[QWidget, ...],
                 stretch: QWidget, parent: QWidget | None = None):
        """rest: after the slider, in order; stretch: the one of them that takes the second
        row's spare room (the busy mark, elided)."""
        super().__init__(parent)
        self._first, self._rest, self._stretch = (play, scrub), rest, stretch
        scrub.setMinimumWidth(SCRUB_MIN_WIDTH)
        self.layout().setContentsMargins(0, 0, 0, 0)
        self._arrange(1)

    def _place(self, rows: int) -> None:
        play, scrub = self._first
        self.top.addWidget(play)
        self.top.addWidget(scrub, 1)
        row = self.top if rows == 1 else self.bottom
        for w in self._rest:
            if w is self._stretch and rows == 2:
                row.addStretch(0)  # the spare room when the busy mark is hidden
            row.addWidget(w, 1 if w is self._stretch and rows == 2 else 0)

    def one_row_width(self) -> int:
        return self._width_of(self._first + self._rest)

    def minimumSizeHint(self) -> QSize:
        """The two-row width: the narrowest the transport can be with the slider usable."""
        width = max(self._width_of(self._first), self._width_of(self._rest))
        return QSize(width, super().minimumSizeHint().height())
