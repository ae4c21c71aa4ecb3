"""scottish_parliament against the (RECONSTRUCTED) data.parliament.scot samples.

No real response was found; the recorded row's values are placeholders, so
these tests pin down the field mapping and the defensive handling, and use
copies of the row with realistic values where a test needs valid dates.
"""

import datetime as dt
import json

import pytest
from scrapy.http import Request, TextResponse

from spiders.scottish_parliament import ScottishParliamentSpider, member_name
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

API = "https://data.parliament.scot/api"
SOURCE = "scottish_parliament"
YEAR_FILE = "motionsquestionsanswersquestions_year-2022.RECONSTRUCTED.json"
PAGE = "https://www.parliament.scot/chamber-and-committees/questions-and-answers/question?ref="


@pytest.fixture
def spider():
    spider = make_spider(ScottishParliamentSpider)
    list(spider.parse_members(response_for(SOURCE, "members.RECONSTRUCTED.json", f"{API}/members")))
    return spider


def year_response(rows, year=2022):
    url = f"{API}/motionsquestionsanswersquestions?year={year}"
    return TextResponse(url, body=json.dumps(rows).encode(), request=Request(url))


def recorded_row() -> dict:
    return json.loads(fixture_path(SOURCE, YEAR_FILE).read_text())[0]


def written_row(**changes) -> dict:
    """The recorded row as a written question with valid dates (values made up here)."""
    row = recorded_row()
    row.update(EventID="S6W-12345", SubmissionDateTime="2022-11-03T00:00:00", AnswerDate="2022-11-17T00:00:00",
               MeetingDate=None, Title="Overseas Police Stations", AnsweredByMSP="Angela  Constance (on behalf of X)")
    row.update(changes)
    return row


def test_start_asks_for_names_then_every_year_to_today():
    spider = make_spider(ScottishParliamentSpider)
    (members,) = collect(spider.start())
    assert members.url == f"{API}/members"
    years = list(spider.parse_members(response_for(SOURCE, "members.RECONSTRUCTED.json", f"{API}/members")))
    assert [r.cb_kwargs["year"] for r in years] == list(range(2022, dt.date.today().year + 1))
    assert years[0].url == f"{API}/motionsquestionsanswersquestions?year=2022"
    assert spider.members == {"0": "Asking Member Placeholder"}


def test_without_member_names_the_years_are_still_walked():
    spider = make_spider(ScottishParliamentSpider)
    years = list(spider.members_failed(type("Failure", (), {"value": "404"})()))
    assert len(years) == dt.date.today().year - 2022 + 1


def test_recorded_row_becomes_question_and_answer(spider):
    question, answer = spider.parse_questions(response_for(SOURCE, YEAR_FILE, f"{API}/motionsquestionsanswersquestions?year=2022"), 2022)
    assert isinstance(question, Statement)
    assert question.kind == "oral_question"  # S6F-: First Minister's Questions
    assert question.record_id == "question:S6F-00000"
    assert question.body == "Scottish Parliament"
    assert question.speaker == "Asking Member Placeholder"
    assert question.speaker_role == "MSP (Scottish Green Party)"
    assert question.text.startswith("PLACEHOLDER: To ask the First Minister what action is being taken")
    assert question.published is None  # "2022-10-00" is no date: tolerated, left empty
    assert question.url == PAGE + "S6F-00000"
    assert question.fetch_url == f"{API}/motionsquestionsanswersquestions?year=2022"
    assert question.title == "PLACEHOLDER"

    assert answer.kind == "oral_answer"
    assert answer.record_id == "answer:S6F-00000"
    assert answer.question_record_id == "question:S6F-00000"
    assert answer.body == "Scottish Government"
    assert answer.speaker == "PLACEHOLDER"
    assert answer.text == "PLACEHOLDER"
    assert answer.context == question.text
    assert answer.url == question.url and answer.raw == question.raw


def test_written_question_dates_and_answerer(spider):
    question, answer = spider.parse_questions(year_response([written_row()]), 2022)
    assert (question.kind, question.published) == ("written_question", "2022-11-03")
    assert (answer.kind, answer.published) == ("written_answer", "2022-11-17")
    assert answer.speaker == "Angela Constance"  # spaces folded, "(on behalf of ...)" dropped
    assert question.url == PAGE + "S6W-12345"


def test_first_ministers_question_is_dated_by_its_meeting(spider):
    row = written_row(EventID="S6F-01234", MeetingDate="2022-11-10T00:00:00", AnswerDate=None)
    question, answer = spider.parse_questions(year_response([row]), 2022)
    assert question.published == "2022-11-10"
    assert answer.published == "2022-11-10"  # answered in the chamber that day


def test_unanswered_question_yields_only_the_question(spider):
    items = list(spider.parse_questions(year_response([written_row(AnswerText=None, AnswerDate=None)]), 2022))
    assert [i.kind for i in items] == ["written_question"]


def test_rows_older_than_the_start_date_are_skipped_but_counted():
    spider = make_spider(ScottishParliamentSpider, since="2022-11-05")
    old = written_row(EventID="S6W-1", SubmissionDateTime="2022-10-01T00:00:00", AnswerDate="2022-10-20T00:00:00")
    answered_since = written_row(EventID="S6W-2", SubmissionDateTime="2022-10-01T00:00:00")
    items = list(spider.parse_questions(year_response([old, answered_since]), 2022))
    assert {i.record_id for i in items} == {"question:S6W-2", "answer:S6W-2"}
    assert spider.crawler.stats.get_value("stationwatch/records") == 3  # the old row passed over, the question and answer made


def test_empty_year_yields_nothing(spider):
    assert list(spider.parse_questions(year_response([], 2026), 2026)) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_changed_shape_is_a_layout_error(spider):
    url = f"{API}/motionsquestionsanswersquestions?year=2022"
    response = TextResponse(url, body=b'{"value": []}', request=Request(url))
    assert list(spider.parse_questions(response, 2022)) == []
    assert list(spider.parse_questions(year_response([{"UniqueID": 1}]), 2022)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


def test_member_name():
    assert member_name({"ParliamentaryName": "Sturgeon, Nicola"}) == "Nicola Sturgeon"
    assert member_name({"ParliamentaryName": "Sturgeon, Nicola", "PreferredName": "Nicola  Sturgeon"}) == "Nicola Sturgeon"
    assert member_name({"ParliamentaryName": "Cher"}) == "Cher"


def test_end_to_end_crawl_stores_the_question_and_answer(tmp_path):
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path)
    rows = crawled.statements
    run = [r for r in crawled.runs if r["spider"] == SOURCE]
    assert [(r["kind"], r["speaker"], r["record_id"]) for r in rows] == [
        ("oral_question", "Asking Member Placeholder", "question:S6F-00000"),
        ("oral_answer", "PLACEHOLDER", "answer:S6F-00000"),
    ]
    assert rows[1]["question_id"] is not None
    assert {r["url"] for r in rows} == {PAGE + "S6F-00000"}
    assert [(r["status"], r["new"], r["records"]) for r in run] == [("ok", 2, 2)]
