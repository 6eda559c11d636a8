"""One Emotion-to-Latents runtime (and one MiniLM load) per test session."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def runtime():
    import torch

    from core.latents.resolve import get_runtime

    torch.set_num_threads(1)
    return get_runtime()
