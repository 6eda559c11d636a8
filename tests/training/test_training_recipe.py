"""The paper's recipe on the real diffusion modules (core.diffusion.tiny's random parts): noisy
emotion draws train expert e, the text column feeds the text branch, guidance drops are the
pipeline's null condition, and the pixel loss decodes in chunks with VGG-19."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.emotions import EMOTIONS
from core.training.data import ClipDataset
from core.training.diffusion_adapter import from_diffusion
from core.training.sampling import EmotionSampler, SamplingConfig, make_batch
from core.training.trainer import StageConfig, Trainer

QUIET = {"log": lambda m: None}
NO_DROP = {"audio_drop_rate": 0.0, "emotion_drop_rate": 0.0}


@pytest.fixture(scope="module")
def dataset(prepared):
    torch.set_num_threads(1)
    return ClipDataset(prepared[0], split="train", n_frames=2, resolution=32)


@pytest.fixture(scope="module")
def trainer(dataset, tmp_path_factory):
    cfg = StageConfig(stage=2, steps=1, batch_size=1, grad_accum=1, n_frames=2, resolution=32,
                      **NO_DROP)
    return Trainer(from_diffusion(tiny=True), dataset, cfg, tmp_path_factory.mktemp("run"), **QUIET)


def _expert_grads(trainer, batch) -> list[float]:
    """|grad| of each expert's parameters, summed over every MoE layer, after one backward."""
    trainer.opt.zero_grad(set_to_none=True)
    torch.manual_seed(0)
    trainer.losses(batch)["loss"].backward()
    out = [0.0] * len(EMOTIONS)
    for moe in trainer.model.moes:
        for i, expert in enumerate(moe.experts):
            out[i] += sum(float(p.grad.abs().sum()) for p in expert.parameters() if p.grad is not None)
    return out


def test_noisy_and_neutral_draws_each_train_the_expert_they_were_drawn_for(trainer, dataset):
    sampler = EmotionSampler(dataset, SamplingConfig(noise_rate=1.0, neutral_share=0.5,
                                                     compound_rate=0.0, **NO_DROP), seed=5)
    seen = set()
    for d in (sampler.draw() for _ in range(40)):
        kind = dataset.clips[d.index].kind
        if (d.expert, kind) in seen or len(seen) >= 4:
            continue
        seen.add((d.expert, kind))
        batch = make_batch(dataset, [d], np.random.default_rng(0))
        assert d.noisy and dataset.clips[d.index].meta.emotion != d.expert
        assert float((batch["reference"] * batch["reference_mouth"]).abs().sum()) == 0
        grads = _expert_grads(trainer, batch)
        e = EMOTIONS.index(d.expert)
        assert grads[e] > 0, (d.expert, kind)  # no g = 0 draw: every one teaches its expert
        assert all(g == 0 for i, g in enumerate(grads) if i != e)
    assert {k for _, k in seen} == {"neutral", "single"}


def test_the_text_column_feeds_the_text_branch(trainer, dataset):
    from tests.diffusion.conftest import randomize_outputs

    moee = trainer.model.pipe.moee_attention
    saved = {k: v.clone() for k, v in moee.state_dict().items()}
    randomize_outputs(moee)  # trained experts pass gradient back to the latent (zero-init don't)
    trainer.model.keep_rate = 1.0  # every available condition enters the latent
    try:
        sampler = EmotionSampler(dataset, SamplingConfig(compound_rate=0.0, noise_rate=0.0,
                                                         **NO_DROP), seed=0)
        batch, _ = sampler.batch(1)
        batch["text"] = ["a bitter, tired smile"]
        trainer.opt.zero_grad(set_to_none=True)
        trainer.losses(batch)["loss"].backward()
        text = trainer.model.latents.proj["text"]
        assert sum(float(p.grad.abs().sum()) for p in text.parameters() if p.grad is not None) > 0
        assert trainer.model.text.encoder().name == "all-MiniLM-L6-v2"  # the offline encoder
        from core.training.conditions import emotion_latent

        torch.manual_seed(0)
        z1 = emotion_latent(trainer.model.latents, batch, trainer.model.text, 1.0)
        z2 = emotion_latent(trainer.model.latents, {**batch, "text": ["terrified, trembling"]},
                            trainer.model.text, 1.0)
        assert not torch.allclose(z1, z2)
    finally:
        trainer.model.keep_rate = 0.5
        moee.load_state_dict(saved)


def test_a_dropped_sample_sees_the_null_condition_the_pipeline_guides_from(trainer):
    """Training's drop switches (audio_scale / emotion_scale 0) give exactly the processor's
    output without audio and emotion, and they are what the pipeline's guidance pass sets."""
    from core.diffusion.config import KW_AUDIO_SCALE, KW_EMOTION_SCALE
    from tests.diffusion.conftest import randomize_outputs

    proc = trainer.model.processors[0]
    attn = trainer.model.pipe.unet.get_submodule(
        trainer.model.pipe.moee_attention.layer_names()[0])
    saved = {k: v.clone() for k, v in proc.state_dict().items()}
    randomize_outputs(proc)
    try:
        x = torch.randn(2, 16, proc.moe.dim)
        kw = {"audio_tokens": torch.randn(2, 4, 8), "emotion_latent": torch.randn(2, 4, 16),
              "emotion_gates": torch.tensor([[1.0, 0, 0, 0, 0, 0]] * 2)}
        with torch.no_grad():
            null = proc(attn, x)
            dropped = proc(attn, x, audio_scale=torch.zeros(2), emotion_scale=torch.zeros(2), **kw)
            full = proc(attn, x, audio_scale=torch.ones(2), emotion_scale=torch.ones(2), **kw)
        torch.testing.assert_close(dropped, null)
        assert not torch.allclose(full, null)
    finally:
        proc.load_state_dict(saved)
    pipe = trainer.model.pipe
    pipe._guidance_scale, pipe._emotion_guidance_scale = 3.5, None
    kw = pipe.condition_kwargs(1, 2, None, None, None, None, None, "cpu", torch.float32)
    assert kw[KW_AUDIO_SCALE].tolist() == [0.0, 1.0] and kw[KW_EMOTION_SCALE].tolist() == [0.0, 1.0]


def test_the_pixel_loss_decodes_in_chunks_and_matches_a_whole_decode(trainer, dataset):
    from core.training.losses import chunked_pixel_loss, pixel_loss
    from core.training.perceptual import VGGPerceptual

    vgg = VGGPerceptual()  # random weights in tests; models/vgg19/ holds the real ones
    decoder = trainer.model.vae.decoder
    sizes = []
    hook = decoder.register_forward_pre_hook(lambda m, a: sizes.append(a[0].shape[0]))
    try:
        torch.manual_seed(0)
        z = torch.randn(6, 4, 16, 16, requires_grad=True)
        y, m = torch.rand(6, 3, 32, 32) * 2 - 1, torch.ones(6, 1, 32, 32)

        def decode(latents):
            return trainer.model.decode(latents[None])[0]
        chunked = chunked_pixel_loss(decode, z, y, m, vgg, 1.0, chunk=2)
        chunked.sum().backward()
        g_chunked = z.grad.clone()
        assert sizes and max(sizes) == 2 and len(sizes) == 6  # 3 chunks forward + 3 recomputed
        z.grad = None
        whole = pixel_loss(decode(z), y, m, vgg, 1.0)
        whole.sum().backward()
        torch.testing.assert_close(chunked, whole)
        torch.testing.assert_close(g_chunked, z.grad)
    finally:
        hook.remove()


def test_vgg19_has_torchvisions_layer_numbering():
    from core.training.perceptual import TAPS, VGGPerceptual

    convs = [int(k.split(".")[0]) for k in VGGPerceptual().features.state_dict() if k.endswith("weight")]
    # torchvision vgg19().features: conv layers at these indices, relu1_1 .. relu5_1 at 1..29
    assert convs == [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28]
    assert sorted(TAPS) == [1, 6, 11, 20, 29]


def test_timestep_weight_is_the_papers_cosine():
    from core.training.losses import timestep_weight

    t = torch.tensor([0, 500, 1000])
    torch.testing.assert_close(timestep_weight(t, 1000), torch.tensor([1.0, 2 ** -0.5, 0.0]),
                               atol=1e-6, rtol=0)


def test_gradient_checkpointing_gives_the_same_gradients(dataset, tmp_path):
    cfg = StageConfig(stage=1, steps=1, batch_size=1, grad_accum=1, n_frames=2, resolution=32,
                      **NO_DROP)
    grads = []
    for on in (False, True):
        cfg.gradient_checkpointing = on
        t = Trainer(from_diffusion(tiny=True), dataset, cfg, tmp_path / str(on), **QUIET)
        assert t.model.pipe.unet.is_gradient_checkpointing == on
        assert t.model.pipe.reference_net.is_gradient_checkpointing == on
        batch, _ = EmotionSampler(dataset, SamplingConfig(stage=1, audio_drop_rate=0.0), seed=0).batch(1)
        torch.manual_seed(0)
        t.losses(batch)["loss"].backward()
        grads.append(torch.cat([p.grad.flatten() for p in t.params if p.grad is not None]))
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-4, atol=1e-6)
