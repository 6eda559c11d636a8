"""A Ctrl-C after a command has finished and said so changes nothing (real processes)."""
from __future__ import annotations

import subprocess
import sys

from tests.robust.helpers import ROOT

_LATE = r"""
import os, signal, sys, time
from app.launch import main
code = main(["mix", "--label", "happy"])
os.kill(os.getpid(), signal.SIGINT)  # the Ctrl-C, in what is left: Python's teardown
time.sleep(0.2)
sys.exit(code)
"""


def test_a_ctrl_c_in_the_teardown_after_a_command_keeps_its_exit_status():
    """`doctor --tiny` spends 1.8 s in Python's teardown after its last line, `render` 0.3-1 s:
    a Ctrl-C there killed the finished command by SIGINT (status -2, an interrupted command
    to the shell, after the take was written and reported)."""
    done = subprocess.run([sys.executable, "-c", _LATE], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"happy"' in done.stdout and "Traceback" not in done.stderr, done.stderr
