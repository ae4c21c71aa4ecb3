"""china_mfa against reconstructed MFA pages holding real question-and-answer text."""

import json

import pytest
from scrapy.http import HtmlResponse, Request

from pipelines.normalize import NormalizePipeline
from spiders.china_mfa import ChinaMfaSpider, split_questions_and_answers, body_paragraphs
from stationwatch.items import Statement
from stationwatch.topic import load_topic
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "china_mfa"
EN_LIST = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/"
ZH_LIST = "https://www.mfa.gov.cn/web/fyrbt_673021/jzhsl_673025/"
EN_PRESSER = EN_LIST + "202305/t20230515_99990001.html"
ZH_PRESSER = ZH_LIST + "202305/t20230515_99990003.shtml"
EN_TEXT = json.loads(fixture_path(SOURCE, "mfa-presser-qa_overseas-police-stations_text.VERBATIM-TEXT.json").read_text())
ZH_TEXT = json.loads(fixture_path(SOURCE, "mfa-presser-qa_zh_text.TRANSCRIBED.json").read_text())
# Record ids: the transcript's t-number and a hash of speaker, question and
# answer (pinned here: a change of the hash would make every stored answer new).
EN_CANADA_ID = "t20230515_99990001:c2ecc229d3aa638d"
ZH_CANADA_ID = "t20230515_99990003:71394f8b84a4fe0c"


@pytest.fixture
def spider():
    return make_spider(ChinaMfaSpider)


def listing(spider, name, url, page=0, language="en", folder=EN_LIST, ext="html"):
    response = response_for(SOURCE, name, url)
    return list(spider.parse_listing(response, language, "briefing", folder, ext, page))


def html_response(url, body: bytes, content_type="text/html; charset=utf-8"):
    return HtmlResponse(url, body=body, headers={"Content-Type": content_type}, request=Request(url))


def test_start_reads_the_first_page_of_each_listing(spider):
    assert [r.url for r in collect(spider.start())] == [
        EN_LIST + "index.html",
        "https://www.fmprc.gov.cn/eng/xw/fyrbt/fyrbt/index.html",
        ZH_LIST + "index.shtml",
    ]


def test_listing_leads_to_transcripts_and_the_next_page(spider):
    out = listing(spider, "eng_lxjzh_index.RECONSTRUCTED.html", EN_LIST + "index.html")
    assert [r.url for r in out] == [
        EN_LIST + "202305/t20230516_99990002.html",
        EN_PRESSER,
        EN_LIST + "index_1.html",  # countPage = 3
    ]
    assert out[1].cb_kwargs == {"language": "en", "kind": "briefing"}
    assert out[2].cb_kwargs["page"] == 1
    # A listed transcript is counted when its statements are made, not here.
    assert not spider.crawler.stats.get_value("stationwatch/records")


def test_listed_transcripts_older_than_since_still_count_as_records_seen(spider):
    listing(spider, "eng_lxjzh_index_1.RECONSTRUCTED.html", EN_LIST + "index_1.html", page=1)
    assert spider.crawler.stats.get_value("stationwatch/records") >= 1


def test_listing_walk_stops_at_since(spider):
    # Page 2 lists only transcripts of August 2022, before the since date.
    assert listing(spider, "eng_lxjzh_index_1.RECONSTRUCTED.html", EN_LIST + "index_1.html", page=1) == []


def test_listing_walk_stops_at_count_page(spider):
    out = listing(spider, "zh_jzhsl_index.RECONSTRUCTED.html", ZH_LIST + "index.shtml", language="zh",
                  folder=ZH_LIST, ext="shtml")
    assert [r.url for r in out] == [ZH_PRESSER]  # countPage = 1: no index_1.shtml


def test_empty_listing_is_reported_as_a_layout_change(spider):
    assert listing(spider, "eng_lxjzh_index_empty.RECONSTRUCTED.html", EN_LIST + "index.html") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_english_transcript_gives_one_candidate_per_answer(spider):
    response = response_for(SOURCE, "eng_presser_2023-05-15.RECONSTRUCTED.html", EN_PRESSER)
    announcement, other, canada = spider.parse_article(response, "en", "briefing")
    assert isinstance(canada, Statement)
    # The real Q&A, field by field.
    assert canada.record_id == EN_CANADA_ID
    assert len({i.record_id for i in (announcement, other, canada)}) == 3
    assert canada.source == "china_mfa" and canada.source_kind == "ministry" and canada.country == "CN"
    assert canada.body == "Ministry of Foreign Affairs"
    assert canada.kind == "briefing" and canada.language == "en"
    assert canada.title == "Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference on May 15, 2023"
    assert canada.published == "2023-05-15"
    assert canada.url == EN_PRESSER
    assert canada.speaker == "Wang Wenbin"
    assert canada.speaker_role == "Foreign Ministry Spokesperson"
    assert canada.context == EN_TEXT["question"]
    assert canada.text == EN_TEXT["answer"].removeprefix("Wang Wenbin: ")
    assert canada.raw.count("<p>") == 2 and canada.raw_type == "html"
    # The opening announcement answers no question; a two-paragraph answer stays whole.
    assert announcement.context is None and announcement.text == "PLACEHOLDER opening announcement."
    assert other.context == "PLACEHOLDER Outlet: PLACEHOLDER question about another subject?"
    assert other.text == "PLACEHOLDER answer about another subject.\n\nPLACEHOLDER second paragraph of that answer."
    assert "[Print]" not in other.text


def test_relevance_is_judged_per_question_and_answer(spider):
    topic = load_topic()
    response = response_for(SOURCE, "eng_presser_2023-05-15.RECONSTRUCTED.html", EN_PRESSER)
    judged = [topic.judge(f"{i.context or ''}\n\n{i.text}").relevant for i in spider.parse_article(response, "en", "briefing")]
    assert judged == [False, False, True]


@pytest.mark.parametrize("encoding", ["utf-8", "gb2312", "gbk"])
def test_chinese_transcript_decodes_in_each_encoding(spider, encoding):
    response = response_for(SOURCE, f"zh_presser_2023-05-15.{encoding}.RECONSTRUCTED.html", ZH_PRESSER)
    other, canada = spider.parse_article(response, "zh", "briefing")
    assert canada.record_id == ZH_CANADA_ID  # the same in every encoding: the hash is of the decoded text
    assert canada.title == "2023年5月15日外交部发言人汪文斌主持例行记者会"
    assert canada.published == "2023-05-15"
    assert canada.speaker == "汪文斌" and canada.speaker_role == "Foreign Ministry Spokesperson"
    assert canada.language == "zh" and canada.url == ZH_PRESSER
    assert canada.context == ZH_TEXT["question"]
    assert canada.text == ZH_TEXT["answer"].removeprefix("汪文斌：")
    # The topic file's Chinese terms match the decoded text, and not the filler.
    topic = load_topic()
    judgement = topic.judge(f"{canada.context}\n\n{canada.text}")
    assert judgement.relevant and "警察站" in judgement.matched_terms
    assert not topic.judge(f"{other.context}\n\n{other.text}").relevant


def test_an_answer_keeps_its_id_when_an_earlier_one_is_removed(spider):
    body = fixture_path(SOURCE, "eng_presser_2023-05-15.RECONSTRUCTED.html").read_bytes()
    earlier = (b"<p>PLACEHOLDER Outlet: PLACEHOLDER question about another subject?</p>\n"
               b"<p>Wang Wenbin: PLACEHOLDER answer about another subject.</p>\n"
               b"<p>PLACEHOLDER second paragraph of that answer.</p>\n")
    assert earlier in body
    announcement, canada = spider.parse_article(html_response(EN_PRESSER, body.replace(earlier, b"")), "en", "briefing")
    assert canada.record_id == EN_CANADA_ID and canada.context == EN_TEXT["question"]
    # A changed answer is another record: its words are the record.
    changed = body.replace(b"multiple times.", b"many times.")
    assert list(spider.parse_article(html_response(EN_PRESSER, changed), "en", "briefing"))[-1].record_id != EN_CANADA_ID


def test_english_and_chinese_transcripts_give_the_same_speaker(spider):
    pipeline = NormalizePipeline()
    en = list(spider.parse_article(response_for(SOURCE, "eng_presser_2023-05-15.RECONSTRUCTED.html", EN_PRESSER),
                                   "en", "briefing"))[-1]
    zh = list(spider.parse_article(response_for(SOURCE, "zh_presser_2023-05-15.utf-8.RECONSTRUCTED.html", ZH_PRESSER),
                                   "zh", "briefing"))[-1]
    assert (en.speaker, zh.speaker) == ("Wang Wenbin", "汪文斌")  # as each page writes it
    en, zh = pipeline.process_item(en), pipeline.process_item(zh)
    assert en.speaker == zh.speaker == "Wang Wenbin"
    assert (en.speaker_as_written, zh.speaker_as_written) == ("Wang Wenbin", "汪文斌")


def test_charset_header_that_contradicts_the_bytes(spider):
    # GBK bytes sent with a UTF-8 header: strict decoding falls back to the
    # page's own declaration instead of storing mojibake.
    body = fixture_path(SOURCE, "zh_presser_2023-05-15.gbk.RECONSTRUCTED.html").read_bytes()
    _, canada = spider.parse_article(html_response(ZH_PRESSER, body, "text/html; charset=utf-8"), "zh", "briefing")
    assert canada.text == ZH_TEXT["answer"].removeprefix("汪文斌：")


def test_no_charset_anywhere(spider):
    body = fixture_path(SOURCE, "zh_presser_2023-05-15.gb2312.RECONSTRUCTED.html").read_bytes()
    body = body.replace(b"; charset=gb2312", b"")
    _, canada = spider.parse_article(html_response(ZH_PRESSER, body, "text/html"), "zh", "briefing")
    assert canada.context == ZH_TEXT["question"]


def test_removed_page_answering_200_is_not_stored(spider):
    url = EN_LIST + "202305/t20230516_99990002.html"
    response = response_for(SOURCE, "removed_maintenance_page.RECONSTRUCTED.html", url)
    assert list(spider.parse_article(response, "en", "briefing")) == []
    assert spider.crawler.stats.get_value("stationwatch/removed_pages") == 1
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")
    assert not spider.crawler.stats.get_value("stationwatch/records")


def test_redirect_to_the_system_page_is_a_removed_page(spider):
    # A removed transcript redirected to /web/system/: the response's URL says so.
    body = fixture_path(SOURCE, "eng_presser_2023-05-15.RECONSTRUCTED.html").read_bytes()
    response = html_response("https://www.fmprc.gov.cn/web/system/index_17321.shtml", body)
    assert list(spider.parse_article(response, "en", "briefing")) == []
    assert spider.crawler.stats.get_value("stationwatch/removed_pages") == 1


def test_current_english_design_with_bold_questions(spider):
    # The current English design (div.content_text > TRS_UEDITOR, questions in
    # <strong>, title suffix "_Ministry of Foreign Affairs"), holding the real Q&A.
    body = (
        "<html><head><title>Foreign Ministry Spokesperson Wang Wenbin’s Regular Press Conference on May 15, 2023"
        "_Ministry of Foreign Affairs</title></head><body><div class=\"content_text\"><div class=\"view_dedault "
        f"_default TRS_UEDITOR trs_paper_default trs_web\"><p><strong>{EN_TEXT['question']}</strong></p>"
        f"<p>{EN_TEXT['answer']}</p></div></div><div class=\"links\">Links</div></body></html>"
    ).encode()
    url = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/202405/t20240530_99990009.html"
    (item,) = spider.parse_article(html_response(url, body), "en", "briefing")
    assert item.title == "Foreign Ministry Spokesperson Wang Wenbin’s Regular Press Conference on May 15, 2023"
    # Republished under a 2024 URL: the date comes from the title, not the URL.
    assert item.published == "2023-05-15"
    assert item.speaker == "Wang Wenbin" and item.context == EN_TEXT["question"]


def test_remarks_in_q_and_a_form_and_a_plain_statement(spider):
    # Shapes of the spokesperson's remarks pages (made up here, not recorded).
    qa = (b"<html><head><meta name='ArticleTitle' content=\"Foreign Ministry Spokesperson's Remarks on X\">"
          b"<meta name='PubDate' content='2023-01-05 10:00'></head><body><div id='News_Body_Txt_A'>"
          b"<p>Q: What is your comment on X?</p><p>A: Our position on X is clear.</p></div></body></html>")
    url = "https://www.fmprc.gov.cn/eng/xw/fyrbt/fyrbt/202301/t20230105_99990010.html"
    (item,) = spider.parse_article(html_response(url, qa), "en", "statement")
    assert (item.context, item.text, item.kind) == ("Q: What is your comment on X?", "Our position on X is clear.", "statement")
    assert item.speaker is None and item.published == "2023-01-05"
    plain = qa.replace(b"<p>Q: What is your comment on X?</p><p>A: ", b"<p>").replace(b"X is clear.", b"X is clear, said the statement.")
    (item,) = spider.parse_article(html_response(url, plain), "en", "statement")
    assert item.record_id == "t20230105_99990010" and item.context is None
    assert item.text == "Our position on X is clear, said the statement."


def test_follow_up_question_joins_the_question():
    html = HtmlResponse("https://x.test/", body=(
        "<div id='b'><p>Reuters: First question?</p><p>Reuters: Follow-up: and then?</p>"
        "<p>Mao Ning: One answer.</p></div>").encode(), encoding="utf-8")
    (pair,) = split_questions_and_answers(body_paragraphs(html.css("#b")[0]), "Mao Ning", "en")
    assert pair.question == "Reuters: First question?\n\nReuters: Follow-up: and then?"
    assert pair.answer == "One answer." and pair.speaker == "Mao Ning"


def test_page_without_a_transcript_body_is_a_layout_change(spider):
    response = html_response(EN_PRESSER, b"<html><body><div class='other'><p>Hello</p></div></body></html>")
    assert list(spider.parse_article(response, "en", "briefing")) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_politeness_one_request_at_a_time(spider):
    assert spider.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert spider.settings.getfloat("DOWNLOAD_DELAY") == spider.settings.getfloat("STATIONWATCH_SLOW_SITE_DELAY")


def test_end_to_end_replay(tmp_path):
    # Every topic from 2022-09-01, where the recordings start (a first run would ask the
    # Confucius Institutes topic from its own 2019-01-01, past what was recorded).
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", "since=2022-09-01")
    asked = [path for path, _ in crawled.requests]
    rows = {r["record_id"]: r for r in crawled.statements if r["source"] == SOURCE}
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    # Only the Canada answer of each transcript is on topic; the removed page is not stored.
    assert set(rows) == {EN_CANADA_ID, ZH_CANADA_ID}
    en, zh = rows[EN_CANADA_ID], rows[ZH_CANADA_ID]
    assert (en["speaker"], en["language"], en["published"]) == ("Wang Wenbin", "en", "2023-05-15")
    # One speaker in both languages; the Chinese page's spelling is kept beside it.
    assert (zh["speaker"], zh["speaker_as_written"], zh["language"]) == ("Wang Wenbin", "汪文斌", "zh")
    assert "根本不存在所谓的海外" in zh["text"]  # GBK page decoded
    assert run["status"] == "ok" and run["new"] == 2
    assert any("t20230516_99990002" in p for p in asked)  # the removed page was asked for
    assert not any("index_2.html" in p for p in asked)  # the walk stopped at since
