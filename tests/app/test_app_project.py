"""Project model round trip (Qt-free) and the window's save/open with unsaved-changes prompts."""
from __future__ import annotations

import json

import pytest

from core.errors import ExportError

from core.errors import InputError
from core.mix import EmotionMix
from core.project import Project, load_project, save_project


def _project(tmp_path) -> Project:
    mix = EmotionMix.from_dict({"happy": 0.4, "surprised": 0.6}, mode="normalized", intensity=0.8,
                               au_overrides={12: 0.9, 15: 0.0}, prompt="delighted",
                               label="happily surprised", gate_override=False)
    p = Project(mix=mix, portrait_path=str(tmp_path / "face.png"),
                audio_path=str(tmp_path / "voice.wav"),
                keyframes=[{"time": 0.0, "mix": mix.as_dict()}, {"time": 1.5, "mix": {}}])
    p.set_export(path=str(tmp_path / "out.mp4"), size=768, fps=30, start=0.5, end=2.0)
    return p


def test_round_trip(tmp_path):
    p = _project(tmp_path)
    path = tmp_path / "a.moee.json"
    save_project(p, path)
    assert not p.dirty and p.file_path == str(path)
    q = load_project(path)
    assert q.mix == p.mix
    assert (q.portrait_path, q.audio_path) == (p.portrait_path, p.audio_path)
    assert q.keyframes == p.keyframes and q.export == p.export
    d = json.loads(path.read_text())
    assert d["format"] == "moee-palette-project" and d["version"] == 1
    assert not list(tmp_path.glob(".moee-*.tmp"))  # the atomic write left no temp file


def test_moved_folder_uses_relative_paths(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "face.png").write_bytes(b"x")
    p = Project(portrait_path=str(tmp_path / "a" / "face.png"))
    save_project(p, tmp_path / "a" / "p.moee.json")
    (tmp_path / "a").rename(tmp_path / "b")
    assert load_project(tmp_path / "b" / "p.moee.json").portrait_path == str(tmp_path / "b" / "face.png")


@pytest.mark.parametrize("text,needle", [("not json", "not readable"),
                                         ('{"format": "other"}', "not a MoEE"),
                                         ('{"format": "moee-palette-project", "version": 99}', "newer")])
def test_bad_project_files(tmp_path, text, needle):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match=needle):
        load_project(path)


def test_a_portrait_whose_name_is_not_utf8_opens_again(tmp_path, portrait_path):
    """Linux file names are bytes: the app opened a portrait named b"face\\xff.png" and saved
    the project ("Saved"), and that project then never opened again ("the project's portrait
    path is not valid UTF-8 text")."""
    import os
    import shutil
    face = os.fsdecode(os.fsencode(str(tmp_path)) + b"/face\xff.png")
    shutil.copy(portrait_path, face)
    path = tmp_path / "take.moee.json"
    save_project(Project(portrait_path=face), path)
    assert load_project(path).portrait_path == face
    saved = json.loads(path.read_text())
    saved["portrait"] = {"path": "\ud800.png"}  # text no file name can hold
    path.write_text(json.dumps(saved))
    with pytest.raises(InputError, match="portrait path is not a file name"):
        load_project(path)


def test_failed_save_keeps_old_file(tmp_path, monkeypatch):
    p = _project(tmp_path)
    path = tmp_path / "a.moee.json"
    save_project(p, path)
    before = path.read_text()
    p.set_mix(EmotionMix.from_preset("sad"))

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.atomic.os.fsync", disk_full)
    with pytest.raises(ExportError, match="disk is full"):
        save_project(p, path)
    assert path.read_text() == before and p.dirty
    assert not list(tmp_path.glob(".moee-*.tmp"))


def test_window_save_open_and_unsaved_prompt(window, tmp_path, answers, errors, qtbot):
    window.palette.presets.choose("sadly fearful")
    window.palette.au_grid.cells[26].button.click()
    assert window.isWindowModified()
    path = str(tmp_path / "take.moee.json")
    assert window._save_to(path)
    assert not window.isWindowModified() and "take.moee.json" in window.windowTitle()
    saved = window.project.mix
    window.palette.presets.choose("happy")
    answers["reply"]["value"] = "cancel"
    assert not window.open_project(path)  # the user cancelled: nothing changes
    assert window.project.mix.label == "happy" and answers["asked"]
    answers["reply"]["value"] = "discard"
    assert window.open_project(path)
    assert window.project.mix == saved
    assert window.palette.presets.currentText() == "sadly fearful"
    assert window.palette.au_grid.cells[26].state == "on"
    assert window.undo_stack.count() == 0 and not errors


def test_disk_full_on_save_is_a_dialog(window, tmp_path, errors, monkeypatch):
    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("core.project.os.fsync", disk_full)
    window.palette.presets.choose("angry")
    assert not window._save_to(str(tmp_path / "x.moee.json"))
    assert errors and "disk is full" in errors[-1][1]
    assert window.isWindowModified()  # nothing the user made is lost


def test_save_never_replaces_what_another_window_saved_unasked(window, tmp_path, errors,
                                                              monkeypatch):
    """Two windows on one project: the second's Ctrl+S silently replaced what the first had
    saved a moment before. Now it asks: Cancel keeps the other save, Overwrite replaces it."""
    path = tmp_path / "take.moee.json"
    window.palette.presets.choose("sad")
    assert window._save_to(str(path))
    other = load_project(path)  # the other window: opens the file, edits, saves
    other.set_mix(EmotionMix.from_preset("angry"))
    save_project(other, path)
    theirs = path.read_bytes()
    replies, asked = ["cancel", "overwrite"], []
    monkeypatch.setattr("app.window_files.ask_overwrite_changed",
                        lambda parent, name: asked.append(name) or replies.pop(0))
    window.palette.presets.choose("happy")
    assert not window.save_project()
    assert asked == ["take.moee.json"] and path.read_bytes() == theirs
    assert window.isWindowModified()  # nothing of this window's is lost either
    assert window.save_project()
    assert load_project(path).mix == window.project.mix and not window.isWindowModified()
    window.palette.presets.choose("sad")
    assert window.save_project() and len(asked) == 2  # its own file since: not asked again
    assert not errors


def test_the_real_changed_on_disk_question(window, tmp_path, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox
    path = tmp_path / "take.moee.json"
    assert window._save_to(str(path))
    save_project(load_project(path), path)  # another window saved it
    window.palette.presets.choose("happy")
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "changedOnDisk"
        seen.extend(b.text() for b in box.buttons())
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(200, answer)
    assert not window.save_project() and window.isWindowModified()
    assert {"Save as…", "Overwrite"} <= set(seen)


def test_layout_kept_in_settings(window, settings):
    window.close()
    geometry, state = settings.window()
    assert geometry is not None and state is not None


def _type_in_the_save_dialog(name: str, replace: str | None) -> list[str]:
    """Answer the real dialogs from timers: type `name` in the Save dialog, then click
    `replace` ("&Yes"/"&No") in the question that follows, if one comes."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox
    asked = []

    def answer_question():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            asked.append(box.text())
            [b for b in box.buttons() if b.text() == replace][0].click()

    def type_name():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        dialog.findChild(QLineEdit, "fileNameEdit").setText(name)
        QTimer.singleShot(200, answer_question)
        dialog.accept()

    QTimer.singleShot(300, type_name)
    return asked


def test_a_name_typed_without_its_suffix_replaces_nothing_unasked(window, tmp_path, errors):
    """Save project as… 'take' where take.moee.json (another project) is: the dialog asked
    about 'take' (no such file), then the app added .moee.json and wrote over the other
    project without a word. The export's Browse… did the same with clip -> clip.mp4."""
    other = tmp_path / "take.moee.json"
    save_project(Project(mix=EmotionMix.from_preset("angry")), other)
    theirs = other.read_bytes()
    window.settings.remember_dir("project", str(other))
    window.palette.presets.choose("sad")
    asked = _type_in_the_save_dialog("take", "&No")
    assert not window.save_project_as()
    assert asked == ["take.moee.json already exists. Replace it?"]
    assert other.read_bytes() == theirs and window.isWindowModified()
    asked = _type_in_the_save_dialog("take", "&Yes")
    assert window.save_project_as() and len(asked) == 1
    assert load_project(other).mix == window.project.mix and not window.isWindowModified()
    (tmp_path / "clip.mp4").write_bytes(b"an earlier video")
    window.open_export()
    dialog = window.export_dialog
    dialog.path.setText(str(tmp_path / "new.mp4"))
    asked = _type_in_the_save_dialog("clip", "&No")
    dialog._browse()
    assert len(asked) == 1 and dialog.path.text() == str(tmp_path / "new.mp4")
    dialog.close()
    assert not errors


def test_undoing_back_to_the_saved_project_leaves_nothing_unsaved(window, tmp_path, answers):
    """Undo back to what was saved kept the title's asterisk, and closing asked to save
    changes there were none of: any change marked the project changed for good. Now it is
    unsaved while it differs from what its file holds (a project with no file: after any
    change)."""
    window.palette.presets.choose("sad")
    assert window._save_to(str(tmp_path / "take.moee.json"))
    window.palette.presets.choose("happy")
    window.project.set_export(fps=30)  # a change the undo stack does not hold, made by hand
    window.autosave.write_now()
    assert window.autosave.file.path.exists()
    window.undo_stack.undo()
    assert window.isWindowModified()
    window.project.set_export(fps=25)
    assert not window.isWindowModified() and not window.project.dirty
    assert not window.autosave.file.path.exists()  # nothing to recover
    window.undo_stack.undo()  # past the save: not what the file holds
    assert window.isWindowModified()
    window.undo_stack.redo()
    assert not window.isWindowModified()
    window.close()
    assert answers["asked"] == []
    untitled = Project()
    untitled.set_mix(EmotionMix.from_preset("sad"))
    untitled.set_mix(Project().mix)
    assert untitled.dirty  # what it was is in no file


def test_a_project_keeps_its_file_as_an_absolute_path(tmp_path, monkeypatch):
    """Opened or saved by a relative name, the project names its file whole: a later run (its
    recovery copy) or another folder made current meant another file."""
    monkeypatch.chdir(tmp_path)
    project = Project()
    save_project(project, "take.moee.json")
    assert project.file_path == str(tmp_path / "take.moee.json")
    assert load_project("take.moee.json").file_path == str(tmp_path / "take.moee.json")


def test_an_empty_or_cut_short_project_says_so(tmp_path):
    """Both read "not a MoEE Palette project (not readable JSON)": a project cut short (a copy
    or sync that did not finish) is one, and an empty file holds nothing to call JSON."""
    whole = tmp_path / "whole.moee.json"
    save_project(Project(mix=EmotionMix.from_preset("sad")), whole)
    text = whole.read_text()
    cut = tmp_path / "cut.moee.json"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(InputError) as e:
        load_project(cut)
    lines = text[: len(text) // 2].count("\n") + 1
    assert str(e.value) == (f"cut.moee.json is cut short: it ends at line {lines} inside the "
                            "project (a copy or save that did not finish?)")
    empty = tmp_path / "empty.moee.json"
    empty.write_bytes(b"")
    with pytest.raises(InputError) as e:
        load_project(empty)
    assert str(e.value) == "empty.moee.json is empty: there is no project in it"
