"""Tiny random diffusion parts (diffusers' get_dummy_components style), built once per session."""
from __future__ import annotations

import numpy as np
import pytest
import torch

torch.set_num_threads(1)
EMOTION_DIM = 16
SIZE = 64  # pixels; the tiny VAE downsamples by 2 -> a 32x32 latent


@pytest.fixture(scope="session")
def parts():
    from core.diffusion.tiny import build_parts
    return build_parts(seed=0)


@pytest.fixture(scope="session")
def pipe():
    from core.diffusion.tiny import tiny_pipeline
    p = tiny_pipeline(seed=0)
    p.set_progress_bar_config(disable=True)
    return p


@pytest.fixture(scope="session")
def ref_image() -> np.ndarray:
    return (np.random.default_rng(0).random((SIZE, SIZE, 3)) * 255).astype(np.uint8)


@pytest.fixture(scope="session")
def speech() -> np.ndarray:
    t = np.arange(16000) / 16000
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 3 * t) > 0)).astype(np.float32)


def randomize_outputs(module: torch.nn.Module, seed: int = 1) -> None:
    """Stand-in for training: give the zero-initialised output projections random weights."""
    gen = torch.Generator().manual_seed(seed)
    for name, p in module.named_parameters():
        if "to_out" in name or "audio_out" in name or "global_gate" in name:
            p.data = torch.randn(p.shape, generator=gen) * 0.3
