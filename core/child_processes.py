"""Helper processes are born deaf to Ctrl-C.

A terminal's Ctrl-C reaches the whole process group. A "spawn" child still starting (Python's
bootstrap unpickles its target, importing this project's modules: about a second) died of it
with a KeyboardInterrupt traceback printed under the command's one `error:` line. The command
gets the same Ctrl-C and stops its children itself (SIGTERM: core/video/parallel.py `_stop`,
core/batch/runner.py `_stop_pool`), so they need not hear it; a batch worker sets its own
handler once started (`_init_worker`).
"""
from __future__ import annotations

import contextlib
import signal
import threading


@contextlib.contextmanager
def sigint_ignored_by_children():
    """Processes started inside this ignore SIGINT: an ignored signal stays ignored across exec,
    and Python leaves it so. This process ignores it for as long (the fork and exec, a few ms).
    Off the main thread (the app's workers) signals are not this code's to change: no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
