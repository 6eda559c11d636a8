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

from core import validate
from core.emotions import AU_INDEX, EMOTIONS, NUM_AUS
from core.errors import InputError
from core.latents.label import canonical_label, label_weights

SPLITS = ("train", "test")
COLUMNS = ("file", "emotion", "aus", "text", "split", "person")


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
        out[au] = validate.unit(v, f"{where}AU{au} intensity")
    return out


def format_aus(aus: dict[int, float]) -> str:
    return ";".join(f"{au}:{v:g}" for au, v in sorted(aus.items()))


def read_metadata(path: str | Path) -> list[ClipMeta]:
    """Read a .csv or .json clip list; raise InputError naming the row on bad entries."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"the metadata file {p} is a folder; give the .csv or .json inside it")
    validate.not_a_stream(p, "the metadata file")
    if not p.is_file():
        raise InputError(f"the metadata file {p} does not exist")
    try:
        rows = _read_json(p) if p.suffix.lower() == ".json" else _read_csv(p)
    except UnicodeDecodeError:
        raise InputError(f"{p.name} is not UTF-8 text; save the metadata as UTF-8") from None
    except csv.Error as exc:
        raise InputError(f"{p.name} is not a readable CSV file ({exc})") from None
    except OSError as exc:
        raise InputError(f"cannot read {p.name}: {exc.strerror or exc}") from None
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
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        _known_columns(header, f"{p.name}: ")
        rows = []
        for i, r in enumerate(reader):
            if None in r:  # cells past the header's: the last column's text was cut there
                raise InputError(f"{p.name}, clip {i + 1}: {len(header) + len(r[None])} cells "
                                 f"but the header has {len(header)} columns (a comma inside a "
                                 "value needs quotes)")
            rows.append({k.strip().lower(): (v or "") for k, v in r.items() if k})
        return rows


def _known_columns(names, where: str) -> None:
    """A column this reader does not know is refused: 'emotions' for 'emotion' read every clip
    as neutral, and it was prepared and trained so, without a word."""
    unknown = [n.strip() for n in names if n and n.strip() and n.strip().lower() not in COLUMNS]
    if unknown:
        raise InputError(f"{where}unknown column {unknown[0]!r}; the columns are "
                         f"{', '.join(COLUMNS)}")


def _read_json(p: Path) -> list[dict]:
    text = p.read_text(encoding="utf-8-sig")  # not UTF-8: read_metadata says so; a BOM as CSV
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name} is not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{p.name} is nested too deeply to be a clip list") from None
    except ValueError:  # an integer of over 4300 digits: Python's own limit, a traceback
        raise InputError(f"{p.name} holds a number too long to read, so it is not a clip "
                         "list") from None
    rows = data.get("clips", []) if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{p.name} must hold a list of clip objects (or {{\"clips\": [...]}})")
    for i, r in enumerate(rows):
        _known_columns([str(k) for k in r], f"{p.name}, clip {i + 1}: ")
    return [{str(k).strip().lower(): v for k, v in r.items()} for r in rows]  # as a CSV's


def _row(r: dict, where: str) -> ClipMeta:
    for name in ("file", "emotion", "text", "split"):
        if not isinstance(r.get(name) or "", str):
            raise InputError(f"{where}the {name!r} field must be text, got {r[name]!r}")
    file = str(r.get("file", "")).strip()
    if not file:
        raise InputError(f"{where}the 'file' column is empty")
    emotion = canonical_label(str(r.get("emotion", "")).strip() or "neutral")
    aus = r.get("aus") or {}
    if isinstance(aus, dict):
        aus = {validate.au_number(k, f"{where}Action Unit"):
               validate.unit(v, f"{where}AU{k} intensity") for k, v in aus.items()}
    elif isinstance(aus, str):
        aus = parse_aus(aus, where)
    else:
        raise InputError(f"{where}aus must be text like \"4:0.8;10:0.6\" or an object, got {aus!r}")
    split = str(r.get("split", "") or "train").strip().lower()
    if split not in SPLITS:
        raise InputError(f"{where}split {split!r} must be one of {SPLITS}")
    return ClipMeta(file=file, emotion=emotion, aus=aus, text=str(r.get("text", "") or ""), split=split,
                    person=str(r.get("person", "") or "").strip())
