"""Ctrl-C in the terminal that started the app closes the window as its close button does."""
from __future__ import annotations

import os
import signal

import pytest


@pytest.fixture
def routed(window, qtbot):
    from PySide6.QtWidgets import QApplication

    from app.terminal_signals import close_on_terminal_signals

    restore = close_on_terminal_signals(window, QApplication.instance())
    yield window
    restore()


def test_ctrl_c_closes_the_window(routed, qtbot):
    """Inside Qt's event loop Python never ran its SIGINT handler: the app went on as if no
    Ctrl-C had come (still running 20 s after one)."""
    os.kill(os.getpid(), signal.SIGINT)
    qtbot.waitUntil(lambda: not routed.isVisible(), timeout=5000)


def test_ctrl_c_with_unsaved_changes_asks_first(routed, qtbot, answers):
    """It closes as the close button does: with unsaved changes it asks, and Cancel keeps the
    window and its work."""
    routed.palette.presets.choose("sadly fearful")
    assert routed.isWindowModified()
    answers["reply"]["value"] = "cancel"
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: bool(answers["asked"]), timeout=5000)
        assert routed.isVisible() and routed.isWindowModified()
    finally:
        answers["reply"]["value"] = "discard"  # the fixture's close goes through


def test_the_previous_handlers_come_back(window):
    from PySide6.QtWidgets import QApplication

    from app.terminal_signals import close_on_terminal_signals

    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    close_on_terminal_signals(window, QApplication.instance())()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
