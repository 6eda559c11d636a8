"""The one rule for which gates win (core/gate_choice.py), table-driven."""
import numpy as np
import pytest

from core.gate_choice import gate_source, has_text_condition
from core.mix import EmotionMix

HAND = (0.7, 0, 0, 0, 0, 0)
NONE = (0.0,) * 6

CASES = [
    # weights, override, conditioned -> source
    (HAND, True, False, "hand"),
    (HAND, True, True, "hand"),       # sliders win over a prompt
    (NONE, True, True, "suggested"),  # no hand weight: the prompt decides
    (NONE, True, False, "hand"),      # nothing at all: neutral hand mix
    (HAND, False, True, "suggested"),  # override off: the condition decides
    (HAND, False, False, "hand"),     # override off but nothing else: the hand mix
]


@pytest.mark.parametrize("weights, override, conditioned, expected", CASES)
def test_gate_source(weights, override, conditioned, expected):
    mix = EmotionMix(weights=weights, gate_override=override)
    assert gate_source(mix, conditioned) == expected


def test_blank_text_is_no_condition():
    assert not has_text_condition(EmotionMix(prompt="  ", label=""))
    assert has_text_condition(EmotionMix(label="happy"))


def test_track_and_resolve_follow_the_rule():
    """The track builder, Emotion-to-Latents and the diffusion engine follow the same rule."""
    from core.diffusion.gates import render_gates
    from core.latents.resolve import resolve_condition
    from core.track import TrackBuilder

    builder = TrackBuilder()
    for weights, override in ((HAND, True), (NONE, True), (HAND, False)):
        mix = EmotionMix(weights=weights, gate_override=override, prompt="a furious shout")
        cond = resolve_condition(mix)
        assert np.allclose(builder.gates(mix), cond.gates)
        assert cond.source == ("hand" if gate_source(mix, True) == "hand" else "prompt")
        # diffusion: hand gates are rendered as set, anything else goes to the learned gate
        assert (render_gates(mix, cond.source) is None) == (cond.source != "hand")
