"""A render's pace from its progress reports: frames per second, or seconds per frame when
slower than one a second (the diffusion engine off a GPU), and the time left as h:mm:ss.
The pace counts from the first report, not from the start: the first report waits for the
take's set-up, which said '0.1 fps  ETA 27:49' of a take done 0.2 s later."""
from __future__ import annotations


def rate_text(fps: float) -> str:
    """'25.0 fps', or '40 s/frame' below one frame a second (not '0.0 fps')."""
    return f"{fps:5.1f} fps" if fps >= 0.95 else f"{1 / fps:.0f} s/frame"


def clock(seconds: float) -> str:
    """'4:05', '1:02:05' past an hour (not '62:05', nor '3725 s')."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else \
        f"{s // 60}:{s % 60:02d}"


class Pace:
    def __init__(self):
        self.first: tuple[float, int] | None = None  # (time, frames done) at the first report

    def note(self, done: int, now: float) -> None:
        """A progress report (frames done at time `now`); the first one starts the clock."""
        if self.first is None:
            self.first = (now, done)

    def told(self, done: int, total: int, now: float) -> tuple[str, str] | None:
        """(speed, time left) at `done` of `total` frames; None before a frame was done since
        the first report (there is no pace to tell yet)."""
        if self.first is None or done <= self.first[1]:
            return None
        t0, done0 = self.first
        fps = (done - done0) / max(now - t0, 1e-6)
        return rate_text(fps), clock((total - done) / fps)
