"""de_bundestag against recorded and reconstructed DIP responses (tests/fixtures/de_bundestag/PROVENANCE.md)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, TextResponse

from spiders.de_bundestag import PUBLIC_API_KEY, DeBundestagSpider, pdf_url, written_question_entries
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, response_for

API = "https://search.dip.bundestag.de/api/v1"
SOURCE = "de_bundestag"
ANSWERS_URL = f"{API}/drucksache-text?f.drucksachetyp=Antwort&f.aktualisiert.start=2022-09-01T00%3A00%3A00&format=json"
QUESTIONS_URL = ANSWERS_URL.replace("Antwort", "Kleine+Anfrage")
WRITTEN_URL = f"{API}/drucksache?f.drucksachetyp=Schriftliche+Fragen&f.aktualisiert.start=2022-09-01T00%3A00%3A00&format=json"


@pytest.fixture
def spider(monkeypatch):
    monkeypatch.delenv("DIP_API_KEY", raising=False)
    return make_spider(DeBundestagSpider)


def listing(spider, name, url, doctype, resource="drucksache-text", cursor=None, page=1):
    return list(spider.parse_listing(response_for(SOURCE, name, url), resource, doctype, cursor, page))


def statements(items):
    return [i for i in items if not isinstance(i, Request)]


def requests(items):
    return [i for i in items if isinstance(i, Request)]


def layout_errors(spider):
    return spider.crawler.stats.get_value("stationwatch/layout_errors") or 0


def body(data: dict, url: str, status: int = 200) -> TextResponse:
    return TextResponse(url, body=json.dumps(data).encode(), status=status, request=Request(url))


# --- requests ----------------------------------------------------------------

def test_start_asks_each_type_changed_since_the_start_date_with_the_public_key(spider):
    asked = collect(spider.start())
    assert [r.url for r in asked] == [ANSWERS_URL, QUESTIONS_URL, ANSWERS_URL.replace("Antwort", "Gro%C3%9Fe+Anfrage"),
                                      WRITTEN_URL]
    assert {r.headers["Authorization"].decode() for r in asked} == {f"ApiKey {PUBLIC_API_KEY}"}
    assert all("apikey" not in r.url.lower() for r in asked)  # the key never goes into a URL


def test_a_key_in_the_environment_wins_over_the_public_one(monkeypatch):
    monkeypatch.setenv("DIP_API_KEY", "personal.keyabcdefghijklmnopqrstuvwxyz0123")
    spider = make_spider(DeBundestagSpider, since="2025-10-01")
    (first, *_) = collect(spider.start())
    assert first.headers["Authorization"] == b"ApiKey personal.keyabcdefghijklmnopqrstuvwxyz0123"
    assert parse_qs(urlsplit(first.url).query)["f.aktualisiert.start"] == ["2025-10-01T00:00:00"]


def test_a_rejected_key_ends_the_run_with_the_reason(spider, caplog):
    unauthorized = json.loads(fixture_path(SOURCE, "unauthorized.OFFICIAL-SPEC.json").read_text())
    with pytest.raises(CloseSpider):
        list(spider.parse_listing(body(unauthorized, ANSWERS_URL, status=401), "drucksache-text", "Antwort", None, 1))
    assert "DIP rejected the API key (HTTP 401" in caplog.text
    assert "https://dip.bundestag.de/über-dip/hilfe/api" in caplog.text
    assert PUBLIC_API_KEY not in caplog.text


# --- Antworten and Kleine Anfragen -------------------------------------------

def test_antwort_page_gives_answers_linked_to_their_questions(spider):
    items = listing(spider, "drucksache-text_Antwort.RECONSTRUCTED.json", ANSWERS_URL, "Antwort")
    police, islamists = statements(items)
    assert police.kind == "written_answer"
    assert police.record_id == "drucksache:19/16674"
    assert police.question_record_id == "drucksache:19/16285"  # "– Drucksache 19/16285 –" under the heading
    assert police.speaker == police.body == "Bundesministerium des Innern, für Bau und Heimat"  # federführend
    assert police.speaker_role == "answering ministry (federführendes Ressort)"
    assert police.source_kind == "ministry"  # the answer is the ministry's; the question the group's
    assert police.published == "2020-01-21"
    assert police.url == "https://dserver.bundestag.de/btd/19/166/1916674.pdf"
    assert police.fetch_url == ANSWERS_URL
    assert police.country == "DE" and police.language == "de"
    assert "13 permanente \nchinesische Polizeibüros" in police.text
    assert "text" not in json.loads(police.raw)  # the text is the statement's, not repeated in raw
    # The real Antwort 21/126 has no ressort here: the ministry its covering note names.
    assert islamists.record_id == "drucksache:21/126"
    assert islamists.question_record_id == "drucksache:21/59"
    assert islamists.speaker == "Bundesministerium des Innern"
    assert islamists.text.startswith("Deutscher Bundestag Drucksache 21/126\n21. Wahlperiode 09.05.2025\nAntwort")
    (next_page,) = requests(items)
    assert parse_qs(urlsplit(next_page.url).query) == {
        "f.drucksachetyp": ["Antwort"], "f.aktualisiert.start": ["2022-09-01T00:00:00"], "format": ["json"],
        "cursor": ["AoJwgOLMrvwCMURydWNrc2FjaGUtOTAwMDAwMg=="]}  # every filter again, with the cursor
    assert layout_errors(spider) == 0


def test_kleine_anfrage_is_asked_by_its_parliamentary_group(spider):
    police, minimum_wage = statements(listing(spider, "drucksache-text_Kleine-Anfrage.RECONSTRUCTED.json",
                                              QUESTIONS_URL, "Kleine Anfrage"))
    assert police.kind == "written_question"
    assert police.record_id == "drucksache:19/16285"
    assert police.speaker == "Fraktion der FDP"
    assert police.speaker_role == "asking parliamentary group (MPs: Christian Dürr, Grigorios Aggelidis, Renata Alt, …)"
    assert (police.body, police.source_kind) == ("Deutscher Bundestag", "parliament")
    assert police.question_record_id is None
    assert minimum_wage.speaker == "Fraktion Die Linke"
    assert minimum_wage.speaker_role == "asking parliamentary group"  # DIP showed no MPs
    assert minimum_wage.text.startswith("Deutscher Bundestag Drucksache 21/1267\n21. Wahlperiode 18.08.2025\n"
                                        "Kleine Anfrage\nder Abgeordneten Mandy Eißing")


def test_the_last_page_repeats_the_cursor_and_ends_the_listing(spider):
    cursor = "AoJwgOLMrvwCMURydWNrc2FjaGUtOTAwMDAwMg=="
    items = listing(spider, "drucksache-text_Antwort_last-page.DERIVED.json", ANSWERS_URL + f"&cursor={cursor}",
                    "Antwort", cursor=cursor, page=2)
    assert items == [] and layout_errors(spider) == 0


def test_paging_stops_at_the_bound(spider, caplog):
    items = listing(spider, "drucksache-text_Antwort.RECONSTRUCTED.json", ANSWERS_URL, "Antwort", page=300)
    assert requests(items) == [] and len(statements(items)) == 2
    assert "stopped after 300 pages" in caplog.text


def test_an_empty_result_is_no_error(spider):
    assert listing(spider, "drucksache-text_empty.DERIVED.json", ANSWERS_URL, "Antwort") == []
    assert layout_errors(spider) == 0


def test_an_ignored_type_filter_is_a_layout_change(spider):
    """The spec's real example page (a Verordnung and a Vorschlag) is what an
    unfiltered list looks like: asked for Schriftliche Fragen, DIP answered
    with other types, so the filter was ignored and nothing is followed."""
    items = listing(spider, "drucksache_list.REAL-EXAMPLE-IN-SPEC.json", WRITTEN_URL, "Schriftliche Fragen",
                    resource="drucksache")
    assert items == []
    assert layout_errors(spider) == 1


def test_an_ignored_date_filter_is_a_layout_change(spider):
    data = json.loads(fixture_path(SOURCE, "drucksache-text_Antwort.RECONSTRUCTED.json").read_text())
    data["documents"][1]["aktualisiert"] = "2021-11-03T10:00:00+01:00"  # before the start date asked
    assert list(spider.parse_listing(body(data, ANSWERS_URL), "drucksache-text", "Antwort", None, 1)) == []
    assert layout_errors(spider) == 1


def test_a_listed_drucksache_without_text_is_lost_until_next_run(spider):
    data = json.loads(fixture_path(SOURCE, "drucksache-text_Antwort.RECONSTRUCTED.json").read_text())
    del data["documents"][0]["text"]
    items = list(spider.parse_listing(body(data, ANSWERS_URL), "drucksache-text", "Antwort", None, 1))
    assert [s.record_id for s in statements(items)] == ["drucksache:21/126"]
    assert spider.crawler.stats.get_value("stationwatch/lost_records") == 1


def test_changed_api_shape_is_a_layout_change(spider):
    assert list(spider.parse_listing(body({"items": []}, ANSWERS_URL), "drucksache-text", "Antwort", None, 1)) == []
    assert layout_errors(spider) == 1


# --- Schriftliche Fragen -----------------------------------------------------

def test_schriftliche_fragen_are_listed_then_fetched_one_by_one(spider):
    items = listing(spider, "drucksache_Schriftliche-Fragen.RECONSTRUCTED.json", WRITTEN_URL, "Schriftliche Fragen",
                    resource="drucksache")
    fetched = [r for r in requests(items) if "/drucksache-text/" in r.url]
    assert [r.url for r in fetched] == [f"{API}/drucksache-text/9000005?format=json",
                                        f"{API}/drucksache-text/9000006?format=json"]
    assert fetched[0].headers["Authorization"] == f"ApiKey {PUBLIC_API_KEY}".encode()


def test_real_schriftliche_fragen_give_a_question_and_an_answer_per_number(spider):
    url = f"{API}/drucksache-text/9000005?format=json"
    items = list(spider.parse_text(response_for(SOURCE, "drucksache-text_9000005.RECONSTRUCTED.json", url),
                                   "Schriftliche Fragen"))
    by_id = {s.record_id: s for s in items}
    assert sorted(by_id) == sorted(
        [f"drucksache:21/2141:{part}:{n}" for n in ("7", "8", "20", "40", "82") for part in ("frage", "antwort")]
        + ["drucksache:21/2141:frage:39"])  # 39 is answered together with 40
    question = by_id["drucksache:21/2141:frage:82"]
    assert (question.kind, question.speaker, question.speaker_role) == ("written_question", "Robin Wagener",
                                                                         "MdB (BÜNDNIS 90/DIE GRÜNEN)")
    # DIP's text keeps the PDF's line breaks.
    assert " ".join(question.text.split()).startswith(
        "Schlussfolgert die Bundesregierung, dass die Regierung der Russischen Föderation")
    assert question.published == "2025-10-10"
    answer = by_id["drucksache:21/2141:antwort:82"]
    assert (answer.kind, answer.speaker, answer.body, answer.source_kind) == (
        "written_answer", "Auswärtiges Amt", "Auswärtiges Amt", "ministry")
    assert answer.speaker_role == "Antwort des Staatssekretärs Dr. Géza Andreas von Geyr"
    assert answer.published == "2025-10-06"
    assert answer.question_record_id == "drucksache:21/2141:frage:82"
    assert answer.context == question.text
    assert " ".join(answer.text.split()).startswith("Die Bundesregierung beobachtet die fortgesetzten und systematischen")
    assert "Vorabfassung" not in answer.text  # the PDF's margin notes are dropped
    assert answer.url == "https://dserver.bundestag.de/btd/21/021/2102141.pdf"
    # "Antwort der Bundesregierung zu den Fragen 1 und 2 ..." inside question 8 is the question's own words.
    assert "Antwort der Bundesregierung zu den Fragen 1" in " ".join(by_id["drucksache:21/2141:frage:8"].text.split())
    assert by_id["drucksache:21/2141:antwort:8"].published == "2025-10-06"
    assert by_id["drucksache:21/2141:frage:20"].speaker == "Lisa Schubert"  # "20. Abg."
    assert by_id["drucksache:21/2141:antwort:20"].speaker == "Bundesministerium der Finanzen"
    joint = by_id["drucksache:21/2141:antwort:40"]
    assert joint.text.startswith("Die Fragen 39 und 40 werden")
    assert " ".join(joint.context.split()).count("Wie viele Personen wurden an den landseitigen") == 2  # both questions


def test_reconstructed_week_with_the_cotar_question(spider):
    url = f"{API}/drucksache-text/9000006?format=json"
    question, answer = spider.parse_text(response_for(SOURCE, "drucksache-text_9000006.RECONSTRUCTED.json", url),
                                         "Schriftliche Fragen")
    assert (question.speaker, question.speaker_role) == ("Joana Cotar", "MdB (fraktionslos)")
    assert (answer.speaker, answer.published) == ("Bundesministerium des Innern und für Heimat", "2022-12-09")
    assert "zwei\nsogenannte „Übersee-Polizeistationen“" in answer.text
    assert spider.topic.judge(answer.text).relevant


def test_a_detail_of_another_type_is_a_layout_change(spider):
    url = f"{API}/drucksache-text/9000005?format=json"
    response = response_for(SOURCE, "drucksache-text_9000005.RECONSTRUCTED.json", url)
    assert list(spider.parse_text(response, "Antwort")) == []
    assert layout_errors(spider) == 1


def test_written_question_parser_on_plain_text():
    text = ("Geschäftsbereich des Auswärtigen Amts\n5.\u2002Abgeordneter\nMax Muster\n(BÜNDNIS 90/\nDIE GRÜNEN)\n"
            "Frage?\nAntwort der Staatsministerin \nAnna Beispiel \nvom 1. März 2024\nAntwort.\n")
    (entry,) = written_question_entries(text)
    assert (entry.number, entry.asker, entry.group, entry.ministry) == ("5", "Max Muster", "BÜNDNIS 90/DIE GRÜNEN",
                                                                      "Auswärtiges Amt")
    assert (entry.signed_by, entry.answered, entry.answer) == ("Antwort der Staatsministerin Anna Beispiel",
                                                               "2024-03-01", "Antwort.")


def test_pdf_url_from_the_drucksache_number():
    assert pdf_url("20/8") == "https://dserver.bundestag.de/btd/20/000/2000008.pdf"  # the spec's real example
    assert pdf_url("20/15151") == "https://dserver.bundestag.de/btd/20/151/2015151.pdf"


# --- end to end --------------------------------------------------------------

def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    rows = {r["record_id"]: r for r in crawled.statements}
    assert set(rows) == {"drucksache:19/16285", "drucksache:19/16674", "drucksache:20/99001:frage:1",
                         "drucksache:20/99001:antwort:1"}  # the off-topic 21/126, 21/1267 and 21/2141 are dropped
    answer = rows["drucksache:19/16674"]
    assert (answer["kind"], answer["speaker"], answer["country"]) == (
        "written_answer", "Bundesministerium des Innern, für Bau und Heimat", "DE")
    assert answer["question_record_id"] == "drucksache:19/16285"
    assert rows["drucksache:20/99001:antwort:1"]["question_record_id"] == "drucksache:20/99001:frage:1"
    api_requests = [headers for path, headers in crawled.requests if "/api/v1/" in path]
    assert len(api_requests) == 9  # 4 listings, 3 last pages, 2 texts of Schriftliche Fragen
    assert all(headers.get("Authorization") == f"ApiKey {PUBLIC_API_KEY}" for headers in api_requests)
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert (run["status"], run["new"]) == ("ok", 4)


def test_a_rejected_key_is_a_failed_run_with_the_reason(tmp_path):
    manifest = tmp_path / "unauthorized.yml"
    manifest.write_text(yaml.safe_dump([
        {"url": f"{API}/{resource}", "status": 401, "content_type": "application/json",
         "file": str(FIXTURES / SOURCE / "unauthorized.OFFICIAL-SPEC.json")}
        for resource in ("drucksache-text", "drucksache")]), encoding="utf-8")
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", manifests=[manifest])
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert run["status"] == "failed"
    assert "DIP rejected the API key (HTTP 401" in run["error_messages"]
    assert crawled.statements == []


def test_an_answer_arriving_on_a_later_run_is_exactly_one_new_statement(tmp_path):
    """Night 1: Kleine Anfrage 19/16285 is listed, no Antwort yet. Night 2: its Antwort 19/16674 is."""
    entries = yaml.safe_load((FIXTURES / SOURCE / "replay.yml").read_text(encoding="utf-8"))
    night_1 = []
    for entry in entries:
        entry = dict(entry, file=str(FIXTURES / SOURCE / entry["file"]))
        if "Antwort" in entry["url"] or "Schriftliche" in entry["url"]:
            entry["file"] = str(FIXTURES / SOURCE / "drucksache-text_empty.DERIVED.json")
        night_1.append(entry)
    manifest = tmp_path / "night_1.yml"
    manifest.write_text(yaml.safe_dump(night_1, allow_unicode=True), encoding="utf-8")
    db_path = tmp_path / "t.db"

    first = replay_crawl(SOURCE, db_path, manifests=[manifest])
    assert [r["record_id"] for r in first.statements] == ["drucksache:19/16285"]

    second = replay_crawl(SOURCE, db_path, "-a", "since=2022-11-01")
    known = {r["id"] for r in first.statements}
    new = [r for r in second.statements if r["id"] not in known and not r["record_id"].startswith("drucksache:20/99001")]
    assert [r["record_id"] for r in new] == ["drucksache:19/16674"]
    assert new[0]["question_record_id"] == "drucksache:19/16285"
