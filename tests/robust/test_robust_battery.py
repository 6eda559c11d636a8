"""Bad-input battery, one table per command (like `render`'s in tests/export/test_export_cli.py).
Each case: exit status, one `error:` line holding a keyword, no traceback, no file left behind and
inputs unchanged (tests/robust/helpers.py). In-process through run_cli (fast); a subset runs as
real `python main.py` subprocesses in test_robust_cli_subprocess.py."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.robust.helpers import Case, run_in_process

NON_UTF8 = b"file,emotion\nfa\xe7ade.mp4,happy\n"
HUGE_NUMBER = '[{"file": "a.mp4", "emotion": "happy", "n": ' + "9" * 5000 + "}]"
KEYS_HEAD = '{"format": "moee-keyframes", "version": 1, "keys": '


def write(name: str, content: str | bytes):
    def setup(folder: Path) -> None:
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    return setup


def key_file(mix: dict, **key) -> str:
    return KEYS_HEAD + json.dumps([{"time": 0.0, "mix": mix, **key}]) + "}"


def _prepare(*extra):
    return lambda f: ["prepare", f / "clips" / "metadata.csv", "--out", f / "out", *extra]


def _prepare_meta(name):
    return lambda f: ["prepare", f / name, "--out", f / "out"]


PREPARE = [
    Case("missing metadata", _prepare_meta("nope.csv"), "does not exist"),
    Case("metadata is a folder", _prepare_meta("clips"), "folder"),
    Case("non-UTF-8 CSV", _prepare_meta("m.csv"), "UTF-8", setup=write("m.csv", NON_UTF8)),
    Case("a 5000-digit number", _prepare_meta("m.json"), "too long",
         setup=write("m.json", HUGE_NUMBER)),
    Case("malformed JSON", _prepare_meta("m.json"), "not valid JSON",
         setup=write("m.json", '{"clips": [')),
    Case("JSON of numbers", _prepare_meta("m.json"), "list of clip objects",
         setup=write("m.json", '{"clips": [1, 2]}')),
    Case("file is a number", _prepare_meta("m.json"), "'file' field must be text",
         setup=write("m.json", '{"clips": [{"file": 5, "emotion": "happy"}]}')),
    Case("AU intensity text", _prepare_meta("m.json"), "must be a number",
         setup=write("m.json", '{"clips": [{"file": "a.mp4", "aus": {"12": "x"}}]}')),
    Case("AU that does not exist", _prepare_meta("m.csv"), "AU99",
         setup=write("m.csv", "file,emotion,aus\na.mp4,happy,99:0.5\n")),
    Case("AU intensity NaN", _prepare_meta("m.csv"), "finite",
         setup=write("m.csv", "file,emotion,aus\na.mp4,happy,12:nan\n")),
    Case("unknown emotion", _prepare_meta("m.csv"), "unknown emotion",
         setup=write("m.csv", "file,emotion\na.mp4,blorp\n")),
    Case("unknown split", _prepare_meta("m.csv"), "split",
         setup=write("m.csv", "file,emotion,split\na.mp4,happy,dev\n")),
    Case("--size 0", _prepare("--size", 0), "--size"),
    Case("--size absurd", _prepare("--size", 100000), "--size"),
    Case("--min-frames 0", _prepare("--min-frames", 0), "--min-frames"),
    Case("--out is a file", lambda f: ["prepare", f / "clips" / "metadata.csv", "--out",
                                       f / "speech.wav"], "is a file"),
]


def _train(*extra, data="prepared"):
    return lambda f: ["train", f / data, "--stage", 1, "--run", f / "run", "--tiny", *extra]


TRAIN = [
    Case("data folder missing", _train(data="nope"), "does not exist"),
    Case("data is a file", _train(data="speech.wav"), "is a file"),
    Case("data has no manifest", _train(data="clips"), "manifest.json"),
    Case("damaged manifest", _train(data="bad"), "damaged",
         setup=write("bad/manifest.json", '{"kept": [')),
    Case("manifest of the wrong shape", _train(data="bad"), "manifest",
         setup=write("bad/manifest.json", '[1, 2]')),
    Case("--steps 0", _train("--steps", 0), "--steps"),
    Case("--batch-size 0", _train("--batch-size", 0), "--batch-size"),
    Case("--lr nan", _train("--lr", "nan"), "--lr"),
    Case("--lr 0", _train("--lr", 0), "--lr"),
    Case("--noise-rate 2", _train("--noise-rate", 2), "--noise-rate"),
    Case("--resolution 0", _train("--resolution", 0), "--resolution"),
    Case("--run is a file", lambda f: ["train", f / "prepared", "--stage", 1, "--run",
                                       f / "speech.wav", "--tiny"], "is a file"),
    Case("--tiny with --models", _train("--models", "models"), "--tiny"),
    Case("--seed negative", _train("--seed", -1), "--seed"),
    Case("--device unknown", _train("--device", "blah"), "--device"),
    Case("--device a GPU that is not there", _train("--device", "cuda:99"), "--device"),
    Case("--init missing", _train("--init", "/nonexistent/run"), "--init"),
]


def _evaluate(gen="gen", ref="ref", *extra):
    """Extra flag values are names inside the case folder."""
    return lambda f: ["evaluate", f / gen, f / ref,
                      *(a if a.startswith("-") else f / a for a in extra)]


def two_folders(folder: Path) -> None:
    for name in ("gen", "ref"):
        (folder / name).mkdir()
        shutil.copy(folder / "clips" / "face.mp4", folder / name)


EVALUATE = [
    Case("generated folder missing", _evaluate("nope"), "does not exist"),
    Case("generated is a file", _evaluate("speech.wav"), "is a file"),
    Case("reference missing", _evaluate("gen", "nope"), "does not exist", setup=two_folders),
    Case("nothing pairs up", _evaluate("clips", "prepared"), "same-named"),
    Case("both folders the same", lambda f: ["evaluate", f / "gen", f / "gen" / "."],
         "same folder", setup=two_folders),
    Case("--out is a folder", _evaluate("gen", "ref", "--out", "gen"), "folder",
         setup=two_folders),
    Case("--out in a missing folder", _evaluate("gen", "ref", "--out", "no/x.json"),
         "does not exist", setup=two_folders),
    Case("--out is a video it scores", _evaluate("gen", "ref", "--out", "ref/face.mp4"),
         ".json", setup=two_folders),
    Case("--out is the metadata", _evaluate("gen", "ref", "--metadata", "m.json", "--out",
                                            "m.json"), "--metadata",
         setup=lambda f: (two_folders(f),
                          write("m.json", '[{"file": "face.mp4", "emotion": "happy"}]')(f))),
    Case("--metadata not UTF-8", _evaluate("gen", "ref", "--metadata", "m.csv"), "UTF-8",
         setup=lambda f: (two_folders(f), write("m.csv", NON_UTF8)(f))),
    Case("--metadata JSON not UTF-8", _evaluate("gen", "ref", "--metadata", "m.json"), "UTF-8",
         setup=lambda f: (two_folders(f), write("m.json", b'[{"file": "fa\xe7ade.mp4"}]')(f))),
    # json.loads raised ValueError (Python's 4300-digit limit) and RecursionError: tracebacks
    Case("--metadata with a 5000-digit number", _evaluate("gen", "ref", "--metadata", "m.json"),
         "too long", setup=lambda f: (two_folders(f), write("m.json", HUGE_NUMBER)(f))),
    Case("--metadata nested too deeply", _evaluate("gen", "ref", "--metadata", "m.json"),
         "too deeply", setup=lambda f: (two_folders(f), write("m.json", "[" * 100000)(f))),
]


def _mix(*args):
    return lambda f: ["mix", *args]


MIX = [
    Case("--intensity nan", _mix("--intensity", "nan"), "--intensity"),
    Case("--intensity inf", _mix("--intensity", "inf"), "--intensity"),
    Case("--intensity above the ceiling", _mix("--intensity", "1.6"), "--intensity"),
    Case("--mix NaN weight", _mix("--mix", "happy=nan"), "happy"),
    Case("--mix infinite weight", _mix("--mix", "sad=inf"), "sad"),
    Case("--mix unknown emotion", _mix("--mix", "joyful=1"), "joyful"),
    Case("--mix names an emotion twice", _mix("--mix", "happy=1,happy=0.2"), "twice"),
    Case("--au names an AU twice", _mix("--au", "12=1,AU12=0"), "twice"),
    Case("--au that does not exist", _mix("--au", "99=1"), "AU99"),
    Case("--au NaN", _mix("--au", "12=nan"), "AU12"),
    Case("--label unknown", _mix("--label", "blorp"), "blorp"),
    Case("--prompt not UTF-8", _mix("--prompt", "fa\udce7ade"), "UTF-8"),
    Case("--mode unknown", _mix("--mode", "weird"), "invalid choice", code=2),
    Case("--audio missing", lambda f: ["mix", "--audio", f / "none.wav"], "none.wav"),
]


def _live(*args):
    return lambda f: ["live", "--input", f / "speech.wav", *args]


LIVE = [
    Case("--seconds nan", _live("--seconds", "nan"), "--seconds"),
    Case("--seconds 0", _live("--seconds", 0), "--seconds"),
    Case("--size 0", _live("--size", 0), "--size"),
    Case("--fps 0", _live("--fps", 0), "--fps"),
    Case("--emotion NaN weight", _live("--emotion", "happy=nan"), "happy"),
    Case("--emotion unknown", _live("--emotion", "blorp"), "blorp"),
    Case("--window with --headless", _live("--window", "--headless"), "contradict"),
    Case("--input missing", lambda f: ["live", "--input", f / "none.wav"], "none.wav"),
    Case("--input is a folder", lambda f: ["live", "--input", f / "clips"], "folder"),
]


def _render(*args):
    return lambda f: ["render", "--portrait", f / "portrait.png", "--audio", f / "speech.wav",
                      "--out", f / "take.mp4", *args]


RENDER = [
    Case("--intensity nan", _render("--intensity", "nan"), "--intensity"),
    Case("--mix NaN weight", _render("--mix", "happy=nan"), "happy"),
    Case("--size 0", _render("--size", 0), "--size"),
    Case("--start nan", _render("--start", "nan"), "--start"),
    Case("--seed negative", _render("--seed", -5), "--seed"),
    Case("--out is the --audio", lambda f: ["render", "--portrait", f / "portrait.png", "--audio",
                                            f / "clips" / "face.mp4", "--out",
                                            f / "clips" / "face.mp4"], "--audio"),
    Case("--curves is the --keys", lambda f: [*_render()(f), "--keys", f / "k.json", "--curves",
                                              f / "k.json"], "--keys",
         setup=write("k.json", key_file({"weights": {"happy": 1.0}}))),
    Case("--keys missing", _render("--keys", "none.json"), "does not exist"),
    Case("--keys is a folder", lambda f: [*_render()(f), "--keys", f / "clips"], "folder"),
    Case("--keys not UTF-8", lambda f: [*_render()(f), "--keys", f / "k.json"], "UTF-8",
         setup=write("k.json", b'{"format": "moee-keyframes", "\xff": 1}')),
    Case("--keys with a 5000-digit number", lambda f: [*_render()(f), "--keys", f / "k.json"],
         "too long", setup=write("k.json", KEYS_HEAD + '[{"time": ' + "9" * 5000 + "}]}")),
    Case("--keys NaN intensity", lambda f: [*_render()(f), "--keys", f / "k.json"], "intensity",
         setup=write("k.json", key_file({"intensity": float("nan")}))),
    Case("--keys infinite weight", lambda f: [*_render()(f), "--keys", f / "k.json"], "happy",
         setup=write("k.json", key_file({"weights": {"happy": float("inf")}}))),
    Case("--keys local gate 2", lambda f: [*_render()(f), "--keys", f / "k.json"], "mouth",
         setup=write("k.json", key_file({"local_gates": {"mouth": [2, 0, 0, 0, 0, 0]}}))),
]


def _demo(*args):
    return lambda f: ["demo", "--out", f / "demo.mp4", *args]


DEMO = [
    Case("--size 0", _demo("--size", 0), "--size"),
    Case("--size absurd", _demo("--size", 10**6), "--size"),
    Case("--mix NaN weight", _demo("--mix", "happy=nan"), "happy"),
    Case("--out is a folder", lambda f: ["demo", "--out", f / "clips"], "folder"),
    Case("--out in a missing folder", lambda f: ["demo", "--out", f / "no" / "d.mp4"],
         "does not exist"),
    Case("--out not a video name", lambda f: ["demo", "--out", f / "d.txt"], ".mp4"),
]

MANIFEST = "portrait,audio,out\nportrait.png,speech.wav,take.mp4\n"


def _batch(*extra):
    return lambda f: ["batch", f / "m.csv", *extra]


BATCH = [
    Case("manifest missing", _batch(), "not found"),
    Case("manifest is a folder", lambda f: ["batch", f / "clips"], "folder"),
    Case("manifest not UTF-8", _batch(), "UTF-8",
         setup=write("m.csv", b"portrait,audio,out\nfa\xe7ade.png,speech.wav,take.mp4\n")),
    Case("missing out column", _batch(), "out", setup=write("m.csv", "portrait,audio\na,b\n")),
    Case("manifest with a NUL byte", _batch(), "NUL",
         setup=write("m.csv", b"portrait,audio,out\nportrait.png,speech.wav,t\0.mp4\n")),
    Case("--seed negative", _batch("--seed", -1), "--seed", setup=write("m.csv", MANIFEST)),
    Case("--jobs 0", _batch("--jobs", 0), "--jobs", setup=write("m.csv", MANIFEST)),
    Case("--size 0", _batch("--size", 0), "--size", setup=write("m.csv", MANIFEST)),
]

DOCTOR = [
    Case("--models missing", lambda f: ["doctor", "--models", f / "nope"], "does not exist"),
    Case("--models is a file", lambda f: ["doctor", "--models", f / "speech.wav"], "is a file"),
]

BATTERY = {"prepare": PREPARE, "train": TRAIN, "evaluate": EVALUATE, "mix": MIX, "live": LIVE,
           "render": RENDER, "demo": DEMO, "doctor": DOCTOR, "batch": BATCH}
CASES = [pytest.param(case, id=f"{cmd}: {case.name}") for cmd, cases in BATTERY.items()
         for case in cases]


@pytest.fixture
def case_folder(tmp_path, portrait_path, speech_wav, tiny_clips, tiny_prepared) -> Path:
    """Every input a case may use, copied in, so the snapshot covers inputs and outputs alike."""
    folder = tmp_path / "case"
    folder.mkdir()
    shutil.copy(portrait_path, folder / "portrait.png")
    shutil.copy(speech_wav, folder / "speech.wav")
    shutil.copytree(tiny_clips, folder / "clips")
    shutil.copytree(tiny_prepared, folder / "prepared")
    return folder


@pytest.mark.parametrize("case", CASES)
def test_bad_input(case, case_folder, capsys):
    run_in_process(case, case_folder, capsys)


# An empty path (`--out "$OUT"` with OUT unset) is Path(""), the current folder: prepare and
# train filled the folder they ran in, evaluate skipped its --out without a word.
EMPTY_PATHS = [
    Case("prepare --out", lambda f: ["prepare", f / "clips" / "metadata.csv", "--out", ""],
         "--out is empty"),
    Case("train --run", lambda f: ["train", f / "prepared", "--stage", 1, "--run", "", "--tiny"],
         "--run is empty"),
    Case("train --export", lambda f: [*_train("--export", "")(f)], "--export is empty"),
    Case("evaluate --out", lambda f: ["evaluate", f / "gen", f / "ref", "--out", ""],
         "--out is empty", setup=two_folders),
    Case("batch manifest", lambda f: ["batch", ""], "path is empty"),
    Case("analyze --portrait", lambda f: ["analyze", "--portrait", ""], "--portrait is empty"),
    # Every other path-like argument of every command (`main.py CMD --help`), the same way.
    Case("render --keys", _render("--keys", ""), "--keys is empty"),
    Case("render --curves", _render("--curves", ""), "--curves is empty"),
    Case("render --portrait", lambda f: ["render", "--portrait", "", "--audio", f / "speech.wav",
                                         "--out", f / "take.mp4"], "--portrait is empty"),
    Case("render --audio", lambda f: ["render", "--portrait", f / "portrait.png", "--audio", "",
                                      "--out", f / "take.mp4"], "--audio is empty"),
    Case("render --out", lambda f: ["render", "--portrait", f / "portrait.png", "--audio",
                                    f / "speech.wav", "--out", ""], "--out is empty"),
    Case("mix --audio", _mix("--audio", ""), "--audio is empty"),
    Case("demo --out", lambda f: ["demo", "--out", ""], "--out is empty"),
    Case("doctor --models", lambda f: ["doctor", "--models", ""], "--models is empty"),
    Case("evaluate generated", lambda f: ["evaluate", "", f / "ref"], "generated path is empty",
         setup=two_folders),
    Case("evaluate reference", lambda f: ["evaluate", f / "gen", ""], "reference path is empty",
         setup=two_folders),
    Case("evaluate --metadata", lambda f: [*_evaluate()(f), "--metadata", ""],
         "--metadata is empty",
         setup=two_folders),
    Case("live --portrait", lambda f: ["live", "--portrait", "", "--input", f / "speech.wav"],
         "--portrait is empty"),
    Case("live --input", lambda f: ["live", "--input", ""], "--input is empty"),
    Case("prepare metadata", lambda f: ["prepare", "", "--out", f / "out"],
         "metadata path is empty"),
    Case("train data", lambda f: ["train", "", "--stage", 1, "--run", f / "run", "--tiny"],
         "data path is empty"),
    Case("train --perceptual", lambda f: [*_train("--perceptual", "")(f)], "--perceptual is empty"),
    Case("train --models", lambda f: [*_train("--models", "")(f)], "--models is empty"),
    Case("train --init", lambda f: [*_train("--init", "")(f)], "--init is empty"),
]


@pytest.mark.parametrize("case", EMPTY_PATHS, ids=repr)
def test_an_empty_path_is_refused_not_the_current_folder(case, case_folder, capsys, monkeypatch):
    monkeypatch.chdir(case_folder)  # the snapshot then covers the folder "" would name
    run_in_process(case, case_folder, capsys)


# An empty emotion option (`--label "$EMOTION"` with EMOTION unset, a blank prompt) rendered or
# printed a neutral take without a word; given, it must say something.
EMPTY_TEXT = [
    *(Case(f"render {flag}", _render(flag, value), f"{flag} is empty")
      for flag in ("--mix", "--au", "--prompt", "--label", "--head", "--gaze")
      for value in ("", "  ")),
    *(Case(f"mix {flag}", _mix(flag, ""), f"{flag} is empty")
      for flag in ("--mix", "--au", "--prompt", "--label")),
    Case("demo --mix", lambda f: ["demo", "--mix", "", "--out", f / "demo.mp4"], "--mix is empty"),
    Case("live --emotion", lambda f: ["live", "--emotion", " ", "--input", f / "speech.wav"],
         "--emotion is empty"),
]


@pytest.mark.parametrize("case", EMPTY_TEXT, ids=repr)
def test_an_empty_emotion_option_is_refused_not_a_neutral_take(case, case_folder, capsys):
    run_in_process(case, case_folder, capsys)


def test_emotion_options_left_out_or_given_still_render(case_folder, capsys):
    """Left out they are None (a neutral take); given, as before."""
    from core.cli import run_cli

    given = ["--mix", "sad=1", "--au", "12=0", "--prompt", "sad", "--label", "sad",
             "--head=-3,0,0", "--gaze", "1,1"]
    for name, extra in (("plain.mp4", []), ("given.mp4", given)):
        argv = _render("--duration", "0.2", "--quiet", *extra)(case_folder)
        argv[argv.index("--out") + 1] = case_folder / name
        assert run_cli([str(a) for a in argv]) == 0, capsys.readouterr().err
        assert (case_folder / name).stat().st_size > 0
