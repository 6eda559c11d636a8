"""A smiling photo that shows its teeth, set to an emotion with closed lips (sad, anger with
pressed lips): the lips meet over the teeth everywhere (the rest opening is closed point by
point, the fold guard keeps the seam), no band of squeezed teeth shows, and the corners turn
down. And lids follow a downcast gaze (sad)."""
import cv2
import numpy as np
import pytest

from core.engine import RenderJob
from core.face.regions import region
from core.rig.engine import RigEngine
from core.rig.pose import RigPose
from tests.legibility.mixes import preset

UP_IN, LO_IN = region("lips_upper_inner")[1:-1], region("lips_lower_inner")[1:-1]


@pytest.fixture(scope="module")
def smiling(portrait):
    eng = RigEngine()
    return eng, eng.prepare(portrait)


def _lab(image, pts):
    p = np.round(pts).astype(int)
    return cv2.cvtColor(image[p[:, 1], p[:, 0]][None].astype(np.uint8), cv2.COLOR_RGB2LAB)[0]


@pytest.mark.parametrize("name", ["sad", "pressed anger"])
def test_lips_meet_over_the_teeth_and_corners_turn_down(smiling, name):
    eng, p = smiling
    job = RenderJob(portrait=p, mix=preset(name, {45: 0.0}), size=384, duration=1.0)
    frame = eng.render_frame(job, 15)
    P = np.asarray(frame.info["landmarks_ipd"])
    gaps = P[LO_IN, 1] - P[UP_IN, 1]
    assert gaps.max() < 0.03, gaps  # sealed (the rest opening is 0.09-0.23 IPD)
    rest = p.motion.P
    elevation = lambda Q: float((Q[0, 1] + Q[17, 1]) / 2 - Q[[61, 291], 1].mean())
    assert elevation(P) < elevation(rest) - 0.12
    # no pale band of squeezed teeth between the lips: along the seam the colour is the lips'
    xy = np.asarray(frame.info["landmarks"])
    seam = ((xy[UP_IN] + xy[LO_IN]) / 2)[2:-2]
    img = frame.image
    teeth = _lab(p.image, p.analysis.xy[UP_IN[2:-2]] + [0, 0.05 * p.frame.ipd])
    lab = _lab(img, seam)
    assert lab[:, 0].mean() < teeth[:, 0].mean() - 20


def test_upper_lids_follow_a_downcast_gaze(smiling):
    eng, p = smiling
    m = p.motion
    lids = region("R_eye_upper_lid")[3:-3]
    level = m.displacement(RigPose(aus={}, gaze=(0.0, 0.0)))[lids, 1].mean()
    down = m.displacement(RigPose(aus={}, gaze=(0.0, 0.04)))[lids, 1].mean()
    up = m.displacement(RigPose(aus={}, gaze=(0.0, -0.03)))[lids, 1].mean()
    assert down - level > 0.025 and level - up > 0.015


@pytest.mark.parametrize("name", ["sad", "pressed anger"])
def test_the_sliver_between_sealed_lips_takes_the_lips_colours(smiling, name):
    """Just below the line where the lips meet, the colour is the lower lip's a few pixels
    further down (the lips' own colours carried into the squeezed sliver), not a flat band of one
    darker, greyer lip colour (the band it replaced: a colour difference of 29 there)."""
    eng, p = smiling
    frame = eng.render_frame(RenderJob(portrait=p, mix=preset(name, {45: 0.0}), size=512,
                                       duration=1.0), 15)
    xy = np.asarray(frame.info["landmarks"])[:, :2]
    lab = cv2.cvtColor(frame.image, cv2.COLOR_RGB2LAB).astype(float)
    y = int(round((xy[13, 1] + xy[14, 1]) / 2))
    diffs = []
    for x in np.linspace(xy[78, 0], xy[308, 0], 11)[3:8].astype(int):
        column = lab[y - 6:y + 7, x]
        seam = y - 6 + int(np.argmin(column[:, 0]))  # the darkest row: the line where lips meet
        diffs.append(np.linalg.norm(lab[seam + 2, x] - lab[seam + 6, x]))
    assert np.mean(diffs) < 20, diffs


def test_teeth_squeezed_just_outside_the_outline_are_filled(portrait):
    """A broad grin's teeth, squeezed between pressed lips, lie a pixel or two outside the
    smooth inner outline: they are filled too, no pale line along the seam (sad and angry on a
    toothy smile of deepface's test photos, by eye). Here the lips meet (0.01 IPD apart) over a
    white band 1.5 px wider than the sliver on each side."""
    from core.face.frame import FaceFrame
    from core.face.landmarks import detect_face
    from core.rig.mouth import MouthRenderer
    face = detect_face(portrait)
    rest = face.xy.astype(np.float32)
    mr = MouthRenderer(portrait, rest, FaceFrame.from_landmarks(face.landmarks))
    up, lo = region("lips_upper_inner"), region("lips_lower_inner")
    closed = rest.copy()
    mid = (rest[up] + rest[lo]) / 2
    closed[up, 1] = mid[:, 1] - 0.005 * mr.ipd
    closed[lo, 1] = mid[:, 1] + 0.005 * mr.ipd
    image = portrait.copy()
    line = (mr._smooth @ closed[up] + mr._smooth @ closed[lo]) / 2  # the smooth midline
    seam = np.round(line * 16).astype(np.int32)
    band = int(round(0.01 * mr.ipd)) + 3  # the sliver plus 1.5 px each side
    cv2.polylines(image, [seam.reshape(-1, 1, 2)], False, (255, 255, 255), band, cv2.LINE_AA,
                  shift=4)
    out = mr.composite(image.copy(), closed)
    grey = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float32)
    lips = float(cv2.cvtColor(portrait, cv2.COLOR_RGB2GRAY)[
        np.round(rest[region("lips_lower_outer")[3:-3], 1] - 0.03 * mr.ipd).astype(int),
        np.round(rest[region("lips_lower_outer")[3:-3], 0]).astype(int)].mean())
    c = rest[[78, 308]].mean(0)
    w = 0.25 * abs(float(rest[308, 0] - rest[78, 0]))
    for x in np.linspace(c[0] - w, c[0] + w, 9).astype(int):
        y = int(round(float(np.interp(x, line[:, 0], line[:, 1]))))
        column = grey[y - 2:y + 3, x]
        assert column.max() < lips + 40, (x, column, lips)
