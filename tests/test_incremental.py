"""Incremental crawling: conditional requests (a 304 is unchanged and not
parsed), searches asked from the last successful run, listings that stop
at it."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy import Request
from scrapy.http import Response

import db as database
from db import http_cache
from spiders.uk_parliament_questions import UkParliamentQuestionsSpider
from stationwatch.conditional import ConditionalRequestMiddleware, NotModified
from stationwatch.replay import ReplayServer
from tests.helpers import FIXTURES, make_spider, run_scrapy

SOURCE = "uk_parliament_questions"
MANIFEST = FIXTURES / SOURCE / "replay.yml"
STATEMENT_URL = "https://questions-statements-api.parliament.uk/api/writtenstatements/statements/999000001"


@pytest.fixture
def server():
    with ReplayServer(manifests=[MANIFEST], validators=True) as replay:
        yield replay


def crawl(server, db_path, *args):
    result = run_scrapy(SOURCE, db_path, server.url, *args)
    assert result.returncode == 0, result.stderr[-2000:]


def latest_run(db_path):
    conn = database.connect(db_path)
    try:
        run = dict(next(conn.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1")))
    finally:
        conn.close()
    run["stats"] = json.loads(run["stats"])
    return run


def test_second_crawl_of_unchanged_pages_gets_304s_and_no_bodies(server, db_path):
    crawl(server, db_path, "-a", "since=2022-09-01")
    first_bytes, first_requests = server.bytes_sent, len(server.requests)
    crawl(server, db_path, "-a", "since=2022-09-01")
    second_bytes = server.bytes_sent - first_bytes
    second = server.requests[first_requests:]
    # Every page already fetched was asked conditionally (robots.txt aside).
    asked = [headers for path, headers in second if not path.endswith("/robots.txt")]
    assert asked and all("If-None-Match" in h and "If-Modified-Since" in h for h in asked)
    assert second_bytes <= 0.1 * first_bytes, (first_bytes, second_bytes)
    run = latest_run(db_path)
    assert run["stats"]["stationwatch/not_modified"] == len(asked)
    assert run["stats"].get("item_scraped_count", 0) == 0  # nothing parsed
    assert run["unchanged"] == len(asked)
    assert run["status"] == "no_new"  # not "empty_unusual": the pages are known, only unchanged


def test_a_changed_page_is_fetched_in_full_and_updates_its_statement(server, db_path):
    crawl(server, db_path, "-a", "since=2022-09-01")
    data = json.loads((FIXTURES / SOURCE / "writtenstatements_statement_999000001.RECONSTRUCTED.json").read_text())
    data["value"]["text"] += "<p>A further update on the stations.</p>"
    server.replace(STATEMENT_URL, json.dumps(data).encode(), headers={"Content-Type": "application/json"})
    # The listing is unchanged (304), so the detail page is reached only by
    # a crawl that is told to re-read listings: the search window moved.
    crawl(server, db_path, "-a", "since=2022-09-02")
    run = latest_run(db_path)
    assert (run["new"], run["updated"]) == (0, 1)
    conn = database.connect(db_path)
    try:
        etag, _ = http_cache.validators(conn, STATEMENT_URL + "?expandMember=true")
    finally:
        conn.close()
    assert etag and etag.startswith('"')


def test_validators_are_kept_only_when_the_run_finished(server, db_path):
    # Stopped after the first item: its validators must not make the next run skip pages.
    crawl(server, db_path, "-a", "since=2022-09-01", "-s", "CLOSESPIDER_PAGECOUNT=3")
    assert latest_run(db_path)["finish_reason"] == "closespider_pagecount"
    conn = database.connect(db_path)
    try:
        assert conn.execute("SELECT COUNT(*) FROM http_cache").fetchone()[0] == 0
    finally:
        conn.close()


def _statement_searches(server, first: int = 0) -> dict[str, str]:
    """{search term: madeWhenFrom} of the written-statement searches asked."""
    searches = [parse_qs(urlsplit(path).query) for path, _ in server.requests[first:] if "/statements?" in path]
    return {q["searchTerm"][0]: q["madeWhenFrom"][0] for q in searches}


def test_search_is_asked_from_the_last_successful_run(server, db_path):
    crawl(server, db_path)
    # A first run: each topic from its start date (the police stations from
    # the spider's 2022-09-01, the Confucius Institutes from their file's
    # 2019-01-01); the run's since is the earliest.
    assert latest_run(db_path)["since"] == "2019-01-01"
    first = _statement_searches(server)
    assert first["Chinese police stations"] == "2022-09-01" and first["Confucius Institutes"] == "2019-01-01"
    asked = len(server.requests)
    crawl(server, db_path)
    run = latest_run(db_path)
    expected = (dt.date.fromisoformat(run["started_at"][:10]) - dt.timedelta(days=2)).isoformat()
    assert run["since"] == expected
    assert set(_statement_searches(server, asked).values()) == {expected}


def middleware_for(db_path):
    spider = make_spider(UkParliamentQuestionsSpider, {"STATIONWATCH_DB": str(db_path)})
    middleware = ConditionalRequestMiddleware(spider.crawler)
    middleware.spider_opened(spider)
    return spider, middleware


def test_middleware_sends_validators_and_drops_304(db_path):
    conn = database.connect(db_path)
    http_cache.save(conn, SOURCE, {"https://example.org/a": ('"abc"', "Wed, 01 Jan 2025 00:00:00 GMT", 200)})
    conn.close()
    spider, middleware = middleware_for(db_path)
    request = Request("https://example.org/a")
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.headers[b"If-Modified-Since"] == b"Wed, 01 Jan 2025 00:00:00 GMT"
    with pytest.raises(NotModified):
        middleware.process_response(request, Response("https://example.org/a", status=304, request=request))
    assert spider.crawler.stats.get_value("stationwatch/not_modified") == 1

    fresh = Request("https://example.org/b")
    middleware.process_request(fresh)
    assert b"If-None-Match" not in fresh.headers
    response = Response("https://example.org/b", status=200, headers={"ETag": '"new"'}, request=fresh)
    assert middleware.process_response(fresh, response) is response
    middleware.spider_closed(spider, "finished")
    conn = database.connect(db_path)
    assert http_cache.validators(conn, "https://example.org/b") == ('"new"', None)
    conn.close()


@pytest.mark.parametrize("published,stop", [
    ("2022-08-31", True), ("2022-09-01", False), (dt.date(2021, 1, 1), True),
    (dt.datetime(2023, 1, 1, 12), False), ("31 August 2022", False), (None, False),
])
def test_listing_walks_stop_at_the_last_successful_run(published, stop):
    spider = make_spider(UkParliamentQuestionsSpider)  # since = 2022-09-01
    assert spider.reached_since(published) is stop
