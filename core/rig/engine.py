"""The rig engine: MoEE on face landmarks, a dense warp and a rendered mouth, in real time on CPU."""
from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from core.engine import CancelToken, Engine, Frame, ProgressFn, RenderJob
from core.mix import EmotionMix
from core.rig.compose import FrameDrive, compose, onset
from core.rig.life import LifeTake
from core.rig.mouth import BONE_POINTS
from core.rig.portrait import PreparedPortrait, ScaledPortrait
from core.rig.pose import RigPose
from core.rig.speech_track import SpeechTrack
from core.track import EmotionTrack, TrackBuilder, neutral_row


@dataclass
class Tracks:
    """Audio-driven tracks for a whole take, indexed by absolute frame (time * fps); the speech
    drive and the life motion made a chunk at a time as frames ask for them
    (core/rig/speech_track.py SpeechTrack, core/rig/life.py LifeTake), so a frame late in a
    take costs what an early one does."""

    n: int
    speech_track: SpeechTrack | None  # None: a silent take
    life: LifeTake

    def drive(self, a: int) -> FrameDrive:
        a = min(max(a, 0), self.n - 1)
        blink, head, gaze = self.life.at(a)
        speech, activity, beside = ({}, 0.0, 0.0) if self.speech_track is None \
            else self.speech_track.at(a)
        return FrameDrive(speech=speech, activity=activity, blink=blink,
                          head=tuple(float(x) for x in head),
                          gaze=tuple(float(x) for x in gaze), beside=beside)

    @property
    def speech(self) -> dict[int, np.ndarray]:
        """The whole take's speech AUs, (n,) each (every chunk made: for tests and tools)."""
        return {} if self.speech_track is None else self.speech_track.frames(0, self.n)[0]


def build_tracks(audio, fps: int, n: int, seed: int) -> Tracks:
    speech = None if audio is None else SpeechTrack(audio, fps, n)
    return Tracks(n, speech, LifeTake(fps, None if speech is None else speech.energy, seed))


# the eyeballs' centres (the irises), then the mouth's bone points: they ride the head's turn
_RIDERS = [468, 473, *BONE_POINTS]
TRACK_BLOCK = 250  # frames of emotion track resolved at a time (10 s at 25 fps)


class RigEngine(Engine):
    name = "rig"

    def __init__(self):
        self._tracks_key = None
        self._tracks: Tracks | None = None
        self.builder = TrackBuilder()

    # ----- Engine interface
    def prepare(self, image: np.ndarray) -> PreparedPortrait:
        return PreparedPortrait(image)

    def frames(self, job: RenderJob, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> Iterator[Frame]:
        job.validate()
        total = job.frame_count()
        # blocks: memory stays flat and the first frame comes soon
        for start in range(0, total, TRACK_BLOCK):
            for frame in self.frame_range(job, start, min(start + TRACK_BLOCK, total), cancel):
                yield frame
                if progress is not None:
                    progress(frame.index + 1, total)

    def frame_range(self, job: RenderJob, start: int, stop: int,
                    cancel: CancelToken | None = None) -> Iterator[Frame]:
        """Frames start..stop-1 of `job` (`frames` renders a take as such blocks, and so does a
        parallel export in two processes, core/video/parallel.py)."""
        sp = job.portrait.at_size(job.size)
        tracks = self.tracks(job)
        emotion = self.emotion_track(job, range(start, stop))
        for k, i in enumerate(range(start, stop)):
            if cancel is not None:
                cancel.raise_if_cancelled()
            yield self._frame(job, sp, tracks, emotion, k, i)

    # a prepared portrait travels to another process as its image, Face Mesh analysis and the
    # render state of the job's size (~2.4 MB at 512 px); with a job, the take's speech and life
    # tracks too. Rebuilt there they cost ~0.5 s of CPU (render state 0.2 s, tracks 0.3 s),
    # the motion model is rebuilt (0.08 s, without MediaPipe)
    def portable(self, portrait: PreparedPortrait, job: RenderJob | None = None):
        tracks = None
        if job is not None:
            portrait.at_size(job.size)
            tracks = self.tracks(job)
            first = int(round(job.start * job.fps))
            tracks.life.frames(first, first + job.frame_count())  # made here, travel made
            if tracks.speech_track is not None:
                tracks.speech_track.frames(first, first + job.frame_count())
        return portrait.image, portrait.analysis, portrait.scaled_states(), tracks

    def from_portable(self, state, job: RenderJob | None = None) -> PreparedPortrait:
        image, analysis, sizes, tracks = state
        portrait = PreparedPortrait(image, analysis, sizes)
        if job is not None and tracks is not None:
            self._tracks, self._tracks_key = tracks, self._tracks_id(job)
        return portrait

    def render_frame(self, job: RenderJob, index: int) -> Frame:
        job.validate()
        return self._frame(job, job.portrait.at_size(job.size), self.tracks(job),
                           self.emotion_track(job, [index]), 0, index)

    def emotion_track(self, job: RenderJob, indices) -> EmotionTrack:
        """The job's emotion resolved once for frames `indices` (core/track.py)."""
        return self.builder.for_job(job, list(indices), onset)

    def gate_curve(self, mixes: list[EmotionMix], times: np.ndarray) -> np.ndarray:
        """The g the rig's frames use: the track's, with the take's onset (core/rig/compose.py)."""
        return self.builder.rendered_gates(mixes, times, onset)

    def warm_up(self, portrait: PreparedPortrait) -> None:
        """Nothing to load: the rig's frames run the experts in closed form (numpy,
        core/rig/moe_rig.py); torch, ~1.5 s of CPU, stays unloaded unless the torch module is
        asked for (its tests, training)."""

    def render_pose(self, portrait: PreparedPortrait, pose: RigPose, size: int,
                    activity: float = 0.0) -> np.ndarray:
        """Render one pose directly (live mode): pose.aus are speech AUs, pose.head/gaze/blink the
        life motion, pose.emotion the frame's track row (or pose.gates alone). Fills
        pose.final_aus."""
        row = pose.emotion if pose.emotion is not None else neutral_row(pose.gates)
        drive = FrameDrive(speech=dict(pose.aus), activity=activity, blink=pose.blink,
                           head=pose.head, gaze=pose.gaze)
        full, emotion = compose(portrait.motion, row, drive)
        pose.final_aus = full.final_aus
        return self._draw(portrait, portrait.at_size(size), full, emotion)

    # ----- internals
    def tracks(self, job: RenderJob) -> Tracks:
        key = self._tracks_id(job)
        if key != self._tracks_key:
            self._tracks = build_tracks(job.audio, job.fps, key[-1], job.seed)
            self._tracks_key = key
        return self._tracks

    @staticmethod
    def _tracks_id(job: RenderJob) -> tuple:
        start, end = job.time_range()
        n = max(1, int(math.ceil((job.audio.duration if job.audio is not None else end)
                                 * job.fps)))
        return id(job.audio), job.fps, job.seed, n

    def _frame(self, job: RenderJob, sp: ScaledPortrait, tracks: Tracks, emotion: EmotionTrack,
               row: int, i: int) -> Frame:
        t = job.frame_time(i)
        drive = tracks.drive(int(round(t * job.fps)))
        pose, moved = compose(job.portrait.motion, emotion.row(row), drive)
        info: dict = {"activity": drive.activity, "head": pose.head, "gaze": pose.gaze}
        image = self._draw(job.portrait, sp, pose, moved, info)
        return Frame(index=i, time=t, image=image, aus=pose.final_aus, gates=pose.gates,
                     info=info)

    @staticmethod
    def _draw(portrait: PreparedPortrait, sp: ScaledPortrait, pose: RigPose,
              emotion: np.ndarray, info: dict | None = None) -> np.ndarray:
        motion = portrait.motion
        d_ipd = motion.displacement(pose, emotion)
        d_px = motion.to_pixels(d_ipd, sp.scale)
        deformed = sp.rest_xy + d_px
        if info is not None:
            info["landmarks"] = deformed.copy()  # output px
            info["landmarks_ipd"] = motion.P + d_ipd  # face frame, size independent
        pins = None if motion.rims is None else motion.to_pixels(
            motion.pin_displacement(pose.head), sp.scale)
        # a rest smile's creases and a laugh's eye lines taken away at rest, then moved; the
        # lid reveal paints over the stretched lid skin after
        source = sp.unsmile.source(sp.image, sp.rest_xy, pose.smile_taken, pose.cheek_taken)
        image = sp.warper.warp(source, d_px, pins)
        image = sp.lids.apply(image, deformed, pins)
        image = sp.shading.apply(image, pose.final_aus, deformed)
        # each eyeball rides with the skull (the head's motion at its centre), not with the eye
        # corners the expression moves; the iris adds gaze. The teeth ride the skull's and the
        # jaw's bone points: all of them under the head's turn in one call
        skull_px = motion.to_pixels(
            motion.head_displacement(motion.P[_RIDERS], pose.head, _RIDERS), sp.scale)
        image = sp.eyes.composite(
            image, deformed, gaze_px=motion.to_pixels(np.asarray(pose.gaze, np.float32), sp.scale),
            skull_px=skull_px[:2])
        chin = None if pose.chin_raise is None else motion.to_pixels(
            np.asarray(pose.chin_raise, np.float32)[None], sp.scale)[0]
        return sp.mouth.composite(image, deformed, pose.smile_taken, chin, skull_px[2:])
