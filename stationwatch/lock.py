"""A lock that survives a crashed holder: never two nightly cycles at once.

The lock lives in the database the cycle writes to (a row in ``locks``), so
the scheduler, a `scheduler.py --once` and a second scheduler started by
mistake all see the same lock. A holder that died (power cut, SIGKILL, OOM)
cannot release it, so a lock is taken over when its holder is stale:

- same host: the pid no longer exists (``os.kill(pid, 0)``), or it is a new
  process that reuses the pid (its start time differs, from /proc);
- another host (a database on a shared disk): we cannot ask its kernel, so
  the lock is stale once older than ``stale_after``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from pathlib import Path

import db as database
from db import cycles as cycles_sql

log = logging.getLogger("stationwatch.lock")

CYCLE_LOCK = "nightly_cycle"
STALE_AFTER = dt.timedelta(hours=24)  # longer than any cycle: every spider's time limit is far less


def process_start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), so a
    pid reused by another process after a crash is not mistaken for the holder."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22; the command name (field 2) may contain spaces, so split after its ')'.
    return stat.rpartition(")")[2].split()[19]


def process_alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        pass
    if started is not None:
        now_started = process_start_time(pid)
        if now_started is not None and now_started != started:
            return False  # the pid was reused
    return True


def holder_is_stale(holder: dict, host: str, now: dt.datetime | None = None) -> bool:
    if holder["host"] == host:
        return not process_alive(holder["pid"], holder["process_started"])
    acquired = dt.datetime.fromisoformat(holder["acquired_at"].replace("Z", "+00:00"))
    return (now or dt.datetime.now(dt.timezone.utc)) - acquired > STALE_AFTER


class CycleLock:
    """``with CycleLock(db_path) as acquired: if acquired: ...``"""

    def __init__(self, db_path: str, name: str = CYCLE_LOCK):
        self.db_path = db_path
        self.name = name
        self.token = secrets.token_hex(16)
        self.pid = os.getpid()
        self.host = socket.gethostname()
        self.acquired = False
        self.holder: dict | None = None  # who held it when we could not take it

    def acquire(self) -> bool:
        db = database.connect(self.db_path)
        try:
            started = process_start_time(self.pid)
            if cycles_sql.try_insert_lock(db, self.name, self.token, self.pid, self.host, started):
                self.acquired = True
                return True
            holder = cycles_sql.lock_holder(db, self.name)
            if holder is None:  # released between our two statements: try once more
                self.acquired = cycles_sql.try_insert_lock(db, self.name, self.token, self.pid, self.host, started)
                return self.acquired
            if not holder_is_stale(holder, self.host):
                self.holder = holder
                return False
            if cycles_sql.take_over_lock(db, self.name, holder["token"], self.token, self.pid, self.host, started):
                log.warning("took over a stale lock held by pid %s on %s since %s (that process is gone)",
                            holder["pid"], holder["host"], holder["acquired_at"])
                self.acquired = True
                return True
            self.holder = cycles_sql.lock_holder(db, self.name)
            return False
        finally:
            db.close()

    def release(self) -> None:
        if not self.acquired:
            return
        db = database.connect(self.db_path)
        try:
            cycles_sql.release_lock(db, self.name, self.token)
        finally:
            db.close()
        self.acquired = False

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
