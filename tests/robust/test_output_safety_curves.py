"""--curves on a disk that fills: the previous take survives whole, the message is one line.

The full disk is simulated in-process: the curve writer's file (core.curves opens it with
os.fdopen) gets a raw layer with `free` bytes left, past which every write fails with ENOSPC,
as a real full file system does. Its Python buffer holds the rows of a short take, so with
free=0 the failure shows only when the curves are finished at the end of the take (the case the
audit found: the new video was already moved over the old one), and with a small buffer it
shows mid-take (the case that printed a traceback)."""
from __future__ import annotations

import errno
import io
import os
import types

import numpy as np
import pytest
import soundfile as sf

import core.curves
from core.cli import run_cli
from core.curves import CurveWriter
from core.errors import ExportError
from tests.robust.checks import error_line

OLD_VIDEO = b"OLDVIDEO, a take the user kept"
OLD_CURVES = '{"old": 1}\n'


class _FullDisk(io.FileIO):
    """A file on a disk with `free` bytes left."""

    def __init__(self, fd: int, free: int):
        super().__init__(fd, "w", closefd=True)
        self.free = free

    def write(self, data) -> int:
        if len(data) > self.free:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.free -= len(data)
        return super().write(data)


def _fill_disk(monkeypatch, free: int = 0, buffer: int | None = None) -> None:
    """Only core.curves' files see the full disk (ffmpeg writes the video for real)."""
    def fdopen(fd, mode="r", encoding=None, newline=None, **_):
        raw = _FullDisk(fd, free)
        buffered = io.BufferedWriter(raw, buffer or io.DEFAULT_BUFFER_SIZE)
        return io.TextIOWrapper(buffered, encoding=encoding, newline=newline,
                                write_through=buffer is not None)

    fake_os = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os)
                                       if not k.startswith("__")})
    fake_os.fdopen = fdopen
    monkeypatch.setattr(core.curves, "os", fake_os)


@pytest.fixture
def short_wav(tmp_path, speech_wav):
    """0.3 s of the speech fixture (a batch row renders its whole audio)."""
    data, sr = sf.read(speech_wav, dtype="float32")
    path = tmp_path / "in" / "short.wav"
    path.parent.mkdir()
    sf.write(path, data[int(0.6 * sr):int(0.9 * sr)], sr)
    return path


def _previous_take(folder):
    folder.mkdir(exist_ok=True)
    (folder / "o.mp4").write_bytes(OLD_VIDEO)
    (folder / "o.json").write_text(OLD_CURVES)
    return folder / "o.mp4", folder / "o.json"


def test_curves_failing_at_the_end_leave_the_previous_video(tmp_path, monkeypatch, capsys,
                                                            portrait_path, speech_wav):
    _fill_disk(monkeypatch, free=0)
    # not the new take's video beside the old curves
    _render_fails_on_full_disk(tmp_path, capsys, portrait_path, speech_wav, "0.2")


def _render_fails_on_full_disk(tmp_path, capsys, portrait_path, speech_wav, seconds: str):
    """render --curves onto a previous take on the (faked) full disk: one error line naming the
    curves, and the previous video and curves as they were, nothing else left."""
    video, curves = _previous_take(tmp_path / "out")
    code = run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                    "--duration", seconds, "--size", "64", "--workers", "1", "-o", str(video),
                    "--curves", str(curves)])
    assert code == 1
    line = error_line(capsys.readouterr().err)
    assert "o.json" in line and "the disk is full" in line
    assert video.read_bytes() == OLD_VIDEO and curves.read_text() == OLD_CURVES
    assert sorted(p.name for p in video.parent.iterdir()) == ["o.json", "o.mp4"]


def test_batch_row_whose_curves_fail_leaves_no_video(tmp_path, monkeypatch, portrait_path,
                                                     short_wav):
    from core.batch.worker import render_row

    video, curves = _previous_take(tmp_path / "out")
    cells = {"portrait": str(portrait_path), "audio": str(short_wav), "out": str(video),
             "curves": str(curves)}
    settings = {"fps": 25, "size": 64, "seed": 0, "engine": "rig"}
    _fill_disk(monkeypatch, free=0)
    result = render_row(2, cells, settings, {})
    assert not result.ok and "the disk is full" in result.reason, result
    assert video.read_bytes() == OLD_VIDEO
    assert curves.read_text() == OLD_CURVES
    assert sorted(p.name for p in video.parent.iterdir()) == ["o.json", "o.mp4"]


def test_curves_writer_disk_full_mid_take_is_an_export_error(tmp_path, monkeypatch):
    """abort() closed the file outside a try: the flush failing again on the full disk
    escaped as an OSError (a traceback for the user) instead of the ExportError."""
    _fill_disk(monkeypatch, free=3000, buffer=256)
    w = CurveWriter(tmp_path / "c.csv", 25)
    with pytest.raises(ExportError, match="cannot write .*c.csv: the disk is full"):
        for i in range(1000):
            w.write_aus(i / 25, {12: 0.5, 26: 0.25})
    assert list(tmp_path.iterdir()) == []
    w.abort()  # again: harmless


def test_render_disk_full_mid_take_is_one_line(tmp_path, monkeypatch, capsys, portrait_path,
                                               speech_wav):
    _fill_disk(monkeypatch, free=1500, buffer=4096)
    _render_fails_on_full_disk(tmp_path, capsys, portrait_path, speech_wav, "0.4")


def test_curves_that_fit_are_written_with_the_video(tmp_path, monkeypatch, capsys,
                                                    portrait_path, speech_wav):
    """The same simulated disk with room left: the take is written whole (the fake is fair)."""
    video, curves = _previous_take(tmp_path / "out")
    _fill_disk(monkeypatch, free=1 << 20, buffer=256)
    assert run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                    "--duration", "0.2", "--size", "64", "--workers", "1", "-o", str(video),
                    "--curves", str(curves)]) == 0
    capsys.readouterr()
    assert video.read_bytes()[4:8] == b"ftyp"
    rows = core.curves.read_curves(curves)[1]
    assert len(rows) == 5 and np.isfinite(rows).all()
    assert sorted(p.name for p in video.parent.iterdir()) == ["o.json", "o.mp4"]
