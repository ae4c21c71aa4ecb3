"""scottish_parliament against real data.parliament.scot rows (six 2016 question
rows, one members record) and RECONSTRUCTED samples: a 2022 question row of
placeholders, and Official Report pages built from the markup a live scraper
reads, holding real words of the First Minister."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from spiders.scottish_parliament import ScottishParliamentSpider, item_url, member_name
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

API = "https://data.parliament.scot/api"
SOURCE = "scottish_parliament"
YEAR_FILE = "motionsquestionsanswersquestions_year-2022.RECONSTRUCTED.json"
REAL_YEAR_FILE = "motionsquestionsanswersquestions_year-2016.TRIMMED.json"
PAGE = "https://www.parliament.scot/chamber-and-committees/questions-and-answers/question?ref="
OR = "https://www.parliament.scot/chamber-and-committees/official-report/search-what-was-said-in-parliament"
FMQS_URL = f"{OR}/meeting-of-parliament-27-10-2022?meeting=13942&iob=126367"
FMQS_FILE = "official-report_meeting-of-parliament-27-10-2022_iob-126367.RECONSTRUCTED.html"
SEARCH_FILE = "official-report_search_qry-police-stations.RECONSTRUCTED.html"


def with_members(spider):
    list(spider.parse_members(response_for(SOURCE, "members.RECONSTRUCTED.json", f"{API}/members")))
    return spider


@pytest.fixture
def spider():
    return with_members(make_spider(ScottishParliamentSpider))


def year_response(rows, year=2022):
    url = f"{API}/motionsquestionsanswersquestions?year={year}"
    return TextResponse(url, body=json.dumps(rows).encode(), request=Request(url))


def statements(items):
    return [i for i in items if isinstance(i, Statement)]


def recorded_row() -> dict:
    return json.loads(fixture_path(SOURCE, YEAR_FILE).read_text())[0]


def written_row(**changes) -> dict:
    """The reconstructed row as a written question with valid dates (values made up here)."""
    row = recorded_row()
    row.update(EventID="S6W-12345", SubmissionDateTime="2022-11-03T00:00:00", AnswerDate="2022-11-17T00:00:00",
               MeetingDate=None, Title="Overseas Police Stations", AnsweredByMSP="Angela  Constance (on behalf of X)")
    row.update(changes)
    return row


def fmqs(spider):
    return list(spider.parse_official_report_item(response_for(SOURCE, FMQS_FILE, FMQS_URL)))


# --- names -------------------------------------------------------------------

def test_start_asks_for_names_then_every_year_to_today():
    spider = make_spider(ScottishParliamentSpider)
    (members,) = collect(spider.start())
    assert members.url == f"{API}/members"
    years = list(spider.parse_members(response_for(SOURCE, "members.RECONSTRUCTED.json", f"{API}/members")))
    assert [r.cb_kwargs["year"] for r in years] == list(range(2022, dt.date.today().year + 1))
    assert years[0].url == f"{API}/motionsquestionsanswersquestions?year=2022"
    assert spider.members == {"0": "Asking Placeholder", "1771": "Eleanor Scott", "999001": "Willie Rennie"}


def test_real_members_record_gives_the_whole_name():
    """The real record: PreferredName is the first name only. It used to be
    taken as the whole name, so every asker was stored as "Eleanor"."""
    (row,) = json.loads(fixture_path(SOURCE, "members_record.VERBATIM-FROM-CODE-COMMENT.json").read_text())
    assert (row["PreferredName"], row["ParliamentaryName"]) == ("Eleanor", "Scott, Eleanor")
    assert member_name(row) == "Eleanor Scott"


@pytest.mark.parametrize("row, expected", [
    ({"ParliamentaryName": "Sturgeon, Nicola"}, "Nicola Sturgeon"),
    ({"ParliamentaryName": "Ewing, Winifred", "PreferredName": "Winnie"}, "Winnie Ewing"),  # goes by another first name
    ({"ParliamentaryName": "Sturgeon, Nicola", "PreferredName": "Nicola  Sturgeon"}, "Nicola Sturgeon"),
    ({"ParliamentaryName": "Cher"}, "Cher"),
])
def test_member_name(row, expected):
    assert member_name(row) == expected


def test_without_member_names_the_years_are_still_walked():
    spider = make_spider(ScottishParliamentSpider)
    years = list(spider.members_failed(type("Failure", (), {"value": "404"})()))
    assert len(years) == dt.date.today().year - 2022 + 1


# --- the questions API, on real rows --------------------------------------

def test_real_rows_written_topical_and_first_ministers_questions():
    spider = with_members(make_spider(ScottishParliamentSpider, since="2016-01-01"))
    url = f"{API}/motionsquestionsanswersquestions?year=2016"
    items = statements(spider.parse_questions(response_for(SOURCE, REAL_YEAR_FILE, url), 2016))
    assert [(i.kind, i.record_id, i.published) for i in items] == [
        ("written_question", "question:S4W-28109", "2016-03-13"),
        ("written_answer", "answer:S4W-28109", "2016-03-16"),
        ("oral_question", "question:S4T-01264", "2016-01-05"),  # topical: dated by its meeting
        ("oral_question", "question:S4F-03146", "2016-01-07"),  # FMQs: no AnswerText, no answer here
        ("written_question", "question:S4W-29119", "2016-01-04"),  # not answered
        ("written_question", "question:S4W-29130", "2016-01-05"),
        ("written_answer", "answer:S4W-29130", "2016-01-13"),
        ("written_question", "question:S5W-02060", "2016-08-18"),
        ("written_answer", "answer:S5W-02060", "2016-09-06"),
    ]
    question, answer = items[:2]
    assert question.title == "Written question S4W-28109"  # the real Title is ""
    assert question.text.startswith("To ask the Scottish Government whether it will provide details")
    assert question.speaker is None  # MSPID 4086 is not in the members fixture
    assert question.speaker_role == "MSP (Scottish Liberal Democrats)"
    assert question.url == PAGE + "S4W-28109"
    assert (answer.speaker, answer.body) == ("Shona Robison", "Scottish Government")
    assert answer.question_record_id == "question:S4W-28109" and answer.context == question.text
    assert items[3].text == "To ask the First Minister when she will next meet the Prime Minister."


def test_an_oral_question_gets_no_answer_from_the_questions_api(spider):
    """Oral and FMQ answers are given in the chamber; whatever the row's
    AnswerText says (here a placeholder), the answer comes from the Official Report."""
    items = statements(spider.parse_questions(
        response_for(SOURCE, YEAR_FILE, f"{API}/motionsquestionsanswersquestions?year=2022"), 2022))
    (question,) = items
    assert question.kind == "oral_question"  # S6F-: First Minister's Questions
    assert question.record_id == "question:S6F-00000"
    assert question.body == "Scottish Parliament"
    assert question.speaker == "Asking Placeholder"  # was "Asking": the first name only
    assert question.speaker_role == "MSP (Scottish Green Party)"
    assert question.published is None  # "2022-10-00" is no date: tolerated, left empty
    assert question.url == PAGE + "S6F-00000"


def test_written_question_dates_and_answerer(spider):
    question, answer = statements(spider.parse_questions(year_response([written_row()]), 2022))
    assert (question.kind, question.published) == ("written_question", "2022-11-03")
    assert (answer.kind, answer.published) == ("written_answer", "2022-11-17")
    assert answer.speaker == "Angela Constance"  # spaces folded, "(on behalf of ...)" dropped


def test_rows_older_than_the_start_date_are_skipped_but_counted():
    spider = make_spider(ScottishParliamentSpider, since="2022-11-05")
    old = written_row(EventID="S6W-1", SubmissionDateTime="2022-10-01T00:00:00", AnswerDate="2022-10-20T00:00:00")
    answered_since = written_row(EventID="S6W-2", SubmissionDateTime="2022-10-01T00:00:00")
    items = statements(spider.parse_questions(year_response([old, answered_since]), 2022))
    assert {i.record_id for i in items} == {"question:S6W-2", "answer:S6W-2"}
    assert spider.crawler.stats.get_value("stationwatch/records") == 3  # the old row passed over, the question and answer made


def test_changed_shape_is_a_layout_error(spider):
    url = f"{API}/motionsquestionsanswersquestions?year=2022"
    response = TextResponse(url, body=b'{"value": []}', request=Request(url))
    assert statements(spider.parse_questions(response, 2022)) == []
    assert statements(spider.parse_questions(year_response([{"UniqueID": 1}]), 2022)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


# --- from the questions to the Official Report ------------------------------

def test_the_official_report_is_searched_after_the_last_year(spider):
    years = spider.years_pending
    assert years == dt.date.today().year - 2022 + 1
    for year in range(2022, 2022 + years - 1):
        assert [r for r in spider.parse_questions(year_response([], year), year)] == []
    searches = list(spider.parse_questions(year_response([], 2099), 2099))
    terms = spider.topic.search_terms_for("en")
    assert [parse_qs(urlsplit(r.url).query)["qry"][0] for r in searches] == terms
    query = parse_qs(urlsplit(searches[0].url).query)
    assert query["dateSelect"] == ["custom"]  # without it the dates are ignored
    assert (query["dtDateFrom"], query["dtDateTo"]) == (["2022-09-01"], [dt.date.today().isoformat()])
    assert query["ShowFMQs"] == ["true"] and query["page"] == ["1"]


def test_a_lost_year_is_an_error_and_the_report_is_still_read(spider, caplog):
    spider.years_pending = 1
    failure = type("Failure", (), {"value": "HTTP 503", "request": Request(f"{API}/x?year=2023")})()
    searches = list(spider.year_failed(failure))
    assert len(searches) == len(spider.topic.search_terms_for("en"))
    assert "questions year lost" in caplog.text


def test_search_results_lead_to_each_item_once(spider):
    url = f"{OR}?qry=police+stations&page=1"
    (item,) = spider.parse_official_report_search(response_for(SOURCE, SEARCH_FILE, url), "police stations", 1)
    assert item.url == FMQS_URL  # both parameter orders, one address; the meeting's own link left out


def test_a_full_results_page_asks_for_the_next(spider):
    links = "".join(f'<a href="{OR}/meeting-of-parliament-0{n}-11-2022?iob={n}&amp;meeting=1">x</a>' for n in range(1, 10))
    links += f'<a href="{OR}/meeting-of-parliament-10-11-2022?iob=10&amp;meeting=1">x</a>'
    url = f"{OR}?qry=x&page=3"
    out = list(spider.parse_official_report_search(HtmlResponse(url, body=links.encode(), request=Request(url)), "x", 3))
    *items, next_page = out
    assert len(items) == 10
    assert parse_qs(urlsplit(next_page.url).query)["page"] == ["4"]


def test_item_url():
    assert item_url("/chamber-and-committees/official-report/search-what-was-said-in-parliament/x-1?iob=2&meeting=1") \
        == f"{OR}/x-1?meeting=1&iob=2"
    assert item_url("/chamber-and-committees/official-report/search-what-was-said-in-parliament/x-1?meeting=1") is None
    assert item_url("https://evil.example/chamber-and-committees/official-report/search-what-was-said-in-parliament/x?meeting=1&iob=2") is None


# --- the Official Report: one statement per contribution -----------------

def test_first_ministers_answer_to_a_lodged_question_links_to_it(spider):
    """The lodged question read out ends "(S6F-00000)": it is the questions
    API's statement, not stored again; the First Minister's answer points at it."""
    items = fmqs(spider)
    answer = next(i for i in items if i.record_id == "or:13942:orc_1011")
    assert answer.kind == "oral_answer"
    assert (answer.speaker, answer.speaker_role) == ("Nicola Sturgeon", "First Minister")  # "The First Minister" alone
    assert answer.body == "Scottish Government"
    assert answer.question_record_id == "question:S6F-00000"
    assert "undeclared Chinese police station in Glasgow. (S6F-00000)" in answer.context
    assert answer.text.startswith("<p>… that those reports are deeply concerning")
    assert answer.published == "2022-10-27"
    assert answer.url == FMQS_URL
    assert answer.title == "First Minister’s Question Time: PLACEHOLDER Heading (Chinese Police Stations)"
    assert not any(i.text.startswith("<p>PLACEHOLDER: To ask the First Minister") for i in items)
    assert spider.crawler.stats.get_value("stationwatch/records") >= len(items) + 1  # the lodged one counted


def test_supplementary_and_leaders_questions_are_questions_with_their_answers(spider):
    items = {i.record_id: i for i in fmqs(spider)}
    ross, reply = items["or:13942:orc_1001"], items["or:13942:orc_1002"]
    assert (ross.kind, ross.speaker, ross.speaker_role) == (
        "oral_question", "Douglas Ross", "MSP for Highlands and Islands (Con)")  # "1. " dropped
    assert ross.text.startswith("<p>Today, it has been revealed that senior European Union officials")
    assert (reply.kind, reply.speaker, reply.question_record_id) == ("oral_answer", "Nicola Sturgeon", ross.record_id)
    supplementary, its_answer = items["or:13942:orc_1012"], items["or:13942:orc_1013"]
    assert (supplementary.kind, supplementary.speaker, supplementary.speaker_role) == (
        "oral_question", "Ross Greer", "MSP for West Scotland (Green)")  # his role from his first line
    assert its_answer.question_record_id == supplementary.record_id
    assert its_answer.text.startswith("<p>Obviously, those matters require to be fully and properly investigated.")
    chair = items["or:13942:orc_1003"]
    assert (chair.kind, chair.speaker, chair.speaker_role) == ("debate_contribution", "Alison Johnstone",
                                                               "Presiding Officer")
    assert len(items) == 6  # "Members: Hear, hear." is the room, not a contribution


def test_a_report_without_its_text_is_a_layout_error(spider):
    response = HtmlResponse(FMQS_URL, body=b"<html><h2>First Minister's Question Time</h2></html>",
                            request=Request(FMQS_URL))
    assert list(spider.parse_official_report_item(response)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


# --- a real crawl ------------------------------------------------------------

def test_end_to_end_crawl_stores_the_question_and_the_first_ministers_answers(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", "since=2016-01-01")
    rows = crawled.statements
    (run,) = [r for r in crawled.runs if r["spider"] == SOURCE]
    assert [(r["kind"], r["speaker"], r["record_id"]) for r in rows] == [
        ("oral_question", "Asking Placeholder", "question:S6F-00000"),
        # Willie Rennie's written question on Confucius Institutes (real text, 2022): the second topic.
        ("written_question", "Willie Rennie", "question:S6W-07562"),
        ("written_answer", "Jamie Hepburn", "answer:S6W-07562"),
        ("oral_answer", "Nicola Sturgeon", "or:13942:orc_1011"),
        ("oral_question", "Ross Greer", "or:13942:orc_1012"),
        ("oral_answer", "Nicola Sturgeon", "or:13942:orc_1013"),
    ]
    assert [json.loads(r["topics"]) for r in rows[1:3]] == [["confucius_institutes"]] * 2
    assert {json.loads(r["topics"])[0] for r in rows[:1] + rows[3:]} == {"overseas_police_stations"}
    lodged, _, _, answer, supplementary, its_answer = rows
    assert answer["question_id"] == lodged["id"]  # the answer in the chamber, linked to the lodged question
    assert its_answer["question_id"] == supplementary["id"]
    assert answer["text"].startswith("… that those reports are deeply concerning")
    assert answer["url"] == f"{OR}/meeting-of-parliament-27-10-2022?iob=126367&meeting=13942"  # canonical: sorted
    assert answer["published"] == "2022-10-27"
    assert run["status"] == "ok"
    # 9 real 2016 statements, the off-topic FMQs exchange and the real distractor (Chinese influence in
    # universities, no Confucius Institute named: question and answer) dropped; the lodged question read out passed over.
    assert (run["new"], run["records"]) == (6, 21)
    asked = {path for path, _ in crawled.requests}
    assert any("search-what-was-said-in-parliament?" in p for p in asked)
