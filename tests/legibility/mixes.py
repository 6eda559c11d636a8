"""Mixes the legibility tests share."""
from core.mix import EmotionMix

# Anger with its lips pressed, as a user makes it with the AU toggles (23, 24 and 17 on, the
# upper lip's raise down to 0.4): the angry expert bares its teeth (core/expression.py), and
# these keep the lips' press (AU24 on an open or a closed mouth) covered. The angry expert's
# mouth before it bared its teeth (AU10 0.3 x its strength 1.3)
PRESSED_ANGER = {23: 1.0, 24: 1.0, 17: 0.8, 10: 0.4}


def preset(name: str, aus: dict[int, float] | None = None) -> EmotionMix:
    """A preset by name, or "pressed anger"; `aus`: AU overrides on top."""
    if name == "pressed anger":
        return EmotionMix.from_preset("angry", au_overrides={**PRESSED_ANGER, **(aus or {})})
    return EmotionMix.from_preset(name, au_overrides=dict(aus or {}))
