"""The one place values are checked where they enter: CLI flags, keyframe files, project files.

Each check returns the clean value or raises InputError with one sentence that names the field
(`what`) and the value it got, so `--intensity nan`, a key's `"intensity": NaN` and a project's
`"size": 0` are refused with the same words. Ranges that are design decisions live here once.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from core.errors import InputError

# Master intensity: 1 is the mix as designed, above exaggerates (the palette's slider range,
# app/ui_constants.INTENSITY_MAX); one line to change when the ceiling moves.
MAX_INTENSITY = 1.5
SIZE_RANGE = (64, 4096)   # longest side of a render in pixels (RenderJob.validate)
FPS_RANGE = (1, 120)      # frames per second of a render
CROP_RANGE = (16, 2048)   # side of a prepared training crop in pixels (`prepare --size`)
# numpy's SeedSequence refuses negative seeds and torch's manual_seed anything past 2**64 - 1;
# 32 bits is every seed both take (and a float holds it exactly)
SEED_RANGE = (0, 2**32 - 1)
# the longest take in seconds: an audio file (core.audio.io) or a silent clip's --duration (a
# 1e9 s silent clip asked numpy for 93 GiB and ended in a MemoryError traceback)
MAX_TAKE_S = 3600
MIX_MODES = ("free", "normalized")


def number(value, what: str, lo: float | None = None, hi: float | None = None) -> float:
    """A finite real number (bool and text refused) within [lo, hi] where given."""
    kind = type(value)
    if kind is not float and kind is not int and (
            isinstance(value, bool) or not isinstance(value, (int, float)) and not _numpy_number(value)):
        raise InputError(f"{what} must be a number, got {_show(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise InputError(f"{what} must be a finite number, got {_show(value)}")
    if lo is not None and v < lo or hi is not None and v > hi:
        raise InputError(f"{what} must be {_range(lo, hi)}, got {_show(value)}")
    return v


def integer(value, what: str, lo: int | None = None, hi: int | None = None) -> int:
    v = number(value, what, lo, hi)
    if v != int(v):
        raise InputError(f"{what} must be a whole number, got {_show(value)}")
    return int(v)


def intensity(value, what: str = "intensity") -> float:
    return number(value, what, 0.0, MAX_INTENSITY)


def weight(value, what: str = "weight") -> float:
    return number(value, what, 0.0)


def unit(value, what: str) -> float:
    """A gate or AU intensity: a number in [0, 1]."""
    return number(value, what, 0.0, 1.0)


def choice(value, options: Iterable[str], what: str) -> str:
    if not isinstance(value, str) or value not in options:
        options = tuple(options)
        raise InputError(f"unknown {what} {_show(value)}; expected one of: {', '.join(options)}")
    return value


def au_number(value, what: str = "Action Unit") -> int:
    from core.emotions import AU_CATALOG

    n = value
    if _numpy_number(value) and float(value).is_integer():
        n = int(value)
    if isinstance(value, str):
        digits = value.strip().upper().removeprefix("AU")
        n = int(digits) if digits.isdigit() else value
    if isinstance(n, bool) or not isinstance(n, int) or n not in AU_CATALOG:
        shown = f"AU{n}" if isinstance(n, int) and not isinstance(n, bool) else _show(value)
        raise InputError(f"unknown {what} {shown}; known: "
                         + ", ".join(str(k) for k in AU_CATALOG))
    return n


def label(value, what: str = "label") -> str:
    """An emotion label ("" for none), canonicalised ("joy" -> "happy")."""
    from core.latents.label import canonical_label

    value = text(value, what)
    return canonical_label(value) if value.strip() else ""


def text(value, what: str) -> str:
    """A string that is valid Unicode (argv bytes that were not UTF-8 arrive as surrogates)."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, got {_show(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not valid UTF-8 text; save or type it as UTF-8") from None
    return value


def path_text(value, what: str) -> str:
    """A file's path as the system names it: text, or a name whose bytes are not UTF-8 (Linux
    allows any), held as the surrogates os.fsdecode makes and written back as those bytes. A
    project saved with such a portrait opens again; text no file name can hold is refused."""
    import os

    if not isinstance(value, str):
        raise InputError(f"{what} must be text, got {_show(value)}")
    try:
        os.fsencode(value)
    except UnicodeEncodeError:
        raise InputError(f"{what} is not a file name this system can use ({value!r})") from None
    return value


def mapping(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"{what} must be an object ({{...}}), got {_show(value)}")
    return value


def known_fields(d: dict, allowed: Iterable[str], where: str = "") -> None:
    """Refuse the first key of `d` not in `allowed`: a misspelt field ("weigths", "easeing")
    would otherwise be ignored and its value silently replaced by the default."""
    allowed = tuple(allowed)
    for key in d:
        if key not in allowed:
            at = f" {where}" if where else ""
            raise InputError(f"unknown field {_show(key)}{at} (expected: {', '.join(allowed)})")


def size(value, what: str = "--size") -> int:
    return integer(value, what, *SIZE_RANGE)


def fps(value, what: str = "--fps") -> float:
    return number(value, what, *FPS_RANGE)


def seed(value, what: str = "--seed") -> int:
    return integer(value, what, *SEED_RANGE)


def _numpy_number(value) -> bool:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a core dependency
        return False
    return isinstance(value, (np.integer, np.floating)) and not isinstance(value, np.bool_)


def _range(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"in [{_bound(lo)}, {_bound(hi)}]"
    return f">= {_bound(lo)}" if lo is not None else f"<= {_bound(hi)}"


def _bound(x) -> str:
    """2**32 - 1 as 4294967295, not 4.29497e+09 (a user copies the bound)."""
    return str(x) if isinstance(x, int) else f"{x:g}"


def _show(value) -> str:
    s = repr(value)
    return s if len(s) <= 40 else s[:37] + "..."


def seconds_beside(given: float, other: float, *more: float) -> str:
    """`other` to two decimals, or to as many more as tell it from `given` (a number the user
    gave, shown whole: show_number) and from each of `more` where they differ: --start 2.999 on
    2.997 s of audio read "--start 3.00s is past the end of the audio (3.00s)". Equal, it reads
    as `given`."""
    if other == given:
        return show_number(given)
    for d in range(2, 10):
        shown = f"{other:.{d}f}"
        if all(shown != f"{x:.{d}f}" for x in (given, *more) if x != other):
            return shown
    return repr(float(other))


def counted(n: int, noun: str) -> str:
    """'1 frame', '2 frames': a report's count with its noun ("1 frames" read as a typo)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def show_number(x: float) -> str:
    """x as briefly as :g shows it, or with every digit where :g would round it: 1.5000001
    shown as 1.5 contradicts the "must be in [0, 1.5]" beside it."""
    s = f"{x:g}"
    return s if float(s) == x else repr(float(x))


def os_error_message(verb: str, path, exc: OSError) -> str:
    """One line for an OSError met reading or writing `path` (`verb`: "read", "write"):
    "cannot read /x/face.png: permission denied (the folder /x cannot be opened)". Permission
    is the file's own or a folder's on the way to it; the folder is named where access()
    shows it (not as root, who may search every folder)."""
    import errno
    import os
    from pathlib import Path

    from core.atomic import os_error_reason

    denied = isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM)
    reason = "permission denied" if denied else os_error_reason(exc)
    reason = reason[:1].lower() + reason[1:]
    hint = ""
    if denied:
        try:
            p = Path(os.fsdecode(path)).absolute()
            shut = next((d for d in reversed(p.parents) if not os.access(d, os.X_OK)), None)
        except (OSError, ValueError):
            shut = None
        if shut is not None:
            hint = f" (the folder {shut} cannot be opened)"
    return f"cannot {verb} {os.fsdecode(path)}: {reason}{hint}"


def input_folder(path, what: str):
    """An existing folder to read from."""
    from pathlib import Path

    nonempty_path(path, what)
    p = Path(path)
    if p.is_file():
        raise InputError(f"{what} {p} is a file; give a folder")
    if not p.is_dir():
        raise InputError(f"{what} {p} does not exist")
    return p


def output_folder(path, what: str):
    """A folder that exists and is writable, or can be created (nothing is created here)."""
    from pathlib import Path

    nonempty_path(path, what)
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(f"{what} {p} is a file; give a folder")
    _writable(_existing_ancestor(p), p, what)
    return p


def output_file(path, what: str, suffixes: tuple[str, ...] = ()):
    """A file path that can be written: not a folder, ending in one of `suffixes` where given,
    in an existing writable folder, and not a read-only file (nothing is created here)."""
    import os
    from pathlib import Path

    nonempty_path(path, what)
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{what} {p} is a folder; give a file name")
    if suffixes and p.suffix.lower() not in suffixes:
        raise InputError(f"{what} {p}: the file name must end in {' or '.join(suffixes)} "
                         f"(got {p.suffix or 'no extension'!r})")
    from core.atomic import write_target

    folder = write_target(p).parent  # a link is written through: its target's folder
    if not folder.is_dir():
        raise InputError(f"{what} {p}: the folder {folder} does not exist")
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(f"{what} {p} is not writable (read-only)")
    _writable(folder, p, what)
    return p


def not_an_input(path, inputs, what: str) -> None:
    """Refuse an output that is one of the inputs (`inputs`: (name, path or None) pairs): the
    finished output would replace the file it was made from."""
    import os
    from pathlib import Path

    p = Path(path)
    if not p.exists():
        return
    for name, inp in inputs:
        if inp and Path(inp).is_file() and os.path.samefile(p, inp):
            raise InputError(f"{what} {p} is also {name}; writing it would replace that file, "
                             "so give the output another name")


class PathArg(str):
    """argparse `type` of every path-like CLI argument: the CLI refuses an empty one at the door
    (core.cli.refuse_empty_arguments), so `--keys "$KEYS"` with KEYS unset is an error, not a flag
    quietly ignored or the current folder."""


class TextArg(str):
    """argparse `type` of the emotion's text options (--mix, --au, --prompt, --label, --head,
    --gaze; live's --emotion) and of --stream and --subject: given, they must say something.
    `--label "$EMOTION"` with EMOTION unset would otherwise render a neutral take without a
    word (core.cli.refuse_empty_arguments); left out, the option is None."""


def nonempty_text(text, what: str) -> None:
    if not str(text).strip():
        raise InputError(f"{what} is empty; give a value or leave the option out")


def nonempty_path(path, what: str) -> None:
    """An empty path is a typo or an unset variable (`--out "$OUT"`), not the current folder,
    which is what Path("") means: a prepare or training run would fill the folder it ran in."""
    if not str(path).strip():
        raise InputError(f"{what} is empty; give a path")


def not_a_stream(path, what: str) -> None:
    """Refuse a pipe, socket or device where a file is read: open() on a named pipe that nothing
    writes to waits forever (`--portrait` on a FIFO hung render), and a device reads without
    end. A missing or unreadable path passes: the caller's own read says which it is."""
    import os
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        name = os.path.basename(os.fsdecode(path)) or os.fsdecode(path)
        raise InputError(f"{what} {name} is not a regular file (a pipe, a socket or a device); "
                         "save it to a file and give that")


def _existing_ancestor(p):
    q = p.absolute()
    while not q.exists() and q != q.parent:
        q = q.parent
    return q


def _writable(folder, p, what: str) -> None:
    import os

    if not folder.is_dir():
        raise InputError(f"{what} {p}: {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{what} {p}: the folder {folder} is not writable (read-only)")
