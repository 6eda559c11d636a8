"""Door checks a careless user met late or not at all (the CLI audit): each case is refused
before the slow work, with one `error:` line naming the flag, no traceback, nothing written
and inputs unchanged (tests/robust/helpers.py)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.robust.helpers import Case, run_in_process


@pytest.fixture
def folder(tmp_path, portrait_path, speech_wav) -> Path:
    """The sample portrait, a picture with no face in it, speech, and the two empty folders
    evaluate pairs videos from."""
    import cv2

    f = tmp_path / "case"
    f.mkdir()
    shutil.copy(portrait_path, f / "portrait.png")
    cv2.imwrite(str(f / "blank.png"), np.full((256, 256, 3), 128, np.uint8))
    shutil.copy(speech_wav, f / "speech.wav")
    (f / "gen").mkdir()
    (f / "ref").mkdir()
    return f


def _render(portrait="portrait.png", *extra):
    """Extra values are names inside the case folder where they name a file to write."""
    return lambda f: ["render", "--portrait", f / portrait, "--audio", f / "speech.wav",
                      "--out", f / "take.mp4", *(f / a if "." in a else a for a in extra)]


def _keys(folder: Path) -> None:
    (folder / "k.json").write_text('[{"time": 0, "mix": {"weights": {"happy": 1}}}]')


CASES = [
    # a silent clip's length went to numpy unchecked: MemoryError traceback (93 GiB asked)
    Case("silent clip of 1e9 s", lambda f: ["render", "--portrait", f / "portrait.png", "--out",
                                            f / "take.mp4", "--duration", "1e9"], "--duration"),
    # --curves was checked when its file opened, after the audio and the face analysis: the
    # no-face portrait's message came first and a good one cost the whole analysis
    Case("--curves in a missing folder", _render("blank.png", "--curves", "no/c.csv"),
         "--curves"),
    Case("--curves not .csv/.json", _render("blank.png", "--curves", "c.txt"), ".csv"),
    # evaluate wrote its JSON over any file --out named (a picture, a video it did not read)
    Case("evaluate --out is not .json", lambda f: ["evaluate", f / "gen", f / "ref", "--out",
                                                   f / "portrait.png"], ".json"),
    # the weight's message named --mix, a flag live does not have
    Case("live --emotion NaN weight", lambda f: ["live", "--input", f / "speech.wav",
                                                 "--emotion", "happy=nan"], "--emotion:"),
    # a name the file system takes (240 bytes of 255) whose temp folder's it doesn't: "File
    # name too long" said of a name that is not
    Case("--out name with no room for its temp folder's",
         lambda f: ["render", "--portrait", f / "portrait.png", "--duration", "0.2", "--out",
                    f / ("t" * 236 + ".mp4")], "shorten it to 237"),
    # the curves' temp name (pid, process start, host) 25+ bytes longer: "File name too long"
    Case("--curves name with no room for its temp file's",
         lambda f: ["render", "--portrait", f / "portrait.png", "--duration", "0.2", "--curves",
                    f / ("c" * 236 + ".csv"), "--out", f / "take.mp4"], "shorten it to"),
    # a Live Link subject with no stream to name was ignored without a word
    Case("--subject without --stream", _render("portrait.png", "--subject", "Eileen"),
         "--subject"),
    Case("live --subject without --stream", lambda f: ["live", "--input", f / "speech.wav",
                                                       "--subject", "Eileen"], "--subject"),
    # --keys sets the emotion over the whole take: --mix, --au, ... beside it were dropped
    # without a word (`--keys k.json --mix sad=1` rendered the keys' happy face)
    Case("--keys with --mix", _render("portrait.png", "--keys", "k.json", "--mix", "sad=1"),
         "--mix would not be used: --keys sets the emotion", setup=_keys),
    Case("--keys with --au, --mode, --no-neutralize",
         _render("portrait.png", "--keys", "k.json", "--au", "12=1", "--mode", "normalized",
                 "--no-neutralize"),
         "--au, --mode, --no-neutralize would not be used", setup=_keys),
    # `--stream "$URL"` with URL unset rendered the take, streamed nothing, and exited 0
    Case("--stream empty", _render("portrait.png", "--stream", ""), "--stream is empty"),
    Case("live --stream empty", lambda f: ["live", "--input", f / "speech.wav", "--stream", ""],
         "--stream is empty"),
    Case("--subject empty", _render("portrait.png", "--stream", "livelink://localhost",
                                    "--subject", ""), "--subject is empty"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_refused_at_the_door(case, folder, capsys):
    run_in_process(case, folder, capsys)


def _dangling(name: str):
    """`name` in the case folder, a link to a file in a folder that does not exist."""
    return lambda f: (f / name).symlink_to(f / "gone" / name)


# An output that is a link is written through to its target (core.atomic.write_target), but
# the door checked the link's own folder: the whole take ran, then "cannot write ...: No such
# file or directory" (the video), or the curves replaced the link with a file
LINKS = [
    Case("--out a link into a missing folder", _render("blank.png"), "gone",
         setup=_dangling("take.mp4")),
    Case("--curves a link into a missing folder", _render("blank.png", "--curves", "c.csv"),
         "gone", setup=_dangling("c.csv")),
    Case("evaluate --out a link into a missing folder",
         lambda f: ["evaluate", f / "gen", f / "ref", "--out", f / "s.json"], "gone",
         setup=_dangling("s.json")),
]


@pytest.mark.parametrize("case", LINKS, ids=repr)
def test_a_link_into_a_missing_folder_is_refused_at_the_door(case, folder, capsys):
    run_in_process(case, folder, capsys)


def test_curves_are_written_through_a_link_as_the_video_is(folder, capsys):
    """--curves over a link replaced the link with a file and left its target as it was."""
    from core.cli import run_cli

    (folder / "real.csv").write_text("old\n")
    (folder / "c.csv").symlink_to("real.csv")
    (folder / "real.mp4").write_bytes(b"old")
    (folder / "take.mp4").symlink_to("real.mp4")
    argv = [*_render("portrait.png", "--curves", "c.csv")(folder), "--duration", "0.2",
            "--size", "64"]
    assert run_cli([str(a) for a in argv]) == 0, capsys.readouterr().err
    for link, real in (("c.csv", "real.csv"), ("take.mp4", "real.mp4")):
        assert (folder / link).is_symlink()
        assert (folder / real).read_bytes()[:3] != b"old"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_curves_in_a_read_only_folder_is_refused_at_the_door(folder, capsys):
    (folder / "ro").mkdir()
    os.chmod(folder / "ro", 0o555)
    try:
        run_in_process(Case("ro", _render("blank.png", "--curves", "ro/c.csv"), "read-only"),
                       folder, capsys)
    finally:
        os.chmod(folder / "ro", 0o755)


@pytest.mark.parametrize("argv", [["mix", "--audio", "."], ["live", "--input", "."]])
def test_the_current_folder_as_audio_is_named(argv, folder, capsys, monkeypatch):
    """`--audio .`: the message named the folder by Path('.').name, which is empty
    ("error:  is a folder, not an audio file.")."""
    monkeypatch.chdir(folder)
    line = run_in_process(Case("dot", lambda f: argv, "folder"), folder, capsys)
    assert "error: . is a folder" in line
