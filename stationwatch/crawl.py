"""Run every spider once, each in its own process, and summarise the runs.

Twisted's reactor cannot be restarted, so each crawl is a `scrapy crawl`
subprocess; its log goes to data/logs/. The outcome of each crawl is read
from the `runs` table (judged from Scrapy's stats), never from the exit code.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import db as database
from db import runs as runs_table
from stationwatch.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT  # scrapy.cfg is here: Scrapy runs from it
DEFAULT_TIMEOUT = 30 * 60  # seconds a single spider may run before it is stopped


class DatabaseUnwritable(RuntimeError):
    """The database cannot be written (disk full, read-only file or folder):
    no crawl can record anything, so none is worth running."""

    def __init__(self, db_path, error: Exception):
        super().__init__(f"cannot write to the database {db_path}: {error}")


def _spider_loader():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        settings = get_project_settings()
        return SpiderLoader.from_settings(settings), settings
    finally:
        os.chdir(cwd)


def spider_names() -> list[str]:
    """The project's spiders, as `scrapy list` would print them."""
    return sorted(_spider_loader()[0].list())


def since_argument(spider: str, db_path: str) -> list[str]:
    """``-a since=YYYY-MM-DD`` for ``spider``: its last complete run's date
    minus the overlap (db.runs.resume_since), or its first-run date."""
    loader, settings = _spider_loader()
    try:
        default_since = getattr(loader.load(spider), "default_since", None)
    except KeyError:  # no such spider: `scrapy crawl` says so in the run's log
        return []
    if default_since is None:
        return []
    db = database.connect(db_path)
    try:
        since = runs_table.resume_since(db, spider, default_since, settings.getint("STATIONWATCH_SINCE_OVERLAP_DAYS"))
    finally:
        db.close()
    return ["-a", f"since={since.isoformat()}"]


def crawl_one(spider: str, db_path: str, log_dir: Path, env: dict | None = None,
              timeout: float = DEFAULT_TIMEOUT, args: list[str] | None = None) -> int:
    """Run one spider in a subprocess; return its exit code (-1 on timeout)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    started = database.utcnow()
    log_file = log_dir / f"{spider}-{started.replace(':', '')}.log"
    args = list(args or [])
    if not any(str(a).startswith("since=") for a in args):
        args += since_argument(spider, db_path)
    command = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    child_env = {**os.environ, **(env or {}), "STATIONWATCH_DB": str(db_path)}
    reason = None
    with open(log_file, "w", encoding="utf-8") as log:
        try:
            code = subprocess.run(command, cwd=ROOT, env=child_env, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout, stdin=subprocess.DEVNULL).returncode
        except subprocess.TimeoutExpired:
            code, reason = -1, f"timed out after {timeout:.0f}s and was stopped"
    if code != 0 and reason is None:
        reason = f"crawl process exited with code {code} (log: {log_file})"
    # Even after exit code 0 (scrapy crawl exits 0 when its signal handlers
    # failed): a run left 'running', or never written, becomes a failure.
    # A run the crawl judged itself is left as it is.
    reason = reason or f"the crawl ended without recording its outcome (log: {log_file})"
    try:
        db = database.connect(db_path)
        try:
            runs_table.record_process_failure(db, spider, started, reason)
        finally:
            db.close()
    except sqlite3.Error as error:
        raise DatabaseUnwritable(db_path, error) from error
    return code


def crawl_all(db_path: str, spiders: list[str] | None = None, env: dict | None = None,
              timeout: float = DEFAULT_TIMEOUT, log_dir: Path | None = None,
              args: list[str] | None = None) -> list[dict]:
    """Crawl each spider in turn (one failing does not stop the others);
    return the runs they recorded."""
    try:
        db = database.connect(db_path)  # create and migrate once, before the children race to
        db.close()
    except sqlite3.Error as error:
        raise DatabaseUnwritable(db_path, error) from error
    started = database.utcnow()
    log_dir = log_dir or Path(db_path).parent / "logs"
    for spider in spiders or spider_names():
        crawl_one(spider, db_path, log_dir, env=env, timeout=timeout, args=args)
    db = database.connect(db_path)
    try:
        return runs_table.runs_started_since(db, started)
    finally:
        db.close()


def format_summary(runs: list[dict]) -> str:
    """A fixed-width table: one line per run, and a total."""
    header = (f"{'source':<24} {'status':<15} {'pages':>6} {'new':>5} {'updated':>8} {'unchanged':>10}"
              f" {'seen elsewhere':>15} {'errors':>7}")
    lines = [header, "-" * len(header)]
    for run in runs:
        lines.append(
            f"{run['spider']:<24} {run['status'] or '?':<15} {run['pages'] or 0:>6} {run['new'] or 0:>5}"
            f" {run['updated'] or 0:>8} {run['unchanged'] or 0:>10} {run['duplicates'] or 0:>15} {run['errors'] or 0:>7}"
        )
        for message in _messages(run)[:3]:
            lines.append(f"    ! {message[:110]}")
    failed = [r["spider"] for r in runs if r["status"] in runs_table.FAILURE_STATUSES]
    lines.append("-" * len(header))
    lines.append(f"{len(runs)} sources, {sum(r['new'] or 0 for r in runs)} new statements, "
                 f"{len(failed)} failed" + (f": {', '.join(failed)}" if failed else ""))
    return "\n".join(lines)


def _messages(run: dict) -> list[str]:
    try:
        return json.loads(run.get("error_messages") or "[]")
    except ValueError:
        return []


def any_failed(runs: list[dict]) -> bool:
    """No run, a failed one, or one that never recorded how it ended."""
    return not runs or any(r["status"] in runs_table.FAILURE_STATUSES or r["status"] in (None, "running")
                           for r in runs)
