"""oireachtas against recorded API responses and Akoma Ntoso XML.

Real recordings (TD-scrape): the questions and debates listings and the
2002-12-03 Dáil day record. RECONSTRUCTED (real text, placeholder ids): the
on-topic question of 13 December 2022 and its answer's section file.
"""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse, XmlResponse

from spiders.oireachtas import OireachtasSpider, date_windows
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

API = "https://api.oireachtas.ie/v1"
SOURCE = "oireachtas"
REAL_QUESTIONS = "api_v1_questions_date_start-2010-01-01.TRIMMED.json"
REAL_DEBATES = "api_v1_debates_member_id-Cormac-Devlin.TRIMMED.json"
REAL_DAY = "akn_debateRecord_dail_2002-12-03_main.TRIMMED.xml"
DAY_URL = "https://data.oireachtas.ie/akn/ie/debateRecord/dail/2002-12-03/debate/mul@/main.xml"
PQ322 = "api_v1_questions_2022-12-13_pq322.RECONSTRUCTED.json"
PQ322_SECTION = "akn_debateRecord_dail_2022-12-13_dbsect_999.RECONSTRUCTED.xml"
PQ322_SECTION_URL = "https://data.oireachtas.ie/akn/ie/debateRecord/dail/2022-12-13/debate/mul@/dbsect_999.xml"
LISTING_URL = f"{API}/questions?date_start=2022-12-08&date_end=2022-12-14&qtype=oral%2Cwritten&limit=500&skip=0"


@pytest.fixture
def spider():
    return make_spider(OireachtasSpider)


def listing(name, url=LISTING_URL, **changes):
    data = json.loads(fixture_path(SOURCE, name).read_text())
    data["head"]["counts"].update(changes)
    return TextResponse(url, body=json.dumps(data).encode(), request=Request(url))


def parse_questions(spider, response, skip=0):
    return list(spider.parse_questions(response, {"date_start": "2022-12-08"}, skip))


def test_start_walks_date_windows_to_today():
    spider = make_spider(OireachtasSpider, since=(dt.date.today() - dt.timedelta(days=9)).isoformat())
    requests = collect(spider.start())
    questions = [parse_qs(urlsplit(r.url).query) for r in requests if "/questions?" in r.url]
    debates = [parse_qs(urlsplit(r.url).query) for r in requests if "/debates?" in r.url]
    assert [q["date_start"][0] for q in questions] == [
        (dt.date.today() - dt.timedelta(days=9)).isoformat(), (dt.date.today() - dt.timedelta(days=2)).isoformat()]
    assert questions[-1]["date_end"] == [dt.date.today().isoformat()]
    assert questions[0]["qtype"] == ["oral,written"] and questions[0]["skip"] == ["0"]
    assert len(debates) == 1 and debates[0]["date_end"] == [dt.date.today().isoformat()]


def test_date_windows_cover_every_day_once():
    windows = list(date_windows(dt.date(2023, 1, 1), dt.date(2023, 1, 16), 7))
    assert windows == [("2023-01-01", "2023-01-07"), ("2023-01-08", "2023-01-14"), ("2023-01-15", "2023-01-16")]


def test_real_questions_field_by_field(spider):
    # Real recording; off topic, so each is yielded from the listing, no XML fetched.
    items = parse_questions(spider, listing(REAL_QUESTIONS, resultCount=3, questionCount=3))
    assert all(isinstance(i, Statement) for i in items) and len(items) == 3
    first = items[0]
    assert first.kind == "oral_question"
    assert first.body == "Dáil Éireann"
    assert first.speaker == "Mary Lou McDonald"
    assert first.speaker_role == "TD"
    assert first.published == "2023-02-14"
    assert first.title == "Cabinet Committees - Question to Taoiseach"
    assert first.text.startswith("1. Deputy Mary Lou McDonald asked the Taoiseach when the Cabinet committee")
    assert first.text.endswith("[4084/23]")  # showAs padding stripped
    assert first.record_id == "question:2023-02-14/pq_1"
    assert first.url == "https://www.oireachtas.ie/en/debates/question/2023-02-14/1/"
    assert first.fetch_url == LISTING_URL
    assert (first.country, first.language, first.raw_type) == ("IE", "en", "json")
    assert [i.speaker for i in items] == ["Mary Lou McDonald", "Ivana Bacik", "Mary Lou McDonald"]
    assert items[2].url == "https://www.oireachtas.ie/en/debates/question/2023-02-14/10/"


def test_paging_follows_to_the_end(spider):
    def next_skips(skip):
        out = parse_questions(spider, listing(REAL_QUESTIONS, resultCount=1200), skip)
        return [parse_qs(urlsplit(r.url).query)["skip"][0] for r in out if isinstance(r, Request)]

    assert next_skips(0) == ["500"]
    assert next_skips(500) == ["1000"]
    assert next_skips(1000) == []


def test_empty_window_yields_nothing(spider):
    data = {"head": {"counts": {"questionCount": 0, "resultCount": 0}}, "results": []}
    response = TextResponse(LISTING_URL, body=json.dumps(data).encode(), request=Request(LISTING_URL))
    assert parse_questions(spider, response) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_on_topic_question_waits_for_its_answer_section(spider):
    (request,) = parse_questions(spider, listing(PQ322))
    assert request.url == PQ322_SECTION_URL
    assert [q["questionNumber"] for q in request.cb_kwargs["questions"]] == [322]
    assert parse_questions(spider, listing(PQ322)) == []  # the same question in an overlapping window


def answer_section_items(spider):
    (request,) = parse_questions(spider, listing(PQ322))
    response = response_for(SOURCE, PQ322_SECTION, PQ322_SECTION_URL)
    return list(spider.parse_answer_section(response, **request.cb_kwargs))


def test_question_and_answer_from_the_section_xml(spider):
    question, answer = answer_section_items(spider)
    assert question.kind == "written_question"
    assert question.speaker == "Seán Sherlock"
    assert question.published == "2022-12-13"
    assert question.text.startswith("322. Deputy Seán Sherlock asked the Minister for Foreign Affairs")
    assert question.raw_type == "xml"

    assert answer.kind == "written_answer"
    assert answer.speaker == "Simon Coveney"
    assert answer.speaker_role == "Minister for Foreign Affairs"
    assert answer.body == "Dáil Éireann"
    assert answer.published == "2022-12-13"
    assert answer.title == "Consular Services"
    assert answer.text.startswith('<p eId="para_2">The Department of Foreign Affairs raised the presence of a so-called')
    assert "office on Capel Street should close" in answer.text
    assert answer.record_id == "speech:dail/2022-12-13/spk_1"
    assert answer.question_record_id == question.record_id == "question:2022-12-13/pq_322"
    assert answer.url == question.url == "https://www.oireachtas.ie/en/debates/question/2022-12-13/322/"
    assert answer.raw == question.raw  # one page, one document
    assert answer.fetch_url == PQ322_SECTION_URL


def test_real_oral_questions_answer_and_supplementary(spider):
    """The real 2002 record: questions 1 and 2 taken together by the Taoiseach."""
    questions = [{"uri": f"https://data.oireachtas.ie/ie/oireachtas/question/2002-12-03/pq_{n}", "date": "2002-12-03",
                  "questionNumber": n, "questionType": "oral", "showAs": f"{n}. question", "house": {"houseCode": "dail"}}
                 for n in (1, 2)]
    response = response_for(SOURCE, REAL_DAY, DAY_URL)
    items = list(spider.parse_answer_section(response, questions, LISTING_URL))
    assert [i.kind for i in items] == ["oral_question", "oral_answer", "oral_question", "oral_answer", "debate_contribution"]
    answer = items[1]
    assert answer.speaker == "Bertie Ahern"
    assert answer.speaker_role == "Taoiseach"
    assert answer.text.startswith('<p eId="para_9">I propose to take Questions Nos. 1 to 8, inclusive, together.</p>')
    assert answer.record_id == items[3].record_id == "speech:dail/2002-12-03/spk_1"  # one speech answers both
    assert answer.title == "Ceisteanna – Questions. - Departmental Estimates."
    supplementary = items[4]
    assert supplementary.speaker == "Caoimhghín Ó Caoláin"
    assert supplementary.speaker_role == "TD"  # no @as: the chamber's member role
    assert supplementary.text.startswith('<p eId="para_18">The Estimates indicate that €9.8 million')
    assert supplementary.url == "https://www.oireachtas.ie/en/debates/debate/dail/2002-12-03/2/"
    assert supplementary.published == "2002-12-03"


def test_missing_section_file_keeps_the_questions(spider):
    (request,) = parse_questions(spider, listing(PQ322))
    failure = type("Failure", (), {"request": request, "value": "404"})()
    (question,) = spider.answer_section_failed(failure)
    assert question.kind == "written_question" and question.raw_type == "json"


def test_real_debates_listing_leads_to_each_day_record(spider):
    url = f"{API}/debates?date_start=2023-02-01&limit=500&skip=0"
    response = response_for(SOURCE, REAL_DEBATES, url)
    out = list(spider.parse_debates(response, {"date_start": "2023-02-01"}, 0))
    assert [r.url for r in out] == [
        "https://data.oireachtas.ie/akn/ie/debateRecord/dail/2023-02-15/debate/mul@/main.xml",
        "https://data.oireachtas.ie/akn/ie/debateRecord/committee_on_public_petitions/2023-02-09/debate/mul@/main.xml",
        "https://data.oireachtas.ie/akn/ie/debateRecord/dail/2023-02-08/debate/mul@/main.xml",
    ]  # debateCount 401 < 500 a page: no next page
    assert [r.cb_kwargs["body"] for r in out] == ["Dáil Éireann", "Committee on Public Petitions", "Dáil Éireann"]


def test_day_record_skips_question_sections_and_yields_debate_speeches(spider):
    response = response_for(SOURCE, REAL_DAY, DAY_URL)
    assert list(spider.parse_day(response, body="Dáil Éireann")) == []  # its one section holds questions
    # The same real speeches in a section without questions (the questions removed here):
    body = fixture_path(SOURCE, REAL_DAY).read_text()
    start, end = body.index('<question by="#EndaKenny"'), body.index('<speech by="#Bertie"')
    response = XmlResponse(DAY_URL, body=(body[:start] + body[end:]).encode(), request=Request(DAY_URL))
    first, second = spider.parse_day(response, body="Dáil Éireann")
    assert (first.kind, first.speaker, first.speaker_role) == ("debate_contribution", "Bertie Ahern", "Taoiseach")
    assert first.record_id == "speech:dail/2002-12-03/spk_1"
    assert second.speaker == "Caoimhghín Ó Caoláin"
    assert first.url == "https://www.oireachtas.ie/en/debates/debate/dail/2002-12-03/2/"
    assert first.raw == second.raw and first.raw_type == "xml"


def test_not_akn_is_a_layout_error(spider):
    response = XmlResponse(DAY_URL, body=b"<html><body>maintenance</body></html>", request=Request(DAY_URL))
    assert list(spider.parse_day(response)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_crawl_stores_the_answer_linked_to_its_question(tmp_path):
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path, "-a", "since=2022-11-20")
    rows = crawled.statements
    run = [r for r in crawled.runs if r["spider"] == SOURCE]
    # The real 2002 debate speeches are off topic: only PQ 322 and its answer are kept.
    assert [(r["kind"], r["speaker"], r["published"]) for r in rows] == [
        ("written_question", "Seán Sherlock", "2022-12-13"),
        ("written_answer", "Simon Coveney", "2022-12-13"),
    ]
    assert rows[1]["question_id"] == rows[0]["id"]
    assert rows[1]["speaker_role"] == "Minister for Foreign Affairs"
    assert rows[1]["text"].startswith("The Department of Foreign Affairs raised the presence")
    assert [(r["status"], r["new"]) for r in run] == [("ok", 2)]
