"""The VMC protocol (OSC over UDP; protocol.vmc.info, "Performer" to "Marionette"): one OSC
bundle per frame, built with python-osc.

    /VMC/Ext/OK 1                               model loaded
    /VMC/Ext/T <time>                           seconds since the take's start
    /VMC/Ext/Root/Pos "root" px py pz qx qy qz qw
    /VMC/Ext/Bone/Pos "Head" px py pz qx qy qz qw   (and "LeftEye", "RightEye")
    /VMC/Ext/Blend/Val <name> <value>           x 52, ARKit names: "Perfect Sync" models name
                                                their 52 clips after ARKit's shapes
    /VMC/Ext/Blend/Apply

Bone poses are local (relative to the parent bone) in Unity's left-handed axes: x to the
avatar's right, y up, z forward; quaternions as (x, y, z, w). Unity's Euler order (z, then x,
then y) gives q = q_y * q_x * q_z. With those axes a positive rotation about y turns the head to
the avatar's right, about x drops the chin, about z drops the avatar's left side: the rig's own
yaw/pitch/roll signs (core.stream.face), so head angles pass straight through.
"""
from __future__ import annotations

import math

from core.stream.face import FaceSample
from core.stream.tuning import STREAM

Quaternion = tuple[float, float, float, float]
IDENTITY: Quaternion = (0.0, 0.0, 0.0, 1.0)


def _osc():
    try:
        from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
        from pythonosc.osc_message_builder import OscMessageBuilder
    except ImportError:
        from core.errors import InputError
        raise InputError("VMC streaming needs python-osc: pip install python-osc") from None
    return IMMEDIATELY, OscBundleBuilder, OscMessageBuilder


def unity_euler(pitch: float, yaw: float, roll: float) -> Quaternion:
    """Unity's Quaternion.Euler(x=pitch, y=yaw, z=roll) in degrees -> (x, y, z, w)."""
    def axis(i: int, deg: float) -> Quaternion:
        h = math.radians(deg) / 2
        q = [0.0, 0.0, 0.0, math.cos(h)]
        q[i] = math.sin(h)
        return tuple(q)  # type: ignore[return-value]
    return _mul(_mul(axis(1, yaw), axis(0, pitch)), axis(2, roll))


def _mul(a: Quaternion, b: Quaternion) -> Quaternion:
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz)


def bones(sample: FaceSample) -> dict[str, tuple[tuple[float, float, float], Quaternion]]:
    """Bone name -> (local position, local rotation) for Head and the two eyes."""
    yaw, pitch, roll = sample.head
    eye_yaw, eye_pitch = sample.eyes
    # the rig's eye yaw is to the subject's left; Unity's +y turns to the avatar's right
    eye = unity_euler(eye_pitch, -eye_yaw, 0.0)
    return {"Head": (STREAM["vmc_head_offset"], unity_euler(pitch, yaw, roll)),
            "LeftEye": (STREAM["vmc_left_eye_offset"], eye),
            "RightEye": (STREAM["vmc_right_eye_offset"], eye)}


def encode(sample: FaceSample) -> bytes:
    immediately, Bundle, Message = _osc()
    bundle = Bundle(immediately)

    def add(address: str, *args) -> None:
        msg = Message(address)
        for a in args:
            msg.add_arg(a)
        bundle.add_content(msg.build())

    add("/VMC/Ext/OK", 1)
    add("/VMC/Ext/T", float(sample.time))
    add("/VMC/Ext/Root/Pos", "root", 0.0, 0.0, 0.0, *IDENTITY)
    for name, (pos, rot) in bones(sample).items():
        add("/VMC/Ext/Bone/Pos", name, *map(float, pos), *map(float, rot))
    for name, value in sample.shape_dict().items():
        add("/VMC/Ext/Blend/Val", name, float(value))
    add("/VMC/Ext/Blend/Apply")
    return bundle.build().dgram
