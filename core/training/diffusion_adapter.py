"""core.diffusion's parts wrapped as a core.training.model.TrainModel.

The diffusion engine (issue 5) is being written alongside this package; until its loader and
tiny component factory land, building a model says so in one sentence.
"""
from __future__ import annotations

from core.errors import CheckpointError


def from_diffusion(models_dir: str | None, tiny: bool = False, device: str = "cpu"):
    try:
        import core.diffusion.tiny  # noqa: F401
    except ImportError:
        raise CheckpointError("the diffusion engine (core/diffusion) is not installed in this "
                              "build yet, so there is no network to train") from None
    raise CheckpointError("core.diffusion is present but its training adapter is not wired yet "
                          "(core/training/diffusion_adapter.py)")
