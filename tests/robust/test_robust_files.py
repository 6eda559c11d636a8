"""Category 2, half-written and lost files: SIGTERM and SIGHUP during a render clean up like
Ctrl-C; atomic writes keep the file's mode, honour the umask, and write through symlinks.
On main a kill left hidden .partial files, a 0664 project came back 0600 and a symlinked
project became a regular file."""
from __future__ import annotations

import os
import signal
import sys

import pytest

from core import atomic
from tests.export.test_export_cli import ROOT, SLOW_ENGINE_MAIN, _interrupt_render


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_kill_or_hangup_during_a_render_leaves_no_partial_file(tmp_path, portrait_path,
                                                                speech_wav, sig):
    out = tmp_path / "take.mp4"
    code, err = _interrupt_render(
        [sys.executable, "-c", SLOW_ENGINE_MAIN.format(root=str(ROOT)), "render", "--engine",
         "slow", "--portrait", str(portrait_path), "--audio", str(speech_wav), "--out", str(out)],
        tmp_path, sig)
    assert code == 128 + sig, err
    assert "Traceback" not in err
    assert signal.Signals(sig).name in err.splitlines()[-1]
    assert os.listdir(tmp_path) == []


def test_kill_leaves_the_previous_output_untouched(tmp_path, portrait_path, speech_wav):
    out = tmp_path / "take.mp4"
    out.write_bytes(b"the take from yesterday")
    code, _ = _interrupt_render(
        [sys.executable, "-c", SLOW_ENGINE_MAIN.format(root=str(ROOT)), "render", "--engine",
         "slow", "--portrait", str(portrait_path), "--audio", str(speech_wav), "--out", str(out)],
        tmp_path, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == ["take.mp4"] and out.read_bytes() == b"the take from yesterday"


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    p = tmp_path / "shared.moee.json"
    p.write_text("old")
    os.chmod(p, 0o664)
    atomic.write_text(p, "new")
    assert p.read_text() == "new" and (p.stat().st_mode & 0o777) == 0o664


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, mask):
    old = os.umask(mask)
    try:
        atomic.write_text(tmp_path / "new.json", "{}")
        with atomic.folder(tmp_path / "clip") as tmp:
            (tmp / "x").write_text("x")
    finally:
        os.umask(old)
    assert ((tmp_path / "new.json").stat().st_mode & 0o777) == 0o666 & ~mask
    assert ((tmp_path / "clip").stat().st_mode & 0o777) == 0o777 & ~mask


def test_atomic_write_goes_through_a_symlink_to_its_target(tmp_path):
    real = tmp_path / "projects" / "take.moee.json"
    real.parent.mkdir()
    real.write_text("old")
    os.chmod(real, 0o640)
    link = tmp_path / "current.moee.json"
    link.symlink_to(real)
    atomic.write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new" and (real.stat().st_mode & 0o777) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["current.moee.json", "projects"]
    assert os.listdir(real.parent) == ["take.moee.json"]


def test_saving_a_project_keeps_mode_and_link(tmp_path):
    from core.project import Project, load_project, save_project

    real = tmp_path / "a.moee.json"
    save_project(Project(), real)
    os.chmod(real, 0o664)
    link = tmp_path / "link.moee.json"
    link.symlink_to(real)
    save_project(load_project(link), link)
    assert link.is_symlink() and (real.stat().st_mode & 0o777) == 0o664


def test_a_name_with_no_room_for_the_temp_files_is_refused_with_how_long_it_may_be(tmp_path):
    """A 245-byte name the folder takes, whose temp file (14 bytes longer) it doesn't: the write
    said "File name too long" of a name that is not."""
    most = os.pathconf(tmp_path, "PC_NAME_MAX")
    name = "k" * (most - 10) + ".json"
    with pytest.raises(atomic.ExportError, match=f"shorten it to {most - 14} or less"):
        atomic.write_text(tmp_path / name, "{}")
    assert os.listdir(tmp_path) == []
    atomic.write_text(tmp_path / ("k" * (most - 19) + ".json"), "{}")  # 14 bytes to spare
    assert len(os.listdir(tmp_path)) == 1


def test_a_folder_replaced_whole_is_never_absent_while_the_old_one_is_removed(tmp_path,
                                                                              monkeypatch):
    """atomic.folder (training checkpoints, prepared data) removed the old folder and then
    renamed the new one in: a kill during the removal (seconds for a checkpoint of GBs) left
    neither. The old one is now renamed aside and removed once the new one is in place."""
    import shutil

    from core import atomic

    dest = tmp_path / "step-00000004"
    dest.mkdir()
    (dest / "state.json").write_text('{"step": 4}')
    seen = []
    real_rmtree = shutil.rmtree

    def watching(path, *a, **k):
        seen.append((dest / "state.json").read_text() if dest.exists() else None)
        return real_rmtree(path, *a, **k)

    monkeypatch.setattr(shutil, "rmtree", watching)
    with atomic.folder(dest) as tmp:
        (tmp / "state.json").write_text('{"step": 4, "again": true}')
    assert seen == ['{"step": 4, "again": true}']  # the new one in place when the old goes
    assert [p.name for p in tmp_path.iterdir()] == [dest.name]  # nothing left aside
