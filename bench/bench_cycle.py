"""Benchmark: the nightly cycle's wall time, sequential and concurrent,
against the slowest single source (target: concurrent <= 1.3 x slowest).

Every spider crawls the local replay server (all tests/fixtures/*/replay.yml)
with a per-response latency drawn between 200 and 500 ms (seeded), and the
project's real politeness: bench/polite_replay_settings.py keeps the
production DOWNLOAD_DELAY, 5 s slow-site delay, AutoThrottle and backoff
(the demo's overlay waits for nothing). Each spider is capped by --timeout.

Two cycles run, each into a fresh database:

- ``--jobs 1``: one source after the other. Each source runs alone here, so
  its time in this cycle is its time alone; the slowest of them is the
  figure the concurrent cycle is compared with.
- ``--jobs N`` (default STATIONWATCH_JOBS or 8): the cycle as it runs.

The window is a nightly one (``-a since=`` two days ago, as the scheduler
asks after a complete run; listing walkers stop at their first old page):
``--backfill`` asks from 2022-09-01 instead, as a first run or the demo does
(far longer: oireachtas alone asks ~280 windows).

    .venv/bin/python bench/bench_cycle.py [--jobs N] [--timeout S] [--spider NAME ...]

Never part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stationwatch import crawl  # noqa: E402
from stationwatch.progress import Progress  # noqa: E402
from stationwatch.replay import ReplayServer, replay_env  # noqa: E402

LATENCY = (0.2, 0.5)  # seconds a replayed answer waits, drawn per entry
BACKFILL_SINCE = "2022-09-01"


class TimedProgress(Progress):
    """Progress lines, plus each source's wall time (monotonic, to the millisecond)."""

    def __post_init__(self):
        super().__post_init__()
        self.began: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    def source_started(self, spider, log_file=None):
        self.began[spider] = time.monotonic()
        super().source_started(spider, log_file)

    def source_finished(self, spider, run):
        self.seconds[spider] = time.monotonic() - self.began[spider]
        super().source_finished(spider, run)


def polite_env(url: str) -> dict[str, str]:
    """The replay middleware with the production waits; the public demo API keys."""
    return {**replay_env(url), "SCRAPY_SETTINGS_MODULE": "bench.polite_replay_settings",
            "GOVINFO_API_KEY": os.environ.get("GOVINFO_API_KEY") or "DEMO_KEY",
            "GUARDIAN_API_KEY": os.environ.get("GUARDIAN_API_KEY") or "test"}


def with_latency(server: ReplayServer, seed: int = 16) -> None:
    rng = random.Random(seed)
    for entry in server.entries:
        entry.delay = entry.delay or rng.uniform(*LATENCY)


def cycle(jobs: int, spiders: list[str], since: str, timeout: float, workdir: Path, verbose: bool):
    """One cycle through a fresh server and database: (wall seconds, per-source seconds, runs)."""
    with ReplayServer() as server:
        with_latency(server)
        progress = TimedProgress(total=len(spiders), stream=sys.stdout if verbose else io.StringIO(), live=False)
        started = time.monotonic()
        runs = crawl.crawl_all(str(workdir / f"jobs{jobs}.db"), spiders=spiders, env=polite_env(server.url),
                               timeout=timeout, jobs=jobs, progress=progress, args=["-a", f"since={since}"])
        wall = time.monotonic() - started
    return wall, progress.seconds, runs


def report(sequential, concurrent, jobs: int) -> str:
    (seq_wall, alone, seq_runs), (con_wall, _, con_runs) = sequential, concurrent
    status = {r["spider"]: r for r in con_runs}
    lines = [f"{'source':<24} {'alone (s)':>9}  {'pages':>5}  status (concurrent)"]
    for spider, seconds in sorted(alone.items(), key=lambda kv: -kv[1]):
        run = status.get(spider) or {}
        lines.append(f"{spider:<24} {seconds:>9.1f}  {run.get('pages') or 0:>5}  {run.get('status')}")
    slowest, slowest_time = max(alone.items(), key=lambda kv: kv[1])
    lines += [
        "",
        f"sources: {len(alone)}",
        f"sequential cycle (--jobs 1): {seq_wall:7.1f} s",
        f"concurrent cycle (--jobs {jobs}): {con_wall:7.1f} s",
        f"slowest source alone ({slowest}): {slowest_time:7.1f} s",
        f"concurrent / slowest: {con_wall / slowest_time:.2f} (target <= 1.3)",
        f"sequential / slowest: {seq_wall / slowest_time:.2f}",
        f"sequential / concurrent: {seq_wall / con_wall:.2f}",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=crawl.default_jobs(), help="the concurrent cycle's jobs")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a spider may run (caps the benchmark)")
    parser.add_argument("--spider", action="append", help="only these spiders (repeatable)")
    parser.add_argument("--backfill", action="store_true", help=f"ask from {BACKFILL_SINCE} (a first run)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    spiders = args.spider or crawl.spider_names()
    since = BACKFILL_SINCE if args.backfill else (dt.date.today() - dt.timedelta(days=2)).isoformat()
    print(f"{len(spiders)} spiders, since={since}, latency {LATENCY[0]}-{LATENCY[1]} s, production waits,"
          f" timeout {args.timeout:.0f} s per spider; {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        sequential = cycle(1, spiders, since, args.timeout, Path(tmp), not args.quiet)
        concurrent = cycle(args.jobs, spiders, since, args.timeout, Path(tmp), not args.quiet)
    print(report(sequential, concurrent, args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
