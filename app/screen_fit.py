"""A window's first size: the size it wants, or the screen's free area where that is smaller (a
1280x720 laptop, or a 1366x768 one at 125% or 150% scaling: 1093x614, 911x512 logical pixels)."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget


def fitted_size(widget: QWidget, wanted: tuple[int, int], margin: int = 0) -> tuple[int, int]:
    """`wanted`, no larger than the screen's free area less `margin` on every side."""
    screen = widget.screen().availableGeometry() if widget.screen() else None
    if screen is None or screen.isEmpty():
        return wanted
    return (min(wanted[0], screen.width() - 2 * margin),
            min(wanted[1], screen.height() - 2 * margin))
