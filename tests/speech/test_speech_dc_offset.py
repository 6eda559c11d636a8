"""A DC offset (the constant a cheap sound card or USB microphone adds to every sample) is no
loudness: the mouth rests in the pauses as it does on the same speech recorded without it."""
from __future__ import annotations

import numpy as np
import pytest

from core.audio.features import compute_features
from core.audio.io import AudioTrack, load_audio
from core.audio.visemes import speech_motion

FPS = 25
SR = 16000


@pytest.fixture(scope="module")
def padded(speech_wav) -> np.ndarray:
    """The speech with one more second of silence before and after it."""
    pad = np.zeros(SR, np.float32)
    return np.concatenate([pad, load_audio(speech_wav).samples, pad])


@pytest.mark.parametrize("offset", [0.005, 0.01, -0.05])  # -46, -40, -26 dBFS
def test_a_dc_offset_leaves_the_mouth_at_rest_in_the_pauses(padded, offset):
    clean = compute_features(AudioTrack(padded, SR), FPS)
    shifted = compute_features(AudioTrack(padded + np.float32(offset), SR), FPS)
    # the added seconds, past the step from the silence before the file to its offset (a few
    # frames: the mouth's release) and the last frame
    pause = np.r_[4:FPS, -FPS:-2]
    assert clean.energy[pause].max() == 0.0
    assert shifted.energy[pause].max() == 0.0, shifted.energy[pause].round(2)
    assert speech_motion(shifted).aus[25][pause].max() < 0.01
    talk = slice(FPS + 5, -FPS - 5)
    assert np.abs(shifted.energy[talk] - clean.energy[talk]).max() < 0.05
