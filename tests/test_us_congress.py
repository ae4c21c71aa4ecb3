"""us_congress against recorded govinfo responses (city-scrapers style)."""

import json
import logging

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

import db as database
from spiders.us_congress import UsCongressSpider, article_date, section_of, turns
from stationwatch.items import Statement
from stationwatch.replay import ReplayServer
from tests.helpers import FIXTURES, collect, make_spider, replay_crawl, response_for, run_scrapy

SOURCE = "us_congress"
API = "https://api.govinfo.gov"


@pytest.fixture
def spider(monkeypatch):
    monkeypatch.setenv("GOVINFO_API_KEY", "TEST_KEY")
    return make_spider(UsCongressSpider)


def article(spider, package_id, granule_id, name, section, title):
    url = f"{API}/packages/{package_id}/granules/{granule_id}/htm"
    return list(spider.parse_article(response_for(SOURCE, name, url), package_id, granule_id, section, title))


def test_without_a_key_the_spider_logs_once_and_asks_nothing(monkeypatch, caplog):
    monkeypatch.delenv("GOVINFO_API_KEY", raising=False)
    spider = make_spider(UsCongressSpider)
    with caplog.at_level(logging.WARNING):
        assert collect(spider.start()) == []
    (message,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "us_congress skipped: set GOVINFO_API_KEY" in message


def test_start_asks_for_issues_changed_since_the_start_date_with_the_key_in_a_header(spider):
    (request,) = collect(spider.start())
    assert request.url == f"{API}/collections/CREC/2022-09-01T00:00:00Z?pageSize=100&offsetMark=%2A"
    assert request.headers.get("X-Api-Key") == b"TEST_KEY"
    assert "TEST_KEY" not in request.url


def test_one_request_at_a_time_at_the_slow_site_pace(spider):
    assert spider.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert spider.settings.getfloat("DOWNLOAD_DELAY") == spider.settings.getfloat("STATIONWATCH_SLOW_SITE_DELAY") > 0


def test_collection_page_leads_to_each_issue_and_the_next_page(spider):
    response = response_for(SOURCE, "collections_CREC.TRANSCRIBED.json", f"{API}/collections/CREC/2018-04-01T00:00:00Z")
    out = list(spider.parse_collection(response))
    assert len(out) == 11
    assert out[0].url == f"{API}/packages/CREC-2018-04-02/granules?pageSize=100&offsetMark=%2A"
    assert out[0].cb_kwargs == {"package_id": "CREC-2018-04-02"}
    assert out[-1].url == f"{API}/collections/CREC/2018-04-01T00:00:00Z/2018-04-17T23:59:59Z?offset=10&pageSize=10"
    assert out[-1].callback == spider.parse_collection


def test_paging_stops_at_the_last_page_and_on_an_empty_result(spider):
    last = list(spider.parse_collection(response_for(SOURCE, "collections_CREC_page2.DERIVED.json", f"{API}/c")))
    assert [r.cb_kwargs["package_id"] for r in last] == ["CREC-2024-05-16", "CREC-2023-04-17"]
    assert list(spider.parse_collection(response_for(SOURCE, "collections_CREC_empty.DERIVED.json", f"{API}/c"))) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") is None


def test_real_granule_list_fetches_speech_sections_and_skips_the_daily_digest(spider):
    response = response_for(SOURCE, "packages_CREC-2018-01-03_granules.TRIMMED.json",
                            f"{API}/packages/CREC-2018-01-03/granules")
    out = list(spider.parse_granules(response, "CREC-2018-01-03"))
    assert [(r.cb_kwargs["granule_id"], r.cb_kwargs["section"]) for r in out] == [
        ("CREC-2018-01-03-pt1-PgE1769-2", "EXTENSIONS"),
        ("CREC-2018-01-03-pt1-PgH10433", "HOUSE"),
        ("CREC-2018-01-03-pt2-PgS2-4", "SENATE"),
        ("CREC-2018-01-03-pt2-PgS3-2", "SENATE"),
    ]  # PgD1, the Daily Digest, is not speech; nextPage null: no further page
    assert out[0].url == f"{API}/packages/CREC-2018-01-03/granules/CREC-2018-01-03-pt1-PgE1769-2/htm"
    assert out[0].cb_kwargs["title"] == "HONORING THE SERVICE OF LORIE GRINNAN"


def test_granule_class_wins_over_the_page_letter():
    assert section_of({"granuleId": "CREC-2018-10-10-pt1-PgS6735-6", "granuleClass": "SENATE"}) == "SENATE"
    assert section_of({"granuleId": "CREC-2018-03-01-pt1-PgD211"}) == "DIGEST"
    assert section_of({"granuleId": "odd"}) == ""


def test_real_senate_article_presiding_officer(spider):
    (item,) = article(spider, "CREC-2018-10-10", "CREC-2018-10-10-pt1-PgS6735-6",
                      "CREC-2018-10-10-pt1-PgS6735-6.TRANSCRIBED.htm", "SENATE", "RECOGNITION OF THE MAJORITY LEADER")
    assert isinstance(item, Statement)
    assert item.speaker == "Mr. Cotton"
    assert item.speaker_role == "Presiding Officer"
    assert item.body == "US Senate"
    assert item.kind == "floor_speech"
    assert item.published == "2018-10-10"
    assert item.text == "The majority leader is recognized."
    assert item.title == "RECOGNITION OF THE MAJORITY LEADER"
    assert item.url == "https://www.govinfo.gov/app/details/CREC-2018-10-10/CREC-2018-10-10-pt1-PgS6735-6"
    assert item.fetch_url == f"{API}/packages/CREC-2018-10-10/granules/CREC-2018-10-10-pt1-PgS6735-6/htm"
    assert item.record_id == "CREC-2018-10-10-pt1-PgS6735-6#5dbe01899533bc8b"  # granule + hash of speaker and words
    assert item.raw_type == "html" and "<pre>" in item.raw


def test_real_house_article_one_candidate_per_speaker_turn(spider):
    chair, casten = article(spider, "CREC-2024-05-16", "CREC-2024-05-16-pt1-PgH3280-3",
                            "CREC-2024-05-16-pt1-PgH3280-3.TRANSCRIBED.TRUNCATED.htm", "HOUSE", "POLICE WEEK")
    assert (chair.speaker, chair.speaker_role) == ("The SPEAKER pro tempore", "Speaker pro tempore")
    assert chair.text == "The Chair recognizes the gentleman from Illinois (Mr. Casten) for 5 minutes."
    assert (casten.speaker, casten.speaker_role) == ("Mr. CASTEN", "Representative")
    assert casten.body == "US House of Representatives"
    assert casten.published == "2024-05-16"
    assert casten.text.startswith("Madam Speaker, it is Police Week, the week when law enforcement officers")
    assert "I rise today partly to share in that gratitude." in casten.text  # later paragraphs stay in the turn
    assert "[[Page H3281]]" not in casten.text
    assert casten.record_id == "CREC-2024-05-16-pt1-PgH3280-3#dffe05677bccaee0"
    assert casten.raw == chair.raw  # one article, one document


def test_a_turn_keeps_its_record_id_when_an_earlier_turn_is_removed(spider):
    """Issue #19 item 4: the id comes from the turn, not its place in the article."""
    package, granule = "CREC-2024-05-16", "CREC-2024-05-16-pt1-PgH3280-3"
    url = f"{API}/packages/{package}/granules/{granule}/htm"
    real = (FIXTURES / SOURCE / "CREC-2024-05-16-pt1-PgH3280-3.TRANSCRIBED.TRUNCATED.htm").read_text()
    chair_turn = ("  The SPEAKER pro tempore. The Chair recognizes the gentleman from \n"
                  "Illinois (Mr. Casten) for 5 minutes.\n")
    assert chair_turn in real
    without_chair = HtmlResponse(url, body=real.replace(chair_turn, "").encode(), encoding="utf-8", request=Request(url))
    (casten_alone,) = list(spider.parse_article(without_chair, package, granule, "HOUSE", "POLICE WEEK"))
    _, casten = article(spider, package, granule, "CREC-2024-05-16-pt1-PgH3280-3.TRANSCRIBED.TRUNCATED.htm",
                        "HOUSE", "POLICE WEEK")
    assert casten_alone.speaker == casten.speaker == "Mr. CASTEN"
    assert casten_alone.record_id == casten.record_id


def test_the_same_words_twice_get_two_ids():
    from spiders.us_congress import turn_keys
    said = [("The SPEAKER pro tempore", None, "Without objection, it is so ordered."),
            ("Mr. SMITH", None, "I yield back."),
            ("The SPEAKER pro tempore", None, "Without  objection, it is so ordered.")]
    first, other, again = turn_keys(said)
    assert again == f"{first}-2" and len({first, other, again}) == 3


def test_article_date_comes_from_its_header_not_the_issue():
    # The recorded summary: a granule dated 2018-03-01 inside issue CREC-2018-01-03.
    summary = json.loads((FIXTURES / SOURCE / "granule_summary_CREC-2018-03-01-pt1-PgD211.json").read_text())
    assert summary["packageId"] == "CREC-2018-01-03" and summary["granuleId"].startswith("CREC-2018-03-01")
    header = "\n[Congressional Record Volume 164, Number 37 (Thursday, March 1, 2018)]\n[Daily Digest]\n"
    assert article_date(header) == "2018-03-01"
    assert article_date("no header") is None


def test_turns_member_of_state_and_extension_heading():
    text = ("\n                    HON. JOHN SMITH\n                    of michigan\n"
            "  Mr. SMITH of Michigan. Madam Speaker, I rise \ntoday.\n")
    assert turns(text) == [("Mr. SMITH of Michigan", None, "Madam Speaker, I rise today.")]


def test_reconstructed_on_topic_article(spider):
    chair, member = article(spider, "CREC-2023-04-17", "CREC-2023-04-17-pt1-PgH1000-1",
                            "CREC-2023-04-17-pt1-PgH1000-1.RECONSTRUCTED.htm", "HOUSE", "PLACEHOLDER")
    assert member.speaker == "Mr. PLACEHOLDER"
    assert "undeclared Chinese police station" in member.text
    assert member.text.endswith("PLACEHOLDER second paragraph of the same turn.")


def test_page_without_pre_text_is_a_layout_change(spider):
    url = f"{API}/packages/CREC-2024-05-16/granules/x/htm"
    response = HtmlResponse(url, body=b"<html><body><p>Service unavailable</p></body></html>", request=Request(url))
    assert list(spider.parse_article(response, "CREC-2024-05-16", "x", "HOUSE", "")) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_changed_list_shape_is_a_layout_change(spider):
    url = f"{API}/packages/CREC-2024-05-16/granules"
    response = TextResponse(url, body=b'{"results": []}', request=Request(url))
    assert list(spider.parse_granules(response, "CREC-2024-05-16")) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_replay(tmp_path):
    db_path = tmp_path / "t.db"
    with ReplayServer(manifests=[FIXTURES / SOURCE / "replay.yml"]) as server:
        result = run_scrapy(SOURCE, db_path, server.url, env={"GOVINFO_API_KEY": "DEMO_KEY"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DEMO_KEY" not in result.stderr  # the key is never logged
    conn = database.connect(db_path)
    try:
        statements = list(conn.query("SELECT * FROM statements ORDER BY speaker DESC"))
        (run,) = list(conn.query("SELECT * FROM runs"))
        fetch_urls = [r["fetch_url"] for r in conn.query("SELECT fetch_url FROM documents")]
    finally:
        conn.close()
    # Only the on-topic (reconstructed) article survives relevance; its title
    # is on topic, so the chair's turn in it is kept with the member's.
    chair, statement = statements
    assert chair["speaker"] == "The SPEAKER pro tempore"
    assert statement["speaker"] == "Mr. PLACEHOLDER"
    assert statement["speaker_role"] == "Representative"
    assert statement["published"] == "2023-04-17"
    assert statement["url"] == "https://www.govinfo.gov/app/details/CREC-2023-04-17/CREC-2023-04-17-pt1-PgH1000-1"
    assert statement["text"].startswith("Mr. Speaker, PLACEHOLDER text, not the Record")
    assert all("api_key" not in u and "DEMO_KEY" not in u for u in fetch_urls)
    assert run["status"] == "ok"
    assert (run["records"], run["new"], run["dropped"]) == (5, 2, 3)


def test_end_to_end_without_key_asks_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVINFO_API_KEY", raising=False)
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path)
    assert crawled.result.stderr.count("us_congress skipped: set GOVINFO_API_KEY") == 1
    assert crawled.requests == []
    (run,) = crawled.runs
    assert run["status"] == "skipped"
    assert "set GOVINFO_API_KEY" in run["error_messages"]
