"""Every SQL statement of the subscriptions (config/subscriptions.yml): who
is subscribed since when, what each subscriber was sent on each channel.

Exactly once per subscriber and channel: ``record`` inserts the delivery and
marks the statements it listed in ONE transaction, after the message went
out; a message that failed calls nothing here, so the next cycle sends it
all again. Each channel keeps its own marks, so an email that went out is
not sent again because the same subscriber's webhook failed.
"""

from __future__ import annotations

import json

from db import utcnow
from db.digest import STATEMENT_COLUMNS
from db.digest import _rows  # the same rows-as-dicts helper, one place

_TOPIC_FILTER = "t.statement_id = s.id AND t.topic IN (SELECT value FROM json_each(:topics))"


def register(db, names: list[str], now: str | None = None) -> None:
    """Record when each subscriber was first seen (its news starts then);
    a name already known keeps its date."""
    now = now or utcnow()
    with db.atomic():
        for name in names:
            db.execute("INSERT OR IGNORE INTO subscribers (name, registered_at) VALUES (?, ?)", [name, now])


def registered_at(db, name: str) -> str | None:
    row = db.execute("SELECT registered_at FROM subscribers WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def _columns(excerpt: str) -> str:
    """The statement columns, the excerpt being the subscriber's topic's."""
    return ", ".join(excerpt if c == "excerpt" else f"s.{c}" for c in STATEMENT_COLUMNS)


# The excerpt a subscriber reads is the one its own topic matched (the
# statement's own is the first topic's), by topic name when several.
_TOPIC_EXCERPT = (f"COALESCE((SELECT t.excerpt FROM statement_topics t WHERE {_TOPIC_FILTER}"
                  " ORDER BY t.topic LIMIT 1), s.excerpt) AS excerpt")


class SubscriberLedger:
    """One subscriber's record on one channel, with DefaultLedger's interface
    (db/digest.py): what it was sent, what is pending for it.

    ``topics``: the subscriber's topic names; only statements tagged with
    one of them are its news. ``since``: statements first stored before it
    are not (the subscriber's registration, or the ``since`` it asked for).
    """

    def __init__(self, db, subscriber: str, channel: str, topics: list[str], since: str | None):
        self.db = db
        self.subscriber, self.channel = subscriber, channel
        self.params = {"name": subscriber, "channel": channel, "topics": json.dumps(sorted(topics)),
                       "since": since or ""}

    def last_delivered_at(self) -> str | None:
        row = self.db.execute(
            "SELECT MAX(delivered_at) FROM subscription_deliveries WHERE subscriber = ? AND channel = ?",
            [self.subscriber, self.channel]).fetchone()
        return row[0] if row else None

    def pending(self) -> list[dict]:
        """Statements about the subscriber's topics, stored since ``since``,
        not yet sent on this channel; in storage order."""
        return _rows(
            self.db,
            f"SELECT {_columns(_TOPIC_EXCERPT)} FROM statements s"
            f" WHERE EXISTS (SELECT 1 FROM statement_topics t WHERE {_TOPIC_FILTER})"
            " AND s.first_seen >= :since"
            " AND NOT EXISTS (SELECT 1 FROM subscription_marks m WHERE m.subscriber = :name"
            "  AND m.channel = :channel AND m.statement_id = s.id)"
            " ORDER BY s.id",
            self.params,
        )

    def changed(self) -> list[dict]:
        """Statements sent on this channel whose text changed since and that
        are still about the subscriber's topics, with the text the subscriber
        was sent (else the latest earlier version)."""
        return _rows(
            self.db,
            f"SELECT {_columns(_TOPIC_EXCERPT)},"
            " COALESCE((SELECT v.text FROM statement_versions v WHERE v.statement_id = s.id"
            "  AND v.text_hash = m.text_hash ORDER BY v.id DESC LIMIT 1),"
            " (SELECT v.text FROM statement_versions v WHERE v.statement_id = s.id ORDER BY v.id DESC LIMIT 1))"
            " AS previous_text"
            " FROM subscription_marks m JOIN statements s ON s.id = m.statement_id"
            " WHERE m.subscriber = :name AND m.channel = :channel AND s.text_hash IS NOT m.text_hash"
            f" AND EXISTS (SELECT 1 FROM statement_topics t WHERE {_TOPIC_FILTER})"  # still about its topics
            " ORDER BY s.id",
            self.params,
        )

    def delivered(self, ids) -> set[int]:
        rows = self.db.execute(
            "SELECT statement_id FROM subscription_marks WHERE subscriber = ? AND channel = ?"
            " AND statement_id IN (SELECT value FROM json_each(?))",
            [self.subscriber, self.channel, json.dumps(sorted(set(ids)))]).fetchall()
        return {row[0] for row in rows}

    def record(self, *, created_at: str, topics: list[str], statements: list[tuple[int, str]],
               updates: list[tuple[int, str]], subject: str) -> int:
        """Record one delivery and mark what it listed, in one transaction.
        ``statements`` and ``updates``: (statement id, text_hash as the
        digest saw it); a text that changed after the digest was built is
        an update next time. Returns the delivery's id."""
        with self.db.atomic():
            delivery_id = self.db.execute(
                "INSERT INTO subscription_deliveries (subscriber, channel, created_at, delivered_at, topics,"
                " statement_count, update_count, subject) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [self.subscriber, self.channel, created_at, utcnow(), json.dumps(topics), len(statements),
                 len(updates), subject],
            ).lastrowid
            self.db.execute(
                "INSERT INTO subscription_marks (subscriber, channel, statement_id, text_hash, delivery_id)"
                " SELECT :name, :channel, json_extract(value, '$[0]'), json_extract(value, '$[1]'), :delivery"
                " FROM json_each(:marks) WHERE true"
                " ON CONFLICT (subscriber, channel, statement_id) DO UPDATE SET text_hash = excluded.text_hash,"
                " delivery_id = excluded.delivery_id",
                {"name": self.subscriber, "channel": self.channel, "delivery": delivery_id,
                 "marks": json.dumps([list(m) for m in statements + updates])},
            )
        return delivery_id

    def feed_entries(self, limit: int = 50) -> list[dict]:
        """The statements sent on this channel, the latest delivered first:
        the subscriber's Atom feed, one entry per statement."""
        return _rows(
            self.db,
            "SELECT s.id, s.country, s.title, s.body, s.speaker, s.published, s.url, s.topics,"
            f" {_TOPIC_EXCERPT}, d.delivered_at"
            " FROM subscription_marks m JOIN statements s ON s.id = m.statement_id"
            " JOIN subscription_deliveries d ON d.id = m.delivery_id"
            " WHERE m.subscriber = :name AND m.channel = :channel"
            " ORDER BY d.id DESC, s.published DESC, s.id DESC LIMIT :limit",
            dict(self.params, limit=limit),
        )
