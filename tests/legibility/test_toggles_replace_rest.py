"""An AU toggled on conflicts with the portrait's rest expression as a mixed AU does
(core/rig/compose.py, REST_CONFLICTS): on the smiling photo, AU15 toggled on a neutral mix
left its corners 0.067 IPD above the lips' midline (the smile still there under the pull down)
and AU24 left the smile whole; the experts' same AUs take it away."""
from dataclasses import replace

import numpy as np
import pytest

from core.mix import EmotionMix
from core.rig.compose import FrameDrive, compose
from core.rig.portrait import PreparedPortrait
from core.track import TrackBuilder


@pytest.fixture(scope="module")
def motion(portrait):
    return PreparedPortrait(portrait).motion


def _shown(motion, toggles: dict[int, float]):
    """(corner elevation above the lips' midline, inner gap at the centre, smile taken)."""
    mix = EmotionMix(au_overrides=toggles)
    row = replace(TrackBuilder().for_mixes([mix], mix.gates()).row(0),
                  head=np.zeros(3), gaze=np.zeros(2))
    pose, emotion = compose(motion, row, FrameDrive(speech={}))
    Q = motion.P + motion.displacement(pose, emotion)
    elevation = (Q[0, 1] + Q[17, 1]) / 2 - Q[[61, 291], 1].mean()
    return float(elevation), float(Q[14, 1] - Q[13, 1]), pose.smile_taken


def test_a_toggled_corner_depressor_takes_the_rest_smile_away(motion):
    assert motion.rest.aus.get(12, 0.0) > 0.8
    rest_elevation, _, taken = _shown(motion, {})
    assert taken == 0.0 and rest_elevation > 0.15  # nothing toggled: the photo's own smile
    elevation, _, taken = _shown(motion, {15: 1.0})
    # measured: -0.092 IPD (0.067 before), the smile taken whole
    assert elevation < -0.03 and taken > 0.9, (elevation, taken)


def test_toggled_pressed_lips_close_the_smile_too(motion):
    rest_elevation, _, _ = _shown(motion, {})
    elevation, gap, taken = _shown(motion, {24: 1.0})
    # measured: 0.028 IPD (0.191 before: the smile whole over pressed lips), gap 0.004
    assert taken > 0.9 and elevation < rest_elevation - 0.12 and gap < 0.01, (elevation, gap)
