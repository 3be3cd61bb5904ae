"""A progress bar on stderr with counts and rate, no dependency: redrawn in place on a terminal, a line
every few seconds (and at the end of each phase) in a log."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool = True, interval: float | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval if interval is not None else (0.1 if self.tty else 5.0)
        self._lock = threading.Lock()
        self.label = ""
        self.total = 0
        self.done = 0
        self.failed = 0
        self._start = self._last = 0.0

    def start(self, label: str, total: int) -> None:
        with self._lock:
            self.label, self.total, self.done, self.failed = label, total, 0, 0
            self._start = time.monotonic()
            self._last = 0.0
        self._draw(force=True)

    def advance(self, count: int, failed: int = 0) -> None:
        with self._lock:
            self.done += count
            self.failed += failed
        self._draw()

    def finish(self) -> None:
        self._draw(force=True, end=True)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        rate = self.done / elapsed
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        percent = 100 * self.done / self.total if self.total else 100.0
        failed = f"  {self.failed} failed" if self.failed else ""
        left = (self.total - self.done) / rate if rate > 0 and self.done < self.total else 0
        return (
            f"{self.label:<12} [{bar}] {self.done}/{self.total} {percent:5.1f}%  {rate:7.1f}/s  "
            f"{elapsed:6.1f}s{f'  ETA {left:.0f}s' if left else ''}{failed}"
        )

    def _draw(self, force: bool = False, end: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < self.interval:
                return
            self._last = now
            text = self.line()
            if self.tty:
                self.stream.write("\r\x1b[K" + text + ("\n" if end else ""))
            elif end or not force or self.done == 0:
                if end or self.done:
                    self.stream.write(text + "\n")
            self.stream.flush()
