"""Windows and dialogs on small screens: a 1280x720 laptop, or a 1366x768 one at 125% or 150%
scaling (1093x614, 911x512 logical pixels). A first size no larger than the screen's free area,
and a dialog that grew moved back inside it."""
from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget


def free_area(widget: QWidget) -> QRect | None:
    """The free area (no task bars) of the screen the widget is on; None when unknown."""
    screen = widget.screen().availableGeometry() if widget.screen() else None
    return None if screen is None or screen.isEmpty() else screen


def fitted_size(widget: QWidget, wanted: tuple[int, int], margin: int = 0) -> tuple[int, int]:
    """`wanted`, no larger than the screen's free area less `margin` on every side."""
    screen = free_area(widget)
    if screen is None:
        return wanted
    return (min(wanted[0], screen.width() - 2 * margin),
            min(wanted[1], screen.height() - 2 * margin))


def keep_on_screen(widget: QWidget, margin: int = 0) -> None:
    """Move a window that runs past the free area's right or bottom edge back inside it."""
    screen, frame = free_area(widget), widget.frameGeometry()
    if screen is None:
        return
    x = max(screen.left(), min(frame.left(), screen.right() - margin - frame.width() + 1))
    y = max(screen.top(), min(frame.top(), screen.bottom() - margin - frame.height() + 1))
    if (x, y) != (frame.left(), frame.top()):
        widget.move(x, y)
