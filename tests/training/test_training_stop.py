"""Ctrl-C (or SIGTERM) during `main.py train`: the first finishes the step in progress, saves a
checkpoint of it and stops; a second aborts at once. Real signals, sent to this process from
inside a step (the command's handlers run in the main thread, as in a terminal)."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import torch

from core.training.trainer import Trainer, read_log


def _args(data, run, steps: int, every: int) -> list[str]:
    return ["train", str(data), "--run", str(run), "--tiny", "--stage", "1", "--steps", str(steps),
            "--checkpoint-every", str(every), "--grad-accum", "1", "--n-frames", "4",
            "--resolution", "32", "--lr", "5e-3", "--device", "cpu"]


def _signal_in_step(monkeypatch, step: int, signum: int) -> None:
    """Send `signum` to this process while step `step` computes its loss."""
    losses = Trainer.losses

    def losses_then_signal(self, batch):
        if self.step + 1 == step and not getattr(self, "_signalled", False):
            self._signalled = True
            os.kill(os.getpid(), signum)
        return losses(self, batch)

    monkeypatch.setattr(Trainer, "losses", losses_then_signal)


def _weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return {f"{f.name}/{k}": v for f in sorted(checkpoint.glob("*.safetensors"))
            for k, v in load_file(str(f)).items()}


def test_ctrl_c_saves_the_step_it_came_in_and_the_run_resumes_as_if_never_stopped(
        prepared, tmp_path, capsys, monkeypatch):
    """Ctrl-C during step 2 of a run checkpointing every 10 steps kept nothing (no checkpoint
    yet: the run folder was removed), and later on lost every step since the last
    checkpoint. Now step 2 finishes and is saved, the command says so and exits 130, and
    --resume continues as the run never stopped would have (log rows and weights)."""
    from main import main
    from tests.robust.helpers import one_error_line

    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main(_args(prepared[0], whole, 4, 10)) == 0
    capsys.readouterr()
    with monkeypatch.context() as m:
        _signal_in_step(m, 2, signal.SIGINT)
        assert main(_args(prepared[0], parts, 4, 10)) == 130
    err = capsys.readouterr().err
    assert "finishing the step in progress" in err and "Ctrl-C again" in err
    line = one_error_line(err, "stopped at step 2; saved checkpoint step-00000002")
    assert "--resume" in line
    assert [p.name for p in (parts / "checkpoints").iterdir()] == ["step-00000002"]
    assert [r["step"] for r in read_log(parts)] == [1, 2]

    assert main([*_args(prepared[0], parts, 4, 10), "--resume"]) == 0
    assert read_log(parts) == [{**r, "seconds": p["seconds"]}
                               for r, p in zip(read_log(whole), read_log(parts))]
    a = _weights(whole / "checkpoints" / "step-00000004")
    b = _weights(parts / "checkpoints" / "step-00000004")
    assert a.keys() == b.keys() and a
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_second_signal_abandons_the_save_and_names_the_checkpoint_kept(prepared, tmp_path,
                                                                        capsys, monkeypatch):
    """SIGTERM during step 2, then Ctrl-C while step 2's checkpoint is being written: the save
    stops at once, no half-written checkpoint is left, and the message says which checkpoint
    is the latest complete one and that the step after it is lost."""
    import safetensors.torch

    from main import main
    from tests.robust.helpers import one_error_line

    real = safetensors.torch.save_file

    def save_then_interrupt(tensors, path):
        real(tensors, path)
        if ".step-00000002-" in str(path):
            os.kill(os.getpid(), signal.SIGINT)

    _signal_in_step(monkeypatch, 2, signal.SIGTERM)
    monkeypatch.setattr(safetensors.torch, "save_file", save_then_interrupt)
    run = tmp_path / "run"
    assert main(_args(prepared[0], run, 4, 1)) == 130
    err = capsys.readouterr().err
    assert "stopped by SIGTERM: finishing the step in progress" in err
    line = one_error_line(err, "aborted by a second signal")
    assert "step-00000001" in line and "1 step after" in line and "--resume" in line
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step-00000001"]
