"""The U-Net's added cross-attention: audio attention + the Emotion MoE (MoEE Sec. 3.2).

One processor replaces each spatial transformer block's attn2 (the SD text cross-attention):
    out = CrossAttn(x, context)                                   (the pretrained attn2)
        + a_b * M * AudioAttn(x, audio tokens)                    (hallo-style, zero-init out)
        + e_b * sum_i g_i * E_i(x * s_i, emotion latent)          (Eq. 3 without its "X +":
                                                                    the block adds the residual)
with E_i six expert cross-attentions over the emotion latent, g the global softmax gate and
s the local sigmoid gate of core.moe.EmotionMoE, M an optional face/lip mask, and a_b, e_b
per-sample switches for classifier-free guidance. Every new output projection starts at zero,
so installing the processors leaves a pretrained U-Net's output unchanged.
"""
from __future__ import annotations

import torch
from diffusers.models.attention_processor import Attention
from torch import nn

from core.diffusion.ops import attend, match_batch, to_tokens
from core.emotions import NUM_EXPERTS
from core.moe import EmotionMoE


class EmotionExpert(nn.Module):
    """One emotion's cross-attention: tokens (B, n, c) attend to the emotion latent (B, T, D)."""

    def __init__(self, dim: int, emotion_dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(emotion_dim, dim, bias=False)
        self.to_v = nn.Linear(emotion_dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        nn.init.zeros_(self.to_out.weight)
        nn.init.zeros_(self.to_out.bias)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        context = match_batch(context.to(x.dtype), x.shape[0])
        return self.to_out(attend(self.to_q(x), self.to_k(context), self.to_v(context), self.heads))


def mixture_delta(moe: EmotionMoE, x: torch.Tensor, context: torch.Tensor,
                  g_override: torch.Tensor | None = None, s_override: torch.Tensor | None = None
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """sum_i g_i E_i(X * s_i) of Eq. 3, i.e. EmotionMoE's output minus X, computed without the
    subtraction (exact in bf16). x (B, n, c) -> (delta (B, n, c), g (B, 6), s (B, n, 6))."""
    g, s = moe.gates(x, g_override, s_override)
    delta = torch.zeros_like(x)
    for i, expert in enumerate(moe.experts):
        gi = g[:, i]
        if not torch.any(gi != 0):
            continue  # the palette usually has one or two experts on
        delta = delta + gi[:, None, None].to(x.dtype) * expert(x * s[..., i:i + 1].to(x.dtype),
                                                               context=context)
    return delta, g, s


class MoEECrossAttnProcessor(nn.Module):
    """attn2 of a spatial transformer block: text/context cross-attention + audio + Emotion MoE."""

    def __init__(self, hidden_size: int, heads: int, audio_dim: int, emotion_dim: int,
                 expert_heads: int | None = None):
        super().__init__()
        self.heads = heads
        self.to_k_audio = nn.Linear(audio_dim, hidden_size, bias=False)
        self.to_v_audio = nn.Linear(audio_dim, hidden_size, bias=False)
        self.audio_out = nn.Linear(hidden_size, hidden_size)  # hallo's zero-initialised 1x1 conv
        nn.init.zeros_(self.audio_out.weight)
        nn.init.zeros_(self.audio_out.bias)
        experts = [EmotionExpert(hidden_size, emotion_dim, expert_heads or heads)
                   for _ in range(NUM_EXPERTS)]
        self.moe = EmotionMoE(hidden_size, experts)
        self.last_gates: torch.Tensor | None = None  # (B, 6) g of the last call, for training logs

    def __call__(self, attn: Attention, hidden_states: torch.Tensor, encoder_hidden_states=None,
                 attention_mask=None, temb=None, audio_tokens=None, audio_mask=None,
                 audio_scale=None, emotion_latent=None, emotion_gates=None,
                 emotion_local_gates=None, emotion_scale=None):
        x = hidden_states  # (B, n, c); B = samples * frames
        q = attn.to_q(x)  # IP-Adapter style: the audio branch shares attn2's query
        out = self.base(attn, q, x, encoder_hidden_states)
        if audio_tokens is not None:
            out = out + self.audio(q, audio_tokens, audio_mask, audio_scale)
        if emotion_latent is not None:
            out = out + self.emotion(x, emotion_latent, emotion_gates, emotion_local_gates,
                                     emotion_scale)
        return out

    def base(self, attn: Attention, q: torch.Tensor, x: torch.Tensor,
             context: torch.Tensor | None) -> torch.Tensor:
        """The pretrained attn2 on `context` (B or 1, L, C_ctx)."""
        context = x if context is None else match_batch(context.to(x.dtype), x.shape[0])
        if attn.norm_cross:
            context = attn.norm_encoder_hidden_states(context)
        h = attend(q, attn.to_k(context), attn.to_v(context), attn.heads)
        return attn.to_out[1](attn.to_out[0](h)) / attn.rescale_output_factor

    def audio(self, q, tokens, mask, scale) -> torch.Tensor:
        """Audio cross-attention on this frame's tokens (B, N_a, C_a), weighted by the mask."""
        b = q.shape[0]
        tokens = match_batch(tokens.to(q.dtype), b)
        a = self.audio_out(attend(q, self.to_k_audio(tokens),
                                  self.to_v_audio(tokens), self.heads))
        if mask is not None:
            a = a * to_tokens(match_batch(mask.to(q.dtype), b), q.shape[1])
        return a * _per_sample(scale, b, a)

    def emotion(self, x, latent, gates, local_gates, scale) -> torch.Tensor:
        b = x.shape[0]
        g = None if gates is None else match_batch(gates, b)
        s = None
        if local_gates is not None:
            s = to_tokens(match_batch(local_gates.float(), b), x.shape[1], mode="nearest")
        delta, g_used, _ = mixture_delta(self.moe, x, latent, g, s)
        self.last_gates = g_used.detach()
        return delta * _per_sample(scale, b, delta)


def _per_sample(scale, b: int, like: torch.Tensor):
    if scale is None:
        return 1.0
    scale = torch.as_tensor(scale, device=like.device, dtype=like.dtype).reshape(-1)
    return match_batch(scale, b)[:, None, None]
