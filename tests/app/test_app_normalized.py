"""Weights are normalised in one place (core.mix.normalized, applied when a mix is made): the
palette's edits, keyframe blending and EmotionMix.gates() agree on what a normalized mix renders."""
import numpy as np
import pytest

from app.palette import mixing
from core.keyframes import Key, KeyTrack, blend
from core.mix import EmotionMix, normalized


def test_normalized_is_idempotent_and_leaves_free_and_neutral_alone():
    w = normalized((2, 0, 1, 0, 1, 0), "normalized")
    assert sum(w) == pytest.approx(1.0) and w[0] == pytest.approx(0.5)
    assert normalized(w, "normalized") == w
    assert normalized((2, 0, 1, 0, 1, 0), "free") == (2, 0, 1, 0, 1, 0)
    assert normalized((0,) * 6, "normalized") == (0.0,) * 6


def test_stored_weights_are_what_gates_render():
    m = EmotionMix(weights=(0.6, 0, 0, 0, 0, 0.2), mode="normalized", intensity=0.5)
    np.testing.assert_allclose(m.weights, [0.75, 0, 0, 0, 0, 0.25])
    np.testing.assert_allclose(m.gates(), np.asarray(m.weights) * 0.5, rtol=1e-6)


def test_palette_edits_blend_and_gates_agree():
    free = EmotionMix.from_dict({"happy": 0.6, "angry": 0.3, "sad": 0.3})
    mix = mixing.set_mode(free, "normalized")
    np.testing.assert_allclose(mix.weights, normalized(free.weights, "normalized"))
    np.testing.assert_allclose(mix.gates(), free.gates() / free.gates().sum(), rtol=1e-6)

    slid = mixing.set_weight(mix, 5, 0.4)  # the others give way, the sum stays 1
    assert sum(slid.weights) == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(slid.gates(), slid.weights, rtol=1e-6)

    preset = mixing.apply_preset(mix, "happily surprised")
    np.testing.assert_allclose(preset.weights, EmotionMix.from_preset(
        "happily surprised", mode="normalized").gates(), rtol=1e-6)
    prompted = mixing.with_prompt(mix, "joy", np.array([0.8, 0, 0, 0, 0, 0.8]))
    np.testing.assert_allclose(prompted.gates(), [0.5, 0, 0, 0, 0, 0.5], atol=1e-4)

    # keyframes blend the stored (already normalised) weights: the gates are the lerp of gates
    track = KeyTrack([Key(0.0, slid, "linear"), Key(1.0, preset)])
    for t in (0.0, 0.25, 0.5, 1.0):
        m = track.mix_at(t)
        assert m.mode == "normalized" and sum(m.weights) == pytest.approx(1.0, abs=1e-3)
        np.testing.assert_allclose(m.gates(), (1 - t) * slid.gates() + t * preset.gates(),
                                   atol=1e-6)
    np.testing.assert_allclose(blend(slid, preset, 0.5).gates(), track.mix_at(0.5).gates())
