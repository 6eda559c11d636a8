"""Small tensor helpers shared by the attention processors."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def match_batch(t: torch.Tensor, batch: int) -> torch.Tensor:
    """Repeat a per-sample tensor (b, ...) to the U-Net's frame batch (b*f, ...).

    UNetMotionModel folds frames into the batch as index = sample * f + frame, so a per-sample
    tensor repeats each row f times (repeat_interleave), and a per-frame tensor (b*f, ...) passes.
    """
    n = t.shape[0]
    if n == batch:
        return t
    if n == 1:
        return t.expand(batch, *t.shape[1:])
    if batch % n:
        raise ValueError(f"cannot spread a batch of {n} over {batch} rows")
    return t.repeat_interleave(batch // n, dim=0)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int) -> torch.Tensor:
    """Multi-head SDPA. q (B, n, c), k/v (B, m, c) -> (B, n, c)."""
    b, n, c = q.shape
    d = c // heads
    q, k, v = (x.reshape(b, -1, heads, d).transpose(1, 2) for x in (q, k, v))
    out = F.scaled_dot_product_attention(q, k, v)
    return out.transpose(1, 2).reshape(b, n, c)


def to_tokens(grid: torch.Tensor, n: int, mode: str = "area") -> torch.Tensor:
    """A map on the latent grid (B, C, h, w) -> per token (B, n, C) at a layer with n tokens.

    The U-Net halves h and w per level, so the layer grid is (h/k, w/k) with k = sqrt(h*w/n).
    """
    _b, _c, h, w = grid.shape
    k = math.sqrt(h * w / n)
    size = (max(1, round(h / k)), max(1, round(w / k)))
    if size[0] * size[1] != n:
        raise ValueError(f"a {h}x{w} map does not fit a layer of {n} tokens")
    if size != (h, w):
        grid = F.interpolate(grid, size=size, mode=mode)
    return grid.flatten(2).transpose(1, 2)
