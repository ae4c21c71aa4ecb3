"""it_parlamento against RECONSTRUCTED SPARQL answers of dati.camera.it (no
recorded answer was found; real act data and graph facts, see
tests/fixtures/it_parlamento/PROVENANCE.md)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse

from spiders.it_parlamento import ENDPOINT, PAGE_ROWS, ItParlamentoSpider, act_url
from stationwatch.items import Statement
from stationwatch.replay import ReplayServer
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, response_for, run_scrapy

SOURCE = "it_parlamento"
MAGI = "question:aic3_00060_19"
PIANTEDOSI = "answer:rsp3_00060_19_PLACEHOLDER"
BIZZOTTO = "question:aic4_00000_19_S"


@pytest.fixture
def spider():
    return make_spider(ItParlamentoSpider)


def parse(spider, name="sparql_aic.RECONSTRUCTED.json", offset=0):
    return list(spider.parse_page(response_for(SOURCE, name, f"{ENDPOINT}?query=x"), offset))


def by_id(items):
    return {i.record_id: i for i in items if isinstance(i, Statement)}


def test_start_asks_one_query_with_the_italian_terms_and_the_start_date(spider):
    (request,) = collect(spider.start())
    params = parse_qs(urlsplit(request.url).query)
    assert params["format"] == ["application/sparql-results+json"]
    query = params["query"][0]
    assert "?aic a ocd:aic" in query and "ocd:risposta ?answer" in query
    assert 'STR(SUBSTR(STR(?date), 1, 8)) >= "20220901"' in query
    assert 'STR(REPLACE(STR(?date), "^([0-9]{8})-([0-9]{8}).*$", "$2")) >= "20220901"' in query
    # Every topic's Italian terms in the one regex: the Confucius Institutes' and the stations'.
    assert ('"(Istituto Confucio|stazioni di polizia cinesi|stazioni di polizia|polizia segreta cinese'
            '|uffici informali di polizia)"') in query
    assert f"LIMIT {PAGE_ROWS} OFFSET 0" in query
    assert request.headers["Accept"] == b"application/sparql-results+json"
    assert len(request.url) < ItParlamentoSpider.custom_settings["URLLENGTH_LIMIT"]  # else Scrapy drops it


def test_question_time_question_and_the_ministers_answer(spider):
    items = by_id(parse(spider))
    question, answer = items[MAGI], items[PIANTEDOSI]
    assert question.kind == "oral_question"  # the label says "risposta immediata"
    assert question.body == "Camera dei deputati" and question.country == "IT" and question.language == "it"
    assert question.speaker == "Riccardo Magi" and question.speaker_role == "Deputato"
    assert question.published == "2022-12-06"  # presented; answered the next day
    assert question.title.startswith("Interrogazione a risposta immediata in Assemblea 3/00060")
    assert "oltre 100 stazioni di polizia clandestine aperte dalla Repubblica popolare cinese" in question.text
    assert question.url == "https://aic.camera.it/aic/scheda.html?core=aic&numero=3/00060&ramo=CAMERA&leg=19"

    assert answer.kind == "oral_answer"
    assert answer.question_record_id == MAGI
    assert answer.body == "Ministero dell'interno"
    assert answer.speaker == "Matteo Piantedosi" and answer.speaker_role == "Ministro dell'interno"
    assert answer.published == "2022-12-07"
    assert "non risulta alcuna autorizzazione" in answer.text
    assert answer.context == question.text and answer.url == question.url


def test_senate_act_from_the_camera_graph(spider):
    question = by_id(parse(spider))[BIZZOTTO]
    assert question.kind == "written_question"
    assert question.body == "Senato della Repubblica"
    assert question.speaker == "Mara Bizzotto" and question.speaker_role == "Senatore"
    assert question.published == "2022-11-22"
    assert question.url == "https://documenti.camera.it/PLACEHOLDER/senato/4-00000.pdf"  # no Senate page pattern


def test_rows_of_one_act_give_one_question(spider):
    items = [i for i in parse(spider) if isinstance(i, Statement)]
    assert sorted(i.record_id for i in items) == sorted([MAGI, PIANTEDOSI, BIZZOTTO])  # 3 rows, 2 of them one act


def test_answer_without_text_is_not_a_statement(spider):
    data = json.loads(fixture_path(SOURCE, "sparql_aic.RECONSTRUCTED.json").read_text(encoding="utf-8"))
    for row in data["results"]["bindings"]:
        row.pop("answerText", None)
    url = f"{ENDPOINT}?query=x"
    items = by_id(spider.parse_page(TextResponse(url, body=json.dumps(data).encode(), request=Request(url)), 0))
    assert sorted(items) == sorted([MAGI, BIZZOTTO])


def test_paging_gathers_rows_until_a_short_page(spider):
    data = json.loads(fixture_path(SOURCE, "sparql_aic.RECONSTRUCTED.json").read_text(encoding="utf-8"))
    full = dict(data, results={"bindings": data["results"]["bindings"][:1] * PAGE_ROWS})
    url = f"{ENDPOINT}?query=x"
    first = list(spider.parse_page(TextResponse(url, body=json.dumps(full).encode(), request=Request(url)), 0))
    assert len(first) == 1 and isinstance(first[0], Request) and first[0].cb_kwargs == {"offset": PAGE_ROWS}
    assert f"OFFSET {PAGE_ROWS}" in parse_qs(urlsplit(first[0].url).query)["query"][0]
    rest = by_id(parse(spider, offset=PAGE_ROWS))  # the short page ends the walk: every act once
    assert sorted(rest) == sorted([MAGI, PIANTEDOSI, BIZZOTTO])


def test_empty_answer_yields_nothing_and_is_not_a_layout_change(spider):
    assert parse(spider, "sparql_empty.DERIVED.json") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") is None


def test_changed_shape_is_a_layout_change(spider):
    url = f"{ENDPOINT}?query=x"
    for body in (b"<html>Virtuoso 37000 Error SP030</html>", b'{"results": {"rows": []}}'):
        assert list(spider.parse_page(TextResponse(url, body=body, request=Request(url)), 0)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


def test_act_urls():
    assert act_url("http://dati.camera.it/ocd/aic.rdf/aic4_01234_19", None) == (
        "https://aic.camera.it/aic/scheda.html?core=aic&numero=4/01234&ramo=CAMERA&leg=19")
    assert act_url("http://dati.camera.it/ocd/aic.rdf/aic3_02728_19_S", None) == (
        "http://dati.camera.it/ocd/aic.rdf/aic3_02728_19_S")


def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    statements = {r["record_id"]: r for r in crawled.statements}
    (run,) = crawled.runs
    assert sorted(statements) == sorted([MAGI, PIANTEDOSI, BIZZOTTO])
    answer = statements[PIANTEDOSI]
    assert answer["question_id"] == statements[MAGI]["id"]
    assert (answer["speaker"], answer["body"], answer["country"]) == ("Matteo Piantedosi", "Ministero dell'interno", "IT")
    assert statements[BIZZOTTO]["body"] == "Senato della Repubblica"
    assert run["status"] == "ok" and run["new"] == 3


def test_an_answer_published_later_is_one_new_statement(tmp_path):
    db_path = tmp_path / "t.db"
    with ReplayServer(manifests=[FIXTURES / SOURCE / "replay.yml"]) as server:
        server.replace(ENDPOINT, fixture_path(SOURCE, "sparql_aic_before_answer.RECONSTRUCTED.json").read_bytes(),
                       headers={"Content-Type": "application/sparql-results+json"})
        first = run_scrapy(SOURCE, db_path, server.url, "-a", "since=2022-09-01")
        server.replace(ENDPOINT, fixture_path(SOURCE, "sparql_aic.RECONSTRUCTED.json").read_bytes(),
                       headers={"Content-Type": "application/sparql-results+json"})
        second = run_scrapy(SOURCE, db_path, server.url, "-a", "since=2022-12-01")
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    import db as database

    conn = database.connect(db_path)
    try:
        runs = [r["new"] for r in conn.query("SELECT new FROM runs ORDER BY id")]
        answers = list(conn.query("SELECT record_id, question_id FROM statements WHERE kind = 'oral_answer'"))
    finally:
        conn.close()
    assert runs == [2, 1]
    assert [a["record_id"] for a in answers] == [PIANTEDOSI] and answers[0]["question_id"] is not None
