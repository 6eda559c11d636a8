"""Emoji in a prompt read as their names: '😢' -> 'crying face'.

The text encoder (MiniLM's WordPiece vocabulary) has no emoji: '😀😀' reached it as unknown
tokens and read sad 0.46, while VADER, the no-emotion check's second signal, scored it positive,
so no note said the reading was a guess. Spelled out ('grinning face grinning face') the module
reads happy 0.84, '😭' sad, '😱' fearful, '🤢' disgusted, '😮' surprised. The names are VADER's
emoji table (Unicode's CLDR short names, 3,570 of them with skin tones and joined sequences);
a skin tone or other qualifier after ': ' is dropped.
"""
from __future__ import annotations

import re
from functools import lru_cache

# Unicode's "pouting face" is drawn red and scowling (CLDR's newer name: "enraged face"); its old
# name reads as no emotion, the new one angry 1.0
NAMES = {"\U0001F621": "enraged face"}


@lru_cache(maxsize=1)
def _table() -> tuple[re.Pattern, dict[str, str]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    names = {k: v.split(":")[0] for k, v in SentimentIntensityAnalyzer().emojis.items()}
    names.update(NAMES)
    # longest first: a joined sequence or a skin tone variant before its first emoji
    keys = sorted(names, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys))), names


def spell_emoji(text: str) -> str:
    """`text` with each emoji replaced by its name, runs of white space as one space."""
    if text.isascii():
        return " ".join(text.split())
    pattern, names = _table()
    spelled = pattern.sub(lambda m: f" {names[m.group(0)]} ", text)
    # what no name covers of the emoji machinery: variation selectors, the joiner, a lone tone
    spelled = re.sub("[\uFE0E\uFE0F\u200D\U0001F3FB-\U0001F3FF]", " ", spelled)
    return " ".join(spelled.split())
