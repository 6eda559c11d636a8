"""The rig engine end to end on real media: the sample portrait, espeak-ng speech."""
import time

import cv2
import numpy as np
import pytest

from core.audio.io import AudioTrack, load_audio
from core.engine import CancelToken, RenderJob
from core.errors import Cancelled, InputError
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.life import LifeTake, LifeTracker, chunk_frames, life_motion


@pytest.fixture(scope="module")
def engine():
    return RigEngine()


@pytest.fixture(scope="module")
def prepared(engine, portrait):
    return engine.prepare(portrait)


@pytest.fixture(scope="module")
def speech(speech_wav):
    return load_audio(speech_wav)


def lip_gap(frame):
    lm = frame.info["landmarks_ipd"]
    return float(lm[[14, 87, 317], 1].mean() - lm[[13, 82, 312], 1].mean())


def test_duration_and_size(engine, prepared, speech):
    job = RenderJob(portrait=prepared, audio=speech, fps=25, size=256)
    assert abs(job.frame_count() / 25 - speech.duration) <= 1 / 25
    frame = engine.render_frame(job, 3)
    assert frame.image.shape == (256, 256, 3) and frame.image.dtype == np.uint8


def test_mouth_opens_on_speech_and_rests_in_silence(engine, prepared, speech):
    job = RenderJob(portrait=prepared, audio=speech, size=256, seed=1)
    frames = list(engine.frames(job))
    gaps = np.array([lip_gap(f) for f in frames])
    rest = lip_gap(engine.render_frame(RenderJob(portrait=prepared, duration=1.0, size=256), 5))
    t = np.array([f.time for f in frames])
    silent = (t > 0.05) & (t < 0.35)  # inside the leading 0.5 s pad
    voiced = (t > 0.8) & (t < speech.duration - 0.8)
    assert np.abs(gaps[silent] - rest).max() < 0.01  # a still mouth at rest in silence
    assert gaps[voiced].max() > rest + 0.15  # opens clearly on vowels
    assert np.percentile(gaps[voiced], 75) > rest + 0.05
    # the mouth box gets darker when it opens (the rendered cavity), in real pixels
    quiet = frames[int(np.argmax(silent))]
    lm = quiet.info["landmarks"]
    x0, x1 = int(lm[78, 0]) + 4, int(lm[308, 0]) - 4
    y0, y1 = int(lm[13, 1]), int(lm[14, 1] + 0.25 * (lm[473, 0] - lm[468, 0]))
    box = lambda f: f.image[y0:y1, x0:x1].astype(float).mean()  # noqa: E731
    assert box(frames[int(np.argmax(gaps))]) < box(quiet) - 5


def test_background_stays_put(engine, prepared, speech):
    job = RenderJob(portrait=prepared, audio=speech, size=512,
                    mix=EmotionMix.from_preset("surprised"))
    f = engine.render_frame(job, 40)
    x0, y0, x1, y1 = prepared.at_size(512).warper.roi
    outside = np.ones(f.image.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert outside.mean() > 0.2
    assert np.array_equal(f.image[outside], prepared.at_size(512).image[outside])


def test_emotions_change_pixels_and_rest_pose_is_identity(engine, prepared):
    from core.rig.pose import RigPose

    base = prepared.at_size(256).image
    still = engine.render_pose(prepared, RigPose(), 256)
    assert np.abs(still.astype(int) - base).mean() < 0.3  # portrait kept as it is
    neutral = engine.render_frame(RenderJob(portrait=prepared, duration=1.0, size=256), 10)
    for name in ("happy", "sad", "angry", "disgusted", "fearful", "surprised"):
        f = engine.render_frame(RenderJob(portrait=prepared, duration=1.0, size=256,
                                          mix=EmotionMix.from_preset(name)), 10)
        assert np.abs(f.image.astype(int) - neutral.image).mean() > 0.5, name


def test_deterministic_under_seed(engine, prepared, speech):
    a = engine.render_frame(RenderJob(portrait=prepared, audio=speech, size=128, seed=3), 60)
    b = RigEngine().render_frame(RenderJob(portrait=prepared, audio=speech, size=128, seed=3), 60)
    c = engine.render_frame(RenderJob(portrait=prepared, audio=speech, size=128, seed=4), 60)
    assert np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)


def test_blinks_happen_and_can_be_muted(engine, prepared):
    job = RenderJob(portrait=prepared, duration=12.0, size=128)
    blinks = [f.aus.get(45, 0) for f in engine.frames(job)]
    assert max(blinks) > 0.9
    muted = RenderJob(portrait=prepared, duration=12.0, size=128,
                      mix=EmotionMix(au_overrides={45: 0.0}))
    assert max(f.aus.get(45, 0) for f in engine.frames(muted)) == 0


def test_preview_range_matches_full_take(engine, prepared, speech):
    full = RenderJob(portrait=prepared, audio=speech, size=128)
    part = RenderJob(portrait=prepared, audio=speech, size=128, start=2.0, duration=0.5)
    frames = list(engine.frames(part))
    assert len(frames) == 12 or len(frames) == 13
    np.testing.assert_array_equal(frames[0].image, engine.render_frame(full, 50).image)


def test_cancel_and_bad_ranges(engine, prepared, speech):
    token = CancelToken()
    it = engine.frames(RenderJob(portrait=prepared, audio=speech, size=128), cancel=token)
    next(it)
    token.cancel()
    with pytest.raises(Cancelled):
        next(it)
    with pytest.raises(InputError, match="past the end"):
        list(engine.frames(RenderJob(portrait=prepared, audio=speech, start=99.0)))
    with pytest.raises(InputError, match="--size"):
        engine.render_frame(RenderJob(portrait=prepared, audio=speech, size=10), 0)


def test_paintings_animate(engine, portrait):
    oil = cv2.xphoto.oilPainting(portrait, 7, 1)
    p = engine.prepare(oil)
    f = engine.render_frame(RenderJob(portrait=p, duration=1.0, size=256,
                                      mix=EmotionMix.from_preset("surprised")), 10)
    assert np.abs(f.image.astype(int) - p.at_size(256).image).mean() > 0.5

# A frame late in a take costs what an early one does, and is the frame a render from 0 makes.
# The life motion (blinks, head, gaze; core/rig/life.py) was stepped from frame 0 up to the
# first frame asked for: 12 frames at --start 1000 s took 0.7 s, at 10000 s 6.8 s (0.05 s at 0).
FPS = 25


@pytest.fixture(scope="module")
def long_speech(speech_wav):
    """~75 s of speech (the 6 s clip over and over): three chunks of life motion and more."""
    one = load_audio(speech_wav)
    return AudioTrack(np.tile(one.samples, 13), one.sample_rate)


def _late_frames_match(engine, prepared, audio, start, duration, whole):
    part = list(engine.frames(RenderJob(portrait=prepared, audio=audio, size=128, start=start,
                                        duration=duration)))
    take = RenderJob(portrait=prepared, audio=audio, size=128, duration=whole)
    fresh = RigEngine()  # its own tracks: nothing shared with the late render's
    for f in part:
        index = int(round(f.time * FPS))
        full = fresh.render_frame(take, index)
        assert full.time == pytest.approx(f.time)
        np.testing.assert_array_equal(f.image, full.image)
        assert f.aus == full.aus and f.info["head"] == full.info["head"]
    return part


def test_late_start_frames_are_the_take_frames(engine, prepared, long_speech):
    """A render with --start gives, frame for frame, what the take from 0 gives at those times:
    across a chunk's start (60 s) and after it, with speech and silent."""
    seam = 2 * chunk_frames(FPS) / FPS
    for audio, whole in ((long_speech, None), (None, 75.0)):
        part = _late_frames_match(engine, prepared, audio, seam - 0.12, 0.28, whole)
        assert len(part) == 7
        _late_frames_match(engine, prepared, audio, 71.0, 0.12, whole)


def test_a_frame_costs_the_same_at_any_start(engine, prepared):
    """12 silent frames at --start 10000 s cost about what they cost at 0 (before: 6.8 s
    against 0.05 s, the life motion stepped through 250,000 frames first)."""
    def cost(start):
        job = RenderJob(portrait=prepared, size=128, start=start, duration=0.5)
        t0 = time.perf_counter()
        frames = list(RigEngine().frames(job))
        assert len(frames) == 12
        return time.perf_counter() - t0

    cost(0.0)  # warm
    early, late = cost(0.0), cost(10000.0)
    assert late < 3 * early + 1.0, (early, late)


def test_life_take_from_any_frame_matches_one_run():
    """LifeTake's chunks, made on their own from any frame, are one continuous tracker's run
    (live mode's) up to float rounding: no seam where a chunk starts."""
    rng = np.random.default_rng(0)
    n = 5 * chunk_frames(FPS) + 40
    talk = np.clip(rng.random(n) * 1.3 - 0.2, 0, 1) * ((np.arange(n) // 60) % 3 > 0)
    for energy in (None, talk):
        whole = life_motion(n, FPS, energy, seed=4)
        tracker = LifeTracker(FPS, seed=4)
        steps = [tracker.step(0.0 if energy is None else float(e)) for e in
                 (np.zeros(n) if energy is None else energy)]
        assert np.allclose([s[0] for s in steps], whole.blink, atol=1e-6)
        assert np.allclose([s[1] for s in steps], whole.head, atol=1e-4)
        assert np.allclose([s[2] for s in steps], whole.gaze, atol=1e-6)
        for first in (2 * chunk_frames(FPS) - 3, 3 * chunk_frames(FPS) + 100, n - 5):
            late = LifeTake(FPS, energy, seed=4).frames(first, first + 5)
            assert np.array_equal(late.blink, whole.blink[first:first + 5])
            assert np.array_equal(late.head, whole.head[first:first + 5])
            assert np.array_equal(late.gaze, whole.gaze[first:first + 5])
