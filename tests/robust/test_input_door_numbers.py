"""Numbers at the mix door: a refused weight is shown with the digits that put it out of range
(1.5000001 was shown as "got 1.5" beside "must be in [0, 1.5]"), and a normalized mix of huge
weights divides without overflow (1e308 + 1e308 was inf: a silent neutral face)."""
from __future__ import annotations

import warnings

import pytest

from core.errors import InputError
from core.mix import EmotionMix, normalized, parse_mix


def test_a_weight_just_over_the_ceiling_is_shown_with_its_digits():
    with pytest.raises(InputError, match=r"must be in \[0, 1\.5\].*got 1\.5000001;"):
        EmotionMix.from_dict(parse_mix("happy=1.5000001"))


def test_a_plain_refused_weight_keeps_its_short_form():
    with pytest.raises(InputError, match=r"got 2; "):
        EmotionMix.from_dict(parse_mix("happy=2"))


def test_a_number_too_large_for_a_float_is_named_as_typed():
    with pytest.raises(InputError, match=r"'1e400' is too large a number"):
        parse_mix("happy=1e400")


def test_huge_normalized_weights_split_evenly_without_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow RuntimeWarning fails the test
        mix = EmotionMix.from_dict(parse_mix("happy=1e308,sad=1e308"), mode="normalized")
        assert normalized((1e308, 0, 1e308, 0, 0, 0), "normalized") == (0.5, 0, 0.5, 0, 0, 0)
    g = dict(zip(("happy", "sad"), mix.weights))
    assert g == {"happy": 0.5, "sad": 0.5} and not mix.is_neutral

