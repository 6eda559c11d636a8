"""Preferences, recent files and window layout, kept with QSettings (with a migration step).
Paths go in and out through app/path_text.py: QSettings drops a file name's bytes that are not
UTF-8."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from app.path_text import exists, read_path, stored_path
from app.ui_constants import APP_NAME, ORG_NAME, RECENT_FILES_MAX, SETTINGS_VERSION

RECENT_KINDS = ("portrait", "audio", "project")


class AppSettings:
    def __init__(self, path: str | None = None):
        """path: an .ini file (tests); None: the platform's usual place."""
        self.qs = (QSettings(path, QSettings.Format.IniFormat) if path
                   else QSettings(ORG_NAME, APP_NAME))
        self._path = path
        self._migrate()

    def _migrate(self) -> None:
        version = int(self.qs.value("meta/version", 0))
        if version < 1:  # version 0 had no groups; nothing worth keeping
            self.qs.remove("recent")
        self.qs.setValue("meta/version", SETTINGS_VERSION)

    def data_dir(self) -> Path:
        """Where the app keeps its own files (crash recovery copies): beside a given settings
        file (tests), else the platform's app data folder."""
        if self._path:
            return Path(self._path).resolve().parent
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        return Path(base) if base else Path.home() / ".moee-palette"

    # ----- recent files
    def recent(self, kind: str) -> list[str]:
        value = self.qs.value(f"recent/{kind}", [])
        if isinstance(value, str):  # QSettings returns a bare string for one item
            value = [value]
        paths = (read_path(v) for v in (value or []))
        return [p for p in paths if p is not None and exists(p)]

    def add_recent(self, kind: str, path: str) -> None:
        items = [path] + [p for p in self.recent(kind) if p != path]
        kept = [s for s in map(stored_path, items) if s is not None]
        self.qs.setValue(f"recent/{kind}", kept[:RECENT_FILES_MAX])

    # ----- preferences
    def value(self, key: str, default=None, kind=str):
        v = self.qs.value(f"prefs/{key}", default)
        try:
            return default if v is None else (v if kind is str else kind(v))
        except (TypeError, ValueError):
            return default

    def set_value(self, key: str, value) -> None:
        self.qs.setValue(f"prefs/{key}", value)

    # ----- the folder each kind of file dialog opened last
    def last_dir(self, kind: str, default: str | None = None) -> str:
        """The last folder used for this kind, else the old shared one (settings from before
        folders were per kind), else `default`, else the home folder."""
        for key in (f"dirs/{kind}", "prefs/last_dir"):
            value = read_path(self.qs.value(key))
            if value and exists(value, Path.is_dir):
                return value
        return default or str(Path.home())

    def remember_dir(self, kind: str, path: str) -> None:
        """path: a file the user chose; its folder becomes this kind's start folder."""
        folder = stored_path(str(Path(path).parent))
        if folder is not None:
            self.qs.setValue(f"dirs/{kind}", folder)

    # ----- window
    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qs.setValue("window/geometry", geometry)
        self.qs.setValue("window/state", state)

    def window(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self.qs.value("window/geometry"), self.qs.value("window/state")

    def sync(self) -> None:
        self.qs.sync()
