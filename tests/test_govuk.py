"""govuk against recorded Search and Content API responses (city-scrapers style)."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy.http import Request, TextResponse

from spiders.govuk import CONTENT_API, SEARCH_API, GovukSpider
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "govuk"


@pytest.fixture
def spider():
    return make_spider(GovukSpider)


def content(spider, name, path):
    return list(spider.parse_content(response_for(SOURCE, name, f"{CONTENT_API}{path}")))


def search_page(spider, data: dict, start: int = 0):
    url = f"{SEARCH_API}?q=x&start={start}"
    response = TextResponse(url, body=json.dumps(data).encode(), request=Request(url))
    return list(spider.parse_search(response, "x", start))


def test_start_asks_each_term_as_a_phrase_for_statement_types_newest_first(spider):
    requests = collect(spider.start())
    assert len(requests) == len(spider.topic.search_terms_for("en"))
    # One request per term of every topic, each term once.
    query = parse_qsl(urlsplit(requests[spider.topic.search_terms_for("en").index("police service stations")].url).query)
    assert ("q", '"police service stations"') in query
    assert ("filter_public_timestamp", "from:2022-09-01") in query
    assert ("order", "-public_timestamp") in query
    assert ("start", "0") in query and ("count", "100") in query
    doc_types = [v for k, v in query if k == "filter_content_store_document_type"]
    assert {"press_release", "speech", "written_statement", "oral_statement", "world_news_story"} <= set(doc_types)
    assert not [k for k, _ in query if k == "filter_organisations"]  # every department by default
    assert [v for k, v in query if k == "fields"][:2] == ["title", "link"]  # repeated, never comma-joined


def test_organisations_argument_filters_by_department():
    spider = make_spider(GovukSpider, organisations="home-office,foreign-commonwealth-development-office")
    (first, *_) = collect(spider.start())
    orgs = [v for k, v in parse_qsl(urlsplit(first.url).query) if k == "filter_organisations"]
    assert orgs == ["home-office", "foreign-commonwealth-development-office"]


def test_real_search_response_leads_to_the_content_api(spider):
    # VERBATIM GDS output of search.json?q=taxes&count=1: total 45118, so a next page follows.
    response = response_for(SOURCE, "search-api_q-taxes_count-1.json", f"{SEARCH_API}?q=taxes&start=0")
    detail, next_page = spider.parse_search(response, "taxes", 0)
    assert detail.url == "https://www.gov.uk/api/content/vehicle-tax"
    assert detail.meta["handle_httpstatus_list"] == [404, 410]
    assert next_page.cb_kwargs == {"term": "taxes", "start": 100}
    assert ("start", "100") in parse_qsl(urlsplit(next_page.url).query)


def test_paging_stops_at_total_and_skips_external_links(spider):
    data = json.loads(fixture_path(SOURCE, "search-api_police-service-stations.RECONSTRUCTED.json").read_text())
    out = search_page(spider, data)
    assert [r.url for r in out] == [
        f"{CONTENT_API}/government/speeches/reconstructed-chinese-overseas-police-service-stations",
        f"{CONTENT_API}/government/speeches/statement-to-commons-on-hmp-birmingham",
        f"{CONTENT_API}/government/news/reconstructed-removed-after-indexing",
    ]  # total 4 with count 100: no next page; the external link has no content item
    data["total"] = 250
    assert [r.cb_kwargs["start"] for r in search_page(spider, data, 100) if "search.json" in r.url] == [200]
    assert [r for r in search_page(spider, data, 200) if "search.json" in r.url] == []


def test_empty_search_page_yields_nothing(spider):
    assert search_page(spider, {"results": [], "total": 0, "start": 0}) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_oral_statement_named_speaker(spider):
    (item,) = content(spider, "content-api_speech-oral-statement-parliament.json",
                      "/government/speeches/statement-to-commons-on-hmp-birmingham")
    assert item.kind == "oral_statement"
    assert item.title == "Statement to Commons on HMP Birmingham"
    assert item.published == "2016-12-19"
    assert item.url == "https://www.gov.uk/government/speeches/statement-to-commons-on-hmp-birmingham"
    assert item.fetch_url == f"{CONTENT_API}/government/speeches/statement-to-commons-on-hmp-birmingham"
    assert item.record_id == "d89435af-d77e-41f7-a945-4c63878007fd:en"
    assert item.speaker == "The Rt Hon Elizabeth Truss MP"
    assert item.speaker_role is None  # no linked role in the record
    assert item.body == "Ministry of Justice"  # the emphasised organisation
    assert (item.source_kind, item.country, item.language) == ("ministry", "GB", "en")
    assert item.text.startswith('<div class="govspeak"><p>With permission, Mr Speaker')
    assert item.context.startswith("Statement by The Rt Hon Elizabeth Truss MP")


def test_written_statement_date_is_first_published_not_delivered(spider):
    (item,) = content(spider, "content-api_speech-written-statement-parliament.json",
                      "/government/speeches/school-revenue-funding-settlement-for-2017-to-2018")
    assert item.kind == "written_statement"
    assert item.published == "2016-05-12"  # first_published_at; delivered_on says 2016-12-20
    assert item.speaker == "Nick Gibb MP"
    assert item.body == "Department for Education"


def test_press_release_without_named_speaker(spider):
    (item,) = content(spider, "content-api_news_article_press_release.json",
                      "/government/news/modern-life-responsible-for-worrying-health-in-middle-aged")
    assert item.kind == "press_release"
    assert item.title == "Modern life responsible for ‘worrying’ health in middle aged"
    assert item.body == "Public Health England"
    assert (item.speaker, item.speaker_role) == (None, None)
    assert item.published == "2016-12-28"


def test_embassy_news_is_spoken_by_the_worldwide_organisation(spider):
    (item,) = content(spider, "content-api_world_news_story_news_article.json",
                      "/government/news/christmas-2016-prime-ministers-message-from-azerbaijan")
    assert item.kind == "news_article"  # GOV.UK's world_news_story, in the shared vocabulary
    assert (item.body, item.source_kind) == ("British High Commission Singapore", "embassy")
    assert item.speaker == "The Rt Hon Theresa May MP"  # the one linked person
    assert item.published == "2016-12-25"


def test_security_minister_statement_reconstructed(spider):
    # RECONSTRUCTED sample: real title, date, department, speaker and text; path and ids are placeholders.
    (item,) = content(spider, "content-api_written-statement_chinese-police-service-stations.RECONSTRUCTED.json",
                      "/government/speeches/reconstructed-chinese-overseas-police-service-stations")
    assert item.title == "Chinese 'Overseas Police Service Stations'"
    assert item.published == "2023-06-06"
    assert item.body == "Home Office"
    assert item.speaker == "Tom Tugendhat"
    assert item.speaker_role == "Minister of State (Security)"
    assert "Croydon, Glasgow and Hendon" in item.text


def test_removed_page_is_not_a_statement_nor_an_error(spider):
    url = f"{CONTENT_API}/government/news/gone"
    gone = TextResponse(url, status=410, body=b'{"error": {"code": 410}}', request=Request(url))
    assert list(spider.parse_content(gone)) == []
    redirect = TextResponse(url, body=json.dumps({"base_path": "/government/news/gone", "schema_name": "redirect",
                                                  "details": {}}).encode(), request=Request(url))
    assert list(spider.parse_content(redirect)) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")
    assert not spider.crawler.stats.get_value("stationwatch/records")


def test_content_item_without_body_is_a_layout_change(spider):
    url = f"{CONTENT_API}/government/news/odd"
    odd = TextResponse(url, body=json.dumps({"base_path": "/government/news/odd", "schema_name": "news_article",
                                             "details": {}}).encode(), request=Request(url))
    assert list(spider.parse_content(odd)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_crawl_end_to_end_through_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    (statement,) = crawled.statements
    (run,) = crawled.runs
    assert statement["source"] == "govuk"
    assert statement["kind"] == "written_statement"
    assert statement["body"] == "Home Office"
    assert statement["speaker"] == "Tom Tugendhat"
    assert statement["published"] == "2023-06-06"
    assert statement["url"] == "https://www.gov.uk/government/speeches/reconstructed-chinese-overseas-police-service-stations"
    assert "chinese police service station" in json.loads(statement["matched_terms"])
    # Two content items parsed (the off-topic prison statement dropped), the 410 neither.
    assert (run["status"], run["records"], run["new"], run["dropped"], run["errors"]) == ("ok", 2, 1, 1, 0)
