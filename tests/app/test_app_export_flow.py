"""Issue 14, items 1 and 7: the export range follows the voice; after export, "Saved to" and an
"Open folder" that reports failure; the default path beside the project or the last export."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices

from tests.conftest import make_speech

pytest.importorskip("core.video.export")


def _export(window, qtbot, out: Path, end: float | None = None):
    window.open_export()
    dialog = window.export_dialog
    dialog.path.setText(str(out))
    dialog.size.setCurrentIndex(dialog.size.findData(256))
    if end is not None:
        dialog.end.setValue(end)
    dialog.export_button.click()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60000)
    return dialog


def _load_voice(window, qtbot, path: Path) -> None:
    with qtbot.waitSignal(window.session.audioReady, timeout=20000):
        window.open_audio(str(path))


def test_range_follows_the_voice_unless_set_for_it(window, qtbot, tmp_path, errors):
    first = window.session.duration
    dialog = _export(window, qtbot, tmp_path / "a.mp4", end=1.0)
    assert not errors, errors
    dialog.close()
    window.open_export()
    assert window.export_dialog.end.value() == pytest.approx(1.0)  # set on purpose: kept
    window.export_dialog.close()
    long_voice = make_speech(tmp_path / "long.wav", pad_s=2.0)
    _load_voice(window, qtbot, long_voice)
    assert window.session.duration > first + 3.0
    window.open_export()
    dialog = window.export_dialog
    assert dialog.start.value() == 0.0
    assert dialog.end.value() == pytest.approx(window.session.duration, abs=0.01)
    dialog.close()


def test_whole_voice_export_then_a_longer_voice_exports_it_whole(window, qtbot, tmp_path, errors,
                                                                 monkeypatch):
    monkeypatch.setattr(window.session, "fps", 25)
    dialog = _export(window, qtbot, tmp_path / "whole.mp4")  # "To" left at the voice's end
    assert not errors, errors
    assert window.project.export.end is None  # not a hand-set range
    dialog.close()
    _load_voice(window, qtbot, make_speech(tmp_path / "long.wav", pad_s=2.0))
    window.open_export()
    assert window.export_dialog.end.value() == pytest.approx(window.session.duration, abs=0.01)
    window.export_dialog.close()


def test_saved_message_and_open_folder_failure(window, qtbot, tmp_path, errors, monkeypatch):
    out = tmp_path / "take.mp4"
    dialog = _export(window, qtbot, out, end=0.5)
    assert out.exists() and f"Saved to {out}" == dialog.eta.text()
    assert window.statusBar().currentMessage() == f"Saved to {out}"
    opened = []

    def no_launcher(url):
        opened.append(url.toLocalFile())
        return False

    monkeypatch.setattr(QDesktopServices, "openUrl", no_launcher)
    dialog.open_folder.click()
    assert opened == [str(tmp_path)]
    assert errors and errors[-1][0] == "Cannot open the folder" and str(tmp_path) in errors[-1][1]
    dialog.close()


def test_default_path_beside_project_or_last_export(window, qtbot, tmp_path, errors):
    exports = tmp_path / "renders"
    exports.mkdir()
    window.settings.remember_dir("export", str(exports / "old.mp4"))
    window.open_export()
    path = Path(window.export_dialog.path.text())
    assert path.parent == exports and path.suffix == ".mp4"
    field = window.export_dialog.path
    assert field.toolTip() == str(path)
    window.export_dialog.show()
    qtbot.waitExposed(window.export_dialog)
    assert field.fontMetrics().horizontalAdvance(str(path)) < field.width()  # nothing cut off
    window.export_dialog.close()
    assert window._save_to(str(tmp_path / "song.moee.json"))
    window.open_export()
    assert window.export_dialog.path.text() == str(tmp_path / "song.mp4")
    window.export_dialog.close()


def test_typed_home_and_bare_names_go_where_the_user_looks(window, qtbot, tmp_path, errors,
                                                           monkeypatch):
    """Before: "~/clip.mp4" was refused ("The folder ~ does not exist.") and a bare "take.mp4"
    was written into whatever folder the app was started from, "Saved to take.mp4"."""
    home, started_in, project = tmp_path / "home", tmp_path / "started", tmp_path / "songs"
    for folder in (home, started_in, project):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(started_in)
    dialog = _export(window, qtbot, Path("~/clip.mp4"), end=0.4)
    assert not errors, errors
    assert (home / "clip.mp4").stat().st_size > 1000
    assert dialog.eta.text() == f"Saved to {home / 'clip.mp4'}"
    dialog.close()
    assert window._save_to(str(project / "song.moee.json"))
    dialog = _export(window, qtbot, Path("take.mp4"), end=0.4)
    assert not errors, errors
    assert (project / "take.mp4").exists() and not list(started_in.iterdir())
    assert dialog.eta.text() == f"Saved to {project / 'take.mp4'}"
    assert window.project.export.path == str(project / "take.mp4")
    dialog.close()


def test_an_export_over_the_voice_it_is_made_from_is_refused(window, qtbot, tmp_path, errors):
    """As `render` refuses it (core/validate.py not_an_input): typed as the export path, the
    voice file was replaced by the video made from it."""
    voice = make_speech(tmp_path / "voice.wav")
    _load_voice(window, qtbot, voice)
    before = voice.read_bytes()
    dialog = _export(window, qtbot, voice, end=0.5)
    assert errors and "the voice" in errors[-1][1], errors
    assert voice.read_bytes() == before
    dialog.close()


def test_a_name_typed_without_an_extension_is_saved_as_mp4(window, qtbot, tmp_path, errors):
    """Before: "take" was refused ('the video file name must end in .mp4, .mov, .mkv')."""
    dialog = _export(window, qtbot, tmp_path / "take", end=0.4)
    assert not errors, errors
    assert (tmp_path / "take.mp4").stat().st_size > 1000 and not (tmp_path / "take").exists()
    assert dialog.eta.text() == f"Saved to {tmp_path / 'take.mp4'}"
    dialog.close()
    dialog = _export(window, qtbot, tmp_path / "take.v2", end=0.4)  # another extension: refused
    assert not (tmp_path / "take.v2").exists() and not (tmp_path / "take.v2.mp4").exists()
    dialog.close()
    (tmp_path / "clips").mkdir()  # a folder's name: still told it is a folder
    dialog = _export(window, qtbot, tmp_path / "clips", end=0.4)
    assert not (tmp_path / "clips.mp4").exists() and not list((tmp_path / "clips").iterdir())
    dialog.close()
