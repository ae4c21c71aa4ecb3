"""canada_news against reconstructed API listings and canada.ca pages holding real RCMP release text."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from spiders.canada_news import PAGE_SIZE, CanadaNewsSpider
from stationwatch.items import Statement
from stationwatch.topic import load_topic
from tests.helpers import collect, make_spider, replay_crawl, response_for

SOURCE = "canada_news"
RCMP = "royalcanadianmountedpolice"
GAC = "departmentofforeignaffairstradeanddevelopment"
EN_API = "https://api.io.canada.ca/io-server/gc/news/en/v2"
EN_PAGE = "https://www.canada.ca/en/royal-canadian-mounted-police/news/2022/11/foreign-actor-interference.html"
FR_PAGE = "https://www.canada.ca/fr/gendarmerie-royale-canada/nouvelles/2022/11/ingerence-dacteurs-etrangers.html"
LISTING_URL = f"{EN_API}?dept={RCMP}&sort=publishedDate&orderBy=asc&publishedDate%3E=2022-09-01&pick=100&format=json"


@pytest.fixture
def spider():
    return make_spider(CanadaNewsSpider)


def listing(spider, name=None, body=None, language="en", department=RCMP, floor="2022-09-01"):
    response = (response_for(SOURCE, name, LISTING_URL) if body is None
                else TextResponse(LISTING_URL, body=body, request=Request(LISTING_URL)))
    return list(spider.parse_listing(response, language, department, floor))


def page(spider, name, url, language="en", department=RCMP, entry=None):
    response = response_for(SOURCE, name, url)
    return list(spider.parse_page(response, language, department, entry or {}, LISTING_URL))


def test_start_lists_each_department_in_each_language_from_since(spider):
    urls = [r.url for r in collect(spider.start())]
    assert len(urls) == 4
    assert LISTING_URL in urls
    query = parse_qs(urlsplit(urls[0]).query)
    assert query == {"dept": [GAC], "sort": ["publishedDate"], "orderBy": ["asc"],
                     "publishedDate>": ["2022-09-01"], "pick": ["100"], "format": ["json"]}
    assert sum("/fr/v2?" in u for u in urls) == 2


def test_listing_leads_to_each_page(spider):
    out = listing(spider, "gc-news_en_rcmp.RECONSTRUCTED.json")
    assert [r.url for r in out] == [
        EN_PAGE,
        "https://www.canada.ca/en/royal-canadian-mounted-police/news/2022/12/placeholder-off-topic-release.html",
    ]  # two entries, fewer than a full page: no next page
    assert out[0].cb_kwargs["entry"]["title"] == "Foreign actor interference"
    assert out[0].cb_kwargs["fetch_url"] == LISTING_URL


def test_single_result_comes_as_an_object(spider):
    (request,) = listing(spider, "gc-news_fr_rcmp.RECONSTRUCTED.json", language="fr")
    assert request.url == FR_PAGE and request.cb_kwargs["language"] == "fr"


def test_paging_moves_the_date_floor_to_the_newest_entry(spider):
    entries = [{"title": f"t{i}", "link": f"https://www.canada.ca/en/x/{i}.html",
                "publishedDate": f"2022-10-{1 + i // 10:02d}T09:00:00-05:00"} for i in range(PAGE_SIZE)]
    out = listing(spider, body=json.dumps({"feed": {"entry": entries}}).encode())
    *pages, next_listing = out
    assert len(pages) == PAGE_SIZE
    assert next_listing.cb_kwargs["floor"] == "2022-10-10T09:00:00-05:00"
    assert parse_qs(urlsplit(next_listing.url).query)["publishedDate>"] == ["2022-10-10T09:00:00-05:00"]
    # The next page repeats the entries at the floor date: they are not asked for
    # twice, and a page with nothing new ends the walk.
    again = listing(spider, body=json.dumps({"feed": {"entry": entries[-10:]}}).encode(),
                    floor="2022-10-10T09:00:00-05:00")
    assert again == []


def test_empty_listing_yields_nothing(spider):
    assert listing(spider, "gc-news_empty.RECONSTRUCTED.json", department=GAC) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_changed_api_shape_is_a_layout_change(spider):
    assert listing(spider, body=b'{"items": []}') == []
    assert listing(spider, body=b'{"feed": {"entry": [{"title": "no link"}]}}') == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


def test_an_atom_answer_is_a_layout_error_that_says_so(spider, caplog):
    """Without format=json a client cannot know what the API answers; if it
    answers Atom anyway, the night is reported, not silently empty."""
    assert listing(spider, "gc-news-api_atom.RECONSTRUCTED.xml") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1
    assert "XML/Atom, not the JSON asked for" in caplog.text


def test_english_rcmp_release_field_by_field(spider):
    (item,) = page(spider, "rcmp_2022-11-22_foreign-actor-interference_en.RECONSTRUCTED.html", EN_PAGE,
                   entry={"publishedDate": "2022-11-22T14:00:00-05:00"})
    assert isinstance(item, Statement)
    assert item.source == "canada_news" and item.country == "CA"
    assert item.source_kind == "police" and item.body == "Royal Canadian Mounted Police"
    assert item.kind == "press_release"
    assert item.title == "Foreign actor interference"
    assert item.published == "2022-11-22"
    assert item.language == "en"
    assert item.url == EN_PAGE and item.fetch_url == LISTING_URL
    assert item.record_id == "www.canada.ca/en/royal-canadian-mounted-police/news/2022/11/foreign-actor-interference.html"
    assert item.text.startswith("<p>The Royal Canadian Mounted Police (RCMP) is investigating reports")
    assert item.text.count("<p>") == 4  # the four release paragraphs
    # Title, type heading, byline, contacts and page details are not the release.
    for outside in ("News release", "From:", "PLACEHOLDER contact", "Date modified", "PLACEHOLDER footer", "<h1"):
        assert outside not in item.text
    assert item.speaker is None
    assert item.raw.startswith("<main") and item.raw_type == "html"
    assert load_topic().judge(item.text).relevant


def test_french_release_and_its_statement_kind(spider):
    (fr,) = page(spider, "rcmp_2022-11-22_ingerence-dacteurs-etrangers_fr.RECONSTRUCTED.html", FR_PAGE, language="fr")
    assert fr.title == "Ingérence d'acteurs étrangers"
    assert fr.language == "fr" and fr.kind == "press_release" and fr.published == "2022-11-22"
    assert fr.text.startswith("<p>La Gendarmerie royale du Canada (GRC) enquête")
    assert "De\u00a0:" not in fr.text and "Personnes-ressources" not in fr.text and fr.text.count("<p>") == 4
    judgement = load_topic().judge(fr.text)
    assert judgement.relevant and "postes de services de police" in judgement.matched_terms
    (statement,) = page(spider, "rcmp_placeholder_off-topic_en.RECONSTRUCTED.html",
                        "https://www.canada.ca/en/royal-canadian-mounted-police/news/2022/12/placeholder-off-topic-release.html")
    assert statement.kind == "statement" and statement.published == "2022-12-05"
    assert not load_topic().judge(statement.text).relevant


def test_global_affairs_is_a_ministry(spider):
    (item,) = page(spider, "rcmp_2022-11-22_foreign-actor-interference_en.RECONSTRUCTED.html", EN_PAGE, department=GAC)
    assert (item.source_kind, item.body) == ("ministry", "Global Affairs Canada")


def test_removed_page_is_not_a_statement(spider):
    # A page that no longer has canada.ca's main content (an error or moved
    # notice answering 200) is reported, not stored.
    response = HtmlResponse(EN_PAGE, body=b"<html><body><p>We couldn't find that Web page</p></body></html>",
                            request=Request(EN_PAGE))
    assert list(spider.parse_page(response, "en", RCMP, {}, LISTING_URL)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    rows = {r["language"]: r for r in crawled.statements if r["source"] == SOURCE}
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert set(rows) == {"en", "fr"}  # the off-topic release was dropped
    assert rows["en"]["url"] == EN_PAGE and rows["fr"]["url"] == FR_PAGE
    assert rows["en"]["source_kind"] == "police" and rows["en"]["published"] == "2022-11-22"
    assert rows["en"]["text"].startswith("The Royal Canadian Mounted Police (RCMP) is investigating")
    assert run["status"] == "ok" and run["new"] == 2
