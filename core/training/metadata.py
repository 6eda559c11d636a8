"""The clip list a studio writes next to its footage: CSV or JSON, one row per clip.

Columns (CSV header, or keys of each JSON object; JSON may be a list or {"clips": [...]}):
    file     path of the mp4 (with audio), relative to the metadata file's folder
    emotion  a basic emotion (happy, sad, angry, disgusted, fearful, surprised), neutral, or a
             compound preset name ("happily surprised", ...); aliases like "joy" are accepted
    aus      optional AU intensities, "4:0.8;10:0.6" (AU number : 0..1), empty for none
    text     optional description of the emotion ("a bitter, tired smile")
    split    optional "train" (default) or "test" (held out for `main.py evaluate`)
    person   optional person ID: clips of one person lend each other reference frames
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.emotions import AU_INDEX, EMOTIONS, NUM_AUS
from core.errors import InputError
from core.latents.label import canonical_label, label_weights

SPLITS = ("train", "test")


@dataclass
class ClipMeta:
    file: str                    # as written in the metadata (relative to its folder)
    emotion: str                 # canonical label: basic, "neutral" or a compound preset
    aus: dict[int, float] = field(default_factory=dict)  # AU number -> intensity 0..1
    text: str = ""               # free description, may be empty
    split: str = "train"         # "train" or "test"
    person: str = ""             # person ID ("" = unknown: the clip pairs with no other)

    @property
    def gates(self) -> np.ndarray:
        """(6,) expert weights of the label: one-hot, preset weights, or zeros for neutral."""
        return label_weights(self.emotion)

    @property
    def kind(self) -> str:
        """"single", "compound" or "neutral": decides how stage 2 trains on the clip."""
        if self.emotion == "neutral":
            return "neutral"
        return "single" if self.emotion in EMOTIONS else "compound"

    def au_vector(self) -> np.ndarray:
        vec = np.zeros(NUM_AUS, np.float32)
        for au, v in self.aus.items():
            vec[AU_INDEX[au]] = v
        return vec

    def to_dict(self) -> dict:
        return {"file": self.file, "emotion": self.emotion, "aus": format_aus(self.aus),
                "text": self.text, "split": self.split, "person": self.person}


def parse_aus(text: str, where: str = "") -> dict[int, float]:
    """"4:0.8;10:0.6" -> {4: 0.8, 10: 0.6}; commas work as separators too."""
    out: dict[int, float] = {}
    for part in str(text or "").replace(",", ";").split(";"):
        if not part.strip():
            continue
        try:
            au_s, v_s = part.split(":")
            au, v = int(au_s.strip().upper().removeprefix("AU")), float(v_s)
        except ValueError:
            raise InputError(f"{where}bad AU entry {part.strip()!r}; write it like 4:0.8") from None
        if au not in AU_INDEX:
            raise InputError(f"{where}AU{au} is not in the catalog ({sorted(AU_INDEX)})")
        if not 0.0 <= v <= 1.0:
            raise InputError(f"{where}AU{au} intensity {v} is outside 0..1")
        out[au] = v
    return out


def format_aus(aus: dict[int, float]) -> str:
    return ";".join(f"{au}:{v:g}" for au, v in sorted(aus.items()))


def read_metadata(path: str | Path) -> list[ClipMeta]:
    """Read a .csv or .json clip list; raise InputError naming the row on bad entries."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"the metadata file {p} does not exist")
    rows = _read_json(p) if p.suffix.lower() == ".json" else _read_csv(p)
    if not rows:
        raise InputError(f"{p.name} lists no clips")
    return [_row(r, f"{p.name}, clip {i + 1}: ") for i, r in enumerate(rows)]


def write_metadata(path: str | Path, clips: list[ClipMeta]) -> None:
    p = Path(path)
    rows = [c.to_dict() for c in clips]
    if p.suffix.lower() == ".json":
        p.write_text(json.dumps({"clips": rows}, indent=2) + "\n", encoding="utf-8")
        return
    with p.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "emotion", "aus", "text", "split", "person"])
        writer.writeheader()
        writer.writerows(rows)


def _read_csv(p: Path) -> list[dict]:
    with p.open(newline="", encoding="utf-8-sig") as fh:
        return [{k.strip().lower(): (v or "") for k, v in r.items() if k} for r in csv.DictReader(fh)]


def _read_json(p: Path) -> list[dict]:
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name} is not valid JSON: {exc}") from None
    rows = data.get("clips", []) if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{p.name} must hold a list of clip objects (or {{\"clips\": [...]}})")
    return rows


def _row(r: dict, where: str) -> ClipMeta:
    file = str(r.get("file", "")).strip()
    if not file:
        raise InputError(f"{where}the 'file' column is empty")
    emotion = canonical_label(str(r.get("emotion", "")).strip() or "neutral")
    aus = r.get("aus") or {}
    aus = {int(k): float(v) for k, v in aus.items()} if isinstance(aus, dict) else parse_aus(aus, where)
    split = str(r.get("split", "") or "train").strip().lower()
    if split not in SPLITS:
        raise InputError(f"{where}split {split!r} must be one of {SPLITS}")
    return ClipMeta(file=file, emotion=emotion, aus=aus, text=str(r.get("text", "") or ""), split=split,
                    person=str(r.get("person", "") or "").strip())
