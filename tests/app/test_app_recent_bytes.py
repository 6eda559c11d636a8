"""A Linux file name is bytes: one that is not UTF-8 (b"face\\xff.png") lost that byte in
QSettings, so the recent-files list dropped it, or named another file ("face.png"); a drop
opened "face\\ufffd.png". Real files with such names, real settings files, a real window."""
from __future__ import annotations

import logging
import os
import shutil

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent

from app.settings import AppSettings

ODD = "face\udcff.png"  # os.fsdecode(b"face\xff.png")


@pytest.fixture
def odd(tmp_path, portrait_path):
    """{name: path}: a portrait named with a byte that is not UTF-8 in a folder named so too,
    and beside it the portraits a lossy path would name instead (real pictures both)."""
    folder = tmp_path / "takes\udcfe"
    try:
        folder.mkdir()
        shutil.copy(portrait_path, folder / ODD)
    except (OSError, UnicodeError) as e:
        pytest.skip(f"this file system refuses names that are not UTF-8: {e}")
    for decoy in ("face.png", "face\ufffd.png"):
        shutil.copy(portrait_path, folder / decoy)
    return {name: str(folder / name) for name in (ODD, "face.png", "face\ufffd.png")}


def test_a_path_that_is_not_utf8_stays_in_the_recent_files(tmp_path, odd):
    ini = str(tmp_path / "settings.ini")
    settings = AppSettings(ini)
    settings.add_recent("portrait", odd[ODD])
    settings.add_recent("portrait", odd["face.png"])
    settings.remember_dir("portrait", odd[ODD])
    assert settings.recent("portrait") == [odd["face.png"], odd[ODD]]
    settings.sync()
    again = AppSettings(ini)  # as the next start reads them
    assert again.recent("portrait") == [odd["face.png"], odd[ODD]]
    assert again.last_dir("portrait") == os.path.dirname(odd[ODD])
    assert os.fsencode(again.recent("portrait")[1]).endswith(b"/takes\xfe/face\xff.png")


def test_a_text_no_file_name_can_hold_is_left_out_and_logged(tmp_path, caplog, portrait_path):
    settings = AppSettings(str(tmp_path / "settings.ini"))
    with caplog.at_level(logging.WARNING, logger="moee.app"):
        settings.add_recent("portrait", "\ud800.png")  # a lone surrogate: no bytes make it
        settings.add_recent("portrait", str(portrait_path))
    assert settings.recent("portrait") == [str(portrait_path)]
    assert "'\\ud800.png' is no file name" in caplog.text


def test_the_window_opens_such_a_file_again_from_recent_and_by_drop(window, qtbot, odd,
                                                                   errors):
    def opened(path):
        qtbot.waitUntil(lambda: window.session.portrait.path == path
                        and not window.session.loading(), timeout=60000)
        assert window.project.portrait_path == path and not errors

    window.open_path(odd[ODD])
    opened(odd[ODD])
    assert window.status_labels["portrait"].text() == "face\ufffd.png"
    window.open_path(odd["face.png"])
    opened(odd["face.png"])
    window.recent_menu.aboutToShow.emit()
    texts = {a.text(): a for a in window.recent_menu.actions()}
    assert "portrait: face.png" in texts
    texts["portrait: face\ufffd.png"].trigger()  # shown with U+FFFD for its odd byte
    opened(odd[ODD])

    window.open_path(odd["face.png"])
    opened(odd["face.png"])
    mime = QMimeData()  # a file manager sends the name's bytes percent-encoded
    mime.setData("text/uri-list", b"file://" + os.fsencode(odd[ODD]).replace(b"\xfe", b"%FE")
                 .replace(b"\xff", b"%FF") + b"\r\n")
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    opened(odd[ODD])
