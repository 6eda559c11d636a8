"""Paths through Qt, byte for byte. A Linux file name is bytes; Python holds one that is not
UTF-8 (b"face\\xff.png") as os.fsdecode makes it ("face\\udcff.png"), and Qt drops that byte:
QSettings gave back "face.png" (another file, or none), a label showed that name, a dropped
file's URL read "face\\ufffd.png". Here such a path is kept as base64 of its bytes behind
BYTES_TAG; text no file name can be (a lone surrogate) is not kept, and the log says why."""
from __future__ import annotations

import base64
import binascii
import logging
import os
from pathlib import Path
from urllib.parse import unquote_to_bytes

from PySide6.QtCore import QUrl

from core.errors import InputError

BYTES_TAG = "fs-bytes:"  # what begins a path kept as base64 of its file-system bytes
log = logging.getLogger("moee.app")


def stored_path(path: str) -> str | None:
    """`path` as QSettings keeps it whole, or None (logged) when no file name is this text."""
    if not path.startswith(BYTES_TAG):
        try:
            path.encode("utf-8")
            return path
        except UnicodeEncodeError:
            pass
    try:
        raw = os.fsencode(path)
    except UnicodeEncodeError:
        log.warning("not kept in the settings: %r is no file name on this system", path)
        return None
    return BYTES_TAG + base64.b64encode(raw).decode("ascii")


def shown_name(path: str) -> str:
    """A path's file name for a label: a byte that is not UTF-8 shows as U+FFFD (Qt dropped it:
    b"face\\xff.png" read "face.png", another file's name)."""
    return os.fsencode(Path(path).name).decode("utf-8", "replace")


def local_path(url: QUrl) -> str:
    """The file a file:// URL names, byte for byte (toLocalFile turns a name's bytes that are
    not UTF-8, sent as %FF, into U+FFFD: a file that is not there, or another one)."""
    if os.name != "posix" or url.host():
        return url.toLocalFile()
    return os.fsdecode(unquote_to_bytes(url.path(QUrl.ComponentFormattingOption.FullyEncoded)))


def real_path(path: str) -> str:
    """The file a file dialog (or a drop) named. Qt's GTK dialog reads the name it returns as
    UTF-8 (QString::fromUtf8), so one whose bytes are not (b"face\\xff.png") comes back with
    U+FFFD ("face\\ufffd.png"): a file that is not there. Each part of the path with U+FFFD is
    looked up in its folder: the one name there that reads so is taken; none leaves the part as
    it is (a new file's name, or one gone: the loader says so); several (b"face\\xfe.png" too)
    is InputError, since which one was chosen cannot be told."""
    if "\ufffd" not in path or os.name != "posix":
        return path
    parts = Path(path).parts
    real = Path(parts[0])
    for part in parts[1:]:
        if "\ufffd" in part:
            names = [n for n in _listed(real) if n.decode("utf-8", "replace") == part]
            if len(names) > 1:
                raise InputError(
                    f"{len(names)} files in {_shown(real)} are named "
                    f"{part}: names that are not valid UTF-8 read alike (an odd byte shows as "
                    "\ufffd), so which one you chose cannot be told. Rename the file to a "
                    "name without such bytes, then choose it again")
            part = os.fsdecode(names[0]) if names else part
        real = real / part
    return str(real)


def _shown(path: Path) -> str:
    return os.fsencode(path).decode("utf-8", "replace")


def _listed(folder: Path) -> list[bytes]:
    try:
        return os.listdir(os.fsencode(folder))
    except OSError:  # not there, not readable: the loader says which
        return []


def read_path(value) -> str | None:
    """What stored_path kept, back as the path; None (logged) for a damaged entry."""
    if not isinstance(value, str) or not value:
        return None
    if not value.startswith(BYTES_TAG):
        return value
    try:
        return os.fsdecode(base64.b64decode(value[len(BYTES_TAG):], validate=True))
    except (binascii.Error, ValueError):
        log.warning("a path in the settings is damaged and was left out: %r", value)
        return None


def exists(path: str, test=Path.exists) -> bool:
    """test(Path(path)), False where the name cannot be asked about (too long here, a NUL)."""
    try:
        return test(Path(path))
    except (OSError, ValueError):
        return False
