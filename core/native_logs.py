"""Quiet native libraries: MediaPipe's graph (glog/absl), TFLite and TensorFlow write log lines
straight to file descriptor 2 ("Created TensorFlow Lite XNNPACK delegate for CPU.",
"Feedback manager requires a model with a single signature ...", "All log messages before
absl::InitializeLog() ..."). They mean nothing to a user, so every command and the app hide them
unless `main.py --verbose` (or MOEE_VERBOSE=1) asks for them.

The environment variables are read by the libraries when they load, so `configure` runs before
any of them is imported. MediaPipe 0.10.21 ignores GLOG_minloglevel for the lines above (checked
on this wheel), so `native_stderr_muted` also points fd 2 at /dev/null while a Face Mesh graph
is created or run, and puts it back afterwards.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading

VERBOSE_ENV = "MOEE_VERBOSE"
# glog: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL; TensorFlow's C++ logger uses the same levels.
QUIET_ENV = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}
_fd_lock = threading.Lock()


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "") not in ("", "0")


def configure(verbose_logs: bool | None = None) -> None:
    """Set the libraries' log levels for this process and its children (call before import);
    None keeps what MOEE_VERBOSE says."""
    if verbose_logs if verbose_logs is not None else verbose():
        os.environ[VERBOSE_ENV] = "1"
        return
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)


def quiet_absl() -> None:
    """absl's Python logger to errors only (unless verbose): called where MediaPipe is about to
    load, not at every start (importing absl costs ~55 ms a command that never needs it)."""
    if verbose():
        return
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging
        absl_logging.set_verbosity(absl_logging.ERROR)


_muted_from: list[int] = []  # while fd 2 is muted: a copy of what it was (outermost first)


@contextlib.contextmanager
def native_stderr_muted(hold_signals: bool = False):
    """fd 2 goes to /dev/null inside the block (unless verbose); Python's sys.stderr is flushed
    first so nothing of ours is lost, and an exception still reaches the caller's handler.
    hold_signals: a Ctrl-C arriving inside is raised as the block ends (native set-up that
    must not be cut short: core/signal_shield.py); without it, a long read stays stoppable."""
    from core.signal_shield import shielded

    hold = shielded() if hold_signals else contextlib.nullcontext()
    if verbose():
        with hold:
            yield
        return
    with hold, _fd_lock:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        saved = os.dup(2)
        _muted_from.append(saved)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            yield
        finally:
            os.dup2(saved, 2)
            _muted_from.remove(saved)
            os.close(saved)
            os.close(devnull)


def stderr_back() -> None:
    """fd 2 on its own file again, for an error line: a Ctrl-C that landed inside
    native_stderr_muted's `finally` cut it short before fd 2 came back, and the command's
    `error: interrupted` went to /dev/null (seen once in about 40 Ctrl-Cs at 20 ms steps)."""
    if _muted_from:
        with contextlib.suppress(OSError):
            os.dup2(_muted_from[0], 2)


class _EmptyFloat32List:
    """A logging filter: diffusers (0.3x) warns "There are modules in UNetMotionModel that
    should be kept in float32: []. Casting directly with `to()` can lead to inconsistent
    results ..." whenever a model with an empty list of such modules is cast, which
    UNetMotionModel.from_unet2d does on every build: `doctor --tiny`, `train` and the
    diffusion engine's first render printed it, a warning about nothing. Dropped only when
    the list is empty; a list that names modules still warns."""

    def filter(self, record) -> bool:
        return "should be kept in float32: []" not in record.getMessage()


def quiet_diffusers_cast() -> None:
    """Install the filter on the diffusers logger that says it (once; stdlib logging only,
    diffusers need not be imported yet)."""
    import logging

    logger = logging.getLogger("diffusers.models.modeling_utils")
    if not any(isinstance(f, _EmptyFloat32List) for f in logger.filters):
        logger.addFilter(_EmptyFloat32List())
