"""Train Emotion-to-Latents' own weights on frozen encoders (CPU, a few minutes).

Supervision is the gate head: each modality's condition -> target gates (and the expert AU
table's intensities for those gates). In MoEE's stage 2 the module is trained end to end
through the diffusion loss; that needs the paper's video data, so here the latent space is
shaped by the gate/AU targets alone and the diffusion engine fine-tunes it further.
  text:  generated prompts (core/latents/dataset.py) on frozen MiniLM/T5 embeddings
  label: the 22 labels -> their preset weights
  au:    random sparse gates -> expert AU vector (+ noise, dropped AUs) -> those gates
  audio: soft six-way audio scores + calm score -> the same six scores
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.emotions import EMOTIONS, NUM_EXPERTS
from core.expression import expert_matrix
from core.latents.label import LABELS, label_vector, label_weights
from core.latents.module import EmotionToLatents, LatentsConfig


@dataclass
class TrainConfig:
    steps: int = 2000          # optimiser steps
    batch: int = 128           # text samples per step (other modalities use a quarter each)
    lr: float = 2e-3           # AdamW, cosine decay to 5%
    weight_decay: float = 1e-4
    au_loss: float = 0.5       # weight of the AU-intensity loss against the gate loss
    seed: int = 0


def random_gates(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 6): one or two active experts at random strengths, 10% all-zero (neutral)."""
    g = np.zeros((n, NUM_EXPERTS), np.float32)
    for row in g:
        if rng.random() < 0.1:
            continue
        for i in rng.choice(NUM_EXPERTS, size=rng.integers(1, 3), replace=False):
            row[i] = rng.uniform(0.25, 1.0)
    return g


def au_batch(rng: np.random.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = random_gates(rng, n)
    au = np.clip(g @ expert_matrix() + rng.normal(0, 0.05, (n, expert_matrix().shape[1])), 0, 1)
    au *= rng.random(au.shape) > 0.1  # toggles often leave an AU of the prototype out
    return torch.from_numpy(au.astype(np.float32)), torch.from_numpy(g)


def audio_batch(rng: np.random.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = random_gates(rng, n)
    calm = (g.max(1, keepdims=True) < 0.2).astype(np.float32)
    return torch.from_numpy(np.concatenate([g, calm], 1)), torch.from_numpy(g)


def label_batch() -> tuple[torch.Tensor, torch.Tensor]:
    x = np.stack([label_vector(n) for n in LABELS])
    y = np.stack([label_weights(n) for n in LABELS])
    return torch.from_numpy(x), torch.from_numpy(y)


def _loss(model, modality, x, target, experts, au_w):
    _, gates, aus = model({modality: x})
    au_target = (target @ experts).clamp(0, 1)
    return F.binary_cross_entropy(gates, target) + au_w * F.mse_loss(aus, au_target)


def train(text_x: torch.Tensor, text_y: torch.Tensor, config: LatentsConfig,
          tc: TrainConfig = TrainConfig(), log=print) -> EmotionToLatents:
    """text_x: (N, config.text_in) features; text_y: (N, 6) target gates."""
    torch.manual_seed(tc.seed)
    rng = np.random.default_rng(tc.seed)
    model = EmotionToLatents(config).train()
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * min(s / tc.steps, 1.0))))
    experts = torch.from_numpy(expert_matrix())
    lx, ly = label_batch()
    for step in range(tc.steps):
        idx = torch.randint(0, len(text_x), (tc.batch,))
        loss = _loss(model, "text", text_x[idx], text_y[idx], experts, tc.au_loss)
        loss = loss + 0.25 * _loss(model, "label", lx, ly, experts, tc.au_loss)
        for name, maker in (("au", au_batch), ("audio", audio_batch)):
            x, y = maker(rng, tc.batch // 4)
            loss = loss + 0.25 * _loss(model, name, x, y, experts, tc.au_loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 500 == 0 or step == tc.steps - 1:
            log(f"step {step:5d}  loss {loss.item():.4f}")
    return model.eval()


def describe(gates: np.ndarray) -> str:
    return ", ".join(f"{e}={v:.2f}" for e, v in zip(EMOTIONS, gates) if v >= 0.05) or "neutral"
