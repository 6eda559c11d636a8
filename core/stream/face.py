"""One frame of face for a stream: the 52 ARKit weights plus head and eye rotation.

The blendshapes are exactly the ones `render --curves` writes (core.curves.arkit_weights of the
frame's AUs), so a receiver sees the same numbers as the curve file. Head rotation and gaze are
read from what the frame carries (`Frame.info["head"]`, degrees yaw/pitch/roll in the rig's
convention: +yaw turns to the subject's right, +pitch is chin down, +roll drops the subject's
left side; `Frame.info["gaze"]`, iris shift in IPD, x to the subject's left, y down); a frame
without them streams a still head and centred eyes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from core.body import IRIS_IPD_PER_DEG
from core.curves import ARKIT_52, arkit_weights


@dataclass(frozen=True)
class FaceSample:
    frame: int  # frame number: floor(time * fps)
    time: float  # seconds from the start of the audio
    fps: int
    shapes: tuple[float, ...]  # 52 weights in ARKIT_52 order, 0..1
    head: tuple[float, float, float] = (0.0, 0.0, 0.0)  # yaw, pitch, roll, degrees (rig axes)
    eyes: tuple[float, float] = (0.0, 0.0)  # eye yaw (to the subject's left), pitch (down), deg

    @property
    def sub_frame(self) -> float:
        return round(max(0.0, self.time * self.fps - self.frame), 6)

    def shape_dict(self) -> dict[str, float]:
        return dict(zip(ARKIT_52, self.shapes))


def has_face_data(frame) -> bool:
    """Whether a core.engine.Frame carries AUs or a head pose to stream: the diffusion engine's
    frames carry neither (pixels only), and streamed they were 52 zeros and a still head."""
    return bool(frame.aus) or "head" in (getattr(frame, "info", None) or {})


def face_sample(frame, fps: int) -> FaceSample:
    """A core.engine.Frame -> FaceSample."""
    kit = arkit_weights(frame.aus)
    info = getattr(frame, "info", None) or {}
    head = tuple(float(v) for v in info.get("head", (0.0, 0.0, 0.0)))[:3]
    gaze = tuple(float(v) for v in info.get("gaze", (0.0, 0.0)))[:2]
    per_deg = IRIS_IPD_PER_DEG  # the unit a mix's gaze in degrees is drawn with
    # a take may start mid-frame (--start 0.5 at 25 fps): floor plus a sub-frame keeps every
    # frame's number distinct and its time exact (Live Link's FQualifiedFrameTime)
    number = math.floor(frame.time * fps + 1e-6)
    return FaceSample(frame=number, time=float(frame.time), fps=int(fps),
                      shapes=tuple(kit[n] for n in ARKIT_52),
                      head=head if len(head) == 3 else (0.0, 0.0, 0.0),
                      eyes=(gaze[0] / per_deg, gaze[1] / per_deg) if len(gaze) == 2 else (0.0, 0.0))


def arkit_head_radians(sample: FaceSample) -> tuple[float, float, float]:
    """Head (yaw, pitch, roll) in ARKit's face-anchor axes (x to the subject's left, y up, z out
    of the face; right-handed), radians: +yaw turns to the subject's left, +pitch is chin down,
    +roll tilts the crown to the subject's right. Live Link Face sends these as HeadYaw/Pitch/
    Roll curves."""
    yaw, pitch, roll = sample.head
    return math.radians(-yaw), math.radians(pitch), math.radians(-roll)


def arkit_eye_radians(sample: FaceSample) -> tuple[float, float, float]:
    """Eye (yaw, pitch, roll) in the same axes as arkit_head_radians (both eyes move together)."""
    yaw, pitch = sample.eyes
    return math.radians(yaw), math.radians(pitch), 0.0
