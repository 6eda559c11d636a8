"""Issue 14, item 5: a project whose portrait is missing asks Locate…/Skip/Cancel and never mixes
two projects' state (Skip: the project opens without a portrait; Cancel: nothing changes)."""
from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.mix import EmotionMix
from core.project import Project, save_project
from tests.app.conftest import answer_missing


@pytest.fixture
def gone(tmp_path, portrait_path):
    """A project file whose portrait was deleted, with a sad mix of its own."""
    face = tmp_path / "face.png"
    shutil.copy(portrait_path, face)
    path = tmp_path / "gone.moee.json"
    save_project(Project(mix=EmotionMix.from_preset("sad"), portrait_path=str(face)), path)
    face.unlink()
    return path, face


@pytest.fixture
def reply(monkeypatch):
    return answer_missing(monkeypatch, "ask_missing_portrait")


def test_skip_opens_the_project_without_a_portrait(window, gone, reply, errors):
    path, face = gone
    assert window.session.portrait is not None  # the previous take's portrait
    assert window.open_project(str(path))
    assert reply["asked"] == [str(face)]
    assert window.project.file_path == str(path) and window.project.mix.dominant() == "sad"
    assert window.session.portrait is None and window.preview.image.image is None
    assert window.project.portrait_path == str(face) and not window.project.dirty
    assert "missing" in window.status_labels["portrait"].text()
    window.open_export()
    assert errors[-1] == ("Nothing to export", "Load a portrait first.")


def test_cancel_keeps_the_open_project_whole(window, gone, reply, tmp_path):
    window.palette.presets.choose("happy")
    assert window._save_to(str(tmp_path / "first.moee.json"))
    before = (window.project.file_path, window.project.mix, window.session.portrait)
    reply["value"] = "cancel"
    assert not window.open_project(str(gone[0]))
    assert (window.project.file_path, window.project.mix, window.session.portrait) == before
    assert not window.project.dirty and window.preview.image.image is not None


def test_locate_uses_the_chosen_file_and_leaves_the_project_unsaved(
        window, gone, reply, monkeypatch, portrait_path, qtbot):
    reply["value"] = "locate"
    monkeypatch.setattr("app.window_files.QFileDialog.getOpenFileName",
                        lambda *a: (str(portrait_path), ""))
    assert window.open_project(str(gone[0]))
    qtbot.waitUntil(lambda: window.session.portrait is not None, timeout=20000)
    assert window.session.portrait.path == str(portrait_path)
    assert window.project.portrait_path == str(portrait_path) and window.project.dirty
    # unsaved from the start, so kept for recovery at once: killed before any edit, the app
    # would have lost the located path (the copy was written only at the next edit)
    kept = json.loads(window.autosave.file.path.read_text())
    assert kept["project"]["portrait"]["path"] == str(portrait_path), kept["project"]


def test_the_real_question_offers_locate_and_skip(window, gone):
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "missingPortrait"
        seen.extend(b.text() for b in box.buttons())
        [b for b in box.buttons() if b.text() == "Skip"][0].click()

    QTimer.singleShot(200, answer)
    assert window.open_project(str(gone[0]))
    assert {"Locate…", "Skip"} <= set(seen)
    assert window.session.portrait is None


def test_media_names_longer_than_this_file_system_takes(window, qtbot, tmp_path, reply, errors,
                                                       monkeypatch):
    """A project from a system whose names may be longer (400 bytes of UTF-8 fit NTFS, not
    ext4): it did not open at all ('Something went wrong: [Errno 36] File name too long');
    now its portrait and its voice are asked about as missing."""
    voices = answer_missing(monkeypatch, "ask_missing_voice")["asked"]
    path = tmp_path / "far.moee.json"
    save_project(Project(mix=EmotionMix.from_preset("sad")), path)
    d = json.loads(path.read_text())
    long = "é" * 200
    d["portrait"] = {"path": str(tmp_path / f"{long}.png"), "relative": f"{long}.png"}
    d["audio"] = {"path": str(tmp_path / f"{long}.wav"), "relative": f"{long}.wav"}
    path.write_text(json.dumps(d))
    assert window.open_project(str(path))
    assert reply["asked"] == [str(tmp_path / f"{long}.png")]
    assert voices == [str(tmp_path / f"{long}.wav")]
    qtbot.waitUntil(lambda: not window.session.loading(), timeout=20000)
    assert not errors, errors
    assert window.status_labels["audio"].text().startswith("voice missing: ")
    assert window.session.portrait is None and window.project.mix == EmotionMix.from_preset("sad")
