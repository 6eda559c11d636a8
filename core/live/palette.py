"""The emotion in live mode: number keys solo an expert, the GUI palette sets a whole mix, or the
voice's own emotion (prosody, core/latents/audio_emotion) drives the gates. Gates glide to the
target with a first-order lag, so switching emotions never cuts. The rest of the mix (AU
toggles, region gates, head and gaze) is kept whole and becomes a block of track rows with the
same builder a take uses (core/track.py)."""
from __future__ import annotations

import math
import threading
from collections import deque

import numpy as np

from core.emotions import EMOTIONS, NUM_EXPERTS
from core.live.tuning import LIVE
from core.mix import EmotionMix
from core.track import EmotionTrack, TrackBuilder


class LivePalette:
    """Thread-safe: a key handler or GUI thread sets the target, the live loop calls `step`."""

    def __init__(self, mix: EmotionMix | None = None, auto: bool = False):
        self._lock = threading.Lock()
        self._target = np.zeros(NUM_EXPERTS, np.float32)
        self.gates = np.zeros(NUM_EXPERTS, np.float32)
        self.mix = EmotionMix()  # what a block's rows take besides the glided gates
        self._builder = TrackBuilder()
        self.auto = auto
        self.auto_source = ""
        if mix is not None:
            self.set_mix(mix)

    def set_mix(self, mix: EmotionMix) -> None:
        with self._lock:
            self._target = np.asarray(mix.gates(), np.float32)
            self.mix = mix

    def solo(self, number: int) -> None:
        """Number keys: 1-6 an expert alone at full strength (paper order), 0 neutral."""
        g = np.zeros(NUM_EXPERTS, np.float32)
        if 1 <= number <= NUM_EXPERTS:
            g[number - 1] = 1.0
        with self._lock:
            self._target = g

    def key(self, char: str) -> bool:
        """A typed character: '0'-'6' solo, 'a' toggles emotion from the voice. True if used."""
        if char.isdigit() and int(char) <= NUM_EXPERTS:
            self.auto = False
            self.solo(int(char))
            return True
        if char.lower() == "a":
            self.auto = not self.auto
            return True
        return False

    def set_auto_estimate(self, scores: np.ndarray) -> None:
        if self.auto:
            with self._lock:
                self._target = np.asarray(scores, np.float32)

    def step(self, dt: float) -> np.ndarray:
        a = 1.0 - math.exp(-dt / LIVE["gate_tau_s"])
        with self._lock:
            self.gates = (self.gates + a * (self._target - self.gates)).astype(np.float32)
        return self.gates.copy()

    def block(self, frames: int, dt: float) -> EmotionTrack:
        """Track rows for the next `frames` frames: gates glided `dt` per frame, the rest of the
        mix as set."""
        g = [self.step(dt) for _ in range(frames)]
        with self._lock:
            mix = self.mix
        return self._builder.for_mixes([mix] * frames, np.reshape(g, (frames, NUM_EXPERTS)))

    def describe(self) -> str:
        g = self.gates
        if g.sum() < 0.05:
            return "neutral"
        return EMOTIONS[int(g.argmax())] + (" (from the voice)" if self.auto else "")


class VoiceEmotion:
    """Keeps the last `auto_window_s` of audio and, every `auto_every_s`, estimates its emotion
    on a background thread (prosody takes tens of ms: the render loop must not wait for it)."""

    def __init__(self, sample_rate: int, palette: LivePalette):
        self.sr = int(sample_rate)
        self.palette = palette
        self._blocks: deque[np.ndarray] = deque()
        self._held = 0
        self._since = 0
        self._busy = threading.Event()
        self.last: np.ndarray | None = None

    def push(self, x: np.ndarray) -> None:
        if not self.palette.auto:
            return
        self._blocks.append(x)
        self._held += len(x)
        self._since += len(x)
        limit = int(LIVE["auto_window_s"] * self.sr)
        while self._held - len(self._blocks[0]) >= limit:
            self._held -= len(self._blocks.popleft())
        if self._since >= LIVE["auto_every_s"] * self.sr and not self._busy.is_set():
            self._since = 0
            self._busy.set()
            audio = np.concatenate(self._blocks)
            threading.Thread(target=self._estimate, args=(audio,), daemon=True).start()

    def _estimate(self, samples: np.ndarray) -> None:
        from core.audio.io import AudioTrack
        from core.errors import AudioError
        from core.latents.audio_emotion import estimate_audio_emotion

        try:
            est = estimate_audio_emotion(AudioTrack(samples, self.sr))
            self.last = est.scores
            self.palette.set_auto_estimate(est.scores)
        except AudioError:
            pass  # silence: keep the current emotion
        finally:
            self._busy.clear()
