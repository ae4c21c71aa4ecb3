"""The ``http_cache`` table: ETag and Last-Modified of each URL we fetched.

The conditional-request middleware (stationwatch/conditional.py) sends them
back (If-None-Match, If-Modified-Since) so an unchanged page costs a 304 and
no body. Only validators from runs that finished are written (``save``), so a
crawl killed before its items were stored cannot make the next run skip them.
"""

from __future__ import annotations

from db import utcnow


def validators(db, url: str) -> tuple[str | None, str | None]:
    """(etag, last_modified) stored for ``url``, or (None, None)."""
    row = db.execute("SELECT etag, last_modified FROM http_cache WHERE url = ?", [url]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def save(db, spider: str, entries: dict[str, tuple[str | None, str | None, int]]) -> None:
    """Record validators {url: (etag, last_modified, status)} in one transaction."""
    now = utcnow()
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO http_cache (url, spider, etag, last_modified, status, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET spider = excluded.spider,"
            " etag = excluded.etag, last_modified = excluded.last_modified, status = excluded.status,"
            " fetched_at = excluded.fetched_at",
            [(url, spider, etag, modified, status, now) for url, (etag, modified, status) in entries.items()],
        )

