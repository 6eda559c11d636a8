"""What every bad-input case asserts: the exit status, one `error:` line naming the problem,
no traceback, no file left behind, and inputs byte-for-byte as they were."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under `folder` with a hash of its bytes (folders as 'dir', links as their
    target), to compare before and after a command."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                try:
                    out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
                except PermissionError:
                    out[rel] = "unreadable"
    return out


def one_error_line(err: str, keyword: str) -> str:
    assert "Traceback" not in err, err
    lines = [ln.strip() for ln in err.replace("\r", "\n").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error: " in ln]  # ours, or argparse's "main.py X: error: "
    assert len(errors) == 1, err
    assert keyword.lower() in errors[0].lower(), f"{keyword!r} not in {errors[0]!r}"
    return errors[0]


@dataclass
class Case:
    """One bad input: argv (built from the case folder), the exit status and a word the message
    must hold. `setup` makes the bad input inside the folder before the snapshot."""
    name: str
    argv: Callable[[Path], Sequence[str]]
    keyword: str
    code: int = 1
    setup: Callable[[Path], None] = field(default=lambda folder: None)

    def __repr__(self) -> str:
        return self.name


def run_in_process(case: Case, folder: Path, capsys) -> str:
    """Run through core.cli.run_cli: an exception other than the project's own fails the test
    (that would be a traceback for a user)."""
    from core.cli import run_cli

    case.setup(folder)
    before = snapshot(folder)
    try:
        code = run_cli([str(a) for a in case.argv(folder)])
    except SystemExit as exc:  # argparse refusing a flag: status 2 and its usage line
        code = exc.code
    err = capsys.readouterr().err
    assert code == case.code, err
    line = one_error_line(err, case.keyword)
    assert snapshot(folder) == before, "the command left files behind or changed its inputs"
    return line


def run_main(argv: Sequence, cwd: Path | None = None, env: dict | None = None,
             timeout: float = 300, input_bytes: bytes | None = None) -> subprocess.CompletedProcess:
    """`python main.py ...` as a user runs it (argv items may be bytes, e.g. non-UTF-8 text)."""
    args = [sys.executable, str(ROOT / "main.py"),
            *[a if isinstance(a, bytes) else str(a) for a in argv]]
    return subprocess.run(args, cwd=cwd or ROOT, capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, input=input_bytes)


def run_case_subprocess(case: Case, folder: Path) -> str:
    case.setup(folder)
    before = snapshot(folder)
    proc = run_main(case.argv(folder), cwd=folder)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == case.code, err
    line = one_error_line(err, case.keyword)
    assert snapshot(folder) == before, "the command left files behind or changed its inputs"
    return line


def ignores_sigint(pid: int) -> bool:
    """Whether process `pid` never gets SIGINT: ignored (SigIgn in /proc/PID/status) or, in
    its main thread, blocked (SigBlk: core/child_processes.py)."""
    import signal

    status = (Path("/proc") / str(pid) / "status").read_text()
    masks = [int(ln.split()[1], 16) for ln in status.splitlines()
             if ln.startswith(("SigIgn:", "SigBlk:"))]
    return any(mask & (1 << (signal.SIGINT - 1)) for mask in masks)
