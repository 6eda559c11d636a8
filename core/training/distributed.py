"""Training on one process or many with Hugging Face Accelerate (the engine diffusers' own
training scripts use).

`accelerate launch --num_processes N main.py train ...` starts N processes (DDP on GPUs, gloo on
CPUs, one machine or several); plain `main.py train` is one process. The trainer sees the same
objects either way:
- `make_accelerator`: the Accelerator (mixed precision bf16/fp16, the DDP options);
- `StepModule`: the model's denoising forward as one nn.Module, so DDP wraps it whole: the
  model calls its parts one by one (ReferenceNet, U-Net, Emotion-to-Latents), and frozen parts
  cannot be wrapped alone (DDP refuses modules with nothing to train). DDP broadcasts rank 0's
  weights at the start and averages gradients, so every rank holds the same weights after each
  step. `find_unused_parameters`: a stage-2 micro-batch uses only the experts it draws.
Checkpoints hold parameters and optimizer state with no rank in them (checkpoint.py), written
by the main process, so a run resumes on any number of processes.
"""
from __future__ import annotations

import torch
from torch import nn


def make_accelerator(mixed_precision: str = "no", cpu: bool = False, log=print):
    """An Accelerator for this process. In a single process an earlier one's settings are
    dropped first (tests and notebooks build several trainers; Accelerate keeps one state)."""
    from accelerate import Accelerator, DistributedDataParallelKwargs
    from accelerate.state import AcceleratorState, GradientState, PartialState

    if mixed_precision == "fp16" and (cpu or not torch.cuda.is_available()):
        log("fp16 mixed precision needs a CUDA GPU; training in full precision")
        mixed_precision = "no"
    if not PartialState._shared_state or PartialState().num_processes == 1:
        AcceleratorState._reset_state()
        GradientState._reset_state()
    ddp = DistributedDataParallelKwargs(find_unused_parameters=True)
    return Accelerator(mixed_precision=mixed_precision, cpu=cpu, kwargs_handlers=[ddp])


class StepModule(nn.Module):
    """model.predict as forward, with every part registered (DDP sees all trainable weights)."""

    def __init__(self, model):
        super().__init__()
        self.parts = nn.ModuleDict(model.parts())
        self._model = [model]  # not a submodule: TinyModel-style models are nn.Modules themselves

    def forward(self, noisy: torch.Tensor, t: torch.Tensor, batch: dict,
                g_override: torch.Tensor | None):
        out = self._model[0].predict(noisy, t, batch, g_override)
        return out.pred, out.g


def enable_gradient_checkpointing(model) -> int:
    """Activation checkpointing on every part that offers it (the diffusers U-Nets)."""
    count = 0
    for part in model.parts().values():
        for m in part.modules():
            if getattr(m, "_supports_gradient_checkpointing", False) and \
                    hasattr(m, "enable_gradient_checkpointing"):
                m.enable_gradient_checkpointing()
                count += 1
                break
    return count
