"""Faults: a crawl killed while it stores, sources that fail in every way a
server can, a changed layout, a full disk and a read-only database.

Each crawl is a real `scrapy crawl` (or `python -m stationwatch run`)
subprocess against the replay server on 127.0.0.1, with retries and
timeouts set low (tests/faults.py QUICK) so that every test ends in seconds.
The table in docs/reliability.md is written from what these tests show.
"""

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import db as database
from stationwatch import crawl
from stationwatch.digest import build_digest, render
from stationwatch.replay import Entry, ReplayServer, replay_env
from tests.faults import (HOST, JSON, QUESTIONS, QUICK, SOURCE, STATEMENTS, fault_on_searches, latest_run,
                          many_questions, messages, uk_server, wal_frames)
from stationwatch.topic import load_topics
from tests.helpers import FIXTURES, ROOT, run_scrapy, query_rows as rows


def count(db_path, sql, params=()):
    return next(iter(rows(db_path, sql, params)[0].values()))


def assert_every_statement_whole(db_path):
    """No half-written statement: each has its document, a stored version of
    it and its mention (they are written in the same transaction)."""
    assert count(db_path, "SELECT COUNT(*) FROM statements s WHERE NOT EXISTS"
                          " (SELECT 1 FROM documents d WHERE d.id = s.document_id)") == 0
    assert count(db_path, "SELECT COUNT(*) FROM statements s WHERE NOT EXISTS"
                          " (SELECT 1 FROM document_versions v WHERE v.document_id = s.document_id)") == 0
    assert count(db_path, "SELECT COUNT(*) FROM statements s WHERE NOT EXISTS"
                          " (SELECT 1 FROM mentions m WHERE m.statement_id = s.id)") == 0


def integrity(db_path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def writer_in_transaction(reader: sqlite3.Connection) -> bool:
    """True while another connection holds the write lock (a batch is being stored)."""
    try:
        reader.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    reader.execute("ROLLBACK")
    return False


# Searches a uk_parliament_questions run asks: questions tabled and answered,
# and statements, for each search term of every topic.
SEARCHES = 3 * len(load_topics(single="", names="").search_terms_for("en"))
# The Confucius Institutes search's recorded answer: two questions and their answers.
CONFUCIUS_RECORDED = 4

# SIGKILL in the middle of storing ---------------------------------------------

def test_sigkill_while_a_batch_is_being_stored_loses_nothing(tmp_path):
    db_path = tmp_path / "stationwatch.db"
    database.connect(db_path).close()
    with uk_server() as server:
        # 240 answered questions = 481 statements with the recorded statement
        # (and the 4 of the Confucius Institutes search: TOTAL);
        # batches of 160 large texts: each is several MB, more than SQLite's
        # page cache, so a batch spills into the WAL before it commits.
        many_questions(server, 240, words=2000)
        env = {**os.environ, "STATIONWATCH_DB": str(db_path), **replay_env(server.url)}
        process = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", SOURCE, "-s", "STATIONWATCH_STORE_BATCH=160"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        reader = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        committed, uncommitted_frames = set(), 0
        deadline = time.monotonic() + 60
        try:
            # Wait for a batch to be committed, then for the next one to be
            # half-way: write lock held and its pages in the WAL, uncommitted.
            while process.poll() is None and time.monotonic() < deadline:
                stored = {r for (r,) in reader.execute("SELECT record_id FROM statements")}
                if stored and writer_in_transaction(reader):
                    uncommitted_frames = wal_frames(db_path)[1]
                    if uncommitted_frames:
                        committed = stored
                        process.send_signal(signal.SIGKILL)
                        break
                time.sleep(0.005)
        finally:
            reader.close()
            process.kill()
            process.wait()
        assert process.returncode == -signal.SIGKILL
        assert committed and uncommitted_frames > 0  # the kill did land inside a transaction

        assert integrity(db_path) == "ok"
        after = {r["record_id"] for r in rows(db_path, "SELECT record_id FROM statements")}
        assert committed <= after  # everything committed before the kill is there
        assert len(after) < 481
        assert_every_statement_whole(db_path)
        assert latest_run(db_path)["status"] == "running"  # the killed run is visibly unfinished

        result = run_scrapy(SOURCE, db_path, server.url)
        assert result.returncode == 0, result.stderr[-2000:]

    killed, finished = rows(db_path, "SELECT status, finish_reason, new, unchanged FROM runs ORDER BY id")
    assert (killed["status"], killed["finish_reason"]) == ("failed", "interrupted")
    assert finished["status"] == "ok"
    total = 481 + CONFUCIUS_RECORDED
    assert (finished["new"], finished["unchanged"]) == (total - len(after), len(after))
    assert count(db_path, "SELECT COUNT(*) FROM statements") == total
    assert count(db_path, "SELECT COUNT(DISTINCT source || '/' || record_id) FROM statements") == total
    assert integrity(db_path) == "ok"
    assert_every_statement_whole(db_path)
    # The next digest lists every statement, each once.
    db = database.connect(db_path)
    try:
        digest = build_digest(db)
        all_ids = {r for (r,) in db.execute("SELECT id FROM statements").fetchall()}
    finally:
        db.close()
    assert sorted(digest.statement_ids) == sorted(all_ids)


# A source that fails -----------------------------------------------------------

FAULTS = {
    # name: (what both searches answer, extra settings, what the run's reason says)
    "500": (dict(body=b"Internal error", status=500, headers=JSON), [], "500 Internal Server Error"),
    "503 Retry-After": (dict(body=b"busy", status=503, headers={**JSON, "Retry-After": "1"}), [],
                        "503 Service Unavailable"),
    "429 Retry-After": (dict(body=b"slow down", status=429, headers={**JSON, "Retry-After": "1"}), [], "429"),
    # 21 searches (7 terms) that each hang 1 s twice: asked 24 at a time here so the
    # test takes seconds (a setting for 127.0.0.1 only).
    "timeout": (dict(body=b"{}", headers=JSON, delay=3), ["-s", "CONCURRENT_REQUESTS_PER_DOMAIN=24"],
                "took longer than 1.0 seconds"),
    "connection reset": (dict(reset=True), [], "Connection to the other side was lost"),
    "empty 200": (dict(body=b"", headers=JSON), [], "empty 200 response"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failing_source_is_retried_politely_then_recorded_as_failed(fault, db_path):
    entry, settings, reason = FAULTS[fault]
    with uk_server() as server:
        fault_on_searches(server, **entry)
        run_scrapy(SOURCE, db_path, server.url, *QUICK, *settings)
    run = latest_run(db_path)
    assert (run["status"], run["finish_reason"]) == ("failed", "finished")
    assert reason in messages(run)[0]
    assert count(db_path, "SELECT COUNT(*) FROM statements") == 0
    # Each search asked twice (RETRY_TIMES=1): retried, and no more.
    searches = {}
    for (path, _), at in zip(server.requests, server.request_times):
        if f"/{HOST}{QUESTIONS}?" in path or f"/{HOST}{STATEMENTS}?" in path:
            searches.setdefault(path, []).append(at)
    attempts = sorted({len(times) for times in searches.values()})
    if fault == "connection reset":
        # Twisted's connection pool itself re-sends a GET once when a reused
        # keep-alive connection drops: 2 or 3 attempts, never more.
        assert len(searches) == SEARCHES and attempts[0] >= 2 and attempts[-1] <= 3
    else:
        assert len(searches) == SEARCHES and attempts == [2]
    if "Retry-After" in fault:
        # The retry waited what the site asked (1 s), not the 0.05 s replay backoff.
        assert all(times[1] - times[0] >= 0.95 for times in searches.values())
    (health,) = build_digest(database.connect(db_path)).health
    assert health.problem and health.label.startswith("FAILED: ") and reason in health.label


def test_a_retry_after_longer_than_the_cap_is_not_waited_for(db_path):
    with uk_server() as server:
        fault_on_searches(server, body=b"come back tomorrow", status=429, headers={**JSON, "Retry-After": "3600"})
        run_scrapy(SOURCE, db_path, server.url, *QUICK)
    run = latest_run(db_path)
    assert run["status"] == "failed"
    assert "Retry-After 3600s (over our 2s cap)" in messages(run)[0]
    searched = [path for path, _ in server.requests if f"{QUESTIONS}?" in path or f"{STATEMENTS}?" in path]
    assert len(searched) == len(set(searched)) == SEARCHES  # asked once each: no retry an hour early


def test_one_source_failing_leaves_the_others_alone_and_the_digest_names_it(tmp_path):
    db_path = tmp_path / "stationwatch.db"
    with uk_server(also=("ireland_gov",)) as server:
        fault_on_searches(server, body=b"busy", status=503, headers=JSON)
        runs = crawl.crawl_all(str(db_path), spiders=[SOURCE, "ireland_gov"], timeout=60,
                               env=replay_env(server.url),
                               args=["-s", "RETRY_TIMES=1"], log_dir=tmp_path / "logs")
    by_spider = {r["spider"]: r for r in runs}
    assert by_spider[SOURCE]["status"] == "failed"
    assert by_spider["ireland_gov"]["status"] == "ok" and by_spider["ireland_gov"]["new"] >= 1
    assert crawl.any_failed(runs)  # `python -m stationwatch run` exits 1
    assert "1 failed: uk_parliament_questions" in crawl.format_summary(runs)
    db = database.connect(db_path)
    try:
        text = render(build_digest(db)).text
        assert count(db_path, "SELECT COUNT(*) FROM statements WHERE source = 'ireland_gov'") >= 1
    finally:
        db.close()
    failed_line = next(line for line in text.splitlines() if SOURCE in line)
    assert "FAILED: Gave up retrying" in failed_line and "503 Service Unavailable" in failed_line
    assert any("ireland_gov" in line and "ok: " in line for line in text.splitlines())


# A changed layout ---------------------------------------------------------------

def test_changed_json_shape_is_layout_changed_not_no_new(db_path):
    with uk_server() as server:
        for path in (QUESTIONS, STATEMENTS):
            server.add(Entry("https", HOST, path, [("skip", "0")], b'{"totalResults": 1, "items": []}', headers=JSON))
        run_scrapy(SOURCE, db_path, server.url, *QUICK)
    run = latest_run(db_path)
    assert run["status"] == "layout_changed"
    assert messages(run)[0].startswith("layout changed? no 'results' in the JSON at https://")
    (health,) = build_digest(database.connect(db_path)).health
    assert health.problem and health.label.startswith("layout changed?")


def test_changed_markup_on_a_listing_is_layout_changed(db_path):
    """gov.ie's DFA speeches listing with its links moved out of the
    department's path, as a redesign would: that walk reports a layout change,
    and the press-release walk still stores its statement. (The listing's
    markup is RECONSTRUCTED around real addresses: tests/fixtures/ireland_gov.)"""
    speeches = "https://www.gov.ie/en/department-of-foreign-affairs/speeches/"
    listing = (FIXTURES / "ireland_gov" / "govie-2025_listing_dfa_speeches.RECONSTRUCTED.html").read_bytes()
    assert b'href="/en/department-of-foreign-affairs/speeches/' in listing
    changed = listing.replace(b'href="/en/department-of-foreign-affairs/speeches/', b'href="/en/remarks/')
    with ReplayServer(manifests=[FIXTURES / "ireland_gov" / "replay.yml"]) as server:
        server.replace(speeches, changed, headers={"Content-Type": "text/html; charset=utf-8"})
        run_scrapy("ireland_gov", db_path, server.url, *QUICK)
    run = latest_run(db_path)
    assert run["status"] == "layout_changed"
    assert [m for m in messages(run) if m.startswith("layout changed?")] == [
        f"layout changed? a listing without release links at {speeches}"]
    assert run["new"] == 1  # what still parsed is kept


# Disk full, read-only database -------------------------------------------------

SITECUSTOMIZE = '''
# Test harness: every SQLite connection of this process may grow the
# database file to STATIONWATCH_TEST_MAX_PAGES pages, as a full disk would.
import os
import sqlite3

_connect = sqlite3.connect


def _limited(*args, **kwargs):
    connection = _connect(*args, **kwargs)
    connection.execute("PRAGMA max_page_count = %d" % int(os.environ["STATIONWATCH_TEST_MAX_PAGES"]))
    return connection


sqlite3.connect = _limited
'''


def stationwatch_run(db_path, *args, env=None, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-m", "stationwatch", "run", "--spider", SOURCE,
                           "--db", str(db_path), "--timeout", "60", *args],
                          cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)


def test_disk_full_is_a_clear_failure_and_nothing_is_half_written(tmp_path):
    db_path = tmp_path / "stationwatch.db"
    harness = tmp_path / "disk_full"
    harness.mkdir()
    (harness / "sitecustomize.py").write_text(SITECUSTOMIZE)
    with uk_server() as server:
        replay = replay_env(server.url)
        assert stationwatch_run(db_path, env=replay).returncode == 0  # one statement stored
        before = rows(db_path, "SELECT id, record_id, text_hash FROM statements")
        many_questions(server, 120, words=300)
        pages = count(db_path, "SELECT page_count FROM pragma_page_count()")
        full = stationwatch_run(db_path, env={**replay, "PYTHONPATH": str(harness),
                                              "STATIONWATCH_TEST_MAX_PAGES": str(pages + 30)})
        assert full.returncode != 0
        assert "database or disk is full" in full.stdout + full.stderr
        assert integrity(db_path) == "ok"
        assert rows(db_path, "SELECT id, record_id, text_hash FROM statements") == before  # nothing half-written
        assert_every_statement_whole(db_path)
        failed = latest_run(db_path)
        assert failed["status"] == "failed"  # not a success: the next run asks from the same date
        assert any("database or disk is full" in m for m in messages(failed))

        again = stationwatch_run(db_path, env=replay)  # space again
        assert again.returncode == 0, again.stdout + again.stderr
    assert count(db_path, "SELECT COUNT(*) FROM statements") == 1 + 2 * 120 + CONFUCIUS_RECORDED
    assert count(db_path, "SELECT COUNT(DISTINCT record_id) FROM statements") == 1 + 2 * 120 + CONFUCIUS_RECORDED


def _without_write_permission_override():
    """Root ignores file modes: drop CAP_DAC_OVERRIDE for the child, as an
    ordinary user running the crawl would be."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file modes cannot make the database read-only")
    return ["setpriv", "--bounding-set=-dac_override"]


def test_read_only_database_is_a_clear_error_and_nothing_is_written(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db_path = folder / "stationwatch.db"
    with uk_server() as server:
        replay = replay_env(server.url)
        assert stationwatch_run(db_path, env=replay).returncode == 0
        db = database.connect(db_path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        for leftover in folder.glob("stationwatch.db-*"):
            leftover.unlink()
        before = hashlib.sha256(db_path.read_bytes()).hexdigest()
        files = sorted(p.name for p in folder.iterdir())
        db_path.chmod(0o444)
        folder.chmod(0o555)
        try:
            result = stationwatch_run(db_path, env=replay, prefix=_without_write_permission_override())
        finally:
            folder.chmod(0o755)
            db_path.chmod(0o644)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"stationwatch: cannot write to the database {db_path}: "
                                     "attempt to write a readonly database")
    assert "Traceback" not in result.stderr
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in folder.iterdir()) == files  # no -wal, no -shm, nothing new
