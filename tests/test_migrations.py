"""An existing database upgrades in place without losing rows."""

import sqlite_utils

import db as database
from db.migrations import MIGRATIONS


def test_database_from_first_schema_upgrades_in_place(db_path):
    old = sqlite_utils.Database(db_path)
    MIGRATIONS.apply(old, stop_before="m002_index_browsing_columns")
    assert [m.name for m in MIGRATIONS.applied(old)] == ["m001_initial"]
    old.execute(
        "INSERT INTO statements (source, record_id, country, title, text, text_hash) VALUES (?, ?, ?, ?, ?, ?)",
        ["uk_parliament_questions", "statement:1", "GB", "Chinese police stations", "Text kept", "h1"],
    )
    old.execute("INSERT INTO runs (spider, started_at, status) VALUES ('uk_parliament_questions', '2026-01-01T00:00:00Z', 'ok')")
    assert "outlet" not in old["statements"].columns_dict
    old.close()

    upgraded = database.connect(db_path)
    applied = [m.name for m in MIGRATIONS.applied(upgraded)]
    assert applied[:3] == ["m001_initial", "m002_index_browsing_columns", "m003_statement_outlet"]
    assert MIGRATIONS.pending(upgraded) == []
    assert [r["text"] for r in upgraded.query("SELECT text FROM statements")] == ["Text kept"]
    assert upgraded.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    indexed = {tuple(i.columns) for i in upgraded["statements"].indexes}
    assert ("country",) in indexed and ("published",) in indexed
    assert "outlet" in upgraded["statements"].columns_dict
    # Full-text search still finds the old row after the upgrade.
    assert [r["rowid"] for r in upgraded.query(
        "SELECT rowid FROM statements_fts WHERE statements_fts MATCH 'police'")] == [1]


def test_connect_is_idempotent_and_uses_wal(db_path):
    first = database.connect(db_path)
    count = len(MIGRATIONS.applied(first))
    first.close()
    again = database.connect(db_path)
    assert len(MIGRATIONS.applied(again)) == count
    assert again.journal_mode == "wal"
    assert again.execute("PRAGMA busy_timeout").fetchone()[0] == database.BUSY_TIMEOUT_MS
