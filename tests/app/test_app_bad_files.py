"""Bad files opened through the window: one dialog naming the problem, and the session keeps the
portrait, voice and project it had (nothing the user made is lost)."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tests.conftest import make_speech


def _wait_idle(window, qtbot):
    qtbot.waitUntil(lambda: not window.session.loading(), timeout=20000)


@pytest.fixture
def bad_files(tmp_path):
    import cv2

    (tmp_path / "notes.png").write_text("not a picture")  # a text file renamed .png
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("not a sound")
    (tmp_path / "folder.png").mkdir()
    cv2.imwrite(str(tmp_path / "wall.png"), np.full((256, 256, 3), 120, np.uint8))  # no face
    return tmp_path


@pytest.mark.parametrize("name, words", [("notes.png", "not a picture"),
                                         ("folder.png", "folder"),
                                         ("wall.png", "no face")])
def test_bad_portrait_keeps_the_current_one(window, qtbot, errors, bad_files, name, words):
    before = window.session.portrait
    window.open_portrait(str(bad_files / name))
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    _wait_idle(window, qtbot)
    assert len(errors) == 1 and words in errors[0][1].lower(), errors
    assert window.session.portrait is before
    assert window.project.portrait_path == before.path


@pytest.mark.parametrize("name, words", [("empty.wav", "empty"), ("notes.wav", "not an audio")])
def test_bad_voice_keeps_the_current_one(window, qtbot, errors, bad_files, tmp_path, name, words):
    good = str(make_speech(tmp_path / "hello.wav", "Hello.", rate=220))
    window.open_audio(good)
    qtbot.waitUntil(lambda: window.session.audio is not None
                    and window.session.audio.path == good, timeout=20000)
    window.open_audio(str(bad_files / name))
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    _wait_idle(window, qtbot)
    assert len(errors) == 1 and words in errors[0][1].lower(), errors
    assert window.session.audio.path == good and window.project.audio_path == good


def test_save_to_a_folder_it_cannot_write_keeps_the_old_file(window, tmp_path, errors):
    path = tmp_path / "take.moee.json"
    window.palette.presets.choose("sad")
    assert window._save_to(str(path))
    before = path.read_bytes()
    window.palette.presets.choose("angry")
    locked = "/sys" if os.geteuid() == 0 else str(tmp_path)  # root writes through mode bits
    if os.geteuid() != 0:
        os.chmod(tmp_path, 0o500)
    try:
        assert not window._save_to(os.path.join(locked, "take.moee.json"))
    finally:
        os.chmod(tmp_path, 0o700)
    assert errors and "permission denied" in errors[-1][1].lower(), errors
    assert path.read_bytes() == before and window.isWindowModified()
    assert window.project.file_path == str(path)


def test_project_whose_voice_is_damaged_does_not_play_the_previous_one(window, qtbot, errors,
                                                                          tmp_path, answers):
    """Opening project P (its voice damaged since) over project Q: a dialog says why, and the
    window has no voice; it kept Q's, which an export then rendered under P's keys."""
    p_voice = str(make_speech(tmp_path / "p.wav", "Hello.", rate=220))
    q_voice = str(make_speech(tmp_path / "q.wav", "Bye bye now.", rate=220))
    for voice, name in ((p_voice, "p.moee.json"), (q_voice, "q.moee.json")):
        window.open_audio(voice)
        qtbot.waitUntil(lambda v=voice: window.session.audio is not None
                        and window.session.audio.path == v, timeout=20000)
        assert window._save_to(str(tmp_path / name))
    (tmp_path / "p.wav").write_text("damaged")
    assert window.open_project(str(tmp_path / "p.moee.json"))
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    _wait_idle(window, qtbot)
    assert errors == [("Cannot use this audio",
                       "Could not read p.wav: it is not an audio file or it is damaged.")]
    assert window.session.audio is None and window.project.audio_path == p_voice


def test_a_face_small_in_the_video_is_said_on_load(window, qtbot, far_face_path):
    """The rig keeps the whole picture: a face inset in a big canvas comes out a few pixels
    wide at the export size, and the palette says so in numbers under the rest row while it is
    loaded."""
    window.open_portrait(str(far_face_path))
    notes = window.palette.rest.notes
    qtbot.waitUntil(lambda: "small in the video" in notes.text(), timeout=20000)
    assert "15 px between the pupils at 512 px" in notes.text() and notes.isVisible()
    window.project.set_export(size=1024)  # the export dialog's size: the figure follows it
    assert "30 px between the pupils at 1024 px" in notes.text()
    window.project.set_export(size=2048)  # 60 px: it reads, no note
    assert notes.text() == "" and notes.isHidden()
    window.project.set_export(size=512)
    window.use_samples()  # a portrait that fills its picture: the note goes
    qtbot.waitUntil(lambda: window.session.portrait.path is None, timeout=20000)
    assert notes.text() == "" and not notes.isVisible()


def test_a_voice_cut_short_is_used_and_said(window, qtbot, errors, tmp_path):
    good = make_speech(tmp_path / "hello.wav", "Hello there, how are you today.", rate=220)
    cut = tmp_path / "cut.wav"
    data = good.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    window.open_audio(str(cut))
    qtbot.waitUntil(lambda: window.session.audio is not None
                    and window.session.audio.path == str(cut), timeout=20000)
    _wait_idle(window, qtbot)
    assert not errors
    assert "cut.wav looks cut short" in window.statusBar().currentMessage()


def test_a_name_longer_than_the_folder_takes_is_said_in_words(window, qtbot, tmp_path, errors):
    """A project or video name over 255 bytes: 'Something went wrong: [Errno 36] ...' (a bug's
    dialog, with a traceback) for the project; the export's click raised inside the slot."""
    long = "y" * 300
    assert not window._save_to(str(tmp_path / f"{long}.moee.json"))
    assert len(errors) == 1 and errors[0][0] == "Cannot save the project", errors
    assert "name or path is too long" in errors[0][1] and "went wrong" not in errors[0][1]
    window.open_export()
    dialog = window.export_dialog
    dialog.path.setText(str(tmp_path / f"{long}.mp4"))
    dialog.export_button.click()
    assert not dialog.running and len(errors) == 2, errors
    assert errors[1][0] == "Cannot export" and "name or path is too long" in errors[1][1], errors
    dialog.close()


def test_saving_into_a_folder_deleted_since_says_so(window, tmp_path, errors, answers):
    """The project's folder deleted (or renamed) while the app was open: Save said "cannot write
    .../take.moee.json: No such file or directory", the file being the one it was to make. It
    names the folder gone; the project stays open, unsaved, and saves elsewhere."""
    import shutil
    folder = tmp_path / "scene"
    folder.mkdir()
    assert window._save_to(str(folder / "take.moee.json"))
    window.palette.presets.choose("angry")
    shutil.rmtree(folder)
    assert not window.save_project()
    assert errors[-1] == ("Cannot save the project", f"cannot write {folder / 'take.moee.json'}: "
                          f"its folder {folder} is not there (moved or deleted?)"), errors
    assert window.isWindowModified() and window.autosave.timer.isActive()
    assert window._save_to(str(tmp_path / "take.moee.json"))
