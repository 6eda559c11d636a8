"""Every number that tunes live mode, with its source."""
from __future__ import annotations

from core.audio.rate import SAMPLE_RATE

LIVE = {
    # Audio. 10 ms blocks: PortAudio's usual low-latency buffer at 16 kHz (160 samples), also the
    # speech analysis hop (core/audio/features), so a block rarely waits for the next one.
    "sample_rate": SAMPLE_RATE,
    "block_s": 0.010,
    "ring_s": 2.0,            # audio the ring buffer holds; older samples are dropped (overrun)
    # Video. 25 fps: the SpeechTracker's own delay is 1.5 frames + 20 ms (80 ms at 25 fps).
    "fps": 25,
    "size": 384,              # longest output side: the warp's cost grows with pixels
    "latency_budget_ms": 150,  # voice to mouth (issue 7)
    # Emotion. Gates follow the palette with a first-order lag: a switch reads as a change of
    # expression (~0.25 s, the onset of a posed expression; DESIGN.md "Expression onset").
    "gate_tau_s": 0.25,
    # Emotion from the voice: prosody over the last few seconds, re-estimated every second
    # (core/latents/audio_emotion needs ~2 s of speech for a stable pitch range and rate).
    "auto_window_s": 3.0,
    "auto_every_s": 1.0,
    # Statistics keep the last N frame latencies (bounded memory for hour-long runs).
    "stats_window": 4096,
}
