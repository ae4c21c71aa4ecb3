"""at_parlament against recorded and reconstructed Parlament Österreich responses (tests/fixtures/at_parlament/PROVENANCE.md)."""

import datetime as dt
import json

import pytest
import yaml
from scrapy.http import HtmlResponse, Request, TextResponse

from spiders.at_parlament import FILTER_API, AtParlamentSpider, ministry, row_values
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, response_for

WEB = "https://www.parlament.gv.at"
SOURCE = "at_parlament"
TODAY = dt.date(2024, 6, 30)
QUESTIONS = ("J_JPR_M", "J", "J")
ANSWERS = ("AB_ABPR_ABM", "AB", "AB")


@pytest.fixture
def spider():
    return make_spider(AtParlamentSpider)


def listing(spider, name, asked, period="XXVII", today=TODAY):
    return list(spider.parse_listing(response_for(SOURCE, name, FILTER_API), period, asked, today))


def as_response(data, url=FILTER_API):
    return TextResponse(url, body=json.dumps(data).encode(), request=Request(url))


def layout_errors(spider):
    return spider.crawler.stats.get_value("stationwatch/layout_errors") or 0


def rows(name):
    data = json.loads(fixture_path(SOURCE, name).read_text(encoding="utf-8"))
    return [row_values(data["header"], row) for row in data["rows"]]


# --- the list ----------------------------------------------------------------

def test_start_asks_questions_and_answers_of_each_period_in_the_window(spider):
    asked = collect(spider.start())
    bodies = [json.loads(r.body) for r in asked]
    today = dt.date.today().strftime("%d.%m.%Y")
    assert [r.method for r in asked] == ["POST"] * 4 and {r.url for r in asked} == {FILTER_API}
    assert bodies[0] == {"GP_CODE": ["XXVII"], "NRBR": ["NR"], "VHG": ["J_JPR_M"], "DOKTYP": ["J"],
                         "DATUM_VON": ["01.09.2022", today]}
    assert [(b["GP_CODE"], b["DOKTYP"]) for b in bodies] == [(["XXVII"], ["J"]), (["XXVII"], ["AB"]),
                                                             (["XXVIII"], ["J"]), (["XXVIII"], ["AB"])]


def test_a_window_within_the_current_period_asks_only_that_period():
    spider = make_spider(AtParlamentSpider, since="2025-03-01")
    assert {tuple(json.loads(r.body)["GP_CODE"]) for r in collect(spider.start())} == {("XXVIII",)}


def test_real_header_maps_columns_by_rnr():
    (first, _) = rows("filter-data-101_UEA.REAL.TRIMMED.json")
    assert (first["GP"], first["ITYP"], first["INR"], first["DATUM"]) == ("XXVII", "UEA", "512", "09.04.2021")
    assert first["PFAD"] == "Versagen des Vertrauens gegenüber dem Bundesminister für Finanzen"  # "Betreff"
    assert (first["ZITATION"], first["HIS_URL"]) == ("512/UEA", "/gegenstand/XXVII/UEA/512")
    assert (first["GP_CODE"], first["NRBR"], first["FRAK_CODE"]) == ("XXVII", "NR", '["SPÖ","FPÖ","NEOS"]')
    assert "VOTE" not in first  # rnr 32 lies past the row's 31 columns


def test_list_leads_to_the_items_that_can_be_on_topic(spider):
    out = listing(spider, "filter-data-101_J_XXVII.RECONSTRUCTED.json", QUESTIONS)
    assert [r.url for r in out] == [f"{WEB}/gegenstand/XXVII/J/12964?json=True",
                                    f"{WEB}/gegenstand/XXVII/J/18297?json=True"]  # no China, no topic: passed over
    assert spider.crawler.stats.get_value("stationwatch/records") == 1
    assert layout_errors(spider) == 0


def test_real_empty_result_is_no_error(spider):
    assert listing(spider, "filter-data-101_empty.REAL.json", QUESTIONS, period="XXVIII") == []
    assert layout_errors(spider) == 0


def test_an_ignored_filter_is_a_layout_change(spider):
    """The recorded rows are Misstrauensanträge (UEA): what the whole list
    looks like when the API drops a filter it does not know."""
    assert listing(spider, "filter-data-101_UEA.REAL.TRIMMED.json", QUESTIONS) == []
    assert layout_errors(spider) == 1


def test_a_row_outside_the_dates_asked_is_a_layout_change():
    spider = make_spider(AtParlamentSpider, since="2024-01-01")  # 12964/J is of 09.11.2022
    assert listing(spider, "filter-data-101_J_XXVII.RECONSTRUCTED.json", QUESTIONS) == []
    assert layout_errors(spider) == 1


def test_changed_api_shape_is_a_layout_change(spider):
    assert list(spider.parse_listing(as_response({"data": []}), "XXVII", QUESTIONS, TODAY)) == []
    assert layout_errors(spider) == 1


# --- items -------------------------------------------------------------------

def question_row(number="12964"):
    return next(r for r in rows("filter-data-101_J_XXVII.RECONSTRUCTED.json") if r["INR"] == number)


def test_item_json_leads_to_the_html_document(spider):
    url = f"{WEB}/gegenstand/XXVII/J/12964?json=True"
    (request,) = spider.parse_item(response_for(SOURCE, "gegenstand_XXVII_J_12964.RECONSTRUCTED.json", url),
                                   question_row())
    assert request.url == f"{WEB}/dokument/XXVII/J/12964/fnameorig_1485763.html"  # HTML, not the PDF


def test_an_item_without_html_document_is_a_layout_change(spider):
    item = json.loads(fixture_path(SOURCE, "gegenstand_XXVII_J_12964.RECONSTRUCTED.json").read_text())
    item["content"]["documents"][0]["documents"] = [{"link": "/dokument/x.pdf", "type": "PDF"}]
    assert list(spider.parse_item(as_response(item, f"{WEB}/gegenstand/XXVII/J/12964?json=True"), question_row())) == []
    assert layout_errors(spider) == 1


def test_question_document_gives_the_question(spider):
    content = json.loads(fixture_path(SOURCE, "gegenstand_XXVII_J_12964.RECONSTRUCTED.json").read_text())["content"]
    url = f"{WEB}/dokument/XXVII/J/12964/fnameorig_1485763.html"
    (question,) = spider.parse_document(
        response_for(SOURCE, "dokument_XXVII_J_12964_fnameorig_1485763.RECONSTRUCTED.html", url), question_row(), content)
    assert question.kind == "written_question" and question.record_id == "XXVII/J/12964"
    assert (question.speaker, question.speaker_role) == ("Petra Bayr, MA, MLS", "Abgeordnete zum Nationalrat (SPÖ)")
    assert (question.country, question.body, question.source_kind) == ("AT", "Nationalrat", "parliament")
    assert question.published == "2022-11-09"
    assert question.title == "unterhält China ein illegales „Polizeizentrum“ in Österreich?"
    assert question.url == f"{WEB}/gegenstand/XXVII/J/12964" and question.fetch_url == url
    assert "Eine Qingtian geführte Übersee-Polizeistation" in question.text
    assert spider.topic.judge(question.text).relevant


def test_answer_document_gives_the_ministers_answer_linked_to_its_question(spider):
    row = rows("filter-data-101_AB_XXVII.RECONSTRUCTED.json")[0]
    content = json.loads(fixture_path(SOURCE, "gegenstand_XXVII_AB_99001.RECONSTRUCTED.json").read_text())["content"]
    url = f"{WEB}/dokument/XXVII/AB/99001/fnameorig_9900001.html"
    (answer,) = spider.parse_document(
        response_for(SOURCE, "dokument_XXVII_AB_99001_fnameorig_9900001.RECONSTRUCTED.html", url), row, content)
    assert answer.kind == "written_answer" and answer.record_id == "XXVII/AB/99001"
    assert answer.question_record_id == "XXVII/J/12964"
    assert (answer.speaker, answer.speaker_role) == ("Mag. Gerhard Karner", "Bundesminister für Inneres")
    assert (answer.body, answer.source_kind) == ("Bundesministerium für Inneres", "ministry")
    assert answer.published == "2023-01-09"
    assert answer.context == answer.title


def test_an_answer_without_reference_finds_its_question_in_its_text(spider):
    row = rows("filter-data-101_AB_XXVII.RECONSTRUCTED.json")[0]
    content = json.loads(fixture_path(SOURCE, "gegenstand_XXVII_AB_99001.RECONSTRUCTED.json").read_text())["content"]
    del content["reference"]
    url = f"{WEB}/dokument/XXVII/AB/99001/fnameorig_9900001.html"
    (answer,) = spider.parse_document(
        response_for(SOURCE, "dokument_XXVII_AB_99001_fnameorig_9900001.RECONSTRUCTED.html", url), row, content)
    assert answer.question_record_id == "XXVII/J/12964"  # "99001/AB vom 09.01.2023 zu 12964/J"


def test_a_gone_document_is_a_lost_record(spider):
    url = f"{WEB}/dokument/XXVII/J/12964/fnameorig_1485763.html"
    gone = HtmlResponse(url, status=404, body=b"nicht gefunden", request=Request(url))
    assert list(spider.parse_document(gone, question_row(), {})) == []
    assert spider.crawler.stats.get_value("stationwatch/lost_records") == 1


def test_ministries_from_offices():
    assert ministry("Bundesministerin für europäische und internationale Angelegenheiten") == (
        "Bundesministerium für europäische und internationale Angelegenheiten")
    assert ministry("Bundeskanzler") == "Bundeskanzleramt"


# --- end to end --------------------------------------------------------------

def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    rows_by_id = {r["record_id"]: r for r in crawled.statements}
    assert set(rows_by_id) == {"XXVII/J/12964", "XXVII/J/18297", "XXVII/AB/99001"}
    question, answer = rows_by_id["XXVII/J/12964"], rows_by_id["XXVII/AB/99001"]
    assert (question["country"], question["speaker"], question["published"]) == ("AT", "Petra Bayr, MA, MLS",
                                                                                 "2022-11-09")
    assert (answer["body"], answer["question_record_id"]) == ("Bundesministerium für Inneres", "XXVII/J/12964")
    asked = [path for path, _ in crawled.requests]
    assert not any("/J/99999" in p for p in asked)  # the off-topic question's item was not fetched
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert (run["status"], run["new"]) == ("ok", 3)


def test_an_answer_arriving_on_a_later_run_is_exactly_one_new_statement(tmp_path):
    """Night 1: 12964/J and 18297/J are listed, no answer yet. Night 2: 99001/AB answers 12964/J."""
    entries = yaml.safe_load((FIXTURES / SOURCE / "replay.yml").read_text(encoding="utf-8"))
    night_1 = [dict(e, file=str(FIXTURES / SOURCE / ("filter-data-101_empty.REAL.json" if "DOKTYP=AB" in e["url"]
                                                     else e["file"])))
               for e in entries]
    manifest = tmp_path / "night_1.yml"
    manifest.write_text(yaml.safe_dump(night_1, allow_unicode=True), encoding="utf-8")
    db_path = tmp_path / "t.db"

    first = replay_crawl(SOURCE, db_path, manifests=[manifest])
    assert sorted(r["record_id"] for r in first.statements) == ["XXVII/J/12964", "XXVII/J/18297"]

    second = replay_crawl(SOURCE, db_path, "-a", "since=2022-09-01")  # the same window, asked again
    known = {r["id"] for r in first.statements}
    new = [r for r in second.statements if r["id"] not in known]
    assert [r["record_id"] for r in new] == ["XXVII/AB/99001"]
    assert new[0]["question_record_id"] == "XXVII/J/12964"
