"""se_riksdagen against recorded and reconstructed Riksdagen API responses.

Real: the text of written question 2020/21:2036 (H8112036, Björn Söder to
Ann Linde), transcribed from a stored copy of data.riksdagen.se/dokument/
H8112036.html. Reconstructed (see PROVENANCE.md): the dokumentlista JSON
(shape from public clients' models) and the on-topic question/answer pair
2022/23:9999 with placeholder names.
"""

import json

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from spiders.se_riksdagen import MAX_PAGES, SeRiksdagenSpider
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

API = "https://data.riksdagen.se"
SOURCE = "se_riksdagen"
FR_LIST = "dokumentlista_fr.RECONSTRUCTED.json"
FRS_LIST = "dokumentlista_frs_single_hit.RECONSTRUCTED.json"
LIST_URL = f"{API}/dokumentlista/?sok=x&doktyp=fr&p=1"


@pytest.fixture
def spider():
    return make_spider(SeRiksdagenSpider)


def entry(spider, list_name, doktyp, index=0):
    """The entry dict parse_list passes on for the list's hit ``index``."""
    response = response_for(SOURCE, list_name, LIST_URL)
    requests = list(spider.parse_list(response, "x", doktyp, 1))
    return requests[index].cb_kwargs["entry"]


def test_start_asks_each_term_and_type_from_the_start_date(spider):
    requests = collect(spider.start())
    terms = spider.topic.search_terms_for("sv")
    assert "kinesiska polisstationer" in terms
    assert len(requests) == 3 * len(terms)
    assert (f"{API}/dokumentlista/?sok=kinesiska+polisstationer&doktyp=frs&from=2022-09-01&sort=datum"
            "&sortorder=desc&utformat=json&sz=20&p=1") in [r.url for r in requests]
    assert {r.cb_kwargs["doktyp"] for r in requests} == {"fr", "frs", "ip"}
    # Interpellations are debated weeks later: asked 90 days further back.
    assert (f"{API}/dokumentlista/?sok=kinesiska+polisstationer&doktyp=ip&from=2022-06-03&sort=datum"
            "&sortorder=desc&utformat=json&sz=20&p=1") in [r.url for r in requests]


def test_list_leads_to_each_document_and_stops_at_the_start_date(spider):
    response = response_for(SOURCE, FR_LIST, LIST_URL)
    out = list(spider.parse_list(response, "x", "fr", 1))
    # The 2021 hit is older than since (2022-09-01): passed over, no next page.
    assert [r.url for r in out] == [f"{API}/dokument/HA119999.html"]
    assert out[0].callback == spider.parse_question
    assert out[0].cb_kwargs["entry"] == {
        "dok_id": "HA119999", "doktyp": "fr", "rm": "2022/23", "beteckning": "9999", "datum": "2022-11-02",
        "titel": "Kinesiska polisstationer i Sverige", "undertitel": "av Exempel Ledamot (XX)", "organ": "Ju"}
    assert spider.crawler.stats.get_value("stationwatch/records") == 1


def test_single_hit_comes_as_an_object_and_answers_go_to_parse_answer(spider):
    response = response_for(SOURCE, FRS_LIST, LIST_URL)
    (request,) = spider.parse_list(response, "x", "frs", 1)
    assert request.url == f"{API}/dokument/HA129999.html"
    assert request.callback == spider.parse_answer


def test_empty_result_asks_nothing_more_and_is_no_layout_error(spider):
    response = response_for(SOURCE, "dokumentlista_empty.RECONSTRUCTED.json", LIST_URL)
    assert list(spider.parse_list(response, "x", "ip", 1)) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def paged(spider, page, sidor):
    data = json.loads(fixture_path(SOURCE, FR_LIST).read_text())
    data["dokumentlista"]["dokument"] = data["dokumentlista"]["dokument"][:1]  # only recent hits
    data["dokumentlista"]["@sidor"] = str(sidor)
    url = f"{API}/dokumentlista/?sok=x&doktyp=fr&p={page}"
    out = list(spider.parse_list(TextResponse(url, body=json.dumps(data).encode(), request=Request(url)),
                                 "x", "fr", page))
    return [r.cb_kwargs["page"] for r in out if "dokumentlista" in r.url]


def test_paging_follows_to_the_last_page_and_is_bounded(spider):
    assert paged(spider, 1, 3) == [2]
    assert paged(spider, 2, 3) == [3]
    assert paged(spider, 3, 3) == []
    assert paged(spider, MAX_PAGES, 500) == []  # the bound, whatever @sidor says


def test_real_question_text_gives_asker_and_party(spider):
    e = {"dok_id": "H8112036", "doktyp": "fr", "rm": "2020/21", "beteckning": "2036", "datum": "2021-03-03",
         "titel": "Valsystemet i Hongkong", "undertitel": None, "organ": None}
    url = f"{API}/dokument/H8112036.html"
    (item,) = spider.parse_question(response_for(SOURCE, "dokument_H8112036.TRANSCRIBED.html", url), e)
    assert isinstance(item, Statement)
    assert item.kind == "written_question"
    assert item.record_id == "fr:2020/21:2036"
    assert (item.speaker, item.speaker_role) == ("Björn Söder", "SD")
    assert item.body == "Sveriges riksdag" and item.country == "SE" and item.language == "sv"
    assert item.source_kind == "parliament"
    assert item.published == "2021-03-03"
    assert item.url == url
    assert item.title == "Skriftlig fråga 2020/21:2036: Valsystemet i Hongkong"
    assert "reformera Hongkongs valsystem" in item.text
    assert "<p>till Utrikesminister Ann Linde (S)</p>" in item.text
    assert json.loads(item.raw)["dok_id"] == "H8112036"
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_answer_is_linked_to_its_question_with_its_text_as_context(spider):
    e = entry(spider, FRS_LIST, "frs")
    answer_url = f"{API}/dokument/HA129999.html"
    (question_request,) = spider.parse_answer(
        response_for(SOURCE, "dokument_HA129999.RECONSTRUCTED.html", answer_url), e)
    assert question_request.url == f"{API}/dokument/HA119999.html"  # frs type code 12 -> fr 11
    assert question_request.dont_filter
    question = response_for(SOURCE, "dokument_HA119999.RECONSTRUCTED.html", question_request.url)
    (answer,) = spider.parse_answer_context(question, **question_request.cb_kwargs)
    assert answer.kind == "written_answer"
    assert answer.record_id == "frs:2022/23:9999"
    assert answer.question_record_id == "fr:2022/23:9999"
    assert answer.speaker == "Exempel Statsråd"
    assert answer.speaker_role == "Justitieminister"
    assert answer.body == "Regeringen" and answer.country == "SE"
    assert answer.published == "2022-11-16"
    assert answer.url == answer_url
    assert answer.context.startswith("av Exempel Ledamot (XX)\ntill Justitieminister Exempel Statsråd (XX)")
    assert "kinesiska polisstationer i Sverige" in answer.text


def test_answer_whose_question_cannot_be_read_is_kept_without_context(spider):
    e = entry(spider, FRS_LIST, "frs")
    url = f"{API}/dokument/HA129999.html"
    (question_request,) = spider.parse_answer(response_for(SOURCE, "dokument_HA129999.RECONSTRUCTED.html", url), e)

    class Failure:  # what Scrapy hands an errback: the failed request and the error
        request = question_request
        value = "404"

    (answer,) = spider.answer_without_context(Failure())
    assert (answer.speaker, answer.speaker_role, answer.context) == ("Exempel Statsråd", "statsråd", None)
    assert answer.question_record_id == "fr:2022/23:9999"


def test_changed_api_shape_is_a_layout_error(spider):
    url = f"{API}/dokumentlista/?sok=x"
    response = TextResponse(url, body=b'{"dokument": []}', request=Request(url))
    assert list(spider.parse_list(response, "x", "fr", 1)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_question_without_an_asker_line_is_a_layout_error(spider):
    e = {"dok_id": "HA119999", "doktyp": "fr", "rm": "2022/23", "beteckning": "9999", "datum": "2022-11-02",
         "titel": "T", "undertitel": None, "organ": None}
    url = f"{API}/dokument/HA119999.html"
    body = "<html><body><div>Sidan kunde inte visas</div></body></html>".encode()
    (item,) = spider.parse_question(HtmlResponse(url, body=body, request=Request(url)), e)
    assert item.speaker is None
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


IP_ENTRY = {"dok_id": "HA109998", "doktyp": "ip", "rm": "2022/23", "beteckning": "9998", "datum": "2022-11-08",
            "titel": "Kinesiska poliskontor i Sverige", "undertitel": "av Exempel Interpellant (YY)", "organ": "Ju"}
DEBATE_URL = f"{API}/dokumentstatus/HA109998.json?utformat=json&utdata=debatt"


def test_interpellation_is_a_question_and_asks_for_its_debate(spider):
    assert entry(spider, "dokumentlista_ip_single_hit.RECONSTRUCTED.json", "ip") == IP_ENTRY
    url = f"{API}/dokument/HA109998.html"
    question, debate = spider.parse_question(response_for(SOURCE, "dokument_HA109998.RECONSTRUCTED.html", url), IP_ENTRY)
    assert (question.kind, question.record_id, question.speaker, question.speaker_role) == (
        "written_question", "ip:2022/23:9998", "Exempel Interpellant", "YY")
    assert question.title == "Interpellation 2022/23:9998: Kinesiska poliskontor i Sverige"
    assert debate.url == DEBATE_URL
    assert debate.cb_kwargs["question"].startswith("av Exempel Interpellant (YY)\ntill Justitieminister")


def test_interpellation_debate_gives_the_ministers_answer_then_each_contribution(spider):
    response = response_for(SOURCE, "dokumentstatus_HA109998_debatt.RECONSTRUCTED.json", DEBATE_URL)
    answer, reply, rejoinder = spider.parse_debate(response, IP_ENTRY, "the interpellation")
    assert (answer.kind, answer.speaker, answer.speaker_role, answer.body) == (
        "oral_answer", "Exempel Statsråd", "Justitieminister", "Regeringen")
    assert answer.record_id == "ip:2022/23:9998:anf:1"
    assert answer.question_record_id == "ip:2022/23:9998" and answer.context == "the interpellation"
    assert answer.published == "2022-11-29"
    assert answer.text.startswith("<p>Fru talman! Exempel Interpellant har frågat mig")
    assert answer.url == f"{API}/dokument/HA109998.html" and answer.fetch_url == DEBATE_URL
    assert answer.title == "Interpellationsdebatt 2022/23:9998: Kinesiska poliskontor i Sverige"
    assert (reply.kind, reply.speaker, reply.speaker_role, reply.body, reply.record_id) == (
        "debate_contribution", "Exempel Interpellant", "YY", "Sveriges riksdag", "ip:2022/23:9998:anf:2")
    assert (rejoinder.speaker, rejoinder.speaker_role, rejoinder.record_id) == (
        "Exempel Statsråd", "Justitieminister", "ip:2022/23:9998:anf:3")
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_interpellation_not_yet_debated_gives_nothing(spider):
    response = response_for(SOURCE, "dokumentstatus_HA109998_no_debate.RECONSTRUCTED.json", DEBATE_URL)
    assert list(spider.parse_debate(response, IP_ENTRY, "q")) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_end_to_end_crawl_stores_question_and_answer(tmp_path):
    # Every topic from 2022-09-01, where the recordings start (a first run would ask the
    # Confucius Institutes topic from its own 2019-01-01, past what was recorded).
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", "since=2022-09-01")
    rows = {r["record_id"]: r for r in crawled.statements}
    assert sorted(rows) == ["fr:2022/23:9999", "frs:2022/23:9999", "ip:2022/23:9998", "ip:2022/23:9998:anf:1",
                            "ip:2022/23:9998:anf:2", "ip:2022/23:9998:anf:3"]
    question, answer = rows["fr:2022/23:9999"], rows["frs:2022/23:9999"]
    assert (question["kind"], question["speaker"], question["speaker_role"], question["country"]) == (
        "written_question", "Exempel Ledamot", "XX", "SE")
    assert (answer["kind"], answer["speaker"], answer["speaker_role"], answer["body"]) == (
        "written_answer", "Exempel Statsråd", "Justitieminister", "Regeringen")
    assert answer["question_id"] == question["id"]
    assert answer["published"] == "2022-11-16"
    oral = rows["ip:2022/23:9998:anf:1"]
    assert (oral["kind"], oral["speaker"], oral["speaker_role"], oral["body"]) == (
        "oral_answer", "Exempel Statsråd", "Justitieminister", "Regeringen")
    assert oral["question_id"] == rows["ip:2022/23:9998"]["id"]
    run = [r for r in crawled.runs if r["spider"] == SOURCE]
    assert [(r["status"], r["new"], r["errors"]) for r in run] == [("ok", 6, 0)]
    asked = [path for path, _ in crawled.requests]
    # The 2021 hit on the list is older than since: its text is never asked.
    assert not any("H8112036" in path for path in asked)


def test_an_answer_arriving_on_a_later_run_is_exactly_one_new_statement(tmp_path):
    import yaml

    fixtures = fixture_path(SOURCE, "replay.yml").parent
    entries = yaml.safe_load((fixtures / "replay.yml").read_text())
    for e in entries:  # the first night: the question is in, its answer is not yet
        e["file"] = str(fixtures / ("dokumentlista_empty.RECONSTRUCTED.json" if "doktyp=frs" in e["url"] else e["file"]))
    first_night = tmp_path / "replay.yml"
    first_night.write_text(yaml.safe_dump(entries))
    db_path = tmp_path / "t.db"

    # Both nights ask from 2022-09-01: the recorded dates are 2022's, the runs today's.
    first = replay_crawl(SOURCE, db_path, "-a", "since=2022-09-01", manifests=[first_night])
    assert "frs:2022/23:9999" not in [r["record_id"] for r in first.statements]
    assert len(first.statements) == 5  # the question, the interpellation and its debate
    second = replay_crawl(SOURCE, db_path, "-a", "since=2022-09-01")
    rows = {r["record_id"]: r for r in second.statements}
    assert len(rows) == 6
    assert rows["frs:2022/23:9999"]["question_id"] == rows["fr:2022/23:9999"]["id"]
    last = [r for r in second.runs if r["spider"] == SOURCE][-1]
    assert (last["status"], last["new"], last["errors"]) == ("ok", 1, 0)


def test_a_listed_document_that_cannot_be_fetched_is_a_lost_record(spider):
    response = response_for(SOURCE, FR_LIST, LIST_URL)
    (request,) = spider.parse_list(response, "x", "fr", 1)

    class Failure:
        value = "404 Not Found"

    Failure.request = request
    spider.record_lost(Failure())
    assert spider.crawler.stats.get_value("stationwatch/lost_records") == 1
