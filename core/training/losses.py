"""MoEE training loss (Eq. 6): L = L_latent + lambda * w(t) * (L1 + VGG) on decoded frames,
w(t) = cos(t * pi / 2T), plus a gate loss on compound clips (ours, see sampling.py).

The frames are decoded a few at a time (`chunked_pixel_loss`), each chunk under activation
checkpointing, so the VAE decoder's and VGG's activations of only one chunk are alive at once,
in the forward pass and in the backward pass: a 16-frame window at 512 px would otherwise hold
the decoder's activations of all 16 frames for the gradient.

Every term takes a loss mask (1 = counts, 0 = hidden, e.g. the mouth box in stage 2).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


def timestep_weight(t: torch.Tensor, num_train_timesteps: int) -> torch.Tensor:
    """w(t) = cos(t * pi / 2T): pixel terms count most at low noise, where x0 is trustworthy."""
    return torch.cos(t.float() * math.pi / (2 * num_train_timesteps))


def resize_mask(mask: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 1, h, w) by area: a latent cell counts by its visible share."""
    return mask if mask.shape[-2:] == size else F.interpolate(mask, size=size, mode="area")


def masked_mean(err: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """err (N, C, H, W), mask (N, 1, H, W) -> (N,) mean over visible elements."""
    num = (err * mask).sum(dim=(1, 2, 3))
    return num / (mask.sum(dim=(1, 2, 3)) * err.shape[1]).clamp_min(1e-6)


def latent_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """MSE between the U-Net's prediction and its target (noise or v), (N, C, h, w) -> (N,)."""
    return masked_mean((pred.float() - target.float()) ** 2, resize_mask(mask, pred.shape[-2:]))


def pixel_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
               perceptual=None, perceptual_weight: float = 1.0) -> torch.Tensor:
    """L1 (+ VGG) between decoded and true frames in [-1, 1], (N, 3, H, W) -> (N,)."""
    pred, target = pred.float(), target.float()
    loss = masked_mean((pred - target).abs(), mask)
    if perceptual is not None:
        loss = loss + perceptual_weight * perceptual(pred * mask, target * mask)
    return loss


def chunked_pixel_loss(decode: Callable[[torch.Tensor], torch.Tensor], latents: torch.Tensor,
                       target: torch.Tensor, mask: torch.Tensor, perceptual=None,
                       perceptual_weight: float = 1.0, chunk: int = 4) -> torch.Tensor:
    """pixel_loss(decode(latents), target, mask) for latents (N, C, h, w), `chunk` frames at a
    time; decode maps (n, C, h, w) -> (n, 3, H, W). Returns (N,)."""

    def part(z, y, m):
        return pixel_loss(decode(z), y, m, perceptual, perceptual_weight)

    out = []
    for i in range(0, latents.shape[0], max(1, chunk)):
        sl = slice(i, i + max(1, chunk))
        args = (latents[sl], target[sl], mask[sl])
        if torch.is_grad_enabled() and latents.requires_grad:
            out.append(checkpoint(part, *args, use_reentrant=False))
        else:
            out.append(part(*args))
    return torch.cat(out)


def gate_loss(g: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Global gates (N, 6) (softmax) vs preset weights (N, 6) summing to 1: cross-entropy."""
    target = target / target.sum(-1, keepdim=True).clamp_min(1e-6)
    return -(target * torch.log(g.float().clamp_min(1e-6))).sum(-1)
