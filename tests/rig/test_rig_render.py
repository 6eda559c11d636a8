"""The rig engine end to end on real media: the sample portrait, espeak-ng speech."""
import cv2
import numpy as np
import pytest

from core.audio.io import load_audio
from core.engine import CancelToken, RenderJob
from core.errors import Cancelled, InputError
from core.mix import EmotionMix
from core.rig.engine import RigEngine


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
