"""Batch features in chunks: the same numbers as one pass, and memory that doesn't grow."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from core.audio import features as F
from core.audio.io import AudioTrack, load_audio

FPS = 25
COLUMNS = ("energy", "voiced", "f0", "f1", "f2", "hf", "dip", "db")


def _one_pass(track: AudioTrack, fps: float) -> F.FrameFeatures:
    """The pre-chunking compute_features: the whole take padded and analysed at once."""
    sr, hop, c = track.sample_rate, F.hop_length(track.sample_rate), F.context(track.sample_rate)
    padded = np.concatenate([np.zeros(c, np.float32), track.samples,
                             np.zeros(c + hop, np.float32)])
    ana = F.analyse_frames(padded, sr, 0, int(np.ceil(len(track.samples) / hop)) + 1)
    agg = F.FrameAggregator(sr, fps, ref_db=F._initial_reference(ana.db))
    return agg.push(ana, int(round(track.duration * fps)), final=True)


@pytest.fixture(scope="module")
def long_track(speech_wav) -> AudioTrack:
    """About 40 s: the 6 s fixture looped, so chunk edges fall inside speech."""
    one = load_audio(speech_wav)
    return AudioTrack(np.tile(one.samples, 7)[: 40 * one.sample_rate], one.sample_rate)


def _assert_same(a: F.FrameFeatures, b: F.FrameFeatures) -> None:
    for name in COLUMNS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape, name
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-5, err_msg=name)


def test_chunked_matches_one_pass_on_40s(long_track):
    _assert_same(F.compute_features(long_track, FPS), _one_pass(long_track, FPS))


@pytest.mark.parametrize("chunk_s", [0.37, 1.0])
def test_odd_chunk_edges_change_nothing(speech_wav, monkeypatch, chunk_s):
    track = load_audio(speech_wav)
    monkeypatch.setitem(F.TUNING, "chunk_s", chunk_s)
    _assert_same(F.compute_features(track, 30), _one_pass(track, 30))


def _peak_bytes(track: AudioTrack) -> int:
    tracemalloc.start()  # numpy reports its buffers to tracemalloc
    try:
        F.compute_features(track, FPS)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_scratch_memory_does_not_grow_with_length(long_track):
    sr = long_track.sample_rate
    short = AudioTrack(long_track.samples[: 12 * sr], sr)
    # One pass needed ~1.4 MB per second (56 MB here); chunks keep the scratch to one chunk's.
    assert _peak_bytes(long_track) < 1.3 * _peak_bytes(short)
