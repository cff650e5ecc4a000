"""A one-line progress report on a terminal: count, rate and, for files, ETA.

Silent when stderr is not a terminal, so pipes and logs get only real messages.
"""

from __future__ import annotations

import os
import stat
import time
from typing import IO, Any

#: seconds between two redraws
REDRAW = 0.25


class Progress:
    def __init__(self, out: IO[str] | None, stream: Any = None, total: int | None = None) -> None:
        self.out = out
        self.stream = stream
        self.total = total
        self.count = 0
        self.start = self.last = time.monotonic()
        self.shown = False

    @classmethod
    def for_stream(cls, stream: Any, err: IO[str]) -> Progress:
        """Enabled only on a terminal; with a total size when reading a regular file."""
        if not (hasattr(err, "isatty") and err.isatty()):
            return cls(None)
        total = None
        try:
            info = os.fstat(stream.fileno())
            if stat.S_ISREG(info.st_mode):
                total = info.st_size
        except (OSError, AttributeError, ValueError):
            pass
        return cls(err, stream, total)

    def tick(self, n: int = 1) -> None:
        """``n`` more flows done; redraws at most every :data:`REDRAW` seconds."""
        before = self.count
        self.count += n
        if self.out is None or before // 256 == self.count // 256:
            return
        now = time.monotonic()
        if now - self.last >= REDRAW:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        assert self.out is not None
        elapsed = max(now - self.start, 1e-9)
        rate = self.count / elapsed
        text = f"{self.count:,} flows  {rate:,.0f}/s  {elapsed:,.0f} s"
        if self.total:
            try:
                done = self.stream.tell() / self.total
            except (OSError, ValueError):
                done = 0.0
            if done > 0:
                text += f"  {done:.0%}  ETA {elapsed * (1 - done) / done:,.0f} s"
        self.out.write("\r" + text.ljust(70))
        self.out.flush()
        self.shown = True

    def clear(self) -> None:
        """Wipe the line before another message is written to the terminal."""
        if self.out is not None and self.shown:
            self.out.write("\r" + " " * 70 + "\r")
            self.shown = False

    def done(self) -> None:
        if self.out is not None and self.count:
            self._draw(time.monotonic())
            self.out.write("\n")
            self.out.flush()
