from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pytest
import torch

from core.training.data import ClipDataset
from core.training.stages import check_stage2, moe_parameter_ids, set_stage
from core.training.trainer import StageConfig, Trainer, read_log
from tests.training.tiny_model import TinyModel


@pytest.fixture(scope="module")
def dataset(prepared):
    torch.set_num_threads(1)
    return ClipDataset(prepared[0], split="train", n_frames=4, resolution=32)


def _cfg(stage, steps, **kw):
    return StageConfig(stage=stage, steps=steps, batch_size=2, grad_accum=2, lr=5e-3,
                       warmup_steps=1, n_frames=4, resolution=32, checkpoint_every=5,
                       log_every=1, **kw)


def fixed_loss(trainer: Trainer, stage: int) -> float:
    """The loss on the same 6 batches (same clips, windows, noise and timesteps)."""
    from core.training.sampling import EmotionSampler, SamplingConfig

    sampler = EmotionSampler(trainer.ds, SamplingConfig(stage=stage, compound_rate=0.0), seed=123)
    torch.manual_seed(123)
    with torch.no_grad():
        return float(np.mean([trainer.losses(sampler.batch(2)[0])["loss"] for _ in range(6)]))


def test_stage1_reduces_the_loss(dataset, tmp_path):
    trainer = Trainer(TinyModel(), dataset, _cfg(1, 25), tmp_path, log=lambda m: None)
    before = fixed_loss(trainer, 1)
    result = trainer.run()
    assert result.step == 25 and fixed_loss(trainer, 1) < 0.8 * before
    rows = read_log(tmp_path)
    assert [r["step"] for r in rows] == list(range(1, 26))
    assert {"loss", "l_latent", "l_pixel", "lr", "seconds"} <= set(rows[0])


def test_stage2_trains_only_moe_and_latents_and_reduces_the_loss(dataset, tmp_path):
    model = TinyModel()
    params = set_stage(model, 2)
    check_stage2(model)
    moe = moe_parameter_ids(model)
    assert {id(p) for p in params} == moe | {id(p) for p in model.latents.parameters()}
    frozen = {f"{n}.{k}": p.detach().clone() for n, m in model.parts().items()
              for k, p in m.named_parameters() if not p.requires_grad}
    assert any(k.startswith("unet.conv_in") for k in frozen) and any(
        k.startswith("reference_net") for k in frozen)
    trainer = Trainer(model, dataset, _cfg(2, 25, noise_rate=0.2), tmp_path, log=lambda m: None)
    before = fixed_loss(trainer, 2)
    trainer.run()
    assert fixed_loss(trainer, 2) < 0.9 * before
    now = {f"{n}.{k}": p for n, m in model.parts().items() for k, p in m.named_parameters()}
    for k, v in frozen.items():
        assert torch.equal(now[k], v), f"{k} changed in stage 2"
    assert not torch.equal(model.unet.moe.experts[0].out.weight, torch.zeros_like(
        model.unet.moe.experts[0].out.weight))


def test_stage2_gate_loss_on_compound_batches(dataset, tmp_path):
    from core.training.sampling import EmotionSampler, SamplingConfig

    trainer = Trainer(TinyModel(), dataset, _cfg(2, 1), tmp_path, log=lambda m: None)
    batch, _ = EmotionSampler(dataset, SamplingConfig(compound_rate=1.0)).batch(2)
    terms = trainer.losses(batch)
    assert float(terms["l_gate"]) > 0
    terms["loss"].backward()
    assert model_grad(trainer.model.unet.moe.global_gate) > 0


def model_grad(module) -> float:
    return float(sum(p.grad.abs().sum() for p in module.parameters() if p.grad is not None))


def test_resume_continues_from_the_saved_step(dataset, tmp_path):
    first = Trainer(TinyModel(), dataset, _cfg(1, 5), tmp_path, log=lambda m: None)
    first.run()
    saved = {k: v.clone() for k, v in first.model.unet.state_dict().items()}
    second = Trainer(TinyModel(), dataset, _cfg(1, 8), tmp_path, log=lambda m: None)
    assert second.resume() == 5
    for k, v in second.model.unet.state_dict().items():
        assert torch.equal(v, saved[k])
    assert second.opt.state_dict()["state"]  # optimizer moments came back
    result = second.run()
    assert result.step == 8
    assert [r["step"] for r in read_log(tmp_path)] == list(range(1, 9))
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "step-00000005", "step-00000008"]


def test_stage2_starts_from_stage1_weights(dataset, tmp_path):
    from core.training.trainer import init_from

    s1 = Trainer(TinyModel(), dataset, _cfg(1, 2), tmp_path / "s1", log=lambda m: None)
    s1.run()
    model = TinyModel()
    assert init_from(model, tmp_path / "s1") == 2
    assert torch.equal(model.unet.conv_in.weight, s1.model.unet.conv_in.weight)


def test_perceptual_network_loads_from_a_folder_or_says_it_is_off(tmp_path):
    from safetensors.torch import save_file

    from core.training.perceptual import VGGPerceptual, load_perceptual

    lines = []
    assert load_perceptual(tmp_path / "missing", log=lines.append) is None
    assert lines == [f"perceptual loss disabled: no network at {tmp_path / 'missing'}"]
    (tmp_path / "vgg").mkdir()
    state = {f"features.{k}": v for k, v in VGGPerceptual().features.state_dict().items()}
    save_file(state, str(tmp_path / "vgg" / "vgg19.safetensors"))
    net = load_perceptual(tmp_path / "vgg", log=lines.append)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    assert net(x, x).abs().max() == 0 and float(net(x, -x).min()) > 0


def test_train_over_a_run_without_resume_is_refused(prepared, dataset, tmp_path, capsys):
    """`train --run R` again without --resume, after 6 steps with checkpoints at 2, 4, 6: the new
    run trimmed R/log.csv to its own 2 rows, replaced step-2 and kept the old step-4 and
    step-6, which the next --resume took up. A stage-2 --resume of a stage-1 run ended in
    torch's traceback ('parameter group that doesn't match'). Both are one line now, R as it
    was."""
    from main import main
    from tests.robust.helpers import one_error_line, snapshot

    run = tmp_path / "run"
    cfg = _cfg(1, 6)
    cfg.checkpoint_every = 2
    Trainer(TinyModel(), dataset, cfg, run, log=lambda m: None).run()
    before = snapshot(run)
    common = [str(prepared[0]), "--run", str(run), "--tiny", "--steps", "1", "--grad-accum", "1",
              "--n-frames", "4", "--resolution", "32", "--device", "cpu"]
    assert main(["train", *common, "--stage", "1"]) == 1
    one_error_line(capsys.readouterr().err, "add --resume to continue it")
    assert main(["train", *common, "--stage", "2", "--resume"]) == 1
    one_error_line(capsys.readouterr().err, "is a stage-1 run; continue it with --stage 1")
    assert snapshot(run) == before


@pytest.mark.parametrize("made", [False, True], ids=["no folder", "empty folder"])
def test_resume_without_a_checkpoint_is_refused(prepared, tmp_path, capsys, made):
    """`train --resume --run R` where R held no checkpoint trained from step 0 and exited 0
    without a word (a mistyped R cost a whole run). Refused now, before anything loads, and R is
    left as it was (not created)."""
    from main import main
    from tests.robust.helpers import one_error_line, snapshot

    run = tmp_path / "run"
    if made:
        (run / "checkpoints" / "step-00000002").mkdir(parents=True)  # incomplete: no state.json
    before = snapshot(tmp_path)
    assert main(["train", str(prepared[0]), "--run", str(run), "--tiny", "--stage", "1",
                 "--steps", "1", "--grad-accum", "1", "--n-frames", "4", "--resolution", "32",
                 "--device", "cpu", "--resume"]) == 1
    line = one_error_line(capsys.readouterr().err, "nothing to continue")
    assert str(run) in line and "leave out --resume" in line
    assert ("holds no checkpoint" if made else "does not exist") in line
    assert snapshot(tmp_path) == before


def test_stage2_on_neutral_clips_only_is_refused(prepared, tmp_path, capsys):
    """`train --stage 2` on data whose train split holds only neutral clips (no emotion to give
    an expert, no compound for the gates) ended at the first step in numpy's traceback
    ('ValueError: high <= 0') and left an empty --run folder. One line now, nothing made."""
    import json
    import shutil

    from main import main
    from tests.robust.helpers import one_error_line

    data = tmp_path / "neutral"
    shutil.copytree(prepared[0], data)
    manifest = json.loads((data / "manifest.json").read_text())
    manifest["kept"] = [r for r in manifest["kept"] if r["emotion"] == "neutral"]
    assert manifest["kept"]
    (data / "manifest.json").write_text(json.dumps(manifest))
    run = tmp_path / "run"
    assert main(["train", str(data), "--run", str(run), "--tiny", "--stage", "2", "--steps", "1",
                 "--grad-accum", "1", "--n-frames", "4", "--resolution", "32",
                 "--device", "cpu"]) == 1
    line = one_error_line(capsys.readouterr().err, "stage 2")
    assert "neutral" in line and "compound" in line
    assert not run.exists()


@pytest.mark.parametrize("part", ["weights", "optimizer"])
def test_a_full_disk_at_a_checkpoint_says_so_and_keeps_the_one_before(prepared, tmp_path,
                                                                      capsys, monkeypatch, part):
    """The disk filling up while step 2's checkpoint was written ended `train` in a traceback
    (safetensors' SafetensorError, or an OSError with no file name) that said nothing of the
    run. One line now: the disk is full, which checkpoint is kept; step 1's still loads and no
    half-written folder is left. The writers write a part of their file, then fail as the
    libraries do on a full disk (safetensors' message; Python's OSError under torch.save)."""
    import errno

    import safetensors.torch
    from safetensors import SafetensorError

    import core.training.checkpoint as ckpt
    from core.training.diffusion_adapter import from_diffusion
    from main import main
    from tests.robust.helpers import one_error_line

    real_file, real_save = safetensors.torch.save_file, torch.save

    def full(f) -> bool:
        return ".step-00000002-" in str(f.name if hasattr(f, "write") else f)

    def full_file(tensors, path):
        if not full(path):
            return real_file(tensors, path)
        Path(path).write_bytes(b"\0" * 100)
        raise SafetensorError("Error while serializing: I/O error: No space left on device "
                              "(os error 28)")

    def full_save(obj, f, *a, **k):
        if not full(f):
            return real_save(obj, f, *a, **k)
        with open(f, "wb") if isinstance(f, (str, Path)) else nullcontext(f) as fh:
            fh.write(b"PK\3\4")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if part == "weights":
        monkeypatch.setattr(safetensors.torch, "save_file", full_file)
    else:
        monkeypatch.setattr(torch, "save", full_save)
    run = tmp_path / "run"
    assert main(["train", str(prepared[0]), "--run", str(run), "--tiny", "--stage", "1",
                 "--steps", "2", "--checkpoint-every", "1", "--grad-accum", "1",
                 "--n-frames", "4", "--resolution", "32", "--device", "cpu"]) == 1
    line = one_error_line(capsys.readouterr().err, "the disk is full")
    assert "step-00000002" in line and "step-00000001" in line and "--resume" in line
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step-00000001"]
    model = from_diffusion(tiny=True)
    assert ckpt.load_checkpoint(run / "checkpoints" / "step-00000001", model.parts()).step == 1


def test_a_resumed_run_continues_as_if_never_stopped(dataset, tmp_path):
    """A run stopped at its step-2 checkpoint and resumed to step 4 logged other losses for
    steps 3 and 4, and ended with other weights, than the same run never stopped: the noise
    and timesteps came from a stream seeded once per run (at seed + the resumed step), not per
    step, so resuming changed the rest of the run. The sampler, optimizer and schedule were
    restored exactly already; now the noise is too."""
    def cfg(steps):
        return StageConfig(stage=1, steps=steps, batch_size=2, grad_accum=2, lr=5e-3,
                           warmup_steps=3, n_frames=4, resolution=32, checkpoint_every=2)

    whole = Trainer(TinyModel(), dataset, cfg(4), tmp_path / "whole", log=lambda m: None)
    whole.run()
    Trainer(TinyModel(), dataset, cfg(2), tmp_path / "parts", log=lambda m: None).run()
    resumed = Trainer(TinyModel(), dataset, cfg(4), tmp_path / "parts", log=lambda m: None)
    assert resumed.resume() == 2 and resumed.run().step == 4
    assert read_log(tmp_path / "parts") == [
        {**r, "seconds": p["seconds"]} for r, p in zip(read_log(tmp_path / "whole"),
                                                       read_log(tmp_path / "parts"))]
    for a, b in zip(whole.model.parameters(), resumed.model.parameters()):
        assert torch.equal(a, b)


def test_the_log_gives_each_step_the_learning_rate_it_used(dataset, tmp_path):
    """log.csv's lr was read after the scheduler had moved on: through the warm-up each row
    showed the next step's rate (step 1 of a 4-step warm-up to 4e-3 logged 2e-3, and used
    1e-3), so the curve of lr against loss was shifted by a step."""
    cfg = StageConfig(stage=1, steps=5, batch_size=1, grad_accum=1, lr=4e-3, warmup_steps=4,
                      n_frames=4, resolution=32, checkpoint_every=5)
    trainer = Trainer(TinyModel(), dataset, cfg, tmp_path, log=lambda m: None)
    used = []
    step = trainer.opt.step
    trainer.opt.step = lambda *a, **k: (used.append(trainer.opt.param_groups[0]["lr"]),
                                        step(*a, **k))[1]
    trainer.run()
    assert used == pytest.approx([1e-3, 2e-3, 3e-3, 4e-3, 4e-3])
    assert [r["lr"] for r in read_log(tmp_path)] == pytest.approx(used)


@pytest.mark.parametrize("side", [37, 36])
def test_a_resolution_the_vae_cannot_halve_is_refused_at_the_door(prepared, tmp_path, capsys,
                                                                  side):
    """`train --resolution 37` loaded the model and ran a step, then ended in torch's traceback
    (the VAE decoded 36 pixels for 37: 'The size of tensor a (36) must match ...'); a side of
    36 passed --tiny's 2x VAE and failed the same way only on the engine's 8x one. Sides that
    are not a multiple of 8 are refused before anything loads, and no --run is made."""
    from main import main
    from tests.robust.helpers import one_error_line

    run = tmp_path / "run"
    assert main(["train", str(prepared[0]), "--run", str(run), "--tiny", "--stage", "1",
                 "--steps", "1", "--grad-accum", "1", "--n-frames", "4",
                 "--resolution", str(side), "--device", "cpu"]) == 1
    line = one_error_line(capsys.readouterr().err, "--resolution")
    assert "multiple of 8" in line and "40" in line
    assert not run.exists()


def test_a_crash_while_the_log_is_trimmed_keeps_the_log(dataset, tmp_path, monkeypatch):
    """A resume drops RUN/log.csv's rows past the resumed step by rewriting the file; it was
    rewritten in place, so a kill (or a full disk) midway left the header and part of the rows:
    the run's history was lost. It is written aside and renamed over the log now."""
    import csv

    cfg = StageConfig(stage=1, steps=4, batch_size=1, grad_accum=1, lr=5e-3, warmup_steps=1,
                      n_frames=4, resolution=32, checkpoint_every=2)
    Trainer(TinyModel(), dataset, cfg, tmp_path, log=lambda m: None).run()
    log = (tmp_path / "log.csv").read_bytes()
    resumed = Trainer(TinyModel(), dataset, cfg, tmp_path, log=lambda m: None)
    assert resumed.resume(tmp_path / "checkpoints" / "step-00000002") == 2
    writerows = csv.DictWriter.writerows

    def killed_midway(self, rows):
        writerows(self, list(rows)[:1])
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(csv.DictWriter, "writerows", killed_midway)
        with pytest.raises(KeyboardInterrupt):
            resumed.run()
    assert (tmp_path / "log.csv").read_bytes() == log
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert resumed.run().step == 4
    assert [r["step"] for r in read_log(tmp_path)] == [1, 2, 3, 4]


@pytest.mark.parametrize("compound", [False, True], ids=["no compound", "compound"])
def test_stage2_names_the_experts_it_has_no_clips_for(prepared, tmp_path, capsys, compound):
    """Stage 2 on clips labelled happy, sad and angry trained those three experts and left
    disgusted, fearful and surprised as they were, without a word: the run looked whole. The
    door names them now, and says what becomes of their weights (nothing without compound
    clips, which is checked here; only the gates' share with them)."""
    import json
    import re
    import shutil

    from safetensors.torch import load_file

    from core.training.diffusion_adapter import from_diffusion
    from main import main

    data = tmp_path / "data"
    shutil.copytree(prepared[0], data)
    manifest = json.loads((data / "manifest.json").read_text())
    if not compound:
        manifest["kept"] = [r for r in manifest["kept"] if " " not in r["emotion"]]
        (data / "manifest.json").write_text(json.dumps(manifest))
    run = tmp_path / "run"
    assert main(["train", str(data), "--run", str(run), "--tiny", "--stage", "2", "--steps", "2",
                 "--grad-accum", "1", "--n-frames", "4", "--resolution", "32", "--lr", "0.1",
                 "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    warnings = [ln for ln in err.splitlines() if ln.startswith("warning: stage 2: no training")]
    assert len(warnings) == 1, err
    line = warnings[0]
    assert "labelled disgusted, fearful or surprised, so these 3 experts" in line
    assert "happy" not in line and "main.py prepare" in line
    if compound:
        assert "only through the softmax gates on the 1 compound clip," in line
        return
    assert "their weights will not change in this run" in line
    saved = load_file(str(run / "checkpoints" / "step-00000002" / "unet.safetensors"))
    start = dict(from_diffusion(tiny=True).parts()["unet"].named_parameters())
    expert = re.compile(r"\.moe\.experts\.(\d)\.")
    moved = {int(m.group(1)) for k, v in saved.items() if (m := expert.search(k))
             and not torch.equal(v, start[k].detach())}
    assert moved and moved <= {0, 1, 2}  # of happy, sad, angry; the others as they started
