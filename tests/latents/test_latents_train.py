"""Prompt splitting (negation scope, intensity words) and the training loop."""
from __future__ import annotations

import numpy as np
import torch

from core.latents.cues import split_prompt
from core.latents.module import LatentsConfig
from core.latents.train import TrainConfig, label_batch, train


def test_negation_scope_and_intensity_cues():
    p = split_prompt("not angry, just disappointed")
    assert (p.affirmed, p.negated, p.cues[0]) == ("disappointed", "angry", 1.0)
    assert split_prompt("she can't stop grinning").negated == ""  # not a negated feeling
    assert split_prompt("I'm not scared, I'm amazed").negated == "scared"
    assert split_prompt("slightly annoyed").cues[1] < 0 < split_prompt("extremely angry").cues[1]
    assert split_prompt("happy but nervous").cues[2] == 1.0


def test_training_fits_labels_and_text_features():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    cfg = LatentsConfig(text_dim=8, latent_dim=32, num_tokens=2, num_embeddings=4, hidden=32)
    y = np.zeros((240, 6), np.float32)
    y[np.arange(240), rng.integers(0, 6, 240)] = 0.9
    x = torch.zeros(240, cfg.text_in)
    x[:, :6] = torch.from_numpy(y) + 0.05 * torch.randn(240, 6)  # the class shows in the features
    logs = []
    model = train(x, torch.from_numpy(y), cfg, TrainConfig(steps=150, batch=64), log=logs.append)
    assert float(logs[-1].split()[-1]) < float(logs[0].split()[-1]) * 0.5
    _, gates, _ = model({"text": x[:40]})
    assert (gates.argmax(1).numpy() == y[:40].argmax(1)).mean() > 0.9
    lx, ly = label_batch()
    _, lg, _ = model({"label": lx})
    assert (lg[:6].argmax(1) == torch.arange(6)).all()
