"""jp_mofa (Foreign Minister's and Press Secretary's press conferences) on
pages rebuilt around the real text of the records of 2022-12-27 (Japanese)
and 2022-11-29 (English) (tests/fixtures/jp_mofa/PROVENANCE.md)."""

import datetime as dt

import pytest
import yaml
from scrapy.http import HtmlResponse, Request

from spiders.jp_mofa import JpMofaSpider, decoded_html, record_date, split_official
from stationwatch.items import Statement
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "jp_mofa"
JA_RECORD = "https://www.mofa.go.jp/mofaj/press/kaiken/kaiken24_000164.html"
EN_RECORD = "https://www.mofa.go.jp/press/kaiken/kaiken24e_000183.html"
JA_FILE, EN_FILE = "kaiken24_000164_2022-12-27.RECONSTRUCTED.html", "kaiken24e_000183_2022-11-29.RECONSTRUCTED.html"


@pytest.fixture
def spider():
    return make_spider(JpMofaSpider)


def stat(spider, name):
    return spider.crawler.stats.get_value(f"stationwatch/{name}") or 0


def test_start_reads_the_japanese_listing_and_each_english_month_back_to_since():
    spider = make_spider(JpMofaSpider, since="2022-11-15")
    requests = collect(spider.start())
    assert requests[0].url == "https://www.mofa.go.jp/mofaj/press/kaiken/bn/index.html"
    assert spider.english_months(today=dt.date(2023, 1, 10)) == [
        "https://www.mofa.go.jp/press/kaiken/index.html",
        "https://www.mofa.go.jp/press/kaiken/pc_202212_index.html",
        "https://www.mofa.go.jp/press/kaiken/pc_202211_index.html",
    ]
    assert all(r.meta["dont_conditional"] for r in requests)


def test_listing_leads_to_each_record_once(spider):
    response = response_for(SOURCE, "ja_bn_index.RECONSTRUCTED.html", "https://www.mofa.go.jp/mofaj/press/kaiken/bn/index.html")
    assert [r.url for r in spider.parse_listing(response, "ja", True)] == [JA_RECORD]
    response = response_for(SOURCE, "en_pc_202211_index.RECONSTRUCTED.html", "https://www.mofa.go.jp/press/kaiken/pc_202211_index.html")
    assert [r.url for r in spider.parse_listing(response, "en", False)] == [EN_RECORD]


def test_an_empty_japanese_listing_is_a_layout_change_an_empty_english_month_is_not(spider):
    url = "https://www.mofa.go.jp/press/kaiken/pc_202212_index.html"
    empty = response_for(SOURCE, "en_month_index_empty.RECONSTRUCTED.html", url)
    assert list(spider.parse_listing(empty, "en", False)) == []
    assert stat(spider, "layout_errors") == 0
    assert list(spider.parse_listing(empty, "ja", True)) == []
    assert stat(spider, "layout_errors") == 1


def test_japanese_record_one_statement_per_answer_with_its_question(spider):
    (answer,) = spider.parse_record(response_for(SOURCE, JA_FILE, JA_RECORD), "ja")
    assert isinstance(answer, Statement)
    assert (answer.kind, answer.source_kind, answer.country, answer.language) == ("press_conference", "ministry", "JP", "ja")
    assert answer.body == "Ministry of Foreign Affairs"
    assert answer.title == "林外務大臣会見記録"
    assert answer.published == "2022-12-27"  # (令和4年12月27日(火曜日)10時57分 於:本省会見室)
    assert (answer.speaker, answer.speaker_role) == ("林", "Minister for Foreign Affairs")
    assert answer.text.startswith("中国における新型コロナの感染状況につきましては")
    assert answer.text.endswith("これに機動的に対処していく考えでございます。")  # three paragraphs, one turn
    assert answer.context.startswith("中国の新型コロナ感染急拡大の影響\n\n中国での新型コロナウイルス感染拡大についてお尋ねします。")
    assert "来月には、旧正月の春節を迎え" in answer.context  # the question's second paragraph
    assert answer.record_id.startswith("kaiken24_000164:")
    assert answer.url == JA_RECORD


def test_english_record_opening_remark_and_answer(spider):
    opening, answer = spider.parse_record(response_for(SOURCE, EN_FILE, EN_RECORD), "en")
    assert opening.language == answer.language == "en"
    assert opening.published == answer.published == "2022-11-29"
    assert (opening.speaker, opening.speaker_role) == ("HAYASHI Yoshimasa", "Minister for Foreign Affairs")
    assert opening.text.startswith("At the outset, I have one announcement.") and opening.text.endswith("That is all from me.")
    assert opening.context == "Schedule and Other Issues Related to the 2023 G7 Trade Ministers’ Meeting"
    # "Minister Hayashi:" is the same person the record named in full.
    assert (answer.speaker, answer.speaker_role) == ("HAYASHI Yoshimasa", "Minister for Foreign Affairs")
    assert answer.text.startswith("I am aware that cases involving protests")
    assert answer.context.startswith("Protests in Various Areas of China\n\nI would like to ask about the protests")
    assert opening.record_id != answer.record_id


@pytest.mark.parametrize("label, language, expected", [
    ("林外務大臣", "ja", ("林", "Minister for Foreign Affairs")),
    ("小野外務報道官", "ja", ("小野", "Press Secretary")),
    ("Mr. KITAMURA Toshihiro, Press Secretary", "en", ("KITAMURA Toshihiro", "Press Secretary")),
    ("Minister Hayashi", "en", ("Hayashi", "Minister")),
])
def test_officials_labels(label, language, expected):
    assert split_official(label, language) == expected


def test_record_dates():
    assert record_date("(令和5年4月2日(日曜日)15時11分 於:北京)", "ja") == dt.date(2023, 4, 2)
    assert record_date("Wednesday, July 16, 2025, 3:45 p.m. Ministry of Foreign Affairs", "en") == dt.date(2025, 7, 16)
    assert record_date("Opening Remarks", "en") is None


def test_a_record_older_than_since_is_passed_over():
    spider = make_spider(JpMofaSpider, since="2023-01-01")
    assert list(spider.parse_record(response_for(SOURCE, JA_FILE, JA_RECORD), "ja")) == []
    assert stat(spider, "records") == 1


def test_a_record_without_its_text_region_is_a_layout_change(spider):
    response = HtmlResponse(JA_RECORD, body="<html><body><h2 class='title2'>会見</h2></body></html>".encode(),
                            headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(JA_RECORD))
    assert list(spider.parse_record(response, "ja")) == []
    assert stat(spider, "layout_errors") == 1


@pytest.mark.parametrize("header, encoding", [("text/html", "cp932"), ("text/html; charset=utf-8", "cp932")])
def test_shift_jis_records_read_as_text(spider, header, encoding):
    html = fixture_path(SOURCE, JA_FILE).read_text(encoding="utf-8").replace('charset="UTF-8"', 'charset="Shift_JIS"').replace("©", "(c)")
    response = HtmlResponse(JA_RECORD, body=html.encode(encoding), headers={"Content-Type": header}, request=Request(JA_RECORD))
    assert "林外務大臣会見記録" in decoded_html(response)
    (answer,) = spider.parse_record(response, "ja")
    assert answer.speaker == "林"


def test_end_to_end_replay_stores_nothing_off_topic(tmp_path):
    """The two recorded conferences are real and off topic: every answer is
    read (both listings, both records) and the relevance pipeline drops them."""
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    asked = [path for path, _ in crawled.requests]
    assert crawled.statements == []
    assert any(p.endswith("kaiken24_000164.html") for p in asked)
    assert any(p.endswith("kaiken24e_000183.html") for p in asked)
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert run["status"] == "no_new" and run["records"] == 3


def test_end_to_end_an_answer_to_a_question_about_the_stations_is_stored(tmp_path):
    """DERIVED here, not recorded: the real 2022-12-27 record with its NHK
    question swapped for the real question a freelance reporter put to the
    Chief Cabinet Secretary on 2022-11-25 (Yahoo! News transcript). Shows the
    question, read as context, makes the minister's answer relevant."""
    html = fixture_path(SOURCE, JA_FILE).read_text(encoding="utf-8")
    start, end = html.index("【NHK 今井記者】"), html.index("【林外務大臣】")
    swapped = html[:start] + ("【フリーランス 安積記者】日本国内において設置されている中国の警察拠点についてお伺いいたします。"
                              "</p>\n<p>") + html[end:]
    derived = tmp_path / "kaiken24_000164.DERIVED.html"
    derived.write_text(swapped, encoding="utf-8")
    entries = yaml.safe_load((FIXTURES / SOURCE / "replay.yml").read_text(encoding="utf-8"))
    for entry in entries:
        entry["file"] = str(derived if entry["url"] == JA_RECORD else FIXTURES / SOURCE / entry["file"])
    manifest = tmp_path / "replay.yml"
    manifest.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", manifests=[manifest])
    (row,) = crawled.statements
    assert (row["speaker"], row["published"], row["language"]) == ("林", "2022-12-27", "ja")
    assert row["text"].startswith("中国における新型コロナの感染状況につきましては")
