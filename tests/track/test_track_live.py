"""Live mode keeps the whole mix: AU toggles and region gates reach the rendered face (before the
track builder, the live palette kept only the gates and dropped both)."""
from __future__ import annotations

import pytest

from core.audio.io import load_audio
from core.body import POSTURE
from core.engines import create_engine
from core.face.landmarks import detect_face
from core.face.regions import ipd as face_ipd
from core.live.emotion_controls import LivePalette
from core.live.session import LiveSession
from core.live.sources import FileSource
from core.mix import EmotionMix

CORNERS = [61, 291]
UPPER_LIP, LOWER_LIP = 13, 14


@pytest.fixture(scope="module")
def rig(portrait):
    engine = create_engine("rig")
    return engine, engine.prepare(portrait)


def live_last_frame(rig, silence_wav, mix: EmotionMix):
    """The last frame of 1.2 s of live session on silence (the gates glide in with a 0.25 s lag)."""
    engine, portrait = rig
    frames = []
    session = LiveSession(engine, portrait, FileSource(load_audio(silence_wav).slice(0.0, 1.2), speed=0),
                          size=256, palette=LivePalette(mix), on_frame=frames.append)
    session.run()
    return frames[-1]


def mouth(image) -> dict[str, float]:
    """Corner lift above the lip centre and lip opening, in IPD (image y down)."""
    p = detect_face(image).xy
    ipd = float(face_ipd(p))
    lip_y = p[[UPPER_LIP, LOWER_LIP], 1].mean()
    return {"lift": float(lip_y - p[CORNERS, 1].mean()) / ipd,
            "open": float(p[LOWER_LIP, 1] - p[UPPER_LIP, 1]) / ipd}


def test_live_au_toggles_and_region_gates_show(rig, silence_wav):
    happy = live_last_frame(rig, silence_wav, EmotionMix.from_preset("happy"))
    no_smile = live_last_frame(rig, silence_wav,
                               EmotionMix.from_preset("happy", au_overrides={12: 0.0}))
    sad = live_last_frame(rig, silence_wav, EmotionMix.from_preset("sad"))
    sad_eyes_only = live_last_frame(rig, silence_wav, EmotionMix.from_preset(
        "sad", local_gates={"mouth": (0.0,) * 6, "jaw": (0.0,) * 6}))
    jaw = live_last_frame(rig, silence_wav, EmotionMix(au_overrides={26: 1.0}))
    rest = live_last_frame(rig, silence_wav, EmotionMix())
    # sad's body language (head down, core/body.py) moves the whole head, which no region gate
    # covers, and a 4-degree nod alone lifts the projected corners ~0.02 IPD: the gated sad is
    # compared with the rest face in the same posture
    sad_posture = POSTURE["sad"]
    rest_sad_posture = live_last_frame(rig, silence_wav, EmotionMix(
        head=tuple(sad_posture[k] for k in ("yaw", "pitch", "roll")),
        gaze=(sad_posture["gaze_x"], sad_posture["gaze_y"])))

    assert happy.aus[12] > 0.9 and 12 not in no_smile.aus and jaw.aus[26] == 1.0
    m = {k: mouth(f.image) for k, f in [("happy", happy), ("no_smile", no_smile), ("sad", sad),
                                         ("sad_eyes_only", sad_eyes_only), ("jaw", jaw),
                                         ("rest", rest), ("rest_sad_posture", rest_sad_posture)]}
    print({k: {a: round(b, 3) for a, b in v.items()} for k, v in m.items()})
    assert m["happy"]["lift"] - m["no_smile"]["lift"] > 0.02  # the muted smile is gone
    # sad turns the corners down; gated off the mouth and jaw, the corners stay near rest
    assert m["sad_eyes_only"]["lift"] - m["sad"]["lift"] > 0.02
    assert abs(m["sad_eyes_only"]["lift"] - m["rest_sad_posture"]["lift"]) < 0.02
    # ... and the lips as far apart as at rest: sad's lip press stays off with its mouth gate
    # (0.112 against 0.171 when the press still closed them, compose.py mixed_aus)
    assert abs(m["sad_eyes_only"]["open"] - m["rest_sad_posture"]["open"]) < 0.02
    assert m["jaw"]["open"] - m["rest"]["open"] > 0.05  # the forced AU26 drops the jaw
