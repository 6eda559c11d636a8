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
