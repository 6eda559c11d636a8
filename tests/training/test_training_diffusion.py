"""The trainer on the real diffusion engine's modules (core.diffusion.tiny's random parts):
ReferenceNet -> bank -> UNetMotionModel with the MoEE processors, wav2vec2 + AudioProjModel audio
tokens, Emotion-to-Latents, the VAE for the pixel loss; and `main.py train --models` with export."""
from __future__ import annotations

import pytest
import torch

from core.training.data import ClipDataset
from core.training.diffusion_adapter import from_diffusion
from core.training.sampling import EmotionSampler, SamplingConfig
from core.training.stages import moe_parameter_ids, set_stage
from core.training.trainer import StageConfig, Trainer, read_log

QUIET = {"log": lambda m: None}


@pytest.fixture(scope="module")
def dataset(prepared):
    torch.set_num_threads(1)
    return ClipDataset(prepared[0], split="train", n_frames=4, resolution=32)


def _cfg(stage, steps, lr=1e-2, **kw):
    return StageConfig(stage=stage, steps=steps, batch_size=2, grad_accum=1, lr=lr, warmup_steps=1,
                       n_frames=4, resolution=32, checkpoint_every=3, log_every=1,
                       weight_decay=0.0, **kw)


class FixedSampler:
    """Always the same batch (clips and windows); the trainer still draws noise and t."""

    def __init__(self, ds, stage: int, compound: bool = False):
        s = EmotionSampler(ds, SamplingConfig(stage=stage, compound_rate=float(compound),
                                              noise_rate=0.0), seed=123)
        self.rng = s.rng
        self.fixed = s.batch(2)

    def batch(self, size):
        return self.fixed


def fixed_loss(trainer: Trainer) -> float:
    torch.manual_seed(123)  # same noise and timesteps
    with torch.no_grad():
        return float(trainer.losses(trainer.sampler.fixed[0])["loss"])


def snapshot(model, keep) -> dict[str, torch.Tensor]:
    return {f"{n}.{k}": p.detach().clone() for n, m in model.parts().items()
            for k, p in m.named_parameters() if keep(p)}


def test_stage1_trains_the_backbone_and_reduces_the_loss(dataset, tmp_path):
    model = from_diffusion(tiny=True)
    assert model.prediction_type == "epsilon"
    trainer = Trainer(model, dataset, _cfg(1, 6), tmp_path, **QUIET)
    trainer.sampler = FixedSampler(dataset, 1)
    moe = moe_parameter_ids(model)
    assert moe and not any(p.requires_grad for m in model.parts().values() for p in m.parameters()
                           if id(p) in moe)
    before_w = snapshot(model, lambda p: True)
    before = fixed_loss(trainer)
    result = trainer.run()
    after = fixed_loss(trainer)
    assert result.step == 6 and after < 0.85 * before, (before, after)
    assert [r["step"] for r in read_log(tmp_path)] == list(range(1, 7))
    now = snapshot(model, lambda p: True)
    changed = {k for k in now if not torch.equal(now[k], before_w[k])}
    # the bank carries gradient into the ReferenceNet; audio tokens into the projection
    assert any(k.startswith("reference_net.") and ".attn1." in k for k in changed)
    assert any(k.startswith("unet.audio_proj.") for k in changed)
    assert any("attn2.processor.audio_out" in k for k in changed)
    assert not any(".moe." in k or k.startswith(("vae.", "audio_encoder.", "latents."))
                   for k in changed)


def test_stage2_trains_only_the_moe_and_latents(dataset, tmp_path):
    model = from_diffusion(tiny=True)
    params = set_stage(model, 2)
    ids = moe_parameter_ids(model) | {id(p) for p in model.latents.parameters()}
    assert {id(p) for p in params} == ids
    for name, module in model.parts().items():
        for k, p in module.named_parameters():
            assert p.requires_grad == (id(p) in ids), f"{name}.{k}"
    frozen = snapshot(model, lambda p: not p.requires_grad)
    assert any(k.startswith("unet.unet.down_blocks") for k in frozen)
    assert any(k.startswith("reference_net.") for k in frozen)
    trainer = Trainer(model, dataset, _cfg(2, 6, lr=0.1), tmp_path, **QUIET)
    trainer.sampler = FixedSampler(dataset, 2)
    before = fixed_loss(trainer)
    trainer.run()
    after = fixed_loss(trainer)
    assert after < 0.98 * before, (before, after)
    now = snapshot(model, lambda p: True)
    for k, v in frozen.items():
        assert torch.equal(now[k], v), f"{k} changed in stage 2"
    experts = [p for k, p in now.items() if ".moe.experts." in k and k.endswith("to_out.weight")]
    assert any(bool(p.abs().sum() > 0) for p in experts)  # zero-start experts learned


def test_stage2_gates_run_with_gradient_on_compound_batches(dataset, tmp_path):
    model = from_diffusion(tiny=True)
    trainer = Trainer(model, dataset, _cfg(2, 1), tmp_path, **QUIET)
    batch, draws = FixedSampler(dataset, 2, compound=True).fixed
    assert all(d.g_override is None for d in draws)
    terms = trainer.losses(batch)
    assert float(terms["l_gate"]) > 0
    terms["loss"].backward()
    grads = [m.global_gate.weight.grad for m in model.moes]
    assert any(g is not None and float(g.abs().sum()) > 0 for g in grads)


def test_checkpoint_resumes_from_its_step(dataset, tmp_path):
    first = Trainer(from_diffusion(tiny=True), dataset, _cfg(1, 3), tmp_path, **QUIET)
    first.run()
    saved = {k: v.clone() for k, v in first.model.parts()["unet"].state_dict().items()}
    second = Trainer(from_diffusion(tiny=True), dataset, _cfg(1, 4), tmp_path, **QUIET)
    assert second.resume() == 3
    for k, v in second.model.parts()["unet"].state_dict().items():
        assert torch.equal(v, saved[k]), k
    assert second.opt.state_dict()["state"]
    assert second.run().step == 4
    assert [r["step"] for r in read_log(tmp_path)] == [1, 2, 3, 4]


def _models_dir(root):
    from core.diffusion.tiny import build_parts

    parts = build_parts()
    parts["unet2d"].save_pretrained(root / "sd15" / "unet")
    parts["vae"].save_pretrained(root / "sd15" / "vae")
    parts["scheduler"].save_pretrained(root / "sd15" / "scheduler")
    parts["motion_adapter"].save_pretrained(root / "motion_adapter")
    parts["audio_encoder"].save_pretrained(root / "wav2vec2")
    return root


def test_cli_trains_a_models_folder_in_two_stages_and_exports(prepared, tmp_path):
    from core.diffusion.loading import build_pipeline, load_parts
    from main import main

    models = _models_dir(tmp_path / "models")
    common = [str(prepared[0]), "--models", str(models), "--steps", "2", "--batch-size", "1",
              "--grad-accum", "1", "--n-frames", "4", "--resolution", "32", "--device", "cpu",
              "--lr", "1e-2", "--export", str(models)]
    assert main(["train", *common, "--stage", "1", "--run", str(tmp_path / "s1")]) == 0
    for rel in ("audio_proj", "moee_attention", "reference_net", "unet"):
        assert (models / "moee" / rel / "config.json").is_file(), rel
    assert main(["train", *common, "--stage", "2", "--run", str(tmp_path / "s2"),
                 "--init", str(tmp_path / "s1")]) == 0
    pipe = build_pipeline(load_parts(models, require_moee=True))  # the engine's own loader
    procs = list(pipe.moee_attention.processors.values())
    assert any(float(p.audio_out.weight.detach().abs().sum()) > 0 for p in procs)  # stage 1
    assert any(float(e.to_out.weight.detach().abs().sum()) > 0 for p in procs for e in p.moe.experts)  # 2
    assert (models / "emotion_to_latents" / "model.safetensors").is_file()


def test_bf16_mixed_precision_trains(dataset, tmp_path):
    """The mixed-precision path (autocast; no GradScaler for bf16) runs and learns. On CPU this
    exercises torch's bf16 autocast; CUDA fp16 with its scaler needs a GPU."""
    model = from_diffusion(tiny=True)
    trainer = Trainer(model, dataset, _cfg(1, 6, mixed_precision="bf16"), tmp_path, **QUIET)
    assert trainer.amp_dtype == torch.bfloat16 and trainer.scaler is None
    trainer.sampler = FixedSampler(dataset, 1)
    before = fixed_loss(trainer)
    result = trainer.run()
    after = fixed_loss(trainer)
    assert result.step == 6 and after < 0.9 * before, (before, after)


def test_progress_reports_each_step_with_its_loss(dataset, tmp_path):
    model = from_diffusion(tiny=True)
    trainer = Trainer(model, dataset, _cfg(1, 3), tmp_path, **QUIET)
    seen = []
    trainer.run(progress=lambda step, total, row: seen.append((step, total, row)))
    assert [(s, t) for s, t, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert all(float(row["loss"]) > 0 for _, _, row in seen)
    rows = read_log(tmp_path)  # the CSV a user plots
    assert {"step", "loss", "lr"} <= set(rows[0]) and len(rows) == 3


def test_progress_inside_a_step_reports_each_micro_batch(dataset, tmp_path, capsys):
    """A step of the defaults (16 frames at 256 px, 4 micro-batches) ran over 10 minutes on
    this 2-core machine with --tiny, and the bar said nothing until it ended. Each micro-batch
    now reports, and the CLI's bar shows it."""
    from core.cli.train import _MicroBar

    model = from_diffusion(tiny=True)
    cfg = StageConfig(stage=1, steps=2, batch_size=1, grad_accum=3, lr=1e-2, warmup_steps=1,
                      n_frames=4, resolution=32, checkpoint_every=3, log_every=1)
    trainer = Trainer(model, dataset, cfg, tmp_path, **QUIET)
    seen = []
    bar = _MicroBar(trainer, cfg.steps)

    def micro(done, of):
        seen.append((trainer.step, done, of))
        bar(done, of)

    trainer.on_micro_batch = micro
    trainer.run()
    assert seen == [(s, k, 3) for s in (0, 1) for k in (1, 2, 3)]
    shown = capsys.readouterr().err.split("\r")
    assert "0/2 step 1: micro-batch 2/3" in shown[2] and "1/2 step 2: micro-batch 3/3" in shown[-1]


def test_checkpoints_of_another_model_are_not_called_damaged(prepared, tmp_path, capsys):
    """A --tiny run resumed against a --models folder (or started from with --init) said
    'warning: unet.safetensors: audio_proj.proj1.bias has shape (16,), the model expects
    (512,); trying the checkpoint before it' and 'error: every checkpoint in R/checkpoints is
    damaged'. The files are fine: one line now says they belong to another model, and what to
    do; R is left as it was."""
    from main import main
    from tests.robust.helpers import one_error_line, snapshot

    models = _models_dir(tmp_path / "models")
    run = tmp_path / "tiny_run"
    common = [str(prepared[0]), "--steps", "2", "--batch-size", "1", "--grad-accum", "1",
              "--n-frames", "4", "--resolution", "32", "--device", "cpu"]
    assert main(["train", *common, "--stage", "1", "--steps", "1", "--tiny",
                 "--run", str(run)]) == 0
    capsys.readouterr()
    before = snapshot(tmp_path)
    assert main(["train", *common, "--stage", "1", "--models", str(models), "--run", str(run),
                 "--resume"]) == 1
    err = capsys.readouterr().err
    line = one_error_line(err, "saved from another model than the model from --models")
    assert "damaged" not in err.replace("not damaged", "") and "warning" not in err, err
    assert "audio_proj.proj1.bias has shape (16,) there, (512,) in this model" in line
    assert "in a new --run" in line
    assert main(["train", *common, "--stage", "2", "--models", str(models),
                 "--run", str(tmp_path / "s2"), "--init", str(run)]) == 1
    # the data's clips are labelled for 3 of the 6 experts: that warning is not about damage
    err = "\n".join(ln for ln in capsys.readouterr().err.splitlines()
                    if "no training clip is labelled" not in ln)
    line = one_error_line(err, f"--init: the checkpoints in {run} were saved from another model")
    assert "damaged" not in err.replace("not damaged", "") and "warning" not in err, err
    assert snapshot(tmp_path) == before
