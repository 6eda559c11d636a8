"""Lip sync stays tight (issue 12: "mouth opening still follows the audio envelope at lag 0 or
1 frame"), on a portrait with its mouth open at rest (the astronaut) and one with closed lips
(grace_hopper.jpg), with an emotion mixed in. Measured on the rendered landmarks' inner-lip gap
against the speech's own loudness envelope per video frame."""
from __future__ import annotations

import numpy as np
import pytest

from core.audio.features import compute_features
from core.audio.io import load_audio
from core.engine import RenderJob
from core.engines import create_engine
from core.mix import EmotionMix

FPS = 25
MAX_LAG = 4


@pytest.fixture(scope="module")
def grace() -> np.ndarray:
    import cv2
    from matplotlib import cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _best_lag(gap: np.ndarray, envelope: np.ndarray) -> int:
    """The shift (frames, mouth after voice) at which the gap correlates best with the voice."""
    def corr(k: int) -> float:
        a, b = gap[k:], envelope[: len(envelope) - k]
        return float(np.corrcoef(a, b)[0, 1])
    return max(range(MAX_LAG + 1), key=corr)


MIXES = {"surprised and happy": {"surprised": 0.5, "happy": 0.3},
         # sadness speaks with little movement (core/expression.py SPEECH_ARTICULATION)
         "sad": {"sad": 1.0}}


@pytest.mark.parametrize("mix", list(MIXES))
@pytest.mark.parametrize("which", ["astronaut", "grace"])
def test_mouth_follows_the_voice_at_lag_0_or_1(which, mix, portrait, grace, speech_wav):
    image = portrait if which == "astronaut" else grace
    engine = create_engine("rig")
    audio = load_audio(speech_wav)
    job = RenderJob(portrait=engine.prepare(image), audio=audio, fps=FPS, size=256,
                    mix=EmotionMix.from_dict(MIXES[mix]))
    gap = np.array([f.info["landmarks_ipd"][14, 1] - f.info["landmarks_ipd"][13, 1]
                    for f in engine.frames(job)])
    envelope = compute_features(audio, FPS).energy[: len(gap)]
    gap = gap[: len(envelope)]
    lag = _best_lag(gap, envelope)
    print(f"{which}: gap range {gap.max() - gap.min():.3f} IPD, best lag {lag}, "
          f"r at lag 0 {np.corrcoef(gap, envelope)[0, 1]:.2f}")
    assert gap.max() - gap.min() > 0.12  # the lips really open and close (IPD)
    assert lag <= 1
