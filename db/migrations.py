"""Schema, as an ordered list of migrations (sqlite-utils' own mechanism).

An existing database upgrades in place: ``db.connect()`` applies whatever is
pending, each migration in its own transaction together with the record that
it ran. Never edit a migration that has shipped; add the next one, numbered
after the last: they run in the order of this file, which is their numbers'.
"""

from sqlite_utils import Migrations

from db import search

MIGRATIONS = Migrations("stationwatch")

# Names under which earlier releases recorded these migrations as applied
# (their numbers were out of order); rename_applied() moves an existing
# database's records to today's names so nothing runs twice.
FORMER_NAMES = {
    "m010_digest_content": "m004_digest_content",
    "m010_scheduler_lock_and_cycles": "m005_scheduler_lock_and_cycles",
    "m030_near_duplicate_bands": "m006_near_duplicate_bands",
    "m030_http_cache": "m007_http_cache",
    "m030_document_version_archive": "m008_document_version_archive",
    "m020_index_timeline": "m009_index_timeline",
    "m020_index_country_facets": "m010_index_country_facets",
    "m040_fts_reindex_only_on_text_change": "m011_fts_reindex_only_on_text_change",
}


def rename_applied(db) -> None:
    """Record migrations applied under a former name by their current name."""
    table = db[Migrations.migrations_table]
    if not table.exists():
        return
    with db.conn:
        for former, current in FORMER_NAMES.items():
            db.execute(f"UPDATE [{Migrations.migrations_table}] SET name = ? WHERE migration_set = ? AND name = ?",
                       [current, MIGRATIONS.name, former])


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


@MIGRATIONS()
def m004_digest_content(db):
    """What a delivered digest said, so the Atom feed can be rebuilt from the
    database (the last digests as entries) and a digest can be read again."""
    db["digests"].add_column("subject", str)
    db["digests"].add_column("text", str)
    db["digests"].add_column("html", str)
    db["digests"].add_column("failed_sources", str)  # JSON list of spiders named as failed
    db["digests"].create_index(["delivered_at"], if_not_exists=True)
    db["statements"].create_index(["update_pending"], if_not_exists=True)


@MIGRATIONS()
def m005_scheduler_lock_and_cycles(db):
    """One nightly cycle at a time (a lock row that names its holder, so a
    crashed holder can be detected and taken over), and the record of cycles
    (so a cycle missed while the machine was off runs once at start-up)."""
    db["locks"].create(
        {"name": str, "token": str, "pid": int, "host": str, "process_started": str, "acquired_at": str},
        pk="name",
    )
    db["cycles"].create(
        {"id": int, "started_at": str, "finished_at": str, "scheduled_for": str, "status": str,
         "digest_id": int, "message": str},
        pk="id",
    )
    db["cycles"].create_index(["started_at"])


@MIGRATIONS()
def m006_near_duplicate_bands(db):
    """MinHash LSH band hashes of each statement's text (db/dedupe.py).

    One row per (band, statement): a new statement's near-duplicates are the
    statements sharing a band key, found by primary-key lookups, so the check
    costs the same at a million rows and needs no index held in memory.
    WITHOUT ROWID keeps each row once, in key order.
    """
    db.execute(
        "CREATE TABLE statement_bands (band_key INTEGER NOT NULL, statement_id INTEGER NOT NULL,"
        " PRIMARY KEY (band_key, statement_id)) WITHOUT ROWID"
    )
    db["statements"].create_index(["cluster_id"], if_not_exists=True)


@MIGRATIONS()
def m007_http_cache(db):
    """Validators (ETag, Last-Modified) per fetched URL, for conditional requests."""
    db["http_cache"].create(
        {"url": str, "spider": str, "etag": str, "last_modified": str, "status": int, "fetched_at": str},
        pk="url",
    )


@MIGRATIONS()
def m008_document_version_archive(db):
    """Where each document version's response is archived: WARC file
    (relative to the database's folder), record offset and length."""
    db["document_versions"].add_column("warc_file", str)
    db["document_versions"].add_column("warc_offset", int)
    db["document_versions"].add_column("warc_length", int)


@MIGRATIONS()
def m009_index_timeline(db):
    """Statements per month and country (the timeline canned query and its
    chart) read this index alone instead of the table: at 100,000 statements
    the chart page took 175 ms with only the published index, which sends
    every row through a table lookup (bench/bench_datasette.py)."""
    db["statements"].create_index(["published", "country"], if_not_exists=True)


@MIGRATIONS()
def m010_index_country_facets(db):
    """A page filtered by country (where the chart's legend and the responses
    by country lead) facets that country's statements by these columns; with
    (country, column) each facet reads one index range instead of looking up
    every row: about 70 ms -> 2.5 ms per facet for a country with 62,000 of
    a million statements (bench/bench_datasette.py)."""
    for column in ("source_kind", "body", "kind", "speaker"):
        db["statements"].create_index(["country", column], if_not_exists=True)


@MIGRATIONS()
def m011_fts_reindex_only_on_text_change(db):
    """Re-index a statement's full text only when an indexed column changes.

    sqlite-utils' update trigger fires on any UPDATE, so setting
    ``cluster_id`` after an insert, ``last_seen`` on an unchanged record or
    ``digest_id`` when a digest goes out deleted and re-tokenised the whole
    text each time: an insert cost three FTS operations instead of one.
    """
    db.execute("DROP TRIGGER IF EXISTS statements_au")
    db.execute(
        "CREATE TRIGGER statements_au AFTER UPDATE OF title, text, speaker ON statements BEGIN\n"
        "  INSERT INTO statements_fts (statements_fts, rowid, title, text, speaker)"
        " VALUES ('delete', old.rowid, old.title, old.text, old.speaker);\n"
        "  INSERT INTO statements_fts (rowid, title, text, speaker)"
        " VALUES (new.rowid, new.title, new.text, new.speaker);\n"
        "END"
    )


@MIGRATIONS()
def m012_statement_host_country(db):
    """The country an embassy spoke in (statements.host_country), beside
    ``country`` (the body's own: CN for a PRC embassy), indexed because
    "what China said in Chile" is a facet and a filter."""
    db["statements"].add_column("host_country", str)
    db["statements"].create_index(["host_country"], if_not_exists=True)


@MIGRATIONS()
def m013_speaker_as_written(db):
    """The speaker's name as the source wrote it ("汪文斌"), beside ``speaker``,
    which the normalize pipeline now sets to the person's canonical name
    (config/speakers.yml: "Wang Wenbin"), so that one person in two scripts
    or name orders is one speaker in the facets."""
    db["statements"].add_column("speaker_as_written", str)


@MIGRATIONS()
def m014_unattributed_quotes(db):
    """Press quotes whose speaker could not be resolved with confidence
    (issue #18): never statements, kept here so that a user can review what
    precision left out (Datasette shows the table). One row per article URL
    and quote text; ``run_id`` is the run that first found it."""
    db["unattributed_quotes"].create(
        {
            "id": int,
            "source": str,
            "outlet": str,
            "url": str,
            "title": str,
            "published": str,
            "language": str,
            "text": str,
            "text_hash": str,
            "paragraph": str,
            "first_seen": str,
            "run_id": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db["unattributed_quotes"].create_index(["url", "text_hash"], unique=True, if_not_exists=True)


@MIGRATIONS()
def m015_cjk_search(db):
    """Chinese, Japanese and Korean searchable by any word (db/search.py).

    unicode61 made a whole run of CJK characters one token, so 警察 was not
    found in 海外警察拠点 nor 경찰 in 비밀경찰서. The index gets a fourth
    column, ``cjk``: the bigrams of those runs, made by ``cjk_search_text``
    in the triggers and in the view ``statements_search_text`` that the
    index reads as its content (snippet() and 'rebuild' read it: title, text
    and speaker as written, and the bigrams computed, never stored twice).
    The triggers keep m011's rule (re-index only when an indexed column
    changes). Every existing statement is indexed again here.
    """
    search.register(db.conn)
    for trigger in ("statements_ai", "statements_ad", "statements_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS statements_fts")
    db.execute("DROP VIEW IF EXISTS statements_search_text")
    db.execute(
        "CREATE VIEW statements_search_text AS SELECT id, title, text, speaker,"
        " cjk_search_text(title, text, speaker) AS cjk FROM statements"
    )
    db.execute(
        "CREATE VIRTUAL TABLE statements_fts USING fts5(title, text, speaker, cjk,"
        " tokenize = 'unicode61 remove_diacritics 2', content = 'statements_search_text', content_rowid = 'id')"
    )
    db.execute(
        "CREATE TRIGGER statements_ai AFTER INSERT ON statements BEGIN\n"
        "  INSERT INTO statements_fts (rowid, title, text, speaker, cjk)"
        " VALUES (new.id, new.title, new.text, new.speaker, cjk_search_text(new.title, new.text, new.speaker));\n"
        "END"
    )
    db.execute(
        "CREATE TRIGGER statements_ad AFTER DELETE ON statements BEGIN\n"
        "  INSERT INTO statements_fts (statements_fts, rowid, title, text, speaker, cjk)"
        " VALUES ('delete', old.id, old.title, old.text, old.speaker, cjk_search_text(old.title, old.text, old.speaker));\n"
        "END"
    )
    db.execute(
        "CREATE TRIGGER statements_au AFTER UPDATE OF title, text, speaker ON statements BEGIN\n"
        "  INSERT INTO statements_fts (statements_fts, rowid, title, text, speaker, cjk)"
        " VALUES ('delete', old.id, old.title, old.text, old.speaker, cjk_search_text(old.title, old.text, old.speaker));\n"
        "  INSERT INTO statements_fts (rowid, title, text, speaker, cjk)"
        " VALUES (new.id, new.title, new.text, new.speaker, cjk_search_text(new.title, new.text, new.speaker));\n"
        "END"
    )
    search.rebuild(db.conn)


@MIGRATIONS()
def m016_statement_topics(db):
    """A statement is stored once and tagged with every topic it is about
    (issue #15): ``statement_topics`` holds, per statement and topic, that
    topic's matched terms (JSON list) and excerpt. ``statements.topics`` is
    the same as a JSON list of names, kept by triggers on statement_topics,
    so that the statements page can facet and filter on it (Datasette's
    array facet and ``topics__arraycontains=``) without a join that would
    show a statement about two topics twice.

    Every statement stored before there were several topics was judged by
    the one topic file of the time, overseas_police_stations: each gets that
    tag with its stored matched terms and excerpt.
    """
    db["statement_topics"].create(
        {"statement_id": int, "topic": str, "matched_terms": str, "excerpt": str},
        pk=("statement_id", "topic"),
        foreign_keys=[("statement_id", "statements", "id")],
        if_not_exists=True,
    )
    db["statement_topics"].create_index(["topic", "statement_id"], if_not_exists=True)
    db["statements"].add_column("topics", str)
    refresh = ("UPDATE statements SET topics = (SELECT json_group_array(topic) FROM"
               " (SELECT topic FROM statement_topics WHERE statement_id = {row}.statement_id ORDER BY topic))"
               " WHERE id = {row}.statement_id;")
    for event, row in (("INSERT", "new"), ("UPDATE", "new"), ("DELETE", "old")):
        db.execute(f"CREATE TRIGGER IF NOT EXISTS statement_topics_{event.lower()} AFTER {event} ON statement_topics"
                   f" BEGIN {refresh.format(row=row)} END")
    db.execute(
        "INSERT OR IGNORE INTO statement_topics (statement_id, topic, matched_terms, excerpt)"
        " SELECT id, 'overseas_police_stations', COALESCE(matched_terms, '[]'), excerpt FROM statements"
    )


@MIGRATIONS()
def m017_run_topics(db):
    """The window is per source and topic (issue #15): ``run_topics`` says
    which topics a run asked its source for, and from which date. The next
    run asks each topic from the last complete run that asked for it (minus
    the overlap); a topic no run asked for yet (just added) from its own
    start date, while the others keep their incremental windows.

    Every run before there were several topics asked for the one topic of
    the time, overseas_police_stations, from the run's ``since``.
    """
    db["run_topics"].create(
        {"run_id": int, "topic": str, "since": str},
        pk=("run_id", "topic"),
        foreign_keys=[("run_id", "runs", "id")],
        if_not_exists=True,
    )
    db["run_topics"].create_index(["topic", "run_id"], if_not_exists=True)
    db.execute("INSERT OR IGNORE INTO run_topics (run_id, topic, since)"
               " SELECT id, 'overseas_police_stations', since FROM runs")


@MIGRATIONS()
def m018_subscriptions(db):
    """Who received what (issue #15): each subscriber of config/subscriptions.yml
    gets what is new for their topics exactly once on each of their channels
    (email, atom, notify).

    ``subscribers``: a subscriber's name and when stationwatch first saw it;
    statements stored before then are not news to it (``since`` in the file
    asks for an earlier start). ``subscription_deliveries``: one row per
    message sent (or feed written) to one subscriber on one channel.
    ``subscription_marks``: per subscriber and channel, each statement
    delivered and its text_hash at the time; a later text change is an
    update for that subscriber alone. The statements' own digest_id stays the
    default subscription's (the STATIONWATCH_DIGEST_* single recipient).
    """
    db["subscribers"].create({"name": str, "registered_at": str}, pk="name", if_not_exists=True)
    db["subscription_deliveries"].create(
        {"id": int, "subscriber": str, "channel": str, "created_at": str, "delivered_at": str,
         "topics": str, "statement_count": int, "update_count": int, "subject": str},
        pk="id",
        foreign_keys=[("subscriber", "subscribers", "name")],
        if_not_exists=True,
    )
    db["subscription_marks"].create(
        {"subscriber": str, "channel": str, "statement_id": int, "text_hash": str, "delivery_id": int},
        pk=("subscriber", "channel", "statement_id"),
        foreign_keys=[("statement_id", "statements", "id"), ("delivery_id", "subscription_deliveries", "id")],
        if_not_exists=True,
    )
    db["subscription_marks"].create_index(["delivery_id"], if_not_exists=True)


@MIGRATIONS()
def m019_index_statement_kinds(db):
    """Press quotes by kind (db/store.py: an official text stored looks for
    the quotes it holds among them, not among every statement)."""
    db["statements"].create_index(["source_kind", "kind"], if_not_exists=True)
