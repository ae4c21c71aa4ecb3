"""nl_openbesluitvorming against RECONSTRUCTED OpenBesluitvorming responses
(no real recording was found; shapes from the API's documentation and
source, see tests/fixtures/nl_openbesluitvorming/PROVENANCE.md)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse

from spiders.nl_openbesluitvorming import (BASE, MAX_PAGES, NlOpenbesluitvormingSpider, document_fields,
                                           entity_url)
from stationwatch.items import Statement
from stationwatch.replay import ReplayServer
from tests.helpers import FIXTURES, collect, fixture_path, make_spider, replay_crawl, response_for, run_scrapy

SOURCE = "nl_openbesluitvorming"
QUESTION_ID = "document:notubiz:gemeente:amsterdam:900000001"
ANSWER_ID = "document:notubiz:gemeente:amsterdam:900000002"
ROTTERDAM_ID = "document:ibabs:gemeente:rotterdam:00000000-0000-0000-0000-000000000001"


@pytest.fixture
def spider():
    return make_spider(NlOpenbesluitvormingSpider)


def search(spider, name, offset=0, term="Chinese politiebureaus"):
    url = f"{BASE}/api/search?query=x&offset={offset}"
    return list(spider.parse_search(response_for(SOURCE, name, url), term, offset))


def entity(spider, name, entity_id, found=None):
    return list(spider.parse_entity(response_for(SOURCE, name, entity_url(entity_id)), found or {}))


def test_start_searches_documents_per_dutch_term_from_the_start_date(spider):
    requests = collect(spider.start())
    terms = spider.topic.search_terms_for("nl")
    assert len(requests) == len(terms) and "Chinese politiebureau" in terms
    query = parse_qs(urlsplit(requests[terms.index("Chinese politiebureaus")].url).query)
    assert query == {"query": ["Chinese politiebureaus"], "entityType": ["Document"], "dateFrom": ["2022-09-01"],
                     "sort": ["date_desc"], "limit": ["24"], "offset": ["0"]}
    assert spider.slow_site  # 60 units a minute


def test_search_page_leads_to_each_entity_and_the_next_page(spider):
    out = search(spider, "search_page1.RECONSTRUCTED.json")
    assert [r.url for r in out] == [
        f"{BASE}/api/entities/document%3Anotubiz%3Agemeente%3Aamsterdam%3A900000002",
        f"{BASE}/api/entities/document%3Anotubiz%3Agemeente%3Aamsterdam%3A900000001",
        f"{BASE}/api/search?query=Chinese+politiebureaus&entityType=Document&dateFrom=2022-09-01"
        "&sort=date_desc&limit=24&offset=24",
    ]


def test_paging_stops_at_the_last_page_and_at_the_bound(spider):
    assert [r.cb_kwargs for r in search(spider, "search_page2.RECONSTRUCTED.json", offset=24)] == [
        {"found": json.loads(fixture_path(SOURCE, "search_page2.RECONSTRUCTED.json").read_text())["results"][0]}]
    last_allowed = (MAX_PAGES - 1) * 24
    out = search(spider, "search_page1.RECONSTRUCTED.json", offset=last_allowed)
    assert all("/api/entities/" in r.url for r in out)  # hasMore, but the bound is reached


def test_empty_result_yields_nothing_and_is_not_a_layout_change(spider):
    assert search(spider, "search_empty.DERIVED.json") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") is None


def test_council_question_names_its_askers_and_party(spider):
    (question,) = entity(spider, "entity_amsterdam_900000001.RECONSTRUCTED.json", QUESTION_ID)
    assert isinstance(question, Statement)
    assert question.kind == "written_question"
    assert question.record_id == QUESTION_ID
    assert question.source_kind == "parliament"
    assert question.body == "Gemeenteraad Amsterdam"
    assert question.speaker == "Rooderkerk en Hofland"
    assert question.speaker_role == "Raadslid, D66"
    assert question.country == "NL" and question.language == "nl"
    assert question.published == "2022-10-26"
    assert question.url == "https://api.notubiz.nl/document/900000001/1"
    assert question.fetch_url == f"{BASE}/api/entities/document%3Anotubiz%3Agemeente%3Aamsterdam%3A900000001"
    assert "Was het college op de hoogte van het bestaan van de overzeese politiebureaus?" in question.text


def test_answer_signed_by_the_mayor_is_the_mayors(spider):
    (answer,) = entity(spider, "entity_amsterdam_900000002.RECONSTRUCTED.json", ANSWER_ID)
    assert answer.kind == "written_answer"
    assert answer.source_kind == "government"
    assert answer.body == "Burgemeester van Amsterdam"
    assert answer.speaker == "F. Halsema"
    assert answer.speaker_role == "Burgemeester"
    assert answer.published == "2023-02-03"
    assert "heeft geen fysieke locatie kunnen lokaliseren" in answer.text


@pytest.mark.parametrize("title, kind, body, speaker, role", [
    ("Beantwoording schriftelijke vragen van het lid Kreuger inzake cameratoezicht", "written_answer",
     "College van B&W Rotterdam", None, "College van burgemeester en wethouders"),
    ("Schriftelijke vragen van het raadslid Van Dantzig (D66) over de haven", "written_question",
     "Gemeenteraad Rotterdam", "Van Dantzig", "Raadslid, D66"),
    ("Raadsinformatiebrief Chinese politieposten", "letter_to_parliament", "College van B&W Rotterdam", None, None),
    ("Motie 123 Leefbaar Rotterdam over veiligheid", "motion", "Gemeenteraad Rotterdam", None, None),
    ("Verslag van de commissie Bestuur", "document", "Gemeenteraad Rotterdam", None, None),
])
def test_kind_and_body_from_the_title(title, kind, body, speaker, role):
    fields = document_fields(title, "Rotterdam", "Tekst zonder ondertekening.")
    assert (fields["kind"], fields["body"], fields["speaker"], fields["speaker_role"]) == (kind, body, speaker, role)


def test_detail_without_text_falls_back_to_the_snippet_or_is_lost(spider):
    url = entity_url(QUESTION_ID)
    body = json.dumps({"entityId": QUESTION_ID, "title": "Schriftelijke vragen", "markdownText": ""}).encode()
    response = TextResponse(url, body=body, request=Request(url))
    (item,) = spider.parse_entity(response, {"summary": "…illegale politiebureaus…", "sortDate": "2022-10-26 00:00:00"})
    assert item.text == "…illegale politiebureaus…" and item.published == "2022-10-26"
    assert list(spider.parse_entity(response, {})) == []
    assert spider.crawler.stats.get_value("stationwatch/lost_records") == 1


def test_changed_shape_is_a_layout_change(spider):
    url = f"{BASE}/api/search?query=x"
    assert list(spider.parse_search(TextResponse(url, body=b'{"hits": []}', request=Request(url)), "x", 0)) == []
    body = b'{"results": [{"title": "no id"}], "hasMore": false}'
    assert list(spider.parse_search(TextResponse(url, body=body, request=Request(url)), "x", 0)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    statements = {r["record_id"]: r for r in crawled.statements}
    (run,) = crawled.runs
    # The Rotterdam placeholder (police posts, no China) is dropped by relevance.
    assert sorted(statements) == [QUESTION_ID, ANSWER_ID]
    answer, question = statements[ANSWER_ID], statements[QUESTION_ID]
    assert (answer["body"], answer["speaker"], answer["country"]) == ("Burgemeester van Amsterdam", "F. Halsema", "NL")
    assert (question["body"], question["speaker_role"]) == ("Gemeenteraad Amsterdam", "Raadslid, D66")
    entity_asks = [path for path, _ in crawled.requests if "/api/entities/" in path]
    assert len(entity_asks) == 3  # each document once, however many terms found it
    assert run["status"] == "ok"
    assert (run["records"], run["new"], run["dropped"]) == (3, 2, 1)


def test_an_answer_published_later_is_one_new_statement(tmp_path):
    db_path = tmp_path / "t.db"
    page1 = json.loads(fixture_path(SOURCE, "search_page1.RECONSTRUCTED.json").read_text(encoding="utf-8"))
    only_question = dict(page1, results=[r for r in page1["results"] if r["entityId"] == QUESTION_ID], hasMore=False)
    with ReplayServer(manifests=[FIXTURES / SOURCE / "replay.yml"]) as server:
        server.replace(f"{BASE}/api/search?offset=0", json.dumps(only_question).encode(),
                       headers={"Content-Type": "application/json"})
        first = run_scrapy(SOURCE, db_path, server.url, "-a", "since=2022-09-01")
        server.replace(f"{BASE}/api/search?offset=0", json.dumps(page1).encode(),
                       headers={"Content-Type": "application/json"})
        second = run_scrapy(SOURCE, db_path, server.url, "-a", "since=2022-10-20")
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    import db as database

    conn = database.connect(db_path)
    try:
        runs = list(conn.query("SELECT new, unchanged FROM runs ORDER BY id"))
        kinds = [r["kind"] for r in conn.query("SELECT kind FROM statements ORDER BY id")]
    finally:
        conn.close()
    assert runs[0]["new"] == 1
    assert runs[1]["new"] == 1  # the answer; the question is unchanged
    assert kinds == ["written_question", "written_answer"]
