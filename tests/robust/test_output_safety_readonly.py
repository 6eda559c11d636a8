"""A take protected with `chmod a-w` is refused as an output, by its mode bits (the tests may
run as root, who may write anything), and render's small-face advice is the one that applies."""
from __future__ import annotations

import os
import stat

import pytest

from core.batch.runner import preflight
from core.cli import run_cli
from tests.robust.checks import error_line

OLD = b"a take the user protected"


def _protected(path):
    path.write_bytes(OLD)
    os.chmod(path, 0o444)
    return path


def _render(portrait, audio, *extra) -> list[str]:
    return ["render", "--portrait", str(portrait), "--audio", str(audio), "--duration", "0.2",
            "--size", "64", "--workers", "1", *map(str, extra)]


@pytest.mark.parametrize("link", [False, True])
def test_render_refuses_a_read_only_video(tmp_path, capsys, portrait_path, speech_wav, link):
    video = _protected(tmp_path / "take.mp4")
    out = video
    if link:  # written through a link, so its target's mode counts
        out = tmp_path / "link.mp4"
        out.symlink_to(video)
    assert run_cli(_render(portrait_path, speech_wav, "-o", out)) == 1
    line = error_line(capsys.readouterr().err, alone=True)
    assert line == f"error: {out} is read-only; choose another name or make it writable"
    assert video.read_bytes() == OLD and stat.S_IMODE(os.stat(video).st_mode) == 0o444
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["take.mp4"] + (["link.mp4"] if link else []))


def test_render_refuses_read_only_curves(tmp_path, capsys, portrait_path, speech_wav):
    curves = _protected(tmp_path / "take.csv")
    assert run_cli(_render(portrait_path, speech_wav, "-o", tmp_path / "take.mp4",
                           "--curves", curves)) == 1
    line = error_line(capsys.readouterr().err, alone=True)
    assert "take.csv is read-only; choose another name or make it writable" in line
    assert curves.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["take.csv"]


def test_batch_row_refuses_read_only_outputs(tmp_path, portrait_path, speech_wav):
    cells = {"portrait": str(portrait_path), "audio": str(speech_wav),
             "out": str(_protected(tmp_path / "a.mp4"))}
    assert "a.mp4 is read-only" in preflight(cells)
    cells = {**cells, "out": str(tmp_path / "b.mp4"),
             "curves": str(_protected(tmp_path / "b.json"))}
    assert "b.json is read-only" in preflight(cells)


def test_a_writable_take_is_still_replaced(tmp_path, capsys, portrait_path, speech_wav):
    video = tmp_path / "take.mp4"
    video.write_bytes(OLD)
    os.chmod(video, 0o644)
    assert run_cli(_render(portrait_path, speech_wav, "-o", video)) == 0
    capsys.readouterr()
    assert video.read_bytes()[4:8] == b"ftyp"


def test_small_face_advice_with_frame_face_is_the_size_only(tmp_path, capsys, far_face_path,
                                                            speech_wav):
    assert run_cli(_render(far_face_path, speech_wav, "--frame", "face",
                           "-o", tmp_path / "f.mp4")) == 0
    err = capsys.readouterr().err
    [small] = [ln for ln in err.splitlines() if "the face is small" in ln]
    assert small.endswith(": render with a larger --size") and "--frame" not in small


def test_small_face_advice_without_frame_face_offers_it(tmp_path, capsys, far_face_path,
                                                        speech_wav):
    assert run_cli(_render(far_face_path, speech_wav, "-o", tmp_path / "f.mp4")) == 0
    err = capsys.readouterr().err
    [small] = [ln for ln in err.splitlines() if "the face is small" in ln]
    assert "--frame face (a square around the face) or a larger --size" in small
