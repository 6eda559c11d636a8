"""Where the GUI plugs its live viewer in: core/ never imports app/ (tests/core/test_layout.py),
so the app registers a function here and `main.py live --window` calls it.

The app side (app/live_window.py) is expected to call, at import:
    register_window(run_live_window)
with run_live_window(session: LiveSession, fullscreen: bool, seconds: float | None) -> int,
which shows frames from a LatestFrame polled by a QTimer, sends key presses to
session.palette.key(char), and stops the session on Esc or close.
"""
from __future__ import annotations

from collections.abc import Callable

from core.errors import InputError

_WINDOW: Callable[..., int] | None = None


def register_window(fn: Callable[..., int]) -> None:
    global _WINDOW
    _WINDOW = fn


def check_window() -> None:
    if _WINDOW is None:
        raise InputError("the live window is not available in this build (the GUI did not "
                         "register one); run without --window for the headless live loop")


def open_window(session, fullscreen: bool = False, seconds: float | None = None) -> int:
    check_window()
    return int(_WINDOW(session, fullscreen=fullscreen, seconds=seconds) or 0)
