"""Native set-up finishes before a Ctrl-C lands.

A command's SIGINT/SIGTERM handler (core/cli `_signals_as_interrupts`) raises wherever Python
happens to be. Inside MediaPipe's set-up that went wrong in ways nothing downstream could mend
(each seen with `main.py render` stopped at 20 ms steps through its first two seconds):
- protobuf's C extension, importing its Python half when the interrupt hit, printed the
  KeyboardInterrupt's traceback itself (PyErr_Print) under mediapipe's import, and went on;
- MediaPipe's graph opens its calculators on its own threads after FaceMesh() returns: an
  interrupt raised before the first image went through put fd 2 back while those threads still
  logged ("Created TensorFlow Lite XNNPACK delegate", "Feedback manager ..." under the
  command's `error: interrupted`; stop 51's CI run failed on it).
Inside `shielded()` the handler only records the signal (the command's INTERRUPTS has it at
once); it is raised when the outermost block ends. So the blocks must be short: Face Mesh's
(core/face/landmarks.py `_run_mesh`: mediapipe's import, ~0.7 s once, then ~0.1 s an image).
Signals reach the main thread only, so elsewhere `shielded()` changes nothing.
"""
from __future__ import annotations

import contextlib
import threading

_depth = 0
_held: list[BaseException] = []  # the first signal's exception, raised as the block ends


def hold(exc: BaseException) -> bool:
    """From a signal handler: keep `exc` for the end of the block -> True; outside one, False
    (the handler raises it)."""
    if _depth == 0:
        return False
    if not _held:
        _held.append(exc)
    return True


@contextlib.contextmanager
def shielded():
    """Signals that arrive inside are raised when the outermost block ends (if the block itself
    raised, its exception goes on: the command has the signal recorded already)."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        held = _held.pop() if _depth == 0 and _held else None
    if held is not None:
        raise held
