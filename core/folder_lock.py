"""One writer per output: a command that writes a folder's shared file (prepare's manifest)
holds a lock beside it while it runs, and a second run into the same place is refused instead
of each replacing the other's work (two `prepare` runs into one folder: the last to write the
manifest won, listing only its own clips). An advisory lock (flock): released by the system
when the process ends, however it ends, so a killed run leaves nothing stale behind. Where
the system has no flock (Windows), nothing is locked."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import InputError


@contextmanager
def exclusive(lock: Path, what: str, advice: str) -> Iterator[None]:
    """Hold `lock` (a file, made if missing; its parent must exist) for the block. Another
    process holding it: InputError naming `what` and that process, then `advice`."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise InputError(f"{what} is being written by another run{who}; {advice}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
