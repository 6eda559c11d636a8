"""Which global gates g an engine renders: the hand-set mix, the suggested gates, or the engine's own.

One rule for the rig, the diffusion engine, the track builder and Emotion-to-Latents:
- the engine's own: when the override is off and the engine has a router of its own (the MoEE
  network's gating); it then decides, and the sliders only display;
- hand: when the override is on and any hand weight is > 0 (sliders win, as in the GUI), or when
  nothing else conditions the take (no prompt, label or audio emotion: the hand mix, maybe neutral);
- suggested: otherwise, what Emotion-to-Latents reads from the prompt / label / audio.
"""
from __future__ import annotations

from typing import Literal

from core.mix import EmotionMix

GateSource = Literal["hand", "suggested", "own"]


def gate_source(mix: EmotionMix, conditioned: bool, own_router: bool = False) -> GateSource:
    """conditioned: a prompt, label or audio emotion is given; own_router: the engine can gate
    itself (diffusion) rather than needing explicit gates (rig)."""
    if own_router and not mix.gate_override:
        return "own"
    if (mix.gate_override and any(mix.weights)) or not conditioned:
        return "hand"
    return "suggested"


def has_text_condition(mix: EmotionMix) -> bool:
    """A prompt or label Emotion-to-Latents can read (blank text is none)."""
    return bool(mix.prompt.strip() or mix.label.strip())
