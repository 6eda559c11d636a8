"""Speech -> mouth AUs on real espeak-ng speech: opening, closures, vowels, smoothness."""
from __future__ import annotations

import time

import numpy as np
import pytest

from core.audio.features import compute_features
from core.audio.io import load_audio
from core.audio.visemes import MOUTH_AUS, speech_motion
from tests.conftest import make_speech

FPS = 25


def _motion(path):
    feats = compute_features(load_audio(path), FPS)
    return feats, speech_motion(feats)


@pytest.fixture(scope="module")
def speech(speech_wav):
    return _motion(speech_wav)


def test_shapes_and_ranges(speech):
    feats, m = speech
    n = int(round(load_duration(feats) * FPS))
    assert feats.n == m.n == n
    assert set(MOUTH_AUS) <= set(m.aus) and {"A", "I", "U", "E", "O", "PP", "sil"} <= set(m.visemes)
    for v in (*m.aus.values(), m.activity, feats.energy, feats.voiced):
        assert v.shape == (n,) and np.isfinite(v).all() and v.min() >= 0 and v.max() <= 1


def load_duration(feats):
    return feats.n / FPS


def test_mouth_opens_on_speech_and_rests_on_pads(speech):
    feats, m = speech
    voiced = feats.voiced > 0.8
    assert m.aus[26][voiced].mean() > 0.3 and m.aus[25][voiced].mean() > 0.5
    pad = int(0.5 * FPS)
    for au in MOUTH_AUS:  # the 0.5 s pads: closed within ~0.15 s of the silence
        assert m.aus[au][:pad].max() < 0.02
        assert m.aus[au][-pad + 5:].max() < 0.05, au
    assert m.activity[voiced].mean() > 0.8 and m.activity[:pad].max() < 0.01


def test_silence_file_gives_still_closed_mouth(silence_wav):
    feats, m = _motion(silence_wav)
    assert feats.energy.max() == 0 and m.activity.max() == 0
    assert all(v.max() == 0 for v in m.aus.values())


def test_features_are_level_independent(speech_wav):
    track = load_audio(speech_wav)
    quiet = type(track)(track.samples * 0.05, track.sample_rate)  # -26 dB
    a, b = compute_features(track, FPS), compute_features(quiet, FPS)
    assert np.abs(a.energy - b.energy).mean() < 0.03


def test_f0_and_formants_are_plausible(speech):
    feats, _ = speech
    v = feats.voiced > 0.8
    assert 70 < np.median(feats.f0[v]) < 250
    assert 250 < np.median(feats.f1[v]) < 900 and 900 < np.median(feats.f2[v]) < 2200
    assert (feats.f0[feats.voiced == 0] == 0).all()


@pytest.mark.parametrize("text", ["papa papa papa", "mama mama mama"])
def test_bilabials_press_the_lips(tmp_path, text):
    feats, m = _motion(make_speech(tmp_path / "b.wav", text, rate=130, pad_s=0.3))
    press = m.aus[24]
    peaks = [i for i in range(1, m.n - 1)
             if press[i] > 0.3 and press[i] >= press[i - 1] and press[i] >= press[i + 1]]
    assert len(peaks) >= 4, peaks  # 5 bilabials after the first syllable
    for i in peaks:
        assert m.aus[25][i] < 0.12 and m.aus[26][i] < 0.1


def _held(tmp_path, text):
    feats, m = _motion(make_speech(tmp_path / f"{text}.wav", text, rate=80))
    core = feats.voiced > 0.8
    return {au: float(v[core].mean()) for au, v in m.aus.items()}


def test_vowels_shape_the_mouth(tmp_path):
    a, e, o = (_held(tmp_path, t) for t in ("aaaah", "eeeee", "ooooo"))
    jaw, rounding, width = 26, (18, 22), 20
    assert a[jaw] > e[jaw] + 0.15 and a[jaw] > o[jaw] + 0.15
    assert sum(o[k] for k in rounding) > sum(e[k] for k in rounding) + 0.3
    assert e[width] > o[width] + 0.15


def test_no_chatter(speech):
    feats, m = speech
    seconds = m.n / FPS
    for au in (25, 26, 18, 20):
        d = np.diff(m.aus[au])
        d = d[np.abs(d) > 0.02]  # ignore flat stretches
        turns = np.count_nonzero(np.diff(np.sign(d)) != 0)
        assert turns / seconds < 6.0, (au, turns / seconds)  # ~4-5 syllables/s at most


@pytest.mark.slow
def test_sixty_seconds_well_under_a_second(speech_wav):
    track = load_audio(speech_wav)
    reps = int(np.ceil(60 / track.duration))
    long = type(track)(np.tile(track.samples, reps)[: 60 * 16000], 16000)
    t = time.perf_counter()
    speech_motion(compute_features(long, FPS))
    assert time.perf_counter() - t < 1.5  # ~0.3 s on one laptop core; slack for shared CI


@pytest.mark.parametrize("sr,fps", [(16000, 30), (44100, 24), (48000, 60)])
def test_any_rate_and_fps(speech_wav, sr, fps):
    feats = compute_features(load_audio(speech_wav, sample_rate=sr), fps)
    m = speech_motion(feats)
    assert feats.n == m.n == int(round(load_audio(speech_wav).duration * fps))
    assert m.aus[26].max() > 0.4 and m.aus[26][: int(0.4 * fps)].max() < 0.02
