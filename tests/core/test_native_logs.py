"""MediaPipe/TFLite/absl log lines stay off stderr unless --verbose (real subprocesses)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOISE = ("Created TensorFlow Lite XNNPACK delegate", "Feedback manager requires",
         "All log messages before absl::InitializeLog()")


def _main(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MOEE_VERBOSE", "GLOG_minloglevel", "TF_CPP_MIN_LOG_LEVEL")}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


def _noise(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if any(n in line for n in NOISE)]


def test_render_and_mix_are_quiet_and_verbose_brings_the_lines_back(portrait_path, tmp_path):
    render = ("render", "--portrait", portrait_path, "--duration", "0.12", "--size", "96",
              "--quiet")
    quiet = _main(*render, "--out", tmp_path / "a.mp4")
    assert quiet.returncode == 0, quiet.stderr
    assert _noise(quiet.stderr) == [], quiet.stderr
    assert (tmp_path / "a.mp4").exists()
    loud = _main(*render, "--out", tmp_path / "b.mp4", "--verbose")
    assert loud.returncode == 0, loud.stderr
    assert _noise(loud.stderr), "--verbose should show the native libraries' lines"
    mixed = _main("mix", "--label", "happy")
    assert mixed.returncode == 0 and _noise(mixed.stderr) == [], mixed.stderr
    assert '"happy"' in mixed.stdout


# A stand-in for Face Mesh's first use under a command's signal handlers: a Ctrl-C lands as the
# graph is made, while its threads (here one timer) are still to log; then one image (a sleep).
_INTERRUPTED_GRAPH = r"""
import os, signal, sys, threading, time
import core.cli as cli
from core.native_logs import native_stderr_muted
with cli._signals_as_interrupts():
    try:
        with native_stderr_muted(hold_signals=True):
            line = b"Created TensorFlow Lite XNNPACK delegate\n"
            threading.Timer(0.05, os.write, (2, line)).start()
            os.kill(os.getpid(), signal.SIGINT)
            print("still in the block", flush=True)
            time.sleep(0.2)
        print("not reached", flush=True)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        print("recorded" if cli.INTERRUPTS.cancelled else "lost", flush=True)
"""


def test_a_ctrl_c_inside_native_set_up_is_raised_after_it_with_stderr_back():
    """The CI run of stop 51 failed on it: a Ctrl-C as the render's Face Mesh graph was made put
    fd 2 back while the graph's threads still logged (XNNPACK, "Feedback manager" under
    `error: interrupted`), and one inside the block's `finally` left fd 2 on /dev/null, the
    command's error line with it. The signal now waits for the block's end
    (core/signal_shield.py)."""
    env = {k: v for k, v in os.environ.items() if k != "MOEE_VERBOSE"}
    done = subprocess.run([sys.executable, "-c", _INTERRUPTED_GRAPH], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["still", "in", "the", "block", "recorded"], done
    assert done.stderr.splitlines() == ["error: interrupted"], done.stderr


def test_outside_a_command_the_shield_is_a_plain_block():
    """No handler holds a signal outside a command: the default Ctrl-C raises at once."""
    from core.signal_shield import hold, shielded

    assert hold(KeyboardInterrupt()) is False
    with shielded():
        with shielded():
            pass
    assert hold(KeyboardInterrupt()) is False


_CUT_SHORT = r"""
import sys
import core.cli as cli
from core.native_logs import native_stderr_muted
try:
    with cli._signals_as_interrupts():
        cut = native_stderr_muted()  # a block whose `finally` a Ctrl-C cut short
        cut.__enter__()
        raise KeyboardInterrupt
except KeyboardInterrupt:
    print("error: interrupted", file=sys.stderr)
"""


def test_the_error_line_is_seen_when_a_ctrl_c_cut_the_mutes_end_short():
    """One Ctrl-C in about 40 landed in the mute's `finally` before fd 2 came back: render
    exited 130 without a word. The command puts fd 2 back before its error line."""
    env = {k: v for k, v in os.environ.items() if k != "MOEE_VERBOSE"}
    done = subprocess.run([sys.executable, "-c", _CUT_SHORT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stderr.splitlines() == ["error: interrupted"], done
