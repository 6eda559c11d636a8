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


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this system")
def test_closing_the_terminal_keeps_unsaved_work_for_recovery(window, qtbot, answers):
    """Closing the terminal that started the app (SIGHUP) killed it at once: the changes since
    the last recovery copy (up to 3 s of them, 20 s while edits kept coming) were lost, and no
    one was there to answer a question. Now the copy is written, nothing is asked, the app
    quits, and the copy stays for the next start."""
    from PySide6.QtWidgets import QApplication

    from app.terminal_signals import close_on_terminal_signals
    from core.recovery import read

    restore = close_on_terminal_signals(window, QApplication.instance(), hangup=window.hang_up)
    try:
        window.palette.presets.choose("sadly fearful")  # unsaved, not yet copied (3 s timer)
        assert window.isWindowModified() and not window.autosave.file.path.exists()
        os.kill(os.getpid(), signal.SIGHUP)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
        assert answers["asked"] == []
        kept = read(window.autosave.file.path)
        assert kept is not None and kept.project.mix == window.project.mix
    finally:
        restore()


def test_an_ignored_hangup_stays_ignored(window):
    """`nohup moee-palette &`: SIGHUP is ignored on purpose, and the app leaves it so."""
    from PySide6.QtWidgets import QApplication

    from app.terminal_signals import close_on_terminal_signals

    if not hasattr(signal, "SIGHUP"):
        pytest.skip("no SIGHUP on this system")
    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        restore = close_on_terminal_signals(window, QApplication.instance(), hangup=window.hang_up)
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
        restore()
    finally:
        signal.signal(signal.SIGHUP, before)


def test_a_ctrl_c_while_file_new_asks_stacks_no_second_question(window, monkeypatch):
    """Ctrl-C (a close) while File > New's unsaved-changes question waited stacked the close's
    own question over it; the open question decides, and Cancel keeps the window and its work.
    (A close during the close's own question is no second close: Qt ignores it.)"""
    asked = []

    def ask(parent, what="this project"):
        asked.append(what)
        if len(asked) == 1:
            window.close()  # the Ctrl-C, handled in the question's own event loop
        return "cancel"

    monkeypatch.setattr("app.window_files.ask_save_changes", ask)
    window.palette.presets.choose("sadly fearful")
    window.new_project()
    assert len(asked) == 1 and window.isVisible() and window.isWindowModified()
    monkeypatch.setattr("app.window_files.ask_save_changes", lambda *a, **k: "discard")
