"""The batch manifest: a CSV file, one row per take.

Columns (header row required, order free):
    portrait  image to animate (required)
    audio     speech to lip-sync (required)
    mix       weights ("happy=0.7,surprised=0.3") or a preset name } any of these, or none
    prompt    the emotion in words                              } for a neutral take;
    keys      a keyframe file (.json)                           } as in `main.py render`
    out       the video to write (required)
    curves    optional AU/ARKit curve file (.csv or .json)

Relative paths are relative to the manifest's folder. Blank lines and rows whose first cell
starts with '#' are skipped. One row per line: a quoted value never spans lines, so a quote left
open fails its own line, named by line and cell, and the lines after it still read as rows. A
row that cannot be used (a missing cell, an output another row already writes) carries its
reason and fails alone.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import InputError

COLUMNS = ("portrait", "audio", "mix", "prompt", "keys", "out", "curves")
REQUIRED = ("portrait", "audio", "out")
PATH_COLUMNS = ("portrait", "audio", "keys", "out", "curves")
INPUT_COLUMNS = ("portrait", "audio", "keys")


@dataclass
class BatchRow:
    line: int  # line number in the manifest (1 = the header), for messages
    cells: dict[str, str] = field(default_factory=dict)  # column -> value; paths made absolute
    problem: str = ""  # why the row cannot run, found while reading

    @property
    def out(self) -> str:
        return self.cells.get("out", "")

    def label(self) -> str:
        return f"line {self.line}" + (f" ({Path(self.out).name})" if self.out else "")


def read_manifest(path: str | Path) -> list[BatchRow]:
    from core.validate import nonempty_path, not_a_stream

    nonempty_path(path, "the manifest's path")
    p = Path(path)
    if p.is_dir():
        raise InputError(f"manifest {p} is a folder; give the CSV file inside it")
    not_a_stream(p, "the manifest")
    if not p.is_file():
        raise InputError(f"manifest {p} was not found")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"manifest {p} is not UTF-8 text; save it as UTF-8 CSV") from None
    except OSError as e:
        raise InputError(f"cannot read manifest {p}: {e.strerror or e}") from None
    if "\0" in text:  # a NUL in a path cell failed its row with 'ValueError: embedded null byte'
        raise InputError(f"manifest {p} holds NUL bytes, so it is not a CSV text file; save it "
                         "as UTF-8 CSV")
    raw = text.splitlines()
    lines = [_split_line(ln) for ln in raw]
    header_at = next((i for i, (ln, _) in enumerate(lines) if _used(ln)), None)
    if header_at is None:
        raise InputError(f"manifest {p} is empty; it needs a header row: {','.join(COLUMNS)}")
    head_cells, head_quote = lines[header_at]
    if head_quote:
        column = f"column {len(head_cells) + 1}"
        raise InputError(f"manifest {p}, line {header_at + 1} (the header): "
                         f"{head_quote.format(cell=column)}")
    header = [c.strip().lower() for c in head_cells]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        _refuse_other_separator(p, raw[header_at])
    missing = [c for c in REQUIRED if c not in header]
    twice = [c for i, c in enumerate(header) if c in COLUMNS and c in header[:i]]
    if unknown or missing or twice:  # a second 'portrait' column silently won over the first
        what = (f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown
                else f"column(s) {', '.join(map(repr, dict.fromkeys(twice)))} given twice"
                if twice else f"missing column(s) {', '.join(missing)}")
        raise InputError(f"manifest {p}: {what}; columns are {', '.join(COLUMNS)} "
                         f"({', '.join(REQUIRED)} required)")
    rows = []
    for i, (cells, quote) in enumerate(lines[header_at + 1:], start=header_at + 2):
        if quote and not raw[i - 1].lstrip().startswith("#"):
            rows.append(BatchRow(i, problem=quote.format(cell=_cell_name(header, cells))))
        elif _used(cells):
            rows.append(_row(i, header, cells, p.parent.absolute()))
    if not rows:
        raise InputError(f"manifest {p} has a header but no rows")
    _flag_shared_outputs(rows, p)
    return rows


OTHER_SEPARATORS = {";": "';' (semicolons)", "\t": "tabs"}


def _refuse_other_separator(p: Path, header: str) -> None:
    """A header whose cells are column names once split on ';' or tabs (a spreadsheet's
    export in a locale whose decimal mark is the comma, a TSV): say that, not "unknown column
    'portrait;audio;out'". Refused rather than read: the line reader is the comma's (its
    quote rules, "a comma inside a value needs quotes"), and a mix cell holds commas."""
    for sep, name in OTHER_SEPARATORS.items():
        cells = [c.strip().strip('"').lower() for c in header.split(sep)]
        if len(cells) > 1 and all(c in COLUMNS for c in cells):
            raise InputError(f"manifest {p} looks separated by {name}: its header reads "
                             f"{header.strip()!r}; a manifest must be comma-separated "
                             f"({','.join(cells)}); save it as CSV with commas")


def _split_line(text: str) -> tuple[list[str], str]:
    """One manifest line -> (cells, ""), or (the cells before a bad quote, a problem with a
    {cell} slot for the name of the cell it is in)."""
    try:
        return next(csv.reader([text], strict=True), []), ""
    except csv.Error:
        pass
    cells, start, i, opened = [], 0, 0, -1
    while i < len(text):
        ch = text[i]
        if opened >= 0:
            if ch == '"' and text[i + 1:i + 2] == '"':  # an escaped quote inside quotes
                i += 1
            elif ch == '"':
                if text[i + 1:i + 2] not in ("", ","):
                    return cells, (f"the {{cell}} has text after its closing quote (character "
                                   f"{i + 2}); quote the whole value, doubling quotes inside it")
                opened = -1
        elif ch == '"' and not text[start:i].strip():
            opened = i
        elif ch == ",":
            cells.append(text[start:i])
            start = i + 1
        i += 1
    if opened >= 0:
        return cells, (f"the {{cell}} opens a quote (character {opened + 1}) that is never "
                       "closed on its line; close it, or double a quote meant as text")
    return cells, "the {cell} has a misplaced quote; quote the whole value"


def _cell_name(header: list[str], cells_before: list[str]) -> str:
    n = len(cells_before)
    return f"{header[n]} cell (column {n + 1})" if n < len(header) else f"cell {n + 1}"


def _used(cells: list[str]) -> bool:
    return any(c.strip() for c in cells) and not cells[0].lstrip().startswith("#")


def _row(line: int, header: list[str], cells: list[str], base: Path) -> BatchRow:
    if len(cells) > len(header):
        return BatchRow(line, problem=f"{len(cells)} cells but the header has {len(header)} "
                                      "columns (a comma inside a value needs quotes)")
    values = {h: c.strip() for h, c in zip(header, cells)}
    row = BatchRow(line, {k: v for k, v in values.items() if v})
    for name in REQUIRED:
        if not row.cells.get(name):
            row.problem = f"the {name} cell is empty"
            return row
    for name in PATH_COLUMNS:
        if row.cells.get(name):
            row.cells[name] = str((base / Path(row.cells[name]).expanduser()).absolute())
    return row


def _flag_shared_outputs(rows: list[BatchRow], manifest: Path | None = None) -> None:
    """An output another row also writes, or one that is a row's input or the manifest itself
    (its render would replace that file), fails its row. Paths are compared as the files they
    name ('out/../a', a folder through a link; the manifest also through a hard link)."""
    script = os.path.realpath(manifest) if manifest is not None else None
    read: dict[str, list[int]] = {}  # path -> the lines that read it
    for row in rows:
        for name in INPUT_COLUMNS:
            if row.cells.get(name):
                read.setdefault(os.path.realpath(row.cells[name]), []).append(row.line)
    seen: dict[str, int] = {}
    for row in rows:
        if row.problem:
            continue
        for name in ("out", "curves"):
            if not row.cells.get(name):
                continue
            target = os.path.realpath(row.cells[name])
            if script is not None and _same_file(target, script):
                row.problem = (f"{name} {Path(row.cells[name]).name} is the manifest itself; "
                               "give it another name")
                break
            if target in read:  # its own input, else the first row's that reads it
                line = row.line if row.line in read[target] else read[target][0]
                row.problem = f"{Path(row.cells[name]).name} is an input of line {line}"
                break
            if target in seen:
                # the row's own video and curves on one file: "also written by line N" named
                # the row itself
                row.problem = (f"curves {Path(row.cells[name]).name} is the row's own video; "
                               "give the curves another name") if seen[target] == row.line \
                    else (f"{Path(row.cells[name]).name} is also written by line "
                          f"{seen[target]}")
                break
            seen[target] = row.line


def _same_file(a: str, b: str) -> bool:
    """`a` and `b` (resolved paths) name one file: equal, or hard links of one file."""
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # `a` does not exist yet: then it is not the manifest
        return False
