"""The palette's project: what a user made (Qt-free), with versioned, atomic JSON save and load.

A project holds the emotion mix (weights, mode, intensity, AU toggles, prompt, gating override),
the portrait and audio paths, keyframes (stored as opaque JSON dicts; core.keyframes defines them)
and export settings. Widgets observe it through `subscribe`; they never hold their own copy.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from core import atomic
from core.errors import InputError, MoeeError
from core.mix import EmotionMix

PROJECT_FORMAT = "moee-palette-project"
PROJECT_VERSION = 1
PROJECT_SUFFIX = ".moee.json"

# What changed, for observers: one of these strings.
CHANGE_MIX = "mix"
CHANGE_MEDIA = "media"
CHANGE_KEYFRAMES = "keyframes"
CHANGE_EXPORT = "export"
CHANGE_FILE = "file"  # path or saved/unsaved state

Observer = Callable[[str], None]


@dataclass(frozen=True)
class ExportSettings:
    path: str = ""
    size: int = 512  # longest side in pixels
    fps: int = 25
    start: float = 0.0  # seconds
    end: float | None = None  # seconds; None = end of the audio
    # the voice a hand-set range was chosen for: with another voice the range is the whole voice
    range_audio: str | None = None

    @classmethod
    def from_json_dict(cls, d: dict) -> ExportSettings:
        end = d.get("end")
        range_audio = d.get("range_audio")
        return cls(path=str(d.get("path", "")), size=int(d.get("size", 512)),
                   fps=int(d.get("fps", 25)), start=float(d.get("start", 0.0)),
                   end=None if end is None else float(end),
                   range_audio=None if range_audio is None else str(range_audio))


@dataclass
class Project:
    mix: EmotionMix = field(default_factory=EmotionMix)
    portrait_path: str | None = None  # None = the built-in sample portrait
    audio_path: str | None = None  # None = no audio
    keyframes: list[dict] = field(default_factory=list)
    export: ExportSettings = field(default_factory=ExportSettings)
    file_path: str | None = None  # where the project was last saved or opened
    dirty: bool = False
    _observers: list[Observer] = field(default_factory=list, repr=False, compare=False)

    # ----- observation
    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def _changed(self, what: str, dirty: bool = True) -> None:
        if dirty:
            self.dirty = True
        for observer in list(self._observers):
            observer(what)

    # ----- edits (each notifies observers)
    def set_mix(self, mix: EmotionMix) -> None:
        if mix == self.mix:
            return
        self.mix = mix
        self._changed(CHANGE_MIX)

    def set_media(self, portrait_path: str | None = ..., audio_path: str | None = ...) -> None:
        if portrait_path is not ...:
            self.portrait_path = portrait_path
        if audio_path is not ...:
            self.audio_path = audio_path
        self._changed(CHANGE_MEDIA)

    def set_keyframes(self, keyframes: list[dict]) -> None:
        self.keyframes = [dict(k) for k in keyframes]
        self._changed(CHANGE_KEYFRAMES)

    def set_export(self, **changes) -> None:
        self.export = replace(self.export, **changes)
        self._changed(CHANGE_EXPORT)

    def replace_with(self, other: Project) -> None:
        """Take over another project's content (File > Open, File > New); observers stay."""
        for name in ("mix", "portrait_path", "audio_path", "keyframes", "export", "file_path"):
            setattr(self, name, getattr(other, name))
        self.dirty = False
        for what in (CHANGE_MEDIA, CHANGE_MIX, CHANGE_KEYFRAMES, CHANGE_EXPORT, CHANGE_FILE):
            self._changed(what, dirty=False)

    def mark_saved(self, path: str) -> None:
        self.file_path = path
        self.dirty = False
        self._changed(CHANGE_FILE, dirty=False)

    # ----- JSON
    def to_json_dict(self, base: Path | None = None) -> dict:
        return {
            "format": PROJECT_FORMAT,
            "version": PROJECT_VERSION,
            "portrait": _path_entry(self.portrait_path, base),
            "audio": _path_entry(self.audio_path, base),
            "mix": self.mix.as_dict(),
            "keyframes": self.keyframes,
            "export": asdict(self.export),
        }

    @classmethod
    def from_json_dict(cls, d: dict, base: Path | None = None) -> Project:
        d = migrate(d)
        try:
            return cls(mix=EmotionMix.from_json_dict(d.get("mix", {})),
                       portrait_path=_resolve_entry(d.get("portrait"), base),
                       audio_path=_resolve_entry(d.get("audio"), base),
                       keyframes=[dict(k) for k in d.get("keyframes", [])],
                       export=ExportSettings.from_json_dict(d.get("export", {})))
        except MoeeError:
            raise
        except (TypeError, ValueError, AttributeError) as e:
            raise InputError(f"the project file is damaged ({e})") from None


def migrate(d: dict) -> dict:
    """Bring an older project dict up to PROJECT_VERSION (the one place format changes go)."""
    if not isinstance(d, dict) or d.get("format") != PROJECT_FORMAT:
        raise InputError("this file is not a MoEE Palette project")
    version = int(d.get("version", 0))
    if version > PROJECT_VERSION:
        raise InputError(f"this project was saved by a newer MoEE Palette (format {version}); "
                         "please update the app to open it")
    return d


def _path_entry(path: str | None, base: Path | None) -> dict | None:
    if path is None:
        return None
    entry = {"path": str(Path(path).resolve())}
    if base is not None:
        try:
            entry["relative"] = os.path.relpath(entry["path"], base)
        except ValueError:  # another drive on Windows
            pass
    return entry


def _resolve_entry(entry: dict | None, base: Path | None) -> str | None:
    """Prefer the path relative to the project file, so a moved project folder still works."""
    if not entry:
        return None
    if base is not None and entry.get("relative"):
        candidate = (base / entry["relative"]).resolve()
        if candidate.exists():
            return str(candidate)
    return str(entry["path"])


def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write atomically: a temp file in the same folder, flushed, then renamed over the target."""

    path = Path(path)
    atomic.write_text(path, json.dumps(project.to_json_dict(path.parent.resolve()), indent=2))
    project.mark_saved(str(path))


def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"project file not found: {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(f"{path.name} is not a MoEE Palette project (not readable JSON)") from None
    project = Project.from_json_dict(d, path.parent.resolve())
    project.file_path = str(path)
    return project
