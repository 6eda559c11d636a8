"""MoEE's added attention modules on a denoising U-Net, saved apart from it.

`MoEEAttentionAdapter` holds one MoEECrossAttnProcessor per spatial transformer block (keyed by
the attn2 layer's name) and saves as config.json + safetensors, like diffusers' MotionAdapter.
`install_moee_processors` puts them on a UNetMotionModel (or a UNet2DConditionModel) with
`set_attn_processor`, plus the reference read processors on attn1; motion-module layers keep
their processors.
"""
from __future__ import annotations

from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from core.diffusion.moe_attention import MoEECrossAttnProcessor
from core.diffusion.reference import (
    ReferenceBank,
    ReferenceReadProcessor,
    is_spatial_self_attention,
)


def is_spatial_cross_attention(name: str) -> bool:
    return name.endswith("attn2.processor") and "motion_modules" not in name \
        and "transformer_blocks" in name


def _key(layer: str) -> str:
    return layer.replace(".", "__")  # ModuleDict keys may not hold dots


class MoEEAttentionAdapter(ModelMixin, ConfigMixin):
    """The audio and emotion-expert attention of every spatial transformer block.

    layer_names: attn2 layers ("down_blocks.0.attentions.0.transformer_blocks.0.attn2");
    hidden_sizes / heads: their query width and head count; audio_dim: the audio tokens' width;
    emotion_dim: D of the emotion latent (Emotion-to-Latents).
    """

    @register_to_config
    def __init__(self, layer_names: list[str], hidden_sizes: list[int], heads: list[int],
                 audio_dim: int = 768, emotion_dim: int = 256):
        super().__init__()
        if not len(layer_names) == len(hidden_sizes) == len(heads):
            raise ValueError("layer_names, hidden_sizes and heads must have one entry per layer")
        self.processors = nn.ModuleDict({
            _key(name): MoEECrossAttnProcessor(size, h, audio_dim, emotion_dim)
            for name, size, h in zip(layer_names, hidden_sizes, heads)})

    @classmethod
    def for_unet(cls, unet: nn.Module, audio_dim: int, emotion_dim: int) -> MoEEAttentionAdapter:
        """A fresh (identity) adapter shaped for `unet`'s spatial transformer blocks."""
        names, sizes, heads = [], [], []
        for name in unet.attn_processors:
            if is_spatial_cross_attention(name):
                layer = name.removesuffix(".processor")
                attn = unet.get_submodule(layer)
                if attn.to_q.out_features != attn.to_q.in_features:
                    raise ValueError(f"{layer}: MoEE needs attn2 inner width == query width")
                names.append(layer)
                sizes.append(attn.to_q.in_features)
                heads.append(attn.heads)
        return cls(names, sizes, heads, audio_dim=audio_dim, emotion_dim=emotion_dim)

    def processor(self, layer: str) -> MoEECrossAttnProcessor:
        return self.processors[_key(layer)]

    def layer_names(self) -> list[str]:
        return list(self.config.layer_names)


def install_moee_processors(unet: nn.Module, adapter: MoEEAttentionAdapter,
                            bank: ReferenceBank | None) -> dict[str, int]:
    """attn2 of each spatial block -> the adapter's processor; attn1 -> reference read (when a
    bank is given). Raises ValueError when the adapter does not fit the U-Net."""
    wanted = set(adapter.layer_names())
    procs, counts = {}, {"moee": 0, "reference": 0}
    for name, proc in unet.attn_processors.items():
        layer = name.removesuffix(".processor")
        if is_spatial_cross_attention(name):
            if layer not in wanted:
                raise ValueError(f"the MoEE attention adapter has no module for {layer}")
            proc = adapter.processor(layer)
            wanted.discard(layer)
            counts["moee"] += 1
        elif bank is not None and is_spatial_self_attention(name):
            proc = ReferenceReadProcessor(bank, layer)
            counts["reference"] += 1
        procs[name] = proc
    if wanted:
        raise ValueError(f"the MoEE attention adapter has modules for layers this U-Net lacks: "
                         f"{sorted(wanted)[:3]}")
    unet.set_attn_processor(procs)
    return counts
