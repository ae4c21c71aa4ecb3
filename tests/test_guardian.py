"""guardian against a real recorded Content API answer (trimmed) and a
SYNTHETIC one with an article body (see tests/fixtures/guardian/PROVENANCE.md)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse

from spiders.guardian import GuardianSpider
from tests.helpers import FIXTURES, collect, make_spider, replay_crawl

SOURCE = "guardian"
REAL = "guardian_search_q-uk-news_show-fields-trailText.TRIMMED.json"
SYNTHETIC = "guardian_search_police-service-stations.SYNTHETIC.json"


def response(name: str, url="https://content.guardianapis.com/search?q=x&page=1"):
    return TextResponse(url=url, body=(FIXTURES / SOURCE / name).read_bytes(), request=Request(url))


@pytest.fixture
def spider(monkeypatch):
    monkeypatch.setenv("GUARDIAN_API_KEY", "test")
    return make_spider(GuardianSpider)


def test_without_a_key_nothing_is_asked_and_the_log_says_why(monkeypatch, caplog):
    monkeypatch.delenv("GUARDIAN_API_KEY", raising=False)
    spider = make_spider(GuardianSpider)
    assert collect(spider.start()) == []
    reason = "set GUARDIAN_API_KEY to a Content API key (https://open-platform.theguardian.com/access/)"
    # The base spider's declared requirement: a skip with its reason, not an error.
    assert spider.crawler.stats.get_value("stationwatch/skipped") == reason
    assert [r.message for r in caplog.records if r.levelname == "ERROR"] == []
    assert f"guardian skipped: {reason}" in [r.message for r in caplog.records]


def test_start_searches_every_term_as_a_phrase_in_one_or_query_from_since(spider):
    requests = collect(spider.start())
    assert len(requests) == 1  # every topic's terms share the start date: one query, not one per term
    query = parse_qs(urlsplit(requests[0].url).query)
    terms = spider.topic.search_terms_for("en")
    assert query["q"] == [" OR ".join(f'"{t}"' for t in terms)]
    assert '"police service stations"' in query["q"][0] and '"Confucius Institutes"' in query["q"][0]
    assert query["from-date"] == ["2022-09-01"] and query["api-key"] == ["test"]
    assert query["show-fields"] == ["headline,byline,body,trailText"] and query["page"] == ["1"]


def test_real_answer_is_read_field_by_field(spider):
    data = json.loads((FIXTURES / SOURCE / REAL).read_text())
    first = data["response"]["results"][0]
    assert first["webUrl"].startswith("https://www.theguardian.com/media/2020/jan/06/")
    items = list(spider.parse_search(response(REAL), "x", "test", 1))
    # three real (off-topic) results, each read; none quotes an official; the
    # real answer says pages 13236, so the next page is asked
    assert spider.crawler.stats.get_value("stationwatch/records") == 3
    (next_page,) = [i for i in items if isinstance(i, Request)]
    assert parse_qs(urlsplit(next_page.url).query)["page"] == ["2"]


def test_article_body_yields_official_quotes_only(spider):
    items = [i for i in spider.parse_search(response(SYNTHETIC), "x", "test", 1) if not isinstance(i, Request)]
    assert [(i.speaker, i.body, i.country) for i in items] == [
        ("Tom Tugendhat", "Home Office", "GB"), ("Home Office spokesperson", "Home Office", "GB")]
    tugendhat = items[0]
    assert tugendhat.outlet == "The Guardian" and tugendhat.source_kind == "press"
    assert tugendhat.published == "2023-06-06"
    assert tugendhat.url.startswith("https://www.theguardian.com/uk-news/2023/jun/06/")
    assert tugendhat.text.startswith("I can confirm that they have not, to date, identified any evidence")
    assert spider.crawler.stats.get_value("stationwatch/press/unofficial_quotes") == 1  # Safeguard Defenders
    # the same article found by another search term is not read again
    assert list(spider.parse_search(response(SYNTHETIC), "y", "test", 1)) == []


def test_a_quote_nobody_is_named_for_is_handed_over_for_review(spider):
    from stationwatch.items import UnattributedQuote

    answer = json.loads((FIXTURES / SOURCE / SYNTHETIC).read_bytes())
    first = answer["response"]["results"][0]
    # MADE: a paragraph whose quote names nobody, opening the synthetic article
    first["fields"]["body"] = ("<p>“Nobody here has ever seen anything strange happen in that office,”"
                               " came the reply.</p>") + first["fields"]["body"]
    url = "https://content.guardianapis.com/search?q=x&page=1"
    made = TextResponse(url=url, body=json.dumps(answer).encode(), request=Request(url))
    items = [i for i in spider.parse_search(made, "x", "test", 1) if not isinstance(i, Request)]
    kept = [i for i in items if isinstance(i, UnattributedQuote)]
    assert [(q.text, q.outlet, q.url) for q in kept] == [
        ("Nobody here has ever seen anything strange happen in that office", "The Guardian", first["webUrl"])]
    assert [i.speaker for i in items if not isinstance(i, UnattributedQuote)] == [
        "Tom Tugendhat", "Home Office spokesperson"]


def test_error_answer_is_a_layout_change(spider):
    url = "https://content.guardianapis.com/search?q=x"
    body = b'{"response": {"status": "error", "message": "Invalid authentication credentials"}}'
    assert list(spider.parse_search(TextResponse(url, body=body, request=Request(url)), "x", "bad", 1)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_through_the_replay_server(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", env={"GUARDIAN_API_KEY": "test"})
    rows = crawled.statements
    (run,) = crawled.runs
    assert [r["speaker"] for r in rows] == ["Tom Tugendhat", "Home Office spokesperson"]
    assert run["status"] == "ok" and run["new"] == 2


def test_a_topic_with_its_own_window_gets_its_own_or_query(spider):
    """Windows per topic: a topic added since the last run asks from its
    start date in a query of its own; the others keep theirs."""
    spider = make_spider(GuardianSpider, since="2019-01-01",
                         topic_since="overseas_police_stations:2026-11-30,confucius_institutes:2019-01-01")
    topic = spider.topic
    requests = collect(spider.start())
    queries = [parse_qs(urlsplit(r.url).query) for r in requests]
    assert [(q["from-date"][0], q["q"][0]) for q in queries] == [
        ("2019-01-01", " OR ".join(f'"{t}"' for t in topic.search_terms_for("en", topics=["confucius_institutes"]))),
        ("2026-11-30", " OR ".join(f'"{t}"' for t in topic.search_terms_for("en", topics=["overseas_police_stations"]))),
    ]
