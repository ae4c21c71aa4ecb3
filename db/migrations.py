"""Schema, as an ordered list of migrations (sqlite-utils' own mechanism).

An existing database upgrades in place: ``db.connect()`` applies whatever is
pending, each migration in its own transaction together with the record that
it ran. Never edit a migration that has shipped; add the next one.
"""

from sqlite_utils import Migrations

MIGRATIONS = Migrations("stationwatch")


@MIGRATIONS()
def m001_initial(db):
    """Documents (one per canonical URL) and their versions, statements, runs."""
    db["runs"].create(
        {
            "id": int,
            "spider": str,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running, ok, no_new, errors, failed, layout_changed, empty_unusual
            "finish_reason": str,
            "since": str,  # the date the source was asked from
            "pages": int,
            "bytes": int,
            "records": int,  # records the spider parsed, relevant or not
            "items": int,  # candidates that reached the store
            "new": int,
            "updated": int,
            "unchanged": int,
            "duplicates": int,
            "dropped": int,
            "errors": int,
            "error_messages": str,  # JSON list
            "stats": str,  # JSON of Scrapy's stats
        },
        pk="id",
    )
    db["documents"].create(
        {
            "id": int,
            "url": str,  # canonical: tracking parameters and fragment removed
            "source": str,
            "fetch_url": str,
            "content_hash": str,
            "raw_type": str,
            "etag": str,
            "last_modified": str,
            "first_seen": str,
            "last_seen": str,
            "last_changed": str,
            "version_count": int,
        },
        pk="id",
        not_null={"url"},
        defaults={"version_count": 1},
    )
    db["documents"].create_index(["url"], unique=True)
    db["document_versions"].create(
        {
            "id": int,
            "document_id": int,
            "content_hash": str,
            "raw": str,
            "fetched_at": str,
            "run_id": int,
        },
        pk="id",
        foreign_keys=[("document_id", "documents", "id")],
    )
    db["document_versions"].create_index(["document_id"])
    db["digests"].create(
        {
            "id": int,
            "created_at": str,
            "delivered_at": str,
            "channels": str,
            "statement_count": int,
            "update_count": int,
            "path": str,
        },
        pk="id",
    )
    db["statements"].create(
        {
            "id": int,
            "source": str,
            "source_kind": str,
            "country": str,
            "body": str,
            "kind": str,
            "published": str,
            "speaker": str,
            "speaker_role": str,
            "title": str,
            "text": str,
            "excerpt": str,
            "url": str,
            "fetch_url": str,
            "language": str,
            "matched_terms": str,  # JSON list
            "record_id": str,
            "question_record_id": str,
            "question_id": int,  # the question this answers, when known
            "text_hash": str,
            "document_id": int,
            "cluster_id": int,
            "first_seen": str,
            "last_seen": str,
            "updated_at": str,
            "run_id": int,
            "digest_id": int,  # NULL until a digest that listed it was delivered
            "update_pending": int,  # 1: changed since it was last digested
        },
        pk="id",
        foreign_keys=[
            ("document_id", "documents", "id"),
            ("question_id", "statements", "id"),
            ("digest_id", "digests", "id"),
        ],
        defaults={"update_pending": 0},
    )
    db["statements"].create_index(["source", "record_id"], unique=True)
    db["statements"].create_index(["text_hash"])
    db["statement_versions"].create(
        {
            "id": int,
            "statement_id": int,
            "title": str,
            "text": str,
            "text_hash": str,
            "replaced_at": str,
        },
        pk="id",
        foreign_keys=[("statement_id", "statements", "id")],
    )
    db["statement_versions"].create_index(["statement_id"])
    db["mentions"].create(
        {
            "id": int,
            "statement_id": int,
            "document_id": int,
            "source": str,
            "url": str,
            "first_seen": str,
        },
        pk="id",
        foreign_keys=[("statement_id", "statements", "id"), ("document_id", "documents", "id")],
    )
    db["mentions"].create_index(["statement_id", "url"], unique=True)
    db["statements"].enable_fts(
        ["title", "text", "speaker"],
        create_triggers=True,
        tokenize="unicode61 remove_diacritics 2",
    )


@MIGRATIONS()
def m002_index_browsing_columns(db):
    """Index the columns Datasette facets and sorts on (PITFALLS: a facet page
    on a big table goes from ~660 ms to ~180 ms), and the digest's lookups."""
    for columns in (["published"], ["country"], ["source_kind"], ["body"], ["kind"], ["speaker"], ["digest_id"]):
        db["statements"].create_index(columns, if_not_exists=True)
    db["runs"].create_index(["spider", "started_at"], if_not_exists=True)


@MIGRATIONS()
def m003_statement_outlet(db):
    """The publication that carried a statement (a quote in a newspaper)."""
    db["statements"].add_column("outlet", str)
