"""Datasette over the stationwatch database, as `make serve` configures it
(stationwatch/serve.py: db/metadata.yml, web/ templates and plugin), through
Datasette's own test client.

The database is written the way a crawl writes it (db.store.StatementStore,
db.runs); the statements are made up for the test, not recorded.
"""

import asyncio
import datetime as dt
import hashlib
import json
import re
import subprocess
import sys
import time

import pytest

import db as database
from db import runs as run_records
from db.store import StatementStore
from stationwatch import serve
from tests.helpers import ROOT, datasette_get as get

TODAY = dt.date.today()
QUESTION_TEXT = ("Written statement: the Home Office has assessed reports of Chinese overseas police "
                 "service stations in Qingtian and Fuzhou networks operating in the UK.")


def days_ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def candidate(**fields) -> dict:
    """A normalised, relevant candidate, as the pipelines hand it to the store."""
    item = {
        "source": "uk_parliament_questions", "source_kind": "parliament", "country": "GB",
        "body": "Home Office", "kind": "written_statement", "speaker": "Tom Tugendhat",
        "speaker_role": "Minister of State for Security", "language": "en", "raw_type": "json",
        "matched_terms": ["overseas police service stations"], "published": days_ago(3),
    }
    item.update(fields)
    item.setdefault("url", f"https://example.org/{item['source']}/{item['record_id']}")
    item.setdefault("fetch_url", item["url"])
    item.setdefault("title", f"Statement {item['record_id']}")
    item.setdefault("excerpt", item["text"][:160])
    item["text_hash"] = hashlib.sha256(item["text"].encode()).hexdigest()
    item.setdefault("raw", json.dumps({"text": item["text"]}))
    item.setdefault("topics", [{"topic": "overseas_police_stations", "matched_terms": item["matched_terms"],
                                "excerpt": item["excerpt"]}])
    return item


SAMPLE = [
    candidate(record_id="HCWS1", title="Chinese 'Overseas Police Service Stations'", text=QUESTION_TEXT),
    candidate(source="nl_government", source_kind="ministry", country="NL", body="Ministerie van Buitenlandse Zaken",
              kind="press_release", speaker=None, speaker_role=None, record_id="nl-1", published=days_ago(10),
              language="nl", text="Het kabinet heeft de Chinese ambassadeur ontboden over politiebureaus in Rotterdam "
                                  "en Amsterdam; de stations zijn gesloten."),
    # The Home Office line quoted word for word by a newspaper: one statement, two mentions.
    candidate(source="irish_times", source_kind="press", country="IE", body="The Irish Times", kind="article",
              speaker=None, record_id="it-7", published=days_ago(2), text=QUESTION_TEXT),
    candidate(source="us_doj", source_kind="prosecutor", country="US", body="Department of Justice",
              kind="press_release", speaker=None, record_id="doj-2023", published=days_ago(400),
              text="Two men arrested for conspiring to act as agents of the PRC at an undeclared police "
                   "station in Manhattan, New York."),
    # Scraped text is untrusted: it must come out escaped and unlinked.
    candidate(source="hostile_press", source_kind="press", country="CA", body="Example Daily", kind="article",
              speaker=None, record_id="x-1", published=days_ago(5), url="javascript:alert(1)",
              title="<script>alert('title')</script>",
              text="'; DROP TABLE statements; -- overseas police station <img src=x onerror=alert(2)>"),
]
# A changed text for the Dutch release: an update, with its old text kept.
UPDATED_NL = dict(SAMPLE[1], text=SAMPLE[1]["text"] + " Update: het onderzoek loopt.",
                  text_hash=hashlib.sha256((SAMPLE[1]["text"] + " Update: het onderzoek loopt.").encode()).hexdigest())


def record_run(db, spider: str, status: str, new: int = 0, errors: list[str] = ()) -> None:
    run_id = run_records.start_run(db, spider, "2022-09-01")
    summary = {"status": status, "finish_reason": "finished", "pages": 3, "bytes": 1000, "records": 2,
               "items": new, "new": new, "updated": 0, "unchanged": 0, "duplicates": 0, "dropped": 0,
               "errors": len(errors)}
    run_records.finish_run(db, run_id, summary, {}, list(errors))


def build_sample_database(path) -> dict:
    """The sample statements and runs in a fresh database; returns their outcomes."""
    conn = database.connect(path)
    try:
        store = StatementStore(conn)
        with conn.atomic():
            outcomes = [store.save(item) for item in SAMPLE]
        with conn.atomic():
            outcomes.append(store.save(UPDATED_NL))
        record_run(conn, "uk_parliament_questions", "ok", new=1)
        record_run(conn, "nl_government", "ok", new=1)
        time.sleep(1.1)  # started_at has one-second resolution: the next runs are later
        record_run(conn, "nl_government", "layout_changed", errors=["layout changed? no .release-body"])
        record_run(conn, "us_doj", "failed", errors=["503 Service Unavailable (Retry-After: 120)"])
    finally:
        conn.close()
    return outcomes


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("datasette") / "stationwatch.db"
    outcomes = build_sample_database(path)
    assert outcomes == ["new", "new", "duplicate", "new", "new", "updated"]
    return path


def rows(ds, path: str) -> list[dict]:
    """The rows of a table or canned query page, from its JSON."""
    page, _, query = path.partition("?")
    response = get(ds, f"{page}.json?_shape=array" + (f"&{query}" if query else ""))
    assert response.status_code == 200, response.text[:500]
    return response.json()


@pytest.fixture(scope="module")
def ds(sample_db):
    return serve.build_datasette(sample_db)


def statement_id(sample_db, source: str, record_id: str) -> int:
    conn = database.connect(sample_db)
    try:
        return conn.execute("SELECT id FROM statements WHERE source = ? AND record_id = ?",
                            [source, record_id]).fetchone()[0]
    finally:
        conn.close()


def test_latest_statements_default_30_days_newest_first(ds):
    result = rows(ds, "/stationwatch/latest_statements")
    assert [(r["country"], r["published"]) for r in result] == [
        ("GB", days_ago(3)), ("CA", days_ago(5)), ("NL", days_ago(10))]
    assert result[0]["url"] == "https://example.org/uk_parliament_questions/HCWS1"


def test_latest_statements_days_parameter(ds):
    assert [r["country"] for r in rows(ds, "/stationwatch/latest_statements?days=7")] == ["GB", "CA"]
    assert [r["country"] for r in rows(ds, "/stationwatch/latest_statements?days=1000")] == ["GB", "CA", "NL", "US"]
    # Not a number: printf('%d') makes it 0 days, not an SQL error.
    assert rows(ds, "/stationwatch/latest_statements?days=1;drop table statements") == []


def test_responses_by_country(ds):
    result = rows(ds, "/stationwatch/responses_by_country")
    by_country = {r["country"]: r for r in result}
    assert set(by_country) == {"GB", "NL", "US", "CA"}  # the Irish quote is a mention of the GB statement
    assert by_country["GB"]["statements"] == 1 and by_country["GB"]["official"] == 1
    assert by_country["CA"]["press"] == 1 and by_country["CA"]["official"] == 0
    assert by_country["US"]["first"] == days_ago(400)
    since = rows(ds, f"/stationwatch/responses_by_country?since={days_ago(30)}")
    assert sorted(r["country"] for r in since) == ["CA", "GB", "NL"]


def test_timeline_per_month_and_country(ds):
    result = rows(ds, "/stationwatch/timeline")
    expected = {}
    for published, country in [(days_ago(3), "GB"), (days_ago(10), "NL"), (days_ago(400), "US"), (days_ago(5), "CA")]:
        expected[(published[:7], country)] = expected.get((published[:7], country), 0) + 1
    assert {(r["month"], r["country"]): r["statements"] for r in result} == expected
    assert [r["month"] for r in result] == sorted(r["month"] for r in result)
    assert [r["country"] for r in rows(ds, "/stationwatch/timeline?country=us")] == ["US"]


def test_cluster_with_all_its_mentions(ds, sample_db):
    cluster_id = statement_id(sample_db, "uk_parliament_questions", "HCWS1")
    result = rows(ds, f"/stationwatch/cluster?cluster_id={cluster_id}")
    assert [(r["statement_id"], r["mentioned_by"]) for r in result] == [
        (cluster_id, "uk_parliament_questions"), (cluster_id, "irish_times")]
    assert result[1]["url"] == "https://example.org/irish_times/it-7"
    assert rows(ds, "/stationwatch/cluster?cluster_id=999999") == []


def test_updates_show_previous_and_current_text(ds):
    result = rows(ds, "/stationwatch/updates")
    assert len(result) == 1
    assert result[0]["country"] == "NL"
    assert result[0]["previous_text"] == SAMPLE[1]["text"]
    assert result[0]["current_text"].endswith("Update: het onderzoek loopt.")
    assert len(rows(ds, "/stationwatch/updates?days=0")) == 1  # 0 days: since today's midnight (UTC)


def test_source_health_last_run_per_source_failures_first(ds):
    result = rows(ds, "/stationwatch/source_health")
    assert [(r["spider"], r["status"]) for r in result] == [
        ("nl_government", "layout_changed"), ("us_doj", "failed"), ("uk_parliament_questions", "ok")]
    nl = result[0]
    assert json.loads(nl["error_messages"]) == ["layout changed? no .release-body"]
    assert nl["last_success"] is not None and nl["last_success"] < nl["started_at"]
    assert result[1]["last_success"] is None
    assert [r["status"] for r in rows(ds, "/stationwatch/source_health?spider=us_doj")] == ["failed"]


def test_search_parameter(ds):
    result = rows(ds, "/stationwatch/search?q=qingtian")
    assert [r["country"] for r in result] == ["GB"]
    assert "[Qingtian]" in result[0]["snippet"]
    assert [r["country"] for r in rows(ds, "/stationwatch/search?q=rotterdam")] == ["NL"]
    # FTS operators and stray quotes are taken literally, not as syntax.
    assert rows(ds, '/stationwatch/search?q=police" OR') == []
    assert rows(ds, "/stationwatch/search?q=") == []
    assert rows(ds, "/stationwatch/search?q=DROP TABLE statements")[0]["country"] == "CA"


def test_statements_table_newest_first_with_default_facets_and_search(ds):
    response = get(ds, "/stationwatch/statements.json?_shape=objects")
    data = response.json()
    assert [r["published"] for r in data["rows"]] == sorted((r["published"] for r in data["rows"]), reverse=True)
    assert set(data["facet_results"]) == {"country", "source_kind", "body", "kind", "speaker", "topics"}
    assert {f["value"]: f["count"] for f in data["facet_results"]["country"]["results"]} == {
        "GB": 1, "NL": 1, "US": 1, "CA": 1}
    assert data["suggested_facets"] == []  # suggest_facets off (bench/bench_datasette.py)
    searched = get(ds, "/stationwatch/statements.json?_shape=objects&_search=manhattan").json()
    assert [r["country"] for r in searched["rows"]] == ["US"]


@pytest.mark.parametrize("query", ["", "&_search=police", "&_search=police&country=US", "&source_kind=press"])
def test_statement_facets_match_datasettes_own_column_facets(ds, query):
    """The five default facets (web/plugins/stationwatch_facets.py: one query
    on a search, one per column otherwise) give what Datasette's own column
    facet gives for the same page: values, counts, order, links, selection."""
    columns = ["country", "source_kind", "body", "kind", "speaker"]
    own = "".join(f"&_facet={column}" for column in columns)
    data = get(ds, f"/stationwatch/statements.json?_facet_size=2{query}{own}").json()
    facets = data["facet_results"]
    assert not data.get("facets_timed_out")
    for column in columns:
        ours, datasettes = facets[column], facets[f"{column}_2"]  # Datasette's own, named after ours
        assert ours["type"] == datasettes["type"] == "column"
        assert ours["truncated"] == datasettes["truncated"]
        assert ours["results"] == datasettes["results"], column
        assert ours["hideable"] is False and datasettes["hideable"] is True
    assert sum(len(facets[column]["results"]) for column in columns) >= 4  # values to compare


def test_statement_facets_counted_together_only_on_a_search(ds, monkeypatch):
    """One query over the matches on a search; on any other page one query
    per column, which reads the facet indexes."""
    from db import browse

    calls = []
    real = browse.facet_counts_sql
    monkeypatch.setattr(browse, "facet_counts_sql", lambda *args: calls.append(args) or real(*args))
    for query, together in (("_search=police", True), ("_search=police&country=US", True), ("country=GB", False),
                            ("", False)):
        calls.clear()
        data = get(ds, f"/stationwatch/statements.json?{query}").json()
        assert set(data["facet_results"]) == {"country", "source_kind", "body", "kind", "speaker", "topics"}
        assert bool(calls) is together, query


def test_statement_facet_asked_for_in_the_url(ds):
    """?_facet_columns=language adds a facet counted the same way, which the
    page can hide again; a name that is not a column is ignored, not run."""
    data = get(ds, "/stationwatch/statements.json?_search=police&_facet_columns=language"
                   "&_facet_columns=nonexistent%22%20OR%201").json()
    language = data["facet_results"]["language"]
    assert {r["value"]: r["count"] for r in language["results"]} == {"en": 3}
    assert language["hideable"] and "_facet_columns=language" not in language["toggle_url"]
    assert not [name for name in data["facet_results"] if "nonexistent" in name]


def test_column_descriptions_and_licence_notes(ds):
    described = "ISO 3166 alpha-2 code of the country whose body spoke; EU for the institutions of the European Union."
    html = get(ds, "/stationwatch/statements").text
    # Folded into one <details> above the readable rows (web/templates/table.html) ...
    assert re.search(r'<details class="column-guide">\s*<summary>What the \d+ described columns mean</summary>', html)
    assert f"<dt>country</dt><dd>{described}</dd>" in html
    # ... and the headers' tooltips of the every-column table.
    table = get(ds, "/stationwatch/statements?_layout=table").text
    assert f'data-column-description="{described}"' in table
    index = get(ds, "/").text
    assert "publisher&#39;s terms" in index or "publisher's terms" in index


def test_statement_rows_link_to_source_and_archived_copy(ds, sample_db):
    gb = statement_id(sample_db, "uk_parliament_questions", "HCWS1")
    document_id = database.connect(sample_db).execute("SELECT document_id FROM statements WHERE id = ?", [gb]).fetchone()[0]
    for page in ("/stationwatch/statements", f"/stationwatch/statements/{gb}", "/stationwatch/latest_statements"):
        html = get(ds, page).text
        assert ('<a href="https://example.org/uk_parliament_questions/HCWS1" rel="nofollow noopener noreferrer">'
                in html), page
        archive = f'href="/stationwatch/document_versions?document_id={document_id}&amp;_sort_desc=fetched_at"'
        assert archive in html, page
    versions = rows(ds, f"/stationwatch/document_versions?document_id={document_id}")
    assert len(versions) == 1 and json.loads(versions[0]["raw"])["text"] == QUESTION_TEXT


def test_scraped_markup_is_escaped_and_javascript_urls_not_linked(ds):
    for page in ("/stationwatch/statements", "/stationwatch/latest_statements", "/stationwatch/search?q=drop"):
        html = get(ds, page).text
        assert "<script>alert(" not in html, page
        assert 'href="javascript:' not in html, page
        assert "<img src=x" not in html, page
    assert "&lt;script&gt;alert(" in get(ds, "/stationwatch/statements").text


def test_timeline_chart_page_draws_one_bar_per_month_and_country(ds):
    html = get(ds, "/-/timeline").text
    bars = re.findall(r'<rect class="bar"[^>]*height="([0-9.]+)"', html)
    assert len(bars) == len(rows(ds, "/stationwatch/timeline"))
    assert all(float(h) > 0 for h in bars)
    assert '<a href="/stationwatch/statements?country=US">US</a>' in html
    only_us = get(ds, "/-/timeline?country=US").text
    assert len(re.findall(r'<rect class="bar"', only_us)) == 1
    assert "No dated statements for XX yet." in get(ds, "/-/timeline?country=XX").text
    # A hostile parameter is echoed escaped.
    assert '"><svg onload' not in get(ds, '/-/timeline?country="><svg onload=alert(1)>').text


def test_timeline_chart_page_says_when_its_query_is_cut_short(sample_db):
    """A query over sql_time_limit_ms (a big archive without the timeline
    index) gives a page that says so, not a 500."""
    metadata = serve.load_metadata(sample_db)
    timeline = metadata["databases"]["stationwatch"]["queries"]["timeline"]
    # The same columns, from a query that counts to a billion first.
    timeline["sql"] = ("with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000000)"
                       " select '2023-01' as month, 'GB' as country, count(*) as statements from n"
                       " where :country = :country")
    slow = serve.build_datasette(sample_db, settings={"sql_time_limit_ms": 200}, metadata=metadata)
    response = get(slow, "/-/timeline")
    assert response.status_code == 200
    assert "took longer than this server allows" in response.text


def test_index_page_links_the_chart_and_the_canned_queries(ds):
    html = get(ds, "/").text
    assert '<a href="/-/timeline">' in html
    assert '<a href="/stationwatch/latest_statements">' in html
    # The search box leads to the ranked search page (the fast one: bench/bench_datasette.py).
    assert re.search(r'<form class="stationwatch-search" action="/stationwatch/search" method="get">', html)
    assert 'name="q"' in html
    database_page = get(ds, "/stationwatch").text
    for name in ("latest_statements", "responses_by_country", "timeline", "cluster", "updates", "source_health",
                 "search"):
        assert f'href="/stationwatch/{name}"' in database_page


def test_metadata_follows_the_served_file_name(tmp_path):
    demo = tmp_path / "demo.db"
    build_sample_database(demo)
    ds = serve.build_datasette(demo)
    assert [r["country"] for r in rows(ds, "/demo/search?q=qingtian")] == ["GB"]
    assert "/demo/statements?country=GB" in get(ds, "/-/timeline").text


def test_default_instance_allows_sql_public_one_does_not(sample_db, ds):
    assert get(ds, "/stationwatch.json?sql=select+count(*)+from+statements").status_code == 200
    public = serve.build_datasette(sample_db, public=True)
    assert get(public, "/stationwatch.json?sql=select+count(*)+from+statements").status_code == 403
    assert get(public, "/stationwatch/statements.json?_where=1").status_code == 403
    assert get(public, "/stationwatch.db").status_code == 403  # no whole-file download
    # What a public instance is for still works.
    assert [r["country"] for r in rows(public, "/stationwatch/search?q=qingtian")] == ["GB"]
    assert get(public, "/stationwatch/statements?_search=manhattan").status_code == 200
    assert get(public, "/-/timeline").status_code == 200
    # Who is subscribed is not the public's business; the operator's instance shows it.
    for table in ("subscribers", "subscription_deliveries", "subscription_marks"):
        assert get(public, f"/stationwatch/{table}").status_code == 403
        assert get(ds, f"/stationwatch/{table}").status_code == 200
    assert "subscribers" not in get(public, "/stationwatch").text


def test_serve_listens_on_loopback_by_default(sample_db):
    command = serve.datasette_command(sample_db, "metadata.json", "127.0.0.1", 8001)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    settings = command[command.index("--setting"):]
    assert settings == ["--setting", "suggest_facets", "off", "--setting", "truncate_cells_html", "300"]
    from stationwatch.cli import build_parser

    args = build_parser().parse_args(["serve", "--db", "data/demo.db"])
    assert args.host is None and args.port is None  # serve() fills 127.0.0.1:8001 from settings


# --- Reading while a crawl writes -------------------------------------------------

WRITER_BATCHES, WRITER_BATCH_SIZE = 25, 20


def write_statements(path: str, batches: int, batch_size: int) -> None:
    """Run in a child process: what the store pipeline does during a crawl,
    each batch one transaction, held open a little as a slow batch would be."""
    import random

    conn = database.connect(path)
    store = StatementStore(conn)
    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(5000)]
    for b in range(batches):
        with conn.atomic():
            for i in range(batch_size):
                n = b * batch_size + i
                store.save(candidate(source="writer", record_id=f"w-{n}", country="DE", body="Bundestag",
                                     text=f"police station {n} " + " ".join(rng.sample(vocabulary, 40))))
            time.sleep(0.05)
    conn.close()


def test_datasette_reads_while_a_crawl_writes(sample_db, tmp_path):
    path = tmp_path / "stationwatch.db"
    build_sample_database(path)
    ds = serve.build_datasette(path)
    pages = ["/stationwatch/statements.json?_shape=objects", "/stationwatch/latest_statements.json",
             "/stationwatch/statements.json?_search=police", "/-/timeline", "/stationwatch/source_health.json",
             "/stationwatch/statements.json?country=DE"]
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys; from tests.test_datasette import write_statements; "
                               f"write_statements(sys.argv[1], {WRITER_BATCHES}, {WRITER_BATCH_SIZE})", str(path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )

    async def read_until_writer_exits():
        await ds.invoke_startup()
        statuses, counts, reads_during_write = [], [], 0
        for n in range(2000):  # bounded: the writer needs ~2 s
            if writer.poll() is not None:
                break
            response = await ds.client.get(pages[n % len(pages)])
            statuses.append((pages[n % len(pages)], response.status_code, response.text[:200]))
            if n % len(pages) == 0 and response.status_code == 200:
                counts.append(response.json()["filtered_table_rows_count"])
            reads_during_write += writer.poll() is None
        return statuses, counts, reads_during_write

    try:
        statuses, counts, reads_during_write = asyncio.run(read_until_writer_exits())
        _, stderr = writer.communicate(timeout=60)
    finally:
        writer.kill()
    assert writer.returncode == 0, stderr[-2000:]
    assert "locked" not in stderr
    failures = [s for s in statuses if s[1] != 200]
    assert failures == []
    assert not any("locked" in text for _, _, text in statuses)
    assert reads_during_write >= 10
    assert counts == sorted(counts)  # each read sees a committed state, never a shrinking one
    total = len(SAMPLE) - 1 + WRITER_BATCHES * WRITER_BATCH_SIZE  # the Irish quote is a mention
    final = rows(ds, "/stationwatch/statements?country=DE&_size=1000")
    assert len(final) == WRITER_BATCHES * WRITER_BATCH_SIZE
    assert get(ds, "/stationwatch/statements.json").json()["filtered_table_rows_count"] == total


def test_chart_keeps_seven_largest_countries_and_sums_the_rest_as_other():
    import importlib.util

    spec = importlib.util.spec_from_file_location("stationwatch_browse", serve.PLUGINS / "stationwatch_browse.py")
    chart = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chart)
    rows_in = [{"month": "2023-01", "country": f"C{n}", "statements": 10 - n} for n in range(10)]
    rows_in.append({"month": "2023-03", "country": "C0", "statements": 4})
    months, series = chart.build_series(rows_in)
    assert months == ["2023-01", "2023-02", "2023-03"]  # the empty month is kept as a gap
    assert [s.name for s in series] == ["C0", "C1", "C2", "C3", "C4", "C5", "C6", "other"]
    assert series[-1].total == 3 + 2 + 1 and sum(s.total for s in series) == sum(r["statements"] for r in rows_in)
    geometry = chart.chart_geometry(months, series)
    assert len(geometry["bars"]) == 9  # eight series in January, C0 in March
    assert [value for _, value in geometry["y_ticks"]] == [0, 50, 100]  # January holds 55: the axis tops at 100
    assert chart.nice_ceiling(1) == 1 and chart.nice_ceiling(3) == 5 and chart.nice_ceiling(101) == 200


def test_facet_sql_counts_several_columns_in_one_query_as_one_query_each_does():
    """db/browse.py: the one-pass facet SQL gives each column what its own
    query gives (order: count, then value), and quotes odd column names."""
    import sqlite3

    from db import browse

    conn = sqlite3.connect(":memory:")
    conn.execute('CREATE TABLE t (a TEXT, "we""ird" TEXT)')
    conn.executemany("INSERT INTO t VALUES (?, ?)",
                     [("x", "p"), ("y", "p"), ("x", None), ("z", "q"), ("y", "q"), ("x", "r")])
    rows_sql = "select * from t where rowid in (select rowid from t where rowid > ?)"
    columns = ["a", 'we"ird']
    together = conn.execute(browse.facet_counts_sql(rows_sql, columns, 2), [0]).fetchall()
    for index, column in enumerate(columns):
        alone = conn.execute(browse.facet_count_sql(rows_sql, column, 2), [0]).fetchall()
        assert [(value, count) for facet, value, count in together if facet == index] == alone
    assert conn.execute(browse.facet_count_sql(rows_sql, "a", 5), [0]).fetchall() == [("x", 3), ("y", 2), ("z", 1)]


# Several topics (#15) -------------------------------------------------------------

CONFUCIUS_TEXT = ("To ask the Scottish Government what assessment it has made of reported concerns that Confucius "
                  "Institutes may represent a threat to academic freedoms and freedom of expression.")


@pytest.fixture(scope="module")
def two_topics(tmp_path_factory):
    """The sample, a statement about the Confucius Institutes only, and the
    US release tagged with that topic too (a statement about both)."""
    path = tmp_path_factory.mktemp("topics") / "stationwatch.db"
    build_sample_database(path)
    conn = database.connect(path)
    try:
        store = StatementStore(conn)
        with conn.atomic():
            store.save(candidate(source="scottish_parliament", country="GB", body="Scottish Parliament",
                                 kind="written_question", speaker="Willie Rennie", record_id="question:S6W-07562",
                                 published=days_ago(1), text=CONFUCIUS_TEXT, matched_terms=["confucius institute"],
                                 topics=[{"topic": "confucius_institutes", "matched_terms": ["confucius institute"],
                                          "excerpt": CONFUCIUS_TEXT}]))
            (us_release,) = conn.execute("SELECT id FROM statements WHERE record_id = 'doj-2023'").fetchone()
            store.tag(us_release,
                      [{"topic": "confucius_institutes", "matched_terms": ["prc"], "excerpt": "agents of the PRC"}])
    finally:
        conn.close()
    return serve.build_datasette(path)


def test_topic_is_a_facet_and_a_filter_of_the_statements_page(two_topics):
    data = get(two_topics, "/stationwatch/statements.json?_shape=objects").json()
    counts = {f["value"]: f["count"] for f in data["facet_results"]["topics"]["results"]}
    # The Irish Times' quote is the Home Office statement again (one row): 4 statements on the stations.
    assert counts == {"overseas_police_stations": 4, "confucius_institutes": 2}
    chosen = get(two_topics, "/stationwatch/statements.json?_shape=objects"
                             "&topics__arraycontains=confucius_institutes").json()
    assert sorted(r["source"] for r in chosen["rows"]) == ["scottish_parliament", "us_doj"]
    # The facet's own link selects the topic the same way.
    (link,) = [f["toggle_url"] for f in data["facet_results"]["topics"]["results"] if f["value"] == "confucius_institutes"]
    assert "topics__arraycontains=confucius_institutes" in link
    # A statement about both is one row, listed under each.
    police = get(two_topics, "/stationwatch/statements.json?_shape=objects"
                             "&topics__arraycontains=overseas_police_stations").json()["rows"]
    assert [r["source"] for r in police].count("us_doj") == 1


def test_latest_statements_for_a_topic(two_topics):
    found = rows(two_topics, "/stationwatch/latest_statements_for_topic?topic=confucius_institutes&days=30")
    assert [(r["speaker"], json.loads(r["matched_terms"])) for r in found] == [("Willie Rennie", ["confucius institute"])]
    assert found[0]["excerpt"] == CONFUCIUS_TEXT
    older = rows(two_topics, "/stationwatch/latest_statements_for_topic?topic=confucius_institutes&days=500")
    assert [r["source"] for r in older] == ["scottish_parliament", "us_doj"]
    assert older[1]["excerpt"] == "agents of the PRC"  # this topic's excerpt, not the statement's
    assert json.loads(older[1]["topics"]) == ["confucius_institutes", "overseas_police_stations"]
    assert len(rows(two_topics, "/stationwatch/latest_statements_for_topic?topic=overseas_police_stations&days=30")) == 3
    assert rows(two_topics, "/stationwatch/latest_statements_for_topic?topic=nothing&days=30") == []


def test_statement_topics_table_is_described(two_topics):
    data = get(two_topics, "/stationwatch/statement_topics.json?_shape=objects").json()
    assert len(data["rows"]) == 6  # 4 statements on the stations, 2 on the institutes, one of them on both
    metadata = get(two_topics, "/-/metadata.json").json()
    tables = metadata["databases"]["stationwatch"]["tables"]
    assert set(tables["statement_topics"]["columns"]) == {"statement_id", "topic", "matched_terms", "excerpt"}
    assert "topics" in tables["statements"]["columns"]


def test_the_timeline_chart_draws_one_topic(two_topics):
    html = get(two_topics, "/-/timeline?topic=confucius_institutes").text
    counts = rows(two_topics, "/stationwatch/timeline?topic=confucius_institutes")
    assert sum(r["statements"] for r in counts) == 2  # Rennie's question and the US release
    assert len(re.findall(r'<rect class="bar"', html)) == len(counts)
    assert "2 statements about confucius_institutes from" in html
    assert '<option value="confucius_institutes" selected>' in html
    assert "?country=US&amp;topics__arraycontains=confucius_institutes" in html
    every = rows(two_topics, "/stationwatch/timeline")
    assert sum(r["statements"] for r in every) == 5  # 4 on the stations + Rennie's; the release once
    assert "No dated statements about nothing yet." in get(two_topics, "/-/timeline?topic=nothing").text
    assert "<b>" not in get(two_topics, "/-/timeline?topic=<b>x").text


def test_the_readable_rows_name_each_statements_topics_as_filters(two_topics):
    html = get(two_topics, "/stationwatch/statements").text
    rows_html = re.findall(r'<div class="statement-topics">(.*?)</div>', html)
    assert len(rows_html) == 5  # every statement has at least one topic
    both = [r for r in rows_html if "confucius_institutes" in r and "overseas_police_stations" in r]
    assert len(both) == 1  # the US release, one row with two topics
    assert 'href="/stationwatch/statements?topics__arraycontains=confucius_institutes"' in both[0]
