"""A project whose voice file was moved or deleted: opening it said only "Cannot use this audio:
... does not exist" after the project was open, with no way to point it at the file but File >
Open voice. Now it is asked as a missing portrait is: Locate… takes the chosen file (the
project unsaved: its file names another), Skip opens it without a voice (the path kept, the
status bar saying it is missing), Cancel leaves the open project as it was. The keys stay."""
from __future__ import annotations

import json
import shutil

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.keyframes import Key, KeyTrack
from core.mix import EmotionMix
from core.project import Project, save_project
from tests.app.conftest import answer_missing

KEYS = KeyTrack([Key(0.5, EmotionMix.from_preset("sad")),
                 Key(1.5, EmotionMix.from_preset("happy"))]).to_project()


@pytest.fixture
def gone(tmp_path, speech_wav):
    """A project file whose voice was deleted, with keys of its own."""
    voice = tmp_path / "voice.wav"
    shutil.copy(speech_wav, voice)
    path = tmp_path / "gone.moee.json"
    save_project(Project(audio_path=str(voice), keyframes=KEYS), path)
    voice.unlink()
    return path, voice


@pytest.fixture
def reply(monkeypatch):
    return answer_missing(monkeypatch, "ask_missing_voice")


def test_skip_opens_the_project_without_its_voice(window, qtbot, gone, reply, errors):
    path, voice = gone
    assert window.open_project(str(path))
    assert reply["asked"] == [str(voice)]
    qtbot.waitUntil(lambda: not window.session.loading(), timeout=20000)
    assert window.session.audio is None and not errors, errors
    assert window.status_labels["audio"].text() == "voice missing: voice.wav"
    assert window.project.audio_path == str(voice) and window.project.keyframes == KEYS
    assert not window.project.dirty


def test_locate_uses_the_chosen_file_and_keeps_the_keys(window, qtbot, gone, reply, monkeypatch,
                                                         tmp_path, speech_wav, errors):
    found = tmp_path / "moved" / "voice.wav"
    found.parent.mkdir()
    shutil.copy(speech_wav, found)
    reply["value"] = "locate"
    starts = []
    monkeypatch.setattr("app.window_files.QFileDialog.getOpenFileName",
                        lambda _p, _title, start, _f: starts.append(start) or (str(found), ""))
    assert window.open_project(str(gone[0]))
    qtbot.waitUntil(lambda: window.session.audio is not None
                    and window.session.audio.path == str(found), timeout=20000)
    assert starts == [str(tmp_path)]  # where it was
    assert window.project.audio_path == str(found) and window.project.dirty
    assert window.project.keyframes == KEYS and not errors, errors
    kept = json.loads(window.autosave.file.path.read_text())  # kept for recovery at once
    assert kept["project"]["audio"]["path"] == str(found)


def test_cancel_keeps_the_open_project_whole(window, gone, reply, tmp_path):
    def shown():
        return (window.project.file_path, window.project.keyframes, window.session.audio,
                window.session.portrait, window.project.dirty)

    window.project.set_keyframes(KEYS[:1])
    assert window._save_to(str(tmp_path / "first.moee.json"))
    before, reply["value"] = shown(), "cancel"
    assert not window.open_project(str(gone[0])) and shown() == before


def test_the_voice_on_screen_is_not_asked_about(window, qtbot, gone, reply, speech_wav):
    """The project's voice is the one loaded (its file deleted since): it plays from memory, so
    there is nothing to locate."""
    path, voice = gone
    shutil.copy(speech_wav, voice)
    with qtbot.waitSignal(window.session.audioReady, timeout=20000):
        window.open_audio(str(voice))
    voice.unlink()
    assert window.open_project(str(path)) and reply["asked"] == []
    assert window.session.audio.path == str(voice)


def test_the_real_question_offers_locate_and_skip(window, qtbot, gone, errors):
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "missingVoice"
        seen.append(box.text())
        seen.extend(b.text() for b in box.buttons())
        [b for b in box.buttons() if b.text() == "Skip"][0].click()

    QTimer.singleShot(200, answer)
    assert window.open_project(str(gone[0]))
    assert seen[0] == (f"This project's voice was not found: {gone[1]}. Locate it, or open the "
                       "project without a voice?")
    assert {"Locate…", "Skip"} <= set(seen)
