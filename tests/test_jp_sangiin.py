"""jp_sangiin (House of Councillors written questions and Cabinet answers)
and the Japanese date converter, on the pages rebuilt around the real text
of questions 210-21, 210-50 and answer 216-28 (tests/fixtures/jp_sangiin/PROVENANCE.md)."""

import datetime as dt

import pytest
import yaml
from scrapy.http import HtmlResponse, Request
from twisted.python.failure import Failure

from core.japanese_dates import kanji_number, parse_japanese_date
from spiders.jp_sangiin import Details, Entry, JpSangiinSpider, decoded_html
from stationwatch.conditional import NotModified
from stationwatch.items import Statement
from stationwatch.topic import load_topic
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "jp_sangiin"
BASE = "https://www.sangiin.go.jp/japanese/joho1/kousei/syuisyo"
LIST_210 = f"{BASE}/210/syuisyo.htm"
ENTRY_21 = Entry(210, 21, "中国の海外警察拠点に関する質問主意書", f"{BASE}/210/meisai/m210021.htm",
                 f"{BASE}/210/syuh/s210021.htm", f"{BASE}/210/touh/t210021.htm")


@pytest.fixture
def spider():
    return make_spider(JpSangiinSpider)


def stat(spider, name):
    return spider.crawler.stats.get_value(f"stationwatch/{name}") or 0


# --- Japanese dates -------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("一", 1), ("十", 10), ("十一", 11), ("二十一", 21), ("三十一", 31), ("百十", 110),
    ("二百十", 210), ("千九百八十九", 1989), ("二〇二二", 2022), ("二一〇", 210), ("元", 1),
    ("１２", 12), ("7", 7), ("", None), ("年", None),
])
def test_kanji_numbers(text, expected):
    assert kanji_number(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("令和四年十一月四日", dt.date(2022, 11, 4)),  # the example (answer 210-21)
    ("  令和四年十月二十四日", dt.date(2022, 10, 24)),
    ("内閣参質二一六第二八号 令和六年十二月二十七日 内閣総理大臣 石破 茂", dt.date(2024, 12, 27)),
    ("令和4年11月30日", dt.date(2022, 11, 30)),  # digits, as detail pages print them
    ("令和５年４月２日（日曜日）", dt.date(2023, 4, 2)),  # full-width digits
    ("令和元年五月一日", dt.date(2019, 5, 1)),
    ("平成三十一年四月三十日", dt.date(2019, 4, 30)),
    ("昭和六十四年一月七日", dt.date(1989, 1, 7)),
    ("二〇二四年三月二十二日、産経新聞は", dt.date(2024, 3, 22)),  # a Western year in kanji
    ("2023年4月2日", dt.date(2023, 4, 2)),
])
def test_japanese_dates(text, expected):
    assert parse_japanese_date(text) == expected


@pytest.mark.parametrize("text", [
    "令和四年二月三十日",  # no such day
    "令和元年四月一日",  # Reiwa began on 1 May 2019
    "第二百十回国会",  # a session number is not a date
    "", None,
])
def test_what_is_not_a_date(text):
    assert parse_japanese_date(text) is None


# --- the session walk ------------------------------------------------------

def test_start_reads_the_first_session_after_the_reports(spider):
    (request,) = collect(spider.start())
    assert request.url == LIST_210
    assert request.meta["handle_httpstatus_list"] == [404]


def test_session_list_fetches_on_topic_questions_and_goes_on(spider):
    out = list(spider.parse_session_list(response_for(SOURCE, "syuisyo_210.RECONSTRUCTED.html", LIST_210), 210))
    urls = [r.url for r in out]
    assert urls == [f"{BASE}/210/meisai/m210021.htm", f"{BASE}/210/meisai/m210050.htm", f"{BASE}/211/syuisyo.htm"]
    entry_21, entry_50 = out[0].cb_kwargs["entry"], out[1].cb_kwargs["entry"]
    assert entry_21 == ENTRY_21
    assert entry_50.answer_url is None and entry_50.title == "中国の海外警察拠点に関する再質問主意書"
    assert stat(spider, "records") == 1  # No. 1 (off topic by its title) passed over


def test_a_missing_session_list_ends_the_walk(spider):
    url = f"{BASE}/218/syuisyo.htm"
    response = HtmlResponse(url, status=404, body=b"Not Found", request=Request(url))
    assert list(spider.parse_session_list(response, 218)) == []
    assert stat(spider, "layout_errors") == 0


def test_no_list_for_the_first_session_is_a_layout_change(spider):
    response = HtmlResponse(LIST_210, status=404, body=b"Not Found", request=Request(LIST_210))
    assert list(spider.parse_session_list(response, 210)) == []
    assert stat(spider, "layout_errors") == 1


def test_an_unchanged_closed_session_list_still_leads_to_the_next(spider):
    request = spider.session_list(212)
    failure = Failure(NotModified(f"not modified: {request.url}"))
    failure.request = request
    assert [r.url for r in spider.session_list_unchanged(failure)] == [f"{BASE}/213/syuisyo.htm"]


def test_a_list_without_its_table_is_a_layout_change(spider):
    response = HtmlResponse(LIST_210, body="<html><body><p>メンテナンス中</p></body></html>".encode(),
                            headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(LIST_210))
    assert list(spider.parse_session_list(response, 210)) == []
    assert stat(spider, "layout_errors") == 1


# --- detail, question and answer pages ------------------------------------

def test_detail_page_gives_dates_and_the_member(spider):
    response = response_for(SOURCE, "meisai_m210021.RECONSTRUCTED.html", ENTRY_21.meisai_url)
    (request,) = spider.parse_meisai(response, ENTRY_21)
    details = request.cb_kwargs["details"]
    assert request.url == ENTRY_21.question_url
    assert (details.submitted, details.received) == (dt.date(2022, 10, 24), dt.date(2022, 11, 4))
    assert details.submitter == "神谷 宗幣"
    assert details.fields["件名"] == "中国の海外警察拠点に関する質問主意書"


def test_a_question_asked_and_answered_before_the_last_run_is_not_fetched_again():
    spider = make_spider(JpSangiinSpider, since="2023-01-10")
    response = response_for(SOURCE, "meisai_m210021.RECONSTRUCTED.html", ENTRY_21.meisai_url)
    assert list(spider.parse_meisai(response, ENTRY_21)) == []
    assert stat(spider, "records") == 1


def test_an_answer_newer_than_the_last_run_is_fetched():
    spider = make_spider(JpSangiinSpider, since="2022-11-01")  # asked before, answered after
    response = response_for(SOURCE, "meisai_m210021.RECONSTRUCTED.html", ENTRY_21.meisai_url)
    assert [r.url for r in spider.parse_meisai(response, ENTRY_21)] == [ENTRY_21.question_url]


def test_question_page_is_the_members_statement(spider):
    details = Details(dt.date(2022, 10, 24), dt.date(2022, 11, 4), "神谷 宗幣", {"提出日": "令和4年10月24日"})
    response = response_for(SOURCE, "syuh_s210021.RECONSTRUCTED.html", ENTRY_21.question_url)
    question, answer_request = spider.parse_question(response, ENTRY_21, details)
    assert isinstance(question, Statement)
    assert question.kind == "written_question" and question.source_kind == "parliament"
    assert question.record_id == "210-21:question"
    assert (question.country, question.language, question.body) == ("JP", "ja", "House of Councillors")
    assert question.published == "2022-10-24"
    assert question.speaker == "神谷 宗幣"
    assert question.speaker_role == "Member of the House of Councillors"
    assert question.title == "中国の海外警察拠点に関する質問主意書"
    assert question.url == f"{BASE}/210/syuh/s210021.htm"
    assert "海外一一〇番" in question.text and "Safeguard Defenders" in question.text
    assert "Copyright" not in question.text  # the site's footer is not the question
    assert answer_request.url == ENTRY_21.answer_url
    assert "帰国説得" in answer_request.cb_kwargs["question_text"]


def test_question_date_falls_back_to_the_page(spider):
    response = response_for(SOURCE, "syuh_s210050.RECONSTRUCTED.html", f"{BASE}/210/syuh/s210050.htm")
    entry = Entry(210, 50, "中国の海外警察拠点に関する再質問主意書", question_url=response.url)
    (question,) = spider.parse_question(response, entry, Details())
    assert question.published == "2022-11-30"  # 令和四年十一月三十日 on the page itself
    assert question.record_id == "210-50:question"


def test_answer_page_is_the_cabinets_statement_signed_by_the_prime_minister(spider):
    details = Details(dt.date(2022, 10, 24), dt.date(2022, 11, 4), "神谷 宗幣", {})
    response = response_for(SOURCE, "touh_t210021.RECONSTRUCTED.html", ENTRY_21.answer_url)
    (answer,) = spider.parse_answer(response, ENTRY_21, details, question_text="中国の警察当局が海外に設置した拠点")
    assert answer.kind == "written_answer"
    assert (answer.source_kind, answer.body) == ("government", "Cabinet")
    assert answer.record_id == "210-21:answer"
    assert answer.question_record_id == "210-21:question"
    assert answer.published == "2022-11-04"  # 令和四年十一月四日, the answer's own date
    assert (answer.speaker, answer.speaker_role) == ("岸田 文雄", "Prime Minister")
    assert answer.context == "中国の警察当局が海外に設置した拠点"
    assert "我が国の情報収集能力等を明らかにするおそれがある" in answer.text
    assert answer.url == f"{BASE}/210/touh/t210021.htm"


def test_answer_with_its_lines_run_together(spider):
    """t216028's stored text has its line breaks collapsed: date and signer still read."""
    url = f"{BASE}/216/touh/t216028.htm"
    entry = Entry(216, 28, "中国の海外警察拠点に関する質問主意書", answer_url=url)
    (answer,) = spider.parse_answer(response_for(SOURCE, "touh_t216028.RECONSTRUCTED.html", url), entry, Details(), None)
    assert answer.published == "2024-12-27"
    assert answer.speaker == "石破 茂"
    assert answer.context == entry.title  # no question text: its title still tells the topic
    assert "日本福州十邑社団聯合総会" in answer.text


def test_an_unchanged_question_page_still_leads_to_a_new_answer(spider):
    details = Details(dt.date(2022, 10, 24), dt.date(2022, 11, 4), "神谷 宗幣", {"提出日": "x"})
    request = Request(ENTRY_21.question_url, cb_kwargs={"entry": ENTRY_21, "details": details})
    failure = Failure(NotModified("not modified"))
    failure.request = request
    (answer_request,) = spider.question_unchanged(failure)
    assert answer_request.url == ENTRY_21.answer_url
    assert answer_request.cb_kwargs["question_text"] is None


# --- encodings --------------------------------------------------------------

def _list_bytes(encoding: str, declared: str) -> bytes:
    text = fixture_path(SOURCE, "syuisyo_210.RECONSTRUCTED.html").read_text(encoding="utf-8")
    return text.replace('<meta charset="UTF-8">', f'<meta charset="{declared}">').encode(encoding)


@pytest.mark.parametrize("header, body", [
    ("text/html", _list_bytes("cp932", "Shift_JIS")),  # declared in the page only
    ("text/html; charset=Shift_JIS", _list_bytes("cp932", "Shift_JIS")),
    ("text/html; charset=utf-8", _list_bytes("cp932", "Shift_JIS")),  # the header lies
    ("text/html", _list_bytes("euc_jp", "EUC-JP")),
    ("text/html", _list_bytes("utf-8", "UTF-8")),
])
def test_pages_in_any_japanese_encoding_read_as_text(spider, header, body):
    response = HtmlResponse(LIST_210, body=body, headers={"Content-Type": header}, request=Request(LIST_210))
    assert "中国の海外警察拠点に関する再質問主意書" in decoded_html(response)
    requests = list(spider.parse_session_list(response, 210))
    assert requests[1].cb_kwargs["entry"].title == "中国の海外警察拠点に関する再質問主意書"


# --- topic terms ----------------------------------------------------------

def test_real_japanese_sentences_are_on_topic_and_a_distractor_is_not():
    topic = load_topic()
    # s210021 and s210050, House of Councillors, 2022:
    assert topic.judge("また、同レポートはこのような中国警察の海外拠点は世界中に存在している").relevant
    assert topic.judge("中国の公安局が日本における「海外一一〇番」の連絡先として指定した電話番号").relevant
    # NTV's transcript of the Chief Cabinet Secretary, 2022-11-14 ("会見トピックス"):
    assert topic.judge("▽中国の海外警察サービスセンター").relevant
    # A Japanese police station in a sentence about China is not the topic.
    assert not topic.judge("中国からの観光客が財布を落とし、新宿警察署に届け出た。").relevant


# --- end to end -----------------------------------------------------------

def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    asked = [path for path, _ in crawled.requests]
    rows = {r["record_id"]: r for r in crawled.statements}
    assert set(rows) == {"210-21:question", "210-21:answer", "210-50:question"}
    question, answer = rows["210-21:question"], rows["210-21:answer"]
    assert (question["speaker"], question["published"], question["kind"]) == ("神谷 宗幣", "2022-10-24", "written_question")
    assert (answer["published"], answer["body"]) == ("2022-11-04", "Cabinet")
    # One person, one name (config/speakers.yml); the page's spelling is kept beside it.
    assert (answer["speaker"], answer["speaker_as_written"]) == ("Kishida Fumio", "岸田 文雄")
    assert answer["question_record_id"] == "210-21:question"
    assert "海外警察拠点" in question["text"]  # stored as text, not mojibake
    assert any(p.endswith("/218/syuisyo.htm") for p in asked)  # the walk found the current session
    assert not any("/219/" in p for p in asked)
    assert not any("m210001" in p for p in asked)  # the off-topic question was not fetched
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert run["status"] == "ok" and run["new"] == 3


def test_an_answer_arriving_on_a_later_run_is_exactly_one_new_statement(tmp_path):
    """Night 1: No. 21 asked, not answered. Night 2: the Cabinet's answer is listed."""
    entries = yaml.safe_load((FIXTURES / SOURCE / "replay.yml").read_text(encoding="utf-8"))
    night_1 = [dict(e) for e in entries if "touh/" not in e["url"] and "m210050" not in e["url"]]
    for entry in night_1:
        entry["file"] = str(FIXTURES / SOURCE / entry["file"]) if entry.get("file") else None
        if entry["url"].endswith("/210/syuisyo.htm"):
            entry["file"] = str(FIXTURES / SOURCE / "syuisyo_210_before-answer.RECONSTRUCTED.html")
        if entry["url"].endswith("m210021.htm"):
            entry["file"] = str(FIXTURES / SOURCE / "meisai_m210021_before-answer.RECONSTRUCTED.html")
        if entry["file"] is None:
            entry.pop("file")
    manifest = tmp_path / "night_1.yml"
    manifest.write_text(yaml.safe_dump(night_1, allow_unicode=True), encoding="utf-8")
    db_path = tmp_path / "t.db"

    first = replay_crawl(SOURCE, db_path, manifests=[manifest])
    assert [r["record_id"] for r in first.statements] == ["210-21:question"]

    second = replay_crawl(SOURCE, db_path, "-a", "since=2022-10-30")
    by_record = {r["record_id"]: r for r in second.statements}
    assert by_record["210-21:question"]["id"] == first.statements[0]["id"]  # the question is not stored twice
    new_for_21 = [r for r in second.statements if r["record_id"].startswith("210-21") and r["id"] not in
                  {s["id"] for s in first.statements}]
    assert [r["record_id"] for r in new_for_21] == ["210-21:answer"]
    assert by_record["210-21:answer"]["question_record_id"] == "210-21:question"
