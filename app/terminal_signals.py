"""Ctrl-C in the terminal that started the app (and `kill`) close the window as its close button
does: the unsaved-changes question, a take being recorded kept, a running export asked about.
Closing that terminal (SIGHUP) leaves no one to answer the questions: `hangup` runs instead (the
main window keeps its unsaved changes in the recovery copy, stops the export and quits); SIGHUP
ignored (`nohup`) stays ignored.

While Qt's event loop runs, Python's own handlers never ran: SIGINT was recorded by the C-level
handler, and Python only looks at that between bytecodes, which the loop, in C++, never reaches.
A Ctrl-C did nothing, and kept doing nothing (measured: still running 20 s after it, at 3 and
6 s into a start). The handler writes a byte to a socket (signal.set_wakeup_fd); Qt watches the
socket, so the loop wakes, runs a Python slot, and Python runs the handler then.
"""
from __future__ import annotations

import contextlib
import signal
import socket
import threading
from typing import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))
HANGUP = getattr(signal, "SIGHUP", None)  # none on Windows
# the sockets and the notifier in use: held here, not by the caller (collected, the sockets
# closed and their numbers went to the next file opened; the handler's write failed, EINVAL)
_held: list[tuple] = []


def close_on_terminal_signals(window, parent: QObject, heard: list[int] | None = None,
                              hangup: Callable[[], None] | None = None) -> Callable[[], None]:
    """Route SIGINT/SIGTERM to window.close() while `parent` lives, and SIGHUP to `hangup`
    (given, and SIGHUP not ignored), appending each signal's number to `heard` if given; -> a
    function that puts the previous handlers back. Off the main thread (signals are the main
    thread's): no-op."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    reader, writer = socket.socketpair()
    for end in (reader, writer):
        end.setblocking(False)
    old_fd = signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, parent)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(256)

    notifier.activated.connect(drain)
    _held.append(kept := (reader, writer, notifier))

    def close(signum: int, _frame) -> None:
        if heard is not None:
            heard.append(signum)
        QTimer.singleShot(0, window.close)

    old = {sig: signal.signal(sig, close) for sig in SIGNALS}
    if hangup is not None and HANGUP is not None and signal.getsignal(HANGUP) != signal.SIG_IGN:
        def hung_up(signum: int, _frame) -> None:
            if heard is not None:
                heard.append(signum)
            QTimer.singleShot(0, hangup)

        old[HANGUP] = signal.signal(HANGUP, hung_up)

    def restore() -> None:
        if kept not in _held:
            return
        _held.remove(kept)
        for sig, handler in old.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(old_fd)
        notifier.setEnabled(False)
        notifier.deleteLater()
        reader.close()
        writer.close()

    return restore
