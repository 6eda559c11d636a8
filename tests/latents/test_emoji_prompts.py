"""Emoji in a prompt read as the feeling they show (core/latents/emoji.py). The text encoder has
no emoji: '😀😀' read sad 0.46 with no note, since VADER called it positive."""
from __future__ import annotations

import numpy as np
import pytest

from core.emotions import EMOTIONS
from core.latents.emoji import spell_emoji
from core.latents.resolve import read_prompt


def test_spelled_out():
    assert spell_emoji("😀😀") == "grinning face grinning face"
    assert spell_emoji("so  tired\n😭") == "so tired loudly crying face"
    # a skin tone, a variation selector, a joined sequence: the name alone, no stray marks
    assert spell_emoji("👍🏽") == "thumbs up"
    assert spell_emoji("❤️ you") == "red heart you"
    assert spell_emoji("plain text, no emoji") == "plain text, no emoji"
    assert spell_emoji("café") == "café"


@pytest.mark.parametrize("prompt, emotion", [
    ("😀😀", "happy"), ("😭", "sad"), ("😡", "angry"), ("🤢", "disgusted"), ("😱", "fearful"),
    ("😮", "surprised"), ("my cat ran away 😢", "sad"),
])
def test_emoji_read_as_their_feeling(prompt, emotion):
    gates, note = read_prompt(prompt)
    assert EMOTIONS[int(np.argmax(gates))] == emotion, dict(zip(EMOTIONS, gates.round(2)))
    assert gates.max() > 0.5 and note is None
