"""OpenCV's Lab tables built on a background thread (core/lab_tables.py): the conversions are
cv2's own, and threads that convert at once, first thing in a process, all wait for one build."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from core import lab_tables

ROOT = Path(__file__).resolve().parents[2]

RACE = """
import sys, threading, numpy as np, cv2
sys.path.insert(0, sys.argv[1])
from core import lab_tables
rng = np.random.default_rng(1)
img = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
out = [None] * 4
def go(i):
    out[i] = lab_tables.cvt(img, cv2.COLOR_RGB2LAB)
threads = [threading.Thread(target=go, args=(i,)) for i in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
print(int(all(np.array_equal(o, cv2.cvtColor(img, cv2.COLOR_RGB2LAB)) for o in out)),
      lab_tables.start().name, lab_tables.start().is_alive())
"""


def test_conversions_are_cv2s_own():
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (40, 30, 3), dtype=np.uint8)
    f32 = u8.astype(np.float32) / 255
    for image, code in ((u8, cv2.COLOR_RGB2LAB), (f32, cv2.COLOR_RGB2LAB)):
        lab = lab_tables.cvt(image, code)
        assert np.array_equal(lab, cv2.cvtColor(image, code))
        back = lab_tables.cvt(lab, cv2.COLOR_LAB2RGB)
        assert np.array_equal(back, cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))
    assert lab_tables.start() is lab_tables.start()  # one build per process


def test_threads_converting_first_thing_share_one_build():
    out = subprocess.run([sys.executable, "-c", RACE, str(ROOT)], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split() == ["1", "opencv-lab-tables", "False"]


EXIT_DURING_BUILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from core import lab_tables
class SlowExit:  # finalized after Python began to finalize: the build ends meanwhile
    def __del__(self, sleep=time.sleep):
        sleep(0.5)
slow = SlowExit()
lab_tables.start()
raise SystemExit(130)
"""


def test_a_process_that_exits_during_the_build_exits_cleanly():
    """Ctrl-C while the face was found (the build still running) could end `render` in SIGABRT
    (status 134, "terminate called without an active exception"): a daemon thread that leaves
    cv2 once Python is finalizing is ended through OpenCV's C++ frames. The build is joined."""
    out = subprocess.run([sys.executable, "-c", EXIT_DURING_BUILD, str(ROOT)],
                         capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stderr) == (130, "")
