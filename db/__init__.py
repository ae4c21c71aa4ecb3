"""The SQLite database: schema, migrations and every SQL statement.

Nothing outside db/ writes SQL. ``connect()`` is the one way in: it applies
pending migrations and sets WAL mode and a busy timeout so that Datasette
(or any reader) can read while a crawl writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import sqlite_utils

from core.vocab import is_official
from db import search
from db.migrations import MIGRATIONS, rename_applied

DEFAULT_DB_PATH = "data/stationwatch.db"
BUSY_TIMEOUT_MS = 10_000


def db_path(path: str | os.PathLike | None = None) -> str:
    """The database file: the argument, else STATIONWATCH_DB, else data/stationwatch.db."""
    return str(path or os.environ.get("STATIONWATCH_DB") or DEFAULT_DB_PATH)


def connect(path: str | os.PathLike | None = None, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database, in WAL mode, migrated to the latest schema."""
    path = db_path(path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    register_functions(db.conn)
    if db.journal_mode != "wal":
        db.enable_wal()
    if migrate:
        rename_applied(db)
        MIGRATIONS.apply(db)
    return db


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database):
    """One transaction that takes the write lock at BEGIN (BEGIN IMMEDIATE).

    Why not ``db.atomic()``: its deferred BEGIN lets the first SELECT take a
    WAL snapshot; if another process commits before the first INSERT, SQLite
    answers "database is locked" at once (SQLITE_BUSY_SNAPSHOT) and the busy
    timeout is never used. Taking the lock first makes a concurrent crawl wait
    its turn instead. ``db.atomic()`` inside this block nests as a savepoint.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        try:
            db.conn.execute("COMMIT")
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise


def register_functions(conn) -> None:
    """SQL functions every connection has (Datasette's too, web/plugins):
    ``is_official(source_kind)`` is core.vocab's rule, so SQL never spells
    out which kinds are official; full-text search's (db/search.py:
    ``cjk_search_text``, which the FTS triggers call, ``search_match``,
    ``search_snippet``)."""
    conn.create_function("is_official", 1, lambda kind: int(is_official(kind)), deterministic=True)
    search.register(conn)


def utcnow() -> str:
    """Timestamps are ISO 8601 UTC strings, sortable as text."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
