"""Compounds that show both emotions (core/rig/tuning.py GATE_YIELDS). Sadness under surprise:
"sadly surprised" (surprised 0.55, sad 0.45) shows sadness's oblique brows and heavy lids over a
dropped jaw, Du et al. 2014's 1+4+25+26, instead of surprise's arched brows and wide eyes (it read
as plain surprise). Anger under surprise and fear: anger's lowered brows, not their raised ones
(Du et al.'s angrily surprised 4+25+26, fearfully angry 4+20+25); sadness's raise stays."""
import numpy as np
import pytest

from core.emotions import AU_INDEX
from core.face.landmarks import detect_face
from core.mix import EmotionMix
from core.rig.motion import MotionModel
from tests.rig.test_rig_motion import INNER_BROWS, OUTER_BROWS, UPPER_LID_MID, disp, mean_dy

YIELDING = [AU_INDEX[au] for au in (2, 5, 27)]


@pytest.fixture(scope="module")
def motion(portrait):
    return MotionModel(detect_face(portrait))


def test_the_yield_follows_sadness_share_of_the_mix(motion):
    g = EmotionMix.from_preset("sadly surprised").gates()
    gain = motion.moe.au_gain(g, [])
    assert gain[YIELDING] == pytest.approx([0.1] * 3, abs=0.01)  # 1 - 1.1 * 0.45 / 0.55
    # the share, not the gate: the same at half the master intensity and during the onset
    assert motion.moe.au_gain(g * 0.3, [])[YIELDING] == pytest.approx(gain[YIELDING])
    # sadness as strong as surprise takes them all; surprise alone, or with disgust, keeps them
    both = EmotionMix.from_dict({"sad": 1.0, "surprised": 1.0}).gates()
    assert np.all(motion.moe.au_gain(both, [])[YIELDING] == 0.0)
    for name in ("surprised", "disgustedly surprised", "fearful"):
        g = EmotionMix.from_preset(name).gates()
        assert motion.moe.au_gain(g, [])[YIELDING] == pytest.approx([1.0] * 3), name


def test_sad_brows_and_lids_under_surprise(motion):
    surprised, _ = disp(motion, EmotionMix.from_preset("surprised"))
    d, pose = disp(motion, EmotionMix.from_preset("sadly surprised"))
    inner, outer = -mean_dy(d, INNER_BROWS), -mean_dy(d, OUTER_BROWS)  # up is positive
    assert outer < 0.3 * -mean_dy(surprised, OUTER_BROWS)  # 0.044 IPD against 0.243
    assert inner > 2 * outer  # oblique, the inner ends highest: 0.129 (before: 0.183 and 0.209)
    assert mean_dy(d, UPPER_LID_MID) > 0.0  # the lids no wider than at rest (+0.033; -0.030)
    assert pose.final_aus[26] > 0.5  # the jaw still drops


def test_anger_lowers_the_brows_that_surprise_and_fear_raise(motion):
    d, pose = disp(motion, EmotionMix.from_preset("angrily surprised"))
    assert mean_dy(d, INNER_BROWS) > 0.05  # down 0.124 IPD (up 0.095 before)
    assert pose.final_aus[26] > 0.5 and pose.final_aus[5] == pytest.approx(1.0)  # still agape
    d, pose = disp(motion, EmotionMix.from_preset("fearfully angry"))
    assert 1 not in pose.final_aus and mean_dy(d, INNER_BROWS) > 0.05  # fear's raise gone
    assert pose.final_aus[20] > 0.5  # its stretched mouth kept
    # sadness's own inner brow raise stays under anger: all that tells "sadly angry"
    g = EmotionMix.from_preset("sadly angry").gates()
    assert motion.moe.au_gain(g, [])[[AU_INDEX[1], AU_INDEX[5]]] == pytest.approx([1.0, 1.0])
