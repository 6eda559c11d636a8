"""Stage 2 on two CPU processes (Accelerate, gloo): bit-identical weights on both ranks, a
falling loss, and a checkpoint that resumes in one process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from tests.training.ddp_job import digest, fixed_batch, fixed_loss, stage2_config

STEPS = 3


def _launch(*job_args, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    job = Path(__file__).with_name("ddp_job.py")
    # --multi_gpu is Accelerate's torch.distributed launcher; with Accelerator(cpu=True) each
    # process runs on the CPU over gloo (`--cpu` alone launches one process without mpirun)
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes",
           "2", "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           str(job), *map(str, job_args)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # the ranks run in sessions of their own: killing the launcher left them hung for
        # good; SIGTERM makes it pass the signal on (and SIGKILL them 30 s later)
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        raise AssertionError(f"the ranks did not finish in {timeout} s: {err[-3000:]}") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def test_two_processes_train_in_step_and_resume_on_one(prepared, tmp_path):
    run, out = tmp_path / "run", tmp_path / "out"
    out.mkdir()
    proc = _launch(prepared[0], run, out, STEPS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.loads((out / f"rank-{i}.json").read_text()) for i in (0, 1)]
    assert all(r["world"] == 2 and r["backend"] == "gloo" and r["step"] == STEPS for r in ranks)
    assert ranks[0]["weights"] == ranks[1]["weights"] != ranks[0]["start"]  # trained, in step
    before = sum(r["before"] for r in ranks)
    after = sum(r["after"] for r in ranks)
    assert after < 0.98 * before, (before, after)

    # the checkpoint (written once, by rank 0) resumes in a single process
    from core.training.data import ClipDataset
    from core.training.diffusion_adapter import from_diffusion
    from core.training.trainer import Trainer

    torch.set_num_threads(1)
    dataset = ClipDataset(prepared[0], "train", n_frames=2, resolution=32)
    trainer = Trainer(from_diffusion(tiny=True), dataset, stage2_config(STEPS + 1), run,
                      log=lambda m: None)
    assert trainer.world == 1 and trainer.resume() == STEPS
    assert digest(trainer.params) == ranks[0]["weights"]
    assert trainer.opt.state_dict()["state"]  # AdamW moments came back
    batch = fixed_batch(dataset, 0)
    assert abs(fixed_loss(trainer, batch) - ranks[0]["after"]) < 1e-5
    assert trainer.run().step == STEPS + 1


def test_a_stop_asked_of_one_rank_stops_every_rank_after_the_same_step(prepared, tmp_path):
    """A Ctrl-C that reached one rank only (or each rank at another moment): that rank stopped
    after its step and waited in the checkpoint's barrier while the other went on into the next
    step's gradient all-reduce, and neither came back. The ranks now agree after every step:
    both stop after step 2, in step, with step 2's checkpoint written once."""
    run, out = tmp_path / "run", tmp_path / "out"
    out.mkdir()
    proc = _launch(prepared[0], run, out, 4, 2, timeout=150)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranks = [json.loads((out / f"rank-{i}.json").read_text()) for i in (0, 1)]
    assert [(r["step"], r["stopped"]) for r in ranks] == [(2, True), (2, True)]
    assert ranks[0]["weights"] == ranks[1]["weights"]
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step-00000002"]
