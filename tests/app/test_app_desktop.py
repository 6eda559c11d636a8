"""The app as a desktop starts it: with its own icon on every window (not Qt's blank one), and
with the files the launcher's %F passes (`moee-palette take.moee.json`, `moee-palette face.png
voice.wav`) opened as a drop opens them; a file that cannot be opened is the usual dialog."""
from __future__ import annotations

import os
import sys

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from app.icon import ICON_SIZES, app_icon
from core.desktop import APP_ID
from core.project import Project, load_project, save_project
from tests.app.conftest import make_engine


def _sizes(icon) -> set[int]:
    return {s.width() for s in icon.availableSizes() if s.width() == s.height()}


def test_the_main_window_has_the_app_icon(window):
    icon = window.windowIcon()
    assert not icon.isNull()
    assert _sizes(icon) == set(ICON_SIZES)  # drawn at each size, not one picture shrunk
    image = icon.pixmap(QSize(32, 32)).toImage()
    assert image.width() == 32
    # drawn, not blank: the hexagon's yellow top, the face's light centre, transparent corners
    top, centre, corner = image.pixelColor(16, 3), image.pixelColor(16, 16), image.pixelColor(0, 0)
    assert top.red() > 200 and top.green() > 150 and top.blue() < 120
    assert min(centre.red(), centre.green(), centre.blue()) > 200
    assert corner.alpha() == 0


def test_the_live_window_has_it_too(qtbot):
    from app.live_window import LiveWindow

    class _Session:
        on_frame = None

    w = LiveWindow(_Session())
    qtbot.addWidget(w)
    assert _sizes(w.windowIcon()) == set(ICON_SIZES)


@pytest.fixture
def started(qtbot, settings, errors, answers, monkeypatch):
    """start_app(argv) on the test's QApplication, as run_app starts it; what it changes in the
    process (names, icon, excepthook, signal handlers) is put back afterwards."""
    from app import main_window

    app = QApplication.instance()
    names = (app.organizationName(), app.applicationName(), app.desktopFileName(),
             app.windowIcon())
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr("app.terminal_signals.close_on_terminal_signals", lambda *a, **k: None)
    windows = []

    def start(*argv: str):
        _app, window = main_window.start_app(list(argv), settings=settings,
                                             engine=make_engine())
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield start
    for window in windows:
        window.close()
    app.setOrganizationName(names[0])
    app.setApplicationName(names[1])
    app.setDesktopFileName(names[2])
    app.setWindowIcon(names[3])


def _loaded(window, portrait=None, audio=None) -> bool:
    s = window.session
    return (not s.loading()
            and (portrait is None or (s.portrait is not None and s.portrait.path == portrait))
            and (audio is None or (s.audio is not None and s.audio.path == audio)))


def test_a_project_named_on_the_command_line_opens(started, qtbot, errors, tmp_path,
                                                   portrait_path, speech_wav):
    path = tmp_path / "take.moee.json"
    save_project(Project(portrait_path=str(portrait_path), audio_path=str(speech_wav)), path)
    window = started(str(path))
    app = QApplication.instance()
    assert app.desktopFileName() == APP_ID and _sizes(app.windowIcon()) == set(ICON_SIZES)
    assert window.project.file_path == str(path)
    qtbot.waitUntil(lambda: bool(errors) or _loaded(window, str(portrait_path), str(speech_wav)),
                    timeout=60000)
    assert errors == []
    assert "take.moee.json" in window.windowTitle()


def test_a_portrait_and_a_voice_named_on_the_command_line_open(started, qtbot, errors,
                                                               portrait_path, speech_wav):
    window = started(str(portrait_path), str(speech_wav))
    qtbot.waitUntil(lambda: bool(errors) or _loaded(window, str(portrait_path), str(speech_wav)),
                    timeout=60000)
    assert errors == []


def test_files_that_cannot_be_opened_are_a_dialog_each(started, qtbot, errors, tmp_path):
    broken = tmp_path / "broken.moee.json"
    broken.write_text("{ not json")
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    window = started(str(tmp_path / "gone.moee.json"), str(broken), str(other))
    assert [title for title, _message in errors] == [
        "Cannot open", "Cannot open the project", "Cannot open this file"]
    assert "gone.moee.json" in errors[0][1] and "notes.txt" in errors[2][1]
    assert window.isVisible() and window.project.file_path is None


def test_the_icon_is_made_once():
    assert app_icon() is app_icon()


def test_main_py_with_a_file_opens_the_app(monkeypatch, tmp_path):
    """`main.py face.jpg` (as a file manager's 'Open with' or a user types it) said "invalid
    choice" of the commands; it opens the app with the file, as `main.py app face.jpg` does.
    A command keeps its meaning; a missing file stays the CLI's error."""
    from app import launch

    opened = []
    monkeypatch.setattr(launch, "gui_main", lambda argv: opened.append(argv) or 0)
    monkeypatch.setattr("core.cli.run_cli", lambda argv, prog: opened.append(("cli", argv)) or 2)
    face = tmp_path / "face.jpg"
    face.write_bytes(b"")
    assert launch.main([str(face), "voice.wav"]) == 0 and opened[-1] == [str(face), "voice.wav"]
    assert launch.main(["mix", "--prompt", "calm"]) == 2 and opened[-1][0] == "cli"
    assert launch.main([str(tmp_path / "gone.jpg")]) == 2 and opened[-1][0] == "cli"
    assert launch.main([str(face)], app_by_default=False) == 2  # `moee face.jpg`: the CLI's


def test_a_project_named_by_a_relative_path_is_saved_where_it_was_opened(
        started, qtbot, errors, tmp_path, monkeypatch):
    """`moee-palette take.moee.json` in the project's folder kept "take.moee.json" as the
    project's file (and in Open Recent): a run started elsewhere that recovered its unsaved
    changes saved them as a new take.moee.json in that other folder, the project itself left
    as it was, unasked (measured with SIGKILL and a second run). It is the absolute path."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    save_project(Project(), tmp_path / "a" / "take.moee.json")
    monkeypatch.chdir(tmp_path / "a")
    window = started("take.moee.json")
    where = str(tmp_path / "a" / "take.moee.json")
    assert window.project.file_path == where
    assert window.settings.recent("project")[0] == where
    window.palette.presets.choose("sad")
    monkeypatch.chdir(tmp_path / "b")  # what the next run's folder is to a relative name
    assert window.save_project() and not errors
    assert load_project(where).mix == window.project.mix
    assert not (tmp_path / "b" / "take.moee.json").exists()


def test_moee_palette_starts_the_app_as_main_py_does(monkeypatch, capsys):
    """`moee-palette --verbose` showed no native log line (it skipped main()'s set-up, which
    `moee app --verbose` and main.py run) and `moee-palette --help` opened the window."""
    from app import launch

    opened = []
    monkeypatch.setattr(launch, "gui_main", lambda argv=None: opened.append(argv) or 0)
    monkeypatch.setenv("MOEE_VERBOSE", "0")  # off; and put back as it was after the test
    monkeypatch.setattr("sys.argv", ["moee-palette", "--verbose", "take.moee.json"])
    assert launch.palette_main() == 0
    assert opened == [["take.moee.json"]] and os.environ.get("MOEE_VERBOSE") == "1"
    monkeypatch.setattr("sys.argv", ["moee-palette", "--help"])
    assert launch.palette_main() == 0 and len(opened) == 1
    assert capsys.readouterr().out.startswith("usage: moee-palette [--verbose] [FILE ...]")
