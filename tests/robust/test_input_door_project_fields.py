"""A project file with a misspelt field ("keyfames", export's "fsp", a portrait's "pth") is
refused naming the field and the allowed ones, as keyframe files and mixes are; it used to
open with that part empty or at its default, and the next save dropped what the field held
(a hand-edited take's keys). The projects the app writes itself still load."""
from __future__ import annotations

import json

import pytest

from core.errors import InputError
from core.project import Project, load_project, save_project

TOP = "(expected: format, version, portrait, frame, audio, mix, keyframes, export)"


@pytest.fixture
def saved(tmp_path):
    (tmp_path / "face.png").write_bytes(b"x")
    project = Project(portrait_path=str(tmp_path / "face.png"), keyframes=[
        {"time": 0.0, "easing": "hold", "mix": {"weights": {"happy": 1.0}}}])
    save_project(project, tmp_path / "p.moee.json")
    return json.loads((tmp_path / "p.moee.json").read_text())


def _refused(tmp_path, d) -> str:
    path = tmp_path / "typo.moee.json"
    path.write_text(json.dumps(d))
    with pytest.raises(InputError) as e:
        load_project(path)
    return str(e.value)


def test_a_misspelt_top_level_field_is_refused_not_dropped(tmp_path, saved):
    saved["keyfames"] = saved.pop("keyframes")
    assert _refused(tmp_path, saved) == f"unknown field 'keyfames' in the project {TOP}"


def test_a_misspelt_export_field_is_refused(tmp_path, saved):
    saved["export"]["fsp"] = 30
    assert _refused(tmp_path, saved) == (
        "unknown field 'fsp' in the export settings "
        "(expected: path, size, fps, start, end, range_audio)")


@pytest.mark.parametrize("what", ["portrait", "audio"])
def test_a_misspelt_media_field_is_refused(tmp_path, saved, what):
    saved[what] = {"pth": "/somewhere/else.png"}
    assert _refused(tmp_path, saved) == (
        f"unknown field 'pth' in the project's {what} entry (expected: path, relative)")


def test_every_project_the_app_writes_still_loads(tmp_path, saved):
    """All fields set, media beside the project and none at all."""
    full = Project(portrait_path=str(tmp_path / "face.png"), audio_path=str(tmp_path / "v.wav"),
                   portrait_frame="face", keyframes=saved["keyframes"])
    full.set_export(path=str(tmp_path / "o.mp4"), size=256, fps=30, start=1.0, end=2.0,
                    range_audio=str(tmp_path / "v.wav"))
    for project in (full, Project()):
        save_project(project, tmp_path / "again.moee.json")
        again = load_project(tmp_path / "again.moee.json")
        assert again.to_json_dict() == project.to_json_dict()
