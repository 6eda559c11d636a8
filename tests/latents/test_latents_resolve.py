"""resolve_condition rules, label/AU branches, save/load, the latent's shape."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from core.errors import CheckpointError, InputError
from core.expression import aus_from_gates
from core.latents.label import canonical_label, label_weights
from core.latents.module import EmotionToLatents, LatentsConfig
from core.latents.resolve import resolve_condition, resolved_mix
from core.mix import EmotionMix

H, S, A, D, F, SU = range(6)


def test_prompt_sets_gates_and_latent(runtime):
    cond = resolve_condition(EmotionMix(prompt="bitter, holding back tears", gate_override=True))
    assert cond.source == "prompt" and cond.gates.argmax() == S
    np.testing.assert_allclose(cond.gates, cond.suggested_gates, atol=1e-6)
    c = runtime.model.config
    assert cond.latent.shape == (1, c.num_tokens, c.latent_dim)
    assert 15 in cond.aus and cond.aus[15] > 0.3  # lip corner depressor of the sad expert


def test_hand_gates_override_and_intensity_scales(runtime):
    hand = EmotionMix.from_dict({"happy": 1.0}, prompt="furious", gate_override=True)
    cond = resolve_condition(hand)
    assert cond.source == "hand" and cond.gates.argmax() == H
    assert cond.suggested_gates.argmax() == A  # still shown to the user
    engine_decides = EmotionMix.from_dict({"happy": 1.0}, prompt="furious", gate_override=False)
    assert resolve_condition(engine_decides).gates.argmax() == A
    half = resolve_condition(EmotionMix(prompt="furious", intensity=0.5))
    full = resolve_condition(EmotionMix(prompt="furious"))
    np.testing.assert_allclose(half.gates, full.gates * 0.5, atol=1e-5)


def test_no_condition_is_the_hand_mix(runtime):
    neutral = resolve_condition(EmotionMix())
    assert neutral.source == "hand" and neutral.gates.sum() == 0 and neutral.aus == {}
    sad = resolve_condition(EmotionMix.from_dict({"sad": 0.8}))
    np.testing.assert_allclose(sad.gates, [0, 0.8, 0, 0, 0, 0])
    assert sad.aus == aus_from_gates(sad.gates)
    assert not torch.allclose(neutral.latent, sad.latent)


def test_labels_and_presets(runtime):
    for name in ("happy", "angry", "fearful", "surprised", "sad", "disgusted"):
        cond = resolve_condition(EmotionMix(label=name))
        assert cond.gates.argmax() == label_weights(name).argmax() and cond.gates.max() > 0.7
    hs = resolve_condition(EmotionMix(label="happily surprised")).gates
    assert set(np.argsort(-hs)[:2]) == {H, SU} and min(hs[H], hs[SU]) > 0.3
    # a compound label at full strength, as its preset: the head emotion at 1, the other near
    # its share's proportion (the head learned the shares, 0.55 + 0.45)
    for name in ("sadly surprised", "angrily disgusted"):
        g = resolve_condition(EmotionMix(label=name)).gates
        preset = EmotionMix.from_preset(name).gates()
        assert g.max() == pytest.approx(1.0) and g.argmax() == preset.argmax()
        np.testing.assert_allclose(g, preset, atol=0.2)
    assert resolve_condition(EmotionMix(label="neutral")).gates.max() < 0.15
    assert canonical_label("Fear") == "fearful"
    with pytest.raises(InputError, match="unknown emotion label"):
        canonical_label("hangry")


def test_several_conditions_average(runtime):
    both = resolve_condition(EmotionMix(prompt="happy", label="sad"))
    assert both.source == "prompt+label"
    assert both.gates[H] > 0.3 and both.gates[S] > 0.3


def test_au_toggles_win_and_enter_the_latent(runtime):
    base = resolve_condition(EmotionMix(prompt="happy"))
    muted = resolve_condition(EmotionMix(prompt="happy", au_overrides={12: 0.0, 4: 0.9}))
    assert 12 not in muted.aus and muted.aus[4] == 0.9 and base.aus[12] > 0.5
    assert not torch.allclose(base.latent, muted.latent)
    smile = runtime.read([runtime.query("au", _au_vec({12: 1.0, 6: 0.8}))])[1]
    assert smile.argmax() == H  # the AU branch reads a Duchenne smile as happy


def test_resolved_mix_for_engines(runtime):
    mix = EmotionMix(prompt="terrified", intensity=0.5, au_overrides={25: 1.0})
    cond = resolve_condition(mix)
    out = resolved_mix(mix, cond)
    np.testing.assert_allclose(out.gates(), cond.gates, atol=1e-6)
    assert out.au_overrides == {25: 1.0}


def test_save_load_roundtrip(tmp_path):
    torch.manual_seed(0)
    model = EmotionToLatents(LatentsConfig(text_dim=16, latent_dim=32, num_tokens=4, hidden=32,
                                           num_embeddings=8)).eval()
    model.save_pretrained(tmp_path)
    again = EmotionToLatents.from_pretrained(tmp_path)
    x = {"label": torch.rand(2, 7)}
    z1, g1, _ = model(x)
    z2, g2, _ = again(x)
    assert z1.shape == (2, 4, 32)
    torch.testing.assert_close(g1, g2, atol=2e-3, rtol=0)  # stored as float16
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="model.safetensors"):
        EmotionToLatents.from_pretrained(tmp_path)


def test_shipped_weights_are_small():
    from core.latents.resolve import DEFAULT_WEIGHTS

    assert (DEFAULT_WEIGHTS / "model.safetensors").stat().st_size < 3_000_000


def _au_vec(d):
    from core.emotions import AU_INDEX, NUM_AUS

    v = np.zeros(NUM_AUS, np.float32)
    for k, x in d.items():
        v[AU_INDEX[k]] = x
    return v
