"""Emotion-to-Latents reaches the experts at render time, and g has one definition.

A tiny pipeline whose experts take 256-wide latents, so the shipped Emotion-to-Latents module
(MiniLM text branch) drives them through the engine's default condition path."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from core.audio.io import AudioTrack
from core.diffusion.engine import DiffusionEngine, default_condition
from core.diffusion.gates import expert_gates, one_hot, render_gates
from core.diffusion.moe_attention import EmotionExpert
from core.engine import RenderJob
from core.mix import EmotionMix
from tests.diffusion.conftest import randomize_outputs


@pytest.fixture(scope="module")
def engine():
    from core.diffusion.config import DiffusionConfig
    from core.diffusion.tiny import TINY, tiny_pipeline

    pipe = tiny_pipeline(0, replace(TINY, emotion_dim=256))
    randomize_outputs(pipe.moee_attention)
    cfg = DiffusionConfig(resolution=64, clip_frames=4, num_inference_steps=1, guidance_scale=1.0,
                          device="cpu", dtype="fp32")
    return DiffusionEngine(config=cfg, pipeline=pipe)


def _expert_inputs(engine, mix, ref_image, speech, from_audio: bool = False) -> list[torch.Tensor]:
    """What every expert's key/value projections saw while rendering `mix`."""
    seen = []
    hooks = [m.to_k.register_forward_pre_hook(lambda mod, args: seen.append(args[0].clone()))
             for m in engine.pipe.unet.modules() if isinstance(m, EmotionExpert)]
    try:
        job = RenderJob(portrait=engine.prepare(ref_image, detect=False),
                        audio=AudioTrack(speech[:8000], 16000), mix=mix, fps=8, size=64,
                        emotion_from_audio=from_audio)
        list(engine.frames(job))
    finally:
        for h in hooks:
            h.remove()
    return seen


def test_two_prompts_give_the_experts_different_keys_and_values(engine, ref_image, speech):
    a = _expert_inputs(engine, EmotionMix(prompt="furious, shouting at someone"), ref_image, speech)
    b = _expert_inputs(engine, EmotionMix(prompt="laughing with joy"), ref_image, speech)
    assert a and len(a) == len(b)  # the learned gate ran every expert
    assert all(x.shape[-1] == 256 for x in a)
    assert not torch.allclose(a[0], b[0], atol=1e-4)
    # the latent the experts see is the module's output for the prompt itself
    from core.latents.resolve import get_runtime

    rt = get_runtime()
    z = rt.read([rt.query("text", "furious, shouting at someone")])[0]
    torch.testing.assert_close(a[0][0], z[0].expand_as(a[0][0]))


def test_the_speech_emotion_reaches_the_experts_through_the_audio_branch(engine, ref_image,
                                                                        speech):
    """render --emotion-from-audio on the diffusion engine: the experts attend to the audio
    branch's latent for the take's own speech, not a label vector rebuilt from gate numbers."""
    from core.latents.resolve import audio_scores_of, get_runtime

    sad = EmotionMix.from_preset("sad")  # hand gates, so the experts run in both renders
    plain = _expert_inputs(engine, sad, ref_image, speech)
    heard = _expert_inputs(engine, sad, ref_image, speech, from_audio=True)
    assert heard and not torch.allclose(plain[0], heard[0], atol=1e-4)
    rt = get_runtime()
    z = rt.read([rt.query("audio", audio_scores_of(AudioTrack(speech[:8000], 16000)))])[0]
    torch.testing.assert_close(heard[0][0], z[0].expand_as(heard[0][0]))


def test_a_prompt_changes_the_latent_even_when_the_sliders_set_the_gates():
    hand = EmotionMix.from_preset("sad")
    g1, z1 = default_condition(replace(hand, prompt="bitter, holding back tears"))
    g2, z2 = default_condition(replace(hand, prompt="terrified of the dark"))
    np.testing.assert_array_equal(g1, one_hot("sad"))
    np.testing.assert_array_equal(g1, g2)
    assert not torch.allclose(z1, z2, atol=1e-4)


def test_render_and_training_share_one_g(engine):
    """The sampler's g for an expert draw of e equals the engine's g for the palette set to e;
    a prompt (like a compound draw) runs the module's own softmax gate; and the processor turns
    both into the same gates it mixes with."""
    from core.training.sampling import training_gates

    for e in ("happy", "angry", "fearful"):
        g_render, _ = engine.condition_fn(EmotionMix.from_preset(e))
        np.testing.assert_array_equal(g_render, training_gates(e))
    assert default_condition(EmotionMix(prompt="quietly happy"))[0] is None
    assert training_gates(None) is None
    # hand palettes land on the simplex; intensity scales the whole mixture
    g = expert_gates((0.7, 0, 0, 0, 0, 0.7), intensity=0.5)
    np.testing.assert_allclose(g, [0.25, 0, 0, 0, 0, 0.25])
    proc = next(m for m in engine.pipe.unet.modules() if hasattr(m, "moe"))
    x = torch.randn(2, 16, proc.moe.dim)
    z = torch.randn(1, 4, 256)
    proc.emotion(x, z, None, None, None)
    softmax = proc.last_gates
    torch.testing.assert_close(softmax.sum(-1), torch.ones(2))
    proc.emotion(x, z, torch.from_numpy(training_gates("sad"))[None], None, None)
    torch.testing.assert_close(proc.last_gates, torch.from_numpy(one_hot("sad"))[None].expand(2, -1))


def test_free_gates_are_an_explicit_mode_that_warns():
    from core.errors import MoeeWarning

    mix = EmotionMix.from_dict({"happy": 1.0, "surprised": 0.7})
    np.testing.assert_allclose(render_gates(mix, "hand").sum(), 1.0)
    with pytest.warns(MoeeWarning, match="sum to 1.70"):
        g = render_gates(mix, "hand", mode="free")
    np.testing.assert_allclose(g, [1, 0, 0, 0, 0, 0.7], rtol=1e-6)


def test_render_cli_leaves_a_prompt_to_the_diffusion_engine():
    """`render --prompt --engine diffusion` hands the prompt itself to the engine (not six
    suggested gate numbers), so the experts see the prompt's latent and the learned gate runs."""
    from core.cli import build_parser
    from core.cli.render import build_mix, resolve_emotion

    args = build_parser().parse_args(["render", "--portrait", "p.png", "--audio", "a.wav",
                                      "--out", "o.mp4", "--prompt", "bitter", "--engine",
                                      "diffusion", "--quiet"])
    mix = resolve_emotion(args, build_mix(args), None)
    assert mix.prompt == "bitter" and sum(mix.weights) == 0
    assert default_condition(mix)[0] is None
