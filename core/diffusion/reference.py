"""Reference attention (MoEE Sec. 3.1, after AnimateAnyone/hallo): ReferenceNet -> denoising U-Net.

A write processor on each ReferenceNet self-attention stores its input tokens in a ReferenceBank
under the layer's name; the read processor on the same-named denoising U-Net layer appends them
to its self-attention keys/values. Layers are paired by name (UNetMotionModel keeps the 2-D
U-Net's names), never by sorting shapes. The pipeline clears the bank in a `finally`.
"""
from __future__ import annotations

from contextlib import contextmanager

import torch
from diffusers.models.attention_processor import Attention, AttnProcessor2_0
from torch import nn

from core.diffusion.ops import match_batch


class ReferenceBank:
    """Reference tokens by layer name: {name: (b_ref, n, c)}."""

    def __init__(self):
        self._store: dict[str, torch.Tensor] = {}

    def write(self, name: str, tokens: torch.Tensor) -> None:
        self._store[name] = tokens

    def read(self, name: str) -> torch.Tensor | None:
        return self._store.get(name)

    def clear(self) -> None:
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)

    @contextmanager
    def session(self):
        """Filled inside, emptied on the way out, even on an error."""
        try:
            yield self
        finally:
            self.clear()


def _self_attention(attn: Attention, hidden_states, encoder_hidden_states, attention_mask, temb):
    return AttnProcessor2_0()(attn, hidden_states, encoder_hidden_states, attention_mask, temb)


class ReferenceWriteProcessor:
    """ReferenceNet attn1: store the layer's input tokens (b, n, c), then attend as usual."""

    def __init__(self, bank: ReferenceBank, name: str):
        self.bank, self.name = bank, name

    def __call__(self, attn: Attention, hidden_states: torch.Tensor, encoder_hidden_states=None,
                 attention_mask=None, temb=None):
        self.bank.write(self.name, hidden_states)  # kept in the graph: stage 1 trains ReferenceNet
        return _self_attention(attn, hidden_states, encoder_hidden_states, attention_mask, temb)


class ReferenceReadProcessor:
    """Denoising U-Net attn1: keys/values = [own tokens, reference tokens] (B, n + n_ref, c).

    Accepts (and ignores) every MoEE per-call input: diffusers hands all cross_attention_kwargs
    to attn1 too.
    """

    def __init__(self, bank: ReferenceBank, name: str):
        self.bank, self.name = bank, name

    def __call__(self, attn: Attention, hidden_states: torch.Tensor, encoder_hidden_states=None,
                 attention_mask=None, temb=None, audio_tokens=None, audio_mask=None,
                 audio_scale=None, emotion_latent=None, emotion_gates=None,
                 emotion_local_gates=None, emotion_scale=None):
        ref = self.bank.read(self.name)
        if ref is not None:
            ref = match_batch(ref.to(hidden_states.dtype), hidden_states.shape[0])
            encoder_hidden_states = torch.cat([hidden_states, ref], dim=1)
        return _self_attention(attn, hidden_states, encoder_hidden_states, attention_mask, temb)


def is_spatial_self_attention(name: str) -> bool:
    return name.endswith("attn1.processor") and "motion_modules" not in name \
        and "transformer_blocks" in name


def install_reference_writers(reference_net: nn.Module, bank: ReferenceBank) -> int:
    """Put write processors on every transformer self-attention of a UNet2DConditionModel."""
    procs = {}
    for name, proc in reference_net.attn_processors.items():
        layer = name.removesuffix(".processor")
        procs[name] = ReferenceWriteProcessor(bank, layer) if is_spatial_self_attention(name) else proc
    count = sum(isinstance(p, ReferenceWriteProcessor) for p in procs.values())
    reference_net.set_attn_processor(procs)  # pops the dict's entries: count first
    return count
