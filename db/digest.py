"""Every SQL statement of the digest: what is pending, the health of the
sources, and recording a delivery.

Exactly once: ``record_delivery`` inserts the digest row and marks the
statements it listed in ONE transaction, and marks only the rows the digest
was built from (a statement stored by a crawl while the digest was being
sent waits for the next one). A delivery that failed calls nothing here, so
nothing is marked and the next digest lists it all again.
"""

from __future__ import annotations

import json

from db import utcnow

_STATEMENT_COLUMNS = (
    "id, source, source_kind, country, body, kind, published, speaker, speaker_role, title, text,"
    " excerpt, url, outlet, language, record_id, question_id, cluster_id, first_seen, updated_at,"
    " text_hash, digest_id, update_pending, topics"
)
STATEMENT_COLUMNS = tuple(c.strip() for c in _STATEMENT_COLUMNS.split(","))  # db/subscriptions.py reads the same


def _rows(db, sql: str, params=()) -> list[dict]:
    return [dict(row) for row in db.query(sql, params)]


def pending_statements(db) -> list[dict]:
    """Statements no delivered digest has listed yet, in storage order."""
    return _rows(db, f"SELECT {_STATEMENT_COLUMNS} FROM statements WHERE digest_id IS NULL ORDER BY id")


def pending_updates(db) -> list[dict]:
    """Statements already delivered whose text changed since (a corrected
    release, an edited answer), with the text they had before the change."""
    return _rows(
        db,
        f"SELECT {', '.join('s.' + c.strip() for c in _STATEMENT_COLUMNS.split(','))},"
        " (SELECT v.text FROM statement_versions v WHERE v.statement_id = s.id"
        "  ORDER BY v.id DESC LIMIT 1) AS previous_text,"
        " (SELECT v.title FROM statement_versions v WHERE v.statement_id = s.id"
        "  ORDER BY v.id DESC LIMIT 1) AS previous_title"
        " FROM statements s WHERE s.update_pending = 1 AND s.digest_id IS NOT NULL ORDER BY s.id",
    )


def statements_by_id(db, ids: list[int]) -> dict[int, dict]:
    """Statements by id (the questions that pending answers answer)."""
    if not ids:
        return {}
    rows = _rows(
        db,
        f"SELECT {_STATEMENT_COLUMNS} FROM statements WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(set(ids)))],
    )
    return {row["id"]: row for row in rows}


def reports_in_clusters(db, cluster_ids: list[int]) -> list[dict]:
    """Every place a statement of these clusters appeared: its own source and
    URL, and each of its mentions. The caller counts distinct reporters."""
    if not cluster_ids:
        return []
    return _rows(
        db,
        "SELECT s.cluster_id, s.id AS statement_id, s.source, s.source_kind, s.outlet, s.url"
        " FROM statements s WHERE s.cluster_id IN (SELECT value FROM json_each(:ids))"
        " UNION"
        " SELECT s.cluster_id, s.id, m.source, NULL, NULL, m.url"
        " FROM mentions m JOIN statements s ON s.id = m.statement_id"
        " WHERE s.cluster_id IN (SELECT value FROM json_each(:ids))",
        {"ids": json.dumps(sorted(set(cluster_ids)))},
    )


class DefaultLedger:
    """What the default subscription (the STATIONWATCH_DIGEST_* recipient,
    every topic) has been sent: statements.digest_id and update_pending.
    db/subscriptions.py's SubscriberLedger answers the same four questions
    for one subscriber of config/subscriptions.yml on one channel, so that
    stationwatch/digest.py builds either digest the same way."""

    def __init__(self, db):
        self.db = db

    def last_delivered_at(self) -> str | None:
        previous = last_delivered_digest(self.db)
        return previous["delivered_at"] if previous else None

    def pending(self) -> list[dict]:
        return pending_statements(self.db)

    def changed(self) -> list[dict]:
        return pending_updates(self.db)

    def delivered(self, ids) -> set[int]:
        """Which of these statements a delivered digest listed."""
        return {i for i, row in statements_by_id(self.db, list(ids)).items() if row.get("digest_id")}


def last_delivered_digest(db) -> dict | None:
    rows = _rows(db, "SELECT * FROM digests WHERE delivered_at IS NOT NULL ORDER BY id DESC LIMIT 1")
    return rows[0] if rows else None


def runs_by_id(db, run_ids: list[int]) -> list[dict]:
    """The runs of one cycle (the scheduler knows their ids)."""
    if not run_ids:
        return []
    return _rows(
        db,
        "SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?)) ORDER BY spider, id",
        [json.dumps(sorted(set(run_ids)))],
    )


def latest_runs_since(db, since: str | None) -> list[dict]:
    """Each spider's latest run started at or after ``since`` (every spider's
    latest run when ``since`` is None): the health of the sources for a
    digest built outside a scheduled cycle."""
    return _rows(
        db,
        "SELECT r.* FROM runs r JOIN (SELECT spider, MAX(id) AS id FROM runs"
        " WHERE (:since IS NULL OR started_at >= :since) GROUP BY spider) latest ON latest.id = r.id"
        " ORDER BY r.spider",
        {"since": since},
    )


def record_delivery(db, *, created_at: str, channels: list[str], statements: list[tuple[int, str]],
                    updates: list[tuple[int, str]], subject: str, text: str, html: str,
                    path: str | None, failed_sources: list[str]) -> int:
    """Record a delivered digest and mark what it listed, in one transaction.

    ``statements`` (new) and ``updates`` are (statement id, text_hash as the
    digest saw it): a text that changed after the digest was built keeps its
    update flag for the next one (updated_at has one-second resolution, the
    hash has none).
    Returns the digest's id.
    """
    with db.atomic():
        digest_id = db.execute(
            "INSERT INTO digests (created_at, delivered_at, channels, statement_count, update_count, path,"
            " subject, text, html, failed_sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [created_at, utcnow(), json.dumps(channels), len(statements), len(updates), path,
             subject, text, html, json.dumps(failed_sources)],
        ).lastrowid
        db.execute(
            "UPDATE statements SET digest_id = :digest_id, update_pending = CASE WHEN text_hash IS"
            " (SELECT json_extract(value, '$[1]') FROM json_each(:statements)"
            "  WHERE json_extract(value, '$[0]') = statements.id) THEN 0 ELSE 1 END"
            " WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(:statements)) AND digest_id IS NULL",
            {"digest_id": digest_id, "statements": json.dumps([list(s) for s in statements])},
        )
        db.execute(
            "UPDATE statements SET update_pending = 0 WHERE id IN"
            " (SELECT json_extract(value, '$[0]') FROM json_each(:updates))"
            " AND text_hash = (SELECT json_extract(value, '$[1]') FROM json_each(:updates)"
            "  WHERE json_extract(value, '$[0]') = statements.id)",
            {"updates": json.dumps([list(u) for u in updates])},
        )
    return digest_id


def recent_digests(db, limit: int = 30) -> list[dict]:
    """The last delivered digests, newest first: the Atom feed's entries."""
    return _rows(
        db,
        "SELECT id, created_at, delivered_at, statement_count, update_count, subject, html, failed_sources"
        " FROM digests WHERE delivered_at IS NOT NULL AND html IS NOT NULL ORDER BY id DESC LIMIT ?",
        [limit],
    )


def delivered_statements_for_topic(db, topic: str, limit: int = 50) -> list[dict]:
    """The statements about ``topic`` that delivered digests listed, the
    latest delivered first: a topic's Atom feed. A statement enters it only
    with the digest that delivered it, so a failed delivery adds nothing and
    a rebuilt feed never holds an entry twice."""
    return _rows(
        db,
        "SELECT s.id, s.country, s.title, s.body, s.speaker, s.published, s.url, t.excerpt, d.delivered_at"
        " FROM statement_topics t JOIN statements s ON s.id = t.statement_id JOIN digests d ON d.id = s.digest_id"
        " WHERE t.topic = ? AND d.delivered_at IS NOT NULL ORDER BY d.id DESC, s.published DESC, s.id DESC LIMIT ?",
        [topic, limit],
    )
