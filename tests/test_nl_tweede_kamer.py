"""nl_tweede_kamer against RECONSTRUCTED OData responses (no real Zaak response
was found; see tests/fixtures/nl_tweede_kamer/PROVENANCE.md)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse

from spiders.nl_tweede_kamer import NlTweedeKamerSpider
from stationwatch.items import Statement
from tests.helpers import collect, make_spider, replay_crawl, response_for

SOURCE = "nl_tweede_kamer"
API = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0"


@pytest.fixture
def spider():
    return make_spider(NlTweedeKamerSpider)


def parse(spider, name, url=f"{API}/Zaak?$filter=x"):
    return list(spider.parse_cases(response_for(SOURCE, name, url)))


def test_start_asks_for_written_questions_by_dutch_subject_term(spider):
    requests = collect(spider.start())
    terms = spider.topic.search_terms_for("nl")
    assert "Chinese politiebureau" in terms and len(requests) == len(terms)
    query = parse_qs(urlsplit(requests[0].url).query)
    assert query["$filter"] == ["Soort eq 'Schriftelijke vragen' and Verwijderd eq false"
                                " and contains(tolower(Onderwerp),'chinese politiebureaus')"
                                " and GewijzigdOp ge 2022-09-01T00:00:00Z"]
    assert query["$expand"] == ["ZaakActor,Document"]
    assert "%20" in requests[0].url and "$filter=" in requests[0].url  # $ kept, spaces encoded


def test_quote_in_a_term_is_escaped_the_odata_way(spider):
    assert "contains(tolower(Onderwerp),'d''hondt')" in parse_qs(urlsplit(spider.search_url("D'Hondt")).query)["$filter"][0]


def test_question_and_answer_are_separate_linked_candidates(spider):
    question, answer = [i for i in parse(spider, "Zaak_page1.RECONSTRUCTED.json") if isinstance(i, Statement)]
    assert question.kind == "written_question"
    assert question.record_id == "question:2022Z00000"
    assert question.body == "Tweede Kamer"
    assert question.speaker == "PLACEHOLDER Lid"
    assert question.speaker_role == "Tweede Kamerlid, PLACEHOLDER"
    assert question.published == "2022-10-26"
    assert question.text.startswith("PLACEHOLDER: Vragen over Chinese politiebureaus")
    assert question.url == "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2022Z00000&did=2022D00000"
    assert question.fetch_url.startswith(f"{API}/Zaak?")
    assert question.country == "NL" and question.language == "nl"

    assert answer.kind == "written_answer"
    assert answer.record_id == "answer:2022Z00000:2022D00001"
    assert answer.question_record_id == "question:2022Z00000"
    assert answer.body == "Minister van Justitie en Veiligheid"
    assert answer.speaker == "PLACEHOLDER Minister"
    assert answer.speaker_role == "minister van Justitie en Veiligheid"
    assert answer.published == "2022-12-20"
    assert answer.text.startswith("PLACEHOLDER: Antwoord op vragen")
    assert answer.context == question.text
    assert answer.url.endswith("&did=2022D00001")
    assert answer.raw == question.raw


def test_soft_deleted_rows_are_left_out(spider):
    items = [i for i in parse(spider, "Zaak_page1.RECONSTRUCTED.json") if isinstance(i, Statement)]
    assert "answer:2022Z00000:2022D00002" not in [i.record_id for i in items]  # Verwijderd document
    (question,) = [i for i in parse(spider, "Zaak_page2.RECONSTRUCTED.json") if isinstance(i, Statement)]
    assert question.record_id == "question:2023Z00000"  # the Verwijderd case 2023Z00001 is gone
    assert question.speaker == "PLACEHOLDER Tweede Lid"  # not the Verwijderd actor


def test_paging_follows_next_link_to_the_end(spider):
    (next_page,) = [r for r in parse(spider, "Zaak_page1.RECONSTRUCTED.json") if isinstance(r, Request)]
    assert next_page.url == f"{API}/Zaak?$skip=250"
    assert [r for r in parse(spider, "Zaak_page2.RECONSTRUCTED.json", next_page.url) if isinstance(r, Request)] == []
    assert spider.crawler.stats.get_value("stationwatch/records") == 3  # statements made on both pages


def test_empty_result_yields_nothing(spider):
    assert parse(spider, "Zaak_empty.DERIVED.json") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") is None


def test_missing_fields_are_tolerated(spider):
    url = f"{API}/Zaak"
    body = json.dumps({"value": [{"Nummer": "2024Z1", "Onderwerp": "Vragen over Chinese politiebureaus"}]}).encode()
    (item,) = spider.parse_cases(TextResponse(url, body=body, request=Request(url)))
    assert (item.speaker, item.speaker_role, item.published) == (None, None, "")
    assert item.url == "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2024Z1"


def test_case_without_number_or_changed_shape_is_a_layout_change(spider):
    url = f"{API}/Zaak"
    assert list(spider.parse_cases(TextResponse(url, body=b'{"value": [{"Soort": "x"}]}', request=Request(url)))) == []
    assert list(spider.parse_cases(TextResponse(url, body=b'{"d": []}', request=Request(url)))) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


def test_end_to_end_replay(tmp_path):
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path)
    statements = {r["record_id"]: r for r in crawled.statements}
    (run,) = crawled.runs
    assert sorted(statements) == ["answer:2022Z00000:2022D00001", "question:2022Z00000", "question:2023Z00000"]
    answer = statements["answer:2022Z00000:2022D00001"]
    assert answer["question_id"] == statements["question:2022Z00000"]["id"]
    assert answer["speaker"] == "PLACEHOLDER Minister" and answer["published"] == "2022-12-20"
    assert run["status"] == "ok"
    assert run["new"] == 3
