"""A failed write to stdout: `main.py live --input F > /dev/full` (or `mix ... > /dev/full`)
ended in print()'s traceback ('OSError: [Errno 28] No space left on device'), and piped to a
reader that has gone (`| head`) in 'BrokenPipeError: [Errno 32] Broken pipe'; with stdout
buffered (no PYTHONUNBUFFERED) the small output failed only in Python's flush at exit:
'Exception ignored in: <_io.TextIOWrapper name='<stdout>' ...>' and status 120. Now one
`error:` line and status 1, or for the closed pipe nothing and 141 (128 + SIGPIPE)."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

from tests.robust.helpers import ROOT, one_error_line

BUFFERING = [pytest.param({"PYTHONUNBUFFERED": "1"}, id="unbuffered"),
             pytest.param({}, id="buffered")]


def _main(argv, stdout, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, argv)], cwd=ROOT,
                          stdout=stdout, stderr=subprocess.PIPE, env={**base, **env},
                          timeout=120, text=True)


def _commands(speech_wav):
    return [["--help"], ["live", "--input", speech_wav, "--seconds", "0.3"]]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("env", BUFFERING)
def test_stdout_on_a_full_disk_is_one_line(speech_wav, env):
    for argv in _commands(speech_wav):
        with open("/dev/full", "w") as full:
            proc = _main(argv, full, env)
        assert proc.returncode == 1, proc.stderr
        assert "Exception ignored" not in proc.stderr, proc.stderr
        one_error_line(proc.stderr, "could not write to standard output (No space left on "
                                    "device)")


@pytest.mark.parametrize("env", BUFFERING)
def test_a_closed_pipe_ends_quietly_with_141(speech_wav, env):
    for argv in _commands(speech_wav):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before the first write: `| head` after its lines
        try:
            proc = _main(argv, write, env)
        finally:
            os.close(write)
        assert proc.returncode == 141, proc.stderr
        for said in ("Traceback", "Exception ignored", "error", "Broken pipe"):
            assert said not in proc.stderr, proc.stderr


def test_other_write_errors_are_not_taken_for_stdout(monkeypatch, capsys):
    """A command's own ENOSPC (an output file on a full disk) is not reported as stdout's: it
    is reported as its file's (the last-resort OSError line of core/cli/__init__.py)."""
    from core.cli import doctor, run_cli

    def full_disk(args):
        print("partial")
        raise OSError(errno.ENOSPC, "No space left on device", "take.mp4")

    monkeypatch.setattr(doctor, "run", full_disk)
    assert run_cli(["doctor"]) == 1
    err = capsys.readouterr().err
    assert "standard output" not in err and "cannot write take.mp4" in err
    assert sys.stdout is not None and "Guarded" not in type(sys.stdout).__name__


def test_evaluate_writes_its_summary_file_when_stdout_is_gone(tiny_clips, tmp_path):
    """`evaluate GEN REF -o s.json | head` over many clips: the summary, longer than stdout's
    8 KiB buffer, was printed first, and the closed pipe ended the command before s.json was
    written (a whole evaluation lost, status 141). The file is written first now."""
    import shutil

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "blank.mp4", gen / "a.mp4")
    shutil.copy(tiny_clips / "blank.mp4", ref / "a.mp4")
    for i in range(150):  # named in the summary's "unmatched", never decoded: a long summary
        (gen / f"an_unmatched_take_with_a_long_descriptive_name_{i:03d}.mp4").touch()
    out = tmp_path / "summary.json"
    read, write = os.pipe()
    os.close(read)
    try:
        proc = _main(["evaluate", gen, ref, "-o", out], write, {})
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    summary = json.loads(out.read_text())
    assert summary["clips"] == 1 and len(summary["unmatched"]) == 150


def test_a_closed_stdout_is_an_error_not_a_lost_result(speech_wav):
    """`main.py mix --label happy >&-` (file descriptor 1 closed): Python leaves sys.stdout
    None, print() to None writes nothing, and the command exited 0 with its JSON nowhere. It
    fails now as `cat >&-` does: one line, status 1."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    for argv in (["mix", "--label", "happy"], *_commands(speech_wav)):
        proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT,
                              stderr=subprocess.PIPE, env=base, timeout=120, text=True,
                              preexec_fn=lambda: os.close(1))
        assert proc.returncode == 1, (argv, proc.stderr)
        one_error_line(proc.stderr, "could not write to standard output (Bad file descriptor)")


def test_a_closed_stderr_keeps_notes_and_errors_off_stdout(speech_wav, portrait_path, tmp_path):
    """`main.py render ... 2>&-`: Python leaves sys.stderr None, and print(..., file=None)
    writes to stdout, so the notes and the progress line came before the video's path there
    (`path=$(main.py render ... 2>&-)` got them all), and `mix --label nope 2>&-` printed its
    error where its JSON goes. What is said on a closed stderr is dropped now."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    out = tmp_path / "take.mp4"
    runs = [(["render", "--portrait", portrait_path, "--audio", speech_wav, "-o", out,
              "--duration", "0.1", "--size", "64"], 0, f"{out}\n"),
            (["mix", "--label", "nope"], 1, "")]
    for argv, code, printed in runs:
        proc = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, argv)],
                              cwd=ROOT, stdout=subprocess.PIPE, env=base, timeout=120,
                              text=True, preexec_fn=lambda: os.close(2))
        assert (proc.returncode, proc.stdout) == (code, printed)
