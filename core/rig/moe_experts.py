"""The rig's emotion experts as torch modules (core/rig/moe_rig.py builds them on first use)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn


class AUExpert(nn.Module):
    """E_i: token basis channels -> displacement channels, weighted by the expert's AUs."""

    def __init__(self, activations: np.ndarray, n_keys: int, key_au: np.ndarray):
        super().__init__()
        self.register_buffer("activations", torch.as_tensor(activations, dtype=torch.float32))
        self.register_buffer("key_au", torch.as_tensor(key_au, dtype=torch.long))
        self.n_keys = n_keys

    def forward(self, x: torch.Tensor, au_gain: torch.Tensor | None = None) -> torch.Tensor:
        """x: (b, n, 2 + 2K) -> (b, n, 2 + 2K) with only the displacement slot non-zero."""
        a = self.activations if au_gain is None else self.activations * au_gain
        w = a[self.key_au]  # (K,) weight per (AU, side) key
        b, n, _ = x.shape
        basis = x[..., 2:].reshape(b, n, self.n_keys, 2)
        disp = torch.einsum("bnkc,k->bnc", basis, w)
        return torch.cat([disp, torch.zeros_like(x[..., 2:])], dim=-1)
