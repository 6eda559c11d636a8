"""Audio sources for live mode: a microphone, or a file played at real-time pace (tests, demos).

Both fill a `RingBuffer` from their own thread (the PortAudio callback, or a pacing thread) and
stamp every block with its arrival time (time.perf_counter), so the session can measure voice-to-
mouth latency per frame. `read()` never blocks for long.
"""
from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from core.errors import NoMicrophoneError
from core.live.tuning import LIVE


class RingBuffer:
    """Fixed-size float32 FIFO: one writer thread, one reader. Overruns drop the oldest audio."""

    def __init__(self, capacity: int):
        self.data = np.zeros(int(capacity), np.float32)
        self.written = 0  # samples ever written
        self.read_pos = 0  # samples ever read
        self.overruns = 0  # samples dropped because the reader fell behind
        self._arrivals: deque[tuple[int, float]] = deque(maxlen=1024)  # (end sample, time)
        self._lock = threading.Lock()
        self.ready = threading.Event()

    def write(self, x: np.ndarray, arrival: float | None = None) -> None:
        x = np.asarray(x, np.float32).reshape(-1)
        skip = max(len(x) - len(self.data), 0)  # a block longer than the ring keeps its tail
        x = x[skip:]
        n, cap = len(x), len(self.data)
        with self._lock:
            self.written += skip
            i = self.written % cap
            first = min(n, cap - i)
            self.data[i:i + first] = x[:first]
            self.data[:n - first] = x[first:]
            self.written += n
            if self.written - self.read_pos > cap:
                self.overruns += self.written - cap - self.read_pos
                self.read_pos = self.written - cap
            self._arrivals.append((self.written, time.perf_counter() if arrival is None
                                   else arrival))
        self.ready.set()

    def read(self) -> tuple[np.ndarray, int, list[tuple[int, float]]]:
        """(new samples, index of the first, [(end sample, arrival time)] of their blocks)."""
        with self._lock:
            start, end, cap = self.read_pos, self.written, len(self.data)
            idx = np.arange(start, end) % cap
            out = self.data[idx].copy()
            arrivals = [a for a in self._arrivals if a[0] > start]
            self.read_pos = end
            self.ready.clear()
        return out, start, arrivals


class AudioSource:
    """Base: `start()`, `read()`, `stop()`; `finished` once a file source has played out."""

    sample_rate: int = LIVE["sample_rate"]

    def __init__(self, sample_rate: int = LIVE["sample_rate"]):
        self.sample_rate = int(sample_rate)
        self.ring = RingBuffer(int(LIVE["ring_s"] * self.sample_rate))
        self.finished = False

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def read(self, timeout: float = 0.05):
        """Wait up to `timeout` s for audio; see RingBuffer.read."""
        self.ring.ready.wait(timeout)
        return self.ring.read()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class FileSource(AudioSource):
    """Plays an AudioTrack into the ring in `block_s` blocks at `speed` x real time (0 = as fast
    as the reader takes it); `loop` repeats it (soak runs)."""

    def __init__(self, track, speed: float = 1.0, loop: bool = False,
                 block_s: float = LIVE["block_s"]):
        super().__init__(track.sample_rate)
        self.samples = np.asarray(track.samples, np.float32)
        self.speed, self.loop = float(speed), bool(loop)
        self.block = max(1, int(round(block_s * self.sample_rate)))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pos = 0

    def start(self) -> None:
        # startable again after a stop (the app probes a source with start/stop before use)
        self._stop.clear()
        self.finished = False
        if self.speed > 0:
            self._thread = threading.Thread(target=self._pace, name="live-file", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def read(self, timeout: float = 0.05):
        if self.speed <= 0:  # pull mode: one block per read, no pacing
            if not self._next_block():
                self.finished = True
            return self.ring.read()
        return super().read(timeout)

    def _pace(self) -> None:
        t0, blocks = time.perf_counter(), 0
        while not self._stop.is_set():
            blocks += 1
            delay = t0 + blocks * self.block / self.sample_rate / self.speed - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if not self._next_block():
                break
        self.finished = True
        self.ring.ready.set()

    def _next_block(self) -> bool:
        if self.pos >= len(self.samples):
            if not self.loop or not len(self.samples):
                return False
            self.pos = 0
        x = self.samples[self.pos:self.pos + self.block]
        self.pos += len(x)
        self.ring.write(x)
        return True


class MicrophoneSource(AudioSource):
    """The default input device through sounddevice (PortAudio), mono, 10 ms blocks."""

    def __init__(self, sample_rate: int = LIVE["sample_rate"], device=None):
        super().__init__(sample_rate)
        self.device = device
        self._stream = None

    def start(self) -> None:
        try:
            import sounddevice as sd
        except (ImportError, OSError) as e:
            raise NoMicrophoneError(f"no microphone support on this machine ({e}); "
                                    "use --input FILE to play a recording instead",
                                    f"no microphone support on this machine ({e})") from None
        try:
            sd.query_devices(self.device, kind="input")
            self._stream = sd.InputStream(
                samplerate=self.sample_rate, channels=1, dtype="float32", device=self.device,
                blocksize=int(LIVE["block_s"] * self.sample_rate), callback=self._callback)
            self._stream.start()
        except Exception as e:  # PortAudioError, ValueError: no device, busy, bad rate
            self._stream = None
            reason = f"no microphone found ({str(e).strip() or type(e).__name__})"
            raise NoMicrophoneError(f"{reason}; connect one, or use --input FILE to play a "
                                    "recording", reason) from None

    def _callback(self, indata, frames, time_info, status) -> None:
        self.ring.write(indata[:, 0])

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
