"""Curve export: per-frame AU intensities and ARKit-52 blendshape weights as CSV or JSON.

For Blender, Unreal Live Link and Maya users: every frame's AUs (Frame.aus, the intensities that
drove it, speech and blinks included) become one row. Columns: `time` (seconds from the start of
the audio), one column per AU in catalog order (AU1, AU2, ... AU45), then all 52 ARKit names in
Apple's ARFaceAnchor.BlendShapeLocation order, zeros where no AU drives a shape, so importers find
every name they expect.

AU -> ARKit (../shared/FACS.md "AU <-> ARKit-52 blendshapes"):
- a sided AU drives its Left and Right shapes with the same value (the rig moves both sides);
- jawOpen = max(JAW_OPEN_AU26 * AU26, AU27): AU26 is a partial jaw drop, AU27 the full one;
- eyeBlinkLeft/Right = max(AU43, AU45);
- AU23 and AU25 have no key; mouthClose = jawOpen * (1 - AU25): lips held together while the
  jaw is open (ARKit's mouthClose is meant to be used on top of jawOpen);
- eyeLook*, jawForward/Left/Right, mouthLeft/Right, mouthShrugUpper, cheekPuff and tongueOut
  stay 0 (no AU drives them).

Formats (picked by the path's suffix):
- .csv: one header row, then one row per video frame.
- .json: {"format": "moee-curves", "version": 1, "fps": 25, "names": [same as the CSV header],
  "frames": [[row], ...]}: rows as in the CSV, written as frames arrive.
Files are written to a temporary file next to the target and renamed at `close()` (`finish()`
then `commit()`); `abort()` (or an exception inside `with`) removes it, so a cancelled export
leaves no half file, and one a killed writer left is removed by the next writer of those curves.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from core.atomic import (file_mode, host_tag, name_room, os_error_reason, process_gone,
                         process_start, protected, remove_stale, write_target)
from core.emotions import AU_CATALOG, AU_NUMBERS
from core.errors import ExportError, InputError
from core.validate import PathArg, output_file

ARKIT_52: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft",
    "eyeSquintLeft", "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight",
    "eyeLookOutRight", "eyeLookUpRight", "eyeSquintRight", "eyeWideRight",
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight",
    "tongueOut",
)
# AU26's share of a fully open jaw: FACS.md full strengths 0.15-0.35 IPD (AU26) against
# 0.4-0.7 IPD (AU27), midpoints 0.25 / 0.55; the rig's own pair is 0.26 / 0.5 (core/rig/tuning).
JAW_OPEN_AU26 = 0.5
# Shapes computed by rules below rather than copied from one AU.
_RULE_AUS = (25, 26, 27, 43, 45)
AU_COLUMNS: tuple[str, ...] = tuple(f"AU{n}" for n in AU_NUMBERS)
CURVE_NAMES: tuple[str, ...] = ("time", *AU_COLUMNS, *ARKIT_52)
DECIMALS = 4
SUFFIXES = (".csv", ".json")


def arkit_weights(aus: dict[int, float]) -> dict[str, float]:
    """AU intensities -> all 52 ARKit weights in [0, 1] (mapping in the module docstring)."""
    out = dict.fromkeys(ARKIT_52, 0.0)
    for n, au in AU_CATALOG.items():
        if n in _RULE_AUS:
            continue
        v = _clip(aus.get(n, 0.0))
        for name in au.arkit:
            out[name] = max(out[name], v)
    jaw = max(JAW_OPEN_AU26 * _clip(aus.get(26, 0.0)), _clip(aus.get(27, 0.0)))
    out["jawOpen"] = jaw
    out["mouthClose"] = jaw * (1.0 - _clip(aus.get(25, 0.0)))
    blink = max(_clip(aus.get(43, 0.0)), _clip(aus.get(45, 0.0)))
    out["eyeBlinkLeft"] = out["eyeBlinkRight"] = blink
    return out


def curve_row(time: float, aus: dict[int, float]) -> list[float]:
    """One row in CURVE_NAMES order."""
    kit = arkit_weights(aus)
    return ([round(float(time), 6)] + [round(_clip(aus.get(n, 0.0)), DECIMALS) for n in AU_NUMBERS]
            + [round(kit[name], DECIMALS) for name in ARKIT_52])


def _clip(v: float) -> float:
    return min(max(float(v), 0.0), 1.0)


def check_curves_path(path: str | os.PathLike) -> Path:
    """--curves as a path that can be written (a folder that exists and is writable, not a
    folder itself, not read-only) and ends in .csv or .json; render checks it at the door."""
    p = output_file(path, "--curves", SUFFIXES)
    if protected(p):
        raise InputError(f"--curves {p} is read-only; choose another name or make it writable")
    too_long = name_room(p, write_target(p), len(_part_prefix("") + "XXXXXXXX.part"))
    if too_long:  # it failed as "File name too long" after the face analysis
        raise InputError(too_long)
    return p


def _part_prefix(name: str) -> str:
    """The start of the temp file's name that CurveWriter streams `name`'s curves into."""
    pid = os.getpid()
    return f".{name}.{host_tag()}.{pid}-{process_start(pid)}."


def remove_stale_parts(path: Path) -> list[Path]:
    """Remove the temp files of the curves `path` (`.<name>.<host>.<pid>-<start>.XXXXXXXX.part`,
    as CurveWriter names them) whose writer was killed (SIGKILL, out of memory) on this machine:
    a live writer's file is kept. The files removed; never raises."""
    name = re.compile(rf"\.{re.escape(path.name)}\.{host_tag()}\.(\d+)-(\d*)\.[a-z0-9_]{{8}}\.part")
    return remove_stale(path.parent, name, lambda entry, m: entry.is_file(follow_symlinks=False)
                        and process_gone(int(m[1]), m[2]))


class CurveWriter:
    """Streams rows as frames arrive: `write(frame)` (a core.engine.Frame) or `write_aus`.

    `close()` = `finish()` (the whole file written to its temp file and synced: a full disk
    shows here) + `commit()` (the rename into place). render finishes the curves before the
    video is moved into place and commits them right after it, so a disk that fills at the end
    leaves the previous video and curves both as they were."""

    def __init__(self, path: str | os.PathLike, fps: float):
        self.path = check_curves_path(path)
        # a link is written through, not replaced by a file (as the video and keys files are)
        self._final = write_target(self.path)
        self.fps = float(fps)
        self.json = self.path.suffix.lower() == ".json"
        self.rows = 0
        self._finished = self._committed = False
        remove_stale_parts(self._final)  # left by a killed writer of these curves
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=_part_prefix(self._final.name),
                                             suffix=".part", dir=self._final.parent)
        except OSError as e:
            raise ExportError(f"cannot write {self.path}: {os_error_reason(e)}") from None
        self._f = os.fdopen(fd, "w", encoding="utf-8", newline="")
        try:
            os.fchmod(fd, file_mode(self.path))  # mkstemp's 0600 would hide the curves
        except OSError as e:
            self.abort()
            raise ExportError(f"cannot write {self.path}: {os_error_reason(e)}") from None
        self._put(self._header())

    def _header(self) -> str:
        if not self.json:
            return ",".join(CURVE_NAMES) + "\n"
        head = {"format": "moee-curves", "version": 1, "fps": self.fps, "names": list(CURVE_NAMES)}
        return json.dumps(head)[:-1] + ', "frames": [\n'

    def write(self, frame) -> None:
        self.write_aus(frame.time, frame.aus)

    def write_aus(self, time: float, aus: dict[int, float]) -> None:
        row = curve_row(time, aus)
        if self.json:
            self._put((",\n" if self.rows else "") + json.dumps(row))
        else:
            self._put(",".join(_fmt(v) for v in row) + "\n")
        self.rows += 1

    def finish(self) -> None:
        """Write the rest and sync the temp file (not yet in place; `commit()` puts it there).
        ExportError, and no temp file left, when that fails (a full disk)."""
        if self._finished or self._f.closed:
            return
        if self.json:
            self._put("\n]}\n")
        try:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
        except OSError as e:
            self.abort()
            raise ExportError(f"cannot write {self.path}: {os_error_reason(e)}") from None
        self._finished = True

    def commit(self) -> Path:
        """Move the finished file into place (finishing it first if needed); the final path."""
        if self._committed:
            return self.path
        self.finish()
        try:
            os.replace(self._tmp, self._final)
        except OSError as e:
            self.abort()
            raise ExportError(f"cannot write {self.path}: {os_error_reason(e)}") from None
        self._committed = True
        return self.path

    def close(self) -> Path:
        """Finish the file and move it into place; returns the final path."""
        return self.commit()

    def abort(self) -> None:
        """Drop the partial file (cancelled export, or a write that failed). Never raises an
        OSError: closing flushes the buffer, which fails again on the full disk that brought
        us here, and the clean message the caller raises next must not become a traceback."""
        if self._committed:
            return
        try:
            if not self._f.closed:
                self._f.close()
        except OSError:
            pass  # the file descriptor is closed even when the flush before it failed
        try:
            Path(self._tmp).unlink(missing_ok=True)
        except OSError:
            pass
        self._finished = True  # nothing left to finish; commit() finds no file

    def _put(self, text: str) -> None:
        try:
            self._f.write(text)
        except OSError as e:
            self.abort()
            raise ExportError(f"cannot write {self.path}: {os_error_reason(e)}") from None

    def __enter__(self) -> CurveWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _fmt(v: float) -> str:
    """A CSV cell: the row's value as rounded (time to 6 decimals, weights to DECIMALS) in full.
    Six significant digits cut a time past 1000 s to 2 decimals: at 120 fps two frames read
    1000.02, and every time was off by up to 5 ms (the JSON form kept them)."""
    return f"{v:.12g}"


def curves_sink(path: str | os.PathLike | None, fps: float) -> CurveWriter | None:
    """For render: None when no --curves was given, else an open CurveWriter."""
    return None if path is None else CurveWriter(path, fps)


def write_curves(frames: Iterable[tuple[float, dict[int, float]]], fps: float,
                 path: str | os.PathLike) -> Path:
    """Batch form: (time, aus) pairs -> a finished file."""
    with CurveWriter(path, fps) as w:
        for t, aus in frames:
            w.write_aus(t, aus)
    return w.path


def read_curves(path: str | os.PathLike) -> tuple[list[str], list[list[float]]]:
    """(names, rows) from a file this module wrote (tests, round trips)."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        d = json.loads(p.read_text(encoding="utf-8"))
        return list(d["names"]), [list(map(float, r)) for r in d["frames"]]
    lines = p.read_text(encoding="utf-8").splitlines()
    return lines[0].split(","), [[float(x) for x in ln.split(",")] for ln in lines[1:] if ln]


def add_curve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--curves", metavar="PATH", default=None, type=PathArg,
        help="also write per-frame AU and ARKit-52 blendshape curves (.csv or .json) for "
             "Blender, Unreal Live Link or Maya")
