"""Export runs and cancels (no file left); failures reach the user as readable dialogs."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.errors import show_error, user_message

pytest.importorskip("core.video.export")


@pytest.fixture
def no_reveal(monkeypatch):
    revealed = []
    monkeypatch.setattr("app.export_dialog.reveal_file", revealed.append)
    return revealed


def _export_dialog(window, path: Path, end: float):
    window.open_export()
    dialog = window.export_dialog
    dialog.path.setText(str(path))
    dialog.size.setCurrentIndex(dialog.size.findData(256))
    dialog.end.setValue(end)
    return dialog


def test_export_runs_and_reveals(window, tmp_path, qtbot, no_reveal, errors):
    out = tmp_path / "clip.mp4"
    dialog = _export_dialog(window, out, 1.0)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    assert not errors, errors
    assert out.exists() and out.stat().st_size > 1000
    assert not no_reveal  # the folder opens when asked, not by itself
    assert dialog.eta.text() == f"Saved to {out}" and dialog.open_folder.isVisible()
    dialog.open_folder.click()
    assert no_reveal == [str(out)]
    assert window.project.export.path == str(out) and window.project.export.size == 256


def test_export_cancel_leaves_no_file(window, tmp_path, qtbot, no_reveal, errors):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "cancelled.mp4"
    dialog = _export_dialog(window, out, window.session.duration)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.state.get("done", 0) > 2, timeout=30000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=30000)
    assert not out.exists() and not list((tmp_path / "out").iterdir())
    assert "cancelled" in dialog.eta.text() and not no_reveal and not errors


def test_export_to_missing_folder_is_a_dialog(window, tmp_path, errors):
    dialog = _export_dialog(window, tmp_path / "nope" / "x.mp4", 1.0)
    dialog.export_button.click()
    assert errors and "does not exist" in errors[-1][1]


def test_bad_portrait_and_audio_files(window, tmp_path, qtbot, errors):
    bad_image = tmp_path / "broken.png"
    bad_image.write_bytes(b"not an image at all")
    bad_audio = tmp_path / "broken.wav"
    bad_audio.write_bytes(b"RIFF....garbage")
    before = window.session.portrait
    window.open_path(str(bad_image))
    qtbot.waitUntil(lambda: len(errors) >= 1, timeout=10000)
    window.open_path(str(bad_audio))
    qtbot.waitUntil(lambda: len(errors) >= 2, timeout=10000)
    window.open_path(str(tmp_path / "notes.txt"))
    assert len(errors) == 3
    assert [e[0] for e in errors[:2]] == ["Cannot use this portrait", "Cannot use this audio"]
    assert all("Traceback" not in msg for _, msg in errors)
    assert window.session.portrait is before  # the working portrait stays


def test_no_face_is_a_dialog(window, tmp_path, qtbot, errors):
    if window.session.engine.name != "rig":
        pytest.skip("face detection comes with the rig engine")
    import cv2
    import numpy as np
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 200, np.uint8))
    window.open_path(str(blank))
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert errors[-1][0] == "Cannot use this portrait"


def test_drop_opens_audio(window, qtbot, speech_wav):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(speech_wav))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: bool(window.session.audio)
                    and window.session.audio.path == str(speech_wav), timeout=10000)
    assert window.project.audio_path == str(speech_wav)
    assert window.status_labels["audio"].text() == Path(speech_wav).name
    assert str(speech_wav) in window.settings.recent("audio")


def test_play_without_audio_device_plays_silently(window, qtbot):
    window.playback_toggle()
    qtbot.waitUntil(lambda: window.playback.ring.render_fps() is not None, timeout=10000)
    shown = window.preview.frames_shown
    qtbot.wait(400)
    assert window.preview.frames_shown > shown  # video keeps playing on the fallback clock
    assert window.playback.player.silent_reason is None or \
        "playing without sound" in window.statusBar().currentMessage()
    window.playback_toggle()
    assert not window.playback.playing


def test_record_without_microphone_is_a_dialog(window, errors):
    window.toggle_recording()
    assert errors and errors[-1][0] == "Cannot record"
    assert "microphone" in errors[-1][1] and not window.recorder.recording


def test_real_dialog_is_non_blocking(qtbot):
    box = show_error(None, "Oops", OSError(28, "No space left on device"))
    qtbot.waitUntil(box.isVisible)
    assert "disk is full" in box.text()
    box.accept()
    assert "Something went wrong" in user_message(RuntimeError("x"))
