"""Storing candidate statements: decide new, updated, unchanged or duplicate.

sqlite-utils' upsert does not say whether it inserted or updated, so every
decision here is explicit: look the record up, then insert or update. The
caller wraps a batch of ``save()`` calls in one transaction (``db.atomic()``).
"""

from __future__ import annotations

import hashlib
import json

from db import utcnow

NEW, UPDATED, UNCHANGED, DUPLICATE = "new", "updated", "unchanged", "duplicate"
OUTCOMES = (NEW, UPDATED, UNCHANGED, DUPLICATE)

STATEMENT_FIELDS = (
    "source", "source_kind", "country", "body", "kind", "published", "speaker",
    "speaker_role", "title", "text", "excerpt", "url", "fetch_url", "language",
    "record_id", "question_record_id", "text_hash", "outlet",
)


def content_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class StatementStore:
    """Writes candidates; one instance per crawl."""

    def __init__(self, db, run_id: int | None = None):
        self.db = db
        self.run_id = run_id

    def save(self, item: dict) -> str:
        """Store one normalised, relevant candidate; return its outcome."""
        now = utcnow()
        document_id = self._save_document(item, now)
        row = self.db.execute(
            "SELECT id, text_hash FROM statements WHERE source = ? AND record_id = ?",
            [item["source"], item["record_id"]],
        ).fetchone()
        if row is not None:
            statement_id, old_hash = row
            if old_hash == item["text_hash"]:
                self.db.execute("UPDATE statements SET last_seen = ? WHERE id = ?", [now, statement_id])
                return UNCHANGED
            self._update_statement(statement_id, item, now)
            return UPDATED
        duplicate_of = self._same_text_elsewhere(item)
        if duplicate_of is not None:
            self._add_mention(duplicate_of, document_id, item, now)
            return DUPLICATE
        statement_id = self._insert_statement(item, document_id, now)
        self._add_mention(statement_id, document_id, item, now)
        return NEW

    def _save_document(self, item: dict, now: str) -> int:
        """One row per canonical URL; a changed record becomes a new version."""
        raw = item.get("raw") or item.get("text") or ""
        digest = content_hash(raw)
        row = self.db.execute(
            "SELECT id, content_hash FROM documents WHERE url = ?", [item["url"]]
        ).fetchone()
        if row is None:
            cursor = self.db.execute(
                "INSERT INTO documents (url, source, fetch_url, content_hash, raw_type, first_seen,"
                " last_seen, last_changed, version_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                [item["url"], item["source"], item.get("fetch_url"), digest, item.get("raw_type"), now, now, now],
            )
            document_id = cursor.lastrowid
        else:
            document_id, old_digest = row
            if old_digest == digest:
                self.db.execute("UPDATE documents SET last_seen = ? WHERE id = ?", [now, document_id])
                return document_id
            self.db.execute(
                "UPDATE documents SET content_hash = ?, fetch_url = ?, last_seen = ?, last_changed = ?,"
                " version_count = version_count + 1 WHERE id = ?",
                [digest, item.get("fetch_url"), now, now, document_id],
            )
        self.db.execute(
            "INSERT INTO document_versions (document_id, content_hash, raw, fetched_at, run_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [document_id, digest, raw, now, self.run_id],
        )
        return document_id

    def _same_text_elsewhere(self, item: dict) -> int | None:
        """An exact-text statement from another source (a syndicated release).

        Within one source, identical text under different records stays
        separate: two answers that both say "I refer the hon. Member to the
        answer I gave..." answer different questions.
        """
        row = self.db.execute(
            "SELECT id FROM statements WHERE text_hash = ? AND source != ? ORDER BY id LIMIT 1",
            [item["text_hash"], item["source"]],
        ).fetchone()
        return row[0] if row else None

    def _insert_statement(self, item: dict, document_id: int, now: str) -> int:
        values = {name: item.get(name) for name in STATEMENT_FIELDS}
        values.update(
            matched_terms=json.dumps(item.get("matched_terms") or [], ensure_ascii=False),
            question_id=self._question_id(item),
            document_id=document_id,
            first_seen=now,
            last_seen=now,
            run_id=self.run_id,
        )
        columns = ", ".join(values)
        placeholders = ", ".join("?" for _ in values)
        cursor = self.db.execute(
            f"INSERT INTO statements ({columns}) VALUES ({placeholders})", list(values.values())
        )
        statement_id = cursor.lastrowid
        self.db.execute("UPDATE statements SET cluster_id = ? WHERE id = ?", [statement_id, statement_id])
        return statement_id

    def _update_statement(self, statement_id: int, item: dict, now: str) -> None:
        """Keep the old text in statement_versions; flag the change for the digest."""
        self.db.execute(
            "INSERT INTO statement_versions (statement_id, title, text, text_hash, replaced_at)"
            " SELECT id, title, text, text_hash, ? FROM statements WHERE id = ?",
            [now, statement_id],
        )
        changed = {name: item.get(name) for name in STATEMENT_FIELDS if name not in ("source", "record_id")}
        changed["matched_terms"] = json.dumps(item.get("matched_terms") or [], ensure_ascii=False)
        assignments = ", ".join(f"{name} = ?" for name in changed)
        self.db.execute(
            f"UPDATE statements SET {assignments}, last_seen = ?, updated_at = ?, update_pending = 1"
            " WHERE id = ?",
            [*changed.values(), now, now, statement_id],
        )

    def _question_id(self, item: dict) -> int | None:
        if not item.get("question_record_id"):
            return None
        row = self.db.execute(
            "SELECT id FROM statements WHERE source = ? AND record_id = ?",
            [item["source"], item["question_record_id"]],
        ).fetchone()
        return row[0] if row else None

    def _add_mention(self, statement_id: int, document_id: int, item: dict, now: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO mentions (statement_id, document_id, source, url, first_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            [statement_id, document_id, item["source"], item["url"], now],
        )
