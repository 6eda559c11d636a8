"""Two rendering processes (core/video/parallel.py): the same frames as one process, in order;
a helper that dies mid-take costs time, not frames, and one that can't start means one process;
cancelling stops the helper; the CLI's --workers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.cli import run_cli
from core.engine import CancelToken, RenderJob
from core.errors import Cancelled
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.video import parallel
from core.video.parallel import ParallelFrames
from tests.export.helpers import decoded_frames, probe

SECONDS = 12.0  # 300 frames at 25 fps: above parallel.MIN_FRAMES


@pytest.fixture(scope="module")
def take(portrait):
    eng = RigEngine()
    job = RenderJob(portrait=eng.prepare(portrait), mix=EmotionMix.from_preset("sad"), size=128,
                    duration=SECONDS, fps=25)
    return eng, job, [f.image for f in eng.frames(job)]


def test_two_processes_give_the_same_frames_in_order(take):
    eng, job, serial = take
    pf = ParallelFrames(eng, job)
    frames = list(pf)
    assert [f.index for f in frames] == list(range(len(serial)))
    assert all(np.array_equal(f.image, s) for f, s in zip(frames, serial))
    assert pf.helper_error is None and pf._proc is None  # the helper was stopped


def test_the_helper_gets_the_render_state_and_tracks_ready_made(take, monkeypatch):
    """What the helper receives (pickled, as through its pipe) renders the same frames with
    nothing rebuilt: no Warper, mouth, eyes or shading state, no audio/life tracks."""
    import pickle
    from dataclasses import replace

    import core.rig.engine as rig_engine
    import core.rig.portrait as rig_portrait

    eng, job, serial = take
    state = pickle.loads(pickle.dumps((eng.portable(job.portrait, job),
                                       replace(job, portrait=None))))

    def rebuilt(*a, **k):
        raise AssertionError("rebuilt in the helper")

    monkeypatch.setattr(rig_engine, "build_tracks", rebuilt)
    monkeypatch.setattr(rig_portrait.PreparedPortrait, "_build", rebuilt)
    helper = RigEngine()
    portable, hjob = state
    hjob.portrait = helper.from_portable(portable, hjob)
    frames = list(helper.frame_range(hjob, parallel.BLOCK, 2 * parallel.BLOCK))
    assert [f.index for f in frames] == list(range(parallel.BLOCK, 2 * parallel.BLOCK))
    assert all(np.array_equal(f.image, serial[f.index]) for f in frames)


def test_a_helper_started_early_renders_the_take(take):
    eng, job, serial = take
    helper = parallel.Helper.early(eng, job, 2)
    proc = helper.proc
    pf = ParallelFrames(eng, job, helper=helper)
    frames = [f.image for f in pf]
    assert pf._proc is None and not proc.is_alive() and helper.proc is None
    assert len(frames) == len(serial) and all(np.array_equal(a, b) for a, b in zip(frames, serial))
    assert pf.helper_error is None


def test_a_helper_started_for_another_take_is_stopped(take):
    eng, job, _ = take
    helper = parallel.Helper(eng.name, job.frame_count() + 1)
    proc = helper.proc
    pf = ParallelFrames(eng, job, helper=helper)
    assert pf._early is None and helper.proc is None and not proc.is_alive()


def test_an_early_helper_the_export_does_not_use_is_stopped(take, tmp_path):
    from core.video.export import export_video

    eng, job, _ = take
    assert parallel.Helper.early(eng, job, 1) is None  # one worker asked for: none started
    helper = parallel.Helper.early(eng, job, 2)
    proc = helper.proc
    export_video(eng, job, tmp_path / "take.mp4", workers=1, helper=helper)
    assert helper.proc is None and not proc.is_alive()


def test_a_helper_that_dies_costs_no_frame(take):
    eng, job, serial = take
    pf = ParallelFrames(eng, job)
    out = []
    for f in pf:
        out.append(f.image)
        if len(out) == 2 * parallel.BLOCK + 3:
            pf._proc.kill()  # mid-take, whatever it was doing
    assert len(out) == len(serial)
    assert all(np.array_equal(a, b) for a, b in zip(out, serial))
    assert pf.helper_error  # noticed and said why


@pytest.mark.parametrize("orphaned", ["counter", "written", "both"])
def test_a_helper_that_dies_holding_a_shared_lock_costs_no_frame(take, orphaned):
    """A SemLock is not released when the process holding it dies: a helper killed (OOM killer,
    SIGKILL) inside `with counter.get_lock()` leaves the lock held for ever. The export still
    ends, with every frame once and in order, and says the helper stopped."""
    import multiprocessing as mp
    import os
    import signal
    import threading

    from tests.export.helpers import hold_locks_and_exit

    eng, job, serial = take
    pf = ParallelFrames(eng, job)
    out, failed = [], []

    def orphan_and_kill() -> None:
        """Mid-take: the lock(s) taken by a process that is gone, then the helper killed."""
        shared = {"counter": [pf._counter], "written": [pf._written],
                  "both": [pf._counter, pf._written]}[orphaned]
        holder = mp.get_context("spawn").Process(target=hold_locks_and_exit, args=tuple(shared))
        holder.start()
        holder.join(30)
        assert holder.exitcode == 0
        for s in shared:  # held by nobody alive: a plain wait on it would never end
            assert not s.get_lock().acquire(timeout=0.05)
        os.kill(pf._proc.pid, signal.SIGKILL)

    def export() -> None:
        try:
            for f in pf:
                out.append(f)
                if len(out) == 2 * parallel.BLOCK + 3:
                    orphan_and_kill()
        except BaseException as e:  # noqa: BLE001 - reported by the test's thread
            failed.append(e)

    t = threading.Thread(target=export, daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), "the export hung on a lock held by a dead process"
    assert not failed, failed
    assert [f.index for f in out] == list(range(len(serial)))
    assert all(np.array_equal(f.image, s) for f, s in zip(out, serial))
    assert pf.helper_error  # noticed and said why
    assert pf._unlocked and pf._proc is None  # the orphaned locks were dropped, not waited on


def test_no_helper_possible_means_one_process(take, monkeypatch):
    eng, job, serial = take

    def no_processes(method):
        raise OSError("no /dev/shm here")

    monkeypatch.setattr(parallel.mp, "get_context", no_processes)
    pf = ParallelFrames(eng, job)
    frames = [f.image for f in pf]
    assert len(frames) == len(serial) and all(np.array_equal(a, b) for a, b in zip(frames, serial))
    assert "no /dev/shm here" in pf.helper_error


def test_cancel_stops_the_helper(take):
    eng, job, _ = take
    token = CancelToken()
    pf = ParallelFrames(eng, job, cancel=token)
    it = iter(pf)
    for _ in range(parallel.BLOCK + 1):
        next(it)
    proc = pf._proc
    token.cancel()
    with pytest.raises(Cancelled):
        next(it)
    assert pf._proc is None and not proc.is_alive()


def test_cli_workers_2_writes_every_frame(portrait_path, tmp_path):
    out = tmp_path / "take.mp4"
    assert run_cli(["render", "--portrait", str(portrait_path), "--duration", "10.4",
                    "--size", "128", "--mix", "angry=1", "--workers", "2", "--quiet",
                    "--out", str(out)]) == 0
    assert len(decoded_frames(out)) == 260
    assert probe(out)["video"] == "h264"


def test_cli_workers_is_checked_at_the_door(portrait_path, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run_cli(["render", "--portrait", str(portrait_path), "--duration", "1",
                 "--workers", "3", "--out", str(tmp_path / "x.mp4")])
    assert "must be 1, 2 or auto" in capsys.readouterr().err


def _start_render(portrait_path, out, stderr=-1):
    """`main.py render --workers 2` of a silent take long enough to have a helper, with curves,
    in a session of its own (its process group is the render's); returns once the encoder
    is writing (the partial video is there). stderr: subprocess.PIPE (-1) by default. Two
    minutes of frames: a 30 s take at 128 px rendered and encoded whole in 1.5 s on a quiet
    machine, before a test could find its encoder or signal it mid-take."""
    import signal
    import subprocess
    import sys
    import time

    from tests.robust.helpers import ROOT

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "render", "--portrait", str(portrait_path),
         "--duration", "120", "--size", "128", "--workers", "2", "--out", str(out),
         "--curves", str(out.with_suffix(".csv"))],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=stderr,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not list(out.parent.glob(".*.partial.mp4")):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.02)
    return proc


def test_a_closed_terminal_stops_both_processes_quietly(portrait_path, tmp_path):
    """SIGHUP to the process group (the terminal closed) mid-take: it killed Python's
    resource tracker (the helper's shared values started it), and the render's own cleanup
    then printed 'resource_tracker: process died unexpectedly' and 2 KeyError tracebacks
    under its stop line. Now one line, exit 129, no partial file, no process left."""
    import os
    import signal
    import time

    from tests.robust.helpers import one_error_line
    from tests.studio.test_studio_batch import _left_in_group

    proc = _start_render(portrait_path, tmp_path / "take.mp4")
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGHUP)
    err = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == 128 + signal.SIGHUP, err
    assert "resource_tracker" not in err
    assert "SIGHUP" in one_error_line(err, "no output was written")
    assert os.listdir(tmp_path) == []
    assert not _left_in_group(proc.pid, 5)  # the helper and the tracker, once they see it


def _processes_writing_into(folder, program: bytes) -> list[int]:
    """Live processes running `program` whose command line names a file in `folder`."""
    found = []
    for d in Path("/proc").iterdir():
        try:
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        if program in cmd and bytes(str(folder), "utf-8") in cmd:
            found.append(int(d.name))
    return found


def test_a_render_killed_outright_takes_its_helper_with_it(portrait_path, tmp_path):
    """`kill -9` of a render whose helper had rendered its blocks ahead and waited for the
    writer (the encoder the slower of the two: stopped here): the helper spun on at full CPU
    for ever, with Python's resource tracker waiting on it. It now sees its parent gone and
    leaves (within 10 s)."""
    import os
    import signal
    import subprocess
    import time

    from tests.studio.test_studio_batch import _left_in_group, _running_in_group

    proc = _start_render(portrait_path, tmp_path / "take.mp4", stderr=subprocess.DEVNULL)
    # the encoder: the ffmpeg writing into this folder. It runs in a group of its own (Ctrl-C
    # reaches only the render, which decides when to stop it); looking in the render's group
    # found only a short `ffmpeg -version` probe, when the test caught it (often it did not:
    # the full suite on a quiet machine)
    encoder, deadline = [], time.monotonic() + 30
    while not encoder and time.monotonic() < deadline:  # started just after its folder
        encoder = _processes_writing_into(tmp_path, b"ffmpeg")
    assert encoder, f"no encoder writing the take (render's exit status {proc.poll()})"
    assert proc.poll() is None
    assert encoder[0] not in _running_in_group(proc.pid)  # not killed with the render's group
    os.kill(encoder[0], signal.SIGSTOP)  # the writer waits; the helper runs ahead and waits
    time.sleep(1.5)
    proc.kill()
    proc.wait()
    os.kill(encoder[0], signal.SIGCONT)
    assert not _left_in_group(proc.pid, 10)
