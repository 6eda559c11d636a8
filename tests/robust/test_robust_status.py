"""Category 5, honest status: `doctor` says "ready" only about model files it checked will load,
and Ctrl-C in `train` says which checkpoints were kept. On main a folder of garbage with a
config.json was "ready", and an interrupted training claimed "no output was written"."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.robust.helpers import ROOT, one_error_line, run_main


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A models/ tree whose every part holds a JSON config and a whole safetensors file (what
    doctor checks; loading real weights is tests/diffusion/test_diffusion_loading.py's job)."""
    import json

    import torch
    from safetensors.torch import save_file

    from core.diffusion.loading import PARTS

    root = tmp_path_factory.mktemp("models")
    for part in PARTS:
        folder = root / part.rel
        folder.mkdir(parents=True)
        name = "scheduler_config.json" if part.rel == "sd15/scheduler" else "config.json"
        (folder / name).write_text(json.dumps({"_class_name": "Tiny"}))
        if part.rel != "sd15/scheduler":
            save_file({"w": torch.arange(6, dtype=torch.float32)},
                      str(folder / "diffusion_pytorch_model.safetensors"))
    return root


def _doctor(models, capsys, code: int = 0) -> str:
    """doctor's report on `models`, which must end with exit status `code` (0 ready, 1 a part
    that cannot load, 3 a required part missing)."""
    from core.cli import run_cli

    got = run_cli(["doctor", "--models", str(models)])
    out = capsys.readouterr().out
    assert got == code, out
    return out


def test_doctor_is_ready_only_when_the_files_load(models, tmp_path, capsys):
    import shutil

    assert "diffusion engine: ready" in _doctor(models, capsys)
    broken = tmp_path / "models"
    shutil.copytree(models, broken)
    weights = next((broken / "sd15" / "vae").glob("*.safetensors"))
    weights.write_bytes(b"garbage" * 10)
    out = _doctor(broken, capsys, code=1)
    assert "BROKEN" in out and weights.name in out and "not ready" in out


@pytest.mark.parametrize("damage, reason", [
    ("config", "not valid JSON"),
    ("truncate", "truncated"),
    ("no weights", "no weights file"),
])
def test_doctor_names_the_damage(models, tmp_path, capsys, damage, reason):
    import shutil

    broken = tmp_path / "models"
    shutil.copytree(models, broken)
    part = broken / "moee" / "audio_proj"
    assert "BROKEN" not in _doctor(broken, capsys)
    weights = next(part.glob("*.safetensors"))
    if damage == "config":
        (part / "config.json").write_text("{garbage")
    elif damage == "truncate":
        weights.write_bytes(weights.read_bytes()[:-10])
    else:
        weights.unlink()
    out = _doctor(broken, capsys, code=1)
    assert reason in out and "not ready" in out


def test_doctor_exit_status_says_ready_broken_or_not_installed(models, tmp_path, capsys):
    """`main.py doctor` exited 0 whatever it found: 'diffusion engine: not ready' with every
    part MISSING, or with a part BROKEN, was 0 as well, so `doctor && render --engine diffusion`
    could not tell. Now 0 ready, 1 broken, 3 not installed (the rig engine needs nothing), as
    `doctor --help` says."""
    import shutil

    from core.cli import run_cli

    broken = tmp_path / "broken"
    shutil.copytree(models, broken)
    (broken / "sd15" / "vae" / "config.json").write_text("{garbage")
    missing = tmp_path / "missing"
    shutil.copytree(models, missing)
    shutil.rmtree(missing / "motion_adapter")
    for folder, code, said in [(models, 0, "diffusion engine: ready"),
                               (broken, 1, "a part above cannot load"),
                               (missing, 3, "not installed")]:
        assert said in _doctor(folder, capsys, code).splitlines()[-1]
    shutil.rmtree(broken / "motion_adapter")  # broken and missing: something to repair
    assert "a part above cannot load" in _doctor(broken, capsys, 1)
    # a real process: the status reaches the shell
    (tmp_path / "empty").mkdir()
    proc = run_main(["doctor", "--models", tmp_path / "empty"])
    assert proc.returncode == 3, proc.stderr.decode()
    assert "not installed" in proc.stdout.decode().splitlines()[-1]
    with pytest.raises(SystemExit):
        run_cli(["doctor", "--help"])
    usage = capsys.readouterr().out
    for line in ("exit status", "0  the diffusion engine is ready", "1  something is wrong",
                 "3  the diffusion engine is not installed"):
        assert line in usage, usage


def test_load_parts_names_a_garbage_part_instead_of_a_traceback(models, tmp_path):
    import shutil

    from core.diffusion.loading import load_parts
    from core.errors import CheckpointError

    broken = tmp_path / "models"
    shutil.copytree(models, broken)
    for f in broken.rglob("*.safetensors"):
        f.write_bytes(b"\x00" * 64)
    with pytest.raises(CheckpointError, match="could not be loaded"):
        load_parts(broken)


def _tiny_train(data, run, checkpoint_every: int) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "train", str(data), "--stage", "1",
            "--run", str(run), "--tiny", "--steps", "100000", "--checkpoint-every",
            str(checkpoint_every), "--n-frames", "4", "--resolution", "32", "--batch-size", "1",
            "--grad-accum", "1", "--device", "cpu"]


@pytest.mark.slow
def test_ctrl_c_in_train_says_which_checkpoints_were_kept(tiny_prepared, tmp_path):
    run = tmp_path / "run"
    cmd = _tiny_train(tiny_prepared, run, checkpoint_every=1)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while not list((run / "checkpoints").glob("step-*")) if (run / "checkpoints").is_dir() else True:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    # the step in progress is finished and saved (tests/training/test_training_stop.py)
    line = one_error_line(err, "saved checkpoint step-")
    assert "no output was written" not in err and "--resume" in line
    step = int(line.split("stopped at step ")[1].split(";")[0])
    assert (run / "checkpoints" / f"step-{step:08d}" / "state.json").is_file()


@pytest.mark.slow
def test_a_kill_before_the_first_checkpoint_leaves_no_run_folder(tiny_prepared, tmp_path):
    """SIGHUP (the terminal closed) while the first steps run: the run folder it made (log, no
    checkpoint: nothing to resume) is removed, and the message says nothing was kept. (SIGTERM
    and Ctrl-C finish the step and save it: tests/training/test_training_stop.py.)"""
    run = tmp_path / "run"
    cmd = _tiny_train(tiny_prepared, run, checkpoint_every=100000)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    while not run.is_dir():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGHUP, err
    line = one_error_line(err, "nothing was kept")
    assert "SIGHUP" in line and str(run) in line
    assert not run.exists() and list(tmp_path.iterdir()) == []


def test_an_interrupt_before_the_first_checkpoint_keeps_only_what_was_there(
        tiny_prepared, tmp_path, monkeypatch, capsys):
    """Training into a folder that already holds the user's files: Ctrl-C in the first step
    removes what the run added (its log, its checkpoint folder) and nothing else."""
    from core.cli import run_cli
    from core.training.trainer import Trainer

    run = tmp_path / "run"
    run.mkdir()
    (run / "notes.txt").write_text("mine")

    def step(self):
        (self.run_dir / "checkpoints").mkdir()
        (self.run_dir / "log.csv").write_text("step,loss\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "train_step", step)
    code = run_cli(["train", str(tiny_prepared), "--stage", "1", "--run", str(run), "--tiny",
                    "--n-frames", "4", "--resolution", "32", "--batch-size", "1",
                    "--device", "cpu"])
    assert code == 130
    line = one_error_line(capsys.readouterr().err, "nothing was kept")
    assert "the files that were there stay" in line
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]
