"""Audio tokens per frame from all wav2vec2 layers; the face mask gates the audio attention;
ReferenceNet writes and U-Net reads pair by layer name; the bank empties even on an error."""
from __future__ import annotations

import copy

import pytest
import torch
from diffusers.models.attention_processor import Attention
from transformers import Wav2Vec2Config, Wav2Vec2Model

from core.diffusion.audio import clip_audio_features, wav2vec_layers
from core.diffusion.moe_attention import MoEECrossAttnProcessor
from core.diffusion.reference import ReferenceBank, install_reference_writers
from core.diffusion.tiny import TINY
from core.diffusion.unet import install_moee_processors
from tests.diffusion.conftest import EMOTION_DIM, randomize_outputs


def test_every_wav2vec_layer_even_in_train_mode():
    torch.manual_seed(0)
    enc = Wav2Vec2Model(Wav2Vec2Config(**{**TINY.wav2vec, "layerdrop": 1.0}))  # drops all in train
    enc.train()
    layers = wav2vec_layers(enc, torch.randn(8000))
    assert layers.shape[:1] == (TINY.wav2vec["num_hidden_layers"],) and layers.shape[-1] == 8
    assert enc.training  # the caller's mode is restored


def test_windows_per_video_frame(parts, speech):
    enc = parts["audio_encoder"]
    feats = clip_audio_features(enc, speech, 16000, fps=8, first_frame=2, num_frames=4, window=2)
    assert feats.shape == (4, 5, TINY.wav2vec["num_hidden_layers"], 8)  # (f, 2w+1, L, C)
    assert (feats[0, 2] - feats[-1, 2]).abs().max() > 1e-3  # each frame hears its own audio
    torch.testing.assert_close(feats[1, 1], feats[0, 2])  # window = the neighbours' centres
    tail = clip_audio_features(enc, speech, 16000, fps=8, first_frame=7, num_frames=4, window=2)
    assert tail.shape == feats.shape  # past the end of the track is silence, not an error
    tokens = parts["audio_proj"](feats[None])
    assert tokens.shape == (1, 4, TINY.audio_tokens, TINY.cross_attention_dim)


def test_face_mask_weights_the_audio_attention():
    torch.manual_seed(0)
    attn = Attention(query_dim=16, cross_attention_dim=8, heads=2, dim_head=8)
    proc = MoEECrossAttnProcessor(16, 2, audio_dim=8, emotion_dim=EMOTION_DIM)
    randomize_outputs(proc)
    x, ctx, audio = torch.randn(2, 16, 16), torch.randn(2, 5, 8), torch.randn(2, 4, 8)
    base = proc(attn, x, ctx)
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., :4, :] = 1.0  # upper half of the latent grid; the layer sees 4x4 tokens
    out = proc(attn, x, ctx, audio_tokens=audio, audio_mask=mask)
    delta = (out - base).abs().amax(-1).reshape(2, 4, 4)
    assert delta[:, :2].min() > 0 and delta[:, 2:].max() == 0


def test_reference_layers_pair_by_name_and_change_the_unet(parts):
    ref_net, unet = copy.deepcopy(parts["reference_net"]), copy.deepcopy(parts["unet"])
    bank = ReferenceBank()
    writers = install_reference_writers(ref_net, bank)
    counts = install_moee_processors(unet, parts["moee_attention"], bank)
    assert writers == counts["reference"] == 4
    latents = torch.randn(1, 4, 16, 16)
    ctx = torch.zeros(1, 1, TINY.cross_attention_dim)
    sample = torch.randn(1, 4, 2, 16, 16)
    with torch.no_grad():
        plain = unet(sample, 10, encoder_hidden_states=ctx.expand(2, -1, -1)).sample
        with bank.session():
            ref_net(latents, 0, encoder_hidden_states=ctx)
            readers = {n.removesuffix(".processor") for n in unet.attn_processors
                       if n.endswith("attn1.processor") and "motion_modules" not in n}
            assert set(bank._store) == readers  # every read layer finds its written twin
            with_ref = unet(sample, 10, encoder_hidden_states=ctx.expand(2, -1, -1)).sample
        assert len(bank) == 0
    assert (with_ref - plain).abs().max() > 1e-4


def test_bank_session_clears_on_error():
    bank = ReferenceBank()
    with pytest.raises(RuntimeError), bank.session():
        bank.write("layer", torch.zeros(1, 2, 3))
        raise RuntimeError("mid-denoise failure")
    assert len(bank) == 0 and bank.read("layer") is None
