"""An existing database upgrades in place without losing rows."""

import sqlite_utils

import db as database
from db.migrations import FORMER_NAMES, MIGRATIONS


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


def test_full_text_index_follows_text_changes_only(db_path):
    """m011: bookkeeping updates (cluster, last seen, digest marks) leave the FTS
    index alone; a changed title, text or speaker is re-indexed."""
    db = database.connect(db_path)
    conn = db.conn
    conn.execute(
        "INSERT INTO statements (source, record_id, country, title, text, speaker, text_hash)"
        " VALUES ('s', 'r1', 'GB', 'Chinese police stations', 'The station in Croydon', 'Tom Tugendhat', 'h1')"
    )

    def search(word):
        return [r[0] for r in conn.execute("SELECT rowid FROM statements_fts WHERE statements_fts MATCH ?", [word])]

    before = conn.total_changes  # counts rows written by triggers too
    conn.execute("UPDATE statements SET cluster_id = 1, last_seen = '2026-11-27T00:00:00Z', update_pending = 0 WHERE id = 1")
    assert conn.total_changes - before == 1
    conn.execute("UPDATE statements SET text = 'The station in Glasgow' WHERE id = 1")
    assert search("glasgow") == [1] and search("croydon") == []
    conn.execute("UPDATE statements SET speaker = 'Another Minister' WHERE id = 1")
    assert search("minister") == [1] and search("tugendhat") == []
    # FTS5 raises "database disk image is malformed" when index and table disagree.
    conn.execute("INSERT INTO statements_fts (statements_fts) VALUES ('integrity-check')")
    db.close()


def test_migrations_recorded_under_former_names_do_not_run_again(db_path):
    """A database from before the renumbering has m010_digest_content etc.
    recorded; it is renamed in place and nothing is applied twice (m007
    creating http_cache again would raise)."""
    old = sqlite_utils.Database(db_path)
    MIGRATIONS.apply(old)
    former_by_current = {current: former for former, current in FORMER_NAMES.items()}
    old.execute("UPDATE _sqlite_migrations SET name = CASE name "
                + " ".join(f"WHEN '{current}' THEN '{former}'" for current, former in former_by_current.items())
                + " ELSE name END")
    old.conn.commit()
    assert "m007_http_cache" not in [m.name for m in MIGRATIONS.applied(old)]
    old.close()

    upgraded = database.connect(db_path)
    names = [m.name for m in MIGRATIONS.applied(upgraded)]
    assert MIGRATIONS.pending(upgraded) == []
    assert len(names) == len(set(names)) == len(MIGRATIONS._migrations)
    assert names == sorted(names)  # the numbers say the order they ran in
