"""The portrait's rest expression: measured (main.py analyze), replaced by conflicting experts
and removed by neutralize, checked by re-detecting Face Mesh on rendered frames."""
import json

import cv2
import numpy as np
import pytest

from core.cli import run_cli
from core.engine import RenderJob
from core.face.frame import FaceFrame
from core.face.landmarks import detect_face
from core.mix import EmotionMix
from core.rig.engine import RigEngine
from core.rig.rest import fit_rest

SIZE = 384


@pytest.fixture(scope="module")
def hopper() -> np.ndarray:
    from matplotlib import cbook
    img = cv2.imread(str(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)))
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def smiling(portrait):
    eng = RigEngine()
    return eng, eng.prepare(portrait)


def render(eng, prepared, mix: EmotionMix) -> np.ndarray:
    job = RenderJob(portrait=prepared, mix=mix, size=SIZE, duration=1.0)
    return eng.render_frame(job, 15).image  # 0.6 s: past the onset


def corner_elevation(image: np.ndarray) -> float:
    """How far the mouth corners sit above the lip midline (IPD, Face Mesh re-detected)."""
    lm = detect_face(image).landmarks
    P = FaceFrame.from_landmarks(lm).to_frame(lm[:, :2])
    return float((P[0, 1] + P[17, 1]) / 2 - P[[61, 291], 1].mean())


def test_smiling_photo_measures_a_smile_and_a_neutral_one_does_not(portrait, hopper):
    smile = fit_rest(detect_face(portrait).landmarks).aus
    assert smile.get(12, 0) >= 0.6 and smile.get(25, 0) >= 0.5  # smiling, teeth showing
    plain = fit_rest(detect_face(hopper).landmarks).aus
    assert plain.get(12, 0) <= smile[12] - 0.5


def test_sad_and_angry_lower_the_corners_of_a_smiling_photo(smiling):
    eng, prepared = smiling
    rest = corner_elevation(render(eng, prepared, EmotionMix()))
    assert rest > 0.08  # the photo smiles
    for name in ("sad", "angry"):
        e = corner_elevation(render(eng, prepared, EmotionMix.from_preset(name)))
        # well below the smiling rest line (0.08 IPD: anger's chin-down posture, core/body.py,
        # foreshortens the mouth in the picture)
        assert e < rest - 0.08, name


def test_taking_the_rest_away_brings_the_corners_to_neutral_on_a_drawing(portrait):
    """The fit trades the corners off against the other points: on a pencil drawing of the
    smiling photo (the legibility bench's) it explained 0.12 of the corners' 0.20 IPD lift, and
    anger kept a closed-lip smile. Removing every rest AU now leaves them at the neutral face's
    height, on the photo as on the drawing."""
    from core.rig.rest import _corner_heights, neutral_landmarks

    bgr = cv2.cvtColor(portrait, cv2.COLOR_RGB2BGR)
    gray, _ = cv2.pencilSketch(bgr, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
    for img in (portrait, cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)):
        lm = detect_face(img).landmarks
        frame = FaceFrame.from_landmarks(lm)
        P = frame.to_frame(lm[:, :2].astype(np.float64))
        Q = frame.to_frame(neutral_landmarks(lm))
        rest = fit_rest(lm, frame)
        assert (_corner_heights(P) - _corner_heights(Q)).max() < -0.15  # smiling at rest
        # each corner on its own (tests/rig/test_midline.py has a lopsided smile)
        left = _corner_heights(P - sum(rest.fields.values())) - _corner_heights(Q)
        assert np.abs(left).max() < 0.01, left


def test_neutralize_removes_the_measured_smile(smiling):
    eng, prepared = smiling
    kept = render(eng, prepared, EmotionMix())
    gone = render(eng, prepared, EmotionMix(neutralize=True))
    before = fit_rest(detect_face(kept).landmarks).aus.get(12, 0.0)
    after = fit_rest(detect_face(gone).landmarks).aus.get(12, 0.0)
    assert before >= 0.6 and after <= before - 0.4


def test_no_neutralize_keeps_the_rest_for_an_agreeing_emotion(smiling):
    eng, prepared = smiling
    # raised brows (AU1 + AU2 toggled) don't conflict with a smile: without neutralize the
    # smile stays (0.18 IPD against the rest's 0.19), with it the smile goes (0.03). Surprise
    # was the case here, but its dropped jaw conflicts with a smile (REST_CONFLICTS) and took
    # it away either way (0.06-0.08 IPD left, the open mouth's own shape)
    rest = corner_elevation(render(eng, prepared, EmotionMix()))
    brows = {1: 1.0, 2: 1.0}
    kept = corner_elevation(render(eng, prepared, EmotionMix(au_overrides=brows,
                                                             neutralize=False)))
    gone = corner_elevation(render(eng, prepared, EmotionMix(au_overrides=brows,
                                                             neutralize=True)))
    assert kept > rest - 0.02 and gone < kept - 0.1


def _lip_gap(eng, prepared, mix: EmotionMix) -> float:
    """Inner-lip gap of the rendered frame's own landmarks (IPD)."""
    lm = eng.render_frame(RenderJob(portrait=prepared, mix=mix, size=SIZE, duration=1.0),
                          15).info["landmarks_ipd"]
    return float(lm[[14, 87, 317], 1].mean() - lm[[13, 82, 312], 1].mean())


def test_lips_parted_at_rest_and_by_the_mix_part_once(smiling, hopper):
    # the smiling photo parts its lips at rest (AU25 ~1.0); happy parts them too. They used to
    # add up: happy's gap 0.32 IPD there against 0.15 on the closed-mouth grace_hopper.jpg, a
    # laugh gaping behind its own teeth (tuning.py REST_NOT_ADDED)
    eng, prepared = smiling
    closed = eng.prepare(hopper)
    happy = EmotionMix.from_preset("happy")
    on_smile, on_closed = _lip_gap(eng, prepared, happy), _lip_gap(eng, closed, happy)
    assert abs(on_smile - on_closed) < 0.05, (on_smile, on_closed)
    # ... and half of happy keeps the rest's own parting, neither closing nor doubling it
    rest = _lip_gap(eng, prepared, EmotionMix())
    half = _lip_gap(eng, prepared, EmotionMix.from_preset("happy", intensity=0.5))
    assert abs(half - rest) < 0.05, (half, rest)


def test_a_short_chin_over_closed_lips_is_identity_not_an_expression(hopper):
    # grace_hopper.jpg's lips meet at rest; its chin raised 0.04 IPD (a shorter lower face, as
    # on most of LivePortrait's example paintings) read as AU17 0.59 with AU25 0.33, a chin
    # raise cancelled on the lips by a parting, and a smile that took that AU17 away lengthened
    # the chin. Lips that meet show no parting and no chin raise
    from core.face.regions import region
    lm = detect_face(hopper).landmarks.copy()
    ipd = FaceFrame.from_landmarks(lm).ipd
    lm[region("chin"), 1] -= 0.04 * ipd
    rest = fit_rest(lm)
    assert not {17, 25, 26} & set(rest.aus), rest.aus
    taken = rest.removal({au: 1.0 for au in rest.aus})
    assert np.abs(taken[region("chin")]).max() < 0.01


def test_analyze_cli_prints_rest_aus(portrait_path, capsys):
    assert run_cli(["analyze", "--portrait", str(portrait_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rest_aus"]["AU12"] >= 0.6
    assert out["names"]["AU12"] == "Lip corner puller"
    assert "AU12" in out["label"]  # with the parted lips (AU25) among the strongest
    # a smile fitted on each side: both sides shown, the label not one-sided
    sides = out["rest_sides"]["AU12"]
    assert set(sides) == {"R", "L"} and min(sides.values()) > 0.5 * max(sides.values())
    assert "(left)" not in out["label"] and "(right)" not in out["label"]
    assert abs(out["head_yaw_degrees"]) < 10 and out["notes"] == []  # faces the camera


def test_a_face_turned_far_from_the_camera_reads_so(portrait):
    from core.face.landmarks import TURNED_NOTE_DEG, face_yaw_degrees

    lm = detect_face(portrait).landmarks.astype(np.float64)
    still = face_yaw_degrees(lm)
    centre = lm[:, :3].mean(0)
    for turn in (20.0, 50.0, -50.0):
        a = np.radians(turn)  # about the vertical axis: x and depth mix
        x, z = lm[:, 0] - centre[0], lm[:, 2] - centre[2]
        turned = lm.copy()
        turned[:, 0], turned[:, 2] = x * np.cos(a) - z * np.sin(a), x * np.sin(a) + z * np.cos(a)
        assert face_yaw_degrees(turned) == pytest.approx(still + turn, abs=1.0)
    assert 20.0 < TURNED_NOTE_DEG < 50.0


def test_analyze_cli_bad_input_is_one_line(tmp_path, capsys):
    bad = tmp_path / "not_an_image.png"
    bad.write_bytes(b"nope")
    assert run_cli(["analyze", "--portrait", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err


def test_render_flags_neutralize_and_intensity_range():
    from core.cli import build_parser
    from core.cli.render import build_mix
    from core.errors import InputError

    def mix(*flags):
        return build_mix(build_parser().parse_args(
            ["render", "--portrait", "p.png", "--out", "o.mp4", *flags]))

    assert mix().neutralize is None  # auto: on when an emotion is mixed
    assert mix("--neutralize").neutralize is True
    assert mix("--no-neutralize", "--mix", "sad=1").neutralize is False
    assert mix("--intensity", "1.5").intensity == 1.5
    # the one message of core.validate.intensity (the CLI, keys and the app share it)
    with pytest.raises(InputError, match=r"intensity must be in \[0, 1\.5\]"):
        mix("--intensity", "1.6")


def _corners_below_seam(eng, prepared, name: str) -> float:
    """The rig's own landmarks: how far the mouth corners sit below the lip seam's centre (IPD)."""
    job = RenderJob(portrait=prepared, mix=EmotionMix.from_preset(name), size=SIZE, duration=1.0)
    from core.face.regions import ipd
    from core.rig.rest import _corner_heights

    L = np.asarray(eng.render_frame(job, 15).info["landmarks"])[:, :2]
    return float(_corner_heights(L).mean()) / float(ipd(L))


def test_the_fold_guard_keeps_most_of_a_corner_drop(smiling, monkeypatch):
    """A smile taken away moves the corners ~0.29 IPD down, more than the skin beside them
    follows; the guard used to unfold that by lifting the corners back (sad kept 0.52 of its
    drop, angry 0.23): the corners give way least (FOLD_GUARD corner_share)."""
    from core.rig.tuning import FOLD_GUARD

    eng, prepared = smiling
    guarded = {n: _corners_below_seam(eng, prepared, n) for n in ("sad", "angry")}
    monkeypatch.setitem(FOLD_GUARD, "iterations", 0)
    monkeypatch.setitem(FOLD_GUARD, "shrink_passes", 0)
    for name, kept in guarded.items():
        free = _corners_below_seam(eng, prepared, name)
        assert free > 0.05 and kept > 0.58 * free, (name, kept, free)
