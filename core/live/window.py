"""Where the GUI plugs its live viewer in: core/ never imports app/ (tests/core/test_layout.py),
so the app registers a function here and `main.py live --window` calls it.

The app side (app/live_window.py) is expected to call, at import:
    register_window(run_live_window)
with run_live_window(session: LiveSession, fullscreen: bool, seconds: float | None) -> int,
which shows frames from a LatestFrame polled by a QTimer, sends key presses to
session.palette.key(char), and stops the session on Esc or close.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from core.errors import InputError

# Qt platforms that draw without a display server (tests, VNC, a framebuffer).
_NO_SERVER_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "minimalegl")

_WINDOW: Callable[..., int] | None = None


def register_window(fn: Callable[..., int]) -> None:
    global _WINDOW
    _WINDOW = fn


def display_problem(env: Mapping[str, str] = os.environ, platform: str = sys.platform) -> str | None:
    """Why a window cannot open here, or None. Checked before Qt starts: Qt aborts the whole
    process (no exception) when it finds no display."""
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if qpa in _NO_SERVER_PLATFORMS:
        return None
    if qpa.startswith("wayland"):
        ok = bool(env.get("WAYLAND_DISPLAY"))
    elif qpa == "xcb":
        ok = bool(env.get("DISPLAY"))
    else:
        ok = bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))
    if ok:
        return None
    return ("there is no display to open the live window on (DISPLAY is not set); run without "
            "--window for the headless live loop, or set QT_QPA_PLATFORM=offscreen")


def check_window() -> None:
    problem = display_problem()
    if problem:
        raise InputError(problem)
    if _WINDOW is None:
        raise InputError("the live window is not available in this build (the GUI did not "
                         "register one); run without --window for the headless live loop")


def open_window(session, fullscreen: bool = False, seconds: float | None = None) -> int:
    check_window()
    return int(_WINDOW(session, fullscreen=fullscreen, seconds=seconds) or 0)
