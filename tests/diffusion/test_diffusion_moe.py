"""The Emotion MoE in the U-Net: identity before training, g overrides, one-hot = one expert."""
from __future__ import annotations

import copy

import torch

from core.diffusion.moe_attention import MoEECrossAttnProcessor
from core.diffusion.unet import MoEEAttentionAdapter, install_moee_processors
from tests.diffusion.conftest import EMOTION_DIM, randomize_outputs

F = 2  # frames


def _inputs(unet):
    torch.manual_seed(0)
    sample = torch.randn(1, 4, F, 16, 16)
    ctx = torch.randn(1, 1, unet.config.cross_attention_dim).expand(F, -1, -1)  # (b*f, L, C)
    kw = {"audio_tokens": torch.randn(F, 4, unet.config.cross_attention_dim),
          "emotion_latent": torch.randn(1, 8, EMOTION_DIM)}
    return sample, ctx, kw


def _run(unet, sample, ctx, kw=None):
    with torch.no_grad():
        return unet(sample, 10, encoder_hidden_states=ctx, cross_attention_kwargs=kw).sample


def test_moe_added_to_unet_leaves_output_unchanged(parts):
    unet = copy.deepcopy(parts["unet"])
    sample, ctx, kw = _inputs(unet)
    before = _run(unet, sample, ctx)
    adapter = MoEEAttentionAdapter.for_unet(unet, unet.config.cross_attention_dim, EMOTION_DIM)
    counts = install_moee_processors(unet, adapter, bank=None)
    assert counts["moee"] == len(adapter.layer_names()) == 4
    assert not any("motion_modules" in n for n in adapter.layer_names())
    for gates in (None, torch.tensor([[0.0, 1, 0, 0, 0, 0]])):
        after = _run(unet, sample, ctx, {**kw, "emotion_gates": gates})
        assert torch.equal(after, before)  # bit-identical: zero-init outputs


def test_g_override_changes_output_and_zero_g_is_off(parts):
    unet = copy.deepcopy(parts["unet"])
    sample, ctx, kw = _inputs(unet)
    adapter = MoEEAttentionAdapter.for_unet(unet, unet.config.cross_attention_dim, EMOTION_DIM)
    randomize_outputs(adapter)
    install_moee_processors(unet, adapter, bank=None)
    eye = torch.eye(6)
    happy = _run(unet, sample, ctx, {**kw, "emotion_gates": eye[:1]})
    sad = _run(unet, sample, ctx, {**kw, "emotion_gates": eye[1:2]})
    own = _run(unet, sample, ctx, kw)  # the module's own softmax gate
    off = _run(unet, sample, ctx, {**kw, "emotion_gates": torch.zeros(1, 6)})
    no_emotion = _run(unet, sample, ctx, {"audio_tokens": kw["audio_tokens"]})
    assert (happy - sad).abs().max() > 1e-4
    assert (own - happy).abs().max() > 1e-4
    assert torch.equal(off, no_emotion)  # g = 0: exactly the U-Net without the MoE
    per_frame = torch.stack([eye[0], eye[1]])  # (b*f, 6): frame 0 happy, frame 1 sad
    mixed = _run(unet, sample, ctx, {**kw, "emotion_gates": per_frame})
    assert not torch.allclose(mixed, happy) and not torch.allclose(mixed, sad)


def test_one_hot_g_equals_that_expert_alone():
    torch.manual_seed(0)
    from diffusers.models.attention_processor import Attention

    attn = Attention(query_dim=16, cross_attention_dim=8, heads=2, dim_head=8)
    proc = MoEECrossAttnProcessor(16, 2, audio_dim=8, emotion_dim=EMOTION_DIM)
    randomize_outputs(proc)
    x, ctx, z = torch.randn(3, 10, 16), torch.randn(3, 5, 8), torch.randn(3, 4, EMOTION_DIM)
    base = proc(attn, x, ctx)
    s = torch.sigmoid(proc.moe.local_gate(x))
    for i in range(6):
        g = torch.nn.functional.one_hot(torch.tensor([i]), 6).float()
        out = proc(attn, x, ctx, emotion_latent=z, emotion_gates=g)
        alone = proc.moe.experts[i](x * s[..., i:i + 1], context=z)
        torch.testing.assert_close(out - base, alone, rtol=1e-5, atol=1e-6)
    # a hand-set local gate s (per token, the palette's regions) replaces the module's
    g = torch.tensor([[0.0, 0, 1, 0, 0, 0]])
    s_map = torch.full((1, 6, 2, 5), float("nan"))
    s_map[:, 2] = 1.0
    out = proc(attn, x, ctx, emotion_latent=z, emotion_gates=g, emotion_local_gates=s_map)
    torch.testing.assert_close(out - base, proc.moe.experts[2](x, context=z), rtol=1e-5, atol=1e-6)


def test_cfg_scale_zero_drops_audio_and_emotion():
    torch.manual_seed(0)
    from diffusers.models.attention_processor import Attention

    attn = Attention(query_dim=16, cross_attention_dim=8, heads=2, dim_head=8)
    proc = MoEECrossAttnProcessor(16, 2, audio_dim=8, emotion_dim=EMOTION_DIM)
    randomize_outputs(proc)
    x, ctx = torch.randn(2, 10, 16), torch.randn(2, 5, 8)
    kw = {"audio_tokens": torch.randn(2, 4, 8), "emotion_latent": torch.randn(2, 4, EMOTION_DIM),
              "emotion_gates": torch.ones(2, 6)}
    off = proc(attn, x, ctx, audio_scale=torch.zeros(2), emotion_scale=torch.zeros(2), **kw)
    torch.testing.assert_close(off, proc(attn, x, ctx))
    assert (proc(attn, x, ctx, **kw) - off).abs().max() > 1e-4
