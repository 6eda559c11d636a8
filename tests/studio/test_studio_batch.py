"""`main.py batch`: a manifest with good and bad rows renders the good ones (atomically, with
curves), reports each bad one with its reason without stopping the rest, skips finished rows on a
re-run (and only those whose inputs still match), and runs the same manifest as Ray tasks on a
local two-worker Ray instance."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from core.batch.manifest import read_manifest
from core.batch.record import record_path
from core.cli import run_cli
from core.errors import InputError

SIZE = "96"


@pytest.fixture(scope="module")
def take_dir(tmp_path_factory, portrait_path, speech_wav):
    import cv2
    import soundfile as sf

    d = tmp_path_factory.mktemp("batch")
    (d / "out").mkdir()
    data, sr = sf.read(speech_wav, dtype="float32")
    sf.write(d / "line.wav", data[int(0.5 * sr):int(1.5 * sr)], sr)  # 1 s of speech
    cv2.imwrite(str(d / "face.png"), cv2.imread(str(portrait_path)))
    cv2.imwrite(str(d / "wall.png"), np.full((256, 256, 3), 128, np.uint8))  # no face
    keys = {"format": "moee-keyframes", "version": 1,
            "keys": [{"time": 0.0, "mix": {"weights": {"sad": 1.0}}}]}
    (d / "keys.json").write_text(json.dumps(keys))
    (d / "lines.csv").write_text(
        "portrait,audio,mix,prompt,keys,out,curves\n"
        "face.png,line.wav,happy=0.8,,,out/happy.mp4,out/happy.csv\n"
        "face.png,line.wav,,,keys.json,out/keyed.mp4,\n"
        "# a comment row\n"
        "missing.png,line.wav,,,,out/missing.mp4,\n"
        "face.png,line.wav,happy=lots,,,out/badmix.mp4,\n"
        "wall.png,line.wav,,,,out/noface.mp4,\n"
        "face.png,,,,,out/noaudio.mp4,\n"
        "face.png,line.wav,,,,out/happy.mp4,\n"
        "face.png,line.wav,,,,nowhere/x.mp4,\n")
    return d


@pytest.fixture(scope="module")
def first_run(take_dir):
    import contextlib
    import io
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run_cli(["batch", str(take_dir / "lines.csv"), "--jobs", "2", "--size", SIZE])
    return code, out.getvalue(), err.getvalue()


def _batch(take_dir, capsys, *extra):
    code = run_cli(["batch", str(take_dir / "lines.csv"), "--size", SIZE, *extra])
    return code, capsys.readouterr()


def test_good_rows_render_and_bad_rows_say_why(take_dir, first_run):
    code, summary, log = first_run
    assert code == 1  # some rows failed
    assert summary.splitlines()[0] == "8 rows: 2 rendered, 0 already done, 6 failed"
    reasons = {
        "missing.mp4": "missing.png was not found",
        "badmix.mp4": "'lots' is not a number",
        "noface.mp4": "face",
        "noaudio.mp4": "the audio cell is empty",
        "x.mp4": "does not exist",
    }
    for name, words in reasons.items():
        line = next(ln for ln in summary.splitlines() if f"({name})" in ln)
        assert words in line, line
    dup = next(ln for ln in summary.splitlines() if ln.startswith("  line 9 "))
    assert "also written by line 2" in dup
    out = take_dir / "out"
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "happy.mp4", "happy.csv", "keyed.mp4", record_path("happy.mp4").name,
        record_path("keyed.mp4").name])  # nothing half-written, no temp files
    from core.curves import read_curves
    names, rows = read_curves(out / "happy.csv")
    assert len(rows) == 25 and max(r[names.index("mouthSmileLeft")] for r in rows) > 0.3
    assert "ok       line 2 (happy.mp4)" in log and "[####" in log
    # 3 rows pass the door checks (the face-less one fails in its worker): 2 processes, --jobs 2
    assert log.count("worker process") == 1
    assert "batch: rendering 3 row(s) on 2 worker process(es)" in log.splitlines()


def test_rerun_skips_what_is_done_and_redoes_what_changed(take_dir, first_run, capsys):
    out = take_dir / "out"
    stamp = {p: p.stat().st_mtime_ns for p in (out / "happy.mp4", out / "keyed.mp4")}
    code, cap = _batch(take_dir, capsys)
    assert code == 1 and "2 already done" in cap.out and "0 rendered" in cap.out
    assert {p: p.stat().st_mtime_ns for p in stamp} == stamp
    # a changed keyframe file makes its row run again; the other row stays done
    keys = json.loads((take_dir / "keys.json").read_text())
    keys["keys"][0]["mix"]["weights"] = {"angry": 1.0}
    (take_dir / "keys.json").write_text(json.dumps(keys))
    code, cap = _batch(take_dir, capsys)
    assert "1 rendered, 1 already done" in cap.out
    assert (out / "happy.mp4").stat().st_mtime_ns == stamp[out / "happy.mp4"]
    assert (out / "keyed.mp4").stat().st_mtime_ns != stamp[out / "keyed.mp4"]
    # an output replaced behind the batch's back (different size) is not "done"
    with open(out / "happy.mp4", "ab") as f:
        f.write(b"\0" * 10)
    code, cap = _batch(take_dir, capsys)
    assert "1 rendered, 1 already done" in cap.out
    # framed faces are other takes: both rows render again, with --frame face
    code, cap = _batch(take_dir, capsys, "--frame", "face")
    assert "2 rendered, 0 already done" in cap.out


def test_the_whole_picture_keeps_the_records_made_before_framing_existed(take_dir, monkeypatch,
                                                                         capsys):
    """A row's record holds the shared settings it was made with; the default (--frame
    picture) adds none, so rows done before --frame existed still count as done."""
    from core.batch.worker import render_argv

    seen = []

    class Report:
        failed = 0

        def summary(self):
            return "ok"

    monkeypatch.setattr("core.batch.runner.run_batch",
                        lambda rows, options: seen.append(options.settings) or Report())
    for extra in ([], ["--frame", "face"]):
        assert _batch(take_dir, capsys, *extra)[0] == 0
    assert seen == [{"fps": 25, "size": int(SIZE), "seed": 0, "engine": "rig"},
                    {"fps": 25, "size": int(SIZE), "seed": 0, "engine": "rig", "frame": "face"}]
    cells = {"portrait": "a.png", "audio": "a.wav", "out": "a.mp4"}
    assert render_argv(cells, seen[0])[-2:] == ["--frame", "picture"]
    assert render_argv(cells, seen[1])[-2:] == ["--frame", "face"]


def test_same_manifest_on_a_local_ray_instance(take_dir, first_run, capsys):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        assert ray.cluster_resources()["CPU"] == 2
        code, cap = _batch(take_dir, capsys, "--ray", "auto", "--force")
    finally:
        ray.shutdown()
    assert code == 1
    assert cap.out.splitlines()[0] == "8 rows: 2 rendered, 0 already done, 6 failed"
    assert "face" in next(ln for ln in cap.out.splitlines() if "(noface.mp4)" in ln)
    assert (take_dir / "out" / "keyed.mp4").stat().st_size > 1000


def test_ray_missing_is_one_clear_line(take_dir, monkeypatch, capsys):
    import sys
    monkeypatch.setitem(sys.modules, "ray", None)
    (take_dir / "one.csv").write_text("portrait,audio,out\nface.png,line.wav,out/ray.mp4\n")
    code = run_cli(["batch", str(take_dir / "one.csv"), "--ray", "auto"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and err.startswith("error: --ray needs Ray") and "[ray]" in err
    assert not (take_dir / "out" / "ray.mp4").exists()


@pytest.mark.parametrize("text, words", [
    ("", "is empty"), ("portrait,audio,out,mood\n", "unknown column(s) 'mood'"),
    ("portrait,out\nface.png,a.mp4\n", "missing column(s) audio"),
    ("portrait,audio,out\n", "no rows")])
def test_bad_manifests(tmp_path, text, words):
    p = tmp_path / "m.csv"
    p.write_text(text)
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_manifest(p)


@pytest.mark.parametrize("sep, name", [(";", "';' (semicolons)"), ("\t", "tabs")])
def test_a_manifest_separated_otherwise_says_so(tmp_path, capsys, sep, name):
    """A spreadsheet's ';'-separated export (or a TSV) was refused as "unknown column(s)
    'portrait;audio;out'"; the message now names the separator and asks for commas (a
    comma-separated manifest with an unknown column still says 'unknown column')."""
    p = tmp_path / "m.csv"
    p.write_text(sep.join(["portrait", "audio", "mix", "out"]) + "\n"
                 + sep.join(["face.png", "a.wav", "happy=1,sad=0.2", "o.mp4"]) + "\n")
    assert run_cli(["batch", str(p)]) == 1
    line = capsys.readouterr().err.strip()
    assert line == (f"error: manifest {p} looks separated by {name}: its header reads "
                    f"{sep.join(['portrait', 'audio', 'mix', 'out'])!r}; a manifest must be "
                    "comma-separated (portrait,audio,mix,out); save it as CSV with commas")
    assert sorted(os.listdir(tmp_path)) == ["m.csv"]


def test_an_output_that_is_an_input_fails_its_row(tmp_path):
    """Row 3 would render over the speech row 2 reads (or over its own): the row fails with the
    reason before anything runs; the other rows keep their inputs."""
    p = tmp_path / "m.csv"
    p.write_text("portrait,audio,out\nf.png,talk.mp4,a.mp4\nf.png,a.wav,talk.mp4\n"
                 "f.png,self.mp4,self.mp4\n")
    rows = read_manifest(p)
    assert not rows[0].problem
    assert rows[1].problem == "talk.mp4 is an input of line 2"
    assert rows[2].problem == "self.mp4 is an input of line 4"


def test_one_file_named_two_ways_is_one_output(tmp_path):
    """`out/a.mp4` and `out/../out/a.mp4` (or a folder reached through a link) are one file:
    both rows rendered into it, the second over the first, and their records took turns, so
    every run redid one row and kept the other's take under its name."""
    (tmp_path / "out").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "out")
    p = tmp_path / "m.csv"
    p.write_text("portrait,audio,out\nf.png,a.wav,out/a.mp4\nf.png,b.wav,out/../out/a.mp4\n"
                 "f.png,c.wav,link/a.mp4\nf.png,b.wav,out/../a.wav\n")
    rows = read_manifest(p)
    assert not rows[0].problem
    assert rows[1].problem == rows[2].problem == "a.mp4 is also written by line 2"
    assert rows[3].problem == "a.wav is an input of line 2"


def test_curves_on_the_rows_own_video_name_the_row_not_another(tmp_path):
    # it said "a.mp4 is also written by line 2" of line 2 itself
    p = tmp_path / "m.csv"
    p.write_text("portrait,audio,out,curves\nf.png,a.wav,a.mp4,a.mp4\n")
    [row] = read_manifest(p)
    assert row.problem == "curves a.mp4 is the row's own video; give the curves another name"


def test_rows_sharing_a_portrait_read_it_once(tmp_path, monkeypatch):
    """20 done rows with one portrait and one speech file: each file is hashed once per run and
    every row still matches its record; a file rewritten during the run is hashed again."""
    import io

    from core.batch import record
    from core.batch.manifest import BatchRow
    from core.batch.runner import BatchOptions, run_batch

    (tmp_path / "face.png").write_bytes(b"portrait" * 1000)
    (tmp_path / "line.wav").write_bytes(b"speech" * 1000)
    options = BatchOptions()
    rows = []
    for i in range(20):
        cells = {"portrait": str(tmp_path / "face.png"), "audio": str(tmp_path / "line.wav"),
                 "mix": f"happy={i / 20:g}", "out": str(tmp_path / f"{i}.mp4")}
        (tmp_path / f"{i}.mp4").write_bytes(b"video")
        record.write_record(cells, record.identity(cells, options.settings))
        rows.append(BatchRow(i + 2, cells))
    read = []
    real = record._sha256
    monkeypatch.setattr(record, "_sha256", lambda path: read.append(path) or real(path))
    report = run_batch(rows, options, io.StringIO())
    assert len(report.skipped) == 20 and not report.rendered and not report.failed
    assert sorted(read) == sorted([rows[0].cells["portrait"], rows[0].cells["audio"]])
    hashes: dict = {}
    before = record.identity(rows[0].cells, options.settings, hashes)["files"]["portrait"]
    (tmp_path / "face.png").write_bytes(b"another portrait")
    after = record.identity(rows[0].cells, options.settings, hashes)["files"]["portrait"]
    assert after != before and read[4:] == [rows[0].cells["portrait"]]  # the speech read once


def test_paths_are_relative_to_the_manifest(tmp_path):
    p = tmp_path / "sub" / "m.csv"
    p.parent.mkdir()
    p.write_text('portrait,audio,prompt,out\nf.png,a.wav,"calm, then a smile",o.mp4\n')
    (row,) = read_manifest(p)
    assert row.cells["portrait"] == os.path.join(str(p.parent), "f.png")
    assert row.cells["prompt"] == "calm, then a smile" and row.line == 2


def test_an_unbalanced_quote_names_its_line_and_cell(tmp_path, capsys):
    """The open quote on line 3 swallowed line 4 into one cell and the row failed with 'the out
    cell is empty'; line 4's take was lost without a word."""
    p = tmp_path / "m.csv"
    p.write_text('portrait,audio,prompt,out\n'
                 'none.png,a.wav,calm,a.mp4\n'
                 'none.png,a.wav,"calm, then a smile,b.mp4\n'
                 'none.png,a.wav,,c.mp4\n'
                 'none.png,a.wav,"calm" then,d.mp4\n'
                 'none.png,a.wav,"say ""hi""",e.mp4\n')
    rows = read_manifest(p)
    assert [r.line for r in rows] == [2, 3, 4, 5, 6]
    assert rows[1].problem.startswith("the prompt cell (column 3) opens a quote (character 16) "
                                      "that is never closed")
    assert rows[2].cells["out"].endswith("c.mp4") and not rows[2].problem
    assert rows[3].problem.startswith("the prompt cell (column 3) has text after its closing quote")
    assert rows[4].cells["prompt"] == 'say "hi"' and not rows[4].problem
    code = run_cli(["batch", str(p), "--size", SIZE])
    summary = capsys.readouterr().out
    assert code == 1 and "5 rows: 0 rendered" in summary
    failed = next(ln for ln in summary.splitlines() if "prompt cell (column 3) opens" in ln)
    assert "line 3" in failed
    assert not list(tmp_path.glob("*.mp4"))


def test_a_bad_quote_in_the_header_is_one_error(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text('portrait,"audio,out\nf.png,a.wav,o.mp4\n')
    with pytest.raises(InputError, match=r"line 1 \(the header\): the column 2 opens a quote"):
        read_manifest(p)


@pytest.mark.parametrize("flags, words", [
    (["--engine", "rgi"], "invalid choice: 'rgi'"),
    (["--fps", "0"], "--fps"),
    (["--size", "8"], "--size"),
    (["--seed", "-1"], "--seed"),
    (["--jobs", "0"], "--jobs")])
def test_shared_settings_fail_once_at_the_door(tmp_path, capsys, flags, words):
    """A typo in a setting every row shares is one error before any row starts, not one per row."""
    p = tmp_path / "m.csv"
    p.write_text("portrait,audio,out\nf.png,a.wav,o1.mp4\nf.png,a.wav,o2.mp4\n")
    try:
        code = run_cli(["batch", str(p), *flags])
    except SystemExit as e:  # argparse: exit 2 with its usage line
        code = e.code
    err = capsys.readouterr().err
    assert code != 0 and words in err
    assert "rows from" not in err  # no row was started (the batch never began)


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_stopping_a_batch_stops_its_workers_and_says_what_is_kept(tmp_path, portrait_path,
                                                                  speech_wav, signame):
    """A kill (to the driver), Ctrl-C or a closed terminal (to the whole process group) mid-row:
    the running renders stop and remove their partial files, no worker is left rendering, and
    the last line says how many rows are kept (it said 'no output was written' while a worker
    went on to finish a row). A hangup killed the workers where they were, leaving their
    partial videos and curves, and Python's resource tracker with them (8 KeyError
    tracebacks under the error line)."""
    import signal
    import subprocess
    import time

    from tests.robust.helpers import one_error_line

    sig = getattr(signal, signame)
    # a suite run as a background job ignores SIGINT, and children inherit that: restore what
    # a terminal's process has (Python code between fork and exec, so only when it is needed)
    inherited = sig == signal.SIGINT and signal.getsignal(sig) is signal.SIG_IGN
    proc = _start_batch(tmp_path, portrait_path, speech_wav, 4, 512, curves=True,
                        stderr=subprocess.PIPE, preexec_fn=(
                            lambda: signal.signal(sig, signal.SIG_DFL)) if inherited else None)
    _wait_for_a_partial(tmp_path, proc)
    if sig == signal.SIGTERM:
        proc.send_signal(sig)
    else:
        os.killpg(proc.pid, sig)  # what a terminal's Ctrl-C, or its closing, does
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == (130 if sig == signal.SIGINT else 128 + sig), err
    line = one_error_line(err, "rows are done and kept")
    done = int(line.split("; ")[1].split()[0])
    time.sleep(1)  # a worker that went on rendering would leave a partial file or a new take
    assert not _running_in_group(proc.pid)  # no worker of the batch is left
    assert not list(tmp_path.glob(".*"))  # partial videos, curves' .part files
    assert len(list(tmp_path.glob("take*.mp4"))) == done


def test_a_driver_killed_outright_takes_its_workers_with_it(tmp_path, portrait_path, speech_wav):
    """`kill -9` of the batch (no handler runs): its workers rendered on, the rows they had and
    the row queued behind them (3 takes written after the kill), then waited for work forever,
    orphans holding their memory. They now see the driver gone, stop their rows (removing
    the partial files) and leave."""
    import subprocess

    proc = _start_batch(tmp_path, portrait_path, speech_wav, 4, 512, stderr=subprocess.DEVNULL)
    _wait_for_a_partial(tmp_path, proc)
    done = len(list(tmp_path.glob("take*.mp4")))
    proc.kill()
    proc.wait()
    assert not _left_in_group(proc.pid, 30)
    assert not list(tmp_path.glob(".*partial*"))
    assert len(list(tmp_path.glob("take*.mp4"))) == done


def _start_batch(tmp_path, portrait_path, speech_wav, takes: int, size: int, curves=False,
                 **popen):
    """`main.py batch --jobs 2` of `takes` rows of the portrait and speech, in a session of its
    own (its process group is the batch's)."""
    import shutil
    import subprocess
    import sys

    from tests.robust.helpers import ROOT

    shutil.copy(portrait_path, tmp_path / "face.png")
    shutil.copy(speech_wav, tmp_path / "line.wav")
    (tmp_path / "m.csv").write_text("portrait,audio,out" + ",curves" * curves + "\n" + "".join(
        f"face.png,line.wav,take{i}.mp4" + f",take{i}.csv" * curves + "\n"
        for i in range(takes)))
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "batch",
                             str(tmp_path / "m.csv"), "--jobs", "2", "--size", str(size)],
                            start_new_session=True, **popen)


def _wait_for_a_partial(tmp_path, proc) -> None:
    """Until a row is rendering (its partial video is there)."""
    import time

    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".take*.partial.mp4")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch ended before a row was rendering"


def _left_in_group(pgid: int, seconds: float) -> list[int]:
    """The processes of a group still running after up to `seconds` (killed then, not to leave
    them to the rest of the suite)."""
    import signal
    import time

    deadline = time.monotonic() + seconds
    while _running_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _running_in_group(pgid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


def _running_in_group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc (Linux)."""
    from pathlib import Path

    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    found = []
    for d in Path("/proc").iterdir():
        try:
            state, _ppid, group = (d / "stat").read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(group) == pgid and state != "Z":
            found.append(int(d.name))
    return found


def test_stopping_a_batch_before_its_rows_start_prints_no_traceback(tmp_path, portrait_path,
                                                                    speech_wav):
    """A kill while the workers still start (the first seconds, when a wrong flag is noticed) or
    with rows queued behind the running ones: the pool's manager thread printed a traceback
    (InvalidStateError: CANCELLED, on the queued rows' futures the stop had cancelled) above
    the stop's one line."""
    import signal
    import subprocess
    import time

    from tests.robust.helpers import ignores_sigint, one_error_line

    proc = _start_batch(tmp_path, portrait_path, speech_wav, 8, 96, stderr=subprocess.PIPE)
    first = proc.stderr.readline().decode()  # "batch: 8 rows from ..."
    assert "rows from" in first, first
    deadline = time.monotonic() + 60
    while len(_workers(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None and len(_workers(proc.pid)) == 2  # both started, no row yet
    # starting, they ignore Ctrl-C (the driver stops them): no KeyboardInterrupt traceback
    assert all(ignores_sigint(pid) for pid in _workers(proc.pid))
    proc.send_signal(signal.SIGTERM)
    err = first + proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 128 + signal.SIGTERM, err
    one_error_line(err, "rows are done and kept")  # and no traceback
    deadline = time.monotonic() + 5  # a worker may still be on its way out
    while _running_in_group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running_in_group(proc.pid)
    assert not list(tmp_path.glob(".*partial*"))


def _workers(pgid: int) -> list[int]:
    """The group's multiprocessing workers (spawned: `-c ... spawn_main(...)`), from /proc."""
    from pathlib import Path

    found = []
    for pid in _running_in_group(pgid):
        try:
            if b"spawn_main" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


STOP_DURING_IMPORT = """
import importlib.machinery, os, signal, sys
sys.path.insert(0, sys.argv[1])
from core.batch import runner
class DriverStopsToo(importlib.machinery.PathFinder):
    # the driver's SIGTERM lands while the worker's Ctrl-C handler imports core.cli (half run)
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "core.cli":
            return None
        sys.meta_path.remove(cls)
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        run = spec.loader.exec_module
        def exec_module(module):
            os.kill(os.getpid(), signal.SIGTERM)
            run(module)
        spec.loader.exec_module = exec_module
        return spec
assert "core.cli" not in sys.modules
sys.meta_path.insert(0, DriverStopsToo)
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, runner._stop_worker)
runner._ROW_RUNNING = sys.argv[2] == "row"
try:
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(1000):
        pass
except KeyboardInterrupt as e:
    print(type(e).__name__, e)
"""


@pytest.mark.parametrize("state", ["idle", "row"])
def test_a_worker_stopped_twice_at_once_leaves_quietly(state):
    """Ctrl-C reaches a worker and the driver's SIGTERM follows while its handler still imports
    core.cli: the second run of the handler met a half-imported module and raised ImportError,
    printed as a traceback by a starting worker and, in a row, failing the row as a plain error
    so the worker went on to the next one. Idle, it leaves at once; in a row, the row unwinds."""
    import subprocess
    import sys

    from tests.robust.helpers import ROOT

    out = subprocess.run([sys.executable, "-c", STOP_DURING_IMPORT, str(ROOT), state],
                         capture_output=True, text=True, timeout=120)
    assert out.stderr == ""
    if state == "idle":
        assert (out.returncode, out.stdout) == (1, "")
    else:
        assert (out.returncode, out.stdout) == (0, "Terminated SIGINT\n")


def test_no_running_ray_instance_is_told_in_this_cli_s_words(take_dir, capsys):
    """Ray's own hint names an `--address` flag this CLI does not have."""
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        ray.shutdown()
    (take_dir / "one.csv").write_text("portrait,audio,out\nface.png,line.wav,out/ray.mp4\n")
    code = run_cli(["batch", str(take_dir / "one.csv"), "--ray", "auto"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and "no running Ray instance was found" in err, err
    assert "--address" not in err and "ray start --head" in err
    assert not (take_dir / "out" / "ray.mp4").exists()


@pytest.mark.slow  # 20-30 s: four worker processes start, two per round
def test_a_row_that_kills_its_worker_fails_alone(tmp_path, portrait_path, speech_wav, capsys):
    """A row whose worker dies each time it renders it (killed here with SIGKILL, as the kernel's
    out-of-memory killer does): a dead worker fails every row of the pool, the queued ones and
    the one beside it too, and each was counted as a crash, so the second crash failed all four
    rows 'the worker process died'; now only the row that was in the dead worker counts one."""
    import shutil
    import signal
    import threading

    import soundfile as sf

    shutil.copy(portrait_path, tmp_path / "face.png")
    data, sr = sf.read(speech_wav, dtype="float32")
    sf.write(tmp_path / "line.wav", data[int(0.5 * sr):int(1.5 * sr)], sr)  # 1 s of speech
    (tmp_path / "m.csv").write_text("portrait,audio,out,curves\n" + "".join(
        f"face.png,line.wav,{name}.mp4,{name}.csv\n"
        for name in ("boom", "good0", "good1", "good2")))
    killed: set[int] = set()
    stop = threading.Event()

    def kill_boom():
        while not stop.wait(0.01):
            for owner in tmp_path.glob(".boom.*.partial.mp4/owner"):
                try:
                    pid = json.loads(owner.read_text())["pid"]
                except (OSError, ValueError):
                    continue
                if pid not in killed:
                    killed.add(pid)
                    os.kill(pid, signal.SIGKILL)

    watcher = threading.Thread(target=kill_boom, daemon=True)
    watcher.start()
    try:
        code = run_cli(["batch", str(tmp_path / "m.csv"), "--jobs", "2", "--size", "64"])
    finally:
        stop.set()
        watcher.join()
    summary = capsys.readouterr().out.splitlines()
    assert code == 1 and len(killed) == 2  # tried once more, then failed
    assert summary[0] == "4 rows: 3 rendered, 0 already done, 1 failed", summary
    assert "(boom.mp4): the worker process died" in summary[2]
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == ["good0.mp4", "good1.mp4",
                                                               "good2.mp4"]
    # the dead worker's partial video folder and curves .part file are not left behind
    assert not list(tmp_path.glob(".*")) and not (tmp_path / "boom.csv").exists()


def test_a_rows_notes_are_shown_with_the_row(tmp_path, portrait_path, speech_wav, capfd):
    """A portrait with two faces: its worker printed Python's raw warning
    ('/.../core/rig/portrait.py:55: MoeeWarning: 2 faces found; ...' and a line of source) and,
    after the batch's summary, a 'note:' for no row in particular (and, a later row of the same
    portrait in that worker, none at all); each row's notes now follow its own line."""
    import cv2
    import soundfile as sf

    face = cv2.imread(str(portrait_path))
    two = np.full((512, 1024, 3), 128, np.uint8)
    two[:, :512] = face
    two[64:448, 576:960] = cv2.resize(face, (384, 384))  # a second, smaller face beside it
    cv2.imwrite(str(tmp_path / "two.png"), two)
    data, sr = sf.read(speech_wav, dtype="float32")
    sf.write(tmp_path / "line.wav", data[int(0.5 * sr):int(1.5 * sr)], sr)  # 1 s of speech
    (tmp_path / "m.csv").write_text("portrait,audio,out\ntwo.png,line.wav,a.mp4\n"
                                    "two.png,line.wav,b.mp4\n")
    assert run_cli(["batch", str(tmp_path / "m.csv"), "--size", "64"]) == 0
    err = capfd.readouterr().err
    assert "MoeeWarning" not in err and "portrait.py" not in err, err
    lines = err.splitlines()
    for name in ("a.mp4", "b.mp4"):
        at = next(i for i, ln in enumerate(lines) if ln.startswith("ok") and f"({name})" in ln)
        assert lines[at + 1] == "  note: 2 faces found; animating the largest one", lines
    assert err.count("faces found") == 2


def test_a_rows_take_notes_are_shown_though_rows_render_quiet(tmp_path, portrait_path,
                                                              speech_wav, capfd):
    """A batch row renders --quiet (its progress is the batch's): render's notes on the take
    (here a picture enlarged 2.6x to --size) were never said in a batch's log; they follow
    the row's line, as its warnings do."""
    import cv2
    import soundfile as sf

    face = cv2.imread(str(portrait_path))
    cv2.imwrite(str(tmp_path / "small.png"), cv2.resize(face, (200, 200)))
    data, sr = sf.read(speech_wav, dtype="float32")
    sf.write(tmp_path / "line.wav", data[int(0.5 * sr):int(1.0 * sr)], sr)  # 0.5 s of speech
    (tmp_path / "m.csv").write_text("portrait,audio,out\nsmall.png,line.wav,a.mp4\n")
    assert run_cli(["batch", str(tmp_path / "m.csv"), "--size", "512"]) == 0
    lines = capfd.readouterr().err.splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("ok") and "(a.mp4)" in ln)
    assert "  note: the picture is 200 px; enlarged 2.6x to 512: expect a soft video" in \
        lines[at + 1:], lines


def test_a_second_ctrl_c_while_a_stop_counts_the_rows_kept_says_they_are_kept(
        tmp_path, portrait_path, speech_wav, capsys):
    """A batch's stop reads every row's inputs again to count the rows done; a second Ctrl-C
    then (a big input takes a while: here 400 MB) ended in 'error: interrupted; no output was
    written', with a row done and kept. The line now says the finished rows are kept."""
    import shutil
    import signal
    import threading

    from core.batch.record import identity, write_record
    from core.cli.batch import _stopped

    shutil.copy(portrait_path, tmp_path / "face.png")
    shutil.copy(speech_wav, tmp_path / "line.wav")
    with open(tmp_path / "long.wav", "wb") as f:
        f.truncate(400 << 20)  # sparse: no disk, but read and hashed as 400 MB
    (tmp_path / "m.csv").write_text("portrait,audio,out\nface.png,line.wav,take0.mp4\n"
                                    "face.png,long.wav,take1.mp4\n")
    rows = read_manifest(tmp_path / "m.csv")
    settings = {"fps": 25, "size": 512, "seed": 0, "engine": "rig"}
    (tmp_path / "take0.mp4").write_bytes(b"the first row's take")
    write_record(rows[0].cells, identity(rows[0].cells, settings))  # row 1 is done
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    again = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    again.start()
    try:
        code = _stopped(KeyboardInterrupt(), rows, settings)
    except KeyboardInterrupt:
        pytest.fail("the second Ctrl-C escaped the stop's count ('no output was written')")
    finally:
        again.cancel()
        signal.signal(signal.SIGINT, before)
    line = capsys.readouterr().err.strip()
    assert code == 130
    assert line == ("error: interrupted; the rows finished before the stop are kept (not "
                    "counted: stopped again while checking them); run the same command again "
                    "to render the rest")
    assert (tmp_path / "take0.mp4").read_bytes() == b"the first row's take"
