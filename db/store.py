"""Storing candidate statements: decide new, updated, unchanged or duplicate.

sqlite-utils' upsert does not say whether it inserted or updated, so every
decision here is explicit: look the record up, then insert or update. The
caller wraps a batch of ``save()`` calls in one transaction (``db.atomic()``).

Each response once (DESIGN.md, "Dedupe, at three levels"):

- the same record again (source, record_id): unchanged, or updated when its
  text changed (the old text kept in statement_versions);
- the same normalised text from another source: one statement, one more
  mention (``duplicate``);
- nearly the same text (db/dedupe.py): its own row, in the cluster of the
  statement it nearly copies (``duplicate``);
- a press quote that an official statement holds (a sentence of a long
  answer, with a journalist's small edits; ``holds()``): its own row, with
  its outlet, in that statement's cluster (``duplicate``), whichever came
  first: one response, the places it appeared.

A cluster's canonical statement is its earliest official one (official
sources before press, then the earliest date): ``cluster_id`` is always the
canonical statement's id, so "the canonical statement" is
``statements WHERE id = cluster_id``. A statement that becomes the canonical
of an existing cluster (the minister's own text arriving after the press
quoted it) counts as ``new``: it is a new official response.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections import Counter
from typing import Callable

from core.health import Outcome
from core.vocab import is_official
from db import dedupe, utcnow

NEW, UPDATED, UNCHANGED, DUPLICATE = Outcome.NEW, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.DUPLICATE

STATEMENT_FIELDS = (
    "source", "source_kind", "country", "body", "kind", "published", "speaker",
    "speaker_role", "title", "text", "excerpt", "url", "fetch_url", "language",
    "record_id", "question_record_id", "text_hash", "outlet", "speaker_as_written",
    "host_country",
)


def content_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


# Called with the item whose document got a new version; returns where its
# response was archived (WARC file, offset, length) or None.
Archiver = Callable[[dict], "tuple[str, int, int] | None"]


class StatementStore:
    """Writes candidates; one instance per crawl (or per batch).

    ``archiver``: when a document gets a new version, the response that
    carried it is archived through this callable and the version points at
    the WARC record. ``details`` counts how duplicates were found
    (exact / near / official_over_press), for the run's stats.
    """

    def __init__(self, db, run_id: int | None = None, archiver: Archiver | None = None):
        self.db = db
        self.run_id = run_id
        self.archiver = archiver
        self.details: Counter = Counter()

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
            # Judged again, perhaps by a topic added since: its tags follow.
            self.tag(statement_id, item.get("topics"), judged=item.get("topics_judged"))
            if old_hash == item["text_hash"]:
                self.db.execute("UPDATE statements SET last_seen = ? WHERE id = ?", [now, statement_id])
                return UNCHANGED
            self._update_statement(statement_id, item, now)
            return UPDATED
        exact = self._same_text_elsewhere(item)
        if exact is not None:
            duplicate_of, duplicate_kind = exact
            if not (is_official(item.get("source_kind")) and not is_official(duplicate_kind)):
                self._add_mention(duplicate_of, document_id, item, now)
                # The same text, perhaps with a title or question that names another topic.
                self.tag(duplicate_of, item.get("topics"), replace=False)
                self.details["exact"] += 1
                return DUPLICATE
            # The official text a newspaper quoted word for word arrives
            # after the quote: it is stored, and leads the quote's cluster.
            self.details["official_over_press"] += 1
            return self._insert_into_cluster(item, document_id, now, self._cluster_of(duplicate_of))
        keys = dedupe.statement_band_keys(item["text"])
        near = dedupe.find_near_duplicate(self.db, item, keys)
        # A newspaper quoting a sentence of an official answer already stored:
        # that answer reported again, a member of its cluster (its row keeps the outlet).
        holder = self._official_holding(item["text"]) if near is None and _is_press_quote(item) else None
        statement_id = self._insert_statement(item, document_id, now)
        self._add_mention(statement_id, document_id, item, now)
        dedupe.add(self.db, statement_id, keys)
        if near is not None:
            self.details["near"] += 1
            canonical = self._join_cluster(statement_id, near["cluster_id"])
        elif holder is not None:
            self.details["press_in_official"] += 1
            canonical = self._join_cluster(statement_id, self._cluster_of(holder))
        else:
            canonical = statement_id
        if is_official(item.get("source_kind")):
            # Press quotes stored before the official text that holds them join its cluster.
            for quote_id in self._press_quotes_held_by(statement_id, item["text"]):
                if self._cluster_of(quote_id) != self._cluster_of(statement_id):
                    self.details["press_in_official"] += 1
                    canonical = self._join_cluster(statement_id, self._cluster_of(quote_id))
        return NEW if canonical == statement_id else DUPLICATE

    def _insert_into_cluster(self, item: dict, document_id: int, now: str, cluster_id: int) -> str:
        statement_id = self._insert_statement(item, document_id, now)
        self._add_mention(statement_id, document_id, item, now)
        dedupe.add(self.db, statement_id, dedupe.statement_band_keys(item["text"]))
        canonical = self._join_cluster(statement_id, cluster_id)
        return NEW if canonical == statement_id else DUPLICATE

    def _cluster_of(self, statement_id: int) -> int:
        row = self.db.execute("SELECT cluster_id FROM statements WHERE id = ?", [statement_id]).fetchone()
        return row[0] if row and row[0] is not None else statement_id

    def _join_cluster(self, statement_id: int, cluster_id: int) -> int:
        """Put a statement into a cluster, re-elect the canonical statement
        (official before press, then earliest date, then first stored) and
        point every member at it; return the canonical id."""
        (canonical,) = self.db.execute(
            "SELECT id FROM statements WHERE cluster_id IN (?, ?)"
            " ORDER BY NOT is_official(source_kind), published IS NULL, published, id LIMIT 1",
            [cluster_id, statement_id],
        ).fetchone()
        self.db.execute(
            "UPDATE statements SET cluster_id = ? WHERE cluster_id IN (?, ?)",
            [canonical, cluster_id, statement_id],
        )
        return canonical

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
        archived = self.archiver(item) if self.archiver else None
        warc_file, warc_offset, warc_length = archived or (None, None, None)
        self.db.execute(
            "INSERT INTO document_versions (document_id, content_hash, raw, fetched_at, run_id,"
            " warc_file, warc_offset, warc_length) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [document_id, digest, raw, now, self.run_id, warc_file, warc_offset, warc_length],
        )
        return document_id

    def _same_text_elsewhere(self, item: dict) -> tuple[int, str] | None:
        """An exact-text statement from another source (a syndicated release):
        its id and source_kind, an official one first.

        Within one source, identical text under different records stays
        separate: two answers that both say "I refer the hon. Member to the
        answer I gave..." answer different questions.
        """
        row = self.db.execute(
            "SELECT id, source_kind FROM statements WHERE text_hash = ? AND source != ?"
            " ORDER BY NOT is_official(source_kind), id LIMIT 1",
            [item["text_hash"], item["source"]],
        ).fetchone()
        return (row[0], row[1]) if row else None

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
        self.tag(statement_id, item.get("topics"))
        return statement_id

    def tag(self, statement_id: int, topics: list[dict] | None, replace: bool = True,
            judged: list[str] | None = None) -> None:
        """Tag a statement with each topic it is about ({topic, matched_terms,
        excerpt}, from pipelines/relevance.py); ``statements.topics`` follows
        by trigger. ``replace``: a topic's terms and excerpt from this
        judgement replace the ones stored (the statement's own record judged
        again); otherwise a tag already there is kept (another record with
        the same text). ``judged``: the topics that judged this record; a tag
        of one of them that it no longer earns (its text changed) is removed,
        a tag of a topic not watched in this crawl stays."""
        earned = {tag["topic"] for tag in topics or []}
        stale = sorted(set(judged or []) - earned)
        if stale:
            self.db.execute(
                "DELETE FROM statement_topics WHERE statement_id = ? AND topic IN (SELECT value FROM json_each(?))",
                [statement_id, json.dumps(stale)])
        conflict = ("DO UPDATE SET matched_terms = excluded.matched_terms, excerpt = excluded.excerpt"
                    " WHERE matched_terms IS NOT excluded.matched_terms OR excerpt IS NOT excluded.excerpt"
                    if replace else "DO NOTHING")
        for tag in topics or []:
            self.db.execute(
                "INSERT INTO statement_topics (statement_id, topic, matched_terms, excerpt) VALUES (?, ?, ?, ?)"
                f" ON CONFLICT (statement_id, topic) {conflict}",
                [statement_id, tag["topic"], json.dumps(tag.get("matched_terms") or [], ensure_ascii=False),
                 tag.get("excerpt")],
            )

    def _update_statement(self, statement_id: int, item: dict, now: str) -> None:
        """Keep the old text in statement_versions; flag the change for the digest.

        Its band keys follow the new text; its cluster stays as it was (a
        corrected answer is still the answer it was)."""
        (old_text,) = self.db.execute("SELECT text FROM statements WHERE id = ?", [statement_id]).fetchone()
        dedupe.remove(self.db, statement_id, dedupe.statement_band_keys(old_text))
        dedupe.add(self.db, statement_id, dedupe.statement_band_keys(item["text"]))
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

    def _official_holding(self, quote: str) -> int | None:
        """The official statement whose text holds ``quote`` (allowing the
        small edits journalists make), or None."""
        query = _fts_query(quote)
        if query is None:
            return None
        rows = self.db.execute(
            "SELECT s.id, s.text FROM statements_fts f JOIN statements s ON s.rowid = f.rowid"
            " WHERE statements_fts MATCH ? AND is_official(s.source_kind) ORDER BY f.rank LIMIT 20",
            [query],
        ).fetchall()
        return next((statement_id for statement_id, text in rows if holds(text, quote)), None)

    def _press_quotes_held_by(self, official_id: int, text: str) -> list[int]:
        """Press quotes already stored that ``text`` holds."""
        query = _fts_query(text, words=12)
        if query is None or not self._any_press_quote(official_id):
            return []
        # The press quotes first (index m019), the words second: a MATCH of
        # twelve common words ranked over every statement made each official
        # insert cost O(statements) (bench_pipeline: 0.26 of bare Scrapy).
        rows = self.db.execute(
            "SELECT s.id, s.text FROM statements_fts f JOIN statements s ON s.rowid = f.rowid"
            " WHERE statements_fts MATCH ? AND f.rowid IN (SELECT id FROM statements"
            "  WHERE source_kind = 'press' AND kind = 'quoted_statement' AND id != ?)"
            " ORDER BY f.rank LIMIT 50",
            [query, official_id],
        ).fetchall()
        return [quote_id for quote_id, quote in rows if holds(text, quote)]

    def _any_press_quote(self, other_than: int) -> bool:
        """Whether any press quote is stored: one index probe (m019) that
        spares the full-text MATCH in crawls of official sources alone."""
        return self.db.execute(
            "SELECT 1 FROM statements WHERE source_kind = 'press' AND kind = 'quoted_statement' AND id != ? LIMIT 1",
            [other_than],
        ).fetchone() is not None


QUOTE_MIN_WORDS = 6  # shorter quotes ("unacceptable", a slogan) prove nothing
QUOTE_MATCH = 0.9  # share of a short quote's words found, in order, in the official text
LONG_QUOTE_WORDS, LONG_QUOTE_MATCH = 15, 0.75  # a longer one may be edited more ("these" for
# "those", "very" for "extremely", "I agree" where the record has "…"): real FMQs answer and Echo Live quote
_WORD = re.compile(r"\w+", re.UNICODE)


def _is_press_quote(item: dict) -> bool:
    return item.get("source_kind") == "press" and item.get("kind") == "quoted_statement"


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text or "")]


def holds(official: str, quote: str) -> bool:
    """``official`` contains ``quote`` allowing small edits: at least 90% of
    a short quote's words (75% of one of 15 words or more), in order, within
    a stretch of the official text not much longer than the quote (a dropped
    clause, "these" for "those", a changed tense). Texts without spaces between words (CJK) compare by
    characters."""
    if _CJK.search(quote):
        q, o = [c for c in quote if not c.isspace() and c.isalnum()], [c for c in official if c.isalnum()]
        least = 10
    else:
        q, o = _words(quote), _words(official)
        least = QUOTE_MIN_WORDS
    if len(q) < least or len(o) < len(q) * QUOTE_MATCH:
        return False
    blocks = [b for b in difflib.SequenceMatcher(None, o, q, autojunk=False).get_matching_blocks() if b.size]
    if not blocks:
        return False
    matched = sum(b.size for b in blocks)
    stretch = blocks[-1].a + blocks[-1].size - blocks[0].a
    share = LONG_QUOTE_MATCH if len(q) >= (LONG_QUOTE_WORDS if least == QUOTE_MIN_WORDS else 25) else QUOTE_MATCH
    return matched >= share * len(q) and stretch <= len(q) * 1.3 + 3


def _fts_query(text: str, words: int = 8) -> str | None:
    """An FTS5 query for statements sharing the text's longest words (any of
    them: an edited quote may change one)."""
    chosen = sorted({w for w in _words(text) if len(w) >= 4 and not w.isdigit()}, key=len, reverse=True)[:words]
    if len(chosen) < 2:
        return None
    return " OR ".join(f'"{w}"' for w in chosen)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def save_unattributed(db, rows: list[dict], run_id: int | None = None) -> int:
    """Keep press quotes that could not be attributed (issue #18) in
    ``unattributed_quotes`` for review; one row per URL and text. Returns
    how many were new."""
    now = utcnow()
    new = 0
    for row in rows:
        text_hash = content_hash(" ".join((row.get("text") or "").split()).casefold())
        cursor = db.execute(
            "INSERT OR IGNORE INTO unattributed_quotes (source, outlet, url, title, published, language, text,"
            " text_hash, paragraph, first_seen, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [row.get("source"), row.get("outlet"), row.get("url"), row.get("title"), row.get("published"),
             row.get("language"), row.get("text"), text_hash, row.get("paragraph"), now, run_id],
        )
        new += cursor.rowcount
    return new


def archived_response(db, statement_id: int) -> dict | None:
    """Where the latest archived response of a statement's document is:
    {warc_file, warc_offset, warc_length, url, fetched_at}, or None."""
    row = db.execute(
        "SELECT v.warc_file, v.warc_offset, v.warc_length, d.url, v.fetched_at"
        " FROM statements s JOIN document_versions v ON v.document_id = s.document_id"
        " JOIN documents d ON d.id = s.document_id"
        " WHERE s.id = ? AND v.warc_file IS NOT NULL ORDER BY v.id DESC LIMIT 1",
        [statement_id],
    ).fetchone()
    if row is None:
        return None
    return dict(zip(("warc_file", "warc_offset", "warc_length", "url", "fetched_at"), row))
