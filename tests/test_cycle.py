"""The concurrent cycle: sources crawled a few at a time, each in its own
`scrapy crawl` process against the replay server on 127.0.0.1, spiders of
one host one after the other, and the progress lines a log or cron sees.

Only the stable spiders are replayed (uk_parliament_questions, uk_hansard,
govuk); every crawl is bounded by its time limit.
"""

import io
import threading
import time

import pytest

import db as database
from db import cycles as cycles_sql
from stationwatch import crawl
from stationwatch.progress import Progress, finished_line
from stationwatch.replay import Entry, ReplayServer, replay_env
from tests.helpers import FIXTURES, query_rows as rows

SOURCES = ["govuk", "uk_hansard", "uk_parliament_questions"]
# Compared between a sequential and a concurrent crawl: everything but ids,
# timestamps and the run a row came from.
STATEMENT_FIELDS = ("source", "kind", "url", "record_id", "title", "published", "speaker", "text_hash", "excerpt")
RUN_FIELDS = ("spider", "status", "pages", "records", "items", "new", "updated", "unchanged", "duplicates", "errors")


@pytest.fixture
def replay():
    """The three sources' recordings, each answer half a second late: a run
    lasts several seconds, so runs that overlap show it in `runs` timestamps
    (whole seconds)."""
    with ReplayServer(manifests=[FIXTURES / s / "replay.yml" for s in SOURCES]) as server:
        for entry in server.entries:
            entry.delay = 0.5
        yield server


def stored(db_path) -> list[tuple]:
    return sorted(tuple(r[f] for f in STATEMENT_FIELDS) for r in rows(db_path, "SELECT * FROM statements"))


def crawl_quietly(db_path, replay, jobs, **kwargs):
    """crawl_all with its progress lines kept; returns (runs, lines)."""
    out = io.StringIO()
    runs = crawl.crawl_all(str(db_path), spiders=kwargs.pop("spiders", SOURCES), env=replay_env(replay.url),
                           timeout=kwargs.pop("timeout", 120), jobs=jobs,
                           progress=Progress(total=3, stream=out), **kwargs)
    return runs, out.getvalue().splitlines()


def overlap(a: dict, b: dict) -> bool:
    """Did two runs run at the same time (by their recorded start and finish)?"""
    return a["started_at"] < b["finished_at"] and b["started_at"] < a["finished_at"]


def test_a_concurrent_cycle_stores_what_a_sequential_one_does(tmp_path, replay):
    sequential, _ = crawl_quietly(tmp_path / "one.db", replay, jobs=1)
    concurrent, lines = crawl_quietly(tmp_path / "three.db", replay, jobs=3)
    assert [tuple(r[f] for f in RUN_FIELDS) for r in concurrent] == [tuple(r[f] for f in RUN_FIELDS) for r in sequential]
    assert [r["spider"] for r in concurrent] == SOURCES  # by spider, whatever finished first
    assert {r["status"] for r in concurrent} <= {"ok", "no_new"}
    assert stored(tmp_path / "three.db") == stored(tmp_path / "one.db")
    assert len(stored(tmp_path / "three.db")) >= 5
    # They did run at once (three processes writing one SQLite file), and
    # one after the other when jobs=1.
    assert all(overlap(a, b) for a in concurrent for b in concurrent if a is not b)
    assert not any(overlap(a, b) for a in sequential for b in sequential if a is not b)
    # The plain progress lines: each source started and done, with its counts from `runs`.
    assert sorted(line for line in lines if line.startswith("start ")) == [f"start {s}" for s in SOURCES]
    assert sorted(line for line in lines if line.startswith("done ")) == [
        f"done {r['spider']} {r['status']} pages={r['pages']} new={r['new']}" for r in concurrent]
    assert not any("\x1b" in line for line in lines)  # not a terminal: no cursor movement


def test_spiders_of_one_host_never_run_at_the_same_time(tmp_path, replay):
    # Declared as one host here (their real hosts differ); govuk is another.
    shared = {"uk_hansard": ["parliament.uk"], "uk_parliament_questions": ["api.parliament.uk"]}
    runs, _ = crawl_quietly(tmp_path / "s.db", replay, jobs=3, domains=shared)
    by_spider = {r["spider"]: r for r in runs}
    assert set(by_spider) == set(SOURCES)
    assert not overlap(by_spider["uk_hansard"], by_spider["uk_parliament_questions"])
    # ... while the other host's source ran beside them.
    assert overlap(by_spider["govuk"], by_spider["uk_hansard"]) or \
        overlap(by_spider["govuk"], by_spider["uk_parliament_questions"])


def test_a_hanging_source_is_stopped_by_its_time_limit_while_another_completes(tmp_path, replay):
    # The statements search never answers in time.
    replay.add(Entry("https", "questions-statements-api.parliament.uk", "/api/writtenstatements/statements",
                     [("skip", "0")], b"{}", headers={"Content-Type": "application/json"}, delay=60))
    for entry in replay.entries[1:]:
        entry.delay = 0  # only the hanging answer is late
    runs, lines = crawl_quietly(tmp_path / "s.db", replay, jobs=2, timeout=15,
                                spiders=["uk_parliament_questions", "uk_hansard"])
    hung, other = runs[1], runs[0]
    assert other["status"] == "ok", other["error_messages"]
    assert (hung["spider"], hung["status"]) == ("uk_parliament_questions", "failed")
    assert "timed out after 15s and was stopped" in hung["error_messages"]
    assert (other["spider"], other["status"]) == ("uk_hansard", "ok")
    assert other["new"] > 0
    assert {r["source"] for r in rows(tmp_path / "s.db", "SELECT source FROM statements")} == {"uk_hansard"}
    assert any(line.startswith("failed uk_parliament_questions failed pages=") and
               line.endswith(": timed out after 15s and was stopped") for line in lines)
    assert f"done uk_hansard ok pages={other['pages']} new={other['new']}" in lines


def test_sources_sharing_a_host_are_one_group():
    domains = {"ireland_gov": ["gov.ie"], "canada_news": ["canada.ca", "rcmp-grc.gc.ca"],
               "dfa": ["www.gov.ie"], "rcmp": ["www.rcmp-grc.gc.ca"], "press_feeds": [],
               "canada_commons": ["api.openparliament.ca"]}
    assert crawl.group_by_host(domains) == [["ireland_gov", "dfa"], ["canada_news", "rcmp"], ["press_feeds"],
                                            ["canada_commons"]]
    # A spider joining two groups makes them one.
    assert crawl.group_by_host({"a": ["x.org"], "b": ["y.org"], "c": ["x.org", "y.org"]}) == [["a", "b", "c"]]


def test_no_two_groups_of_the_project_spiders_share_a_host():
    names = crawl.spider_names()
    domains = crawl.spider_domains(names)
    groups = crawl.group_by_host(domains)
    assert sorted(s for g in groups for s in g) == names
    hosts = [{d for s in g for d in domains[s]} for g in groups]
    for i, mine in enumerate(hosts):
        for theirs in hosts[i + 1:]:
            assert not any(crawl._same_host(a, b) for a in mine for b in theirs)


def test_finished_lines_name_failures_with_their_reason():
    assert finished_line("uk_hansard", {"status": "ok", "pages": 12, "new": 3}) == \
        ("done uk_hansard ok pages=12 new=3", False)
    failed = {"status": "failed", "pages": 0, "new": None, "error_messages": '["timed out after 8s and was stopped"]'}
    assert finished_line("us_doj", failed) == ("failed us_doj failed pages=0 new=0: timed out after 8s and was stopped", True)
    assert finished_line("gone", None) == ("failed gone (no run recorded)", True)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_a_footer_of_running_sources_that_is_redrawn():
    out = Terminal()
    progress = Progress(total=3, stream=out)
    assert progress.live
    progress.source_started("uk_hansard")
    progress._draw_footer()
    footer = out.getvalue().splitlines()[-2:]
    assert footer[0].startswith("-- 0/3 done (0 failed), 1 running, 2 waiting,")
    assert footer[1].split()[:2] == ["running", "uk_hansard"]
    progress.source_finished("uk_hansard", {"status": "ok", "pages": 7, "new": 5})
    # The old footer is erased (cursor up 2, clear), the line written, the footer drawn again.
    erased, redrawn = out.getvalue().rsplit("\x1b[2F\x1b[J", 1)
    assert redrawn.splitlines()[0] == "done uk_hansard ok pages=7 new=5"
    assert redrawn.splitlines()[1].startswith("-- 1/3 done (0 failed), 0 running, 2 waiting,")
    assert len(redrawn.splitlines()) == 2


def test_a_store_batch_holds_the_write_lock_so_a_concurrent_writer_waits(tmp_path):
    """The order that made `make demo --jobs 2` fail with 'database is locked':
    a batch reads, another process commits, the batch then writes. With a
    deferred BEGIN the batch's write fails at once (SQLITE_BUSY_SNAPSHOT);
    with BEGIN IMMEDIATE the other writer waits on its busy timeout."""
    path = tmp_path / "s.db"
    batch = database.connect(path)
    other_done = threading.Event()

    def other_write():
        other = database.connect(path)
        try:
            cycles_sql.start_cycle(other, None)
            other_done.set()
        finally:
            other.close()

    try:
        with database.write_transaction(batch):
            batch.execute("SELECT count(*) FROM statements").fetchall()
            writer = threading.Thread(target=other_write)
            writer.start()
            time.sleep(0.3)
            assert not other_done.is_set()  # waiting for the batch's lock
            cycles_sql.start_cycle(batch, None)
        writer.join(timeout=10)
        assert other_done.is_set()
        assert batch.execute("SELECT count(*) FROM cycles").fetchone()[0] == 2
    finally:
        batch.close()


def test_a_failed_store_batch_leaves_nothing_behind(tmp_path):
    db = database.connect(tmp_path / "s.db")
    try:
        with pytest.raises(ZeroDivisionError):
            with database.write_transaction(db):
                cycles_sql.start_cycle(db, None)
                1 / 0
        assert not db.conn.in_transaction
        assert db.execute("SELECT count(*) FROM cycles").fetchone()[0] == 0
    finally:
        db.close()


def test_a_source_stores_everything_while_another_process_writes(tmp_path, replay):
    """Another source storing at the same time, made dense: a writer that
    commits small transactions to the same file in a tight loop."""
    stop, written = threading.Event(), []

    def other_writer():
        db = database.connect(tmp_path / "s.db")
        try:
            while not stop.is_set():
                written.append(cycles_sql.start_cycle(db, None))  # one autocommitted write
                time.sleep(0.002)
        finally:
            db.close()

    database.connect(tmp_path / "s.db").close()
    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        runs, _ = crawl_quietly(tmp_path / "s.db", replay, jobs=1, spiders=["uk_hansard"],
                                args=["-s", "STATIONWATCH_STORE_BATCH=1"])
    finally:
        stop.set()
        writer.join()
    (run,) = runs
    assert len(written) > 100  # the other writer did write throughout
    assert run["status"] == "ok", run["error_messages"]
    assert run["new"] == len(rows(tmp_path / "s.db", "SELECT id FROM statements")) >= 5
