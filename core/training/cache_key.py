"""When a prepared clip may be reused: a key over the source file's identity and the metadata row.

A cached clip is reused only when its key matches, so a relabelled clip, one moved to the test
split, a replaced file with the same name, or a changed crop setting is prepared again (a stale
label or split would leak silently into training). Identity = size, mtime_ns and a SHA-256 of
the file's first and last HASH_SPAN bytes (the whole file when it is smaller than two spans):
video containers keep their index at one end, so a re-encode changes those bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, is_dataclass
from pathlib import Path

HASH_SPAN = 1 << 20  # bytes hashed at each end of the source file
KEY_VERSION = 1      # bump when the prepared files change meaning


def source_identity(path: str | os.PathLike) -> dict:
    p = Path(path)
    st = p.stat()
    h = hashlib.sha256()
    with p.open("rb") as f:
        if st.st_size <= 2 * HASH_SPAN:
            h.update(f.read())
        else:
            h.update(f.read(HASH_SPAN))
            f.seek(-HASH_SPAN, os.SEEK_END)
            h.update(f.read(HASH_SPAN))
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256_ends": h.hexdigest()}


def clip_cache_key(video: str | os.PathLike, row: dict, config) -> str:
    """One hex string for (source identity, every field of the metadata row, prepare config)."""
    settings = asdict(config) if is_dataclass(config) else dict(config)
    blob = json.dumps({"v": KEY_VERSION, "source": source_identity(video), "row": row,
                       "config": settings}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
