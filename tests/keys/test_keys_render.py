"""A keyed take on the real rig engine: the first key's emotion shows early, the second's late
(measured on Face Mesh landmarks of the rendered frames), and the curve export matches the AUs
that drove each rendered frame."""
from __future__ import annotations

import numpy as np
import pytest

from core.audio.io import load_audio
from core.curves import CurveWriter, read_curves
from core.engine import RenderJob
from core.engines import create_engine
from core.face.landmarks import detect_face
from core.keyframes import Key, KeyTrack
from core.mix import EmotionMix

CORNERS = [61, 291]
UPPER_LIP, LOWER_LIP = 13, 14
INNER_BROWS = [107, 336]
EYES = [468, 473]
EYE_CORNERS = [33, 133, 362, 263]


@pytest.fixture(scope="module")
def engine():
    try:
        import core.rig.engine  # noqa: F401
    except ImportError as e:  # the rig's renderer lands in parts during development
        pytest.skip(f"rig engine not importable yet: {e}")
    return create_engine("rig")


@pytest.fixture(scope="module")
def job(engine, portrait, speech_wav):
    track = KeyTrack([Key(0.0, EmotionMix.from_preset("happy"), "ease-in-out"),
                      Key(1.5, EmotionMix.from_preset("happy"), "ease-in-out"),
                      Key(3.0, EmotionMix.from_preset("sad"))])
    return RenderJob(portrait=engine.prepare(portrait), audio=load_audio(speech_wav),
                     keys=track, fps=25, size=384)


def _shape(image) -> dict[str, float]:
    """Corner height above the lip centre and inner-brow height, in IPD (image y down). The brows
    are measured from the eye corners, not the irises: sad also looks down (core/body.py)."""
    p = detect_face(image).xy
    ipd = float(np.linalg.norm(p[EYES[0]] - p[EYES[1]]))
    eye_y = p[EYE_CORNERS, 1].mean()
    lip_y = p[[UPPER_LIP, LOWER_LIP], 1].mean()
    return {"corner_lift": float(lip_y - p[CORNERS, 1].mean()) / ipd,
            "brow_height": float(eye_y - p[INNER_BROWS, 1].mean()) / ipd}


def test_first_emotion_early_second_late(engine, job):
    # Frames in pauses of the speech (mouth at rest): 0.4 s (happy) and the last frame (sad).
    early = engine.render_frame(job, 10)
    late = engine.render_frame(job, job.frame_count() - 3)
    assert early.gates.argmax() == 0 and late.gates.argmax() == 1
    assert early.aus.get(12, 0) > 0.5 and late.aus.get(15, 0) > 0.5
    e, s = _shape(early.image), _shape(late.image)
    assert e["corner_lift"] - s["corner_lift"] > 0.03  # smiling corners early, turned down late
    assert s["brow_height"] - e["brow_height"] > 0.01  # AU1 raises the inner brows when sad


def test_curves_match_rendered_aus(engine, job, tmp_path):
    path = tmp_path / "take.csv"
    aus = []
    with CurveWriter(path, job.fps) as w:
        for frame in engine.frames(job):
            w.write(frame)
            aus.append(frame.aus)
    names, rows = read_curves(path)
    assert len(rows) == job.frame_count() == len(aus)
    assert "AU12" in names and "jawOpen" in names and "mouthSmileLeft" in names
    for col in ("AU12", "AU15", "AU26", "AU45"):
        au = int(col[2:])
        got = np.array([r[names.index(col)] for r in rows])
        want = np.array([a.get(au, 0.0) for a in aus])
        np.testing.assert_allclose(got, want, atol=1e-4)
    smile = np.array([r[names.index("mouthSmileLeft")] for r in rows])
    assert smile[:25].mean() > 0.5 and smile[-10:].mean() < 0.1
    assert np.ptp([r[names.index("jawOpen")] for r in rows]) > 0.1  # speech moves the jaw
