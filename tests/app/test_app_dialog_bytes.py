"""A Linux file name is bytes; Qt's GTK file dialog (the native one on GNOME) reads the name it
returns as UTF-8 (QString::fromUtf8 in qgtk3dialoghelpers.cpp), so b"face\\xff.png" came back
as "face\\ufffd.png": 'File not found' for the file just picked, or a save into no folder.
Qt's own dialog cannot stand in (it lists no such name), so the dialog here returns what the
GTK one does, for real files with such names; drops are real drop events."""
from __future__ import annotations

import os
import shutil

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent


def _as_gtk_reads(path: str) -> str:
    """What Qt's GTK dialog returns for a path: its bytes read as UTF-8, odd ones U+FFFD."""
    return os.fsencode(path).decode("utf-8", "replace")


@pytest.fixture
def folder(tmp_path):
    """A folder whose own name is not UTF-8."""
    folder = tmp_path / "takes\udcfe"
    try:
        folder.mkdir()
        (folder / "probe\udcff").write_bytes(b"")
    except (OSError, UnicodeError) as e:
        pytest.skip(f"this file system refuses names that are not UTF-8: {e}")
    (folder / "probe\udcff").unlink()
    return folder


def _opened(window, qtbot, errors, path: str) -> None:
    qtbot.waitUntil(lambda: errors or window.session.portrait.path == path
                    and not window.session.loading(), timeout=60000)
    assert not errors and window.project.portrait_path == path


def test_a_portrait_picked_in_a_dialog_that_reads_its_name_as_utf8(
        window, qtbot, monkeypatch, folder, portrait_path, errors):
    real = str(folder / "face\udcff.png")
    shutil.copy(portrait_path, real)
    monkeypatch.setattr("app.window_files.QFileDialog.getOpenFileName",
                        lambda *a, **k: (_as_gtk_reads(real), ""))
    window.open_portrait_dialog()
    _opened(window, qtbot, errors, real)
    assert window.settings.last_dir("portrait") == str(folder)


def test_a_name_several_files_read_as_is_refused_saying_why(
        window, qtbot, monkeypatch, folder, portrait_path, errors):
    for name in ("face\udcff.png", "face\udcfe.png"):
        shutil.copy(portrait_path, folder / name)
    monkeypatch.setattr("app.window_files.QFileDialog.getOpenFileName",
                        lambda *a, **k: (_as_gtk_reads(str(folder / "face\udcff.png")), ""))
    window.open_portrait_dialog()
    qtbot.wait(200)
    assert window.session.portrait.path is None and not window.session.loading()
    assert len(errors) == 1, errors
    title, message = errors[0]
    assert title == "Cannot open this file"
    assert "face\ufffd.png" in message and "not valid UTF-8" in message
    assert "Rename" in message and "not found" not in message.lower()


def test_a_drop_whose_url_lost_the_bytes_opens_the_file(window, qtbot, folder, portrait_path,
                                                        errors):
    real = str(folder / "face\udcff.png")
    shutil.copy(portrait_path, real)
    mime = QMimeData()  # a sender that had the name as text already: U+FFFD, not %FF
    mime.setUrls([QUrl.fromLocalFile(_as_gtk_reads(real))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    _opened(window, qtbot, errors, real)


def test_a_project_saved_into_such_a_folder_from_the_dialog(window, monkeypatch, folder,
                                                            errors):
    monkeypatch.setattr("app.save_path.QFileDialog.getSaveFileName",
                        lambda *a, **k: (_as_gtk_reads(str(folder / "take.moee.json")), ""))
    assert window.save_project_as() and not errors
    assert os.path.exists(folder / "take.moee.json")
    assert window.project.file_path == str(folder / "take.moee.json")


def test_keys_exported_into_such_a_folder_from_the_dialog(window, monkeypatch, folder, errors):
    """Export keys took the dialog's name as it came: the keys went nowhere ("cannot write
    takes\\ufffd/scene.keys.json") and the keys folder remembered was another one."""
    from core.keyframes import load_keys
    from core.mix import EmotionMix
    monkeypatch.setattr("app.save_path.QFileDialog.getSaveFileName",
                        lambda *a, **k: (_as_gtk_reads(str(folder / "scene.keys.json")), ""))
    window.project.set_keyframes([{"time": 0.5, "mix": EmotionMix.from_preset("sad").as_dict()}])
    window.export_keys_dialog()
    assert not errors, errors
    assert [k.time for k in load_keys(folder / "scene.keys.json").keys] == [0.5]
    assert window.settings.last_dir("keys") == str(folder)


def test_keys_exported_under_a_name_typed_without_json(window, monkeypatch, tmp_path, errors):
    """Typed "scene": the keys were written to a file named "scene", which Import keys (its
    filter, *.json) does not list; now to scene.json, as a project gets its suffix."""
    from core.mix import EmotionMix
    monkeypatch.setattr("app.save_path.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "scene"), ""))
    window.project.set_keyframes([{"time": 0.5, "mix": EmotionMix.from_preset("sad").as_dict()}])
    window.export_keys_dialog()
    assert not errors, errors
    assert (tmp_path / "scene.json").exists() and not (tmp_path / "scene").exists()


def test_a_project_whose_name_is_not_utf8_is_titled_as_the_recent_menu_shows_it(
        window, folder, errors, monkeypatch):
    """b"take\\xff.moee.json": the title, "Saved ..." and the recovery question read
    "take.moee.json" (Qt drops the byte), another file's name, which may be there too."""
    path = str(folder / "take\udcff.moee.json")
    assert window._save_to(path) and not errors
    assert window.windowTitle().startswith("take\ufffd.moee.json[*]")
    assert window.statusBar().currentMessage() == "Saved take\ufffd.moee.json"
    window.palette.presets.choose("sad")
    window.autosave.write_now()
    own = window.autosave.file.path
    own.rename(own.with_name(f"recovery-{2**22 + 7}.json"))  # a crashed run's copy
    asked = []
    monkeypatch.setattr("app.errors.ask_recover",
                        lambda parent, what, when: asked.append(what) or "later")
    assert not window.autosave.offer(window)
    assert asked == ["take\ufffd.moee.json"]
