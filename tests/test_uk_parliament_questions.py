"""uk_parliament_questions against recorded API responses (city-scrapers style)."""

import json

import pytest
from scrapy.http import Request, TextResponse

from spiders.uk_parliament_questions import UkParliamentQuestionsSpider
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, response_for

API = "https://questions-statements-api.parliament.uk/api"
SOURCE = "uk_parliament_questions"


@pytest.fixture
def spider():
    return make_spider(UkParliamentQuestionsSpider)


@pytest.fixture
def question_items(spider):
    response = response_for(SOURCE, "writtenquestions_question_1679416.TRANSCRIBED.json",
                            f"{API}/writtenquestions/questions/1679416?expandMember=true")
    return list(spider.parse_question(response))


def test_start_asks_each_search_term_from_the_start_date(spider):
    requests = collect(spider.start())
    urls = [r.url for r in requests]
    terms = spider.topic.search_terms_for("en")
    assert len(requests) == 3 * len(terms)
    assert f"{API}/writtenquestions/questions?searchTerm=police+service+stations&tabledWhenFrom=2022-09-01&take=20&skip=0" in urls
    assert f"{API}/writtenquestions/questions?searchTerm=police+service+stations&answeredWhenFrom=2022-09-01&take=20&skip=0" in urls
    assert f"{API}/writtenstatements/statements?searchTerm=police+service+stations&madeWhenFrom=2022-09-01&take=20&skip=0" in urls


def test_search_page_leads_to_each_detail(spider):
    response = response_for(SOURCE, "writtenquestions_questions_list.TRANSCRIBED.TRIMMED.json",
                            f"{API}/writtenquestions/questions?searchTerm=x&skip=0&take=20")
    out = list(spider.parse_search(response, "writtenquestions/questions", "x", {"tabledWhenFrom": "2022-09-01"}, 0))
    assert [r.url for r in out] == [
        f"{API}/writtenquestions/questions/1679703?expandMember=true",
        f"{API}/writtenquestions/questions/1679715?expandMember=true",
    ]  # totalResults 20 with take 20: no next page


def test_paging_follows_to_the_end(spider):
    data = json.loads(fixture_path(SOURCE, "writtenquestions_questions_list.TRANSCRIBED.TRIMMED.json").read_text())
    data["totalResults"] = 45
    body = json.dumps(data).encode()

    def page(skip):
        url = f"{API}/writtenquestions/questions?searchTerm=x&skip={skip}"
        out = list(spider.parse_search(TextResponse(url, body=body, request=Request(url)),
                                       "writtenquestions/questions", "x", {"tabledWhenFrom": "2022-09-01"}, skip))
        return [r for r in out if "searchTerm" in r.url]

    assert [r.cb_kwargs["skip"] for r in page(0)] == [20]
    assert [r.cb_kwargs["skip"] for r in page(20)] == [40]
    assert page(40) == []


def test_question_record_becomes_question_and_answer(question_items):
    question, answer = question_items
    assert isinstance(question, Statement)
    assert question.kind == "written_question"
    assert question.record_id == "question:1679416"
    assert question.body == "House of Commons"
    assert question.published == "2024-01-05"
    assert question.title == "Apprentices: Employment Agencies"
    assert question.text.startswith("To ask the Secretary of State for Education, how many (a) starts")
    assert question.url == "https://questions-statements.parliament.uk/written-questions/detail/2024-01-05/7926"
    assert question.country == "GB" and question.language == "en"

    assert answer.kind == "written_answer"
    assert answer.record_id == "answer:1679416"
    assert answer.question_record_id == "question:1679416"
    assert answer.body == "Department for Education"
    assert answer.published == "2024-01-10"
    assert answer.speaker_role == "Answering minister, Department for Education"
    assert "flexi-Job apprenticeship agencies (FJAAs)" in answer.text
    assert answer.context == question.text
    assert answer.url == question.url
    assert answer.raw == question.raw  # one document, two statements


def test_asker_and_minister_names_come_from_expanded_members(spider):
    data = json.loads(fixture_path(SOURCE, "writtenquestions_question_1679416.TRANSCRIBED.json").read_text())
    # The recording was made without expandMember; the API then nests the
    # member object the written-statements sample shows.
    data["value"]["askingMember"] = {"name": "Asking Member", "party": "Labour"}
    data["value"]["answeringMember"] = {"name": "Answering Minister", "party": "Conservative"}
    url = f"{API}/writtenquestions/questions/1679416?expandMember=true"
    question, answer = spider.parse_question(TextResponse(url, body=json.dumps(data).encode(), request=Request(url)))
    assert (question.speaker, question.speaker_role) == ("Asking Member", "Labour MP")
    assert answer.speaker == "Answering Minister"


def test_unanswered_question_yields_only_the_question(spider):
    data = json.loads(fixture_path(SOURCE, "writtenquestions_question_1679416.TRANSCRIBED.json").read_text())
    data["value"].update(answerText=None, dateAnswered=None, answeringMemberId=None)
    url = f"{API}/writtenquestions/questions/1679416"
    items = list(spider.parse_question(TextResponse(url, body=json.dumps(data).encode(), request=Request(url))))
    assert [i.kind for i in items] == ["written_question"]


def test_written_statement(spider):
    # RECONSTRUCTED sample: real title, date, department and text; ids are placeholders.
    response = response_for(SOURCE, "writtenstatements_statement_999000001.RECONSTRUCTED.json",
                            f"{API}/writtenstatements/statements/999000001?expandMember=true")
    (item,) = spider.parse_statement(response)
    assert item.kind == "written_statement"
    assert item.title == "Chinese 'Overseas Police Service Stations'"
    assert item.published == "2023-06-06"
    assert item.body == "Home Office"
    assert item.speaker == "Tom Tugendhat"
    assert item.speaker_role == "Minister of State (Home Office) (Security)"
    assert "Croydon, Glasgow and Hendon" in item.text


def test_changed_api_shape_is_reported_as_layout_change(spider):
    url = f"{API}/writtenquestions/questions?searchTerm=x"
    response = TextResponse(url, body=b'{"items": []}', request=Request(url))
    assert list(spider.parse_search(response, "writtenquestions/questions", "x", {}, 0)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1
