"""Category 3, tracebacks turned into one clear line: damaged checkpoints (resume falls back to
the last good one and says so), damaged cached clips and model files, non-UTF-8 text on the
command line, Ctrl-C while starting, `live --window` without a display, read-only outputs.
On main each of these ended in a traceback (or, for the live window, Qt aborting the process)."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.robust.helpers import ROOT, one_error_line, run_main, snapshot


@pytest.fixture
def dataset(tiny_prepared):
    from core.training.data import ClipDataset

    torch.set_num_threads(1)
    return ClipDataset(tiny_prepared, split="train", n_frames=4, resolution=32)


def _trainer(dataset, run, steps, log):
    from core.training.trainer import StageConfig, Trainer
    from tests.training.tiny_model import TinyModel

    cfg = StageConfig(stage=1, steps=steps, batch_size=1, grad_accum=1, lr=1e-3, warmup_steps=1,
                      n_frames=4, resolution=32, checkpoint_every=2, log_every=1)
    return Trainer(TinyModel(), dataset, cfg, run, log=log)


def test_resume_falls_back_to_the_last_good_checkpoint_and_says_so(dataset, tmp_path):
    _trainer(dataset, tmp_path, 4, log=lambda m: None).run()
    newest = tmp_path / "checkpoints" / "step-00000004"
    damaged = next(newest.glob("*.safetensors"))
    damaged.write_bytes(damaged.read_bytes()[:100])  # a crash mid-copy, a bad disk
    said = []
    trainer = _trainer(dataset, tmp_path, 6, log=said.append)
    assert trainer.resume() == 2
    assert any("step-00000004" in m and "damaged" in m for m in said), said
    assert trainer.run().step == 6


def test_every_checkpoint_damaged_is_one_message(dataset, tmp_path):
    from core.errors import CheckpointError

    _trainer(dataset, tmp_path, 2, log=lambda m: None).run()
    for f in (tmp_path / "checkpoints").rglob("state.json"):
        f.write_text("{broken")
    with pytest.raises(CheckpointError, match="every checkpoint .* is damaged"):
        _trainer(dataset, tmp_path, 4, log=lambda m: None).resume()


def test_a_damaged_prepared_clip_is_named(tiny_prepared, tmp_path):
    from core.errors import InputError
    from core.training.data import ClipDataset

    data = tmp_path / "prepared"
    shutil.copytree(tiny_prepared, data)
    frames = next(data.glob("clips/*/frames.npz"))
    frames.write_bytes(b"PK\x03\x04 not really a zip")
    ds = ClipDataset(data, split="train", n_frames=4, resolution=32)
    with pytest.raises(InputError, match=f"{frames.parent.name} is damaged.*prepare"):
        ds.window(0, np.random.default_rng(0))


@pytest.fixture
def fresh_runtime(monkeypatch):
    import core.latents.resolve as resolve

    monkeypatch.setattr(resolve, "_RUNTIME", None)
    return resolve


@pytest.mark.parametrize("damage", ["truncated weights", "garbage config"])
def test_a_damaged_shipped_text_module_is_one_line(fresh_runtime, monkeypatch, tmp_path, capsys,
                                                   damage):
    from core.cli import run_cli

    folder = tmp_path / "emotion_to_latents"
    shutil.copytree(fresh_runtime.DEFAULT_WEIGHTS, folder)
    if damage == "truncated weights":
        w = folder / "model.safetensors"
        w.write_bytes(w.read_bytes()[:5000])
    else:
        (folder / "config.json").write_bytes(b"\x00\xff not json")
    monkeypatch.setattr(fresh_runtime, "DEFAULT_WEIGHTS", folder)
    monkeypatch.setattr(fresh_runtime, "USER_WEIGHTS", tmp_path / "none")
    assert run_cli(["mix", "--prompt", "happy"]) == 1
    one_error_line(capsys.readouterr().err, "could not be loaded")


def test_a_damaged_user_text_module_config_is_one_line(fresh_runtime, monkeypatch, tmp_path,
                                                       capsys):
    from core.cli import run_cli

    (tmp_path / "config.json").write_text("[1, 2")
    monkeypatch.setattr(fresh_runtime, "USER_WEIGHTS", tmp_path)
    assert run_cli(["mix", "--prompt", "happy"]) == 1
    one_error_line(capsys.readouterr().err, str(tmp_path))


def test_non_utf8_prompt_from_a_real_terminal():
    proc = run_main(["mix", "--prompt", b"fa\xe7ade of calm"])
    assert proc.returncode == 1
    one_error_line(proc.stderr.decode(), "UTF-8")


STARTUP_CTRL_C = """
import builtins, sys
sys.path.insert(0, {root!r})
real = builtins.__import__
def interrupted(name, *a, **kw):
    if name == "core.cli":  # the key press lands while the command modules load
        raise KeyboardInterrupt
    return real(name, *a, **kw)
builtins.__import__ = interrupted
sys.argv = ["main.py", "mix", "--label", "happy"]
import runpy
runpy.run_path({main!r}, run_name="__main__")
"""


def test_ctrl_c_during_start_up_is_one_line():
    code = STARTUP_CTRL_C.format(root=str(ROOT), main=str(ROOT / "main.py"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 130, proc.stderr
    one_error_line(proc.stderr, "interrupted")


def test_live_window_without_a_display_is_one_line(speech_wav):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "live", "--window", "--input",
                           str(speech_wav), "--seconds", "1"], capture_output=True, text=True,
                          env=env, timeout=120, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    one_error_line(proc.stderr, "no display")


def test_display_check_knows_the_platforms():
    from core.live.window import display_problem

    assert display_problem({}, "linux") is not None
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"}, "linux") is not None
    assert display_problem({}, "darwin") is None


# ----- read-only outputs: the suite often runs as root, who may write anywhere; run the
# command as an unprivileged user then (setpriv), so "read-only" is real.
def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: read-only folders cannot be made")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def open_dir():
    """A folder every user can read (pytest's tmp_path is private to its owner)."""
    d = Path(tempfile.mkdtemp(prefix="moee-ro-"))
    os.chmod(d, 0o755)
    yield d
    for p in d.rglob("*"):
        if p.is_dir():
            os.chmod(p, 0o755)
    shutil.rmtree(d)


def _run_as_user(argv: list[str], home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*_as_user(), sys.executable, str(ROOT / "main.py"), *map(str, argv)],
                          capture_output=True, text=True, timeout=300, cwd=home,
                          env={**os.environ, "HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"})


def test_read_only_output_folders_and_files(open_dir, tiny_clips):
    shutil.copy(tiny_clips / "metadata.csv", open_dir / "metadata.csv")
    ro = open_dir / "ro"
    ro.mkdir()
    (ro / "summary.json").write_text("{}")
    os.chmod(ro / "summary.json", 0o444)
    os.chmod(ro, stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH
             | stat.S_IXOTH)
    for name in ("gen", "ref"):
        (open_dir / name).mkdir()
        shutil.copy(tiny_clips / "face.mp4", open_dir / name)
    before = snapshot(open_dir)
    for argv in (["prepare", open_dir / "metadata.csv", "--out", ro / "prepared"],
                 ["evaluate", open_dir / "gen", open_dir / "ref", "--out", ro / "summary.json"],
                 ["demo", "--out", ro / "demo.mp4"]):
        proc = _run_as_user(argv, open_dir)
        assert proc.returncode == 1, proc.stderr
        one_error_line(proc.stderr, "not writable")
    assert snapshot(open_dir) == before


def test_our_warnings_are_one_note_line(tmp_path, portrait):
    """Two faces: the user reads `note: 2 faces found; ...` once, not Python's
    `core/rig/portrait.py:43: MoeeWarning: ...` with a line of our source after it (render
    printed both, and the note a second time)."""
    import cv2

    two = tmp_path / "two faces.png"
    cv2.imwrite(str(two), np.hstack([portrait, portrait])[:, :, ::-1])
    for argv in (["analyze", "--portrait", two],
                 ["render", "--portrait", two, "--out", tmp_path / "t.mp4", "--duration", "0.2",
                  "--size", "64"]):
        proc = run_main(argv, cwd=tmp_path)
        err = proc.stderr.decode()
        assert proc.returncode == 0, err
        assert "Warning" not in err and ".py:" not in err, err
        notes = [ln for ln in err.replace("\r", "\n").splitlines() if ln.startswith("note:")]
        assert notes[0] == "note: 2 faces found; animating the largest one", err
        # 64 px for a picture 1,024 wide: the face comes out a few pixels wide, and render says
        # so with its numbers (analyze has no video size)
        small = ("note: the face is small in the video (5 px between the pupils at 64 px; "
                 "expressions read from about 40 px): render with --frame face (a square "
                 "around the face) or a larger --size")
        assert notes[1:] == ([small] if argv[0] == "render" else []), err
