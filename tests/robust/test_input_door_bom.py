"""JSON files a person edits (keyframes, a clip list, a project) open with a byte-order mark, as
Windows Notepad saves them: they were refused ("Unexpected UTF-8 BOM") while the CSV readers
took one."""
from __future__ import annotations

from core.keyframes import Key, KeyTrack, load_keys, save_keys
from core.mix import EmotionMix
from core.project import Project, load_project, save_project
from core.training.metadata import ClipMeta, read_metadata, write_metadata

BOM = b"\xef\xbb\xbf"


def _with_bom(path):
    path.write_bytes(BOM + path.read_bytes())
    return path


def test_a_keyframe_file_with_a_bom_loads(tmp_path):
    track = KeyTrack([Key(0.0, EmotionMix.from_preset("happy")),
                      Key(2.0, EmotionMix.from_preset("sad"))])
    save_keys(track, tmp_path / "take.json")
    back = load_keys(_with_bom(tmp_path / "take.json"))
    assert back.to_json_dict() == track.to_json_dict()


def test_a_clip_list_with_a_bom_loads(tmp_path):
    clips = [ClipMeta("a.mp4", "happy", {12: 0.8}, "a grin", "train")]
    write_metadata(tmp_path / "m.json", clips)
    back = read_metadata(_with_bom(tmp_path / "m.json"))
    assert [c.to_dict() for c in back] == [c.to_dict() for c in clips]


def test_a_project_with_a_bom_loads(tmp_path):
    project = Project(mix=EmotionMix.from_preset("sadly surprised"))
    save_project(project, tmp_path / "p.moee")
    back = load_project(_with_bom(tmp_path / "p.moee"))
    assert back.mix.gates().tolist() == project.mix.gates().tolist()
