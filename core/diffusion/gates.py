"""One definition of the global gates g for the diffusion engine, in training and at render time.

MoEE Eq. 3 mixes the experts with g = softmax(G(Pool(X), omega)): g lies on the simplex (sum 1).
Training (core.training.sampling) shows the network two kinds of g, and only these:
- an expert draw for emotion e: g = one-hot(e), which is `expert_gates` of e's label weights;
- a compound (gate) draw: no override, the module's own softmax gate runs (`None` here).
Rendering uses the same two:
- a condition (prompt, label, emotion from audio) with no hand-set weights: `None`, the learned
  softmax gate decides, as on compound draws (the condition reaches the experts through the
  emotion latent, core.latents.resolve);
- hand-set weights (the palette): renormalised onto the simplex, times the mix's intensity, so a
  palette of (0.7, 0.3) is 0.7/0.3 of the experts' output, as a softmax would give.
`gate_mode="free"` (DiffusionConfig) passes hand weights unnormalised: each weight is its
expert's strength, the way the rig reads them. Sums other than 1 were never seen in training, so
that mode warns when they add up to more than 1.
"""
from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from core.emotions import EMOTIONS, NUM_EXPERTS
from core.errors import MoeeWarning

GateMode = Literal["simplex", "free"]


def expert_gates(weights, intensity: float = 1.0, mode: GateMode = "simplex") -> np.ndarray:
    """Hand weights (6,) >= 0 -> g (6,) float32. simplex: w / sum(w) * intensity; free: w *
    intensity. All-zero weights give all-zero g (the MoE is off: the unconditional output)."""
    w = np.asarray(weights, np.float32).reshape(NUM_EXPERTS)
    if mode == "simplex" and w.sum() > 0:
        w = w / w.sum()
    return (w * np.float32(intensity)).astype(np.float32)


def one_hot(emotion: str) -> np.ndarray:
    """g of a training draw for expert `emotion` (the one-hot end of the simplex)."""
    g = np.zeros(NUM_EXPERTS, np.float32)
    g[EMOTIONS.index(emotion)] = 1.0
    return g


def render_gates(mix, source: str, mode: GateMode = "simplex") -> np.ndarray | None:
    """The g the engine renders an EmotionMix with; `source` is resolve_condition's ("hand" when
    the palette decides). None: the module's softmax gate runs."""
    if source != "hand":
        return None
    if mode == "free":
        g = expert_gates(mix.weights, mix.intensity, "free")
        if g.sum() > 1.0 + 1e-3:
            warnings.warn(f"free gates sum to {g.sum():.2f}; training only saw sums of 1, so "
                          "expect overdriven expressions (gate_mode='simplex' renormalises)",
                          MoeeWarning, stacklevel=2)
        return g
    return expert_gates(mix.weights, mix.intensity, "simplex")
