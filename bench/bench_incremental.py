"""Benchmark: bytes a second crawl of unchanged sources downloads (target <= 10%).

Every spider that has a replay manifest (tests/fixtures/<spider>/replay.yml)
is crawled twice into a fresh database, from the local replay server
answering like a real server with validators (ETag, Last-Modified, 304 to a
matching conditional request). The server counts the bytes it sends: status
lines, headers and bodies.

Two second crawls are measured, each against its own fresh first crawl:

- same window: the second crawl asks from the same date as the first
  (``-a since=`` the first run's date), so every URL is the same and only
  conditional requests can save bytes;
- nightly: the second crawl asks from the last successful run's date (minus
  the overlap), as the scheduler runs it. Search URLs carry the new date, so
  they are new URLs and are fetched in full; the replay server answers a
  date-filtered search with the same recorded page whatever the date, where
  the real API would return only the (few) records since then. The figure
  is an upper bound for search sources.

    .venv/bin/python bench/bench_incremental.py [--spider NAME ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import db as database  # noqa: E402
from stationwatch.crawl import spider_names  # noqa: E402
from stationwatch.replay import FIXTURES_DIR, ReplayServer, replay_env  # noqa: E402


def crawl(spider: str, db_path: Path, replay_url: str, *args: str) -> None:
    env = {**os.environ, "STATIONWATCH_DB": str(db_path), **replay_env(replay_url),
           "STATIONWATCH_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "scrapy", "crawl", spider, *args], cwd=ROOT, env=env,
                   capture_output=True, timeout=600, check=False)


def last_run(db_path: Path) -> dict:
    conn = database.connect(db_path)
    try:
        return dict(next(conn.query("SELECT since, status, pages, new, unchanged FROM runs ORDER BY id DESC LIMIT 1")))
    finally:
        conn.close()


def measure(spider: str, manifest: Path, workdir: Path, same_window: bool) -> tuple[int, int, dict, dict]:
    """(first crawl bytes, second crawl bytes, first run, second run)."""
    db_path = workdir / f"{spider}-{'same' if same_window else 'nightly'}.db"
    with ReplayServer(manifests=[manifest], validators=True) as server:
        crawl(spider, db_path, server.url)
        first_bytes = server.bytes_sent
        first = last_run(db_path)
        args = ("-a", f"since={first['since']}") if same_window and first["since"] else ()
        crawl(spider, db_path, server.url, *args)
        second = last_run(db_path)
        return first_bytes, server.bytes_sent - first_bytes, first, second


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spider", action="append", help="only this spider (repeatable)")
    args = parser.parse_args()
    names = set(spider_names())
    spiders = [p.parent.name for p in sorted(FIXTURES_DIR.glob("*/replay.yml")) if p.parent.name in names]
    if args.spider:
        spiders = [s for s in spiders if s in args.spider]
    totals = {True: [0, 0], False: [0, 0]}
    print(f"{'spider':<28} {'window':<8} {'1st bytes':>10} {'2nd bytes':>10} {'ratio':>7}  2nd run")
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        for spider in spiders:
            manifest = FIXTURES_DIR / spider / "replay.yml"
            for same_window in (True, False):
                first_bytes, second_bytes, first, second = measure(spider, manifest, Path(tmp), same_window)
                totals[same_window][0] += first_bytes
                totals[same_window][1] += second_bytes
                ratio = second_bytes / first_bytes if first_bytes else 0.0
                print(f"{spider:<28} {'same' if same_window else 'nightly':<8} {first_bytes:>10} {second_bytes:>10}"
                      f" {ratio:>7.1%}  {second['status']}, pages {second['pages']}, new {second['new']},"
                      f" unchanged {second['unchanged']}, since {second['since']}")
    for same_window, label in ((True, "same window"), (False, "nightly (search windows moved)")):
        first_bytes, second_bytes = totals[same_window]
        ratio = second_bytes / first_bytes if first_bytes else 0.0
        print(f"TOTAL {label}: first crawl {first_bytes} bytes, second crawl {second_bytes} bytes: {ratio:.1%}"
              f" ({'within' if ratio <= 0.10 else 'OVER'} the 10% target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
