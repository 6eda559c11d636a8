"""The MoEE soft mixture of emotion experts, shared by the rig and the diffusion engine.

Paper (MoEE, CVPR 2025, Sec. 3.2): tokens X (b x n x d),
    local gate   s = sigmoid(G(X, phi))          s in R^{b x n x 6}
    global gate  g = softmax(G(Pool(X), omega))  g in R^{b x 6}
    output       X' = X + sum_i g_i * E_i(X * s_i)
Users override g (the palette) and s (per-token, e.g. per face region) by hand; overrides are
passed per call, never stored, so one module serves many takes.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from core.emotions import NUM_EXPERTS


@dataclass
class MoEOutput:
    hidden: torch.Tensor  # X' (b, n, d)
    g: torch.Tensor  # global gates used (b, 6)
    s: torch.Tensor  # local gates used (b, n, 6)


def _as_batch(t: torch.Tensor, b: int, like: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    return t.expand(b, *t.shape[1:]) if t.shape[0] == 1 and b != 1 else t


class EmotionMoE(nn.Module):
    """Six experts mixed by a local sigmoid gate per token and a global softmax gate.

    experts: six modules mapping (b, n, d) -> (b, n, d); extra keyword arguments of `forward`
        (e.g. `context=` the emotion latent for cross-attention experts) are passed to each.
    """

    def __init__(self, dim: int, experts: list[nn.Module] | nn.ModuleList,
                 local_gate_bias: float = 0.0):
        super().__init__()
        if len(experts) != NUM_EXPERTS:
            raise ValueError(f"EmotionMoE needs {NUM_EXPERTS} experts, got {len(experts)}")
        self.dim = dim
        self.experts = nn.ModuleList(experts)
        self.local_gate = nn.Linear(dim, NUM_EXPERTS)  # G(X, phi)
        self.global_gate = nn.Linear(dim, NUM_EXPERTS)  # G(Pool(X), omega)
        nn.init.zeros_(self.local_gate.weight)
        nn.init.constant_(self.local_gate.bias, local_gate_bias)

    def gates(self, x: torch.Tensor, g_override: torch.Tensor | None = None,
              s_override: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (g (b,6), s (b,n,6)). s_override may hold NaN where the module's own s stays."""
        b = x.shape[0]
        s = torch.sigmoid(self.local_gate(x))
        if s_override is not None:
            so = _as_batch(s_override, b, s)
            s = torch.where(torch.isnan(so), s, so)
        if g_override is not None:
            g = _as_batch(g_override, b, x)
            if g.dim() == 1:
                g = g.unsqueeze(0).expand(b, -1)
        else:
            g = torch.softmax(self.global_gate(x.mean(dim=1)), dim=-1)
        return g, s

    def forward(self, x: torch.Tensor, g_override: torch.Tensor | None = None,
                s_override: torch.Tensor | None = None, **expert_kwargs) -> MoEOutput:
        g, s = self.gates(x, g_override, s_override)
        out = x
        for i, expert in enumerate(self.experts):
            gi = g[:, i]
            if not torch.any(gi != 0):
                continue  # an unused expert costs nothing (the palette often has 1-2 active)
            out = out + gi[:, None, None] * expert(x * s[..., i:i + 1], **expert_kwargs)
        return MoEOutput(hidden=out, g=g, s=s)
