"""Audio playback that is also the playback clock.

A sounddevice OutputStream pulls blocks from the loaded track (its read cursor is the clock).
Without an audio device the clock falls back to time.monotonic() and the video plays silently;
the reason is reported once, in words.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from core.audio.io import SAMPLE_RATE


class AudioPlayer:
    def __init__(self):
        self.samples = np.zeros(0, np.float32)
        self.sample_rate = SAMPLE_RATE
        self._stream = None
        self._lock = threading.Lock()
        self._cursor = 0  # next sample to play
        self._wall_start: float | None = None  # fallback clock
        self._wall_t0 = 0.0
        self.silent_reason: str | None = None  # set when no device could be opened
        self.playing = False

    def load(self, samples: np.ndarray | None, sample_rate: int) -> None:
        self.stop()
        self.samples = np.zeros(0, np.float32) if samples is None else samples.astype(np.float32)
        self.sample_rate = int(sample_rate)

    def start(self, t: float) -> str | None:
        """Start at t seconds. Returns a message when playing silently (no device)."""
        self.stop()
        self._cursor = int(t * self.sample_rate)
        self._wall_t0, self._wall_start = t, time.monotonic()
        self.playing = True
        if len(self.samples) == 0:
            return None
        try:
            self._stream = self._open_stream()
            self._stream.start()
        except Exception as e:  # PortAudioError, OSError, missing library
            self._stream = None
            self.silent_reason = f"No audio output device ({_short(e)}); playing without sound."
            return self.silent_reason
        return None

    def _open_stream(self):
        import sounddevice as sd
        return sd.OutputStream(samplerate=self.sample_rate, channels=1, dtype="float32",
                               callback=self._callback)

    def _callback(self, out, frames, _time, _status) -> None:
        with self._lock:
            chunk = self.samples[self._cursor:self._cursor + frames]
            self._cursor += frames
        out[:len(chunk), 0] = chunk
        out[len(chunk):, 0] = 0.0

    def time(self) -> float:
        if self._stream is not None:
            with self._lock:
                return self._cursor / self.sample_rate
        if self._wall_start is None:
            return self._wall_t0
        return self._wall_t0 + (time.monotonic() - self._wall_start)

    def stop(self) -> None:
        self.playing = False
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # a device that vanished mid-play: nothing left to stop
                pass
        self._wall_start = None


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:80]
