"""The app in a Linux desktop's application menu (`moee install-desktop`), by the freedesktop.org
standards: a desktop entry (Desktop Entry Specification) whose Exec starts this very
installation, the icon in the hicolor theme (Icon Theme Specification), and a shared-mime-info
package that names `*.moee.json` application/x-moee-project, a kind of JSON, so a file manager
opens a saved project in the app on a double-click.

Everything goes under $XDG_DATA_HOME (~/.local/share by default), each file written atomically;
the index each folder has (update-desktop-database, update-mime-database,
gtk-update-icon-cache) is refreshed when that tool is installed. `--uninstall` removes the same
files, refreshes the same indexes, then removes what is left empty: the folders on those paths
and an index that indexes nothing. Qt-free, like all of core: `moee --help` and
this command never load it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core import atomic
from core.errors import ExportError, InputError
from core.paths import PACKAGE_ROOT, is_checkout, resource

APP_NAME = "MoEE Palette"  # the window title's and QSettings' name (app/ui_constants.py)
APP_ID = "moee-palette"  # the desktop file's, the icon's and the installed command's name
# Qt on X11 names a window's class (WM_CLASS) after QApplication.applicationName(): APP_NAME;
# on Wayland the app id is QGuiApplication.desktopFileName(), which the app sets to APP_ID
WM_CLASS = APP_NAME
PROJECT_MIME = "application/x-moee-project"
PROJECT_GLOB = "*.moee.json"  # core/project.py PROJECT_SUFFIX
ICON_SVG = ("icons", f"{APP_ID}.svg")  # in resources/
ICON_PNG = ("icons", f"{APP_ID}-256.png")  # rendered from the SVG by scripts/render_icon.py

# What the app opens (app/window_files.py IMAGE_SUFFIXES and AUDIO_SUFFIXES), as the types
# shared-mime-info gives those names, with the older names some systems still use. A video's
# sound opens as a voice too, but the launcher does not offer itself for videos.
OPENED_TYPES: dict[str, tuple[str, ...]] = {
    ".png": ("image/png",), ".jpg": ("image/jpeg",), ".jpeg": ("image/jpeg",),
    ".bmp": ("image/bmp",), ".webp": ("image/webp",), ".tif": ("image/tiff",),
    ".tiff": ("image/tiff",), ".gif": ("image/gif",),
    ".wav": ("audio/x-wav", "audio/wav"), ".flac": ("audio/flac", "audio/x-flac"),
    ".ogg": ("audio/ogg", "audio/x-vorbis+ogg"), ".oga": ("audio/ogg", "audio/x-flac+ogg"),
    ".opus": ("audio/x-opus+ogg",), ".mp3": ("audio/mpeg",),
    ".m4a": ("audio/mp4", "audio/x-m4a"), ".aac": ("audio/aac",),
    ".aiff": ("audio/x-aiff",), ".aif": ("audio/x-aiff",),
}
FREEDESKTOP = ("linux", "freebsd", "openbsd", "netbsd", "dragonfly")

MIME_PACKAGE = f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{PROJECT_MIME}">
    <comment>{APP_NAME} project</comment>
    <sub-class-of type="application/json"/>
    <icon name="{APP_ID}"/>
    <generic-icon name="text-x-generic"/>
    <glob pattern="{PROJECT_GLOB}" weight="60"/>
  </mime-type>
</mime-info>
"""


def mime_types() -> list[str]:
    """The MimeType list of the desktop entry: projects first, then images and audio."""
    seen: dict[str, None] = {PROJECT_MIME: None}
    for types in OPENED_TYPES.values():
        seen.update(dict.fromkeys(types))
    return list(seen)


def data_home(environ: dict[str, str] | None = None) -> tuple[Path, str | None]:
    """$XDG_DATA_HOME, else ~/.local/share; and a note when the variable was set but ignored
    (the spec: a relative path is invalid and is ignored)."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_DATA_HOME", "")
    default = Path(env.get("HOME") or Path.home()) / ".local" / "share"
    if value and not os.path.isabs(value):
        return default, (f"XDG_DATA_HOME={value} is not an absolute path, so it is ignored "
                         f"(as the XDG Base Directory spec says): using {default}")
    return (Path(value) if value else default), None


# ----- the launch command


def _script_for_this_python(folder: Path) -> Path | None:
    """`moee-palette` in `folder` when it is an installed script that runs this interpreter
    (its #! line names sys.executable): another installation's script starts another copy."""
    script = folder / APP_ID
    try:
        with open(script, "rb") as f:
            first = f.readline(4096)
    except OSError:
        return None
    if not first.startswith(b"#!") or not os.access(script, os.X_OK):
        return None
    named = os.fsdecode(first[2:].strip())
    try:
        same = os.path.samefile(named, sys.executable)
    except OSError:
        return None
    return script.absolute() if same else None


def launch_command() -> list[str]:
    """The argv that starts the app of this installation: the `moee-palette` script beside the
    running `moee` (pip, pip --user, a virtualenv, pipx), else this Python with `-m app`; from
    a checkout, this Python with its main.py."""
    if is_checkout():
        return [sys.executable, str(PACKAGE_ROOT / "main.py"), "app"]
    import sysconfig

    folders = [Path(sys.argv[0]).absolute().parent] if sys.argv and sys.argv[0] else []
    folders += [Path(sysconfig.get_path("scripts"))]
    for folder in folders:
        script = _script_for_this_python(folder)
        if script is not None:
            return [str(script)]
    return [sys.executable, "-m", "app"]


_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def exec_argument(arg: str) -> str:
    """One argument of an Exec line, quoted as the Desktop Entry spec says: in double quotes
    when it holds a reserved character, with `"`, backquote, `$` and backslash escaped; a
    literal `%` doubled (field codes start with one)."""
    if "\n" in arg or "\r" in arg:
        raise InputError(f"cannot start the app from a desktop launcher: the path {arg!r} holds "
                         "a line break")
    arg = arg.replace("%", "%%")
    if arg and not (_RESERVED & set(arg)):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def _string_value(text: str) -> str:
    """A desktop entry value: its own escapes (a backslash doubled), UTF-8 or refused."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"cannot write a desktop launcher for {text!r}: the path is not valid "
                         "UTF-8, which desktop files must be; install moee-palette under a "
                         "path whose name is") from None
    return text.replace("\\", "\\\\")


def desktop_entry(command: list[str]) -> str:
    exec_line = " ".join(exec_argument(a) for a in command) + " %F"
    try_exec = (f"TryExec={_string_value(command[0])}\n" if os.path.isabs(command[0]) else "")
    return ("[Desktop Entry]\n"
            "Type=Application\n"
            "Version=1.4\n"
            f"Name={APP_NAME}\n"
            "GenericName=Talking Portrait Animator\n"
            "Comment=Give a portrait a voice and a feeling: mix six emotions, get a talking "
            "video\n"
            f"Icon={APP_ID}\n"
            f"{try_exec}"
            f"Exec={_string_value(exec_line)}\n"
            "Terminal=false\n"
            "StartupNotify=true\n"
            f"StartupWMClass={WM_CLASS}\n"
            "Categories=AudioVideo;Video;\n"  # one main category: menus list it once
            "Keywords=emotion;portrait;animation;lip sync;talking head;face;MoEE;\n"
            f"MimeType={';'.join(mime_types())};\n")


# ----- what goes where


@dataclass(frozen=True)
class Item:
    path: Path
    data: bytes
    what: str  # for --print and the report
    source: Path | None = None  # the installed file it is a copy of


@dataclass(frozen=True)
class Tool:
    name: str
    args: tuple[str, ...]
    folder: Path  # the index's folder
    why: str  # what is missing while it is not run
    only_if: str = ""  # run only where the folder holds this file already


def targets(home: Path) -> list[tuple[Path, str]]:
    """Where install-desktop writes, in the order it writes: the launcher last, so a menu never
    shows it before its icon and file type are in place. With what each file is."""
    icons = home / "icons" / "hicolor"
    return [(icons / "scalable" / "apps" / f"{APP_ID}.svg", "the icon (SVG)"),
            (icons / "256x256" / "apps" / f"{APP_ID}.png", "the icon (256x256 PNG)"),
            (home / "mime" / "packages" / f"{APP_ID}.xml",
             f"the project file type {PROJECT_MIME}, {PROJECT_GLOB}"),
            (home / "applications" / f"{APP_ID}.desktop", "the application menu's launcher")]


def plan(home: Path) -> list[Item]:
    """targets() with the bytes each file gets."""
    svg, png = resource(*ICON_SVG), resource(*ICON_PNG)
    try:
        data = (svg.read_bytes(), png.read_bytes())
    except OSError as e:
        raise InputError(f"the app icon is missing from this installation ({e.filename}): "
                         "reinstall moee-palette") from None
    data += (MIME_PACKAGE.encode(), desktop_entry(launch_command()).encode())
    return [Item(path, d, what, source) for (path, what), d, source
            in zip(targets(home), data, (svg, png, None, None))]


def tools(home: Path) -> list[Tool]:
    icons = home / "icons" / "hicolor"
    return [Tool("update-desktop-database", ("-q",), home / "applications",
                 "file managers may offer the app for its file types only after the next login"),
            Tool("update-mime-database", (), home / "mime",
                 f"{PROJECT_GLOB} files stay plain JSON until it runs"),
            # only to keep a cache that is there current: GTK trusts a cache newer than the
            # theme's folder, so one made here would hide icons that other programs add later
            # without running the tool
            Tool("gtk-update-icon-cache", ("-q", "-t", "-f"), icons,
                 "GTK desktops find the icon without the cache", "icon-theme.cache")]


# ----- the door


def check_platform() -> None:
    if sys.platform.startswith(FREEDESKTOP):
        return
    start = " ".join(launch_command())
    if sys.platform == "darwin":
        how = (f"start the app with `{start}` (or add that command to the Dock with Automator's "
               "'Run Shell Script' app)")
    elif sys.platform == "win32":
        how = f"make a shortcut to `{start}` on the desktop or in the Start menu"
    else:
        how = f"start the app with `{start}`"
    raise InputError(f"install-desktop writes freedesktop.org launchers (Linux and BSD desktops); "
                     f"{sys.platform} does not read them. Nothing was written: {how}")


def _nearest_existing(path: Path) -> Path:
    while not os.path.lexists(path) and path.parent != path:
        path = path.parent
    return path


def check_writable(home: Path, items: list[Item]) -> None:
    """Each target folder exists as a folder we may write, or can be made: the first of its
    parents that exists is a writable folder. Before anything is written."""
    for item in items:
        folder = item.path.parent
        there = _nearest_existing(folder)
        if not there.is_dir():
            raise InputError(f"cannot install the launcher: {there} is a file, not a folder "
                             f"({item.path} goes there). Nothing was written")
        if not os.access(there, os.W_OK | os.X_OK):
            raise InputError(f"cannot install the launcher: {there} is not writable (permission "
                             "denied). Nothing was written; set XDG_DATA_HOME to a folder you "
                             f"may write (now {home}), or fix its permissions")
        if item.path.is_dir():
            raise InputError(f"cannot install the launcher: {item.path} is a folder. Nothing "
                             "was written")


# ----- install, uninstall


def _run_tool(tool: Tool) -> str:
    """Run one index tool on its folder: a line saying what was done or skipped."""
    exe = shutil.which(tool.name)
    if exe is None:
        return f"skipped {tool.name} (not installed): {tool.why}"
    if not tool.folder.is_dir():
        return f"skipped {tool.name}: {tool.folder} is not there"
    if tool.only_if and not (tool.folder / tool.only_if).is_file():
        return f"skipped {tool.name}: {tool.folder} has no {tool.only_if} to refresh"
    try:
        r = subprocess.run([exe, *tool.args, str(tool.folder)], capture_output=True, text=True,
                           timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"warning: {tool.name} {tool.folder} failed ({e}): {tool.why}"
    if r.returncode != 0:
        said = (r.stderr.strip() or r.stdout.strip()).splitlines()
        return (f"warning: {tool.name} {tool.folder} failed "
                f"({said[-1] if said else f'status {r.returncode}'}): {tool.why}")
    return f"ran {tool.name} {tool.folder}"


def install(home: Path) -> list[str]:
    """Write every file (atomically; a failure removes the ones this run added, and says so),
    then refresh the indexes. The report's lines."""
    items = plan(home)
    check_writable(home, items)
    lines, added, made = [], [], []
    try:
        for item in items:
            for parent in reversed([item.path.parent, *item.path.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            existed = os.path.lexists(item.path)
            atomic.write_bytes(item.path, item.data)
            if not existed:
                added.append(item.path)
            lines.append(f"wrote {item.path}: {item.what}")
    except (ExportError, OSError) as e:
        for path in added:
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            _rmdir_if_empty(folder)
        reason = e if isinstance(e, ExportError) else atomic.os_error_reason(e)
        raise ExportError(f"cannot install the launcher: {reason}. What this run had written "
                          "is removed again") from None
    lines += [_run_tool(t) for t in tools(home)]
    return lines


def uninstall(home: Path) -> list[str]:
    """Remove what install wrote (the launcher first), refresh the indexes, then tidy: the
    folders on those paths left empty, and an index that now indexes nothing."""
    lines = []
    for path, _what in reversed(targets(home)):
        if os.path.lexists(path):
            try:
                path.unlink()
            except OSError as e:
                raise ExportError(f"cannot remove {path}: {atomic.os_error_reason(e)}") from None
            lines.append(f"removed {path}")
    if not lines:
        return [f"nothing to remove: no {APP_NAME} launcher is installed in {home}"]
    lines += [_run_tool(t) for t in tools(home) if t.folder.is_dir()]
    _tidy(home)
    return lines


def _rmdir_if_empty(folder: Path) -> bool:
    try:
        folder.rmdir()
        return True
    except OSError:
        return False


def _only_generated(folder: Path, generated: set[str]) -> bool:
    """`folder` holds nothing but files named in `generated` and folders holding no file."""
    for root, dirs, files in os.walk(folder):
        allowed = generated if Path(root) == folder else set()
        if set(files) - allowed or any(os.path.islink(os.path.join(root, d)) for d in dirs):
            return False
    return True


# what update-mime-database writes beside packages/ (and a folder of one .xml per type)
MIME_INDEX = {"globs", "globs2", "magic", "XMLnamespaces", "subclasses", "aliases", "types",
              "generic-icons", "icons", "treemagic", "mime.cache", "version"}


def _tidy(home: Path) -> None:
    mime = home / "mime"
    packages = mime / "packages"
    if mime.is_dir() and not (packages.is_dir() and any(packages.iterdir())):
        # no package left: what update-mime-database built describes nothing; each file it
        # writes is named in MIME_INDEX or is <media>/<type>.xml, nothing else is removed
        for entry in list(mime.iterdir()):
            if entry.is_file() and entry.name in MIME_INDEX:
                entry.unlink()
            elif entry.is_dir() and not entry.is_symlink():
                for xml in entry.glob("*.xml"):
                    xml.unlink()
                _rmdir_if_empty(entry)
    apps = home / "applications"
    if apps.is_dir() and _only_generated(apps, {"mimeinfo.cache"}):
        (apps / "mimeinfo.cache").unlink(missing_ok=True)
    hicolor = home / "icons" / "hicolor"
    if hicolor.is_dir() and _only_generated(hicolor, {"icon-theme.cache"}):
        (hicolor / "icon-theme.cache").unlink(missing_ok=True)
    for path, _what in targets(home):  # the folders on our paths, deepest first, if empty
        for folder in [path.parent, *path.parent.parents]:
            if folder == home or home not in folder.parents:
                break
            if os.path.lexists(folder) and not _rmdir_if_empty(folder):
                break
