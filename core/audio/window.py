"""Speech features and mouth motion for a window of a long take, equal to the whole take's.

A render or preview late in a long voice needs the speech of a few frames, but the features
were computed over the whole file first (3-4 s for 17 minutes before the first frame). What a
frame's features depend on:

- its analysis frames (pitch, formants, loudness under a 40 ms window): local, the expensive
  part (FFTs, LPC, eigenvalues), computed here for the window only;
- the level tracker's reference, which normalises loudness: a causal tracker started from a
  percentile of the whole take's loudness, that holds through silence, so it remembers the
  whole take. It needs only each analysis frame's dB, which `Level` takes for the whole take
  in one pass over the samples (`analyse_db`, bit for bit the analysis's own) plus the
  tracker's loop: ~0.2 s for 17 minutes, exact;
- the viseme mapper's attack/release envelopes (core/audio/visemes.py), which forget: every
  step moves two runs' states toward the same target, so their difference shrinks by at least
  exp(-dt / tau) a frame, tau the slowest time constant (the talking indicator's release,
  0.35 s). A run started TUNING["warmup_s"] before the window, from rest, meets the whole
  take's run to exp(-warmup_s / 0.35) of full scale (4e-13) by the window's first frame.

Frames past the take's last video frame repeat it (as the rig's tracks pad them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.audio import features as F
from core.audio.io import AudioTrack
from core.audio.visemes import MOUTH_AUS, SpeechMotion, speech_motion

TUNING = {
    # Warm-up of the viseme mapper before a window: its slowest time constant is the talking
    # indicator's 0.35 s release (visemes.TUNING["activity_s"]); 10 s = 28.6 of them, so a
    # run from rest meets the whole take's to exp(-28.6) = 4e-13 (float32 keeps 6e-8).
    "warmup_s": 10.0,
    # The rig's speech track is made this much at a time (core/rig/speech_track.py): a late
    # frame pays for one chunk plus the warm-up (30 s of features, ~0.1 s); a whole render
    # pays the warm-up once per chunk (1.5x the features, ~2 ms a second of video).
    "chunk_s": 20.0,
}


@dataclass
class Level:
    """A take's loudness: analysis dB and the level tracker's reference after each analysis
    frame (the whole take's, as compute_features has them), and each video frame's energy."""

    sr: int
    fps: float
    n_an: int            # analysis frames in the take
    n_video: int         # video frames compute_features gives: round(duration * fps)
    ref: np.ndarray      # (n_an,) reference dB after each analysis frame (NaN before speech)
    energy: np.ndarray   # (n_video,) loudness 0..1, compute_features' `energy`


def take_level(track: AudioTrack, fps: float) -> Level:
    sr = track.sample_rate
    db = F.analyse_db(track.samples, sr)
    agg = F.FrameAggregator(sr, fps, ref_db=F._initial_reference(db))
    ref = agg._track_level(db)
    n_video = int(round(track.duration * fps))
    energy = F.frame_energy(db, ref, n_video, fps, agg.hop_s)
    return Level(sr, float(fps), len(db), n_video, ref, energy)


def window_features(track: AudioTrack, level: Level, start: int, stop: int) -> F.FrameFeatures:
    """compute_features(track, fps) frames start..stop-1 (within 0..n_video), analysing only
    the analysis frames under them."""
    sr, fps = level.sr, level.fps
    hop_s = F.hop_length(sr) / sr
    a1 = int(np.clip(F.bound(stop - 1, fps, hop_s), 0, level.n_an))
    a0 = int(np.clip(F.bound(start - 1, fps, hop_s), 0, level.n_an))
    a0 = min(a0, max(a1 - 1, 0))  # frames past the analysis read its last frame, as whole
    ana = F.analyse_track(track.samples, sr, a0, a1)
    return F.fold(ana, level.ref[a0:a1], a0, np.arange(start, stop), fps, hop_s)


def window_motion(track: AudioTrack, level: Level, start: int, stop: int) -> SpeechMotion:
    """speech_motion(compute_features(track, fps)) frames start..stop-1, to 4e-13 (exact
    from frame 0): a run from rest warmup_s before `start`; frames at or past n_video repeat
    the last one (zeros for a take without frames)."""
    n = level.n_video
    if n == 0 or start >= stop:
        m = max(stop - start, 0)
        z = np.zeros(m, np.float32)
        return SpeechMotion(level.fps, {au: z for au in MOUTH_AUS}, {}, z)
    a = min(start, n - 1)
    first = max(0, a - int(round(TUNING["warmup_s"] * level.fps)))
    last = min(n, max(stop, a + 1) + 1)  # one frame of look-ahead (the closures' next frame)
    sm = speech_motion(window_features(track, level, first, last))
    rows = np.minimum(np.arange(start, stop), n - 1) - first
    return SpeechMotion(level.fps, {au: v[rows] for au, v in sm.aus.items()},
                        {k: v[rows] for k, v in sm.visemes.items()}, sm.activity[rows])

