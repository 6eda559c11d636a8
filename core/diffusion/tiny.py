"""Tiny random components (diffusers' get_dummy_components style) and the real SD 1.5 sizes.

Used by the tests, `main.py doctor --tiny` and benchmarks/bench_diffusion.py. Random weights:
the output is noise-like, the shapes and data flow are the real ones.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from diffusers import (
    AutoencoderKL,
    DDIMScheduler,
    MotionAdapter,
    UNet2DConditionModel,
    UNetMotionModel,
)
from transformers import Wav2Vec2Config, Wav2Vec2Model

from core.diffusion.audio import AudioProjModel
from core.diffusion.loading import make_scheduler
from core.diffusion.unet import MoEEAttentionAdapter

TINY_EMOTION_DIM = 16


@dataclass(frozen=True)
class Sizes:
    """Every width that must agree between the parts."""

    block_out_channels: tuple[int, ...]
    layers_per_block: int
    norm_num_groups: int
    attention_head_dim: int
    cross_attention_dim: int
    vae_channels: tuple[int, ...]
    vae_layers: int
    motion_heads: int
    motion_layers: int
    wav2vec: dict
    audio_tokens: int
    audio_intermediate: int
    emotion_dim: int
    sample_size: int  # latent side at the native resolution


TINY = Sizes(block_out_channels=(8, 8), layers_per_block=1, norm_num_groups=2, attention_head_dim=2,
             cross_attention_dim=8, vae_channels=(8, 8), vae_layers=1, motion_heads=2,
             motion_layers=1,
             wav2vec={"hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
                          "intermediate_size": 16, "conv_dim": (8,) * 7, "num_conv_pos_embeddings": 4,
                          "num_conv_pos_embedding_groups": 2, "vocab_size": 8},
             audio_tokens=4, audio_intermediate=16, emotion_dim=TINY_EMOTION_DIM, sample_size=16)

SD15 = Sizes(block_out_channels=(320, 640, 1280, 1280), layers_per_block=2, norm_num_groups=32,
             attention_head_dim=8, cross_attention_dim=768, vae_channels=(128, 256, 512, 512),
             vae_layers=2, motion_heads=8, motion_layers=2, wav2vec={}, audio_tokens=32,
             audio_intermediate=512, emotion_dim=256, sample_size=64)


def _unet2d(z: Sizes) -> UNet2DConditionModel:
    n = len(z.block_out_channels)
    return UNet2DConditionModel(
        sample_size=z.sample_size, in_channels=4, out_channels=4,
        block_out_channels=z.block_out_channels, layers_per_block=z.layers_per_block,
        down_block_types=("CrossAttnDownBlock2D",) * (n - 1) + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * (n - 1),
        cross_attention_dim=z.cross_attention_dim, attention_head_dim=z.attention_head_dim,
        norm_num_groups=z.norm_num_groups)


def build_parts(z: Sizes = TINY, seed: int = 0) -> dict:
    """Random parts in the layout loading.py reads: unet2d (SD), reference_net, motion_adapter,
    vae, scheduler, audio_encoder, audio_proj, moee_attention; `unet` is the motion U-Net."""
    torch.manual_seed(seed)
    unet2d = _unet2d(z)
    torch.manual_seed(seed + 1)
    reference_net = _unet2d(z)
    torch.manual_seed(seed + 2)
    motion_adapter = MotionAdapter(block_out_channels=z.block_out_channels,
                                   motion_layers_per_block=z.motion_layers,
                                   motion_norm_num_groups=z.norm_num_groups,
                                   motion_num_attention_heads=z.motion_heads)
    unet = UNetMotionModel.from_unet2d(unet2d, motion_adapter)
    torch.manual_seed(seed + 3)
    n = len(z.vae_channels)
    vae = AutoencoderKL(block_out_channels=z.vae_channels, in_channels=3, out_channels=3,
                        down_block_types=("DownEncoderBlock2D",) * n,
                        up_block_types=("UpDecoderBlock2D",) * n, latent_channels=4,
                        layers_per_block=z.vae_layers, norm_num_groups=z.norm_num_groups,
                        sample_size=z.sample_size * 8)
    torch.manual_seed(seed + 4)
    audio_encoder = Wav2Vec2Model(Wav2Vec2Config(**z.wav2vec))
    cfg = audio_encoder.config
    audio_proj = AudioProjModel(seq_len=5, blocks=cfg.num_hidden_layers, channels=cfg.hidden_size,
                                intermediate_dim=z.audio_intermediate,
                                output_dim=z.cross_attention_dim, context_tokens=z.audio_tokens)
    torch.manual_seed(seed + 5)
    moee_attention = MoEEAttentionAdapter.for_unet(unet, audio_dim=z.cross_attention_dim,
                                                   emotion_dim=z.emotion_dim)
    scheduler = make_scheduler(DDIMScheduler(beta_start=0.00085, beta_end=0.012,
                                             beta_schedule="scaled_linear"), "ddim")
    parts = {"unet2d": unet2d, "reference_net": reference_net, "motion_adapter": motion_adapter,
             "unet": unet, "vae": vae, "scheduler": scheduler, "audio_encoder": audio_encoder,
             "audio_proj": audio_proj, "moee_attention": moee_attention}
    for part in parts.values():
        if isinstance(part, torch.nn.Module):
            part.eval()  # as from_pretrained leaves them: no dropout, no LayerDrop
    return parts


def tiny_pipeline(seed: int = 0, sizes: Sizes = TINY):
    """A ready MoEEPipeline on random tiny parts (CPU, float32)."""
    from core.diffusion.pipeline import MoEEPipeline

    parts = build_parts(sizes, seed)
    return MoEEPipeline(vae=parts["vae"], reference_net=parts["reference_net"], unet=parts["unet"],
                        audio_encoder=parts["audio_encoder"], audio_proj=parts["audio_proj"],
                        moee_attention=parts["moee_attention"], scheduler=parts["scheduler"])
