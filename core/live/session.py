"""The live loop: audio blocks -> SpeechTracker -> mouth AUs + palette gates + life motion ->
RigEngine.render_pose -> frame callback, with voice-to-mouth latency per frame.

Latency of frame k = (time its image is ready) - (arrival time of the audio sample at k / fps).
It contains everything a viewer sees: the audio block's wait, the tracker's look-ahead (about
80 ms at 25 fps, core/audio/stream.py), and the compute. When the loop falls behind, it renders
only the newest finished frame (the others count as skipped), so latency cannot pile up.
Memory is bounded: the ring buffer, the arrival log and the statistics all have fixed sizes.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from core.engine import Frame
from core.live.emotion_controls import LivePalette, VoiceEmotion
from core.live.sources import AudioSource
from core.live.tuning import LIVE
from core.validate import counted


class RollingStats:
    """The last `window` values (fixed memory) plus a running count and maximum."""

    def __init__(self, window: int = LIVE["stats_window"]):
        self.values = np.zeros(int(window), np.float64)
        self.count = 0
        self.max = 0.0

    def add(self, v: float) -> None:
        self.values[self.count % len(self.values)] = v
        self.count += 1
        self.max = max(self.max, v)

    def recent(self) -> np.ndarray:
        return self.values[:min(self.count, len(self.values))]

    def summary(self) -> dict[str, float]:
        r = self.recent()
        if not len(r):
            return {"median": float("nan"), "p95": float("nan"), "max": float("nan")}
        return {"median": float(np.median(r)), "p95": float(np.percentile(r, 95)),
                "max": float(self.max)}


@dataclass
class LiveStats:
    frames: int = 0  # rendered
    skipped: int = 0  # finished by the tracker but not rendered (the loop was behind)
    audio_s: float = 0.0
    latency_ms: RollingStats = field(default_factory=RollingStats)  # voice to mouth
    compute_ms: RollingStats = field(default_factory=RollingStats)  # tracker + render per frame
    algorithmic_ms: float = 0.0  # the tracker's look-ahead alone
    overruns: int = 0  # audio samples lost because the loop fell more than the ring behind

    def report(self) -> str:
        lat, comp = self.latency_ms.summary(), self.compute_ms.summary()
        # seconds to 10 ms, a live block: "over 0.0 s of audio" for 0.03 s
        return (f"{counted(self.frames, 'frame')} ({self.skipped} skipped) over "
                f"{self.audio_s:.2f} s of audio; voice-to-mouth latency median "
                f"{lat['median']:.0f} ms, p95 {lat['p95']:.0f} ms, max {lat['max']:.0f} ms "
                f"(tracker look-ahead {self.algorithmic_ms:.0f} ms); compute per frame median "
                f"{comp['median']:.1f} ms, p95 {comp['p95']:.1f} ms")


class LatestFrame:
    """A one-slot mailbox: the loop puts, a GUI timer takes (no signal per frame)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._frame: Frame | None = None

    def put(self, frame: Frame) -> None:
        with self._lock:
            self._frame = frame

    def take(self) -> Frame | None:
        with self._lock:
            frame, self._frame = self._frame, None
        return frame


class LiveSession:
    """Run with `run(seconds)` (blocking; call `stop()` from another thread to end it)."""

    def __init__(self, engine, portrait, source: AudioSource, fps: int = LIVE["fps"],
                 size: int = LIVE["size"], palette: LivePalette | None = None,
                 on_frame: Callable[[Frame], None] | None = None, seed: int = 0):
        from core.audio.stream import SpeechTracker
        from core.rig.life import LifeTracker

        self.engine, self.portrait, self.source = engine, portrait, source
        self.fps, self.size = int(fps), int(size)
        self.palette = palette or LivePalette()
        self.on_frame = on_frame
        self.taps: list[Callable[[Frame], None]] = []  # more frame listeners (e.g. a stream)
        self.tracker = SpeechTracker(source.sample_rate, self.fps)
        self.life = LifeTracker(self.fps, seed)
        self.voice = VoiceEmotion(source.sample_rate, self.palette)
        self.stats = LiveStats(algorithmic_ms=1000 * self.tracker.latency_s)
        self._arrivals: deque[tuple[int, float]] = deque(maxlen=4096)
        self._next_frame = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self, seconds: float | None = None, cancel=None) -> LiveStats:
        """Render as the audio comes, until `seconds` of it, its end, stop() or `cancel` (a
        CancelToken: the command's recorded Ctrl+C or SIGTERM, checked each turn, for the
        KeyboardInterrupt a signal raises can be lost inside a finalizer, and with --loop the
        run then never ended)."""
        with self.source:
            while not self._stop.is_set():
                if cancel is not None:
                    cancel.raise_if_cancelled()
                if seconds is not None and self.stats.audio_s >= seconds:
                    self._finish()
                    break
                if not self.poll() and self.source.finished:
                    self._finish()
                    break
        self.stats.overruns = self.source.ring.overruns
        return self.stats

    def _finish(self) -> None:
        """The end of the audio: the frames the tracker's look-ahead still holds come out, up
        to the last frame whose time lies inside the audio (ceil(seconds x fps) in all; the
        silence the flush pads with would add one more past the end)."""
        want = math.ceil(self.stats.audio_s * self.fps - 1e-6) - self._next_frame
        self._frames(self.tracker.flush()[:max(want, 0)], time.perf_counter())

    def poll(self) -> bool:
        """Take the audio that arrived and render the newest finished frame; False if none."""
        x, _, arrivals = self.source.read()
        if not len(x):
            return False
        t0 = time.perf_counter()
        self._arrivals.extend(arrivals)
        self.stats.audio_s += len(x) / self.source.sample_rate
        self.voice.push(x)
        self._frames(self.tracker.push(x), t0)
        return True

    def _frames(self, finished: list[dict[int, float]], t0: float) -> None:
        emotion = self.palette.block(len(finished), 1.0 / self.fps)
        for k, speech in enumerate(finished):
            pose = self._pose(speech, emotion.row(k))
            index = self._next_frame
            self._next_frame += 1
            if k < len(finished) - 1:
                self.stats.skipped += 1
                continue
            self._render(index, pose, t0)

    def _pose(self, speech: dict[int, float], row):
        from core.rig.pose import RigPose

        energy = _frame_energy(self.tracker)
        blink, head, gaze = self.life.step(energy)
        return RigPose(aus=dict(speech), head=tuple(float(v) for v in head),
                       gaze=tuple(float(v) for v in gaze), blink=float(blink), gates=row.g,
                       emotion=row)

    def _render(self, index: int, pose, t0: float) -> None:
        image = self.engine.render_pose(self.portrait, pose, self.size,
                                        activity=self.tracker.activity)
        done = time.perf_counter()
        latency = done - self._arrival(int(round(index * self.source.sample_rate / self.fps)))
        self.stats.frames += 1
        self.stats.compute_ms.add(1000 * (done - t0))
        self.stats.latency_ms.add(1000 * latency)
        frame = Frame(index=index, time=index / self.fps, image=image,
                      aus=dict(pose.final_aus), gates=pose.gates,
                      info={"latency_ms": 1000 * latency, "emotion": self.palette.describe(),
                            "head": pose.head, "gaze": pose.gaze})
        for listener in (self.on_frame, *self.taps):
            if listener is not None:
                listener(frame)

    def _arrival(self, sample: int) -> float:
        """When `sample` came in: its block is stamped as it ends (a microphone's callback runs
        once the block is recorded), so a sample short of the end came that much earlier. The
        block's stamp alone made every frame a block late sooner (75 ms median with an 80 ms
        look-ahead). Older blocks are forgotten."""
        while len(self._arrivals) > 1 and self._arrivals[0][0] <= sample:
            self._arrivals.popleft()
        if not self._arrivals:
            return time.perf_counter()
        end, stamp = self._arrivals[0]
        return stamp - max(end - sample, 0) / self.source.sample_rate


def _frame_energy(tracker) -> float:
    """Loudness of the tracker's last frame (0..1) for the life motion's talk envelope."""
    return float(tracker.energy)
