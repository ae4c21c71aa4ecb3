"""jp_kokkai (the Diet's minutes search API) on a recorded real response
(tests/fixtures/jp_kokkai/PROVENANCE.md)."""

import json

import pytest
from scrapy.http import Request, TextResponse

from spiders.jp_kokkai import JpKokkaiSpider
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "jp_kokkai"
API = "https://kokkai.ndl.go.jp/api/speech"
RECORDED = "speech_any-bousai_from-2022-03-01_until-2022-05-01_start-2_max-1.RECORDED.json"


@pytest.fixture
def spider():
    return make_spider(JpKokkaiSpider)


def page(spider, data, start=1, term="海外警察拠点"):
    url = f"{API}?any=x&startRecord={start}"
    return list(spider.parse_search(TextResponse(url, body=json.dumps(data).encode(), request=Request(url)), term, start))


def test_start_asks_each_japanese_search_term_from_the_start_date(spider):
    urls = [r.url for r in collect(spider.start())]
    assert len(urls) == len(spider.topic.search_terms_for("ja"))
    assert urls[0] == (f"{API}?any=%E6%B5%B7%E5%A4%96%E8%AD%A6%E5%AF%9F%E6%8B%A0%E7%82%B9&from=2022-09-01"
                       "&recordPacking=json&maximumRecords=100&startRecord=1")


def test_recorded_speech_becomes_a_statement_and_paging_goes_on(spider):
    response = response_for(SOURCE, RECORDED, f"{API}?any=%E9%98%B2%E7%81%BD&startRecord=2")
    speech, following = spider.parse_search(response, "防災", 2)
    assert isinstance(speech, Statement)
    assert speech.kind == "debate_contribution" and speech.source_kind == "parliament"
    assert (speech.country, speech.language) == ("JP", "ja")
    assert speech.record_id == "120804194X00320220428_008"
    assert speech.body == "House of Representatives"
    assert speech.title == "衆議院 原子力問題調査特別委員会 第3号"
    assert speech.published == "2022-04-28"
    assert (speech.speaker, speech.speaker_role) == ("井林辰憲", "自由民主党")
    assert speech.text.startswith("ありがとうございます。")  # the "○井林委員" mark is not the speech
    assert speech.url == "https://kokkai.ndl.go.jp/txt/120804194X00320220428/8"
    assert following.cb_kwargs == {"term": "防災", "start": 3}


def test_paging_stops_at_the_last_page(spider):
    data = json.loads(fixture_path(SOURCE, "speech_start-3_last-page.DERIVED.json").read_text(encoding="utf-8"))
    assert page(spider, data, start=3) == []


def test_an_error_answer_is_a_layout_change(spider):
    assert page(spider, {"message": "検索条件の指定が不正です"}) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    asked = [path for path, _ in crawled.requests]
    assert crawled.statements == []  # the recorded speech is about nuclear safety, not the stations
    assert sum("startRecord=1" in p for p in asked) == 3  # one search per term
    assert sum("startRecord=3" in p for p in asked) == 3  # each followed nextRecordPosition
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert run["records"] == 3 and run["status"] == "no_new"
