"""Run a manifest's rows: skip the done ones, render the rest on a process pool (`jobs`) or as
Ray tasks on an existing cluster (`ray`), and report every row."""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from core.batch.manifest import BatchRow
from core.batch.progress import Board
from core.batch.record import identity, is_done
from core.batch.worker import RowResult, render_row
from core.child_processes import (
    HANGUP,
    hear_sigint,
    leave_with_the_parent,
    sigint_ignored_by_children,
)
from core.errors import InputError, MoeeError

POLL_S = 0.2  # how often the driver drains progress while rows run
CRASH_RETRIES = 1  # a row whose worker process died is tried again this many times
STARTED = "started"  # on the progress queue: (line, STARTED, pid) when a worker takes a row


@dataclass
class BatchOptions:
    jobs: int = 1  # worker processes
    ray: str | None = None  # Ray cluster address ("auto", "ray://host:10001"); None: local pool
    force: bool = False  # render rows that are already done
    settings: dict = field(default_factory=lambda: {"fps": 25, "size": 512, "seed": 0,
                                                    "engine": "rig"})


@dataclass
class BatchReport:
    rendered: list[RowResult] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # manifest lines already done
    failed: list[tuple[str, str]] = field(default_factory=list)  # (row label, reason)

    def summary(self) -> str:
        total = len(self.rendered) + len(self.skipped) + len(self.failed)
        lines = [f"{total} rows: {len(self.rendered)} rendered, {len(self.skipped)} already done, "
                 f"{len(self.failed)} failed"]
        if self.failed:
            lines.append("failed rows:")
            lines += [f"  {label}: {reason}" for label, reason in self.failed]
        return "\n".join(lines)


def run_batch(rows: list[BatchRow], options: BatchOptions, stream=None) -> BatchReport:
    if options.jobs < 1:
        raise InputError(f"--jobs must be at least 1, got {options.jobs}")
    report = BatchReport()
    board = Board(len(rows), stream)
    todo: list[tuple[BatchRow, dict]] = []
    hashes: dict = {}
    for row in rows:
        problem = row.problem or preflight(row.cells)
        if problem:
            _failed(report, board, row, problem, free=True)
            continue
        ident = identity(row.cells, options.settings, hashes)
        if not options.force and is_done(row.cells, ident):
            report.skipped.append(row.line)
            board.row("skipped", row.line, row.label(), "already done", free=True)
        else:
            todo.append((row, ident))
    if todo:
        run = _run_ray if options.ray else _run_pool
        run(todo, options, report, board)
    board.close()
    return report


def preflight(cells: dict[str, str]) -> str:
    """Cheap checks in the driver, so an obviously bad row costs no worker: its input files exist,
    its outputs can be written (render's own door checks: folder, name, read-only), its mix
    parses. Returns the reason, or ''."""
    from core.curves import check_curves_path
    from core.mix import parse_mix
    from core.video.export import check_output_path
    for name in ("portrait", "audio", "keys"):
        if cells.get(name) and not Path(cells[name]).is_file():
            return f"the {name} file {cells[name]} was not found"
    try:
        check_output_path(cells["out"])
        if cells.get("curves"):
            check_curves_path(cells["curves"])
        parse_mix(cells.get("mix", ""), "the mix cell")
    except MoeeError as e:
        return str(e)
    return ""


def _finish(report: BatchReport, board: Board, row: BatchRow, result: RowResult) -> None:
    if result.ok:
        report.rendered.append(result)
        board.row("ok", row.line, row.label(), f"{result.frames} frames in {result.seconds:.1f} s")
    else:
        _failed(report, board, row, result.reason)
    for text in result.notes:  # under the row's own line
        board.say(f"  note: {text}")


def _failed(report: BatchReport, board: Board, row: BatchRow, reason: str,
            free: bool = False) -> None:
    report.failed.append((row.label(), reason))
    board.row("FAILED", row.line, row.label(), reason, free)


# ----- local process pool
_QUEUE = None


def _init_worker(queue, threads: int) -> None:
    global _QUEUE
    _QUEUE = queue
    for sig in (signal.SIGINT, signal.SIGTERM, *HANGUP):
        signal.signal(sig, _stop_worker)
    hear_sigint(HANGUP)  # born with them blocked (core/child_processes.py)
    # a driver killed outright left its workers rendering the rows they had and the one queued
    # behind them: this one stops as on the driver's SIGTERM (its row's partial files removed)
    leave_with_the_parent()
    from core.batch.worker import limit_threads
    limit_threads(threads)


def _stop_worker(signum, _frame):
    """The batch was stopped (Ctrl-C reaches the whole process group, the driver sends SIGTERM):
    a worker between rows leaves at once; one rendering unwinds once, so the render removes its
    partial files, and a second signal must not cut that cleanup short (a Python no-op, not
    SIG_IGN: a signal already pending would raise 'ignored due to race condition'). The no-ops
    go in first: the driver's SIGTERM landing while this imports core.cli ran this again, on a
    half-imported core.cli, and its ImportError failed the row and left the worker rendering."""
    for sig in (signal.SIGINT, signal.SIGTERM, *HANGUP):
        signal.signal(sig, lambda *_: None)
    if not _ROW_RUNNING:
        os._exit(1)
    from core.cli import Terminated

    raise Terminated(signum)


_ROW_RUNNING = False


def _pool_row(line: int, cells: dict, settings: dict, ident: dict) -> RowResult:
    global _ROW_RUNNING
    _ROW_RUNNING = True
    with contextlib.suppress(Exception):  # which process has the row, should it die (_crashed)
        _QUEUE.put((line, STARTED, os.getpid()))
    try:
        return render_row(line, cells, settings, ident, _QUEUE)
    except KeyboardInterrupt:
        # the render has cleaned up while unwinding; leave now, or the pool hands this
        # process the next queued row
        os._exit(1)
    finally:
        _ROW_RUNNING = False


def _run_pool(todo, options: BatchOptions, report: BatchReport, board: Board) -> None:
    # spawn, not fork: a forked copy of a process that has started threads (torch, ffmpeg
    # readers) can deadlock; each worker imports the engine once and renders many rows
    ctx = multiprocessing.get_context("spawn")
    # the queue's lock starts Python's resource tracker, which ignores Ctrl-C but died of a
    # hangup (a warning and 8 KeyError tracebacks from the one started again in its place)
    with sigint_ignored_by_children(HANGUP):
        queue = ctx.Queue()
    attempts: dict[int, int] = {}
    again = False
    while todo:
        broken: list[tuple[BatchRow, dict]] = []  # rows the pool failed when a worker died
        started: dict[int, int] = {}  # line -> the pid of the worker that took it
        processes: dict = {}  # pid -> process, kept from the pool once it broke
        workers = min(options.jobs, len(todo))
        # the processes started, once the rows that fail their checks or are done are known
        board.say(f"batch: {'trying again' if again else 'rendering'} {len(todo)} row(s) on "
                  f"{workers} worker process(es)")
        again = True
        threads = max(1, (os.cpu_count() or 1) // workers)  # the machine, shared out
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                 initializer=_init_worker, initargs=(queue, threads)) as pool:
            with sigint_ignored_by_children(HANGUP):  # submit starts the workers; _init_worker
                futures = {pool.submit(_pool_row, row.line, row.cells, options.settings, ident):
                           (row, ident) for row, ident in todo}
            pending = set(futures)
            while pending:
                try:
                    done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    _stop_pool(pool, pending)
                    raise
                _drain(queue, board, started)
                for fut in done:
                    row, ident = futures[fut]
                    try:
                        _finish(report, board, row, fut.result())
                    except BrokenProcessPool:
                        processes = processes or dict(getattr(pool, "_processes", None) or {})
                        broken.append((row, ident))
        _drain(queue, board, started)  # the pool has ended: every start it sent is in
        todo, crashed = [], _crashed(broken, started, processes)
        for row, ident in broken:
            if row.line in crashed:
                attempts[row.line] = attempts.get(row.line, 0) + 1
                if attempts[row.line] > CRASH_RETRIES:
                    _remove_partials(row.cells)
                    _failed(report, board, row, "the worker process died while rendering it "
                            "(a crash in a native library, or out of memory?)")
                    continue
            todo.append((row, ident))


def _remove_partials(cells: dict[str, str]) -> None:
    """The temp files a dead worker left rendering the row (the video's partial folder, the
    curves' .part file): its next render would sweep them, but a row that failed may never
    be rendered again, and they stayed beside the outputs."""
    from core.atomic import write_target
    from core.curves import remove_stale_parts
    from core.video.export import remove_stale_partials

    out = Path(cells["out"])
    remove_stale_partials(write_target(out), "partial" + out.suffix)
    if cells.get("curves"):
        remove_stale_parts(write_target(Path(cells["curves"])))


def _crashed(broken: list, started: dict[int, int], processes: dict) -> set[int]:
    """The lines of the rows of `broken` that count a crash. A worker that dies fails every
    row of the pool: the one it was rendering, the rows the other workers were rendering (they
    are stopped: exit 1, or SIGTERM before their handler was in) and the rows queued behind
    them; counting them all failed every row of a batch whose first row kills its worker
    twice. Its own row when the dead worker is known (it said which row it took), else the
    rows that started, else all of them: each round that breaks counts one row at least, so
    the retries end."""
    stopped = (1, -signal.SIGTERM)
    dead = {pid for pid, proc in processes.items() if proc.exitcode not in stopped}
    lines = [row.line for row, _ in broken]
    ran = [line for line in lines if line in started]
    return set([line for line in ran if started[line] in dead] or ran or lines)


def _stop_pool(pool: ProcessPoolExecutor, pending) -> None:
    """Stopped: no queued row starts, and the rows running stop now instead of finishing
    after the batch has said it stopped. The queued rows' futures are not cancelled: the pool
    fails them itself once its workers are gone, and on a cancelled one Python 3.11's manager
    thread died printing a traceback (InvalidStateError) over the stop's line."""
    # the worker processes: no public handle before Python 3.14's terminate_workers(); each
    # leaves without taking another row (_stop_worker)
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError):
            proc.terminate()


def _drain(queue, board: Board, started: dict[int, int]) -> None:
    while True:
        try:
            line, done, total = queue.get_nowait()
        except Exception:  # noqa: BLE001  queue.Empty, or a queue closed under us
            return
        if done == STARTED:
            started[line] = total  # the worker's pid
        else:
            board.frames(line, done, total)


# ----- Ray
def _run_ray(todo, options: BatchOptions, report: BatchReport, board: Board) -> None:
    ray = _import_ray()
    _connect(ray, options.ray)
    task = ray.remote(num_cpus=1, max_retries=0)(render_row)
    # one CPU per task (num_cpus=1), so one thread of compute each
    refs = {task.remote(row.line, row.cells, options.settings, ident, None, 1): row
            for row, ident in todo}
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1, timeout=POLL_S)
        for ref in ready:
            row = refs[ref]
            try:
                result = ray.get(ref)
            except ray.exceptions.RayError as e:
                result = RowResult(row.line, False, "Ray task failed: " + " ".join(
                    str(e).split())[:200])
            _finish(report, board, row, result)


def _import_ray():
    try:
        import ray
    except ImportError:
        raise InputError("--ray needs Ray, which is not installed: pip install "
                         "'moee-palette[ray]' (or pip install ray)") from None
    return ray


def _connect(ray, address: str) -> None:
    """Join the cluster at `address`; a process that has already initialised Ray keeps its own."""
    if ray.is_initialized():
        return
    env = {}
    root = Path(__file__).resolve().parents[2]
    if (root / "main.py").is_file():  # running from a checkout: let the workers import it too
        env = {"env_vars": {"PYTHONPATH": str(root)}}
    try:
        ray.init(address=address, runtime_env=env or None, log_to_driver=False)
    except (ConnectionError, ValueError, RuntimeError) as e:
        why = " ".join(str(e).split())
        if "Could not find any running Ray instance" in why:  # its hint names Ray's own flags
            why = ("no running Ray instance was found; start one (ray start --head) or give "
                   "--ray the address of a running cluster (host:6379 or ray://host:10001)")
        raise InputError(f"--ray: cannot connect to the Ray cluster at {address!r}: "
                         + why[:200]) from None
    print(f"ray: connected to {address} ({ray.cluster_resources().get('CPU', 0):g} CPUs)",
          file=sys.stderr)
