"""Which parameters each stage trains (MoEE Sec. 3.4).

Stage 1: ReferenceNet and the denoising U-Net, except the emotion MoE (off in stage 1).
Stage 2: the emotion MoE (experts + local/global gates) and Emotion-to-Latents only; spatial,
cross, audio and temporal modules, the ReferenceNet and everything else are frozen.
"""
from __future__ import annotations

from torch import nn

from core.errors import CheckpointError
from core.training.model import TrainModel, moe_modules

STAGE1_PARTS = ("reference_net", "unet")


def moe_parameter_ids(model: TrainModel) -> set[int]:
    ids = set()
    for module in model.parts().values():
        for _, moe in moe_modules(module):
            ids.update(id(p) for p in moe.parameters())
    return ids


def set_stage(model: TrainModel, stage: int) -> list[nn.Parameter]:
    """Set requires_grad for `stage` and return the trainable parameters."""
    parts = model.parts()
    moe = moe_parameter_ids(model)
    for name, module in parts.items():
        for p in module.parameters():
            if stage == 1:
                p.requires_grad_(name in STAGE1_PARTS and id(p) not in moe)
            else:
                p.requires_grad_(name == "latents" or id(p) in moe)
    if stage == 2:
        check_stage2(model)
    params = [p for m in parts.values() for p in m.parameters() if p.requires_grad]
    if not params:
        raise CheckpointError(f"stage {stage} found nothing to train in this model")
    return list({id(p): p for p in params}.values())


def check_stage2(model: TrainModel) -> None:
    """Structural promise of stage 2: only MoE and Emotion-to-Latents parameters train."""
    moe = moe_parameter_ids(model)
    if not moe:
        raise CheckpointError("stage 2 needs the U-Net's emotion MoE, and this model has none")
    for name, module in model.parts().items():
        for pname, p in module.named_parameters():
            allowed = name == "latents" or id(p) in moe
            if p.requires_grad and not allowed:
                raise AssertionError(f"stage 2 would train a frozen parameter: {name}.{pname}")
            if allowed and not p.requires_grad:
                raise AssertionError(f"stage 2 leaves a MoE/latents parameter frozen: {name}.{pname}")
