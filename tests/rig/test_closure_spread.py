"""A p/b/m closes a mouth held wide open (surprise, fear) over three frames, not in one: the
viseme mapper shuts the lips for the closure's frame and opens them again at once, and
surprise's dropped jaw shut and reopened within 80 ms, a pop at 25 fps (core/rig/speech_track.py
`spread_closures`, compose.py `_yields`)."""
import numpy as np
import pytest

from core.audio.io import load_audio
from core.engine import RenderJob
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.samples import sample_portrait
from tests.conftest import ROOT

UPPER, LOWER = 13, 14  # the inner lips' centres


@pytest.fixture(scope="module")
def surprised():
    eng = RigEngine()
    p = eng.prepare(sample_portrait(512))
    audio = load_audio(ROOT / "resources" / "samples" / "sample_voice.wav")
    job = RenderJob(portrait=p, audio=audio, size=256, mix=EmotionMix.from_preset("surprised"))
    gap = np.array([np.diff(eng.render_frame(job, i).info["landmarks_ipd"][[UPPER, LOWER], 1])[0]
                    for i in range(job.frame_count())])
    return eng.tracks(job), gap


def test_a_closure_closes_and_opens_over_three_frames(surprised):
    """Beside each p/b/m the mouth closed on, the mouth is less open than two frames away: the
    larger neighbour's gap over the mean gap two frames away, median over the take's closures
    inside wide-open stretches: 0.91 (0.72-0.97), against 1.11 (1.02-1.19) before, when the
    jaw sprang back at once."""
    tracks, gap = surprised
    closes = np.minimum(tracks.speech[24][:len(gap)] / 0.6, 1.0)
    ratios = []
    for i in range(2, len(gap) - 2):
        if closes[i] < 0.9 or gap[i] > 0.05:
            continue
        # a closure may last two frames: its neighbours are the frames before and after it
        lo = i - 1 if gap[i - 1] > 0.05 else i - 2
        hi = i + 1 if gap[i + 1] > 0.05 else i + 2
        if lo < 1 or hi >= len(gap) - 1:
            continue
        away = (gap[lo - 1] + gap[hi + 1]) / 2
        if away >= 0.15:  # held open around it
            ratios.append(max(gap[lo], gap[hi]) / away)
    assert len(ratios) >= 5, ratios
    assert np.median(ratios) < 1.0, np.round(ratios, 2)


def test_the_lips_still_meet_on_the_closure(surprised):
    tracks, gap = surprised
    closes = np.minimum(tracks.speech[24][:len(gap)] / 0.6, 1.0)
    assert gap[closes >= 0.99].max() < 0.05
