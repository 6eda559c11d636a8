"""One row, in a worker process or a Ray task: `main.py render` with the row's cells, then the
done-record. Never raises: every failure comes back as a one-line reason."""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import time
from dataclasses import dataclass, field

from core.errors import InputError, MoeeError

PROGRESS_EVERY_S = 0.25  # how often a worker reports frames to the batch's progress bar
# Thread pools a worker's libraries size to the whole machine unless told (OpenMP/BLAS through
# numpy, torch, OpenCV's own pool); N workers x all cores oversubscribes the CPU.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class RowResult:
    line: int
    ok: bool
    reason: str = ""  # one line, when not ok
    seconds: float = 0.0  # wall time of the row
    frames: int = 0
    notes: list[str] = field(default_factory=list)  # the render's `note:` lines


class _RenderParser(argparse.ArgumentParser):
    def error(self, message: str):
        raise InputError(message)


def render_argv(cells: dict[str, str], settings: dict) -> list[str]:
    argv = ["--portrait", cells["portrait"], "--audio", cells["audio"], "--out", cells["out"],
            "--quiet", "--fps", str(settings["fps"]), "--size", str(settings["size"]),
            "--seed", str(settings["seed"]), "--engine", settings["engine"],
            "--frame", settings.get("frame", "picture")]
    for name in ("mix", "prompt", "keys", "curves"):
        if cells.get(name):
            argv += [f"--{name}", cells[name]]
    return argv


class _Progress:
    """render's progress callback -> (line, done, total) on the batch's queue, throttled."""

    def __init__(self, line: int, queue):
        self.line, self.queue, self.last = line, queue, 0.0
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.total = total
        now = time.monotonic()
        if self.queue is not None and (now - self.last >= PROGRESS_EVERY_S or done == total):
            self.last = now
            with contextlib.suppress(Exception):  # a closed queue must not fail the render
                self.queue.put((self.line, done, total))

    def finish(self) -> None:
        pass


def limit_threads(threads: int) -> None:
    """Give this worker `threads` threads of compute (before the heavy imports where possible)."""
    for name in THREAD_ENV:
        os.environ[name] = str(threads)
    import cv2
    cv2.setNumThreads(threads)
    import torch
    torch.set_num_threads(threads)


def render_row(line: int, cells: dict[str, str], settings: dict, ident: dict,
               queue=None, threads: int | None = None) -> RowResult:
    from core.batch.record import write_record
    from core.cli import notes_kept, refuse_empty_arguments, render

    if threads:
        limit_threads(threads)

    t0 = time.monotonic()
    progress = _Progress(line, queue)
    notes: list[str] = []
    try:
        parser = _RenderParser(prog="render")
        render.add_arguments(parser)
        args = parser.parse_args(render_argv(cells, settings))
        refuse_empty_arguments(parser, args)
        args.workers = 1  # the batch's own pool (or Ray) runs the rows side by side
        with contextlib.redirect_stdout(io.StringIO()), notes_kept(notes):
            render.run(args, progress=progress)
        write_record(cells, ident)
    except MoeeError as e:
        return RowResult(line, False, _one_line(str(e)), time.monotonic() - t0, notes=notes)
    except Exception as e:  # noqa: BLE001  one bad row never stops the rest
        return RowResult(line, False, _one_line(f"{type(e).__name__}: {e}"),
                         time.monotonic() - t0, notes=notes)
    return RowResult(line, True, "", time.monotonic() - t0, progress.total, notes)


def _one_line(text: str) -> str:
    first = " ".join(text.split())
    return first if len(first) <= 300 else first[:297] + "..."
