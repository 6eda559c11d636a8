"""`moee install-desktop`: the launcher, icon and project file type in $XDG_DATA_HOME, valid by
the freedesktop.org specs (desktop-file-validate too, where it is installed), refused at the door
where it cannot be written or read, and gone again after --uninstall."""
from __future__ import annotations

import configparser
import os
import shlex
import shutil
import sys
import xml.etree.ElementTree as ET
from fnmatch import fnmatch
from pathlib import Path

import pytest

from core import desktop
from core.cli import run_cli
from core.project import PROJECT_SUFFIX

MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = run_cli(["install-desktop", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _entry(path: Path) -> dict[str, str]:
    """The [Desktop Entry] group, read by the spec's rules: case-sensitive keys, no
    interpolation, no duplicate keys or groups, '#' comments."""
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",),
                                       comment_prefixes=("#",), empty_lines_in_values=False)
    parser.optionxform = str
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def test_install_writes_a_valid_launcher_icon_and_file_type(data_home, capsys):
    code, out, err = _cli(capsys)
    assert code == 0, err
    launcher = data_home / "applications" / "moee-palette.desktop"
    entry = _entry(launcher)
    for key in ("Type", "Name", "Exec", "Icon", "Categories", "MimeType", "StartupWMClass"):
        assert entry.get(key), key
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert entry["Icon"] == desktop.APP_ID
    assert entry["Categories"] == "AudioVideo;Video;"
    from app.ui_constants import APP_NAME  # the windows' class on X11 is the app's name
    assert entry["StartupWMClass"] == APP_NAME == entry["Name"]
    argv = shlex.split(entry["Exec"])
    assert argv[-1] == "%F" and Path(argv[0]).is_absolute() and os.access(argv[0], os.X_OK)
    assert argv[:-1] == desktop.launch_command() and entry["TryExec"] == argv[0]

    types = entry["MimeType"].rstrip(";").split(";")
    assert types[0] == desktop.PROJECT_MIME
    from app.window_files import AUDIO_SUFFIXES, IMAGE_SUFFIXES
    videos = {".mp4", ".mov", ".webm", ".mkv"}  # their sound opens, but no launcher for videos
    assert set(desktop.OPENED_TYPES) == IMAGE_SUFFIXES | (AUDIO_SUFFIXES - videos)
    for suffix, names in desktop.OPENED_TYPES.items():
        assert set(names) <= set(types), suffix
    assert set(types) == {desktop.PROJECT_MIME, *(n for ns in desktop.OPENED_TYPES.values()
                                                 for n in ns)}

    package = ET.parse(data_home / "mime" / "packages" / "moee-palette.xml").getroot()
    (kind,) = package.findall(f"{MIME_NS}mime-type")
    assert kind.get("type") == desktop.PROJECT_MIME
    assert kind.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"
    pattern = kind.find(f"{MIME_NS}glob").get("pattern")
    assert fnmatch("take" + PROJECT_SUFFIX, pattern) and not fnmatch("keys.json", pattern)

    svg = data_home / "icons" / "hicolor" / "scalable" / "apps" / "moee-palette.svg"
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    png = (data_home / "icons" / "hicolor" / "256x256" / "apps" / "moee-palette.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == int.from_bytes(png[20:24], "big") == 256

    for tool in ("update-desktop-database", "update-mime-database", "gtk-update-icon-cache"):
        assert tool in out  # each ran, or was skipped, and says so
    if shutil.which("update-mime-database"):
        assert f"{desktop.PROJECT_MIME}:*{PROJECT_SUFFIX}" in (
            data_home / "mime" / "globs2").read_text()
    else:
        assert "skipped update-mime-database (not installed)" in out
    if shutil.which("desktop-file-validate"):
        import subprocess
        r = subprocess.run(["desktop-file-validate", str(launcher)], capture_output=True,
                           text=True, check=False)
        problems = [line for line in r.stdout.splitlines() if "hint:" not in line]
        assert r.returncode == 0 and problems == [], r.stdout


def test_uninstall_leaves_nothing_behind(data_home, capsys):
    assert _cli(capsys)[0] == 0
    code, out, _err = _cli(capsys, "--uninstall")
    assert code == 0 and out.count("removed ") == 4
    assert list(data_home.rglob("*")) == []  # files, indexes and the folders made for them
    code, out, _err = _cli(capsys, "--uninstall")
    assert code == 0 and "nothing to remove" in out


def test_uninstall_keeps_what_others_installed(data_home, capsys):
    other = data_home / "applications" / "other.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other %F\n"
                     "MimeType=image/png;\n")
    icon = data_home / "icons" / "hicolor" / "48x48" / "apps" / "other.png"
    icon.parent.mkdir(parents=True)
    shutil.copy(desktop.resource(*desktop.ICON_PNG), icon)
    before = _files(data_home)
    assert _cli(capsys)[0] == 0
    assert _cli(capsys, "--uninstall")[0] == 0
    after = _files(data_home)
    after.pop("applications/mimeinfo.cache", None)  # the index now lists the other app alone
    assert after == before


def test_print_writes_nothing(data_home, capsys):
    code, out, _err = _cli(capsys, "--print")
    assert code == 0 and not data_home.exists()
    assert f"# {data_home / 'applications' / 'moee-palette.desktop'}" in out
    assert "[Desktop Entry]" in out and "<mime-info" in out
    assert "update-mime-database" in out


def test_a_data_folder_that_is_a_file_is_refused_before_writing(tmp_path, monkeypatch, capsys):
    home = tmp_path / "data"
    home.write_text("not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    code, out, err = _cli(capsys)
    assert code == 1 and out == ""
    assert f"{home} is a file, not a folder" in err and "Nothing was written" in err


def test_a_data_folder_not_writable_is_refused_before_writing(data_home, monkeypatch, capsys):
    data_home.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: (
        False if Path(p) == data_home and mode & os.W_OK else real(p, mode, **kw)))
    code, out, err = _cli(capsys)
    assert code == 1 and out == "" and list(data_home.iterdir()) == []
    assert f"{data_home} is not writable" in err and "XDG_DATA_HOME" in err


def test_elsewhere_than_linux_it_says_what_to_do_and_writes_nothing(data_home, monkeypatch,
                                                                     capsys):
    monkeypatch.setattr(sys, "platform", "darwin")
    for argv in ((), ("--uninstall",)):
        code, out, err = _cli(capsys, *argv)
        assert code == 1 and out == ""
        assert "darwin does not read them" in err and "Nothing was written" in err
        assert "start the app with" in err
    assert not data_home.exists()


def test_a_relative_xdg_data_home_is_ignored_as_the_spec_says(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    monkeypatch.setenv("HOME", str(tmp_path))
    code, out, err = _cli(capsys, "--print")
    assert code == 0 and "is not an absolute path, so it is ignored" in err
    assert str(tmp_path / ".local" / "share" / "applications") in out


def test_a_failed_write_removes_what_that_run_wrote(data_home, monkeypatch, capsys):
    from core import atomic
    from core.errors import ExportError
    real, calls = atomic.write_bytes, []

    def write(path, data, fsync=True):
        calls.append(path)
        if len(calls) == 3:
            raise ExportError(f"cannot write {path}: the disk is full")
        return real(path, data, fsync)

    monkeypatch.setattr(atomic, "write_bytes", write)
    code, out, err = _cli(capsys)
    assert code == 1 and "the disk is full" in err and "removed again" in err
    assert list(data_home.rglob("*")) == []


@pytest.mark.parametrize("arg,quoted", [
    ("/usr/bin/moee-palette", "/usr/bin/moee-palette"),
    ("/home/ann/My Apps/bin/moee-palette", '"/home/ann/My Apps/bin/moee-palette"'),
    ("/opt/$HOME/100%/x", '"/opt/\\$HOME/100%%/x"'),
])
def test_exec_arguments_are_quoted_as_the_spec_says(arg, quoted):
    assert desktop.exec_argument(arg) == quoted


def test_an_exec_path_with_a_backslash_is_escaped_twice():
    """The spec's string escape comes on top of the Exec quoting: a backslash is four."""
    line = desktop.desktop_entry(["/opt/a\\b/moee-palette"])
    assert 'Exec="/opt/a\\\\\\\\b/moee-palette" %F' in line
