"""Category 4, accepted nonsense: one validator (core/validate.py) refuses NaN and infinite
intensities and weights, unknown modes, labels, easings and AUs, local gates outside [0, 1]
and impossible sizes, wherever they enter: a keyframe file, a project file or a flag.
On main NaN intensities passed into keys and `mix` JSON, and project sizes of 0 loaded."""
from __future__ import annotations

import json
import math

import pytest

from core.errors import InputError
from core.mix import EmotionMix

NAN, INF = float("nan"), float("inf")

BAD_MIXES = [
    ({"intensity": NAN}, "intensity"),
    ({"intensity": INF}, "intensity"),
    ({"intensity": 1.6}, "intensity"),
    ({"intensity": "1"}, "intensity"),
    ({"weights": {"happy": NAN}}, "happy"),
    ({"weights": {"sad": -INF}}, "sad"),
    ({"weights": {"happy": True}}, "happy"),
    ({"weights": {"joy": 1}}, "joy"),
    ({"weights": {"angry": 2}}, r"angry must be in \[0, 1.5\] in a free mix"),
    ({"weights": [1, 0, 0, 0, 0, 0]}, "weights"),
    ({"mode": "loud"}, "mode"),
    ({"label": "blorp"}, "blorp"),
    ({"prompt": 5}, "prompt"),
    ({"au_overrides": {"99": 0.5}}, "99"),
    ({"au_overrides": {"12": NAN}}, "AU12"),
    ({"au_overrides": {"12": 1.5}}, "AU12"),
    ({"local_gates": {"mouth": [1, 0, 0, 0, 0, NAN]}}, "mouth"),
    ({"local_gates": {"mouth": [2, 0, 0, 0, 0, 0]}}, "mouth"),
    ({"local_gates": {"mouth": ["a", 0, 0, 0, 0, 0]}}, "mouth"),
    ({"local_gates": {"mouth": 1}}, "mouth"),
    ({"local_gates": {"elbow": [0] * 6}}, "elbow"),
    ({"gate_override": "yes"}, "gate_override"),
    ({"head": [0, NAN, 0]}, "head pitch must be a finite number"),
    ({"head": [0, "5", 0]}, "head pitch must be a number"),
    ({"gaze": [True, 0]}, "gaze x must be a number"),
    ({"gaze": [0]}, "gaze: expected 2 numbers"),
    ({"head": 5}, "head: expected 3 numbers"),
]


@pytest.mark.parametrize("mix, word", BAD_MIXES, ids=[repr(m) for m, _ in BAD_MIXES])
def test_a_bad_mix_is_refused_in_keys_and_projects_alike(tmp_path, mix, word):
    from core.keyframes import load_keys
    from core.project import load_project

    keys = tmp_path / "take.json"
    keys.write_text(json.dumps({"format": "moee-keyframes", "version": 1,
                                "keys": [{"time": 0, "mix": mix}]}))
    with pytest.raises(InputError, match=word):
        load_keys(keys)
    project = tmp_path / "p.moee.json"
    project.write_text(json.dumps({"format": "moee-palette-project", "version": 1, "mix": mix}))
    with pytest.raises(InputError, match=word):
        load_project(project)


BAD_PROJECTS = [
    ({"export": {"size": 0}}, "export size"),
    ({"export": {"size": 10**7}}, "export size"),
    ({"export": {"fps": NAN}}, "fps"),
    ({"export": {"start": -1}}, "start"),
    ({"export": {"start": 2, "end": 1}}, "end"),
    ({"export": "big"}, "export"),
    ({"keyframes": {"0": 1}}, "keyframes"),
    ({"keyframes": [{"time": NAN, "mix": {}}]}, "time"),
    ({"keyframes": [{"time": 0, "mix": {}, "easing": "bounce"}]}, "easing"),
    ({"portrait": {"path": 5}}, "portrait"),
    ({"portrait": "face.jpg"}, "portrait"),
    ({"version": "one"}, "version"),
    ({"frame": "head"}, "^unknown portrait frame 'head'; expected one of: picture, face$"),
    ({"frame": None}, "portrait frame"),
]


@pytest.mark.parametrize("fields, word", BAD_PROJECTS, ids=[repr(f) for f, _ in BAD_PROJECTS])
def test_bad_project_fields_are_refused_when_loading(tmp_path, fields, word):
    from core.project import load_project

    p = tmp_path / "p.moee.json"
    p.write_text(json.dumps({"format": "moee-palette-project", "version": 1, **fields}))
    before = p.read_bytes()
    with pytest.raises(InputError, match=word):
        load_project(p)
    assert p.read_bytes() == before


@pytest.mark.parametrize("content, word", [
    (b"\xff\xfe{}", "not a MoEE Palette project"),
    (b"[" * 100000, "not a MoEE Palette project"),
    (b'{"version": ' + b"9" * 5000 + b"}", "not a MoEE Palette project"),  # ValueError
    (b'{"format": "moee-palette-project", "version": 1, "mix": {"intensity": NaN}}', "intensity"),
])
def test_unreadable_projects_are_one_message(tmp_path, content, word):
    from core.project import load_project

    p = tmp_path / "p.moee.json"
    p.write_bytes(content)
    with pytest.raises(InputError, match=word):
        load_project(p)
    with pytest.raises(InputError, match="folder"):
        load_project(tmp_path)


def test_the_intensity_ceiling_is_one_constant_and_accepts_exaggeration(capsys):
    """The `rest` work raises the master ceiling to 1.5 (exaggeration): one constant moves the
    palette slider, the mix and render flags and every file door together."""
    from app.ui_constants import INTENSITY_MAX
    from core import validate
    from core.cli import render, run_cli

    assert validate.MAX_INTENSITY == INTENSITY_MAX == render.MAX_INTENSITY >= 1.5
    assert EmotionMix(intensity=1.5).intensity == 1.5
    assert EmotionMix.from_json_dict({"intensity": 1.5}).intensity == 1.5
    assert run_cli(["mix", "--mix", "happy=1", "--intensity", "1.5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert math.isclose(out["gates"]["happy"], 1.5)
    with pytest.raises(InputError, match=rf"in \[0, {validate.MAX_INTENSITY:g}\]"):
        EmotionMix(intensity=validate.MAX_INTENSITY + 0.01)


def test_a_free_weight_above_one_is_refused_and_a_normalized_one_is_relative(capsys):
    """A free mix's weight is an expert's strength (1 on the palette's slider, up to the
    exaggeration ceiling 1.5): `angry=2` once rendered silently past the ceiling's checks."""
    from core.cli import run_cli

    assert run_cli(["mix", "--mix", "angry=2"]) != 0
    assert "normalized mode" in capsys.readouterr().err
    assert run_cli(["mix", "--mix", "angry=2,sad=1", "--mode", "normalized"]) == 0
    gates = json.loads(capsys.readouterr().out)["gates"]
    assert math.isclose(gates["angry"], 2 / 3, abs_tol=1e-3)
    assert EmotionMix(weights=(0, 0, 1.0, 0, 0, 0)).weights[2] == 1.0


@pytest.mark.parametrize("value", [NAN, INF, -INF, "3", None, True, [1]])
def test_number_refuses_what_is_not_a_finite_number(value):
    from core import validate

    with pytest.raises(InputError, match="the thing"):
        validate.number(value, "the thing")


def test_checks_pass_good_values_through():
    import numpy as np

    from core import validate

    assert validate.number(np.float32(0.5), "x", 0, 1) == 0.5
    assert validate.integer(4.0, "x") == 4
    assert validate.au_number("AU12") == 12 and validate.au_number(45) == 45
    assert validate.label("Joy") == "happy" and validate.label("") == ""
    assert validate.choice("ease-in", ("ease-in", "step"), "easing") == "ease-in"
    with pytest.raises(InputError, match="AU3"):
        validate.au_number(3)
    with pytest.raises(InputError, match="whole number"):
        validate.integer(2.5, "--size")
    with pytest.raises(InputError, match="UTF-8"):
        validate.text("fa\udce7ade", "--prompt")
