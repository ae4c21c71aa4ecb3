"""The evidence archive: the responses behind stored statements, in WARC files,
printed back byte for byte by `python -m stationwatch archive show ID`."""

import gzip
import json

import pytest

import db as database
from stationwatch.archive import ResponseArchive, read_response
from stationwatch.cli import main
from stationwatch.replay import ReplayServer
from tests.helpers import FIXTURES, run_scrapy, query_rows as query

SOURCE = "uk_parliament_questions"
MANIFEST = FIXTURES / SOURCE / "replay.yml"
STATEMENT_FILE = FIXTURES / SOURCE / "writtenstatements_statement_999000001.RECONSTRUCTED.json"
STATEMENT_URL = "https://questions-statements-api.parliament.uk/api/writtenstatements/statements/999000001"


@pytest.fixture
def server():
    with ReplayServer(manifests=[MANIFEST]) as replay:
        yield replay


def crawl(server, db_path):
    # The police-stations topic alone: one statement, one archived response
    # (the Confucius Institutes search's recordings would add theirs).
    result = run_scrapy(SOURCE, db_path, server.url, env={"STATIONWATCH_TOPICS": "overseas_police_stations"})
    assert result.returncode == 0, result.stderr[-2000:]


def show(db_path, statement_id, capsysbinary, *flags):
    code = main(["archive", "show", str(statement_id), "--db", str(db_path), *flags])
    return code, capsysbinary.readouterr()


def test_archive_show_prints_the_response_byte_for_byte(server, db_path, capsysbinary):
    crawl(server, db_path)
    (statement,) = query(db_path, "SELECT id FROM statements")
    (version,) = query(db_path, "SELECT warc_file, warc_offset, warc_length FROM document_versions")
    assert version["warc_file"].startswith("archive/uk_parliament_questions-") and version["warc_file"].endswith(".warc.gz")
    assert version["warc_offset"] == 0 and version["warc_length"] > 0

    code, out = show(db_path, statement["id"], capsysbinary)
    assert code == 0
    assert out.out == STATEMENT_FILE.read_bytes()

    code, out = show(db_path, statement["id"], capsysbinary, "--http")
    head, _, body = out.out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: application/json; charset=utf-8" in head
    assert body == STATEMENT_FILE.read_bytes()

    # One WARC for the run, holding only what made a statement (not the
    # search pages); the spool is gone.
    archive = db_path.parent / "archive"
    assert [p.name for p in archive.iterdir()] == [version["warc_file"].split("/")[1]]
    url, _, _ = read_response(db_path.parent / version["warc_file"], 0)
    assert url.startswith(STATEMENT_URL)


def test_a_changed_record_is_archived_again_an_unchanged_one_is_not(server, db_path, capsysbinary):
    crawl(server, db_path)
    crawl(server, db_path)  # nothing changed: nothing archived
    assert len(list((db_path.parent / "archive").iterdir())) == 1

    data = json.loads(STATEMENT_FILE.read_text(encoding="utf-8"))
    data["value"]["text"] += "<p>Correction: the site in Belfast was visited by police.</p>"
    changed = json.dumps(data).encode()
    server.replace(STATEMENT_URL, changed, headers={"Content-Type": "application/json"})
    crawl(server, db_path)
    versions = query(db_path, "SELECT warc_file, warc_offset FROM document_versions ORDER BY id")
    assert len(versions) == 2 and versions[0]["warc_file"] != versions[1]["warc_file"]
    (statement,) = query(db_path, "SELECT id FROM statements")
    assert show(db_path, statement["id"], capsysbinary)[1].out == changed
    # The first version is still there, at its own pointer.
    assert read_response(db_path.parent / versions[0]["warc_file"], versions[0]["warc_offset"])[2] == \
        STATEMENT_FILE.read_bytes()


def test_a_compressed_response_is_archived_as_sent(server, db_path, capsysbinary):
    compressed = gzip.compress(STATEMENT_FILE.read_bytes())
    server.replace(STATEMENT_URL, compressed,
                   headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    crawl(server, db_path)
    (statement,) = query(db_path, "SELECT id, title FROM statements")
    assert statement["title"] == "Chinese 'Overseas Police Service Stations'"  # parsed after decompression
    code, out = show(db_path, statement["id"], capsysbinary)
    assert out.out == compressed


def test_statement_without_archive(db_path, capsysbinary):
    database.connect(db_path).close()
    code, out = show(db_path, 12345, capsysbinary)
    assert code == 1 and b"no archived response" in out.err


def test_records_are_copied_from_the_spool_by_offset(tmp_path):
    archive = ResponseArchive(tmp_path, "unit")
    archive.spool("https://example.org/a", 200, [("Content-Type", "text/plain")], b"first body")
    archive.spool("https://example.org/b", 200, [("Content-Type", "text/plain")], b"second body")
    assert archive.archive("https://example.org/unknown") is None
    b = archive.archive("https://example.org/b")
    a = archive.archive("https://example.org/a")
    assert archive.archive("https://example.org/b") == b  # one record per response, however many items
    archive.close()
    assert not archive.spool_path.exists()
    assert read_response(archive.warc_path, b[1])[2] == b"second body"
    assert read_response(archive.warc_path, a[1])[0] == "https://example.org/a"
    assert a[1] == b[2]  # b was written first, a right after it
