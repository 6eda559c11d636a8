"""Which global gates g win: the hand-set mix or the gates suggested by a condition.

One rule for the rig, the diffusion engine, the track builder and Emotion-to-Latents:
- hand: when the override is on and any hand weight is > 0 (sliders win, as in the GUI), or when
  nothing else conditions the take (no prompt, label or audio emotion: the hand mix, maybe neutral);
- suggested: otherwise, what Emotion-to-Latents reads from the prompt / label / audio.
The rig renders suggested gates as they are; the diffusion engine lets its own learned softmax
gate run instead (core/diffusion/gates.py `render_gates`: the condition reaches it through the
emotion latent), so both engines follow the same hand-or-not decision.
"""
from __future__ import annotations

from typing import Literal

from core.mix import EmotionMix

GateSource = Literal["hand", "suggested"]


def gate_source(mix: EmotionMix, conditioned: bool) -> GateSource:
    """conditioned: a prompt, label or audio emotion is given."""
    if (mix.gate_override and any(mix.weights)) or not conditioned:
        return "hand"
    return "suggested"


def has_text_condition(mix: EmotionMix) -> bool:
    """A prompt or label Emotion-to-Latents can read (blank text is none)."""
    return bool(mix.prompt.strip() or mix.label.strip())
