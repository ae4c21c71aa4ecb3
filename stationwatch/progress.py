"""Progress of a crawl cycle on the terminal, while sources run concurrently.

Every source that starts or ends gets a plain line, the same in a terminal,
a log file or under cron::

    start uk_hansard
    done uk_hansard ok pages=12 new=3
    failed us_doj failed pages=0 new=0: timed out after 8s and was stopped

In a terminal (the stream is a TTY) a footer below those lines is redrawn
every second: how many sources are done, running, failed and waiting, and
for each running source its time so far and the pages and items Scrapy's
LogStats last wrote in its log (the runs table only has counts once a run
ends; new statements are counted by the store at the end, so a running
source shows items scraped, a finished one its new statements).

Plain ANSI (cursor up, clear to end): no dependency for a dozen lines.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from db import runs as runs_table

# The child's LogStats interval (seconds): how fresh a running source's counts are.
LOGSTATS_INTERVAL = 5
_LOGSTATS = re.compile(r"Crawled (\d+) pages \(at \d+ pages/min\), scraped (\d+) items")


@dataclass
class Running:
    started: float
    log_file: Path | None = None
    pages: int = 0
    items: int = 0


@dataclass
class Progress:
    """Told when each source starts and ends (from the crawl's worker
    threads); writes the lines, and the live footer when ``live``."""

    total: int
    stream: object = field(default_factory=lambda: sys.stdout)
    live: bool | None = None  # None: live when the stream is a terminal
    running: dict[str, Running] = field(default_factory=dict)
    done: int = 0
    failed: int = 0

    def __post_init__(self):
        if self.live is None:
            self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._lock = threading.Lock()
        self._footer_lines = 0
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # Events (any thread) ------------------------------------------------------

    def source_started(self, spider: str, log_file: Path | None = None) -> None:
        with self._lock:
            self.running[spider] = Running(time.monotonic(), log_file)
            self._write_line(f"start {spider}")

    def source_finished(self, spider: str, run: dict | None) -> None:
        """``run``: the source's row in `runs` (None if it never wrote one)."""
        with self._lock:
            self.running.pop(spider, None)
            line, failed = finished_line(spider, run)
            self.done += 1
            self.failed += failed
            self._write_line(line)

    # The live footer ------------------------------------------------------------

    def __enter__(self) -> "Progress":
        if self.live:
            self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker:
            self._ticker.join()
        with self._lock:
            self._clear_footer()
            self.stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                for source in self.running.values():
                    source.pages, source.items = log_counts(source.log_file, source.pages, source.items)
                self._clear_footer()
                self._draw_footer()

    def footer(self) -> list[str]:
        """The live lines: the counts, then one line per running source."""
        now = time.monotonic()
        waiting = self.total - self.done - len(self.running)
        lines = [f"-- {self.done}/{self.total} done ({self.failed} failed), {len(self.running)} running,"
                 f" {waiting} waiting, {_clock(now - self._started)} elapsed"]
        for spider, source in sorted(self.running.items()):
            lines.append(f"   running {spider:<24} {_clock(now - source.started):>6}"
                         f"  pages={source.pages} items={source.items}")
        return lines

    def _draw_footer(self) -> None:
        lines = self.footer()
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
        self._footer_lines = len(lines)

    def _clear_footer(self) -> None:
        if self._footer_lines:
            # Cursor to the start of the footer's first line, clear to the end of the screen.
            self.stream.write(f"\x1b[{self._footer_lines}F\x1b[J")
            self._footer_lines = 0

    def _write_line(self, line: str) -> None:
        had_footer = bool(self._footer_lines)
        self._clear_footer()
        self.stream.write(line + "\n")
        if had_footer:
            self._draw_footer()
        self.stream.flush()


def finished_line(spider: str, run: dict | None) -> tuple[str, bool]:
    """``done SPIDER STATUS pages=N new=M``, or ``failed ...: reason``; and whether it failed."""
    if run is None:
        return f"failed {spider} (no run recorded)", True
    status = run.get("status") or "?"
    counts = f"pages={run.get('pages') or 0} new={run.get('new') or 0}"
    if status in runs_table.FAILURE_STATUSES or status in ("running", "?"):
        reason = _first_message(run)
        return f"failed {spider} {status} {counts}" + (f": {reason}" if reason else ""), True
    return f"done {spider} {status} {counts}", False


def log_counts(log_file: Path | None, pages: int, items: int) -> tuple[int, int]:
    """The last "Crawled N pages ..., scraped M items" in a crawl's log
    (Scrapy's LogStats), else the counts known before."""
    try:
        with open(log_file, "rb") as log:
            log.seek(0, 2)
            log.seek(max(0, log.tell() - 16384))
            tail = log.read().decode("utf-8", "replace")
    except (OSError, TypeError):
        return pages, items
    found = _LOGSTATS.findall(tail)
    return (int(found[-1][0]), int(found[-1][1])) if found else (pages, items)


def _first_message(run: dict) -> str:
    try:
        messages = json.loads(run.get("error_messages") or "[]")
    except ValueError:
        return ""
    return str(messages[0])[:160] if messages else ""


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"
