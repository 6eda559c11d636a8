"""evaluate pairs videos by name: a generated video with no same-named ground truth (a typo in
one name) was silently left out of the scores. It is now named on stderr and in the JSON."""
from __future__ import annotations

import json
import shutil

import pytest

from tests.robust.helpers import one_error_line


def test_a_generated_video_without_ground_truth_is_reported(tiny_clips, tmp_path, capsys):
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for name in ("a", "b"):
        shutil.copy(tiny_clips / "blank.mp4", gen / f"{name}.mp4")
        shutil.copy(tiny_clips / "blank.mp4", ref / f"{name}.mp4")
    shutil.copy(tiny_clips / "blank.mp4", gen / "onlygen.mp4")
    (gen / "notes.txt").write_text("not a video: not a clip either")
    out = tmp_path / "summary.json"
    assert run_cli(["evaluate", str(gen), str(ref), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["clips"] == 2
    assert summary["unmatched"] == ["onlygen.mp4"]
    assert json.loads(out.read_text())["unmatched"] == ["onlygen.mp4"]
    notes = [ln for ln in captured.err.splitlines() if "onlygen" in ln]
    assert notes == [f"note: onlygen.mp4 has no same-named ground truth in {ref}; "
                     "left out of the scores"]


def test_all_matched_lists_no_unmatched(tiny_clips, tmp_path, capsys):
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "blank.mp4", gen / "a.mp4")
    shutil.copy(tiny_clips / "blank.mp4", ref / "a.mp4")
    shutil.copy(tiny_clips / "blank.mp4", ref / "only_ref.mp4")  # extra truth: nothing to score
    assert run_cli(["evaluate", str(gen), str(ref)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["unmatched"] == []
    assert "note:" not in captured.err


def test_a_curves_file_beside_its_video_is_not_a_clip(tiny_clips, tmp_path, capsys):
    """`render --out a.mp4 --curves a.csv` leaves a.csv beside the video: it was paired with
    the ground truth a.mp4 by its stem and counted as a second, unreadable clip "a"."""
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "blank.mp4", gen / "a.mp4")
    shutil.copy(tiny_clips / "blank.mp4", ref / "a.mp4")
    (gen / "a.csv").write_text("time,AU1\n0,0\n")
    assert run_cli(["evaluate", str(gen), str(ref)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["clips"], summary["unreadable"]) == (1, 0)
    assert [row["clip"] for row in summary["per_clip"]] == ["a"]


@pytest.mark.parametrize("side", ["gen", "ref"])
def test_one_clip_under_two_video_names_is_refused(tiny_clips, tmp_path, capsys, side):
    """a.mp4 and a.mkv in one folder: generated, both were scored against the one ground truth
    and clip "a" counted twice in the averages; ground truth, one of the two was taken in the
    folder's listing order, a different score on another machine."""
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "blank.mp4", gen / "a.mp4")
    shutil.copy(tiny_clips / "blank.mp4", ref / "a.mp4")
    shutil.copy(tiny_clips / "blank.mp4", tmp_path / side / "a.mkv")
    assert run_cli(["evaluate", str(gen), str(ref)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    line = one_error_line(captured.err, "a.mkv")
    assert "a.mp4" in line


def test_a_video_whose_name_is_not_utf8_is_unreadable_not_a_crash(tiny_clips, tmp_path):
    """OpenCV's VideoCapture, given a name Linux allows but UTF-8 cannot spell (b'b\\xe9.mp4',
    a Latin-1 é), crashed the whole evaluate with a segmentation fault. The clip is listed as
    unreadable with the reason, and the others are scored."""
    import os

    from tests.robust.helpers import run_main

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    for folder in (gen, ref):
        shutil.copy(tiny_clips / "blank.mp4", folder / "a.mp4")
        shutil.copy(tiny_clips / "blank.mp4", os.fsdecode(bytes(folder) + b"/b\xe9.mp4"))
    proc = run_main(["evaluate", gen, ref])
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    summary = json.loads(proc.stdout)
    assert (summary["clips"], summary["unreadable"]) == (2, 1)
    row = next(r for r in summary["per_clip"] if r["status"] == "unreadable")
    assert "UTF-8" in row["notes"][0]


@pytest.mark.parametrize("second", ["a.mp4", "other/a.mp4"])
def test_a_clip_labelled_twice_with_different_emotions_is_refused(tiny_clips, tmp_path, capsys,
                                                                 second):
    """Videos pair with metadata rows by name alone: a.mp4 listed as happy and again as sad
    (a row repeated and edited, or sub/a.mp4 and other/a.mp4) was scored against the last row
    unsaid, so the same video read 100% or 0% emotion accuracy by the order of the rows. Two
    labels for one name are refused, naming both; the same label twice is fine."""
    from core.cli import run_cli

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "blank.mp4", gen / "a.mp4")
    shutil.copy(tiny_clips / "blank.mp4", ref / "a.mp4")
    meta = tmp_path / "meta.csv"
    meta.write_text(f"file,emotion\nsub/a.mp4,happy\n{second},sad\n")
    assert run_cli(["evaluate", str(gen), str(ref), "--metadata", str(meta)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    line = one_error_line(captured.err, "meta.csv labels the clip a twice")
    assert "happy (clip 1) and sad (clip 2)" in line
    meta.write_text(f"file,emotion\nsub/a.mp4,sad\n{second},sad\n")
    assert run_cli(["evaluate", str(gen), str(ref), "--metadata", str(meta)]) == 0
    assert json.loads(capsys.readouterr().out)["per_clip"][0]["emotion"] == "sad"


def test_a_labelled_clip_without_a_face_says_why_without_a_python_warning(tiny_clips, tmp_path):
    """A labelled clip whose generated video has no face printed numpy's 'metrics.py:113:
    RuntimeWarning: All-NaN slice encountered' and a line of source onto the progress line;
    the clip's notes already say why it is not judged, and that is all a user sees now."""
    from tests.robust.helpers import run_main

    gen, ref = tmp_path / "gen", tmp_path / "ref"
    gen.mkdir(), ref.mkdir()
    shutil.copy(tiny_clips / "blank.mp4", gen / "a.mp4")
    shutil.copy(tiny_clips / "face.mp4", ref / "a.mp4")
    meta = tmp_path / "meta.csv"
    meta.write_text("file,emotion\na.mp4,happy\n")
    proc = run_main(["evaluate", gen, ref, "--metadata", meta])
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert "Warning" not in err and "metrics.py" not in err, err
    row = json.loads(proc.stdout)["per_clip"][0]
    assert row["correct"] is None
    assert "emotion: no generated frame has a face" in row["notes"]
