"""fr_assemblee against the Assemblée nationale's question dumps: a real
recorded question file (QANR5L17QG1) for the envelope and field shapes,
RECONSTRUCTED questions écrites with real texts for the rest (see
tests/fixtures/fr_assemblee/PROVENANCE.md)."""

import datetime as dt
import json
import zipfile

import pytest
from scrapy.http import Request, Response

from spiders.fr_assemblee import DUMP, FrAssembleeSpider
from stationwatch.items import Statement
from stationwatch.replay import ReplayServer
from tests.fixtures.fr_assemblee.build_dumps import DUMPS, dump_bytes
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, run_scrapy

SOURCE = "fr_assemblee"
DUMP_16 = DUMP.format(leg=16)
DUMP_17 = DUMP.format(leg=17)


@pytest.fixture
def spider():
    return make_spider(FrAssembleeSpider)


def record(uid: str) -> dict:
    return json.loads(fixture_path(SOURCE, f"questions/{uid}.RECONSTRUCTED.json").read_text(encoding="utf-8"))


def zip_response(url: str, records: dict[str, dict]) -> Response:
    body = dump_bytes({uid: json.dumps(data, ensure_ascii=False).encode() for uid, data in records.items()})
    return Response(url, body=body, request=Request(url))


def parse(spider, url, records, legislature=16):
    return list(spider.parse_dump(zip_response(url, records), legislature))


def test_start_asks_each_sitting_legislatures_dump_with_a_raised_size_limit(spider):
    requests = collect(spider.start())
    assert [r.url for r in requests] == [DUMP_16, DUMP_17]
    assert DUMP_16 == ("https://data.assemblee-nationale.fr/static/openData/repository/16"
                       "/questions/questions_ecrites/Questions_ecrites.json.zip")
    assert requests[0].meta["download_maxsize"] > 20 * 1024 * 1024


def test_a_later_start_date_skips_the_closed_legislature():
    spider = make_spider(FrAssembleeSpider, since="2024-09-01")
    assert spider.legislatures(today=dt.date(2026, 12, 1)) == [17]


def test_question_and_its_answer_are_two_linked_statements(spider):
    question, answer = parse(spider, DUMP_16, {"QANR5L16QE3820": record("QANR5L16QE3820")})
    assert isinstance(question, Statement)
    assert question.kind == "written_question"
    assert question.record_id == "question:QANR5L16QE3820"
    assert question.body == "Assemblée nationale" and question.country == "FR" and question.language == "fr"
    assert question.speaker == "Christophe Bentz"  # from the text's opening words
    assert question.speaker_role == "Député, Rassemblement National"
    assert question.published == "2022-12-06"
    assert question.title == "étrangers: Activités consulaires non déclarées sur le territoire français"
    assert question.text.startswith("M. Christophe Bentz interroge M. le ministre de l'intérieur")
    assert question.url == "https://questions.assemblee-nationale.fr/q16/16-3820QE.htm"
    assert question.fetch_url == DUMP_16

    assert answer.kind == "written_answer"
    assert answer.record_id == "answer:QANR5L16QE3820:2023-02-14"
    assert answer.question_record_id == "question:QANR5L16QE3820"
    assert answer.body == "Ministère de l'intérieur et des outre-mer"
    assert answer.speaker is None  # the dump names ministries, not ministers
    assert answer.speaker_role == "Ministère attributaire: Ministère de l'intérieur et des outre-mer"
    assert answer.published == "2023-02-14"
    assert "la DGSI déploie des moyens accrus" in answer.text
    assert answer.context == question.text
    assert answer.url == question.url and answer.raw == question.raw


def test_unanswered_question_gives_only_the_question(spider):
    (question,) = parse(spider, DUMP_16, {"QANR5L16QE3007": record("QANR5L16QE3007")})
    assert question.speaker == "Laurence Robert-Dehault"
    assert question.published == "2022-11-08"
    assert "commissariats chinois clandestins" in question.text


def test_real_record_envelope_is_read(spider):
    """QANR5L17QG1 as the Assemblée publishes it (a question au gouvernement:
    same schema, no question text, the exchange as its answer)."""
    data = json.loads(fixture_path(SOURCE, "QANR5L17QG1.REAL.json").read_text(encoding="utf-8"))
    items = parse(spider, DUMP_17, {"QANR5L17QG1": data}, legislature=17)
    (answer,) = items  # no question text in the record: no question statement
    assert answer.record_id == "answer:QANR5L17QG1:2024-10-03"
    assert answer.published == "2024-10-03"
    assert answer.body == "Ministère de l'intérieur"
    assert answer.title == "outre-mer: Situation à Mayotte"
    assert "M. Bruno Retailleau," in answer.text
    assert answer.question_record_id is None


def test_reattributed_question_is_answered_by_the_last_ministry(spider):
    data = record("QANR5L16QE3820")
    first = data["question"]["minAttribs"]["minAttrib"]
    later = json.loads(json.dumps(first))
    later["denomination"]["developpe"] = "Ministère de l'Europe et des affaires étrangères"
    data["question"]["minAttribs"]["minAttrib"] = [first, later]
    _, answer = parse(spider, DUMP_16, {"QANR5L16QE3820": data})
    assert answer.body == "Ministère de l'Europe et des affaires étrangères"


def test_questions_before_the_window_are_passed_over_but_counted():
    spider = make_spider(FrAssembleeSpider, since="2023-01-01")
    items = parse(spider, DUMP_16, {"QANR5L16QE3820": record("QANR5L16QE3820"),
                                    "QANR5L16QE3007": record("QANR5L16QE3007")})
    # 3820 was asked before the window but answered in it: both of its
    # statements; 3007 (asked in 2022, never answered) is left.
    assert [i.record_id for i in items] == ["question:QANR5L16QE3820", "answer:QANR5L16QE3820:2023-02-14"]
    assert spider.crawler.stats.get_value("stationwatch/records") == 3


def test_old_date_format_is_read(spider):
    data = record("QANR5L16QE3007")
    data["question"]["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = "08/11/2022"
    (question,) = parse(spider, DUMP_16, {"QANR5L16QE3007": data})
    assert question.published == "2022-11-08"


def test_empty_dump_and_foreign_files_are_layout_changes(spider):
    assert parse(spider, DUMP_16, {}) == []
    assert parse(spider, DUMP_16, {"QANR5L16QE1": {"amendement": {"uid": "x"}}}) == []
    html = Response(DUMP_16, body=b"<html>maintenance</html>", request=Request(DUMP_16))
    assert list(spider.parse_dump(html, 16)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 3


def test_replayed_dumps_hold_exactly_the_json_records():
    for name, uids in DUMPS.items():
        with zipfile.ZipFile(fixture_path(SOURCE, name)) as archive:
            assert sorted(archive.namelist()) == sorted(f"json/{uid}.json" for uid in uids)
            for uid in uids:
                assert json.loads(archive.read(f"json/{uid}.json")) == record(uid)


def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    statements = {r["record_id"]: r for r in crawled.statements}
    (run,) = crawled.runs
    # The placeholder leg-17 question is off topic and dropped by relevance.
    assert sorted(statements) == ["answer:QANR5L16QE3820:2023-02-14", "question:QANR5L16QE3007",
                                  "question:QANR5L16QE3820"]
    answer = statements["answer:QANR5L16QE3820:2023-02-14"]
    assert answer["question_id"] == statements["question:QANR5L16QE3820"]["id"]
    assert answer["body"] == "Ministère de l'intérieur et des outre-mer"
    assert answer["country"] == "FR" and answer["source_kind"] == "parliament"
    assert statements["question:QANR5L16QE3820"]["speaker"] == "Christophe Bentz"
    assert run["status"] == "ok"
    assert (run["records"], run["new"], run["dropped"]) == (4, 3, 1)


def test_unchanged_dump_costs_a_304_and_an_answer_later_is_one_new_statement(tmp_path):
    """The nightly case: the dump is asked conditionally; when it has not
    changed nothing is parsed, and when an answer was published since, the
    changed dump gives exactly that one new statement."""
    db_path = tmp_path / "t.db"
    unanswered = record("QANR5L16QE3820")
    unanswered["question"].update(textesReponse=None, cloture=None)
    before = dump_bytes({"QANR5L16QE3820": json.dumps(unanswered, ensure_ascii=False).encode(),
                         "QANR5L16QE3007": (FIXTURES / SOURCE / "questions/QANR5L16QE3007.RECONSTRUCTED.json").read_bytes()})
    with ReplayServer(manifests=[FIXTURES / SOURCE / "replay.yml"], validators=True) as server:
        server.replace(DUMP_16, before, headers={"Content-Type": "application/zip"})

        def crawl():
            result = run_scrapy(SOURCE, db_path, server.url, "-a", "since=2022-09-01")
            assert result.returncode == 0, result.stderr[-2000:]
            return latest_run(db_path)

        first = crawl()
        assert first["new"] == 2  # the two questions
        second = crawl()
        assert second["unchanged"] == 2 and second["new"] == 0  # both dumps answered 304
        server.replace(DUMP_16, (FIXTURES / SOURCE / "Questions_ecrites_16.RECONSTRUCTED.json.zip").read_bytes(),
                       headers={"Content-Type": "application/zip"})
        third = crawl()
    assert (third["new"], third["updated"]) == (1, 0)
    import db as database

    conn = database.connect(db_path)
    try:
        rows = list(conn.query("SELECT record_id, question_id FROM statements WHERE kind = 'written_answer'"))
    finally:
        conn.close()
    assert [r["record_id"] for r in rows] == ["answer:QANR5L16QE3820:2023-02-14"]
    assert rows[0]["question_id"] is not None


def latest_run(db_path) -> dict:
    import db as database

    conn = database.connect(db_path)
    try:
        return dict(next(conn.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1")))
    finally:
        conn.close()
