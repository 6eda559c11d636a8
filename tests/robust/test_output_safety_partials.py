"""A render killed by SIGKILL or the OOM killer leaves its hidden `.<name>.XXXXXXXX.partial.<ext>/`
folder; the next render of the same file removes it once its owner process is gone, and never
a live render's folder or anything else."""
from __future__ import annotations

import json
import os
import socket

import numpy as np
import pytest

from core.atomic import process_start
from core.cli import run_cli
from core.video.export import OWNER, VideoWriter
from tests.robust.checks import dead_pid


def _partial(folder, name: str, pid: int | None, start: str = "") -> object:
    p = folder / name
    p.mkdir()
    (p / "take.mp4").write_bytes(b"\0" * 4096)  # what the killed encoder had written
    if pid is not None:
        (p / OWNER).write_text(json.dumps({"pid": pid, "start": start,
                                           "host": socket.gethostname()}))
    return p


def test_next_render_removes_stale_partials_only(tmp_path, capsys, portrait_path, speech_wav):
    dead = dead_pid()
    stale = _partial(tmp_path, ".take.k6l4mtuj.partial.mp4", dead)
    live = _partial(tmp_path, ".take.abcd_123.partial.mp4", os.getpid(),
                    process_start(os.getpid()))
    unowned = _partial(tmp_path, ".take.qqqqqqqq.partial.mp4", None)  # starting, or older
    other_take = _partial(tmp_path, ".other.k6l4mtuj.partial.mp4", dead)
    other_ext = _partial(tmp_path, ".take.k6l4mtuj.partial.mov", dead)
    lookalike = _partial(tmp_path, ".take.k6l4mtuj.partial.mp4.keep", dead)
    (tmp_path / ".take.zzzzzzzz.partial.mp4").symlink_to(_partial(tmp_path, "target", dead))
    # a pid now owned by a later process than the one that wrote the folder: gone too
    reused = _partial(tmp_path, ".take.reused00.partial.mp4", os.getpid(), "1")
    assert run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                    "--duration", "0.2", "--size", "64", "--workers", "1",
                    "-o", str(tmp_path / "take.mp4")]) == 0
    capsys.readouterr()
    assert not stale.exists() and not reused.exists()
    for kept in (live, unowned, other_take, other_ext, lookalike):
        assert (kept / "take.mp4").exists(), kept
    assert (tmp_path / ".take.zzzzzzzz.partial.mp4").is_symlink()
    assert (tmp_path / "target" / "take.mp4").exists()
    assert (tmp_path / "take.mp4").read_bytes()[4:8] == b"ftyp"


def test_a_partial_folder_names_its_owner(tmp_path):
    with VideoWriter(tmp_path / "take.mp4", fps=25, width=32, height=32) as writer:
        [folder] = [p for p in tmp_path.iterdir() if p.name.endswith(".partial.mp4")]
        owner = json.loads((folder / OWNER).read_text())
        assert owner == {"pid": os.getpid(), "start": process_start(os.getpid()),
                         "host": socket.gethostname()}
        writer.write(np.zeros((32, 32, 3), np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["take.mp4"]


def _stopped_after(monkeypatch, module, name: str):
    """`module.name` does its work, then a stop lands (KeyboardInterrupt, as a Ctrl-C or a
    batch worker's SIGTERM handler raises)."""
    real = getattr(module, name)

    def stop(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(module, name, stop)


@pytest.mark.parametrize("where", ["mkdir", "owner", "probe"])
def test_a_stop_while_the_temp_files_are_made_leaves_none(tmp_path, monkeypatch, where):
    # a batch stopped under load kept a hidden .take0.XXXXXXXX.partial.mp4: the worker's
    # SIGTERM landed inside mkdtemp, after its mkdir, or before the OWNER file was written
    # (and without one the next render's sweep keeps the folder for good)
    import core.video.export as export

    if where == "mkdir":
        _stopped_after(monkeypatch, os, "mkdir")
    elif where == "owner":
        _stopped_after(monkeypatch, export, "_owner")
    else:
        _stopped_after(monkeypatch, os, "open")
    with pytest.raises(KeyboardInterrupt):
        VideoWriter(tmp_path / "take.mp4", fps=25, width=32, height=32).__enter__()
    assert list(tmp_path.iterdir()) == []
