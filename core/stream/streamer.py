"""The sender: frames in from any thread (never blocking the renderer), UDP datagrams out from a
thread of its own, one per frame at the frame rate.

UDP needs no receiver: a target with nothing listening just loses the datagrams. The socket is
connected to the target, so the "port unreachable" that the receiver's machine answers (it
does on this machine and on a LAN; a firewall may drop it) comes back on a later send: counted
as `refused`, the light waiting, not raised; that send goes again, so a receiver that starts
later gets every frame from then on. A send that fails for another reason (no route, buffer
full) is counted too and shows in `status()`.
"""
from __future__ import annotations

import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from core.stream import livelink, vmc
from core.stream.face import FaceSample, face_sample
from core.stream.target import StreamTarget
from core.stream.tuning import STREAM


class Pacer:
    """At most one send per 1/fps: a steady cadence that restarts after an idle spell. `slack`
    lets a live stream's sends come that much sooner, for its frames are paced already, by a
    clock (the microphone's, the audio player's) that may run a little faster than this one."""

    def __init__(self, fps: float, clock: Callable[[], float] = time.monotonic,
                 slack: float = 0.0, catch_up: float = STREAM["catch_up_s"]):
        self.slack = float(slack)
        self.catch_up = float(catch_up)
        self.set_fps(fps)
        self.clock = clock
        self.next: float | None = None

    def set_fps(self, fps: float) -> None:
        self.period = (1.0 - self.slack) / float(fps)

    def delay(self) -> float:
        """Seconds to wait before the next send may go."""
        return 0.0 if self.next is None else max(0.0, self.next - self.clock())

    def mark(self, idle: bool = False) -> None:
        """A send now. `idle`: the queue ran dry before it (its frame came late: the cadence
        restarts from now). A frame that waited for a sender woken late keeps the cadence, the
        next sends coming sooner to catch up, unless it is over `catch_up` s behind (a stall:
        restart); the cadence restarted at each lateness over 1/fps, and a take streamed at 60
        fps on a loaded machine played 3.8% slow (1554 frames in 26.9 s, not 25.9 s)."""
        now = self.clock()
        keep = self.next is not None and not idle and self.next >= now - self.catch_up
        self.next = (self.next if keep else now) + self.period


@dataclass
class StreamStatus:
    state: str  # "off", "waiting" (no frame yet, or none for a while), "sending", "error"
    sent: int = 0
    dropped: int = 0  # frames that were replaced by newer ones before they could go
    errors: int = 0
    last_error: str = ""
    refused: int = 0  # "port unreachable" answers: nothing was listening on the target's port

    def line(self) -> str:
        text = f"{self.state}: {self.sent} sent, {self.dropped} dropped, {self.errors} errors"
        text += f" (last: {self.last_error})" if self.last_error else ""
        return text + (f", {self.refused} refused: nothing was listening on the port"
                       if self.refused else "")


def encoder_for(target: StreamTarget) -> Callable[[FaceSample], bytes]:
    if target.protocol == "vmc":
        vmc._osc()  # a missing python-osc is reported now, not on the sender thread
        return vmc.encode
    device = f"moee-{uuid.uuid4()}"
    return lambda s: livelink.encode(s, target.subject, device)


class FaceStreamer:
    """`push(frame)` from the render loop; `close()` (or `with`) ends it. `drain()` waits until
    everything queued has gone (a take streamed from `render`)."""

    def __init__(self, target: StreamTarget, fps: int,
                 queue_frames: int = STREAM["live_queue_frames"],
                 clock: Callable[[], float] = time.monotonic,
                 slack: float = STREAM["live_slack"]):
        """A target `resolved()` already sends there (the CLI looks it up at the door, the app
        on a thread of its own: a DNS server that does not answer blocks for seconds); any
        other is looked up here."""
        self.target, self.fps = target, int(fps)
        self._encode = encoder_for(target)
        self._family, self._addr = target.address()
        self._sock, self._out = self._open()
        self._queue: deque[FaceSample] = deque()
        self._limit = max(1, int(queue_frames))
        self._cond = threading.Condition()
        self._pacer = Pacer(self.fps, clock, slack)
        self._busy = False
        self._closing = False
        self._errors_in_row = 0
        self._clock = clock
        self._last_sent = 0.0
        self.stats = StreamStatus("waiting")
        self._thread = threading.Thread(target=self._run, name=f"stream-{target.protocol}",
                                        daemon=True)
        self._thread.start()

    # ----- producer side
    def push(self, frame) -> None:
        """Queue a core.engine.Frame (any thread; returns at once)."""
        self.push_sample(face_sample(frame, self.fps))

    def push_sample(self, sample: FaceSample) -> None:
        with self._cond:
            if self._closing:
                return
            if len(self._queue) >= self._limit:
                self._queue.popleft()
                self.stats.dropped += 1
            self._queue.append(sample)
            self._cond.notify_all()

    def set_fps(self, fps: int) -> None:
        """A new frame rate (the app's playback and live mode may differ)."""
        with self._cond:
            self.fps = int(fps)
            self._pacer.set_fps(self.fps)

    def drain(self, timeout: float) -> bool:
        """Wait until the queue is empty and the last datagram sent; False on timeout."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def pending_s(self) -> float:
        """Seconds of frames still queued."""
        return len(self._queue) / self.fps

    def status(self) -> StreamStatus:
        with self._cond:
            s = self.stats
            state = s.state
            if state == "sending" and self._clock() - self._last_sent > STREAM["idle_s"]:
                state = "waiting"  # on, but nothing to send (playback paused): not 'sending'
            return StreamStatus(state, s.sent, s.dropped, s.errors, s.last_error, s.refused)

    def close(self) -> None:
        with self._cond:
            self._closing = True
            self._queue.clear()
            self._cond.notify_all()
        self._thread.join(STREAM["join_s"])
        self._sock.close()
        self.stats.state = "off"

    def __enter__(self) -> FaceStreamer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self) -> tuple[socket.socket, Callable[[bytes], object]]:
        """A non-blocking socket and how to send on it: connected, so that a "port
        unreachable" comes back (an unconnected UDP socket never hears of it, and a stream to
        a port nobody listened on said 'sending' for ever); unconnected where connect fails
        (no route now, a broadcast address), each send then saying why."""
        sock = socket.socket(self._family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            sock.connect(self._addr)
        except OSError:
            return sock, lambda data: sock.sendto(data, self._addr)
        return sock, sock.send

    # ----- sender thread
    def _run(self) -> None:
        idle = False  # the queue ran dry since the last send
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    idle = True
                    self._cond.wait()
                if self._closing:
                    return
                wait = self._pacer.delay()
                if wait > 0:
                    self._cond.wait(wait)
                    continue  # re-check: closed, or newer frames replaced this one
                sample = self._queue.popleft()
                self._busy = True
            self._pacer.mark(idle)
            idle = False
            self._send(sample)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _send(self, sample: FaceSample) -> None:
        data, refused, ok, reason = self._encode(sample), 0, False, ""
        for _ in range(2):  # a refusal took this send's place (it is an earlier datagram's)
            try:
                self._out(data)
            except (ConnectionRefusedError, ConnectionResetError):  # Windows says 'reset'
                refused += 1
                continue
            except OSError as e:
                reason = e.strerror or str(e)
                if not isinstance(e, BlockingIOError):  # not a full buffer: the network moved?
                    self._sock.close()  # a new socket picks the route and source address anew
                    self._sock, self._out = self._open()
            else:
                ok = True
            break
        with self._cond:
            self.stats.refused += refused
            if ok or refused:  # nobody listening is no error: UDP needs no receiver
                self._errors_in_row = 0
                self._last_sent = self._clock()
                self.stats.sent += ok
                self.stats.state = "waiting" if refused else "sending"
            else:
                self._errors_in_row += 1
                self.stats.errors += 1
                self.stats.last_error = reason
                if self._errors_in_row >= STREAM["errors_for_red"]:
                    self.stats.state = "error"


def open_stream(url_or_target: str | StreamTarget, fps: int, take: bool = False,
                subject: str | None = None) -> FaceStreamer:
    """A started FaceStreamer; `take=True` queues a whole take instead of dropping old frames."""
    from core.stream.target import parse_stream_url

    target = (url_or_target if isinstance(url_or_target, StreamTarget)
              else parse_stream_url(url_or_target, subject))
    if take:  # exactly at the frame rate: the renderer is no clock
        return FaceStreamer(target, fps, STREAM["take_queue_frames"], slack=0.0)
    return FaceStreamer(target, fps, STREAM["live_queue_frames"])
