"""Unreal Live Link Face: the UDP packet the iPhone Live Link Face app sends.

Layout (network byte order), as serialised by Unreal's LiveLinkFace / AppleARKit face support
(`FNboSerializeToBuffer`) and read back by public re-implementations we checked it against:
JimWest/PyLiveLinkFace (`pylivelinkface.py`, encode/decode) and aelzeiny/Animoji (`livelink.py`,
a parser of the UE5 stream):

    uint8   packet version = 6
    int32   length, then that many UTF-8 bytes: device id
    int32   length, then that many UTF-8 bytes: subject name
    int32   frame number      } FQualifiedFrameTime
    float32 sub-frame         }
    int32   frame rate numerator, int32 denominator
    uint8   curve count = 61
    61 x float32: the 52 ARKit blendshapes in ARFaceAnchor.BlendShapeLocation order, then
            HeadYaw, HeadPitch, HeadRoll, LeftEyeYaw, LeftEyePitch, LeftEyeRoll,
            RightEyeYaw, RightEyePitch, RightEyeRoll

(PyLiveLinkFace writes the version as a little-endian uint32 followed by a 37-character
'$'+uuid: the same bytes, since 0x00 0x00 0x00 '$' is the big-endian length 36.)
Head and eye angles are sent in radians in ARKit's face axes (core.stream.face).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from core.curves import ARKIT_52
from core.stream.face import FaceSample, arkit_eye_radians, arkit_head_radians

VERSION = 6
EXTRA_CURVES: tuple[str, ...] = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw",
                                 "LeftEyePitch", "LeftEyeRoll", "RightEyeYaw", "RightEyePitch",
                                 "RightEyeRoll")
CURVES: tuple[str, ...] = (*ARKIT_52, *EXTRA_CURVES)
_TIME = struct.Struct(">ifii")
_VALUES = struct.Struct(f">B{len(CURVES)}f")


def encode(sample: FaceSample, subject: str, device_id: str) -> bytes:
    head = arkit_head_radians(sample)
    eye = arkit_eye_radians(sample)
    values = (*sample.shapes, *head, *eye, *eye)
    return b"".join((bytes([VERSION]), _string(device_id), _string(subject),
                     _TIME.pack(sample.frame, sample.sub_frame, sample.fps, 1),
                     _VALUES.pack(len(CURVES), *values)))


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack(">i", len(raw)) + raw


@dataclass(frozen=True)
class LiveLinkPacket:
    version: int
    device_id: str
    subject: str
    frame: int
    sub_frame: float
    fps: tuple[int, int]  # numerator, denominator
    curves: dict[str, float]  # CURVES name -> value

    @property
    def time(self) -> float:
        return (self.frame + self.sub_frame) * self.fps[1] / self.fps[0]


def decode(data: bytes) -> LiveLinkPacket:
    """Parse one packet (tests, a local monitor); ValueError on anything malformed."""
    try:
        version = data[0]
        if version != VERSION:
            raise ValueError(f"unsupported Live Link packet version {version}")
        at = 1
        device, at = _read_string(data, at)
        subject, at = _read_string(data, at)
        frame, sub, num, den = _TIME.unpack_from(data, at)
        at += _TIME.size
        count, *values = _VALUES.unpack_from(data, at)
        if count != len(CURVES) or at + _VALUES.size != len(data):
            raise ValueError(f"expected {len(CURVES)} curves and {at + _VALUES.size} bytes, got "
                             f"{count} curves and {len(data)} bytes")
    except (struct.error, IndexError, UnicodeDecodeError) as e:
        raise ValueError(f"malformed Live Link packet: {e}") from None
    return LiveLinkPacket(version, device, subject, frame, sub, (num, den),
                          dict(zip(CURVES, values)))


def _read_string(data: bytes, at: int) -> tuple[str, int]:
    (n,) = struct.unpack_from(">i", data, at)
    if n < 0 or at + 4 + n > len(data):
        raise ValueError(f"string length {n} runs past the packet")
    return data[at + 4:at + 4 + n].decode("utf-8"), at + 4 + n
