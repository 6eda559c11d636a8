"""One take, two rendering processes: this one and a helper, taking blocks of frames in turn.

Why: on 2 cores an export is Python's frames (one core, the GIL) next to ffmpeg, and the frames
alone take as long as the whole encode floor (README, issue 18). A second process renders every
other block of frames; this one renders the rest, writes every frame to the encoder in order and
renders ahead while it waits for the helper.

Safety first (an export must never hang or lose a frame):
- the helper is started with "spawn", never fork (this process may run threads: the GUI, the
  encoder's feeder, MediaPipe's graph), and gets the portrait as the engine's portable state
  (the rig: image, Face Mesh analysis, render state and the take's tracks, built here once);
- blocks are claimed through one shared counter, in order, so each frame has exactly one owner;
- the helper may run at most AHEAD blocks past what was written (memory stays bounded);
- if the helper fails or dies, its unfinished blocks are rendered here (slower, never lost);
- no wait here on a lock the two share is unbounded: a SemLock is not released when the process
  holding it dies (OOM killer, SIGKILL), so one the helper died holding is dropped, and the
  shared values are used bare from then on (nobody else writes them then);
- closing (done, error, Ctrl-C, cancel) stops the helper.
"""
from __future__ import annotations

import multiprocessing as mp
import threading
from multiprocessing.reduction import ForkingPickler
from typing import Iterator

from core.video import pipes

BLOCK = 25  # frames per block (1 s at 25 fps)
AHEAD = 3  # blocks either process may render past the last written frame
MIN_FRAMES = 250  # shorter takes: the helper's start (~1 s of CPU) would cost more than it saves
WAIT_S = 0.2  # how often a wait checks that the helper is alive


def cv2_single_thread() -> int:
    """One OpenCV thread in this process; -> how many it had. An export keeps both cores busy
    (two rendering processes and ffmpeg), and the rig's calls are small (a face-sized box):
    OpenCV's worker threads only add their hand-offs (measured on a 60 s take at 512 px:
    ~12 % more CPU a frame on an idle machine, more when the other core is busy)."""
    import cv2

    n = cv2.getNumThreads()
    cv2.setNumThreads(1)
    return n


def supports(engine) -> bool:
    return all(hasattr(engine, a) for a in ("frame_range", "portable", "from_portable"))


def wanted(engine, job, workers: int) -> bool:
    """Whether an export of `job` with `workers` renders in two processes."""
    return workers > 1 and supports(engine) and job.frame_count() >= MIN_FRAMES


def _helper(engine_name: str, inbox, total: int, counter, written, conn) -> None:
    import time

    from core.child_processes import leave_with_the_parent

    # the parent killed outright (kill -9) while this waited for it to write its frames left
    # this process spinning on for ever, and Python's resource tracker waiting on it
    leave_with_the_parent()
    try:
        from core.engines import create_engine

        # the engine's modules load while this process's parent is still preparing the take;
        # then the portrait, the job and what the parent built for them arrive
        eng = create_engine(engine_name)
        cv2_single_thread()
        state, job = inbox.recv()
        inbox.close()
        job.portrait = eng.from_portable(state, job)
        while True:
            with counter.get_lock():
                b = counter.value
                if b * BLOCK >= total:
                    break
                if b >= written.value // BLOCK + AHEAD:  # too far ahead: let the writer catch up
                    b = None
                else:
                    counter.value = b + 1
            if b is None:
                time.sleep(0.01)
                continue
            for frame in eng.frame_range(job, b * BLOCK, min((b + 1) * BLOCK, total)):
                conn.send(("frame", frame))
        conn.send(("done", None))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which renders the rest
        try:
            conn.send(("error", f"{type(e).__name__}: {e}"))
        except Exception:  # noqa: BLE001 - the parent is gone or closing
            pass
    finally:
        conn.close()


class Helper:
    """The helper process and its pipes, started before the take is ready: it loads the engine's
    modules (~0.7 s of CPU) while this process still analyses the portrait, on a core that is
    otherwise idle then. ParallelFrames hands it the take; close() stops an unused one."""

    def __init__(self, engine_name: str, total: int):
        from core.child_processes import HANGUP, sigint_ignored_by_children

        ctx = mp.get_context("spawn")
        # Ctrl-C and a closed terminal (SIGHUP to the process group) are ours: close() stops
        # the helper. The shared values' locks start Python's resource tracker, which ignores
        # Ctrl-C but died of a hangup (a warning and KeyError tracebacks under the stop's line)
        with sigint_ignored_by_children(HANGUP):
            self.counter, self.written = ctx.Value("i", 0), ctx.Value("i", 0)
        self.recv, send = ctx.Pipe(duplex=False)
        pipes.widen(self.recv.fileno())  # a frame crosses in one piece, not 13 (core/video/pipes.py)
        inbox, self.outbox = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_helper, daemon=True, name="moee-render-helper", args=(
            engine_name, inbox, total, self.counter, self.written, send))
        with sigint_ignored_by_children(HANGUP):
            self.proc.start()
        send.close()
        inbox.close()
        self.total = total

    @classmethod
    def early(cls, engine, job, workers: int) -> Helper | None:
        """A helper for an export that will want one (`wanted`), or None (none possible here)."""
        if not wanted(engine, job, workers):
            return None
        try:
            return cls(engine.name, job.frame_count())
        except Exception:  # noqa: BLE001 - no helper here: ParallelFrames says why, one process
            return None

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        self.outbox.close()
        self.recv.close()
        _stop(proc)


class ParallelFrames:
    """Iterates a job's frames in order, rendered here and in one helper process (`helper`: one
    started early for this job, Helper.early; else started here)."""

    def __init__(self, engine, job, progress=None, cancel=None, helper: Helper | None = None):
        self.engine, self.job, self.progress, self.cancel = engine, job, progress, cancel
        self.total = job.frame_count()
        self.helper_error: str | None = None
        self._proc = None
        self._closing = False
        self._early = helper
        if helper is not None and helper.total != self.total:  # started for another take
            helper.close()
            self._early = None

    def __iter__(self) -> Iterator:
        try:
            recv = self._start()
        except Exception as e:  # noqa: BLE001 - no helper here (no /dev/shm, no fork/exec...)
            self.helper_error = f"no helper process ({type(e).__name__}: {e}); one process"
            self.close()
            yield from self.engine.frames(self.job, self.progress, self.cancel)
            return
        self._ready: dict[int, object] = {}
        self._mine: set[int] = set()
        self._helper_done = False
        self._unlocked = False  # the shared locks are dropped: the helper died (maybe holding one)
        self._cond = threading.Condition()
        self._receiver = threading.Thread(target=self._receive, args=(recv,), daemon=True,
                                          name="moee-render-helper-recv")
        self._receiver.start()
        try:
            for i in range(self.total):
                if self.cancel is not None:
                    self.cancel.raise_if_cancelled()
                frame = self._get(i)
                yield frame
                locked = self._lock(self._written)
                try:
                    self._written_raw.value = i + 1
                finally:
                    if locked:
                        self._written.get_lock().release()
                if self.progress is not None:
                    self.progress(i + 1, self.total)
        finally:
            self.close()
            recv.close()

    # ----- internals
    def _start(self):
        """Start the helper (or take the early one); -> this side of its pipe."""
        h, self._early = self._early or Helper(self.engine.name, self.total), None
        self._counter, self._written, self._proc = h.counter, h.written, h.proc
        # the bare values: read and written here under their locks or, when those are dropped
        # (the helper died), alone (and `.value` of a synchronized one takes its lock)
        self._counter_raw, self._written_raw = h.counter.get_obj(), h.written.get_obj()
        h.proc = None  # this object stops it from here on
        # built here while the helper starts (this process needs it too) and sent ready-made,
        # from a thread: the helper reads it only once its imports are done
        payload = ForkingPickler.dumps((self.engine.portable(self.job.portrait, self.job),
                                        _without_portrait(self.job)))
        threading.Thread(target=_post, args=(h.outbox, payload), daemon=True,
                         name="moee-render-helper-send").start()
        return h.recv

    def _receive(self, conn) -> None:
        """The helper's frames, as they come (a thread: the helper never waits on a full pipe)."""
        try:
            while True:
                kind, payload = conn.recv()
                with self._cond:
                    if kind == "frame":
                        self._ready[payload.index] = payload
                    else:
                        self.helper_error = payload if kind == "error" else None
                        self._helper_done = True
                    self._cond.notify_all()
                if kind != "frame":
                    return
        except (EOFError, OSError):
            with self._cond:
                self._helper_stopped(failed=not self._closing)

    def _helper_stopped(self, failed: bool = True) -> None:
        """(Under _cond.) The helper is gone: its unfinished blocks are rendered here; unless
        we stopped it (`failed` False) or it already said why, that is reported."""
        if not self._helper_done and failed:
            self.helper_error = self.helper_error or "the helper process stopped"
        self._helper_done = True
        self._cond.notify_all()

    def _lock(self, shared) -> bool:
        """Take `shared`'s lock -> True; or -> False: the locks are dropped (the helper died,
        maybe holding this one; nobody else writes the shared values now): use them bare.
        Never waits for ever: a SemLock stays held when the process holding it dies."""
        if self._unlocked:
            return False
        lock = shared.get_lock()
        while not lock.acquire(timeout=WAIT_S):
            proc = self._proc
            if proc is None or not proc.is_alive():  # held by the dead helper: orphaned
                self._unlocked = True
                with self._cond:
                    self._helper_stopped()
                return False
        return True

    def _claim(self, limit: int) -> int | None:
        locked = self._lock(self._counter)
        try:
            b = self._counter_raw.value
            if b * BLOCK >= self.total or b >= limit:
                return None
            self._counter_raw.value = b + 1
        finally:
            if locked:
                self._counter.get_lock().release()
        self._mine.add(b)
        return b

    def _render(self, b: int, needed: int) -> None:
        """Render block b here; frames before `needed` (already written: a block taken back
        from a helper that stopped half way) are dropped."""
        stop = min((b + 1) * BLOCK, self.total)
        for frame in self.engine.frame_range(self.job, max(b * BLOCK, needed), stop):
            with self._cond:
                self._ready[frame.index] = frame

    def _get(self, i: int):
        b = i // BLOCK
        while True:
            with self._cond:
                if i in self._ready:
                    return self._ready.pop(i)
                helper_gone = self._helper_done
            if b in self._mine:
                self._render(b, i)
                continue
            if b >= self._counter_raw.value:  # nobody's yet: the next block in order, take it
                self._claim(b + 1)
                continue
            if helper_gone:  # the helper's block, and the helper is gone: render it here
                self._mine.add(b)
                continue
            ahead = self._claim(i // BLOCK + AHEAD)  # the helper's: render ahead meanwhile
            if ahead is not None:
                self._render(ahead, i)
                continue
            with self._cond:
                self._cond.wait_for(lambda: i in self._ready or self._helper_done, WAIT_S)
                if not self._helper_done and self._proc is not None \
                        and not self._proc.is_alive() and i not in self._ready:
                    self._helper_stopped()

    def close(self) -> None:
        if self._early is not None:  # never started rendering (no frame asked for)
            self._early.close()
            self._early = None
        proc, self._proc = self._proc, None
        if proc is None:
            return
        self._closing = True  # the helper's end from here on is ours, not a failure
        _stop(proc)


def _stop(proc) -> None:
    if proc.is_alive():
        proc.terminate()
    proc.join(timeout=5)
    if proc.is_alive():
        proc.kill()
        proc.join(timeout=5)


def _post(conn, payload: bytes) -> None:
    try:
        conn.send_bytes(payload)
    except OSError:  # the helper is gone; its frames are rendered here (ParallelFrames._get)
        pass
    finally:
        conn.close()


def _without_portrait(job):
    from dataclasses import replace

    return replace(job, portrait=None)
