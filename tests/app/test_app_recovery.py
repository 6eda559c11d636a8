"""Crash recovery: unsaved work is copied a moment after each change and offered back after a
crash (core/recovery.py, app/autosave.py); a save, a discard or a normal quit leaves no copy."""
from __future__ import annotations

import json
import os

import pytest

from core.mix import EmotionMix
from core.project import Project, changed_on_disk, load_project, save_project
from core.recovery import RecoveryFile, read


@pytest.fixture
def dead_pid():
    """A pid no process has (Linux pids stop at 2**22): what a crashed app's copy is named
    after. (Starting and reaping a real child here, beside a window's worker threads, ended the
    test run in a refcount abort at exit.)"""
    return 2**22 + 7


@pytest.fixture
def recovery_answer(monkeypatch):
    asked = []
    reply = {"value": "recover"}

    def fake(parent, what, when):
        asked.append(what)
        return reply["value"]

    monkeypatch.setattr("app.errors.ask_recover", fake)
    return {"asked": asked, "reply": reply}


def _crash(window, dead_pid):
    """What a crash leaves: this window's copy, under the name of a process that is gone."""
    own = window.autosave.file.path
    assert own.exists()
    crashed = own.with_name(f"recovery-{dead_pid}.json")
    own.rename(crashed)
    return crashed


def _fast(window):
    window.autosave.timer.setInterval(20)


def test_unsaved_changes_are_copied_and_offered_back(window, qtbot, tmp_path, dead_pid,
                                                     recovery_answer, errors):
    _fast(window)
    path = str(tmp_path / "take.moee.json")
    assert window._save_to(path)
    assert not window.autosave.file.path.exists()  # saved: nothing to keep
    window.palette.presets.choose("sadly fearful")
    window.palette.au_grid.cells[26].button.click()
    qtbot.waitUntil(window.autosave.file.path.exists, timeout=5000)
    qtbot.wait(100)  # the last edit's copy (each edit restarts the timer)
    mix = window.project.mix
    crashed = _crash(window, dead_pid)
    # the next start: a fresh window on the same settings offers the copy back
    window.project.replace_with(Project())  # what a new run starts from
    assert window.autosave.offer(window)
    qtbot.waitUntil(lambda: window.session.portrait is not None
                    and not window.session.loading(), timeout=60000)
    assert recovery_answer["asked"] == ["take.moee.json"]
    assert window.project.mix == mix and window.project.file_path == path
    assert window.isWindowModified() and "take.moee.json" in window.windowTitle()
    assert not crashed.exists()  # answered: not offered again
    assert window.autosave.file.path.exists()  # and kept again as this run's copy
    assert window._save_to(path)
    assert not window.autosave.file.path.exists() and not errors


def test_discard_and_later(window, qtbot, dead_pid, recovery_answer):
    _fast(window)
    window.palette.presets.choose("angry")
    qtbot.waitUntil(window.autosave.file.path.exists, timeout=5000)
    crashed = _crash(window, dead_pid)
    recovery_answer["reply"]["value"] = "later"
    assert not window.autosave.offer(window) and crashed.exists()
    recovery_answer["reply"]["value"] = "discard"
    assert not window.autosave.offer(window) and not crashed.exists()
    assert not window.autosave.offer(window)  # nothing left to offer
    assert len(recovery_answer["asked"]) == 2


def test_a_normal_quit_leaves_no_copy(window, qtbot, answers):
    _fast(window)
    window.palette.presets.choose("happy")
    qtbot.waitUntil(window.autosave.file.path.exists, timeout=5000)
    answers["reply"]["value"] = "discard"
    window.close()
    assert not window.autosave.file.path.exists()


def test_edits_that_never_pause_are_copied_all_the_same(window, qtbot):
    """The copy waited for a pause in the edits: keys set along a take as it plays, a point
    dragged round the hexagon, any changes never AUTOSAVE_MS apart put it off for as long as
    they went on, and a crash then lost all of them. Now the first change not yet copied is
    copied AUTOSAVE_LONGEST_MS later at the latest."""
    window.autosave.timer.setInterval(400)
    window.autosave.deadline.setInterval(1000)
    made, copied = [], []
    for i in range(30):  # 3 s of edits 0.1 s apart
        window.palette.presets.choose(["sad", "happy", "angry"][i % 3])
        made.append(window.project.mix)
        qtbot.wait(100)
        if window.autosave.file.path.exists():
            copied.append(read(window.autosave.file.path).project.mix)
    assert copied and copied[0] in made
    last = window.project.mix
    qtbot.waitUntil(lambda: read(window.autosave.file.path).project.mix == last, timeout=5000)


def test_a_running_apps_copy_is_not_offered(tmp_path):
    # another window of a running app (this process) keeps its own copy: not a crash
    live = RecoveryFile(tmp_path)
    live.write(Project(mix=EmotionMix.from_preset("sad")))
    assert live.orphans() == []


def test_an_earlier_run_with_this_runs_pid_is_a_crash(tmp_path):
    """A run given the pid of one that crashed (the app's pid in a container is the same at
    every start; pids start over after a reboot) took that run's copy for its own: never
    offered, then replaced by this run's first copy or deleted by its first save. Copies are
    now named by pid and process start, and one of this pid but another start is a crash."""
    pid = os.getpid()
    older = tmp_path / f"recovery-{pid}.json"  # named as before, or where starts are unknown
    other_start = tmp_path / f"recovery-{pid}-1.json"
    for crashed, preset in ((older, "sad"), (other_start, "angry")):
        RecoveryFile(tmp_path, pid=2**22 + 7).write(Project(mix=EmotionMix.from_preset(preset)))
        (tmp_path / f"recovery-{2**22 + 7}.json").rename(crashed)
    os.utime(older, (1e9, 1e9))
    mine = RecoveryFile(tmp_path)
    mine.write(Project(mix=EmotionMix.from_preset("happy")))
    assert mine.orphans() == [other_start, older]
    assert [read(p).project.mix for p in (other_start, older)] == [
        EmotionMix.from_preset("angry"), EmotionMix.from_preset("sad")]
    mine.clear()
    assert older.exists() and other_start.exists()


def test_damaged_copies_are_left_alone(tmp_path, dead_pid):
    bad = tmp_path / f"recovery-{dead_pid}.json"
    bad.write_text("{not json")
    assert RecoveryFile(tmp_path).orphans() == [bad] and read(bad) is None
    good = RecoveryFile(tmp_path, pid=dead_pid)
    good.path = tmp_path / "recovery-copy.json"  # not a pid: never offered
    mix = EmotionMix.from_preset("fearful")
    good.write(Project(mix=mix, file_path=None))
    assert RecoveryFile(tmp_path).orphans() == [bad]
    assert json.loads(good.path.read_text())["file_path"] is None
    assert read(good.path).project.mix == mix


def test_unwritable_folder_is_said_once(window, qtbot, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    window.autosave.file = RecoveryFile(blocker / "recovery")  # a folder that cannot be made
    said = []

    def say(text):  # a Python function: PySide slots on builtins (list.append) misbehaved
        said.append(text)

    window.autosave.failed.connect(say)
    window.palette.presets.choose("sad")
    window.autosave.write_now()
    window.palette.presets.choose("angry")
    window.autosave.write_now()
    assert len(said) == 1 and "recovery" in said[0]
    assert window.isWindowModified()


def test_every_crashed_copy_is_asked_about_before_it_goes(window, qtbot, tmp_path, dead_pid,
                                                          monkeypatch):
    """Two runs crashed (two projects open, a power cut): Recover on the newest deleted the
    other's unsaved work without a word. Now Discard asks about the next copy, and Recover
    keeps those not asked about yet for the next start."""
    folder = window.autosave.file.folder
    sad, happy, angry = (EmotionMix.from_preset(n) for n in ("sad", "happy", "angry"))
    older, newer = (RecoveryFile(folder, pid=dead_pid + i) for i in (0, 1))
    older.write(Project(mix=sad, file_path=str(tmp_path / "a.json")))
    newer.write(Project(mix=happy, file_path=str(tmp_path / "b.json")))
    os.utime(older.path, (1e9, 1e9))
    replies, asked = ["recover", "discard", "recover"], []
    monkeypatch.setattr("app.errors.ask_recover",
                        lambda parent, what, when: asked.append(what) or replies.pop(0))
    assert window.autosave.offer(window)
    assert asked == ["b.json"] and window.project.mix == happy
    assert older.path.exists() and not newer.path.exists()
    assert "1 more" in window.statusBar().currentMessage()
    # the next start, after another crash: Discard the newest, then the older is asked about
    newer.write(Project(mix=angry, file_path=str(tmp_path / "c.json")))
    assert window.autosave.offer(window)
    assert asked == ["b.json", "c.json", "a.json"] and window.project.mix == sad
    assert not older.path.exists() and not newer.path.exists()


@pytest.fixture
def locked(tmp_path):
    """lock(folder): nothing in it may be deleted from now to the test's end (chmod for a user;
    root passes mode bits, so the immutable attribute for root); skips where neither holds."""
    import shutil
    import subprocess
    done = []

    def lock(folder):
        if os.geteuid() != 0:
            os.chmod(folder, 0o500)
        elif not shutil.which("chattr") or subprocess.run(
                ["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("no way to make a folder undeletable here")
        done.append(folder)

    yield lock
    for folder in done:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        os.chmod(folder, 0o700)


@pytest.mark.parametrize("reply", ["discard", "recover"])
def test_a_copy_that_cannot_be_deleted_is_said_not_raised(window, qtbot, dead_pid, locked,
                                                           recovery_answer, reply):
    """The data folder read-only since the crash (a disk remounted read-only): the answer's
    delete raised out of offer(), and the app failed to start, at every start."""
    folder = window.autosave.file.folder
    RecoveryFile(folder, pid=dead_pid).write(Project(mix=EmotionMix.from_preset("sad")))
    locked(folder)
    recovery_answer["reply"]["value"] = reply
    assert window.autosave.offer(window) == (reply == "recover")
    assert "will be offered again" in window.statusBar().currentMessage()
    if reply == "recover":
        assert window.project.mix == EmotionMix.from_preset("sad")


def test_a_recovered_copy_is_not_saved_over_what_was_saved_since(window, qtbot, tmp_path,
                                                                  dead_pid, recovery_answer,
                                                                  monkeypatch):
    """Two windows on one project, one crashed with unsaved changes, the other saved the file
    after: Recover and Ctrl+S silently replaced that save (a recovered project did not know
    which version of its file it came from). Now the copy keeps the file's stamp, and saving
    asks, as it does for a file another window saved since it was opened."""
    path = tmp_path / "take.moee.json"
    window.palette.presets.choose("sad")
    assert window._save_to(str(path))
    window.palette.presets.choose("happy")
    window.autosave.write_now()
    crashed = _crash(window, dead_pid)
    assert not changed_on_disk(read(crashed).project)  # the file as it was: saved unasked
    other = load_project(path)  # the other window saves its own change
    other.set_mix(EmotionMix.from_preset("angry"))
    save_project(other, path)
    theirs = path.read_bytes()
    window.project.replace_with(Project())  # the next start
    assert window.autosave.offer(window)
    replies, asked = ["cancel", "overwrite"], []
    monkeypatch.setattr("app.window_files.ask_overwrite_changed",
                        lambda parent, name: asked.append(name) or replies.pop(0))
    assert not window.save_project()
    assert asked == ["take.moee.json"] and path.read_bytes() == theirs
    assert window.isWindowModified() and window.project.mix.label == "happy"
    assert window.save_project() and load_project(path).mix.label == "happy"


def test_a_copy_that_no_longer_reads_is_said(window, qtbot, dead_pid, recovery_answer):
    """A damaged copy (or one from a newer app) was left in place and never mentioned: the
    user was not told unsaved work from a crash sat in the data folder."""
    folder = window.autosave.file.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"recovery-{dead_pid}.json").write_text("{not json")
    said = []

    def say(text):
        said.append(text)

    window.autosave.message.connect(say)
    assert window.autosave.offer(window) is False
    assert recovery_answer["asked"] == []
    assert len(said) == 1 and "1 recovery copy" in said[0] and str(folder) in said[0]
    assert (folder / f"recovery-{dead_pid}.json").exists()


def test_a_recovery_copy_reaches_the_disk_before_it_is_named(tmp_path, monkeypatch):
    """The copy is for a crash, a power cut too: written without fsync, a cut soon after a
    first copy left it empty (renamed in before its data was on the disk)."""
    import core.atomic

    synced = []
    real = os.fsync
    monkeypatch.setattr(core.atomic.os, "fsync", lambda fd: synced.append(fd) or real(fd))
    RecoveryFile(tmp_path).write(Project(mix=EmotionMix.from_preset("sad")))
    assert synced


def test_a_recovered_copy_stays_until_this_run_keeps_its_own(window, qtbot, tmp_path, dead_pid,
                                                             recovery_answer, errors):
    """Recover deleted the crash's copy before this run wrote its own: when that write failed
    (a full disk; here a folder where the copy goes), the recovered work lived in memory only,
    and a second crash lost it. The crash's copy now stays until this run's own is written, or
    the changes are saved."""
    folder = window.autosave.file.folder
    crashed = RecoveryFile(folder, pid=dead_pid)
    crashed.write(Project(mix=EmotionMix.from_preset("sad")))
    window.autosave.file.path.mkdir(parents=True)  # this run's copy cannot be written
    said = []
    window.autosave.failed.connect(said.append)
    window.autosave.message.connect(said.append)
    assert window.autosave.offer(window)
    assert window.project.mix == EmotionMix.from_preset("sad") and window.project.dirty
    assert crashed.path.exists(), "the only copy of the recovered work was deleted"
    assert "could not be kept for recovery" in said[0] and "will be offered again" in said[1]
    window.autosave.file.path.rmdir()  # room again: the next edit's copy replaces the crash's
    window.palette.presets.choose("happy")
    window.autosave.write_now()
    assert window.autosave.file.path.is_file() and not crashed.path.exists()

    crashed.write(Project(mix=EmotionMix.from_preset("angry")))  # again, then saved
    window.autosave.file.path.unlink()
    window.autosave.file.path.mkdir()
    assert window.autosave.offer(window) and crashed.path.exists()
    window.autosave.file.path.rmdir()
    assert window._save_to(str(tmp_path / "take.moee.json")) and not crashed.path.exists()
