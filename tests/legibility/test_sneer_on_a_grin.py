"""A sneer on a toothy smile: the rest opening taken away closes the lips exactly once, so the
mix's own opening (disgust's raised upper lip) bares the teeth as it does on a closed mouth.

Two things had closed it twice: the rest fit's lip closure took the whole rest gap, though a
grin's raised upper lip (rest AU10) parts the lips too and is taken away with the smile; and
the experts' AU24, built on the open rest mouth, pressed that opening shut again on top of the
rest removal ("angrily disgusted" on six toothy smiles kept 0.003-0.005 IPD between the lips,
0.06-0.07 on closed-mouth faces)."""
import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.rig.au_basis import AUBasis
from core.rig.engine import RigEngine
from core.rig.rest import _LO_IN, _UP_IN, fit_rest, inner_gap
from tests.legibility.mixes import preset


@pytest.fixture(scope="module")
def hopper() -> np.ndarray:
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _openings(image: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    """The inner lips' mean gap (IPD) under each preset, from the frame's landmarks."""
    eng = RigEngine()
    prepared = eng.prepare(image)
    out = {}
    for name in names:
        job = RenderJob(portrait=prepared, mix=preset(name), size=384, duration=1.0)
        frame = eng.render_frame(job, 15)  # past the onset
        lm = frame.info["landmarks"]
        out[name] = inner_gap(FaceFrame.from_landmarks(lm).to_frame(lm[:, :2]))
    return out


def test_a_sneer_opens_a_toothy_smile_as_it_opens_a_closed_mouth(portrait, hopper):
    names = ("angrily disgusted", "disgusted", "angry", "pressed anger")
    grin, closed = _openings(portrait, names), _openings(hopper, names)
    sneers = ("angrily disgusted", "disgusted", "angry")  # anger bares its teeth too
    for name in sneers:
        assert closed[name] > 0.04, (name, closed[name])
        assert grin[name] > 0.5 * closed[name], (name, grin[name], closed[name])
    assert grin["pressed anger"] < 0.01  # pressed lips still seal the grin's opening


def test_taking_a_grins_rest_away_closes_its_lips_exactly(portrait):
    """A grin whose upper lip is raised as well (the sample's smile plus AU10 at 1.0, made on
    its landmarks): every rest AU taken away, the inner lips meet, not cross."""
    lm = detect_face(portrait).landmarks.astype(np.float64)
    frame = FaceFrame.from_landmarks(lm)
    P = frame.to_frame(lm[:, :2])
    raise_ = AUBasis.build(P, [10])
    lifted = lm.copy()
    lifted[:, :2] = frame.to_image(P + raise_.matrix.sum(0).reshape(-1, 2))
    rest = fit_rest(lifted)
    assert rest.aus.get(10, 0.0) >= 0.5 and rest.aus.get(25, 0.0) >= 0.5
    Q = frame.to_frame(lifted[:, :2]) - sum(rest.fields.values())
    gap = Q[_LO_IN, 1] - Q[_UP_IN, 1]
    assert abs(inner_gap(Q)) < 0.01, inner_gap(Q)
    assert gap.min() > -0.015, gap.min()  # crossed lips are a sealed, pressed mouth
