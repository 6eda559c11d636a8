"""A path the user may not read (its file, or a folder on the way without search permission) is
one `cannot read X: permission denied` line, never "damaged" advice nor a PermissionError
traceback. The denial is simulated at os.stat / open, so the tests also run as root (who may
read anything); the real chmod case runs where the suite is not root."""
from __future__ import annotations

import builtins
import errno
import os
import shutil
from pathlib import Path

import pytest

from core.errors import AudioError, InputError
from tests.robust.checks import error_line


def _deny_under(monkeypatch, folder: Path) -> None:
    """Every stat and open of a path inside `folder` fails as in a folder without x permission."""
    inside = str(folder.absolute()) + os.sep
    real_stat, real_open = os.stat, builtins.open

    def denied(path) -> bool:
        return isinstance(path, (str, os.PathLike)) and \
            os.path.abspath(os.fspath(path)).startswith(inside)

    def stat(path, *a, **kw):
        if denied(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *a, **kw)

    def open_(path, *a, **kw):
        if denied(path):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(builtins, "open", open_)


def _deny_file(monkeypatch, path: Path) -> None:
    """open() of this one file fails as for a file with mode 000."""
    real_open = builtins.open
    target = str(path.absolute())

    def open_(p, *a, **kw):
        if isinstance(p, (str, os.PathLike)) and os.path.abspath(os.fspath(p)) == target:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(p))
        return real_open(p, *a, **kw)

    monkeypatch.setattr(builtins, "open", open_)


def _loader(kind: str):
    """(load function, its error type, the fixture's file name) for a portrait or a voice."""
    if kind == "portrait":
        from core.face.image_io import load_image
        return load_image, InputError, "face.png"
    from core.audio.io import load_audio
    return load_audio, AudioError, "speech.wav"


@pytest.mark.parametrize("kind", ["portrait", "audio"])
def test_a_file_in_a_closed_folder_is_a_permission_message(kind, portrait_path, speech_wav,
                                                           tmp_path, monkeypatch):
    load, error, name = _loader(kind)
    (tmp_path / "np").mkdir()
    shutil.copy(portrait_path if kind == "portrait" else speech_wav, tmp_path / "np" / name)
    _deny_under(monkeypatch, tmp_path / "np")
    with pytest.raises(error, match=rf"cannot read .*{name}: permission denied") as e:
        load(tmp_path / "np" / name)
    assert "damaged" not in str(e.value)


@pytest.mark.parametrize("kind", ["portrait", "audio"])
def test_an_unreadable_file_is_not_called_damaged(kind, portrait_path, speech_wav, tmp_path,
                                                  monkeypatch):
    load, error, name = _loader(kind)
    f = tmp_path / ("noperm" + Path(name).suffix)
    shutil.copy(portrait_path if kind == "portrait" else speech_wav, f)
    _deny_file(monkeypatch, f)
    with pytest.raises(error, match=rf"cannot read .*{f.name}: permission denied") as e:
        load(f)
    assert "damaged" not in str(e.value) and "download" not in str(e.value)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files with mode 000")
def test_real_mode_000_files_are_permission_messages(portrait_path, speech_wav, tmp_path):
    from core.audio.io import load_audio
    from core.face.image_io import load_image

    face, wav = tmp_path / "noperm.png", tmp_path / "noperm.wav"
    shutil.copy(portrait_path, face)
    shutil.copy(speech_wav, wav)
    face.chmod(0)
    wav.chmod(0)
    try:
        with pytest.raises(InputError, match="permission denied"):
            load_image(face)
        with pytest.raises(AudioError, match="permission denied"):
            load_audio(wav)
    finally:
        face.chmod(0o644)
        wav.chmod(0o644)


def test_a_command_reading_a_closed_folder_ends_in_one_line(tmp_path, monkeypatch, capsys):
    """evaluate's door check calls Path.is_file(), which raised PermissionError to the top."""
    from core.cli import run_cli

    (tmp_path / "np").mkdir()
    (tmp_path / "ref").mkdir()
    _deny_under(monkeypatch, tmp_path / "np")
    assert run_cli(["evaluate", str(tmp_path / "np" / "gen"), str(tmp_path / "ref")]) == 1
    line = error_line(capsys.readouterr().err)
    assert line.startswith("error: cannot read ") and "np" in line
    assert line.endswith("permission denied")


def test_an_output_in_a_closed_folder_is_a_write_message(tmp_path, monkeypatch, capsys):
    """demo -o checks its output with Path.is_dir(), which raised PermissionError."""
    from core.cli import run_cli

    (tmp_path / "np").mkdir()
    _deny_under(monkeypatch, tmp_path / "np")
    out = tmp_path / "np" / "d.mp4"
    assert run_cli(["demo", "-o", str(out)]) == 1
    line = error_line(capsys.readouterr().err)
    assert line == f"error: cannot write {out}: permission denied"


def _fail_in_evaluate(monkeypatch, exc: Exception) -> None:
    import core.training.metrics as metrics

    def fail(*a, **kw):
        raise exc
    monkeypatch.setattr(metrics, "evaluate_folders", fail)


def test_a_full_or_read_only_disk_is_a_write_message(tmp_path, monkeypatch, capsys):
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for exc, reason in ((OSError(errno.ENOSPC, "No space left on device", "/x/a.json"),
                         "the disk is full"),
                        (OSError(errno.EROFS, "Read-only file system", "/x/a.json"),
                         "permission denied (read-only file or folder)")):
        _fail_in_evaluate(monkeypatch, exc)
        assert run_cli(["evaluate", str(gen), str(ref)]) == 1
        assert error_line(capsys.readouterr().err) == f"error: cannot write /x/a.json: {reason}"


def test_bugs_are_not_swallowed_by_the_oserror_line(tmp_path, monkeypatch):
    """Only an OSError naming a file becomes a line: anything else keeps its traceback."""
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for exc in (OSError(errno.EIO, "Input/output error"), ValueError("a bug")):
        _fail_in_evaluate(monkeypatch, exc)
        with pytest.raises(type(exc)):
            run_cli(["evaluate", str(gen), str(ref)])
