"""What the trainer needs from the diffusion engine: one conditioned denoising forward.

`TrainModel` is the contract; `core.diffusion` parts are wrapped to it by
`diffusion_adapter.from_diffusion` (the engine's own loader builds the parts). A model's parts are named nn.Modules:
    "reference_net", "unet"  stage 1 trains these (the MoE inside the U-Net stays off: g = 0)
    "latents"                Emotion-to-Latents; stage 2 trains it with the MoE
    anything else            (vae, audio encoder, ...) is never trained
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch
from torch import nn


@dataclass
class Prediction:
    pred: torch.Tensor            # (B, F, C, h, w) the U-Net's output (noise or v)
    g: torch.Tensor | None = None  # (B, 6) global gates the MoE used (mean over layers), if any


class TrainModel(Protocol):
    prediction_type: str  # "epsilon" or "v_prediction", as the scheduler config says

    def parts(self) -> dict[str, nn.Module]: ...

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, F, 3, H, W) in [-1, 1] -> latents (B, F, C, h, w), scaled, no grad."""

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """(B, F, C, h, w) -> frames (B, F, 3, H, W); differentiable (the VAE is frozen)."""

    def predict(self, noisy: torch.Tensor, t: torch.Tensor, batch: dict,
                g_override: torch.Tensor | None) -> Prediction:
        """One denoising forward: reference image, audio and emotion condition from `batch`;
        g_override (B, 6) forces the MoE's global gates (zeros: MoE off); None: gates run."""


def moe_modules(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """Every EmotionMoE inside `module` (the U-Net's emotion attention processors hold them)."""
    from core.moe import EmotionMoE

    return [(n, m) for n, m in module.named_modules() if isinstance(m, EmotionMoE)]

