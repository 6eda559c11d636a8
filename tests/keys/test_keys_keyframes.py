"""Keyframes: easing values between two keys, interpolation rules, editing, files, auto keys."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.errors import InputError
from core.expression import au_vector_from_gates
from core.emotions import AU_INDEX
from core.keyframes import (EASINGS, Key, KeyTrack, blend, load_keys, propose_keys,
                            save_keys)
from core.mix import EmotionMix

HAPPY = EmotionMix.from_preset("happy")
SAD = EmotionMix.from_preset("sad")
# fraction of the way (time) -> expected blend fraction, per easing
EXPECTED = {
    "linear": {0.25: 0.25, 0.5: 0.5, 0.75: 0.75},
    "ease-in": {0.25: 0.0625, 0.5: 0.25, 0.75: 0.5625},
    "ease-out": {0.25: 0.4375, 0.5: 0.75, 0.75: 0.9375},
    "ease-in-out": {0.25: 0.15625, 0.5: 0.5, 0.75: 0.84375},
    "hold": {0.25: 0.0, 0.5: 0.0, 0.75: 0.0},
}


@pytest.mark.parametrize("easing", list(EASINGS))
def test_gates_between_two_keys(easing):
    track = KeyTrack([Key(1.0, HAPPY, easing), Key(3.0, SAD)])
    for u, e in EXPECTED[easing].items():
        g = track.mix_at(1.0 + 2.0 * u).gates()
        want = (1 - e) * HAPPY.gates() + e * SAD.gates()
        np.testing.assert_allclose(g, want, atol=1e-6, err_msg=f"{easing} at u={u}")
    np.testing.assert_allclose(track.mix_at(0.0).gates(), HAPPY.gates())  # before the first
    np.testing.assert_allclose(track.mix_at(3.0).gates(), SAD.gates())  # at the last key
    np.testing.assert_allclose(track.mix_at(99).gates(), SAD.gates())  # after the last


def test_mixed_modes_and_intensity_interpolate_effective_gates():
    a = EmotionMix.from_dict({"happy": 2, "angry": 2}, mode="normalized", intensity=0.5)
    b = EmotionMix.from_dict({"surprised": 0.8}, intensity=1.0)
    m = blend(a, b, 0.3)
    np.testing.assert_allclose(m.gates(), 0.7 * a.gates() + 0.3 * b.gates(), atol=1e-6)
    same = blend(a, EmotionMix.from_dict({"sad": 1}, mode="normalized", intensity=0.5), 0.5)
    assert same.mode == "normalized" and same.intensity == 0.5


def test_au_toggles_fade_from_what_the_mix_gives_and_prompt_steps():
    a = EmotionMix(weights=HAPPY.weights, au_overrides={15: 1.0}, prompt="a smile")
    b = EmotionMix(weights=SAD.weights, au_overrides={12: 0.0}, prompt="tears")
    track = KeyTrack([Key(0.0, a, "linear"), Key(2.0, b)])
    m = track.mix_at(1.0)
    own_sad_15 = float(au_vector_from_gates(SAD.gates())[AU_INDEX[15]])
    own_happy_12 = float(au_vector_from_gates(HAPPY.gates())[AU_INDEX[12]])
    assert m.au_overrides[15] == pytest.approx(0.5 * 1.0 + 0.5 * own_sad_15)
    assert m.au_overrides[12] == pytest.approx(0.5 * own_happy_12)  # fades to muted
    assert m.prompt == "a smile" and track.mix_at(2.0).prompt == "tears"


def test_editing_keeps_keys_sorted():
    track = KeyTrack([Key(2.0, SAD), Key(0.0, HAPPY)])
    assert track.times() == [0.0, 2.0]
    i = track.paste(track.copy(0), 1.0)
    assert i == 1 and track.times() == [0.0, 1.0, 2.0]
    assert track.move(0, 3.0) == 2 and track.times() == [1.0, 2.0, 3.0]
    track.add(Key(2.0, EmotionMix()))  # same time replaces
    assert len(track) == 3 and track.keys[1].mix.is_neutral
    track.replace(1, easing="hold")
    assert track.keys[1].easing == "hold"
    assert track.index_near(2.03) == 1 and track.index_near(2.5) is None
    track.delete(1)
    assert track.times() == [1.0, 3.0]
    with pytest.raises(IndexError):
        track.delete(5)
    assert KeyTrack().mix_at(1.0).is_neutral


def test_file_round_trip_and_project_list(tmp_path):
    track = KeyTrack([Key(0.0, HAPPY, "linear"),
                      Key(1.5, EmotionMix(weights=SAD.weights, au_overrides={4: 0.3},
                                          local_gates={"mouth": (1, 0, 0, 0, 0, 0)}), "hold")])
    path = tmp_path / "take.json"
    save_keys(track, path)
    back = load_keys(path)
    assert back.to_json_dict() == track.to_json_dict()
    assert KeyTrack.from_json_dict(track.to_project()).to_json_dict() == track.to_json_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["take.json"]  # no temp file left


def test_step_is_hold_and_old_files_still_load(tmp_path):
    """'step' = hold until the next key (the animation-tool convention), kept as an alias."""
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "moee-keyframes", "version": 1, "keys": [
        {"time": 0.0, "easing": "step", "mix": HAPPY.as_dict()},
        {"time": 2.0, "mix": SAD.as_dict()}]}))
    track = load_keys(path)
    assert track.keys[0].easing == "hold"
    np.testing.assert_allclose(track.mix_at(1.5).gates(), HAPPY.gates())  # no cut at 1.0 s
    np.testing.assert_allclose(track.mix_at(2.0).gates(), SAD.gates())


@pytest.mark.parametrize("content, words", [
    ('{"format": "moee-keyframes", "version": 1, "keys": [\n  {"time": 1,}\n]}', "line 2"),
    ('{"format": "other"}', "not a MoEE keyframe file"),
    ('{"format": "moee-keyframes", "version": 9, "keys": []}', "version 9"),
    ('{"format": "moee-keyframes", "version": 0, "keys": []}', "version 0"),
    ('{"format": "moee-keyframes", "version": true, "keys": []}', "version True"),
    ('{"format": "moee-keyframes", "version": 1, "keys": [{"mix": {}}]}',
     "key 1: the field 'time'"),
    ('{"format": "moee-keyframes", "version": 1, "keys": [{"time": "x", "mix": {}}]}',
     "key 1, field 'time'"),
    ('{"format": "moee-keyframes", "version": 1, "keys": [{"time": 0, "mix": {}},'
     ' {"time": 1, "mix": {"weights": {"joy": 1}}}]}', "key 2"),
    ('{"format": "moee-keyframes", "version": 1, "keys": [{"time": 0, "mix": {},'
     ' "easing": "bounce"}]}', "unknown easing"),
])
def test_malformed_files_name_the_problem(tmp_path, content, words):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=words):
        load_keys(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_keys(tmp_path / "nope.json")


def test_propose_keys_from_speech(speech_wav):
    from core.audio.io import load_audio

    audio = load_audio(speech_wav)
    keys = propose_keys(audio)
    assert keys and keys[0].time == 0.0
    assert all(a.time < b.time <= audio.duration for a, b in zip(keys, keys[1:]))
    assert all(0 <= w <= 1 for k in keys for w in k.mix.weights)
    track = KeyTrack(keys)  # usable as a track, and serialisable
    json.dumps(track.to_json_dict())


def test_keys_flag_for_render(tmp_path):
    import argparse

    from core.keyframes import add_keys_arguments, keys_from_args

    parser = argparse.ArgumentParser()
    add_keys_arguments(parser)
    assert keys_from_args(parser.parse_args([])) is None
    path = tmp_path / "take.json"
    save_keys(KeyTrack([Key(0.0, HAPPY), Key(2.0, SAD)]), path)
    track = keys_from_args(parser.parse_args(["--keys", str(path)]))
    assert track.times() == [0.0, 2.0]
    save_keys(KeyTrack(), path)
    with pytest.raises(InputError, match="no keys"):
        keys_from_args(parser.parse_args(["--keys", str(path)]))
