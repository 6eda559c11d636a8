"""Head yaw on the 2-D warp (core/rig/motion.py `_yaw`): the face turns on a sphere inside its
own outline. A rigid 3-D turn slid the face oval 0.2 IPD against the still hair and ears (a ghost
ear beside a stretched temple at 15-20 deg) and folded the far cheek over its own edge."""
import cv2
import numpy as np
import pytest
from matplotlib import cbook

from core.face.landmarks import detect_face
from core.face.regions import region
from core.rig.engine import RigEngine
from core.rig.pose import RigPose

OVAL = region("face_oval")
NOSE_TIP = 1


@pytest.fixture(scope="module")
def hopper():
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    img = cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)[0:560, 60:452], (392, 560))
    eng = RigEngine()
    return eng, eng.prepare(img)


@pytest.mark.parametrize("yaw", [-15.0, 15.0])
def test_a_turn_folds_nothing_and_keeps_the_outline(hopper, yaw):
    _, p = hopper
    m = p.motion
    d = m.displacement(RigPose(head=(yaw, 0.0, 0.0)))
    guard = m.fold_guard
    pins = None if m.rims is None else m.pin_displacement((yaw, 0.0, 0.0))
    assert len(guard.flipped(d, pins)) == 0
    nose = float(d[NOSE_TIP, 0])
    assert abs(nose) > 0.3 and np.sign(nose) == -np.sign(yaw)


def test_the_turned_face_is_found_turned(hopper):
    eng, p = hopper
    still = detect_face(eng.render_pose(p, RigPose(), 512)).xy
    for yaw in (-15.0, 15.0):
        img = eng.render_pose(p, RigPose(head=(yaw, 0.0, 0.0)), 512)
        xy = detect_face(img).xy
        ipd = float(np.hypot(*(still[473] - still[468])))
        nose = (xy[NOSE_TIP, 0] - still[NOSE_TIP, 0]) / ipd
        # the image's x runs toward the subject's left, as the face frame's does here
        assert abs(nose) > 0.2 and np.sign(nose) == -np.sign(yaw), (yaw, nose)
        # the outline at the ears' height stays within 0.15 IPD of where it was
        mid = OVAL[np.abs(still[OVAL, 1] - still[NOSE_TIP, 1]) < 0.5 * ipd]
        assert np.abs(xy[mid, 0] - still[mid, 0]).max() / ipd < 0.2, yaw


def test_a_dropped_jaw_turns_with_the_face(hopper):
    """Speech drops the jaw below the outline's lowest height; the turn still moves the jaw line
    as one (each point turns where it sits at rest: looked up where the jaw had dropped to, the
    chin's tiny radius held some jaw points still and notched the jaw line)."""
    _, p = hopper
    m = p.motion
    speech = RigPose(aus={26: 1.0, 27: 1.0})
    turned = RigPose(aus={26: 1.0, 27: 1.0}, head=(8.0, 0.0, 0.0))
    yaw_dx = (m.displacement(turned) - m.displacement(speech))[OVAL, 0]
    low = m.P[OVAL, 1] > 1.0  # the jaw line
    order = np.argsort(m.P[OVAL][low, 0])
    steps = np.abs(np.diff(yaw_dx[low][order]))
    assert steps.max() < 0.03, steps.round(3)


def test_the_turn_of_a_few_points_is_the_turn_of_all(hopper):
    """The yaw sphere's place of each landmark list is computed once and kept: the eyes alone,
    then all points, then the eyes again turn exactly as a fresh model turns them."""
    from core.rig.motion import MotionModel

    _, p = hopper
    m = p.motion
    eyes = [468, 473]
    head = (12.0, -4.0, 3.0)
    first = m.head_displacement(m.P[eyes], head, eyes)
    every = m.head_displacement(m.P, head)
    again = m.head_displacement(m.P[eyes], (-12.0, 0.0, 0.0), eyes)
    fresh = MotionModel(p.analysis)
    np.testing.assert_array_equal(first, every[eyes])
    np.testing.assert_array_equal(every, fresh.head_displacement(fresh.P, head))
    np.testing.assert_array_equal(again, fresh.head_displacement(fresh.P[eyes], (-12.0, 0.0, 0.0),
                                                                 eyes))
    assert abs(float(first[0, 0])) > 0.05


def test_points_beside_the_outline_turn_smoothly_with_it(hopper):
    # a near profile's picture has skin and hair beyond the sphere the oval gives: they snapped
    # onto the sphere at any yaw (1.3 IPD at 0.1 deg) and tore a second ear out beside the ear
    _, p = hopper
    m = p.motion
    beside = np.array([[-2.6, 0.0], [2.6, 0.0], [-2.2, 0.6], [2.2, -0.4]], np.float32)
    depth = np.zeros(len(beside), np.float32)
    for yaw in (0.1, 1.0, 5.0):
        # no more than the face itself moves (its nose the most)
        d = m.head_displacement(beside, (yaw, 0.0, 0.0), depth=depth)
        face = m.head_displacement(m.P, (yaw, 0.0, 0.0))
        assert np.abs(d).max() <= np.abs(face).max(), yaw
    assert np.abs(m.head_displacement(beside, (0.1, 0.0, 0.0), depth=depth)).max() < 0.005


@pytest.mark.parametrize("yaw", [-15.0, 15.0])
def test_the_turn_has_no_step_at_the_midline(hopper, yaw):
    """Each side of the face turns on its own sphere (its outline stays put); picked by the side
    alone, points a hair apart across the midline turned with spheres of different radii: a step
    in the turn (0.02 IPD here at 15 deg, 0.07 on a face turned 20 deg in its picture) that
    folded the nose's bridge and crossed the glasses' bridge pins. The spheres blend across it."""
    _, p = hopper
    m = p.motion
    y, z = float(m.P[168, 1]), float(m.Z[168])
    xs = np.linspace(-0.6, 0.6, 241).astype(np.float32)
    line = np.stack([xs, np.full_like(xs, y)], 1)
    dx = m.head_displacement(line, (yaw, 0.0, 0.0), depth=np.full(len(xs), z, np.float32))[:, 0]
    slope = np.diff(dx) / np.diff(xs)
    assert np.abs(slope).max() < 0.5, np.abs(slope).max()
