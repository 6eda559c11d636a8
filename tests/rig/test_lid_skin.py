"""The skin between a lowered brow and the upper lid bunches up; the lid under it still opens
(core/rig/lid_skin.py). Before, the fold guard pulled the lid back down wherever the brow's skin
crossed it: AU4 + AU5 left the lid 0.010 IPD below its rest, anger glared no wider than disgust
squinted.
"""
import numpy as np
import pytest

from core.emotions import NUM_EXPERTS
from core.face.landmarks import detect_face
from core.face.regions import region
from core.mix import EmotionMix
from core.rig.au_points import curve_at
from core.rig.lid_skin import LidSkin
from core.rig.motion import MotionModel
from core.rig.tuning import LID_SKIN
from tests.rig.test_rig_motion import UPPER_LID_MID, disp, mean_dy


@pytest.fixture(scope="module")
def motion(portrait):
    return MotionModel(detect_face(portrait))


def aus(**kw):
    return EmotionMix(weights=[0.0] * NUM_EXPERTS,
                      au_overrides={int(k[2:]): v for k, v in kw.items()})


def lid_rise(motion, mix):
    d, _ = disp(motion, mix)
    return -mean_dy(d, UPPER_LID_MID)


def test_a_lowered_brow_leaves_the_lid_its_raise(motion):
    alone = lid_rise(motion, aus(au5=1.0))
    both = lid_rise(motion, aus(au4=1.0, au5=1.0))
    assert alone > 0.05
    # the brow, lowered 0.11 IPD, leaves it little room: it rose 0.010 IPD (0.010 below its
    # rest place before, the fold guard's doing)
    assert both > 0.005, f"the glare's lid rose {both:.3f} IPD under a lowered brow"
    # the brow pushes it down a little, never up
    assert lid_rise(motion, aus(au4=1.0)) < 0.0


@pytest.mark.parametrize("name", ["angry", "disgusted", "angrily disgusted", "fearfully angry",
                                  "sad"])
def test_the_lid_skin_keeps_its_order(motion, name):
    """Under the middle of each upper lid: lid margin, eye halo 2, eye halo 3, lower brow, from
    the bottom up (disgust's two halos had crossed). Fear's brows, raised and knit, are left as
    they were: its halos meet within 0.003 IPD over the widest lid."""
    d, _ = disp(motion, EmotionMix.from_preset(name))
    Q = motion.P + d
    for s in "RL":
        margin = region(f"{s}_eye_upper_lid")
        x = Q[margin[3], 0]
        ys = [float(curve_at(Q[region(r)], np.array([x]))[0]) for r in
              (f"{s}_eye_upper_lid", f"{s}_eye_halo2_upper", f"{s}_eye_halo3_upper",
               f"{s}_brow_lower")]
        assert ys == sorted(ys, reverse=True), f"{name} {s}: {np.round(ys, 3)}"


def test_raised_brows_and_lids_alone_are_left_as_they_are(motion):
    skin = LidSkin(motion.P)
    for a in ({1: 1.0, 2: 1.0, 5: 1.0}, {5: 1.0}, {1: 1.0, 43: 0.5}, {}):
        d = motion.basis.displacement(motion.au_weights(a))
        assert np.array_equal(skin.order(d.copy()), d), a


def test_the_lid_stops_short_of_the_brow(motion):
    """Even when asked to rise through it (AU5 at 1.5 under AU4 at 1.5)."""
    skin = LidSkin(motion.P)
    d = motion.basis.displacement(motion.au_weights({4: 1.5, 5: 1.5}))
    Q = motion.P + skin.order(d.copy())
    for s in "RL":
        margin = region(f"{s}_eye_upper_lid")
        brow = curve_at(Q[region(f"{s}_brow_lower")], Q[margin, 0])
        rest = motion.P[margin, 1] - curve_at(motion.P[region(f"{s}_brow_lower")],
                                              motion.P[margin, 0])
        gap = Q[margin, 1] - brow
        assert (gap >= LID_SKIN["margin_clearance"] * rest - 1e-6).all(), s
