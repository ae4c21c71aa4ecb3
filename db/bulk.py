"""Bulk loading for benchmarks: a million statements in minutes, not hours.

Row-by-row saving (db/store.py) costs about a millisecond a statement with
its full-text triggers; building a million-row database for
bench/bench_dedupe.py that way would take hours. Here the FTS triggers are
dropped during the load and the index rebuilt once, and band keys are
appended to a scratch table and copied into ``statement_bands`` in key order
at the end (WITHOUT ROWID tables fill fastest in key order).
"""

from __future__ import annotations

STATEMENT_COLUMNS = ("id", "source", "source_kind", "country", "body", "kind", "published", "title", "text",
                     "url", "language", "record_id", "text_hash", "document_id", "cluster_id", "first_seen",
                     "last_seen", "matched_terms")


def begin_load(db) -> list[str]:
    """Drop the statements' FTS triggers; return their SQL for ``end_load``."""
    triggers = [sql for (sql,) in db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'statements'").fetchall()]
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'statements'").fetchall():
        db.execute(f'DROP TRIGGER "{name}"')
    db.execute("CREATE TEMP TABLE bulk_bands (band_key INTEGER, statement_id INTEGER)")
    return triggers


def insert_chunk(db, statements: list[tuple], documents: list[tuple], bands: list[tuple]) -> None:
    """One transaction: statements (STATEMENT_COLUMNS order), documents
    (id, url, source, content_hash, first_seen) and (band_key, statement_id) pairs."""
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO documents (id, url, source, content_hash, first_seen, last_seen, version_count)"
            " VALUES (?, ?, ?, ?, ?, ?, 1)", [(*d, d[-1]) for d in documents])
        placeholders = ", ".join("?" for _ in STATEMENT_COLUMNS)
        db.conn.executemany(f"INSERT INTO statements ({', '.join(STATEMENT_COLUMNS)}) VALUES ({placeholders})",
                            statements)
        db.conn.executemany("INSERT INTO bulk_bands VALUES (?, ?)", bands)


def end_load(db, triggers: list[str]) -> None:
    """Bands into place in key order, FTS rebuilt, triggers back."""
    with db.atomic():
        db.execute("INSERT OR IGNORE INTO statement_bands SELECT band_key, statement_id FROM bulk_bands"
                   " ORDER BY band_key, statement_id")
        db.execute("DROP TABLE bulk_bands")
        db.execute("INSERT INTO statements_fts (statements_fts) VALUES ('rebuild')")
        for sql in triggers:
            db.execute(sql)
    db.execute("ANALYZE")
