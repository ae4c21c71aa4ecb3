"""us_doj against recorded and reconstructed justice.gov API responses."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from spiders.us_doj import UsDojSpider, release_date
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for
from stationwatch.topic import load_topics

SOURCE = "us_doj"
API = "https://www.justice.gov/api/v1/press_releases.json"
PAGE = "press_releases_title-overseas-police-station.RECONSTRUCTED.json"


@pytest.fixture
def spider():
    return make_spider(UsDojSpider)


def search_url(term="overseas police station", page=0):
    return f"{API}?parameters%5Btitle%5D={term.replace(' ', '+')}&sort=date&direction=DESC&pagesize=50&page={page}"


def parse(spider, name, page=0, body=None):
    url = search_url(page=page)
    if body is None:
        response = response_for(SOURCE, name, url)
    else:
        response = TextResponse(url, body=body, request=Request(url))
    return list(spider.parse_search(response, "overseas police station", page))


def test_start_searches_titles_for_each_term_newest_first(spider):
    requests = collect(spider.start())
    terms = spider.topic.search_terms_for("en")
    assert len(requests) == len(terms)
    query = parse_qs(urlsplit(requests[0].url).query)
    assert query == {"parameters[title]": [terms[0]], "sort": ["date"], "direction": ["DESC"],
                     "pagesize": ["50"], "page": ["0"]}
    assert search_url() in [r.url for r in requests]


def test_release_record_field_by_field(spider):
    (item,) = parse(spider, PAGE)
    assert isinstance(item, Statement)
    assert item.source == "us_doj" and item.source_kind == "prosecutor" and item.country == "US"
    assert item.kind == "press_release" and item.language == "en"
    assert item.title == "Two Arrested for Operating Illegal Overseas Police Station of the Chinese Government"
    assert item.url == "https://www.justice.gov/opa/pr/two-arrested-operating-illegal-overseas-police-station-chinese-government"
    assert item.fetch_url == search_url()
    assert item.published == "2023-04-17"  # 04:00 UTC is midnight in New York
    assert item.body == "National Security Division (NSD)"  # first component
    assert item.record_id == "pr:00000000-0000-4000-8000-000000000417"
    assert item.text.startswith("<p>A complaint was unsealed today in federal court in Brooklyn")
    assert "Matthew G. Olsen" in item.text
    assert item.speaker is None and item.context is None
    assert json.loads(item.raw)["uuid"] == "00000000-0000-4000-8000-000000000417"
    assert item.raw_type == "json"
    # The older record (2021) was parsed and counted, not yielded.
    assert spider.crawler.stats.get_value("stationwatch/records") == 2


def test_release_date_is_the_new_york_date_of_the_epoch():
    assert release_date("1681704000").isoformat() == "2023-04-17"  # 00:00 EDT
    assert release_date("1681703999").isoformat() == "2023-04-16"  # 23:59:59 EDT the day before
    assert release_date("1317655920").isoformat() == "2011-10-03"  # from the VERBATIM sample
    assert release_date("") is None and release_date("yesterday") is None


def test_same_release_found_by_two_terms_is_yielded_once(spider):
    first = parse(spider, PAGE)
    again = list(spider.parse_search(response_for(SOURCE, PAGE, search_url("Chinese police station")),
                                     "Chinese police station", 0))
    assert len(first) == 1 and again == []


def test_paging_reads_the_real_envelope(spider):
    # The VERBATIM blog_entries response: count 1581, pagesize 10, page 0.
    # Its records lack uuid and url (fields=title,created), which is reported.
    out = parse(spider, "doj-api-v1_blog_entries_fields-title-created.VERBATIM.json")
    (next_page,) = out
    assert parse_qs(urlsplit(next_page.url).query)["page"] == ["1"]
    assert next_page.cb_kwargs == {"term": "overseas police station", "page": 1}
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 10


def test_paging_stops_at_the_end_of_the_result_set(spider):
    data = json.loads(fixture_path(SOURCE, PAGE).read_text())
    del data["results"][1]  # only the 2023 release, so no record reaches back past since
    data["metadata"]["resultset"].update(count=120, pagesize=50)

    def next_pages(page):
        data["metadata"]["resultset"]["page"] = page
        out = parse(make_spider(UsDojSpider), PAGE, page=page, body=json.dumps(data).encode())
        return [r.cb_kwargs["page"] for r in out if isinstance(r, Request)]

    assert next_pages(0) == [1]
    assert next_pages(1) == [2]
    assert next_pages(2) == []  # 3 * 50 >= 120


def test_paging_stops_once_a_page_reaches_back_past_since(spider):
    data = json.loads(fixture_path(SOURCE, PAGE).read_text())
    data["metadata"]["resultset"]["count"] = 500  # more pages exist, but they are older
    out = parse(spider, PAGE, body=json.dumps(data).encode())
    assert [type(x) for x in out] == [Statement]


def test_empty_listing_yields_nothing(spider):
    assert parse(spider, "press_releases_empty.DERIVED.json") == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_bot_wall_instead_of_json_is_reported_not_stored(spider):
    # justice.gov's HTML sits behind bot protection: an HTML page answering
    # 200 where JSON was asked for must not become a statement.
    url = search_url()
    wall = HtmlResponse(url, body=b"<html><head><title>Access Denied</title></head><body>Reference #18</body></html>",
                        request=Request(url))
    assert list(spider.parse_search(wall, "overseas police station", 0)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_politeness_one_request_at_a_time(spider):
    assert spider.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert spider.settings.getfloat("DOWNLOAD_DELAY") == spider.settings.getfloat("STATIONWATCH_SLOW_SITE_DELAY")


def test_end_to_end_replay(tmp_path):
    # Every topic from 2022-09-01, where the recordings start (a first run would ask the
    # Confucius Institutes topic from its own 2019-01-01, past what was recorded).
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", "since=2022-09-01")
    asked = [path for path, _ in crawled.requests]
    rows = [r for r in crawled.statements if r["source"] == SOURCE]
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert len(rows) == 1
    row = rows[0]
    assert row["record_id"] == "pr:00000000-0000-4000-8000-000000000417"
    assert row["published"] == "2023-04-17"
    assert row["body"] == "National Security Division (NSD)"
    assert row["url"] == "https://www.justice.gov/opa/pr/two-arrested-operating-illegal-overseas-police-station-chinese-government"
    assert "overseas police station" in row["matched_terms"]
    assert run["status"] == "ok" and run["new"] == 1
    # One search per English term, no second page (the recorded page ends the result set).
    terms = load_topics(single="", names="").search_terms_for("en")
    assert len([p for p in asked if "press_releases.json" in p]) == len(terms)
