"""Master intensity up to 1.5 stays a fold-free warp: for every expert and compound preset,
on two real faces, no triangle of the landmark mesh turns inside out (core/rig/fold_guard.py)
and the dense warp's Jacobian determinant stays positive on its whole grid."""
from dataclasses import replace

import cv2
import numpy as np
import pytest

from core.emotions import COMPOUND_PRESETS, EMOTIONS
from core.errors import InputError
from core.mix import EmotionMix
from core.rig.compose import FrameDrive, compose
from core.rig.portrait import PreparedPortrait
from core.rig.rest import RestExpression
from core.rig.tuning import EXAGGERATION, EXPERT_STRENGTH
from core.track import TrackBuilder
from core.validate import MAX_INTENSITY

MIXES = (*EMOTIONS, *COMPOUND_PRESETS)  # every preset: "appalled" once folded at 1.5


@pytest.fixture(scope="module", params=["astronaut", "hopper"])
def prepared(request, portrait):
    if request.param == "astronaut":
        return PreparedPortrait(portrait)
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return PreparedPortrait(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))


def displacement(prepared, mix):
    row = TrackBuilder().for_mixes([mix], mix.gates()).row(0)
    row = replace(row, head=np.zeros(3), gaze=np.zeros(2))  # the face alone, no posture
    pose, emotion = compose(prepared.motion, row, FrameDrive(speech={}))
    return prepared.motion.displacement(pose, emotion)


def test_exaggeration_is_stronger_than_intensity_one(prepared, monkeypatch):
    # the experts' own motion: the rest expression's replacement is the same at both intensities
    monkeypatch.setattr(prepared.motion, "rest", RestExpression.none())
    for name in MIXES:
        d1 = displacement(prepared, EmotionMix.from_preset(name, neutralize=False))
        d15 = displacement(prepared, EmotionMix.from_preset(name, intensity=1.5,
                                                            neutralize=False))
        # an expert stronger on the face (EXPERT_STRENGTH) has only max_au over its strength
        # left (sad and angry 1.15x, the pressed lips' gap AU none): stronger all the same
        g = EmotionMix.from_preset(name).gates()
        k = max(EXPERT_STRENGTH.get(e, 1.0) for e, w in zip(EMOTIONS, g) if w > 0)
        need = 1.2 if 1.5 * k <= EXAGGERATION["max_au"] else 1.01
        assert np.linalg.norm(d15) > need * np.linalg.norm(d1), name


@pytest.mark.parametrize("name", MIXES)
def test_intensity_1_5_is_fold_free(prepared, name):
    motion = prepared.motion
    sp = prepared.at_size(384)
    warper = sp.warper  # with the eyeglass rims' pins, on grace_hopper.jpg (core/rig/rims.py)
    d = displacement(prepared, EmotionMix.from_preset(name, intensity=MAX_INTENSITY))
    pins = None if motion.rims is None else motion.pin_displacement((0.0, 0.0, 0.0))
    flipped = motion.fold_guard.flipped(d, pins)
    assert not len(flipped), f"{name}: {len(flipped)} landmark triangles turned inside out"
    D = warper.field(motion.to_pixels(d, sp.scale),
                     None if pins is None else motion.to_pixels(pins, sp.scale))
    sx, sy = warper.spacing
    dx, dy = np.gradient(D, axis=1) / sx, np.gradient(D, axis=0) / sy
    det = (1 + dx[..., 0]) * (1 + dy[..., 1]) - dy[..., 0] * dx[..., 1]
    # > 0: no fold. Not much more can be asked: pressed lips closing a mouth that is open at
    # rest squeeze the slit between them toward zero area by design (astronaut: ~0.01)
    assert det.min() > 0.0, f"{name}: warp folds (min det {det.min():.3f})"


def test_intensity_above_the_ceiling_is_refused():
    with pytest.raises(InputError, match="1.5"):
        EmotionMix.from_preset("happy", intensity=1.6)
