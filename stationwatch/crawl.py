"""Run every spider once, each in its own process, and summarise the runs.

Twisted's reactor cannot be restarted, so each crawl is a `scrapy crawl`
subprocess; its log goes to data/logs/. The outcome of each crawl is read
from the `runs` table (judged from Scrapy's stats), never from the exit code.

A spider waits mostly on politeness delays and the network, so several run
at once (``jobs``, default STATIONWATCH_JOBS or 8; a replay, which waits on
nothing, as many as there are cores): the cycle lasts about as
long as its slowest source, not the sum of them all. Politeness stays per
host: spiders whose allowed_domains share a host are one group, and a
group's spiders run one after the other (each still its own process, time
limit, log and `runs` row), so a site never sees two of our crawlers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import db as database
from db import runs as runs_table
from stationwatch.paths import PROJECT_ROOT
from stationwatch.progress import LOGSTATS_INTERVAL, Progress
from stationwatch.runs import topic_windows_for
from stationwatch.topic import format_topic_since, load_topics

ROOT = PROJECT_ROOT  # scrapy.cfg is here: Scrapy runs from it
DEFAULT_TIMEOUT = 30 * 60  # seconds a single spider may run before it is stopped
# Sources crawled at once. Live, they wait on the network and politeness
# delays, not the CPU: bench/bench_cycle.py on 2 cores, 28 sources, measured
# 1.29 x the slowest source alone with 8 (4.0 x with 2). Replayed answers
# arrive at once, so a replay is CPU-bound: one per core.
DEFAULT_JOBS = 8
REPLAY_JOBS = os.cpu_count() or 2


class DatabaseUnwritable(RuntimeError):
    """The database cannot be written (disk full, read-only file or folder):
    no crawl can record anything, so none is worth running."""

    def __init__(self, db_path, error: Exception):
        super().__init__(f"cannot write to the database {db_path}: {error}")


_CHDIR_LOCK = threading.Lock()  # the working directory is the whole process's


def _spider_loader():
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    with _CHDIR_LOCK:
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


def since_argument(spider: str, db_path: str, env: dict | None = None) -> list[str]:
    """``-a since=YYYY-MM-DD -a topic_since=topic:YYYY-MM-DD,...`` for
    ``spider``: each watched topic's window (its last complete run's date
    minus the overlap, or the topic's start date when no run asked for it
    yet: a topic just added back-fills), ``since`` the earliest of them.
    The topics are those the crawl's environment (``env`` over ours) selects."""
    loader, settings = _spider_loader()
    try:
        default_since = getattr(loader.load(spider), "default_since", None)
    except KeyError:  # no such spider: `scrapy crawl` says so in the run's log
        return []
    if default_since is None:
        return []
    db = database.connect(db_path)
    try:
        windows = topic_windows_for(db, spider, default_since, settings.getint("STATIONWATCH_SINCE_OVERLAP_DAYS"),
                                    watched_topics(env))
    finally:
        db.close()
    earliest = {**os.environ, **(env or {})}.get("STATIONWATCH_EARLIEST_SINCE")
    if earliest:  # replayed recordings begin then: older listing pages were never recorded
        floor = dt.date.fromisoformat(earliest)
        windows = {topic: max(date, floor) for topic, date in windows.items()}
    since = min(windows.values())
    return ["-a", f"since={since.isoformat()}", "-a", f"topic_since={format_topic_since(windows)}"]


def watched_topics(env: dict | None = None):
    """The topics a crawl with ``env`` (over this process's environment) watches."""
    environ = {**os.environ, **(env or {})}
    return load_topics(environ.get("STATIONWATCH_TOPIC") or "", environ.get("STATIONWATCH_TOPICS") or "",
                       environ.get("STATIONWATCH_TOPICS_DIR") or None)


def log_path(log_dir: Path, spider: str, started: str) -> Path:
    return log_dir / f"{spider}-{started.replace(':', '')}.log"


def crawl_one(spider: str, db_path: str, log_dir: Path, env: dict | None = None,
              timeout: float = DEFAULT_TIMEOUT, args: list[str] | None = None,
              log_file: Path | None = None) -> int:
    """Run one spider in a subprocess; return its exit code (-1 on timeout)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    started = database.utcnow()
    log_file = log_file or log_path(log_dir, spider, started)
    args = list(args or [])
    if not any(str(a).startswith("since=") for a in args):
        args += since_argument(spider, db_path, env)
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


def default_jobs(replay: bool = False) -> int:
    """STATIONWATCH_JOBS, else DEFAULT_JOBS (REPLAY_JOBS for a replayed crawl)."""
    return int(os.environ.get("STATIONWATCH_JOBS") or (REPLAY_JOBS if replay else DEFAULT_JOBS))


def spider_domains(spiders: list[str]) -> dict[str, list[str]]:
    """Each spider's allowed_domains (none for a spider that declares none,
    or that does not exist: its `scrapy crawl` says so in its log)."""
    loader = _spider_loader()[0]
    domains = {}
    for spider in spiders:
        try:
            domains[spider] = list(getattr(loader.load(spider), "allowed_domains", None) or [])
        except KeyError:
            domains[spider] = []
    return domains


def _same_host(a: str, b: str) -> bool:
    """One domain is the other or inside it: allowed_domains "gov.ie" covers www.gov.ie."""
    a, b = a.lower().lstrip("."), b.lower().lstrip(".")
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def group_by_host(domains: dict[str, list[str]]) -> list[list[str]]:
    """Spiders that share a host, together (transitively), each group in the
    order given; groups in the order of their first spider. A spider that
    names no domains is a group of its own (press_feeds: press outlets,
    hosts no official-source spider asks)."""
    groups: list[tuple[set[str], list[str]]] = []  # (hosts, spiders)
    for spider, names in domains.items():
        hosts, members = set(names), [spider]
        for other in [g for g in groups if any(_same_host(a, b) for a in hosts for b in g[0])]:
            groups.remove(other)
            hosts, members = hosts | other[0], other[1] + members
        groups.append((hosts, members))
    order = {spider: i for i, spider in enumerate(domains)}
    return sorted((sorted(members, key=order.get) for _, members in groups), key=lambda g: order[g[0]])


def _slow_first(groups: list[list[str]], slow: set[str]) -> list[list[str]]:
    """Groups with a slow site (one request every few seconds) start first:
    the longest jobs first keeps the cycle near its slowest source."""
    return sorted(groups, key=lambda g: (not (slow & set(g)), -len(g)))


def _slow_spiders(spiders: list[str]) -> set[str]:
    loader = _spider_loader()[0]
    slow = set()
    for spider in spiders:
        try:
            if getattr(loader.load(spider), "slow_site", False):
                slow.add(spider)
        except KeyError:
            pass
    return slow


def crawl_all(db_path: str, spiders: list[str] | None = None, env: dict | None = None,
              timeout: float = DEFAULT_TIMEOUT, log_dir: Path | None = None,
              args: list[str] | None = None, jobs: int | None = None,
              progress: Progress | None = None, domains: dict[str, list[str]] | None = None) -> list[dict]:
    """Crawl the spiders, ``jobs`` at a time, spiders sharing a host one
    after the other (one failing or hanging does not stop the others);
    return the runs they recorded, by spider.

    ``domains`` overrides what a spider's allowed_domains say (spider ->
    hosts), for a test that needs two spiders of one host."""
    try:
        db = database.connect(db_path)  # create and migrate once, before the children race to
        db.close()
    except sqlite3.Error as error:
        raise DatabaseUnwritable(db_path, error) from error
    started = database.utcnow()
    log_dir = log_dir or Path(db_path).parent / "logs"
    spiders = list(spiders or spider_names())
    hosts = spider_domains(spiders)
    hosts.update({s: d for s, d in (domains or {}).items() if s in hosts})
    groups = _slow_first(group_by_host(hosts), _slow_spiders(spiders))
    # Resolved here, before the threads: the spider loader changes directory.
    args = list(args or [])
    per_spider = {s: args if any(str(a).startswith("since=") for a in args) else args + since_argument(s, db_path, env)
                  for s in spiders}
    progress = progress or Progress(total=len(spiders))
    stop = threading.Event()  # the database cannot be written: start nothing more

    def crawl_group(group: list[str]) -> None:
        for spider in group:
            if stop.is_set():
                return
            try:
                _crawl_reported(spider, db_path, log_dir, env, timeout, per_spider[spider], progress)
            except DatabaseUnwritable:
                stop.set()
                raise

    with progress, ThreadPoolExecutor(max_workers=max(1, jobs or default_jobs()), thread_name_prefix="crawl") as pool:
        futures = [pool.submit(crawl_group, group) for group in groups]
        errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        raise errors[0]
    db = database.connect(db_path)
    try:
        return sorted(runs_table.runs_started_since(db, started), key=lambda r: (r["spider"], r["id"]))
    finally:
        db.close()


def _crawl_reported(spider, db_path, log_dir, env, timeout, args, progress: Progress) -> None:
    """crawl_one, with its start and its recorded outcome told to ``progress``;
    LogStats every few seconds in its log gives the live page count."""
    started = database.utcnow()
    log_file = log_path(log_dir, spider, started)
    progress.source_started(spider, log_file)
    run = None
    try:
        crawl_one(spider, db_path, log_dir, env=env, timeout=timeout, log_file=log_file,
                  args=[*args, "-s", f"LOGSTATS_INTERVAL={LOGSTATS_INTERVAL}"])
        run = _latest_run(db_path, spider, started)
    finally:
        progress.source_finished(spider, run)


def _latest_run(db_path: str, spider: str, started: str) -> dict | None:
    db = database.connect(db_path)
    try:
        mine = [r for r in runs_table.runs_started_since(db, started) if r["spider"] == spider]
    finally:
        db.close()
    return mine[-1] if mine else None


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


def format_topics(rows: list[dict]) -> str:
    """Statements stored per topic (db.topics.statements_per_topic), one
    line each: a statement about two topics counts under both, and is one
    statement."""
    lines = [f"{'topic':<28} {'statements':>10} {'sources':>8} {'countries':>10} {'also another topic':>19}"]
    lines += [f"{r['topic']:<28} {r['statements']:>10} {r['sources']:>8} {r['countries']:>10} {r['shared'] or 0:>19}"
              for r in rows]
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
