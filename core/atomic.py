"""Atomic writes: a temporary file or folder beside the target, renamed over it only when whole,
so a crash, a full disk or Ctrl-C never leaves a half-written file where the user's was.

The replacement looks like the file it replaces: it keeps the old file's mode bits (a shared
0664 project stays 0664), a new file gets the mode the umask gives (mkstemp alone makes 0600),
and a symlink is written through (its target is replaced; the link stays a link)."""
from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import ExportError


def os_error_reason(e: OSError) -> str:
    """Why a write failed, in a user's words (the disk is full, permission denied, ...)."""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only file or folder)"
    if e.errno == errno.ENAMETOOLONG:
        return "the file name or path is too long for this file system"
    return e.strerror or str(e)


def protected(p: str | os.PathLike) -> bool:
    """An existing regular file with no write bit (chmod a-w): a take the user protected, which a
    rename over it would replace all the same. By the mode bits, not os.access: root may write
    anything. A link is judged by its target, the file written."""
    try:
        mode = os.stat(p).st_mode
    except OSError:  # not there yet (or unreadable: the writer reports that)
        return False
    return stat.S_ISREG(mode) and not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def process_start(pid: int) -> str:
    """When process `pid` started (Linux: /proc/PID/stat field 22, clock ticks since boot), so a
    pid used again by a later process is not taken for the first; '' where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[19].decode("ascii")
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return ""


def process_gone(pid: int, start: str) -> bool:
    """True only when process `pid` of this machine has ended, or its pid now belongs to a later
    process (`start`: its process_start then); alive, another user's, or unknown: False."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # EPERM: alive, another user's
        return False
    now = process_start(pid)
    return bool(start and now) and now != start


def host_tag() -> str:
    """Six hex digits naming this machine, for temp files on a folder machines may share."""
    import hashlib
    import socket

    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


def remove_stale(folder: Path, name, gone) -> list[Path]:
    """Remove what a killed process left in `folder`: each entry whose name fully matches the
    pattern `name` and that `gone(entry, match)` says is stale (a file, or a folder with what
    it holds; never through a link). The paths removed; never raises: a clean-up must not fail
    the write that runs it."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = name.fullmatch(entry.name)
        try:
            if m and not entry.is_symlink() and gone(entry, m):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def umask() -> int:
    """The process umask, read without changing it where the OS allows (os.umask sets it, and
    another thread creating a file meanwhile would get the wrong mode)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def write_target(path: Path) -> Path:
    """Where the bytes go: a symlink's final target (the link itself is left alone)."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _mode_for(target: Path, new_mode: int) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return new_mode & ~umask()


def file_mode(path: str | os.PathLike) -> int:
    """The mode bits a file written over `path` gets: the old file's, else what the umask
    gives a new file (for writers that stream into their own temporary file)."""
    return _mode_for(write_target(Path(path)), 0o666)


def name_room(shown: str | os.PathLike, target: Path, extra: int) -> str | None:
    """Why `target`'s name, which its folder takes, is too long for a temp name `extra` bytes
    longer written beside it first (a write that failed as "File name too long" for a name the
    file system allows); None where both fit or the folder's limit is unknown."""
    try:
        most = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        return None
    size = len(os.fsencode(target.name))
    if size > most or size + extra <= most:  # a name too long itself: the write says so
        return None
    return (f"cannot write {shown}: the file name is {size} bytes long, and it is written first "
            f"beside it under a name {extra} bytes longer; this folder takes names of at most "
            f"{most} bytes, so shorten it to {most - extra} or less")


# bytes write_text's temp file adds to the name: ".<name>.XXXXXXXX.tmp"
_TMP_EXTRA = len(".") + len(".XXXXXXXX") + len(".tmp")


def write_text(path: str | os.PathLike, text: str, fsync: bool = True) -> Path:
    """Write `text` (UTF-8) to `path` atomically; ExportError with the reason on failure."""
    return write_bytes(path, text.encode("utf-8"), fsync)


def write_bytes(path: str | os.PathLike, data: bytes, fsync: bool = True) -> Path:
    """Write `data` to `path` atomically; ExportError with the reason on failure."""
    p = Path(path)
    try:  # a name longer than the folder takes: is_dir() raises, it does not say False
        target = write_target(p)
        if target.is_dir():
            raise ExportError(f"cannot write {p}: that is a folder; give a file name")
        if target.exists() and not os.access(target, os.W_OK):
            raise ExportError(f"cannot write {p}: the file is not writable (read-only)")
    except OSError as e:
        raise ExportError(f"cannot write {p}: {os_error_reason(e)}") from None
    too_long = name_room(p, target, _TMP_EXTRA)
    if too_long:
        raise ExportError(too_long)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                   dir=target.parent or ".")
    except OSError as e:  # ENOENT: "No such file or directory", of the file it was to make
        reason = f"its folder {target.parent} is not there (moved or deleted?)" \
            if e.errno == errno.ENOENT else os_error_reason(e)
        raise ExportError(f"cannot write {p}: {reason}") from None
    try:
        os.fchmod(fd, file_mode(target))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {p}: {os_error_reason(e)}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


@contextmanager
def folder(dest: str | os.PathLike) -> Iterator[Path]:
    """Fill the yielded temporary folder; on success it replaces `dest` whole, else it is
    removed. An old `dest` is renamed aside and removed once the new one is in place: removed
    first, a kill during its removal (seconds for a training checkpoint of GBs) left neither."""
    dest = write_target(Path(dest))
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        os.chmod(tmp, _mode_for(dest, 0o777))
        yield tmp
        aside = None
        if dest.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old-", dir=dest.parent))
            os.replace(dest, aside / dest.name)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


_FOLDER_LEFT = re.compile(r"\.(.+)-[a-z0-9_]{8}")  # folder()'s temp names (mkdtemp's 8 chars)


def remove_folders_left(parent: Path, names) -> list[Path]:
    """Remove the temp and set-aside folders that folder() left in `parent` for the
    destinations `names` when its process was killed (SIGKILL, out of memory): nothing else
    removes them. Only for destinations no live process is writing (the caller holds their
    lock). The paths removed; never raises."""
    names = set(names)

    def left(entry, m) -> bool:
        stem = m[1]  # '<name>' of a temp folder, '<name>-old' of a set-aside one
        return entry.is_dir(follow_symlinks=False) and (
            stem in names or stem.endswith("-old") and stem[:-4] in names)

    return remove_stale(parent, _FOLDER_LEFT, left)
