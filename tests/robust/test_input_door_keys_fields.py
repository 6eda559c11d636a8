"""A keyframe file with a misspelt field ("weigths", "aus", "easeing", a stray top-level field)
is refused naming the field and the allowed ones; it used to render a neutral face, rc 0. The
files the app and the CLI write themselves still load."""
from __future__ import annotations

import json

import pytest

from core.errors import InputError
from core.keyframes import Key, KeyTrack, load_keys, save_keys
from core.mix import EmotionMix

MIX_ALLOWED = ("(expected: weights, mode, intensity, au_overrides, local_gates, prompt, label, "
               "gate_override, neutralize, head, gaze)")


def _write(path, keys, **top):
    path.write_text(json.dumps({"format": "moee-keyframes", "version": 1, **top, "keys": keys}))
    return path


@pytest.mark.parametrize("mix, field", [
    ({"weigths": {"happy": 1}}, "weigths"),
    ({"weights": {"happy": 1}, "aus": {"12": 1}}, "aus"),
    ({"weights": {"happy": 1}, "Intensity": 1.2}, "Intensity"),
])
def test_an_unknown_field_in_a_keys_mix_is_refused(tmp_path, mix, field):
    path = _write(tmp_path / "typo.json", [{"time": 0, "mix": mix}])
    with pytest.raises(InputError) as e:
        load_keys(path)
    assert str(e.value) == f"typo.json: key 1: unknown field {field!r} in mix {MIX_ALLOWED}"


def test_an_unknown_field_of_a_key_is_refused(tmp_path):
    path = _write(tmp_path / "typo.json", [
        {"time": 0, "mix": {"weights": {"happy": 1}}},
        {"time": 1, "easeing": "hold", "mix": {"weights": {"sad": 1}}}])
    with pytest.raises(InputError) as e:
        load_keys(path)
    assert str(e.value) == ("typo.json: key 2: unknown field 'easeing' "
                            "(expected: time, easing, mix)")


@pytest.mark.parametrize("easing", [["hold"], {"name": "hold"}])
def test_an_easing_that_is_not_text_names_the_easing(tmp_path, easing):
    """A list or object as the easing was blamed on the mix: "key 1, field 'mix': unhashable
    type: 'list'"."""
    path = _write(tmp_path / "e.json", [{"time": 0, "easing": easing, "mix": {}}])
    with pytest.raises(InputError) as e:
        load_keys(path)
    assert str(e.value).startswith(f"e.json: key 1: unknown easing {easing!r}; expected one of")


def test_an_unknown_top_level_field_is_refused(tmp_path):
    path = _write(tmp_path / "typo.json", [{"time": 0, "mix": {}}], kyes=[])
    with pytest.raises(InputError) as e:
        load_keys(path)
    assert str(e.value) == "typo.json: unknown field 'kyes' (expected: format, version, keys)"


def test_render_refuses_the_misspelt_file_in_one_line(portrait_path, speech_wav, tmp_path,
                                                      capsys):
    from core.cli import run_cli

    path = _write(tmp_path / "typo.json", [{"time": 0, "mix": {"weigths": {"happy": 1}}}])
    out = tmp_path / "k.mp4"
    code = run_cli(["render", "--portrait", str(portrait_path), "--audio", str(speech_wav),
                    "--duration", "0.2", "--size", "64", "-o", str(out), "--keys", str(path)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err, err
    assert "error: typo.json: key 1: unknown field 'weigths' in mix" in err
    assert not out.exists()


FULL_MIX = EmotionMix(weights=(0.2, 0.3, 0.0, 0.0, 0.5, 0.0), mode="normalized", intensity=1.2,
                      au_overrides={12: 0.4, 26: 0.0}, local_gates={"mouth": (1, 0, 0, 0, 0, 0)},
                      prompt="a little wistful", label="sad", gate_override=False,
                      neutralize=True, head=(5.0, -3.0, 1.0), gaze=(2.0, -1.0))


def test_the_keys_files_this_app_writes_still_load(tmp_path):
    track = KeyTrack([Key(0.0, FULL_MIX, "hold"), Key(1.5, EmotionMix.from_preset("happy")),
                      Key(3.0, EmotionMix(), "linear")])
    save_keys(track, tmp_path / "take.json")
    again = load_keys(tmp_path / "take.json")
    assert again.to_json_dict() == track.to_json_dict()
    assert again.keys[0].mix == FULL_MIX


def test_projects_with_a_mix_and_keys_still_load(tmp_path):
    from core.project import Project, load_project, save_project

    track = KeyTrack([Key(0.0, FULL_MIX), Key(2.0, EmotionMix.from_preset("angry"), "ease-in")])
    project = Project(mix=FULL_MIX, keyframes=track.to_project())
    save_project(project, tmp_path / "p.moee.json")
    again = load_project(tmp_path / "p.moee.json")
    assert again.mix == FULL_MIX
    assert again.keyframes == track.to_project()
