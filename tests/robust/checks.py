"""Helpers the bad-input batteries share."""
from __future__ import annotations

import subprocess
import sys


def error_line(err: str, alone: bool = False) -> str:
    """The one `error: ...` line of a command's stderr, with no traceback; `alone`: and no other
    line beside it."""
    assert "Traceback" not in err, err
    if alone:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), err
    else:
        lines = [ln for ln in err.splitlines() if ln.startswith("error: ")]
        assert len(lines) == 1, err
    return lines[0]


def dead_pid() -> int:
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid
