"""The training loop shared by both stages: one process or many (Accelerate, distributed.py),
mixed precision, gradient accumulation and checkpointing, progress, CSV log, checkpoints and
resume (on any number of processes).

    trainer = Trainer(model, dataset, StageConfig(stage=1, steps=1000), run_dir="runs/s1")
    result = trainer.run(progress=print_bar, cancel=token)

Each process draws its own batches (its sampler is seeded with its rank), so N processes see N
times the batch per step; DDP averages their gradients.
"""
from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from core import atomic
from core.engine import CancelToken
from core.training import checkpoint as ckpt
from core.training.data import ClipDataset
from core.training.distributed import StepModule, enable_gradient_checkpointing, make_accelerator
from core.training.losses import chunked_pixel_loss, gate_loss, latent_loss, timestep_weight
from core.training.model import Prediction, TrainModel
from core.training.sampling import EmotionSampler, SamplingConfig
from core.training.stages import set_stage
from core.training.tuning import TUNING

LOG_COLUMNS = ("step", "loss", "l_latent", "l_pixel", "l_gate", "lr", "seconds")


@dataclass
class StageConfig:
    stage: Literal[1, 2] = 1        # 1: ReferenceNet + U-Net; 2: MoE + Emotion-to-Latents
    steps: int = 30000              # optimiser steps (Hallo/EMO train stage 1 for ~30k)
    batch_size: int = 1             # clips per micro-batch
    grad_accum: int = 4             # micro-batches per optimiser step
    lr: float = 1e-5                # AdamW; stage 1 of SD-based animators uses 1e-5
    weight_decay: float = 1e-2      # AdamW default
    warmup_steps: int = 100         # linear LR warm-up
    max_grad_norm: float = 1.0      # gradient clipping
    n_frames: int = 16              # frames per window
    resolution: int = 256           # training side in pixels (multiple of 8)
    mixed_precision: Literal["no", "fp16", "bf16"] = "no"  # autocast dtype (fp16 uses a scaler)
    pixel_lambda: float = TUNING["pixel_lambda"]            # lambda of Eq. 6
    perceptual_weight: float = TUNING["perceptual_weight"]  # VGG term against L1
    gate_loss_weight: float = TUNING["gate_loss_weight"]    # compound clips' gate loss
    noise_rate: float = TUNING["noise_rate"]                # masked noisy emotion sampling rate
    mouth_mask_rate: float = 1.0    # stage-2 draws whose mouth is masked (reference and loss)
    audio_drop_rate: float = TUNING["audio_drop_rate"]      # CFG: samples without audio
    emotion_drop_rate: float = TUNING["emotion_drop_rate"]  # CFG: stage-2 samples without emotion
    decode_chunk: int = int(TUNING["decode_chunk"])         # frames decoded at once for the loss
    gradient_checkpointing: bool = False  # recompute U-Net activations in backward (less memory)
    checkpoint_every: int = 500     # optimiser steps between checkpoints (and at the end)
    keep_checkpoints: int = 3       # older checkpoint folders are deleted
    log_every: int = 1              # optimiser steps between CSV rows / progress calls
    seed: int = 0


@dataclass
class TrainResult:
    step: int                                         # last completed optimiser step
    losses: list[float] = field(default_factory=list)  # total loss per step of this run
    checkpoint: Path | None = None
    stopped: bool = False  # `cancel` ended it early: at `step`, saved in `checkpoint`


Progress = Callable[[int, int, dict], None]  # (step, total steps, last log row)


class Trainer:
    def __init__(self, model: TrainModel, dataset: ClipDataset, config: StageConfig,
                 run_dir: str | Path, perceptual=None, device: str = "cpu", log=print,
                 accelerator=None):
        self.model, self.ds, self.cfg = model, dataset, config
        self.acc = accelerator or make_accelerator(config.mixed_precision,
                                                   cpu=torch.device(device).type == "cpu", log=log)
        self.rank, self.world = self.acc.process_index, self.acc.num_processes
        self.run_dir, self.device = Path(run_dir), self.acc.device
        self.log = log if self.acc.is_main_process else (lambda m: None)
        self.perceptual = perceptual.to(self.device) if perceptual is not None else None
        self.params = set_stage(model, config.stage)
        if config.gradient_checkpointing:
            enable_gradient_checkpointing(model)
        opt = torch.optim.AdamW(self.params, lr=config.lr, weight_decay=config.weight_decay)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / max(1, config.warmup_steps)))
        self.net, self.opt = self.acc.prepare(StepModule(model), opt)
        self.amp_dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.acc.mixed_precision)
        self.scaler = self.acc.scaler
        self.sampler = EmotionSampler(dataset, self._sampling(), seed=[config.seed, self.rank])
        from diffusers import DDPMScheduler

        self.noise_sched = DDPMScheduler(num_train_timesteps=1000, beta_schedule="scaled_linear",
                                         beta_start=0.00085, beta_end=0.012,
                                         prediction_type=model.prediction_type)  # SD-1.5 schedule
        self.step = 0
        self.on_checkpoint: Callable[[Path], None] | None = None  # e.g. export the modules
        # (micro-batches done, of grad_accum) inside a step, on the main process: a step of the
        # defaults (16 frames at 256 px, 4 micro-batches) takes minutes on a CPU, --tiny too
        # (over 10 min on this 2-core machine), and the bar moved only once a step was done
        self.on_micro_batch: Callable[[int, int], None] | None = None

    def _sampling(self) -> SamplingConfig:
        c = self.cfg
        return SamplingConfig(stage=c.stage, noise_rate=c.noise_rate,
                              mouth_mask_rate=c.mouth_mask_rate if c.stage == 2 else 0.0,
                              audio_drop_rate=c.audio_drop_rate, emotion_drop_rate=c.emotion_drop_rate)

    # ----- public
    def resume(self, path: str | Path | None = None) -> int:
        """Load `path` or the run's latest checkpoint; returns the step to continue from."""
        if path:
            path = Path(path)
            res = ckpt.load_checkpoint(path, self.model.parts(), self.opt.optimizer, self.scaler)
        elif (found := ckpt.load_latest_good(self.run_dir, self.model.parts(), self.opt.optimizer,
                                             self.scaler, self.log)) is None:
            return 0
        else:
            path, res = found
        self.step = res.step
        self.sched.last_epoch = res.step
        if "sampler_rng" in res.state and self.world == res.state.get("num_processes", 1) == 1:
            self.sampler.rng.bit_generator.state = res.state["sampler_rng"]  # exact continuation
        else:  # another process count: each rank its own stream from the step on
            self.sampler.rng = np.random.default_rng([self.cfg.seed, self.rank, res.step])
        self.log(f"resumed from {path} at step {res.step}")
        return res.step

    def run(self, progress: Progress | None = None, cancel: CancelToken | None = None) -> TrainResult:
        """Train to cfg.steps. `cancel` set (a Ctrl-C, core/cli/train.py) stops the run once the
        step in progress is done, with a checkpoint of that step (result.stopped)."""
        result = TrainResult(self.step)
        if self.acc.is_main_process:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self._trim_log()
        t0 = time.monotonic()
        while self.step < self.cfg.steps:
            row = self.train_step()
            self.step += 1
            row.update(step=self.step, seconds=round(time.monotonic() - t0, 3))
            result.losses.append(row["loss"])
            if (self.step % self.cfg.log_every == 0 or self.step == self.cfg.steps) \
                    and self.acc.is_main_process:
                self._append_log(row)
                if progress:
                    progress(self.step, self.cfg.steps, row)
            if self.step % self.cfg.checkpoint_every == 0:
                result.checkpoint = self.save()
            if self.step < self.cfg.steps and self.stop_agreed(cancel):
                self.log(f"stopping at step {self.step}; saving a checkpoint")
                result.stopped = True
                break
        if result.checkpoint is None or self.step % self.cfg.checkpoint_every:
            result.checkpoint = self.save()
        result.step = self.step
        return result

    def stop_agreed(self, cancel: CancelToken | None) -> bool:
        """Whether to stop after this step: `cancel` set on any process (a signal may reach one
        rank only, or each at another moment). Every rank calls it after every step and gets
        the same answer, so all stop after the same step and meet in the same save: a rank
        stopping alone waited in save() while the others ran on into the next step's gradient
        all-reduce, and neither came back."""
        local = cancel is not None and cancel.cancelled
        if self.world == 1:
            return local
        flag = torch.tensor([1.0 if local else 0.0], device=self.device)
        return bool(self.acc.reduce(flag, "sum").item() > 0)

    def save(self) -> Path:
        """Written by the main process only (every rank holds the same weights and optimizer
        state); the others wait for it, so no rank runs ahead of a checkpoint."""
        path = ckpt.step_dir(self.run_dir, self.step)
        if self.acc.is_main_process:
            state = {"stage": self.cfg.stage, "config": asdict(self.cfg),
                     "num_processes": self.world,
                     "sampler_rng": self.sampler.rng.bit_generator.state}
            path = ckpt.save_checkpoint(self.run_dir, self.step, self.model.parts(),
                                        self.opt.optimizer, state, self.scaler,
                                        keep=self.cfg.keep_checkpoints)
            if self.on_checkpoint is not None:
                self.on_checkpoint(path)
        self.acc.wait_for_everyone()
        return path

    # ----- one optimiser step
    def train_step(self) -> dict:
        """One optimiser step: grad_accum micro-batches per process, gradients averaged over
        processes once (at the last micro-batch), clipped, one AdamW step on every rank."""
        self.opt.zero_grad(set_to_none=True)
        torch.manual_seed(self._torch_seed())  # this step's noise, resumed or not
        totals = dict.fromkeys(("loss", "l_latent", "l_pixel", "l_gate"), 0.0)
        for k in range(self.cfg.grad_accum):
            batch, _ = self.sampler.batch(self.cfg.batch_size)
            last = k == self.cfg.grad_accum - 1
            with nullcontext() if last else self.acc.no_sync(self.net):
                terms = self.losses(_to(batch, self.device))
                if terms["loss"].requires_grad:  # e.g. not on a stage-1 model without weights
                    self.acc.backward(terms["loss"] / self.cfg.grad_accum)
            for name in totals:
                totals[name] += float(terms[name].detach()) / self.cfg.grad_accum
            if self.on_micro_batch is not None and self.acc.is_main_process:
                self.on_micro_batch(k + 1, self.cfg.grad_accum)
        self.acc.clip_grad_norm_(self.params, self.cfg.max_grad_norm)
        lr = self.opt.param_groups[0]["lr"]  # this step's rate: the scheduler moves it on next
        self.opt.step()
        self.sched.step()
        if self.world > 1:  # the log shows the mean over processes
            mean = self.acc.reduce(torch.tensor(list(totals.values()), device=self.device), "mean")
            totals = dict(zip(totals, mean.tolist()))
        return {**{k: round(v, 6) for k, v in totals.items()}, "lr": lr}

    def losses(self, batch: dict) -> dict[str, torch.Tensor]:
        """Eq. 6 on one micro-batch: L_latent + lambda * w(t) * (L1 + VGG) [+ gate loss]."""
        frames = batch["frames"]  # (B, F, 3, R, R)
        b, f = frames.shape[:2]
        with torch.no_grad():
            latents = self.model.encode(frames)
        noise = torch.randn_like(latents)
        t = torch.randint(0, self.noise_sched.config.num_train_timesteps, (b,), device=latents.device)
        noisy = self._per_frame(self.noise_sched.add_noise, latents, noise, t)
        override = batch["g_override"] if bool(batch["use_override"].all()) else None
        pred, g = self.net(noisy, t, batch, override)  # DDP + autocast when Accelerate says so
        out = Prediction(pred, g)
        target = noise if self.model.prediction_type == "epsilon" else \
            self._per_frame(self.noise_sched.get_velocity, latents, noise, t)
        mask = batch["loss_mask"].flatten(0, 1)  # (B*F, 1, R, R)
        l_lat = latent_loss(out.pred.flatten(0, 1), target.flatten(0, 1), mask).view(b, f).mean(1)
        x0 = self._x0(noisy, out.pred.float(), t).flatten(0, 1)
        l_pix = chunked_pixel_loss(lambda z: self.model.decode(z[None])[0], x0,
                                   frames.flatten(0, 1), mask, self.perceptual,
                                   self.cfg.perceptual_weight, self.cfg.decode_chunk).view(b, f).mean(1)
        w = timestep_weight(t, self.noise_sched.config.num_train_timesteps)
        loss = (l_lat + self.cfg.pixel_lambda * w * l_pix).mean()
        l_gate = torch.zeros((), device=loss.device)
        if override is None and out.g is not None:
            l_gate = gate_loss(out.g, batch["gates"]).mean()
            loss = loss + self.cfg.gate_loss_weight * l_gate
        return {"loss": loss, "l_latent": l_lat.mean().detach(), "l_pixel": l_pix.mean().detach(),
                "l_gate": l_gate.detach()}

    # ----- helpers
    def _x0(self, noisy: torch.Tensor, pred: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Predicted clean latents from the U-Net output (DDPM identities)."""
        a = self.noise_sched.alphas_cumprod.to(noisy.device)[t].view(-1, 1, 1, 1, 1)
        if self.model.prediction_type == "epsilon":
            return (noisy - (1 - a).sqrt() * pred) / a.sqrt()
        return a.sqrt() * noisy - (1 - a).sqrt() * pred

    @staticmethod
    def _per_frame(fn, x: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        f = x.shape[1]
        return fn(x.flatten(0, 1), noise.flatten(0, 1), t.repeat_interleave(f)).view_as(x)

    def _torch_seed(self) -> int:
        """Noise and timesteps: a stream per rank and step, seeded as the step starts, so a
        resumed run draws the noise that the run never stopped would have."""
        return self.cfg.seed + self.step + 1_000_003 * self.rank

    def _append_log(self, row: dict) -> None:
        path = self.run_dir / "log.csv"
        new = not path.exists()
        with path.open("a", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=LOG_COLUMNS, extrasaction="ignore")
            if new:
                w.writeheader()
            w.writerow(row)

    def _trim_log(self) -> None:
        """After a resume, drop log rows past the resumed step (they will be written again)."""
        path = self.run_dir / "log.csv"
        if not path.exists():
            return
        with path.open(newline="") as fh:
            rows = [r for r in csv.DictReader(fh) if int(r["step"]) <= self.step]
        text = io.StringIO(newline="")
        w = csv.DictWriter(text, fieldnames=LOG_COLUMNS)
        w.writeheader()
        w.writerows(rows)
        # whole or not at all: rewritten in place, a kill or a full disk midway lost the log
        atomic.write_text(path, text.getvalue())


def _to(batch: dict, device: torch.device) -> dict:
    return {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}


def read_log(run_dir: str | Path) -> list[dict]:
    with (Path(run_dir) / "log.csv").open(newline="") as fh:
        return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)]


def init_from(model: TrainModel, path: str | Path) -> int:
    """Load another run's latest checkpoint weights (stage 2 starts from stage 1's)."""
    found = ckpt.load_latest_good(path, model.parts())
    return found[1].step if found else ckpt.load_checkpoint(path, model.parts()).step



