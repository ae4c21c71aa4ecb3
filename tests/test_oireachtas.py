"""oireachtas against recorded API responses and Akoma Ntoso XML.

Real recordings (TD-scrape): the questions and debates listings and the
2002-12-03 Dáil day record (two oral questions taken together, one answer).
RECONSTRUCTED (real text, placeholder ids): the on-topic question of 13
December 2022 and its answer's section file. RECONSTRUCTED with PLACEHOLDER
words (not a real exchange): questions 341 and 356 taken together.
"""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse, XmlResponse

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TCPTimedOutError
from twisted.python.failure import Failure

import db as database
from core.health import Stat
from db import runs as runs_table
from pipelines.relevance import RelevancePipeline
from spiders.oireachtas import OireachtasSpider, date_windows
from stationwatch.items import Statement
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, response_for
from stationwatch.topic import load_topics

API = "https://api.oireachtas.ie/v1"
SOURCE = "oireachtas"
REAL_QUESTIONS = "api_v1_questions_date_start-2010-01-01.TRIMMED.json"
REAL_DEBATES = "api_v1_debates_member_id-Cormac-Devlin.TRIMMED.json"
REAL_DAY = "akn_debateRecord_dail_2002-12-03_main.TRIMMED.xml"
DAY_URL = "https://data.oireachtas.ie/akn/ie/debateRecord/dail/2002-12-03/debate/mul@/main.xml"
PQ322 = "api_v1_questions_2022-12-13_pq322.RECONSTRUCTED.json"
PQ322_SECTION = "akn_debateRecord_dail_2022-12-13_dbsect_999.RECONSTRUCTED.xml"
PQ322_SECTION_URL = "https://data.oireachtas.ie/akn/ie/debateRecord/dail/2022-12-13/debate/mul@/dbsect_999.xml"
PAIR = "api_v1_questions_2022-12-13_pq322_pq341_pq356.RECONSTRUCTED.json"
PAIR_SECTION = "akn_debateRecord_dail_2022-12-13_dbsect_998.RECONSTRUCTED.xml"
PAIR_SECTION_URL = "https://data.oireachtas.ie/akn/ie/debateRecord/dail/2022-12-13/debate/mul@/dbsect_998.xml"
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
    """The real 2002 record: questions 1 and 2 stand together before the
    Taoiseach's one answer ("I propose to take Questions Nos. 1 to 8,
    inclusive, together"): an answer statement for each, linked to each."""
    questions = [{"uri": f"https://data.oireachtas.ie/ie/oireachtas/question/2002-12-03/pq_{n}", "date": "2002-12-03",
                  "questionNumber": n, "questionType": "oral", "showAs": f"{n}. question", "house": {"houseCode": "dail"}}
                 for n in (1, 2)]
    response = response_for(SOURCE, REAL_DAY, DAY_URL)
    items = list(spider.parse_answer_section(response, questions, LISTING_URL))
    assert [i.kind for i in items] == ["oral_question", "oral_question", "oral_answer", "oral_answer", "debate_contribution"]
    first, second = items[2], items[3]
    assert (first.speaker, first.speaker_role) == ("Bertie Ahern", "Taoiseach")
    assert first.text.startswith('<p eId="para_9">I propose to take Questions Nos. 1 to 8, inclusive, together.</p>')
    assert second.text == first.text
    assert (first.record_id, second.record_id) == ("speech:dail/2002-12-03/spk_1", "speech:dail/2002-12-03/spk_1/pq_2")
    assert (first.question_record_id, second.question_record_id) == ("question:2002-12-03/pq_1", "question:2002-12-03/pq_2")
    assert (first.url, second.url) == ("https://www.oireachtas.ie/en/debates/question/2002-12-03/1/",
                                       "https://www.oireachtas.ie/en/debates/question/2002-12-03/2/")
    assert first.context == second.context == "1. question\n\n2. question"  # both questions, as listed
    assert first.title == "Ceisteanna – Questions. - Departmental Estimates."
    # Each question is judged with the answer and the question taken with it.
    assert items[0].context.startswith("I propose to take Questions Nos. 1 to 8, inclusive, together.")
    assert items[0].context.endswith("[23204/02]")  # question 2's words, from the record
    supplementary = items[4]
    assert supplementary.speaker == "Caoimhghín Ó Caoláin"
    assert supplementary.speaker_role == "TD"  # no @as: the chamber's member role
    assert supplementary.text.startswith('<p eId="para_18">The Estimates indicate that €9.8 million')
    assert supplementary.url == "https://www.oireachtas.ie/en/debates/debate/dail/2002-12-03/2/"
    assert supplementary.published == "2002-12-03"
    assert supplementary.question_record_id is None


def test_questions_taken_together_share_one_request(spider):
    requests = parse_questions(spider, listing(PAIR))
    assert [(r.url, [q["questionNumber"] for q in r.cb_kwargs["questions"]]) for r in requests] == [
        (PQ322_SECTION_URL, [322]), (PAIR_SECTION_URL, [341, 356])]


def test_question_naming_only_the_context_is_asked_its_answer(spider):
    """356 names China and Capel Street, not the stations: its answer may."""
    data = json.loads(fixture_path(SOURCE, PAIR).read_text())
    data["results"] = [r for r in data["results"] if r["question"]["questionNumber"] == 356]
    response = TextResponse(LISTING_URL, body=json.dumps(data).encode(), request=Request(LISTING_URL))
    (request,) = parse_questions(spider, response)
    assert request.url == PAIR_SECTION_URL
    # A question naming neither is not: its section is never asked for.
    data["results"][0]["question"]["showAs"] = "356. Deputy X asked the Minister for Foreign Affairs about passports."
    response = TextResponse(LISTING_URL, body=json.dumps(data).encode(), request=Request(LISTING_URL))
    (question,) = parse_questions(spider, response)
    assert isinstance(question, Statement) and question.context is None


def pair_items(spider):
    request = parse_questions(spider, listing(PAIR))[1]
    response = response_for(SOURCE, PAIR_SECTION, PAIR_SECTION_URL)
    return list(spider.parse_answer_section(response, **request.cb_kwargs))


def test_one_answer_statement_per_question_it_takes(spider):
    q341, q356, a341, a356 = pair_items(spider)
    assert [i.kind for i in (q341, q356, a341, a356)] == ["written_question"] * 2 + ["written_answer"] * 2
    assert (a341.question_record_id, a356.question_record_id) == (q341.record_id, q356.record_id) == (
        "question:2022-12-13/pq_341", "question:2022-12-13/pq_356")
    assert (a341.record_id, a356.record_id) == ("speech:dail/2022-12-13/spk_2001", "speech:dail/2022-12-13/spk_2001/pq_356")
    assert a341.text == a356.text
    assert a341.text.startswith('<p eId="para_2003">I propose to take Questions Nos. 341 and 356 together.</p>')
    assert (a356.speaker, a356.speaker_role) == ("Simon Coveney", "Minister for Foreign Affairs")
    assert (a341.url, a356.url) == (q341.url, q356.url) == (
        "https://www.oireachtas.ie/en/debates/question/2022-12-13/341/",
        "https://www.oireachtas.ie/en/debates/question/2022-12-13/356/")
    assert a356.title == "Diplomatic Relations"
    assert "Capel Street" in a341.context and "overseas police stations" in a356.context  # both questions


def test_question_off_topic_by_itself_is_relevant_with_its_answer(spider):
    relevance = RelevancePipeline()
    _, q356, _, _ = pair_items(spider)
    judged = relevance.process_item(q356)
    assert "so-called overseas police station" in judged.matched_terms  # from the answer, read as context
    assert judged.excerpt.startswith("356. Deputy Placeholder Asker Two asked")  # quoted from its own words
    q356.context = None
    with pytest.raises(DropItem):
        relevance.process_item(q356)


def test_missing_section_file_is_a_lost_record_and_keeps_the_questions(spider):
    (request,) = parse_questions(spider, listing(PQ322))
    not_found = HtmlResponse(PQ322_SECTION_URL, status=404, body=b"<h1>Not Found</h1>", request=request)
    failure = Failure(HttpError(not_found))
    failure.request = request  # as Scrapy hands it to the errback
    (question,) = spider.answer_section_failed(failure)
    assert question.kind == "written_question" and question.raw_type == "json"
    assert question.record_id == "question:2022-12-13/pq_322"
    assert spider.crawler.stats.get_value(Stat.LOST_RECORDS) == 1


def test_section_file_timing_out_is_a_lost_record_too(spider):
    (request,) = parse_questions(spider, listing(PQ322))
    failure = Failure(TCPTimedOutError())
    failure.request = request
    assert [q.kind for q in spider.answer_section_failed(failure)] == ["written_question"]
    assert spider.crawler.stats.get_value(Stat.LOST_RECORDS) == 1


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


def test_end_to_end_crawl_stores_each_answer_linked_to_its_question(tmp_path):
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path, "-a", "since=2022-11-20")
    rows = {r["record_id"]: r for r in crawled.statements}
    run = [r for r in crawled.runs if r["spider"] == SOURCE]
    # The real 2002 debate speeches are off topic: only the 13 December 2022 exchanges are kept.
    assert sorted((r["kind"], r["speaker"], r["published"]) for r in rows.values()) == [
        ("written_answer", "Simon Coveney", "2022-12-13")] * 3 + [
        ("written_question", "Placeholder Asker One", "2022-12-13"),
        ("written_question", "Placeholder Asker Two", "2022-12-13"),
        ("written_question", "Seán Sherlock", "2022-12-13")]
    answer = rows["speech:dail/2022-12-13/spk_1"]
    assert answer["question_id"] == rows["question:2022-12-13/pq_322"]["id"]
    assert answer["speaker_role"] == "Minister for Foreign Affairs"
    assert answer["text"].startswith("The Department of Foreign Affairs raised the presence")
    # One answer to two questions: a row linked to each, one cluster between them.
    to_341, to_356 = rows["speech:dail/2022-12-13/spk_2001"], rows["speech:dail/2022-12-13/spk_2001/pq_356"]
    assert to_341["question_id"] == rows["question:2022-12-13/pq_341"]["id"]
    assert to_356["question_id"] == rows["question:2022-12-13/pq_356"]["id"]
    assert to_341["text"] == to_356["text"] and to_356["cluster_id"] == to_341["id"]
    # 356 names no topic term itself; it is kept for its answer.
    assert "so-called overseas police station" in json.loads(rows["question:2022-12-13/pq_356"]["matched_terms"])
    assert [(r["status"], r["new"], r["duplicates"], r["errors"]) for r in run] == [("ok", 5, 1, 0)]


def seed_complete_run(db_path, days_ago: int) -> None:
    """A complete ('ok') run of the source ``days_ago`` days back, that asked
    for every topic: the next bare crawl resumes each from it (minus the
    overlap), a window of a few days."""
    conn = database.connect(db_path)
    try:
        run_id = runs_table.start_run(conn, SOURCE, None, {t.name: None for t in load_topics(single="", names="")})
        summary = {"status": "ok", "finish_reason": "finished", "pages": 1, "bytes": 1, "records": 1, "items": 1,
                   "new": 1, "updated": 0, "unchanged": 0, "duplicates": 0, "dropped": 0, "errors": 0}
        runs_table.finish_run(conn, run_id, summary, {}, [])
        started = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
        conn.execute("UPDATE runs SET started_at = ? WHERE id = ?", [started, run_id])
    finally:
        conn.close()


def test_answer_lost_to_a_404_night_is_fetched_the_next_night(tmp_path):
    """Night 1 the answer's section file answers 404: the run is an error and
    does not move the window. Night 2 asks from the same date, the file is
    back, and the answer is stored, linked to the question kept on night 1."""
    db_path = tmp_path / "t.db"
    seed_complete_run(db_path, days_ago=3)
    night1 = replay_crawl(SOURCE, db_path, manifests=[FIXTURES / SOURCE / "replay_night1_section_404.yml"])
    night2 = replay_crawl(SOURCE, db_path, manifests=[FIXTURES / SOURCE / "replay_night2_section_back.yml"])
    _, first, second = night2.runs
    since = (dt.date.today() - dt.timedelta(days=3 + 2)).isoformat()  # the seeded run minus the 2-day overlap
    assert (first["status"], first["since"], first["new"]) == ("errors", since, 1)
    assert any("record lost: answer section HTTP 404" in m for m in json.loads(first["error_messages"]))
    assert json.loads(first["stats"])[Stat.LOST_RECORDS] == 1
    assert [p for p, _ in night1.requests if "dbsect_999" in p]  # asked, and lost
    assert (second["status"], second["since"], second["new"], second["unchanged"]) == ("ok", since, 1, 1)
    question, answer = night2.statements
    assert (question["record_id"], question["run_id"]) == ("question:2022-12-13/pq_322", first["id"])
    assert (answer["kind"], answer["run_id"], answer["question_id"]) == ("written_answer", second["id"], question["id"])
    assert answer["text"].startswith("The Department of Foreign Affairs raised the presence")
    # Only now may the window move on: the next night asks from night 2's date.
    conn = database.connect(db_path)
    try:
        assert runs_table.resume_since(conn, SOURCE, dt.date(2022, 9, 1), 2) == dt.date.today() - dt.timedelta(days=2)
    finally:
        conn.close()
