"""Crash recovery: an unsaved project is copied, a few seconds after each change, to a recovery
file of its own process (`recovery-<pid>-<start>.json` in the app's data folder: the process
and when it started, so a later run given the same pid, as in a container or after a reboot,
is not taken for it), written atomically. A clean save, a discard or a normal quit deletes it;
one left by a process that is no longer running is work a crash (or a killed app, a power cut)
would have lost, and the next start offers it back. No Qt here: the app (app/autosave.py)
drives it."""
from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from core import atomic
from core.errors import ExportError, MoeeError
from core.project import Project

PREFIX, SUFFIX = "recovery-", ".json"
# recovery-<pid>-<start>.json; recovery-<pid>.json where the start is not known (and before)
_NAME = re.compile(rf"{PREFIX}(\d+)(?:-(\d+))?{re.escape(SUFFIX)}")


@dataclass
class Recovered:
    project: Project  # its file_path: where it was saved before, or None (untitled)
    saved_at: float  # when the copy was made (seconds since the epoch)
    source: Path  # the recovery file itself


def _gone(pid: int, start: str) -> bool:
    """Whether the run that named a copy after process `pid`, started at `start` ('' where not
    known), has ended: its pid gone, or now another process's (this one's, too)."""
    if pid == os.getpid() and not start:  # never a name this run writes where it knows its start
        return bool(atomic.process_start(pid))
    return atomic.process_gone(pid, start)


class RecoveryFile:
    def __init__(self, folder: str | os.PathLike, pid: int | None = None):
        self.folder = Path(folder)
        pid = os.getpid() if pid is None else pid
        start = atomic.process_start(pid)
        self.path = self.folder / f"{PREFIX}{pid}{f'-{start}' if start else ''}{SUFFIX}"

    def write(self, project: Project) -> None:
        """Copy `project` (absolute media paths) here; ExportError when the folder is not
        writable (the app says so once, and the project itself is untouched)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ExportError(f"cannot write {self.folder}: {atomic.os_error_reason(e)}") from None
        payload = {"saved_at": time.time(), "file_path": project.file_path,
                   # the file as this project last read or wrote it: saving the recovered
                   # copy asks first should that file have been saved again since
                   "file_stamp": project.file_stamp, "project": project.to_json_dict()}
        # flushed: the power cut a recovery copy is for came soon after a first copy and left it
        # empty (renamed in before its data reached the disk); 20 ms for 2000 keys either way
        atomic.write_text(self.path, json.dumps(payload, indent=1), fsync=True)

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:  # its folder could never be made (the write said so): nothing there
            pass

    def orphans(self) -> list[Path]:
        """Recovery files whose process is gone, newest first."""
        found = []
        for p in self.folder.glob(f"{PREFIX}*{SUFFIX}"):
            m = _NAME.fullmatch(p.name)
            if m and _gone(int(m[1]), m[2] or ""):
                found.append(p)
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def read(path: Path) -> Recovered | None:
    """The project kept in a recovery file, or None when it no longer reads (damaged, from a
    newer app): such a file is left where it is for the user to look at."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        project = Project.from_json_dict(d["project"])
        file_path = d.get("file_path")
        project.file_path = file_path if isinstance(file_path, str) else None
        project.file_stamp = _stamp(d.get("file_stamp")) if project.file_path else None
        return Recovered(project, float(d.get("saved_at", path.stat().st_mtime)), path)
    except (OSError, ValueError, KeyError, TypeError, MoeeError):
        return None


def _stamp(kept) -> tuple | None:
    """A file stamp (core.project.file_stamp) as JSON kept it, or None (a copy made before
    copies kept it, or not one): then a save replaces that file unasked, as before."""
    if isinstance(kept, list) and len(kept) == 3 and all(type(n) is int for n in kept):
        return tuple(kept)
    return None
