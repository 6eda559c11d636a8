"""The one rule for which gates win (core/gate_choice.py), table-driven."""
import numpy as np
import pytest

from core.gate_choice import gate_source, has_text_condition
from core.mix import EmotionMix

HAND = (0.7, 0, 0, 0, 0, 0)
NONE = (0.0,) * 6

CASES = [
    # weights, override, conditioned, own_router -> source
    (HAND, True, False, False, "hand"),
    (HAND, True, True, False, "hand"),      # sliders win over a prompt
    (NONE, True, True, False, "suggested"),  # no hand weight: the prompt decides
    (NONE, True, False, False, "hand"),      # nothing at all: neutral hand mix
    (HAND, False, True, False, "suggested"),  # override off: the condition decides
    (HAND, False, False, False, "hand"),     # override off but nothing else: the hand mix
    (HAND, False, True, True, "own"),        # diffusion's router decides when override is off
    (NONE, False, False, True, "own"),
    (HAND, True, True, True, "hand"),
    (NONE, True, True, True, "suggested"),
]


@pytest.mark.parametrize("weights, override, conditioned, own, expected", CASES)
def test_gate_source(weights, override, conditioned, own, expected):
    mix = EmotionMix(weights=weights, gate_override=override)
    assert gate_source(mix, conditioned, own_router=own) == expected


def test_blank_text_is_no_condition():
    assert not has_text_condition(EmotionMix(prompt="  ", label=""))
    assert has_text_condition(EmotionMix(label="happy"))


def test_track_and_resolve_follow_the_rule():
    """The track builder and Emotion-to-Latents pick the same gates for the same mix."""
    from core.latents.resolve import engine_gates, resolve_condition
    from core.track import TrackBuilder

    builder = TrackBuilder()
    for weights, override in ((HAND, True), (NONE, True), (HAND, False)):
        mix = EmotionMix(weights=weights, gate_override=override, prompt="a furious shout")
        cond = resolve_condition(mix)
        assert np.allclose(builder.gates(mix), cond.gates)
        assert cond.source == ("hand" if gate_source(mix, True) == "hand" else "prompt")
        own = gate_source(mix, True, own_router=True) == "own"
        assert (engine_gates(mix, cond) is None) == own
