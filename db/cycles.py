"""SQL of the nightly cycle: the lock that keeps cycles one at a time, and
the record of cycles that lets a missed one be caught up at start-up.

The lock is a row naming its holder (a random token, pid, host and the
process's start time). Each write is one statement, so two processes racing
for it cannot both win: ``INSERT OR IGNORE`` takes a free lock, and a stale
one is taken over with a compare-and-swap ``UPDATE`` on the old token.
Whether a holder is still alive is decided by the caller
(stationwatch/lock.py), which can ask the operating system.
"""

from __future__ import annotations

from db import utcnow


def try_insert_lock(db, name: str, token: str, pid: int, host: str, process_started: str | None) -> bool:
    """Take the lock if nobody holds it."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO locks (name, token, pid, host, process_started, acquired_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [name, token, pid, host, process_started, utcnow()],
    )
    return cursor.rowcount == 1


def lock_holder(db, name: str) -> dict | None:
    rows = list(db.query("SELECT * FROM locks WHERE name = ?", [name]))
    return rows[0] if rows else None


def take_over_lock(db, name: str, stale_token: str, token: str, pid: int, host: str,
                   process_started: str | None) -> bool:
    """Replace a stale holder, unless someone else replaced it first."""
    cursor = db.execute(
        "UPDATE locks SET token = ?, pid = ?, host = ?, process_started = ?, acquired_at = ?"
        " WHERE name = ? AND token = ?",
        [token, pid, host, process_started, utcnow(), name, stale_token],
    )
    return cursor.rowcount == 1


def release_lock(db, name: str, token: str) -> bool:
    """Release only our own lock (a taken-over one belongs to someone else now)."""
    return db.execute("DELETE FROM locks WHERE name = ? AND token = ?", [name, token]).rowcount == 1


def start_cycle(db, scheduled_for: str | None) -> int:
    return db.execute(
        "INSERT INTO cycles (started_at, scheduled_for, status) VALUES (?, ?, 'running')",
        [utcnow(), scheduled_for],
    ).lastrowid


def finish_cycle(db, cycle_id: int, status: str, digest_id: int | None, message: str | None) -> None:
    db.execute(
        "UPDATE cycles SET finished_at = ?, status = ?, digest_id = ?, message = ? WHERE id = ?",
        [utcnow(), status, digest_id, message, cycle_id],
    )


def last_finished_cycle(db) -> dict | None:
    """The latest cycle that ran to its end (a crashed one does not count:
    its digest was never delivered, so start-up should run it again)."""
    rows = list(db.query("SELECT * FROM cycles WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"))
    return rows[0] if rows else None


def last_run_id(db) -> int:
    """The newest `runs` row before a cycle's crawl: its runs are the ones after
    (timestamps have one-second resolution, ids do not collide)."""
    return db.execute("SELECT COALESCE(MAX(id), 0) FROM runs").fetchone()[0]


def runs_after(db, run_id: int) -> list[dict]:
    return [dict(row) for row in db.query("SELECT * FROM runs WHERE id > ? ORDER BY id", [run_id])]
