"""`main.py mix` prints the AUs the face gets: the rig's per-expert strengths, ceiling and yields,
as a silent take's AU curves show them (it printed the gates' plain FACS blend: sad=0.5 gave
AU1 0.5 where the face and the curves had 0.65). core/rig/moe_rig.py face_aus."""
from dataclasses import replace

import numpy as np
import pytest

from core.face.landmarks import detect_face
from core.mix import EmotionMix
from core.rig.compose import FrameDrive, compose
from core.rig.moe_rig import face_aus
from core.rig.motion import MotionModel
from core.track import TrackBuilder
from tests.latents.test_latents_cli import _mix

MIXES = [EmotionMix.from_dict({"sad": 0.5}),
         EmotionMix.from_preset("sadly surprised"),
         EmotionMix.from_preset("happily surprised", au_overrides={4: 0.3, 12: 0.0}),
         EmotionMix.from_dict({"angry": 1.0, "disgusted": 0.4}, intensity=1.4)]


@pytest.mark.parametrize("mix", MIXES, ids=["sad", "sadly surprised", "toggles", "exaggerated"])
def test_face_aus_are_the_composed_frames(portrait, mix):
    motion = MotionModel(detect_face(portrait))
    row = TrackBuilder().for_mixes([mix], mix.gates()[None]).row(0)
    row = replace(row, head=np.zeros(3), gaze=np.zeros(2))
    pose, _ = compose(motion, row, FrameDrive(speech={}, activity=0.0))
    assert face_aus(mix.gates(), mix.au_overrides) == pytest.approx(pose.final_aus, abs=1e-4)


def test_mix_prints_the_face_aus(runtime, capsys):
    code, out, _ = _mix(capsys, "--mix", "sad=0.5")
    assert code == 0 and out["module_aus"] is None
    assert out["aus"]["AU1"] == pytest.approx(0.65)  # sad's strength 1.3 (0.5 before)
    code, out, _ = _mix(capsys, "--mix", "sadly surprised")
    assert out["aus"]["AU2"] == pytest.approx(0.12, abs=0.01)  # surprise's 1.2, yielded to 0.1
    code, out, _ = _mix(capsys, "--label", "sadly surprised")
    assert out["source"] == "label" and out["module_aus"]["AU1"] > 0.5
