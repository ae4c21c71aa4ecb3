"""The `runs` table: one row per spider run and its status.

`scrapy crawl` can exit 0 after a failed crawl (PITFALLS), so a run's status
is judged from what Scrapy counted (stationwatch/runs.judge decides it, with
the statuses of core/health.py), written here, and `make run` / the digest
read it from this table.
"""

from __future__ import annotations

import datetime as dt
import json

from core.health import COMPLETE_STATUSES, FAILURE_STATUSES, SUCCESS_STATUSES, Status
from db import utcnow

__all__ = ["FAILURE_STATUSES", "SUCCESS_STATUSES"]


def _placeholders(values) -> str:
    return ", ".join("?" for _ in values)


def start_run(db, spider: str, since: str | None, topics: dict[str, str] | None = None) -> int:
    """Open a run; ``topics``: each topic it asks for and from which date
    (``run_topics``, the per-topic windows ``resume_since`` reads)."""
    cursor = db.execute(
        "INSERT INTO runs (spider, started_at, status, since) VALUES (?, ?, ?, ?)",
        [spider, utcnow(), Status.RUNNING.value, since],
    )
    for topic, topic_since in (topics or {}).items():
        db.execute("INSERT INTO run_topics (run_id, topic, since) VALUES (?, ?, ?)",
                   [cursor.lastrowid, topic, topic_since])
    return cursor.lastrowid


def finish_run(db, run_id: int, summary: dict, stats: dict, error_messages: list[str]) -> None:
    """Record the run's counts and its status (see ``judge``)."""
    db.execute(
        "UPDATE runs SET finished_at = ?, status = ?, finish_reason = ?, pages = ?, bytes = ?,"
        " records = ?, items = ?, new = ?, updated = ?, unchanged = ?, duplicates = ?, dropped = ?,"
        " errors = ?, error_messages = ?, stats = ? WHERE id = ?",
        [
            utcnow(), summary["status"], summary["finish_reason"], summary["pages"], summary["bytes"],
            summary["records"], summary["items"], summary["new"], summary["updated"],
            summary["unchanged"], summary["duplicates"], summary["dropped"], summary["errors"],
            json.dumps(error_messages[:20], ensure_ascii=False),
            json.dumps(stats, default=str, ensure_ascii=False),
            run_id,
        ],
    )


def usually_yields_records(db, spider: str, lookback: int = 5) -> bool:
    """Did any of the spider's last successful runs parse records?"""
    row = db.execute(
        "SELECT MAX(records) FROM (SELECT records FROM runs WHERE spider = ? AND status IN"
        f" ({_placeholders(SUCCESS_STATUSES)}) ORDER BY started_at DESC LIMIT ?)",
        [spider, *SUCCESS_STATUSES, lookback],
    ).fetchone()
    return bool(row and row[0])


def last_success_date(db, spider: str, topic: str | None = None) -> dt.date | None:
    """Start date of the spider's last complete run (that asked for
    ``topic``, when given): the next run asks from there.

    A run that lost pages ('errors') does not count: moving the window past
    it would never ask for what those pages held again."""
    if topic is None:
        row = db.execute(
            f"SELECT MAX(started_at) FROM runs WHERE spider = ? AND status IN ({_placeholders(COMPLETE_STATUSES)})",
            [spider, *COMPLETE_STATUSES],
        ).fetchone()
    else:
        row = db.execute(
            "SELECT MAX(r.started_at) FROM runs r JOIN run_topics t ON t.run_id = r.id"
            f" WHERE r.spider = ? AND t.topic = ? AND r.status IN ({_placeholders(COMPLETE_STATUSES)})",
            [spider, topic, *COMPLETE_STATUSES],
        ).fetchone()
    if not row or not row[0]:
        return None
    return dt.date.fromisoformat(row[0][:10])


def topic_windows(db, spider: str, topics: dict[str, dt.date], overlap_days: int) -> dict[str, dt.date]:
    """Each topic's window for a run of ``spider``: {topic: the date to ask
    from}. ``topics`` gives each watched topic's start date (its file's
    ``since``, else the spider's default): a topic no complete run asked for
    yet (just added) back-fills from there, the others resume from their own
    last complete run minus the overlap. A topic no longer watched is not
    in ``topics``: nothing is asked for it, and its statements stay."""
    return {topic: resume_since(db, spider, start, overlap_days, topic=topic) for topic, start in topics.items()}


def resume_since(db, spider: str, default_since: dt.date, overlap_days: int, topic: str | None = None) -> dt.date:
    """The date a run of ``spider`` asks its source from: the last complete
    run's date minus ``overlap_days`` (records published a day or two late
    are not missed), never before ``default_since``; ``default_since`` (a
    full back-fill) when no run completed yet.

    The one place this is decided: the crawl runner passes it to each spider
    as ``-a since=``, and a bare ``scrapy crawl`` gets it from the run
    recorder (stationwatch/runs.py). With ``topic``: that topic's window
    (only the runs that asked for it count; see ``topic_windows``)."""
    last = last_success_date(db, spider, topic)
    if last is None:
        return default_since
    return max(default_since, last - dt.timedelta(days=overlap_days))


def mark_interrupted(db, spider: str) -> int:
    """Runs left 'running' by a killed process are failures, not successes in progress."""
    cursor = db.execute(
        "UPDATE runs SET status = ?, finish_reason = 'interrupted', finished_at = ?"
        " WHERE spider = ? AND status = ?",
        [Status.FAILED.value, utcnow(), spider, Status.RUNNING.value],
    )
    return cursor.rowcount


def record_process_failure(db, spider: str, started_at: str, reason: str) -> int:
    """A crawl process that crashed, hung or never started: its run (left
    'running') becomes a failure with the reason, or a failed row is created
    if the process died before writing one. A run the crawl itself already
    judged keeps its status."""
    row = db.execute(
        "SELECT id FROM runs WHERE spider = ? AND started_at >= ? ORDER BY id DESC LIMIT 1",
        [spider, started_at],
    ).fetchone()
    messages = json.dumps([reason])
    if row is None:
        cursor = db.execute(
            "INSERT INTO runs (spider, started_at, finished_at, status, finish_reason, errors, error_messages)"
            " VALUES (?, ?, ?, ?, 'process', 1, ?)",
            [spider, started_at, utcnow(), Status.FAILED.value, messages],
        )
        return cursor.lastrowid
    db.execute(
        "UPDATE runs SET status = ?, finish_reason = COALESCE(finish_reason, 'process'), finished_at = ?,"
        " errors = COALESCE(errors, 0) + 1, error_messages = ? WHERE id = ? AND status = ?",
        [Status.FAILED.value, utcnow(), messages, row[0], Status.RUNNING.value],
    )
    return row[0]


def runs_started_since(db, started_at: str) -> list[dict]:
    """Every run started at or after ``started_at``, oldest first."""
    cursor = db.execute("SELECT * FROM runs WHERE started_at >= ? ORDER BY id", [started_at])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
