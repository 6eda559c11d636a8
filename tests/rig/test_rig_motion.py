"""The rig's motion side on the real Face Mesh of the sample portrait: each expert moves the
landmarks its AUs name, in the right direction (face frame: x to the subject's left, y down)."""
from dataclasses import replace

import numpy as np
import pytest

from core.emotions import AU_NUMBERS
from core.face.landmarks import detect_face
from core.face.regions import region
from core.mix import EmotionMix
from core.rig.compose import FrameDrive, compose, onset
from core.rig.motion import MotionModel
from core.track import TrackBuilder

R_CORNER, L_CORNER = 61, 291
INNER_BROWS = [107, 336]
OUTER_BROWS = [70, 300]
UPPER_LID_MID = [159, 386]
LOWER_LID_MID = [145, 374]
NOSE_ALAE = [98, 327]
CHIN = 152


@pytest.fixture(scope="module")
def motion(portrait):
    return MotionModel(detect_face(portrait))


def disp(motion, mix, speech=None, t=1.0, activity=0.0):
    row = TrackBuilder().for_mixes([mix], mix.gates() * onset(t)).row(0)
    # the expression alone: the experts' head posture and gaze have their own tests (tests/track)
    row = replace(row, head=np.zeros(3), gaze=np.zeros(2), gaze_life=1.0)
    pose, emotion = compose(motion, row, FrameDrive(speech=speech or {}, activity=activity))
    return motion.displacement(pose, emotion), pose


def mean_dy(d, idx):
    return float(d[idx, 1].mean())


def outward(d, motion, idx):
    return float((d[idx, 0] * np.sign(motion.P[idx, 0])).mean())


def test_neutral_is_still(motion):
    d, pose = disp(motion, EmotionMix())
    assert np.abs(d).max() < 1e-6
    assert pose.final_aus == {}


def test_happy(motion):
    d, pose = disp(motion, EmotionMix.from_preset("happy"))
    assert mean_dy(d, [R_CORNER, L_CORNER]) < -0.02  # corners up
    assert outward(d, motion, [R_CORNER, L_CORNER]) > 0.03  # and out
    assert mean_dy(d, LOWER_LID_MID) < -0.01  # AU6 lifts the lower lids
    assert pose.final_aus[12] == pytest.approx(1.0)


def test_sad(motion):
    d, _ = disp(motion, EmotionMix.from_preset("sad"))
    assert mean_dy(d, [R_CORNER, L_CORNER]) > 0.08  # corners down, undoing the rest smile
    assert mean_dy(d, INNER_BROWS) < -0.04  # AU1 inner brows up
    assert mean_dy(d, INNER_BROWS) < mean_dy(d, OUTER_BROWS)  # oblique slant


def test_angry(motion):
    d, _ = disp(motion, EmotionMix.from_preset("angry"))
    assert mean_dy(d, INNER_BROWS) > 0.03  # AU4 brows down
    assert outward(d, motion, INNER_BROWS) < -0.01  # and together
    gap_rest = motion.P[14, 1] - motion.P[13, 1]
    gap = gap_rest + d[14, 1] - d[13, 1]
    # AU10 with the lips parted bares the upper teeth (the rest smile's opening closed, then
    # anger's own: measured 0.131 IPD against 0.130 at rest, the upper lip 0.085 up)
    assert d[0, 1] < -0.04 and gap > 0.05, (d[0, 1], gap)
    # AU7 tenses the lower lid: above sad's (which takes the rest smile's raised lids away too)
    sad, _ = disp(motion, EmotionMix.from_preset("sad"))
    assert mean_dy(d, LOWER_LID_MID) < mean_dy(sad, LOWER_LID_MID) - 0.01


def test_disgusted(motion):
    d, _ = disp(motion, EmotionMix.from_preset("disgusted"))
    sad, _ = disp(motion, EmotionMix.from_preset("sad"))  # takes the rest smile away too
    assert mean_dy(d, NOSE_ALAE) < mean_dy(sad, NOSE_ALAE) - 0.03  # AU9
    assert d[0, 1] < sad[0, 1] - 0.03  # AU10 upper lip centre up


def test_disgust_narrows_the_eyes_and_lowers_the_brows_less_than_anger(motion):
    # disgust's cheeks and lower lids push up (AU6, AU7): the lids' gap was 0.154 IPD (0.158 at
    # rest, anger's glare 0.142), now 0.094; its inner brows came down 0.135 IPD against
    # anger's 0.181, now 0.086
    def lid_gap(d):
        P = motion.P + d
        return float((P[LOWER_LID_MID, 1] - P[UPPER_LID_MID, 1]).mean())

    d, _ = disp(motion, EmotionMix.from_preset("disgusted"))
    angry, _ = disp(motion, EmotionMix.from_preset("angry"))
    rest = lid_gap(np.zeros_like(d))
    assert lid_gap(d) < 0.75 * rest and lid_gap(d) < lid_gap(angry) - 0.03, \
        (lid_gap(d), rest, lid_gap(angry))
    assert 0.03 < mean_dy(d, INNER_BROWS) < 0.6 * mean_dy(angry, INNER_BROWS)


def test_fearful(motion):
    d, _ = disp(motion, EmotionMix.from_preset("fearful"))
    assert mean_dy(d, INNER_BROWS) < -0.04
    assert mean_dy(d, UPPER_LID_MID) < -0.02  # AU5 widens the eyes
    # AU20: wider than sad's mouth (both take the portrait's rest smile, and its width, away)
    sad, _ = disp(motion, EmotionMix.from_preset("sad"))
    assert outward(d, motion, [R_CORNER, L_CORNER]) > outward(sad, motion, [R_CORNER, L_CORNER]) + 0.03


def test_surprised(motion):
    d, _ = disp(motion, EmotionMix.from_preset("surprised"))
    assert mean_dy(d, OUTER_BROWS) < -0.06  # AU2
    assert mean_dy(d, UPPER_LID_MID) < -0.02  # AU5
    assert d[CHIN, 1] > 0.08  # AU26 jaw drop


def test_compound_moves_both_sets(motion):
    d_ad, _ = disp(motion, EmotionMix.from_preset("angrily disgusted"))
    assert mean_dy(d_ad, INNER_BROWS) > 0.02  # from anger (and AU4 of disgust)
    angry, _ = disp(motion, EmotionMix.from_preset("angry"))
    assert mean_dy(d_ad, NOSE_ALAE) < mean_dy(angry, NOSE_ALAE) - 0.015  # from disgust
    d_ss, _ = disp(motion, EmotionMix.from_preset("sadly surprised"))
    assert mean_dy(d_ss, [R_CORNER, L_CORNER]) > 0.02  # sad corners down
    assert d_ss[CHIN, 1] > 0.03  # surprised jaw


def test_gate_override_scales_and_zero_is_neutral(motion):
    # the experts are linear in g; taking the rest expression away is not (tests/legibility),
    # so the expert here is one that takes nothing from the sample portrait's rest smile
    # (at 0.8 and 0.4: at 1.0, happy's strength on the face, 1.2, brings the guard in)
    d1, _ = disp(motion, EmotionMix.from_dict({"happy": 0.8}, neutralize=False))
    d_half, _ = disp(motion, EmotionMix.from_dict({"happy": 0.4}, neutralize=False))
    d0, _ = disp(motion, EmotionMix.from_dict({"surprised": 0.0}))
    assert np.abs(d0).max() < 1e-6
    # up to the fold guard's touch on lip slivers (core/rig/fold_guard.py)
    np.testing.assert_allclose(d_half, 0.5 * d1, atol=0.01)


def test_local_gate_keeps_mouth_neutral(motion):
    full, _ = disp(motion, EmotionMix.from_preset("sad"))
    gated, _ = disp(motion, EmotionMix.from_preset("sad", local_gates={"mouth": (0.0,) * 6}))
    lips = region("lips_upper_outer")
    assert np.abs(gated[lips]).max() < 0.5 * np.abs(full[lips]).max()
    np.testing.assert_allclose(gated[INNER_BROWS], full[INNER_BROWS], atol=1e-4)


def test_a_closed_region_shows_none_of_its_aus(motion):
    """Gated off the mouth and jaw, sadness neither reports nor acts on its mouth AUs: its lip
    press (AU24) no longer shut the smiling portrait's parted lips, nor did its shading's press
    and chin boss draw there (pose.final_aus drives both); the brows keep theirs."""
    gates = {"mouth": (0.0,) * 6, "jaw": (0.0,) * 6}
    _, pose = disp(motion, EmotionMix.from_preset("sad", local_gates=gates))
    assert not {15, 17, 24} & set(pose.final_aus) and pose.final_aus[1] > 0.9
    rest, _ = disp(motion, EmotionMix())
    gated, _ = disp(motion, EmotionMix.from_preset("sad", local_gates=gates))
    gap = lambda d: float((motion.P + d)[14, 1] - (motion.P + d)[13, 1])  # noqa: E731
    assert abs(gap(gated) - gap(rest)) < 0.01, (gap(gated), gap(rest))


def test_each_expert_moves_the_face_at_its_strength(motion):
    """EXPERT_STRENGTH: at gate 1 an expert's AUs reach its strength (sad 1.3: the faint full
    weight read as neutral), within max_au; gap AUs (lids, pressed lips) still stop at 1."""
    from core.emotions import AU_INDEX, EMOTIONS
    from core.expression import EXPERT_AUS
    from core.rig.tuning import EXAGGERATION, EXPERT_STRENGTH

    moe = motion.moe
    for i, name in enumerate(EMOTIONS):
        g = np.zeros(len(EMOTIONS), np.float32)
        g[i] = 1.0
        mixed = moe.mixed_aus(g, moe.au_gain(g, []))
        k = EXPERT_STRENGTH.get(name, 1.0)
        for au, v in EXPERT_AUS[name].items():
            cap = 1.0 if au in EXAGGERATION["gap_aus"] else EXAGGERATION["max_au"]
            if au in (26, 27):  # the jaw stops at max_jaw_drop (tests/legibility/test_jaw_arc)
                continue
            want = min(v * k, cap)
            assert abs(mixed[AU_INDEX[au]] - want) < 1e-5, (name, au)
    assert EXPERT_STRENGTH["sad"] > 1.0 and EXPERT_STRENGTH.get("disgusted", 1.0) == 1.0


def test_au_overrides_mute_and_force(motion):
    muted, pose = disp(motion, EmotionMix.from_preset("happy", au_overrides={12: 0.0}))
    assert 12 not in pose.final_aus
    full, _ = disp(motion, EmotionMix.from_preset("happy"))
    # only AU6's cheek lift still reaches the corners
    assert mean_dy(muted, [R_CORNER, L_CORNER]) > 0.3 * mean_dy(full, [R_CORNER, L_CORNER])
    forced, pose = disp(motion, EmotionMix(au_overrides={26: 1.0}))
    assert forced[CHIN, 1] > 0.15 and pose.final_aus[26] == 1.0


def test_no_grimace_smile_on_smile(motion):
    def elevation(mix):  # corners above the upper lip's centre, IPD
        P = motion.P + disp(motion, mix)[0]
        return P[13, 1] - P[[R_CORNER, L_CORNER], 1].mean()

    rest = elevation(EmotionMix())  # the sample portrait smiles: 0.09
    grin = elevation(EmotionMix.from_dict({"happy": 1.0, "surprised": 0.0}, intensity=1.5))
    # a grin on the smiling photo lifts its corners no more than on a closed-mouth face
    # (grace_hopper.jpg: 0.13 IPD at 1.5): 0.12 here. Before REST_NOT_ADDED the lips parted
    # twice and lifted the upper lip's centre with the corners (0.05)
    assert 0.03 < grin - rest < 0.14


def test_happy_keeps_a_broad_grins_opening(portrait):
    # a broad toothy grin at rest (the sample portrait with its lower lip dropped another
    # 0.08 IPD) reads AU25 1.0, capped, while its field parts the lips ~2.5x as far as AU25
    # 1.0 does. Happy, which parts them too, used to take that field whole for its own AU25:
    # the grin closed to half its opening (0.21 -> 0.11 IPD on a grinning photo, by eye)
    from core.face.frame import FaceFrame
    from core.rig.rest import inner_gap
    face = detect_face(portrait)
    lm = face.landmarks.copy()
    ipd = FaceFrame.from_landmarks(lm).ipd
    lm[np.union1d(region("lips_lower_inner")[1:-1], region("lips_lower_outer")[1:-1]), 1] \
        += 0.08 * ipd
    grin = MotionModel(replace(face, landmarks=lm))
    assert grin.rest.aus[25] == 1.0 and grin.rest.parted[25] > 2 * grin.mix_parting(
        np.eye(len(grin._parting))[list(AU_NUMBERS).index(25)])
    rest = inner_gap(grin.P)
    happy = inner_gap(grin.P + disp(grin, EmotionMix.from_preset("happy"))[0])
    assert happy > rest - 0.02, (happy, rest)
    # ... and on the sample portrait itself (lips parted 0.13 IPD at rest, about what happy's
    # own AUs part them) the two don't add up: happy keeps about the rest's opening
    plain = MotionModel(face)
    own = inner_gap(plain.P)
    assert abs(inner_gap(plain.P + disp(plain, EmotionMix.from_preset("happy"))[0]) - own) < 0.03


def test_speech_owns_the_mouth(motion):
    # surprised opens the jaw, but a speech closure (p/b/m: AU24 with no opening) must close it
    talking, _ = disp(motion, EmotionMix.from_preset("surprised"), speech={24: 1.0}, activity=1.0)
    silent, _ = disp(motion, EmotionMix.from_preset("surprised"))
    assert talking[CHIN, 1] < 0.3 * silent[CHIN, 1]


@pytest.mark.parametrize("name", ["surprised", "fearful"])
def test_an_expert_keeps_part_of_its_opening_while_speaking(motion, name):
    """Talking, an expert keeps part of its own opening (it gives way to speech by its
    SPEECH_OPEN_YIELD, or SPEECH_MIX's share): a surprised face that talked with speech's plain
    opening read as a neutral one. Surprise and fear keep most of theirs."""
    from core.expression import SPEECH_OPEN_YIELD
    from core.rig.tuning import SPEECH_MIX
    talking, _ = disp(motion, EmotionMix.from_preset(name), speech={}, activity=1.0)
    silent, _ = disp(motion, EmotionMix.from_preset(name))
    kept = 1.0 - SPEECH_OPEN_YIELD.get(name, SPEECH_MIX["emotion_open_yield"])
    assert talking[CHIN, 1] == pytest.approx(kept * silent[CHIN, 1], rel=0.05)
    assert talking[CHIN, 1] > 0.6 * silent[CHIN, 1]


def test_a_compound_yields_its_experts_mean_share(motion):
    """Happily surprised keeps the gates' mean of its experts' kept openings: happiness (whose
    own jaw stays shut) does not make surprise's dropped jaw give way as a neutral face's."""
    from core.expression import SPEECH_OPEN_YIELD
    from core.rig.tuning import SPEECH_MIX
    mix = EmotionMix.from_dict({"happy": 0.5, "surprised": 0.5})
    talking, _ = disp(motion, mix, speech={}, activity=1.0)
    silent, _ = disp(motion, mix)
    kept = 1.0 - (SPEECH_OPEN_YIELD["surprised"] + SPEECH_MIX["emotion_open_yield"]) / 2
    assert talking[CHIN, 1] == pytest.approx(kept * silent[CHIN, 1], rel=0.05)


def test_sadness_speaks_with_little_movement_surprise_wide(motion):
    """Speech's articulation (lips' parting, jaw, lower lip) scaled by the experts'
    SPEECH_ARTICULATION: a sad voice's mouth opens less than a neutral one's, a surprised one's
    more, and neither stops moving."""
    from core.expression import SPEECH_ARTICULATION
    vowel = {25: 0.7, 26: 0.5, 16: 0.2}  # (surprise's own jaw leaves speech's AU26 no room)
    gap = {}
    for name in ("neutral", "sad", "surprised"):
        mix = EmotionMix() if name == "neutral" else EmotionMix.from_preset(name)
        _, pose = disp(motion, mix, speech=vowel, activity=1.0)
        gap[name] = {au: pose.aus.get(au, 0.0) for au in vowel}
    for au, v in vowel.items():
        assert gap["neutral"][au] == pytest.approx(v)
        assert gap["sad"][au] == pytest.approx(v * SPEECH_ARTICULATION["sad"], rel=1e-4)
        if au != 26:
            assert gap["surprised"][au] == pytest.approx(
                min(v * SPEECH_ARTICULATION["surprised"], 1.0), rel=1e-4)
    assert 0.5 <= SPEECH_ARTICULATION["sad"] < 1.0 < SPEECH_ARTICULATION["surprised"]


def test_articulation_stays_in_its_range():
    """A mix past full weight (exaggeration, stacked compounds) never silences the mouth or
    makes it gape: the mixed gain stays within ARTICULATION_RANGE."""
    from core.emotions import EMOTIONS
    from core.expression import ARTICULATION_RANGE
    from core.rig.compose import articulation
    sad = np.zeros(len(EMOTIONS), np.float32)
    sad[EMOTIONS.index("sad")] = 3.0
    surprised = np.zeros(len(EMOTIONS), np.float32)
    surprised[EMOTIONS.index("surprised")] = 5.0
    assert articulation(sad) == ARTICULATION_RANGE[0]
    assert articulation(surprised) == ARTICULATION_RANGE[1]
    assert articulation(np.zeros(len(EMOTIONS), np.float32)) == 1.0


def test_sadness_holds_its_corners_down_while_speaking(hopper_motion):
    """Talking, sadness adds its corner depressor (SPEECH_FORM): the corners sit lower than a
    silent sad face's would with the same lips parted. (On a face at rest: the smiling
    portrait's sad corners, 0.31 IPD down with its smile taken away, are as low as the fold
    guard lets them go, talking or not.)"""
    motion = hopper_motion
    sad = EmotionMix.from_preset("sad")
    _, pose = disp(motion, sad, speech={25: 0.5}, activity=1.0)
    _, quiet = disp(motion, sad, speech={25: 0.5})
    assert pose.aus.get(15, 0.0) > 0.25 and 15 not in quiet.aus
    talking, _ = disp(motion, sad, speech={25: 0.5}, activity=1.0)
    silent, _ = disp(motion, sad, speech={25: 0.5})
    assert mean_dy(talking, [R_CORNER, L_CORNER]) > mean_dy(silent, [R_CORNER, L_CORNER]) + 0.005


def test_anger_speaks_through_bared_teeth(hopper_motion):
    """Anger bares its teeth (EMFACS's open-mouthed anger): silent, its upper lip is raised
    off the teeth and the lips part; while speaking, the speech form (core/expression.py
    SPEECH_FORM) raises the upper lip and pulls the lower lip down off the teeth on top of
    speech's opening, so both rows show; p/b/m still close."""
    motion = hopper_motion
    angry = EmotionMix.from_preset("angry")
    up, lo = region("lips_upper_inner")[1:-1], region("lips_lower_inner")[1:-1]
    silent, quiet = disp(motion, angry)
    assert 10 not in quiet.aus and 16 not in quiet.aus  # the speech form only while speaking
    # measured on grace_hopper.jpg (closed lips at rest): the upper lip's centre 0.128 IPD up
    # (its corners turn down), the lips' mean gap 0.158
    assert silent[13, 1] < -0.08
    assert (silent[lo, 1] - silent[up, 1]).mean() > 0.1
    vowel = {26: 0.4}
    talking, pose = disp(motion, angry, speech=vowel, activity=1.0)
    calm, _ = disp(motion, EmotionMix.from_preset("neutral"), speech=vowel, activity=1.0)
    assert pose.aus.get(10, 0.0) > 0.3 and pose.aus.get(16, 0.0) > 0.5
    # measured: upper lip -0.046 against 0.015, lower lip 0.190 against 0.080
    assert talking[up, 1].mean() < calm[up, 1].mean() - 0.03  # upper lip up
    assert talking[lo, 1].mean() > calm[lo, 1].mean() + 0.05  # lower lip down
    shut, _ = disp(motion, angry, speech={24: 0.6}, activity=1.0)  # ... and p/b/m still close
    gap = float(((motion.P + shut)[lo, 1] - (motion.P + shut)[up, 1]).mean())
    assert gap < 0.012


@pytest.fixture(scope="module")
def hopper_motion():
    import cv2
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return MotionModel(detect_face(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)))


def test_speech_closes_the_lips_over_a_raised_upper_lip(hopper_motion):
    """p/b/m close the lips whatever the expression opened: happy's grin and disgust's sneer
    raise the upper lip (AU10), which does not yield to speech, and 'Papa' left them 0.05-0.11
    IPD apart before the closure took the gap the lips have now."""
    motion = hopper_motion  # lips closed at rest: no rest opening taken away to close them
    up, lo = region("lips_upper_inner")[1:-1], region("lips_lower_inner")[1:-1]
    for name in ("happy", "disgusted"):
        open_, _ = disp(motion, EmotionMix.from_preset(name), speech={}, activity=1.0)
        shut, _ = disp(motion, EmotionMix.from_preset(name), speech={24: 0.6}, activity=1.0)
        gap = lambda d: float(((motion.P + d)[lo, 1] - (motion.P + d)[up, 1]).mean())
        assert gap(open_) > 0.02, name  # talking, the grin parts the lips by its AU10 alone
        assert gap(shut) < 0.012, (name, gap(shut))


def test_onset_is_quick(motion):
    happy = EmotionMix.from_preset("happy", neutralize=False)  # the experts' own ease-in
    early, first = disp(motion, happy, t=0.0)
    later, _ = disp(motion, happy, t=0.2)
    full, settled = disp(motion, happy, t=5.0)
    # visible from the very first frame, settled within 0.2 s (the motion's 0.6 up to the fold
    # guard's touch on the full grin's lips, core/rig/fold_guard.py)
    np.testing.assert_allclose(first.gates, 0.6 * settled.gates, atol=1e-6)
    np.testing.assert_allclose(early, 0.6 * full, atol=0.025)
    np.testing.assert_allclose(later, full, atol=1e-6)
