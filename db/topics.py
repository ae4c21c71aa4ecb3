"""Statements by topic (statement_topics): what each watched topic holds."""

from __future__ import annotations


def statements_per_topic(db) -> list[dict]:
    """One row per topic with a statement: {topic, statements, sources,
    countries, both}, ``both`` the statements also tagged with another
    topic; by topic name."""
    cursor = db.execute(
        "SELECT t.topic, COUNT(*) AS statements, COUNT(DISTINCT s.source) AS sources,"
        " COUNT(DISTINCT s.country) AS countries,"
        " SUM(EXISTS (SELECT 1 FROM statement_topics o WHERE o.statement_id = t.statement_id AND o.topic != t.topic))"
        " AS shared"
        " FROM statement_topics t JOIN statements s ON s.id = t.statement_id GROUP BY t.topic ORDER BY t.topic"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
