"""Whether a row is already done: its output exists AND a record beside it says which inputs and
settings made it, and they are the ones asked for now.

The record (`<out>.moee-batch.json`, written atomically after the video is in place) holds the
SHA-256 of every input file (portrait, audio, keys), the text cells (mix, prompt), the render
settings, and the size of each output it wrote. Editing a portrait, changing a mix or --size,
or replacing or deleting the video makes the row run again.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from core.atomic import write_text

FORMAT = "moee-batch-record"
VERSION = 1
SUFFIX = ".moee-batch.json"
HASH_BLOCK = 1 << 20


def record_path(out: str | Path) -> Path:
    p = Path(out)
    return p.with_name(p.name + SUFFIX)


def identity(cells: dict[str, str], settings: dict, hashes: dict | None = None) -> dict:
    """What made (or would make) the row's outputs; files by content. `hashes`, one dict per
    batch run, holds each file's hash by (path, mtime, size): rows sharing a portrait or an
    audio read it once, and a file rewritten during the run is read again."""
    hashes = {} if hashes is None else hashes
    files = {k: _hash(cells[k], hashes) for k in ("portrait", "audio", "keys") if cells.get(k)}
    text = {k: cells.get(k, "") for k in ("mix", "prompt")}
    return {"files": files, "cells": text, "settings": dict(sorted(settings.items()))}


def _hash(path: str, hashes: dict) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "unreadable"  # as _sha256 says, never kept
    key = (os.path.abspath(path), st.st_mtime_ns, st.st_size)
    if key not in hashes:
        hashes[key] = _sha256(path)
    return hashes[key]


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(HASH_BLOCK):
                h.update(block)
    except OSError:
        return "unreadable"  # never matches a record; the render reports the real problem
    return h.hexdigest()


def outputs(cells: dict[str, str]) -> dict[str, int | None]:
    """Output path -> size in bytes (None when missing)."""
    paths = [cells["out"]] + ([cells["curves"]] if cells.get("curves") else [])
    return {p: (Path(p).stat().st_size if Path(p).is_file() else None) for p in paths}


def is_done(cells: dict[str, str], ident: dict) -> bool:
    try:
        record = json.loads(record_path(cells["out"]).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    if not isinstance(record, dict):  # damaged: `[]` stopped the whole batch with a traceback
        return False
    return (record.get("format") == FORMAT and record.get("version") == VERSION
            and record.get("inputs") == ident and None not in outputs(cells).values()
            and record.get("outputs") == outputs(cells))


def write_record(cells: dict[str, str], ident: dict) -> Path:
    body = {"format": FORMAT, "version": VERSION, "inputs": ident, "outputs": outputs(cells)}
    return write_text(record_path(cells["out"]), json.dumps(body, indent=1) + "\n")
