"""Body language: each expert's head posture and gaze (core/body.py), measured on Face Mesh
landmarks of rendered frames; --head/--gaze in render; head and gaze in keyframes."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.body import IRIS_IPD_PER_DEG, posture
from core.cli import run_cli
from core.emotions import EMOTIONS
from core.engine import RenderJob
from core.engines import create_engine
from core.errors import InputError
from core.face.landmarks import detect_face
from core.face.regions import L_IRIS_CENTER, R_IRIS_CENTER
from core.face.regions import ipd as face_ipd
from core.keyframes import Key, KeyTrack, load_keys, save_keys
from core.mix import EmotionMix
from tests.export.helpers import decoded_frames

NOSE_TIP = 1
EYE_CORNERS = [33, 133, 362, 263]  # R outer, R inner, L inner, L outer
IRISES = [R_IRIS_CENTER, L_IRIS_CENTER]
FRAME = 20  # 0.8 s into a silent clip: past the onset


@pytest.fixture(scope="module")
def rig(portrait):
    engine = create_engine("rig")
    return engine, engine.prepare(portrait)


def render(rig, mix: EmotionMix, size: int = 256, seed: int = 0):
    engine, prepared = rig
    return engine.render_frame(RenderJob(portrait=prepared, mix=mix, duration=1.0, size=size,
                                         seed=seed), FRAME)


def head_measures(image) -> dict[str, float]:
    """Face Mesh on a rendered frame, in IPD (image x right, y down)."""
    p = detect_face(image).xy
    ipd = float(face_ipd(p))
    eyes = p[EYE_CORNERS].mean(0)
    return {"nose_x": p[NOSE_TIP, 0] / ipd, "nose_y": p[NOSE_TIP, 1] / ipd,
            "nose_below_eyes": (p[NOSE_TIP, 1] - eyes[1]) / ipd,
            "eye_line_drop": (p[263, 1] - p[33, 1]) / ipd}


def iris_below_corners(frame) -> float:
    """The rig's own deformed landmarks: irises relative to their eye corners, y down, IPD."""
    p = frame.info["landmarks"]
    ipd = float(face_ipd(p))
    return float((p[IRISES, 1].mean() - p[EYE_CORNERS, 1].mean()) / ipd)


@pytest.fixture(scope="module")
def experts(rig):
    """Seed 0's frames, and the Face Mesh measures of seeds 0-3 averaged: the life motion's
    head turn at FRAME (a random one per seed, the same for every mix) moves them by up to
    0.02 IPD, as much as some postures' margins (seed 2's sad nose was 0.007 IPD above the
    eyes, its chin 0.08 IPD down)."""
    names = ("neutral", *EMOTIONS)
    frames = {name: render(rig, EmotionMix.from_preset(name)) for name in names}
    seeds = [{k: head_measures(f.image) for k, f in frames.items()}]
    seeds += [{k: head_measures(render(rig, EmotionMix.from_preset(k), seed=s).image)
               for k in names} for s in (1, 2, 3)]
    return frames, {k: {q: float(np.mean([m[k][q] for m in seeds])) for q in seeds[0][k]}
                    for k in names}


def test_each_expert_brings_its_posture(experts):
    frames, m = experts
    d = {k: {q: v[q] - m["neutral"][q] for q in v} for k, v in m.items()}
    print({k: {q: round(x, 3) for q, x in v.items()} for k, v in d.items()})
    # sad: head down (the face drops, the nose tip drops toward the mouth), gaze down
    # (nose below the eye corners only > 0: on this smiling portrait sad also takes the rest
    # smile's cheek raise away, which lowers the eye corners ~0.01 IPD, core/rig/rest.py)
    assert d["sad"]["nose_y"] > 0.08 and d["sad"]["nose_below_eyes"] > 0.0
    assert iris_below_corners(frames["sad"]) - iris_below_corners(frames["neutral"]) > 0.02
    # anger: chin down (its fixed stare: test_anger_holds_the_gaze_still)
    assert d["angry"]["nose_y"] > 0.05
    # surprise and happiness: head back / up a little
    assert d["surprised"]["nose_y"] < -0.05 and d["happy"]["nose_y"] < -0.02
    # fear: head back and turned away (to the subject's right: image left on this portrait)
    assert d["fearful"]["nose_x"] < -0.05 and d["fearful"]["nose_y"] < -0.03
    # disgust: turned and tilted away (the subject's left eye drops)
    assert d["disgusted"]["nose_x"] < -0.04 and d["disgusted"]["eye_line_drop"] > 0.03


def test_anger_holds_the_gaze_still(rig):
    """Fewer saccades: the irises wander less over 4 s (same seed, so the same life motion),
    between blinks (a blink carries the iris with the closing lid) once the mix has eased in."""
    engine, prepared = rig

    def wander(mix):
        job = RenderJob(portrait=prepared, mix=mix, duration=4.0, size=128)
        frames = [engine.render_frame(job, i) for i in range(100)]
        p = np.array([f.info["landmarks_ipd"] for f in frames
                      if f.time > 0.2 and f.aus.get(45, 0.0) < 0.05])
        rel = p[:, IRISES].mean(1) - p[:, EYE_CORNERS].mean(1)
        return float(rel.std(0).sum())

    assert wander(EmotionMix.from_preset("angry")) < 0.5 * wander(EmotionMix())


def test_posture_mixes_by_the_gates_and_anger_holds_the_gaze():
    g = np.zeros((3, 6))
    g[1, 1] = 1.0
    g[2, [1, 2]] = 0.5
    body = posture(g)
    assert np.allclose(body.head[0], 0) and body.gaze_life[0] == 1.0
    assert body.head[1, 1] > 3 and body.gaze[1, 1] > 5 * IRIS_IPD_PER_DEG
    assert np.allclose(body.head[2], 0.5 * (posture(g[1]).head[0] + posture(g[[0]] + [
        0, 0, 1, 0, 0, 0]).head[0]))
    assert body.gaze_life[2] < 1.0  # anger's stare holds most saccades still


def test_hand_head_and_gaze_add_to_the_take(rig):
    base = render(rig, EmotionMix())
    down = render(rig, EmotionMix(head=(0.0, 10.0, 0.0), gaze=(0.0, 15.0)))
    assert head_measures(down.image)["nose_y"] - head_measures(base.image)["nose_y"] > 0.15
    assert iris_below_corners(down) - iris_below_corners(base) > 0.03


@pytest.mark.parametrize("extra, needle", [
    (["--head", "1,2"], "--head: expected YAW,PITCH,ROLL"),
    (["--head", "a,b,c"], "--head: 'a,b,c' has a value that is not a number"),
    (["--head=-40,0,0"], "--head yaw must be within +-15 degrees"),
    (["--head", "0,nan,0"], "--head pitch must be a finite number"),
    (["--gaze", "0,inf"], "--gaze y must be a finite number"),
    (["--gaze", "0,25"], "--gaze y must be within +-20 degrees"),
    (["--gaze", "1"], "--gaze: expected X,Y"),
])
def test_head_and_gaze_flags_are_checked(tmp_path, portrait_path, capsys, extra, needle):
    out = tmp_path / "x.mp4"
    code = run_cli(["render", "--portrait", str(portrait_path), "--out", str(out),
                    "--duration", "0.2", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0 and needle in err, err
    assert not out.exists()


def test_head_and_gaze_flags_move_the_head(tmp_path, portrait_path, capsys):
    movies = {}
    for name, extra in (("plain", []), ("down", ["--head", "0,10,0", "--gaze", "0,15"])):
        out = tmp_path / f"{name}.mp4"
        assert run_cli(["render", "--portrait", str(portrait_path), "--out", str(out),
                        "--duration", "0.4", "--size", "256", "--quiet", *extra]) == 0
        movies[name] = head_measures(decoded_frames(out)[-1])
    assert movies["down"]["nose_y"] - movies["plain"]["nose_y"] > 0.15


def test_keys_carry_head_and_gaze(tmp_path):
    track = KeyTrack([Key(0.0, EmotionMix.from_preset("sad", head=(4.0, 0.0, 0.0)), "linear"),
                      Key(2.0, EmotionMix(gaze=(10.0, -6.0)))])
    path = tmp_path / "take.json"
    save_keys(track, path)
    saved = json.loads(path.read_text())
    assert saved["version"] == 1
    assert saved["keys"][0]["mix"]["head"] == [4.0, 0.0, 0.0]
    assert "gaze" not in saved["keys"][0]["mix"] and "head" not in saved["keys"][1]["mix"]
    back = load_keys(path)
    assert [k.mix for k in back] == [k.mix for k in track]
    mid = back.mix_at(1.0)
    assert mid.head == pytest.approx((2.0, 0.0, 0.0)) and mid.gaze == pytest.approx((5.0, -3.0))
    # a version-1 file from before head and gaze reads as straight ahead
    old = {"format": "moee-keyframes", "version": 1,
           "keys": [{"time": 0.0, "mix": {"weights": {"happy": 1.0}}}]}
    assert KeyTrack.from_json_dict(old).mix_at(0.0).head == (0.0, 0.0, 0.0)
    bad = {**old, "keys": [{"time": 0.0, "mix": {"head": [0, 99, 0]}}]}
    with pytest.raises(InputError, match="key 1.*pitch must be within"):
        KeyTrack.from_json_dict(bad)


def test_keyed_head_reaches_the_track(rig):
    engine, prepared = rig
    keys = KeyTrack([Key(0.0, EmotionMix(head=(0.0, -8.0, 0.0)), "linear"),
                     Key(1.0, EmotionMix(head=(0.0, 8.0, 0.0), gaze=(0.0, 10.0)))])
    job = RenderJob(portrait=prepared, keys=keys, duration=1.0, size=128)
    track = engine.emotion_track(job, range(job.frame_count()))
    assert track.head[0, 1] == pytest.approx(-8.0) and track.head[-1, 1] > 7.0
    assert np.all(np.diff(track.head[:, 1]) > 0)  # linear between the keys
    assert track.gaze[-1, 1] > 9.0 * IRIS_IPD_PER_DEG


def test_head_life_mixes_by_the_gates_within_its_bounds():
    """The life motion's head gain (core/body.py HEAD_LIFE): 1 without an emotion, each
    expert's own at full weight, the gates' mix between, within HEAD_LIFE_RANGE past it."""
    from core.body import HEAD_LIFE, HEAD_LIFE_RANGE
    g = np.zeros((4, 6))
    g[1, EMOTIONS.index("sad")] = 1.0
    g[2, EMOTIONS.index("angry")] = 1.0
    g[3, EMOTIONS.index("sad")] = 5.0
    life = posture(g).head_life
    assert life[0] == 1.0
    assert life[1] == pytest.approx(HEAD_LIFE["sad"]) and life[2] == pytest.approx(
        HEAD_LIFE["angry"])
    assert life[3] == HEAD_LIFE_RANGE[0]
    assert HEAD_LIFE["sad"] < 1.0 < HEAD_LIFE["angry"]


def test_a_sad_voice_moves_the_head_less_an_angry_one_more(rig, speech_wav):
    """Talking, the life motion's head drift and nods scale with the experts' HEAD_LIFE: a sad
    take's head moves about half as much as a neutral take's (its posture, head down, on top),
    an angry one's more; the same seed, so the same motion scaled."""
    from core.audio.io import load_audio
    from core.body import HEAD_LIFE

    engine, prepared = rig
    audio = load_audio(speech_wav)
    spread = {}
    for name in ("neutral", "sad", "angry"):
        mix = EmotionMix() if name == "neutral" else EmotionMix.from_preset(name)
        job = RenderJob(portrait=prepared, audio=audio, size=128, mix=mix)
        heads = np.array([engine.render_frame(job, i).info["head"] for i in range(10, 60, 2)])
        spread[name] = heads.std(0)
    assert spread["neutral"].sum() > 0.5  # degrees: the voice moves the head
    assert spread["sad"] == pytest.approx(HEAD_LIFE["sad"] * spread["neutral"], rel=0.05)
    assert spread["angry"] == pytest.approx(HEAD_LIFE["angry"] * spread["neutral"], rel=0.05)
