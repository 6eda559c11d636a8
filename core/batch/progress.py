"""The batch's progress: one bar for the whole batch (rows done plus the running rows' frames)
and one status line per finished row. On a terminal the bar is redrawn in place; in a log it is
printed with each row's line."""
from __future__ import annotations

import sys
import time

BAR_WIDTH = 30
REDRAW_EVERY_S = 0.2


class Board:
    def __init__(self, total: int, stream=None):
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.finished = 0
        self.free = 0  # finished rows that took no work (already done, failed at the door)
        self.partial: dict[int, float] = {}  # line -> fraction of its frames done
        self.t0 = time.monotonic()
        self._last = 0.0

    def fraction(self) -> float:
        if not self.total:
            return 1.0
        return min(1.0, (self.finished + sum(self.partial.values())) / self.total)

    def bar(self) -> str:
        """Rounded down, and full only once every row is finished: 199 of 200 rows showed a
        full bar and "100%" (99.5 rounded), and so did a lone row at 99.6 % of its frames."""
        f = self.fraction()
        whole = self.finished >= self.total
        fill = BAR_WIDTH if whole else min(int(f * BAR_WIDTH), BAR_WIDTH - 1)
        percent = 100 if whole else min(int(100 * f), 99)
        return (f"[{'#' * fill}{'.' * (BAR_WIDTH - fill)}] {self.finished}/{self.total} rows "
                f"{percent:3d}%  ETA {self.eta()}")

    def eta(self) -> str:
        """The time left at the pace of the rows that took work: rows already done count as
        none (20 done rows and 2 to render said 'ETA 0:00' with a whole render to go), and
        before any work is done there is no pace to tell ('--:--', not '0:00')."""
        running = sum(self.partial.values())
        worked = self.finished - self.free + running
        left = self.total - self.finished - running
        if left <= 0:
            return "0:00"
        if worked <= 0:
            return "--:--"
        from core.pace import clock

        return clock((time.monotonic() - self.t0) * left / worked)

    def frames(self, line: int, done: int, total: int) -> None:
        self.partial[line] = done / max(total, 1)
        now = time.monotonic()
        if self.tty and now - self._last >= REDRAW_EVERY_S:
            self._last = now
            print(f"\r{self.bar()} ", end="", file=self.stream, flush=True)

    def row(self, status: str, line: int, label: str, detail: str = "",
            free: bool = False) -> None:
        """A finished row's line: status 'ok', 'FAILED' or 'skipped'; `free`: it took no work
        (already done, or failed before it started), so it tells nothing of the pace."""
        self.finished += 1
        self.free += free
        self.partial.pop(line, None)
        self._line(f"{status:<8} {label}" + (f": {detail}" if detail else ""), bar=True)

    def say(self, text: str) -> None:
        """A line of its own (above the bar, on a terminal)."""
        self._line(text, bar=False)

    def _line(self, text: str, bar: bool) -> None:
        if self.tty:
            print(f"\r{' ' * (BAR_WIDTH + 40)}\r{text}\n{self.bar()} ", end="", file=self.stream,
                  flush=True)
        else:
            print(f"{text}  {self.bar()}" if bar else text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=self.stream, flush=True)

