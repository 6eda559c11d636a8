"""Helper processes are born deaf to Ctrl-C.

A terminal's Ctrl-C reaches the whole process group. A "spawn" child still starting (Python's
bootstrap unpickles its target, importing this project's modules: about a second) died of it
with a KeyboardInterrupt traceback printed under the command's one `error:` line. The command
gets the same Ctrl-C and stops its children itself (SIGTERM: core/video/parallel.py `_stop`,
core/batch/runner.py `_stop_pool`), so they need not hear it; a batch worker sets its own
handler once started (`_init_worker`, which lets SIGINT through again).

How: SIGINT is blocked in this thread while children start. A signal mask survives fork and
exec, and Python never unblocks it, so in the child a Ctrl-C stays pending, never delivered.
Here it waits for the block's end (or another thread takes it): it is not lost. The first way,
SIG_IGN in this process for the 3-8 ms of the fork and exec, threw away a Ctrl-C that landed
then (2 of 25 tries at 5 ms steps; the take ran on and exited 0).
"""
from __future__ import annotations

import contextlib
import signal
import threading

# a closed terminal (or a lost ssh session) hangs up the whole process group, as Ctrl-C does
HANGUP = (signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()


@contextlib.contextmanager
def sigint_ignored_by_children(also: tuple = ()):
    """Processes started inside never get SIGINT, nor the signals `also` (blocked for life);
    this thread gets a Ctrl-C that arrives meanwhile as the block ends. Off the main thread
    (the app's workers) signals are not this code's to change: no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *also})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def hear_sigint(also: tuple = ()) -> None:
    """In a child started inside sigint_ignored_by_children, once its own handler is set: let
    SIGINT (and `also`) through (one pending since the child's start is delivered now)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, *also})


def leave_with_the_parent() -> None:
    """In a child process: once its parent is gone, SIGTERM to itself. A parent killed outright
    (kill -9: no handler runs, nothing stops its children) left them working, then waiting
    for work forever, orphans holding their memory (a batch's workers; render's helper, which
    spun on at full CPU waiting for frames to be written). The child's SIGTERM handler (the
    default: leave at once) then does what the parent's own stop would have."""
    import multiprocessing
    import multiprocessing.connection
    import os

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch():
        multiprocessing.connection.wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
