"""`main.py prepare --shard i/n`: many machines prepare one dataset.

Shard i of n takes every n-th clip of the metadata (index % n == i; clip ids come from the whole
list, so they agree between shards) and writes its own `manifest.shard-i-of-n.json` into the
shared output folder (or into a folder later copied next to the others). Readers merge
manifest.json with every shard manifest they find.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from core.errors import InputError

SHARD_MANIFEST = re.compile(r"^manifest\.shard-(\d+)-of-(\d+)\.json$")


def parse_shard(text: str) -> tuple[int, int]:
    """"2/8" -> (2, 8); shards count from 0."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 0 <= int(m.group(1)) < int(m.group(2)):
        raise InputError(f"--shard wants I/N with 0 <= I < N (e.g. 0/4), got {text!r}")
    return int(m.group(1)), int(m.group(2))


def manifest_name(shard: tuple[int, int] | None) -> str:
    return "manifest.json" if shard is None else f"manifest.shard-{shard[0]}-of-{shard[1]}.json"


def in_shard(index: int, shard: tuple[int, int] | None) -> bool:
    return shard is None or index % shard[1] == shard[0]


def merged_manifest(out_dir: str | Path) -> dict | None:
    """manifest.json and every shard manifest in `out_dir`, kept clips merged by id; None if none."""
    root = Path(out_dir)
    files = [root / "manifest.json"] if (root / "manifest.json").is_file() else []
    files += sorted(p for p in root.glob("manifest.shard-*.json") if SHARD_MANIFEST.match(p.name))
    if not files:
        return None
    data = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    kept = {row["id"]: row for d in data for row in d.get("kept", [])}
    return {**data[0], "kept": list(kept.values()),
            "skipped": [row for d in data for row in d.get("skipped", [])],
            "shards": [p.name for p in files]}
