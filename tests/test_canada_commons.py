"""canada_commons against real openparliament.ca speech records (city-scrapers style),
and a Question Period exchange whose text is real and whose JSON is RECONSTRUCTED."""

import json

import pytest
from scrapy.http import Request, TextResponse

from spiders.canada_commons import CanadaCommonsSpider, split_attribution
from stationwatch.items import Statement
from tests.helpers import FIXTURES, collect, make_spider, replay_crawl, response_for

SOURCE = "canada_commons"
API = "https://api.openparliament.ca"
FIRST_PAGE = f"{API}/speeches/?time__gte=2022-09-01&limit=100"
QP_PAGE = "speeches_page3_question-period_2022-10-06.RECONSTRUCTED.json"
QP_URL = f"{API}/speeches/?time__gte=2022-09-01&limit=2&offset=4"


@pytest.fixture
def spider():
    return make_spider(CanadaCommonsSpider)


def parse(spider, name, url=FIRST_PAGE):
    return list(spider.parse_speeches(response_for(SOURCE, name, url)))


def test_start_walks_speeches_from_the_start_date(spider):
    (request,) = collect(spider.start())
    assert request.url == FIRST_PAGE
    assert request.headers.get("API-Version") == b"v1"
    assert request.headers.get("Accept") == b"application/json"


def test_minister_answer_in_question_period(spider):
    # Held until the walk passed its sitting (the page's next speech is of 2020), then yielded.
    rodriguez, mendicino, next_page = parse(spider, "speeches_page1.DERIVED.json")
    assert isinstance(mendicino, Statement) and isinstance(next_page, Request)
    assert mendicino.kind == "oral_answer"  # a minister in Oral Questions
    assert mendicino.body == "Government of Canada"
    assert mendicino.question_record_id is None  # its question is not in the recording
    assert mendicino.speaker == "Marco Mendicino"
    assert mendicino.speaker_role == "Minister of Public Safety, Lib."
    assert mendicino.published == "2023-04-18"
    assert mendicino.title == "Oral Questions"
    assert mendicino.text.startswith('<p data-HoCid="7696922" data-originallang="fr">Mr. Speaker, the government '
                                     "takes foreign interference very seriously.")
    assert "shutting down the alleged Chinese-run foreign police station" in mendicino.text
    assert "poste de police étranger géré par la Chine" in mendicino.context
    assert mendicino.url == "https://openparliament.ca/debates/2023/4/18/marco-mendicino-1/"
    assert mendicino.fetch_url == "https://api.openparliament.ca/debates/2023/4/18/marco-mendicino-1/"
    assert mendicino.record_id == "speech:/debates/2023/4/18/marco-mendicino-1/"
    assert mendicino.country == "CA" and mendicino.language == "en"
    assert json.loads(mendicino.raw)["source_id"] == "12141253"


def test_house_leader_role_and_missing_headings(spider):
    rodriguez = parse(spider, "speeches_page1.DERIVED.json")[0]
    assert rodriguez.kind == "debate_contribution"  # no Oral Questions heading captured
    assert rodriguez.speaker == "Pablo Rodriguez"
    assert rodriguez.speaker_role == "Leader of the Government in the House of Commons, Lib."
    assert rodriguez.published == "2020-11-20"
    assert rodriguez.title == ""  # h1/h2/h3 absent from the capture: tolerated
    assert rodriguez.context is None  # no French content captured
    assert "Madam Speaker, my colleague is a bit off base." in rodriguez.text


def test_chair_and_member_without_role(spider):
    deputy, vuong = [i for i in parse(spider, "speeches_page2.DERIVED.json") if isinstance(i, Statement)]
    assert (deputy.speaker, deputy.speaker_role) == ("The Deputy Speaker", None)
    assert deputy.published == "2026-02-24"
    assert "The particular word you used is not a parliamentary word." in deputy.text
    assert (vuong.speaker, vuong.speaker_role) == ("Kevin Vuong", None)
    assert vuong.url == "https://openparliament.ca/debates/2023/3/23/kevin-vuong-2/"


@pytest.mark.parametrize("attribution, expected", [
    ("Ms. Jenny Kwan (Vancouver East, NDP)", ("Jenny Kwan", "Vancouver East, NDP")),
    ("Hon. Mark Holland", ("Mark Holland", None)),
    ("", (None, None)),
])
def test_split_attribution_from_real_hansard_forms(attribution, expected):
    assert split_attribution(attribution) == expected


def test_paging_follows_next_url_to_the_end(spider):
    page1 = parse(spider, "speeches_page1.DERIVED.json")
    (next_page,) = [r for r in page1 if isinstance(r, Request)]
    assert next_page.url == f"{API}/speeches/?time__gte=2022-09-01&limit=2&offset=2"
    assert next_page.headers.get("API-Version") == b"v1"
    page2 = parse(spider, "speeches_page2.DERIVED.json", next_page.url)
    (last_page,) = [r for r in page2 if isinstance(r, Request)]
    assert last_page.url == QP_URL
    page3 = parse(spider, QP_PAGE, last_page.url)
    assert [r for r in page3 if isinstance(r, Request)] == []  # next_url null ends the walk
    assert spider.crawler.stats.get_value("stationwatch/records") == 6


def test_question_period_answer_is_linked_to_its_question(spider):
    """The API lists the answer first (newest first, one shared timestamp); in
    speaking order the question comes first and the answer points at it."""
    question, answer = parse(spider, QP_PAGE, QP_URL)
    assert question.kind == "oral_question"
    assert (question.speaker, question.speaker_role) == ("Michael Chong", "Wellington\u2014Halton Hills, CPC")
    assert question.body == "House of Commons"
    assert question.record_id == "speech:/debates/2022/10/6/michael-chong-1/"
    assert question.question_record_id is None
    assert question.title == "Oral Questions / Public Safety"
    assert question.published == "2022-10-06"
    assert "these illegal police stations in Toronto?" in question.text

    assert answer.kind == "oral_answer"
    assert (answer.speaker, answer.speaker_role) == ("Marco Mendicino", "Minister of Public Safety, Lib.")
    assert answer.body == "Government of Canada"
    assert answer.question_record_id == question.record_id
    assert answer.context == question.text  # judged with its question (no French captured)
    assert answer.url == "https://openparliament.ca/debates/2022/10/6/marco-mendicino-1/"
    assert "Mahsa Amini" in answer.text and "police" not in answer.text  # off topic on its own


def test_question_period_pairs_by_heading_and_skips_procedure(spider):
    data = json.loads((FIXTURES / SOURCE / QP_PAGE).read_text())
    answer, question = data["objects"]
    order = {"en": '<p data-HoCid="7100011">Order, please.</p>'}
    chair = {**question, "url": "/debates/2022/10/6/the-speaker-1/", "attribution": {"en": "The Speaker"},
             "procedural": True, "content": order}
    other = {**answer, "url": "/debates/2022/10/6/other-minister-1/", "h2": {"en": "Health"},
             "content": {"en": '<p data-HoCid="7100020">Mr. Speaker, on health care...</p>'}}
    data["objects"] = [other, answer, chair, question]
    items = list(spider.parse_speeches(TextResponse(QP_URL, body=json.dumps(data).encode(), request=Request(QP_URL))))
    by_url = {i.url.rsplit("/", 2)[-2]: i for i in items}
    assert [i.url.rsplit("/", 2)[-2] for i in items] == [
        "michael-chong-1", "the-speaker-1", "marco-mendicino-1", "other-minister-1"]
    assert by_url["the-speaker-1"].kind == "debate_contribution"
    assert by_url["marco-mendicino-1"].question_record_id == "speech:/debates/2022/10/6/michael-chong-1/"
    # Under another heading, the Public Safety question is not what this minister answers.
    assert by_url["other-minister-1"].kind == "oral_answer"
    assert by_url["other-minister-1"].question_record_id is None


def test_a_lost_page_still_yields_the_question_period_read_so_far(spider, caplog):
    data = json.loads((FIXTURES / SOURCE / QP_PAGE).read_text())
    data["pagination"]["next_url"] = "/speeches/?time__gte=2022-09-01&limit=2&offset=6"
    out = list(spider.parse_speeches(TextResponse(QP_URL, body=json.dumps(data).encode(), request=Request(QP_URL))))
    assert [type(o) for o in out] == [Request]  # the sitting may continue on the next page: held

    class Failure:
        value = "HTTP 503"
        request = out[0]

    held = list(spider.page_failed(Failure()))
    assert [i.kind for i in held] == ["oral_question", "oral_answer"]
    assert "speeches page lost" in caplog.text  # logged as an error: the run is not ok


def test_empty_result_yields_nothing_and_counts_nothing(spider):
    assert parse(spider, "speeches_empty.DERIVED.json") == []
    assert spider.crawler.stats.get_value("stationwatch/records") is None
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") is None


def test_committee_speech_is_committee_evidence(spider):
    # Not recorded: a House speech moved under a committee URL to show how
    # committee meetings are told apart (see the spider's docstring).
    data = json.loads((FIXTURES / SOURCE / "speeches_page2.DERIVED.json").read_text())
    speech = data["objects"][0]
    speech["url"] = "/committees/canada-china-relations/44-1/12/commr-brenda-lucki-24/"
    data.update(objects=[speech], pagination={"next_url": None})
    url = f"{API}/speeches/?time__gte=2022-09-01"
    (item,) = spider.parse_speeches(TextResponse(url, body=json.dumps(data).encode(), request=Request(url)))
    assert item.kind == "committee_evidence"
    assert item.body == "House of Commons committee: canada china relations"
    assert item.url == "https://openparliament.ca/committees/canada-china-relations/44-1/12/commr-brenda-lucki-24/"


def test_speech_without_content_is_skipped_not_fatal(spider):
    url = f"{API}/speeches/"
    body = json.dumps({"objects": [{"url": "/debates/2023/1/1/x/", "content": {"en": ""}}],
                       "pagination": {"next_url": None}}).encode()
    assert list(spider.parse_speeches(TextResponse(url, body=body, request=Request(url)))) == []


def test_changed_api_shape_is_a_layout_change(spider):
    url = f"{API}/speeches/"
    assert list(spider.parse_speeches(TextResponse(url, body=b'{"results": []}', request=Request(url)))) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_replay_keeps_the_on_topic_speech_and_the_exchange(tmp_path):
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path)
    statement, question, answer = crawled.statements
    (run,) = crawled.runs
    assert statement["speaker"] == "Marco Mendicino"
    assert statement["speaker_role"] == "Minister of Public Safety, Lib."
    assert statement["kind"] == "oral_answer"
    assert statement["published"] == "2023-04-18"
    assert statement["url"] == "https://openparliament.ca/debates/2023/4/18/marco-mendicino-1/"
    assert statement["text"].startswith("Mr. Speaker, the government takes foreign interference very seriously.")
    assert "police station" in json.loads(statement["matched_terms"])
    # Question Period, 6 Oct 2022: the question (China one sentence before "police
    # stations") and the minister's off-topic answer, stored linked.
    assert (question["speaker"], question["kind"]) == ("Michael Chong", "oral_question")
    assert json.loads(question["matched_terms"]) == ["china", "police station"]
    assert (answer["speaker"], answer["kind"], answer["question_id"]) == ("Marco Mendicino", "oral_answer", question["id"])
    assert answer["text"].startswith("Mr. Speaker, I want to be unequivocally clear")
    assert run["status"] == "ok"
    assert (run["records"], run["new"], run["dropped"]) == (6, 3, 3)
