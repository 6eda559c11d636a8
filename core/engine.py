"""The one interface the GUI and CLI talk to. Engines: rig (CPU, real time) and diffusion (GPU).

Usage:
    engine = create_engine("rig")           # core/engines.py
    portrait = engine.prepare(load_image(path))          # cached per image
    job = RenderJob(portrait=portrait, audio=load_audio(wav), mix=mix, fps=25, size=512)
    for frame in engine.frames(job, progress=cb, cancel=token):
        writer.write(frame.image)
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from core.errors import Cancelled, InputError
from core.mix import EmotionMix


class CancelToken:
    """Thread-safe cancel flag shared by a job's producer and whoever may cancel it."""

    def __init__(self):
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class MixTrack(Protocol):
    """Anything that gives the emotion condition at a time (keyframe tracks implement this)."""

    def mix_at(self, t: float) -> EmotionMix: ...


@dataclass
class RenderJob:
    """What to render. `portrait` is what `Engine.prepare` returned; `audio` is a core.audio track
    (or None for a silent clip of `duration` seconds)."""

    portrait: Any
    audio: Any = None
    mix: EmotionMix = field(default_factory=EmotionMix)
    keys: MixTrack | None = None  # when set, overrides `mix` over time
    fps: int = 25
    size: int = 512  # longest output side in pixels
    start: float = 0.0  # seconds into the audio
    duration: float | None = None  # seconds; None = to the end of the audio
    seed: int = 0
    # Emotion-to-Latents reads the emotion from the speech (its audio branch): the diffusion
    # engine feeds that latent to the experts; the CLI resolves the rig's gates from it up front
    emotion_from_audio: bool = False

    def mix_at(self, t: float) -> EmotionMix:
        return self.keys.mix_at(t) if self.keys is not None else self.mix

    def validate(self) -> None:
        from core import validate

        validate.fps(self.fps)
        validate.size(self.size)
        validate.number(self.start, "--start (seconds)", 0.0)
        validate.seed(self.seed)
        if self.duration is not None and validate.number(
                self.duration, "--duration", hi=validate.MAX_TAKE_S) <= 0:
            raise InputError(f"--duration must be > 0 seconds, got {self.duration}")
        total = self.audio_duration()
        if total is not None and self.start >= total:
            end = validate.seconds_beside(self.start, total)
            where = "at" if self.start == total else "past"
            raise InputError(f"--start {validate.show_number(self.start)}s is {where} the end of "
                             f"the audio ({end}s)")
        if total is None and self.duration is None:
            raise InputError("a render without audio needs a --duration")

    def audio_duration(self) -> float | None:
        return None if self.audio is None else float(self.audio.duration)

    def time_range(self) -> tuple[float, float]:
        """(start, end) in seconds of the rendered range."""
        total = self.audio_duration()
        end = total if total is not None else self.start + (self.duration or 0.0)
        if self.duration is not None:
            end = min(end, self.start + self.duration)
        return self.start, end

    def frame_count(self) -> int:
        start, end = self.time_range()
        return max(1, int(round((end - start) * self.fps)))

    def frame_time(self, index: int) -> float:
        return self.start + index / self.fps


@dataclass
class Frame:
    index: int
    time: float  # seconds from the start of the audio
    image: np.ndarray  # H x W x 3 uint8 RGB
    aus: dict[int, float] = field(default_factory=dict)  # AU intensities that drove this frame
    gates: np.ndarray | None = None  # the global gate g used (6,)
    info: dict[str, Any] = field(default_factory=dict)  # engine-specific extras (e.g. visemes)


ProgressFn = Callable[[int, int], None]  # (frames done, frames total)


class Engine(ABC):
    name: str = "engine"

    @abstractmethod
    def prepare(self, image: np.ndarray) -> Any:
        """Analyse a portrait (RGB uint8) once; the result goes into RenderJob.portrait."""

    @abstractmethod
    def frames(self, job: RenderJob, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> Iterator[Frame]:
        """Yield the job's frames in order; raise core.errors.Cancelled when cancelled."""

    def render_frame(self, job: RenderJob, index: int, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None) -> Frame:
        """One frame of the job (preview scrubbing): the frames up to it are rendered, with
        progress(done, index + 1) and `cancel` as in frames(). Engines may override for speed
        (without the progress and cancel of a frame that is quick)."""
        report = None if progress is None else \
            (lambda done, _total: progress(min(done, index + 1), index + 1))
        for frame in self.frames(job, progress=report, cancel=cancel):
            if frame.index == index:
                return frame
        raise IndexError(index)

    def gate_curve(self, mixes: list[EmotionMix], times: np.ndarray) -> np.ndarray:
        """g (T, 6) this engine renders for frames with these mixes at `times` (the GUI's gate
        curves). Default: the track's g without an ease-in (core/track.py)."""
        from core.track import TrackBuilder

        return TrackBuilder().rendered_gates(mixes, times)

    def warm_up(self, portrait: Any) -> None:
        """Load now, off the critical path, what later frames of `portrait` may need (the rig
        loads torch for its emotion experts only once a mix asks for them). Optional."""

    def speed_note(self, job: RenderJob) -> str | None:
        """A sentence for a take this engine would render far slower than real time here (the
        diffusion engine without a GPU), with how long; None when there is nothing to say.
        Once measure_speed() has run, it measures nothing again."""
        return None

    def measure_speed(self) -> None:
        """Measure now, once, what speed_note and speed_line tell (the diffusion engine off a
        GPU runs a network pass: call it off the GUI thread). Nothing by default."""

    def speed_line(self) -> str | None:
        """One line for a status bar when this engine renders far slower than real time here,
        from measure_speed's measure (never measuring); None when there is nothing to say."""
        return None

    def describe(self) -> dict[str, str]:
        """Engine and device names for the status bar and `main.py doctor`."""
        return {"engine": self.name, "device": "CPU"}
