"""The palette's project: what a user made (Qt-free), with versioned, atomic JSON save and load.

A project holds the emotion mix (weights, mode, intensity, AU toggles, prompt, gating override),
the portrait and audio paths, keyframes (stored as opaque JSON dicts; core.keyframes defines them)
and export settings. Widgets observe it through `subscribe`; they never hold their own copy.
"""
from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from core import atomic, validate
from core.errors import InputError, MoeeError
from core.face.framing import FRAMES
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

# The fields of a project file and of its media entries: any other is refused by name (a
# misspelt "keyfames" opened as no keys, and the next save dropped them)
PROJECT_FIELDS = ("format", "version", "portrait", "frame", "audio", "mix", "keyframes", "export")
MEDIA_FIELDS = ("path", "relative")

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
        d = validate.mapping(d, "the export settings")
        validate.known_fields(d, EXPORT_FIELDS, "in the export settings")
        end = d.get("end")
        start = validate.number(d.get("start", 0.0), "the export start (seconds)", 0.0)
        if end is not None and validate.number(end, "the export end (seconds)", 0.0) <= start:
            raise InputError(f"the export end ({end} s) must be after its start ({start} s)")
        range_audio = d.get("range_audio")
        return cls(path=validate.path_text(d.get("path", ""), "the export path"),
                   size=validate.size(d.get("size", 512), "the export size"),
                   fps=validate.integer(d.get("fps", 25), "the export fps", *validate.FPS_RANGE),
                   start=start, end=None if end is None else float(end),
                   range_audio=None if range_audio is None else validate.path_text(
                       range_audio, "the export's audio range"))


EXPORT_FIELDS = tuple(f.name for f in fields(ExportSettings))


@dataclass
class Project:
    mix: EmotionMix = field(default_factory=EmotionMix)
    portrait_path: str | None = None  # None = the built-in sample portrait
    audio_path: str | None = None  # None = no audio
    portrait_frame: str = "picture"  # what the video shows of it (core/face/framing.py FRAMES)
    keyframes: list[dict] = field(default_factory=list)
    export: ExportSettings = field(default_factory=ExportSettings)
    file_path: str | None = None  # where the project was last saved or opened
    # file_stamp(file_path) when this project last read or wrote it: a save that finds another
    # stamp there would replace what someone else saved since (a second window on the file)
    file_stamp: tuple | None = field(default=None, compare=False)
    dirty: bool = False
    _observers: list[Observer] = field(default_factory=list, repr=False, compare=False)
    # (the keyframes list, its keys as core.keyframes.Key): parsed once per list, by whoever
    # had them in hand (the loader, an editor's edit), not again by each reader
    _keys: tuple | None = field(default=None, repr=False, compare=False)
    # what file_path holds (_content()) as this project last read or wrote it: an edit undone
    # back to it leaves nothing unsaved. None: no file's content is known (new, recovered)
    _saved: dict | None = field(default=None, repr=False, compare=False)

    # ----- observation
    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def _changed(self, what: str, dirty: bool = True) -> None:
        if dirty:
            self.dirty = self._saved is None or self.to_json_dict() != self._saved
        for observer in list(self._observers):
            observer(what)

    # ----- edits (each notifies observers)
    def set_mix(self, mix: EmotionMix) -> None:
        if mix == self.mix:
            return
        self.mix = mix
        self._changed(CHANGE_MIX)

    def set_media(self, portrait_path: str | None = ..., audio_path: str | None = ...,
                  portrait_frame: str = ...) -> None:
        if portrait_path is not ...:
            self.portrait_path = portrait_path
        if portrait_frame is not ...:
            self.portrait_frame = portrait_frame
        if audio_path is not ...:
            self.audio_path = audio_path
        self._changed(CHANGE_MEDIA)

    def set_keyframes(self, keyframes: list[dict], keys: tuple | None = None) -> None:
        """`keys`: the track these dicts read as (core.keyframes.KeyTrack.keys), when the caller
        has it, so no reader parses them again."""
        self.keyframes = [dict(k) for k in keyframes]
        self._keys = None if keys is None else (self.keyframes, tuple(keys))
        self._changed(CHANGE_KEYFRAMES)

    def parsed_keys(self) -> tuple | None:
        """The keys the keyframes read as (sorted and merged, KeyTrack.keys) if they are at hand,
        else None; never parses."""
        if self._keys is not None and self._keys[0] is self.keyframes:
            return self._keys[1]
        return None

    def key_track(self):
        """The keyframes as a new core.keyframes.KeyTrack, parsed at most once per list;
        InputError for keys that do not read."""
        from core.keyframes import KeyTrack

        keys = self.parsed_keys()
        if keys is None:
            keys = KeyTrack.from_json_dict(self.keyframes, "the project's keys").keys
            self._keys = (self.keyframes, keys)
        return KeyTrack(keys)

    def set_export(self, **changes) -> None:
        self.export = replace(self.export, **changes)
        self._changed(CHANGE_EXPORT)

    def replace_with(self, other: Project) -> None:
        """Take over another project's content (File > Open, File > New); observers stay."""
        for name in ("mix", "portrait_path", "portrait_frame", "audio_path", "keyframes", "_keys",
                     "export", "file_path", "file_stamp", "_saved"):
            setattr(self, name, getattr(other, name))
        self.dirty = False
        for what in (CHANGE_MEDIA, CHANGE_MIX, CHANGE_KEYFRAMES, CHANGE_EXPORT, CHANGE_FILE):
            self._changed(what, dirty=False)

    def mark_saved(self, path: str) -> None:
        self.file_path = path
        self._saved = self._content()
        self.dirty = False
        self._changed(CHANGE_FILE, dirty=False)

    # ----- JSON
    def _content(self) -> dict:
        """What a save writes, media paths absolute, as a copy: compared with == on each change
        (0.3 ms for 2000 keys; as JSON text, 3 ms, on every step of a slider's drag)."""
        return copy.deepcopy(self.to_json_dict())

    def to_json_dict(self, base: Path | None = None) -> dict:
        return {
            "format": PROJECT_FORMAT,
            "version": PROJECT_VERSION,
            "portrait": _path_entry(self.portrait_path, base),
            "frame": self.portrait_frame,
            "audio": _path_entry(self.audio_path, base),
            "mix": self.mix.as_dict(),
            "keyframes": self.keyframes,
            "export": asdict(self.export),
        }

    @classmethod
    def from_json_dict(cls, d: dict, base: Path | None = None) -> Project:
        d = migrate(d)
        validate.known_fields(d, PROJECT_FIELDS, "in the project")
        try:
            keyframes = d.get("keyframes", [])
            if not isinstance(keyframes, list):
                raise InputError("the project's keyframes must be a list of keys")
            from core.keyframes import KeyTrack
            # refused here, not mid-render; the parsed keys are kept for the key editor
            keys = KeyTrack.from_json_dict(keyframes, "the project's keyframes").keys
            project = cls(mix=EmotionMix.from_json_dict(d.get("mix", {})),
                          portrait_path=_resolve_entry(d.get("portrait"), base, "portrait"),
                          portrait_frame=validate.choice(d.get("frame", "picture"), FRAMES,
                                                         "portrait frame"),
                          audio_path=_resolve_entry(d.get("audio"), base, "audio"),
                          keyframes=[dict(k) for k in keyframes],
                          export=ExportSettings.from_json_dict(d.get("export", {})))
            project._keys = (project.keyframes, keys)
            return project
        except MoeeError:
            raise
        except (TypeError, ValueError, AttributeError) as e:
            raise InputError(f"the project file is damaged ({e})") from None


def migrate(d: dict) -> dict:
    """Bring an older project dict up to PROJECT_VERSION (the one place format changes go)."""
    if not isinstance(d, dict) or d.get("format") != PROJECT_FORMAT:
        raise InputError("this file is not a MoEE Palette project")
    version = validate.integer(d.get("version", 0), "the project format version", 0)
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


def _resolve_entry(entry: dict | None, base: Path | None, what: str = "media") -> str | None:
    """Prefer the path relative to the project file, so a moved project folder still works."""
    if not entry:
        return None
    entry = validate.mapping(entry, f"the project's {what} entry")
    validate.known_fields(entry, MEDIA_FIELDS, f"in the project's {what} entry")
    validate.path_text(entry.get("path"), f"the project's {what} path")
    if entry.get("relative") is not None:
        validate.path_text(entry["relative"], f"the project's relative {what} path")
    if base is not None and entry.get("relative"):
        candidate = (base / entry["relative"]).resolve()
        try:
            if candidate.exists():
                return str(candidate)
        except OSError:  # a name longer than this file system takes: not here
            pass
    return str(entry["path"])


def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write atomically: a temp file in the same folder, flushed, then renamed over the target."""

    path = Path(path)
    atomic.write_text(path, json.dumps(project.to_json_dict(path.parent.resolve()), indent=2))
    project.file_stamp = file_stamp(path)
    project.mark_saved(os.path.abspath(path))


def file_stamp(path: str | os.PathLike) -> tuple | None:
    """What tells one version of a file from the next (an atomic save makes a new inode), or
    None when there is no file there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def changed_on_disk(project: Project) -> bool:
    """Whether the project's file is not the one it read or wrote last: saved by another window
    or program since (also since a crashed run's recovery copy was made). False when that is
    not known (never saved) or the file is gone (saving makes it again and replaces nothing)."""
    if project.file_path is None or project.file_stamp is None:
        return False
    now = file_stamp(project.file_path)
    return now is not None and now != project.file_stamp


def _unreadable(name: str, text: str, e: json.JSONDecodeError) -> str:
    if not text.strip():
        return f"{name} is empty: there is no project in it"
    if e.pos >= len(text.rstrip()) and text.lstrip().startswith("{") \
            and f'"{PROJECT_FORMAT}"' in text:
        return (f"{name} is cut short: it ends at line {e.lineno} inside the project (a copy or "
                "save that did not finish?)")
    return f"{name} is not a MoEE Palette project (not readable JSON)"


def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a project file")
    validate.not_a_stream(path, "the project file")
    text = ""
    try:
        stamp = file_stamp(path)  # before reading: a save in between reads as a change
        text = path.read_text(encoding="utf-8-sig")  # a BOM: an editor's save
        d = json.loads(text)
    except FileNotFoundError:
        raise InputError(f"project file not found: {path}") from None
    except json.JSONDecodeError as e:  # empty or cut short: not "not a project"
        raise InputError(_unreadable(path.name, text, e)) from None
    except (ValueError, RecursionError):  # not UTF-8 or JSON, a 5000-digit number, too deep
        raise InputError(f"{path.name} is not a MoEE Palette project (not readable JSON)") from None
    except OSError as e:
        raise InputError(f"cannot read {path.name}: {e.strerror or e}") from None
    project = Project.from_json_dict(d, path.parent.resolve())
    project.file_path = os.path.abspath(path)  # as named (a link stays one), not the cwd's
    project.file_stamp = stamp
    project._saved = project._content()
    return project
