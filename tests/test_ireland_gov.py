"""ireland_gov against recorded gov.ie pages (city-scrapers style)."""

import datetime as dt
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request

from spiders.ireland_gov import IrelandGovSpider, speaker_and_role
from tests.helpers import collect, make_spider, replay_crawl, response_for

SOURCE = "ireland_gov"
LISTING = "https://www.gov.ie/en/publications/"
REAL_RELEASE = "https://www.gov.ie/en/press-release/6ddbf-turning-the-sod-on-success-galway-city-innovation-district-expand-downtown/"
DFA_RELEASE = "https://www.gov.ie/en/press-release/00000-reconstructed-statement-on-the-fuzhou-police-overseas-service-station/"


@pytest.fixture
def spider():
    return make_spider(IrelandGovSpider)


def listing(spider, name, url=f"{LISTING}?q=innovation&page=1"):
    return list(spider.parse_listing(response_for(SOURCE, name, url)))


def test_start_walks_dfa_and_each_search_term_newest_first(spider):
    requests = collect(spider.start())
    assert len(requests) == 1 + len(spider.topic.search_terms_for("en"))
    dfa = parse_qsl(urlsplit(requests[0].url).query)
    assert ("organisation", "department-of-foreign-affairs") in dfa
    assert [v for k, v in dfa if k == "type"] == ["press_releases", "speeches"]
    assert ("sort_by", "published_date") in dfa and ("page", "1") in dfa
    assert ("q", "police service stations") in parse_qsl(urlsplit(requests[1].url).query)


def test_real_listing_entries_before_since_stop_the_walk(spider):
    # The recorded entries are from July 2021: older than the 2022-09-01 start.
    assert listing(spider, "govie-2021_listing_publications_q-innovation.TRIMMED.html") == []
    assert spider.crawler.stats.get_value("stationwatch/records") == 3  # entries seen, none fetched


def test_real_listing_leads_to_each_entry_and_the_next_page():
    spider = make_spider(IrelandGovSpider, since="2021-07-01")
    out = listing(spider, "govie-2021_listing_publications_q-innovation.TRIMMED.html")
    assert [r.url for r in out] == [
        REAL_RELEASE,  # the "Collection" entry between these two is not a statement
        "https://www.gov.ie/en/press-release/f6ae1-ministers-harris-and-coveney-launch-ground-breaking-24m-sfi-defence-organisation-innovation-challenge/",
        "https://www.gov.ie/en/publications/?q=innovation&page=2",
    ]
    first = out[0]
    assert first.cb_kwargs == {"listed_on": dt.date(2021, 7, 23), "listed_by": "Department of Enterprise, Trade and Employment"}
    assert first.meta["handle_httpstatus_list"] == [404, 410]


def test_walk_stops_at_the_first_entry_older_than_since():
    spider = make_spider(IrelandGovSpider, since="2021-07-10")
    out = listing(spider, "govie-2021_listing_publications_q-innovation.TRIMMED.html")
    assert [r.url for r in out] == [REAL_RELEASE]  # 23 July kept, 16 July a collection, 6 July ends the walk


def test_reconstructed_dfa_page_follows_to_page_two(spider):
    out = listing(spider, "govie_listing_dfa_page1.RECONSTRUCTED.html",
                  f"{LISTING}?organisation=department-of-foreign-affairs&page=1")
    assert [r.url for r in out] == [
        DFA_RELEASE,
        f"{LISTING}?organisation=department-of-foreign-affairs&type=press_releases&type=speeches&sort_by=published_date&page=2",
    ]


def test_empty_listing_yields_nothing_and_is_not_a_layout_change(spider):
    assert listing(spider, "govie_listing_empty.DERIVED.html") == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_redesigned_listing_is_a_layout_change(spider):
    url = f"{LISTING}?q=x&page=1"
    response = HtmlResponse(url, body=b"<html><body><main><h1>Publications</h1></main></body></html>", request=Request(url))
    assert list(spider.parse_listing(response)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_real_release_page_field_by_field(spider):
    response = response_for(SOURCE, "govie-2021_press-release_detail.TRIMMED.html", REAL_RELEASE)
    (item,) = spider.parse_release(response, dt.date(2021, 7, 23), "Department of Enterprise, Trade and Employment")
    assert item.title == "Turning the Sod on Success - Galway City Innovation District expand downtown"
    assert item.kind == "press_release"
    assert item.body == "Department of Enterprise, Trade and Employment"
    assert (item.source_kind, item.country, item.language) == ("ministry", "IE", "en")
    assert item.published == "2021-07-23"
    assert item.record_id == "govie:179882"
    assert item.url == item.fetch_url == REAL_RELEASE
    assert item.speaker == "Leo Varadkar"
    assert item.speaker_role == "Tánaiste and Minister for Enterprise, Trade and Employment"
    assert "Bowling Green project is located in downtown Galway" in item.text
    assert "Today is an important day for Galway" in item.text  # the quote block is part of the text
    assert "dataLayer" not in item.text  # only the content region, not the page's scripts


def test_dfa_spokesperson_statement_reconstructed(spider):
    # RECONSTRUCTED page: the statement's words are real, its URL, title and ids are placeholders.
    response = response_for(SOURCE, "govie_press-release_dfa-capel-street.RECONSTRUCTED.html", DFA_RELEASE)
    (item,) = spider.parse_release(response)
    assert item.body == "Department of Foreign Affairs"
    assert item.published == "2022-10-26"
    assert (item.speaker, item.speaker_role) == (None, "Spokesperson")
    assert "office on Capel Street should close and cease operations" in item.text
    assert item.record_id == "govie:999000001"


@pytest.mark.parametrize("line, expected", [
    ("Minister for Foreign Affairs Simon Coveney said:", ("Simon Coveney", "Minister for Foreign Affairs")),
    ("The Minister for Foreign Affairs said:", (None, "Minister for Foreign Affairs")),
    ("Professor Jane Doe of the university said:", (None, None)),  # no government role: not a speaker line
])
def test_speaker_line_shapes(line, expected):
    response = HtmlResponse("https://www.gov.ie/x", body=f"<p>{line}</p>".encode(), encoding="utf-8")
    assert speaker_and_role(response.css("p")) == expected


def test_removed_page_is_not_a_statement_nor_an_error(spider):
    gone = HtmlResponse(REAL_RELEASE, status=404, body=b"<html><h1>Page not found</h1></html>", request=Request(REAL_RELEASE))
    assert list(spider.parse_release(gone)) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_page_without_release_header_is_a_layout_change(spider):
    odd = HtmlResponse(REAL_RELEASE, body=b"<html><body><p>Maintenance</p></body></html>", request=Request(REAL_RELEASE))
    assert list(spider.parse_release(odd)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_crawl_end_to_end_through_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    asked = [path for path, _ in crawled.requests]
    (statement,) = crawled.statements
    (run,) = crawled.runs
    assert statement["source"] == "ireland_gov"
    assert statement["body"] == "Department of Foreign Affairs"
    assert (statement["country"], statement["kind"], statement["published"]) == ("IE", "press_release", "2022-10-26")
    assert statement["url"] == DFA_RELEASE
    assert "fuzhou police overseas service station" in json.loads(statement["matched_terms"])
    # Page 2 of the DFA walk was asked; its entries were older than the start date, so no page 3.
    assert any("department-of-foreign-affairs" in p and "page=2" in p for p in asked)
    assert not any("page=3" in p for p in asked)
    assert (run["status"], run["new"], run["errors"]) == ("ok", 1, 0)
