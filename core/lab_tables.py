"""Lab colour conversions, with OpenCV's Lab tables built in the background.

OpenCV builds its RGB<->Lab tables on the process's first Lab conversion (uint8 or float):
150-180 ms on this project's 2-core machine, paid by the first frame of every portrait's first
render. The build is guarded by a plain static flag (color_lab.cpp `initLabTabs`), so two threads
must not run it at once. `start()` runs it on a background thread (cv2 releases the GIL), begun
while the face is still being found; `cvt()` waits for that thread before any Lab conversion.
"""
from __future__ import annotations

import threading

import cv2
import numpy as np

_lock = threading.Lock()
_builder: threading.Thread | None = None


def _build() -> None:
    cv2.cvtColor(np.zeros((1, 1, 3), np.uint8), cv2.COLOR_RGB2LAB)


def start() -> threading.Thread:
    """Begin building the tables (once per process) and return the thread that does."""
    global _builder
    with _lock:
        if _builder is None:
            # not a daemon: exit joins it (~0.2 s at most). A daemon thread that leaves cv2 once
            # Python is finalizing (Ctrl-C during the face search) aborted the process (134)
            _builder = threading.Thread(target=_build, name="opencv-lab-tables")
            _builder.start()
        return _builder


def cvt(image: np.ndarray, code: int) -> np.ndarray:
    """cv2.cvtColor for the Lab codes, once the tables are built."""
    start().join()
    return cv2.cvtColor(image, code)
