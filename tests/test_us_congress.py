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


def test_start_asks_for_issues_and_hearings_changed_since_the_start_date_with_the_key_in_a_header(spider):
    record, hearings = collect(spider.start())
    assert record.url == f"{API}/collections/CREC/2022-09-01T00:00:00Z?pageSize=100&offsetMark=%2A"
    assert hearings.url == f"{API}/collections/CHRG/2022-09-01T00:00:00Z?pageSize=100&offsetMark=%2A"
    assert hearings.callback == spider.parse_hearings
    for request in (record, hearings):
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


# --- committee hearings (collection CHRG) ---

def hearing(spider, package_id, name, title="Threats to the Homeland"):
    url = f"{API}/packages/{package_id}/htm"
    return list(spider.parse_hearing(response_for(SOURCE, name, url), package_id, title))


def test_hearings_collection_leads_to_each_transcript(spider):
    response = response_for(SOURCE, "collections_CHRG.DERIVED.json", f"{API}/collections/CHRG/2022-09-01T00:00:00Z")
    (request,) = list(spider.parse_hearings(response))
    assert request.url == f"{API}/packages/CHRG-117shrg99999/htm"
    assert request.cb_kwargs == {"package_id": "CHRG-117shrg99999", "title": "Threats to the Homeland",
                                 "issued": "2023-05-31"}
    assert request.headers.get("X-Api-Key") == b"TEST_KEY"


def test_real_hearing_cover_gives_the_day_it_was_held():
    from spiders.us_congress import hearing_date
    real = (FIXTURES / SOURCE / "CHRG-116shrg42868.TRANSCRIBED.TRUNCATED.htm").read_text()
    assert hearing_date(real) == "2019-11-05"  # the cover's date, not the 2021 printing
    assert hearing_date("no cover") is None


def test_a_transcript_without_any_turn_is_a_layout_change(spider):
    # The real capture ends in the member list, before anyone speaks.
    assert hearing(spider, "CHRG-116shrg42868", "CHRG-116shrg42868.TRANSCRIBED.TRUNCATED.htm") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_reconstructed_hearing_one_candidate_per_turn_with_roles(spider):
    items = hearing(spider, "CHRG-117shrg99999", "CHRG-117shrg99999.RECONSTRUCTED.htm")
    assert [(i.speaker, i.speaker_role) for i in items] == [
        ("Chairman Peters", "Senator"),
        ("Mr. Wray", "Director, Federal Bureau of Investigation"),  # the office from the TESTIMONY OF heading
        ("Senator Scott", "Senator"),
        ("Mr. Wray", "Director, Federal Bureau of Investigation"),
        ("Chairman Peters", "Senator"),
        ("Christopher A. Wray", "Director, Federal Bureau of Investigation"),  # PREPARED STATEMENT OF
    ]
    answer = items[3]
    assert answer.kind == "committee_evidence" and answer.body == "US Senate" and answer.source_kind == "parliament"
    assert answer.published == "2022-11-17"
    assert answer.text.startswith("Like you, I'm very concerned about this. We are aware of the existence of these stations.")
    assert answer.text.endswith("talking to our foreign partners about as well.")  # both paragraphs, lines joined
    assert answer.context.startswith("PLACEHOLDER question: Senator Scott asked the Director about the Chinese police")
    assert answer.url == "https://www.govinfo.gov/app/details/CHRG-117shrg99999"
    assert answer.record_id.startswith("CHRG-117shrg99999#")
    assert items[5].context is None  # a prepared statement answers no question
    assert "A P P E N D I X" not in items[4].text  # headings end a turn


def test_a_witness_answer_keeps_its_record_id_when_an_earlier_turn_is_removed(spider):
    url = f"{API}/packages/CHRG-117shrg99999/htm"
    real = (FIXTURES / SOURCE / "CHRG-117shrg99999.RECONSTRUCTED.htm").read_text()
    opening = "    Mr. Wray. PLACEHOLDER opening testimony (not the words of the \ntranscript).\n"
    assert opening in real
    shorter = HtmlResponse(url, body=real.replace(opening, "").encode(), encoding="utf-8", request=Request(url))
    answer_alone = [i for i in spider.parse_hearing(shorter, "CHRG-117shrg99999", "T") if i.text.startswith("Like you")]
    answer = [i for i in hearing(spider, "CHRG-117shrg99999", "CHRG-117shrg99999.RECONSTRUCTED.htm")
              if i.text.startswith("Like you")]
    assert answer_alone[0].record_id == answer[0].record_id


def test_house_hearing_member_without_a_title_is_a_representative():
    from spiders.us_congress import hearing_turns
    text = ("      STATEMENT OF JANE PLACEHOLDER, DIRECTOR, PLACEHOLDER AGENCY\n\n"
            "    Mr. Green. PLACEHOLDER question on the police stations.\n"
            "    Ms. Placeholder. PLACEHOLDER answer.\n")
    member, witness = hearing_turns(text, "Representative")
    assert (member.speaker, member.role) == ("Mr. Green", "Representative")
    assert (witness.speaker, witness.role) == ("Ms. Placeholder", "Director, Placeholder Agency")
    assert witness.context == "PLACEHOLDER question on the police stations."


def test_a_package_that_is_not_a_hearing_is_a_layout_change(spider):
    url = f"{API}/collections/CHRG/2022-09-01T00:00:00Z"
    response = TextResponse(url, body=b'{"packages": [{"packageId": "CREC-2018-10-10"}], "nextPage": null}',
                            request=Request(url))
    assert list(spider.parse_hearings(response)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_replay(tmp_path):
    db_path = tmp_path / "t.db"
    with ReplayServer(manifests=[FIXTURES / SOURCE / "replay.yml"]) as server:
        result = run_scrapy(SOURCE, db_path, server.url, env={"GOVINFO_API_KEY": "DEMO_KEY"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "DEMO_KEY" not in result.stderr  # the key is never logged
    conn = database.connect(db_path)
    try:
        statements = list(conn.query("SELECT * FROM statements ORDER BY id"))
        (run,) = list(conn.query("SELECT * FROM runs"))
        fetch_urls = [r["fetch_url"] for r in conn.query("SELECT fetch_url FROM documents")]
    finally:
        conn.close()
    record = sorted((s for s in statements if s["kind"] == "floor_speech"), key=lambda s: s["speaker"], reverse=True)
    hearing = [s for s in statements if s["kind"] == "committee_evidence"]
    # Only the on-topic (reconstructed) article survives relevance; its title
    # is on topic, so the chair's turn in it is kept with the member's.
    chair, statement = record
    assert chair["speaker"] == "The SPEAKER pro tempore"
    assert statement["speaker"] == "Mr. PLACEHOLDER"
    assert statement["speaker_role"] == "Representative"
    assert statement["published"] == "2023-04-17"
    assert statement["url"] == "https://www.govinfo.gov/app/details/CREC-2023-04-17/CREC-2023-04-17-pt1-PgH1000-1"
    assert statement["text"].startswith("Mr. Speaker, PLACEHOLDER text, not the Record")
    # From the hearing: the question on the stations and the Director's answer
    # (on topic through the question it answers); the other turns are dropped.
    question, answer = hearing
    assert (question["speaker"], question["speaker_role"]) == ("Senator Scott", "Senator")
    assert (answer["speaker"], answer["speaker_role"]) == ("Mr. Wray", "Director, Federal Bureau of Investigation")
    assert answer["text"].startswith("Like you, I'm very concerned about this. We are aware of the existence")
    assert (answer["body"], answer["published"]) == ("US Senate", "2022-11-17")
    assert answer["url"] == "https://www.govinfo.gov/app/details/CHRG-117shrg99999"
    assert all("api_key" not in u and "DEMO_KEY" not in u for u in fetch_urls)
    assert run["status"] == "ok"
    # 5 Record turns (2 kept) + 6 hearing turns (2 kept)
    assert (run["records"], run["new"], run["dropped"]) == (11, 4, 7)


def test_end_to_end_without_key_asks_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVINFO_API_KEY", raising=False)
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path)
    assert crawled.result.stderr.count("us_congress skipped: set GOVINFO_API_KEY") == 1
    assert crawled.requests == []
    (run,) = crawled.runs
    assert run["status"] == "skipped"
    assert "set GOVINFO_API_KEY" in run["error_messages"]
