"""A Ctrl-C after a command has finished and said so changes nothing (real processes)."""
from __future__ import annotations

import subprocess
import sys

from tests.robust.helpers import ROOT

# main.py's own path, as `python main.py mix --label happy` runs it, then the Ctrl-C in what
# is left: Python's teardown
_LATE = r"""
import os, signal, sys, time
sys.argv = ["main.py", "mix", "--label", "happy"]
from main import _main_interruptible
code = _main_interruptible()
import gc
print("frozen", gc.get_freeze_count() > 0)
os.kill(os.getpid(), signal.SIGINT)
time.sleep(0.2)
sys.exit(code)
"""


def test_a_ctrl_c_in_the_teardown_after_a_command_keeps_its_exit_status():
    """`doctor --tiny` spends 1.8 s in Python's teardown after its last line, `render`
    0.3-1 s: a Ctrl-C there killed the finished command by SIGINT (status -2, an interrupted
    command to the shell, after the take was written and reported). The `moee` entry point
    (app/launch.py cli_main) ends the same way."""
    done = subprocess.run([sys.executable, "-c", _LATE], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"happy"' in done.stdout and "Traceback" not in done.stderr, done.stderr
    # and the teardown's collection skips what the command made (1.4 s -> 0.2 s after
    # `doctor --tiny`; app/launch.py command_done)
    assert "frozen True" in done.stdout


def test_in_process_callers_keep_their_ctrl_c():
    """Tests and scripts call main() in-process: their Ctrl-C stays theirs."""
    import signal

    from app.launch import main

    before = signal.getsignal(signal.SIGINT)
    assert main(["mix", "--label", "happy"]) == 0
    assert signal.getsignal(signal.SIGINT) is before
