"""A dropped jaw opens the mouth as an oval that narrows into its corners (core/rig/au_basis.py
_jaw_drop: the lower lip's drop falls off along an arc toward the corners, and the lips narrow
as they stretch over the jaw). Before, the lower lip dropped almost as far beside the corners as
at its centre and the corners stayed where they were: a surprised mouth opened as a wide slot
with square ends (its opening filled ~0.79-0.80 of its bounding box on both faces, and
grace_hopper.jpg's was no narrower than her closed mouth), which read as a shout."""
from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.emotions import EMOTIONS
from core.face.regions import region
from core.mix import EmotionMix
from core.rig.compose import FrameDrive, compose
from core.rig.portrait import PreparedPortrait
from core.track import TrackBuilder


@pytest.fixture(scope="module", params=["astronaut", "hopper"])
def motion(request, portrait):
    if request.param == "astronaut":
        return PreparedPortrait(portrait).motion
    return PreparedPortrait(_hopper()).motion


def _hopper() -> np.ndarray:
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _face(motion, name: str) -> np.ndarray:
    """(478, 2) the preset's landmarks in the face frame, the face alone (no head posture)."""
    mix = EmotionMix.from_preset(name)
    row = replace(TrackBuilder().for_mixes([mix], mix.gates()).row(0),
                  head=np.zeros(3), gaze=np.zeros(2))
    pose, emotion = compose(motion, row, FrameDrive(speech={}))
    return motion.P + motion.displacement(pose, emotion)


def _mouth(motion, name: str) -> tuple[float, float]:
    """(inner width between the corners, opening area / (width x centre gap)) in the face
    frame, the face alone (no head posture)."""
    Q = _face(motion, name)
    poly = np.vstack([Q[region("lips_upper_inner")], Q[region("lips_lower_inner")][::-1]])
    x, y = poly[:, 0], poly[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
    width = abs(Q[308, 0] - Q[78, 0])
    return width, area / (width * (Q[14, 1] - Q[13, 1]))


def test_a_surprised_mouth_is_an_oval_narrower_than_at_rest(motion):
    width, fullness = _mouth(motion, "surprised")
    rest_width = abs(motion.P[308, 0] - motion.P[78, 0])
    # an ellipse fills pi/4 = 0.785 of its box, two parabolic arcs 2/3; square ends filled
    # 0.79-0.80. Now 0.69-0.77: the round "O" of surprise's AU27 (core/expression.py) is the
    # taller opening, nearer an ellipse
    assert fullness < 0.78
    assert width < 0.96 * rest_width  # now 0.94 on grace_hopper.jpg (before: 1.00)


def test_fear_keeps_its_stretched_mouth(motion):
    # AU20 pulls fear's corners out: its mouth stays the wider one (0.91-0.93 against 0.71)
    assert _mouth(motion, "fearful")[0] > 1.2 * _mouth(motion, "surprised")[0]


def _gap_over_width(motion, name: str) -> float:
    Q = _face(motion, name)
    return float((Q[14, 1] - Q[13, 1]) / abs(Q[308, 0] - Q[78, 0]))


def test_surprise_opens_a_round_o_and_fear_a_stretched_slot(motion):
    # surprise's AU27 (core/expression.py): its opening is 0.6-0.77 of its width (before,
    # 0.42-0.58, much like a wide slot); fear's stays 0.25, so the two open mouths differ
    surprise, fear = _gap_over_width(motion, "surprised"), _gap_over_width(motion, "fearful")
    assert surprise > 0.55 and surprise > 2 * fear


def test_the_mixs_jaw_drop_has_a_ceiling():
    """AU26 + AU27 of the mix move the jaw at most EXAGGERATION["max_jaw_drop"] IPD: surprise at
    intensity 1.5 would drop it 0.675, and "disgustedly surprised" at 1.5 (0.75) folded the
    warp beside the nose (tests/legibility/test_exaggeration.py)."""
    from core.emotions import AU_INDEX
    from core.rig.moe_rig import _JAW_DROP, _JAW_IDX
    from core.rig.tuning import EXAGGERATION, EXPERT_STRENGTH

    prepared = PreparedPortrait(_hopper())
    moe = prepared.motion.moe
    for name, intensity in (("surprised", 1.0), ("surprised", 1.5),
                            ("disgustedly surprised", 1.5)):
        g = np.asarray(EmotionMix.from_preset(name, intensity=intensity).gates(), np.float32)
        mixed = moe.mixed_aus(g, moe.au_gain(g, []))
        jaw = float(_JAW_DROP @ mixed[_JAW_IDX])
        assert jaw <= EXAGGERATION["max_jaw_drop"] + 1e-6, (name, intensity, jaw)
        if intensity == 1.0:  # at 1 the ceiling leaves the expert as it is, at its strength
            k = EXPERT_STRENGTH["surprised"]
            assert abs(jaw - 0.45 * k) < 1e-3 and abs(mixed[AU_INDEX[27]] - 0.3 * k) < 1e-6


def test_a_smile_keeps_surprises_mouth_wide(motion):
    """AU27 gives way to AU12 (tuning.py MIX_YIELDS): "happily surprised" opens a wide smiling
    mouth (Du et al.: 1+2+12+25+26), not surprise's round O."""
    from core.emotions import AU_INDEX

    moe = motion.moe
    g = np.asarray(EmotionMix.from_preset("happily surprised").gates(), np.float32)
    assert moe.mixed_aus(g, moe.au_gain(g, []))[AU_INDEX[27]] < 0.2 * 0.3  # its AU12 0.82
    assert _mouth(motion, "happily surprised")[0] > 1.1 * _mouth(motion, "surprised")[0]


def test_a_muted_smile_takes_nothing_from_the_stretch(motion):
    from core.emotions import AU_INDEX

    from core.rig.tuning import EXPERT_STRENGTH

    moe = motion.moe
    g = np.asarray(EmotionMix.from_preset("happily surprised").gates(), np.float32)
    asked = 0.3 * EXPERT_STRENGTH["surprised"] * g[EMOTIONS.index("surprised")]
    assert abs(moe.mixed_aus(g, moe.au_gain(g, [12]))[AU_INDEX[27]] - asked) < 1e-6
