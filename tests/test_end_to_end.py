"""The whole crawl, as the nightly job runs it: `scrapy crawl` in a subprocess,
the real downloader and middlewares, recorded responses replayed from
127.0.0.1, into a real SQLite file."""

import json

import pytest

from stationwatch.replay import ReplayServer
from tests.helpers import FIXTURES, run_scrapy, query_rows as rows

SOURCE = "uk_parliament_questions"
MANIFEST = FIXTURES / SOURCE / "replay.yml"
QUESTION_URL = "https://questions-statements-api.parliament.uk/api/writtenquestions/questions/1679416"


def crawl(server, db_path):
    """One topic, the police stations: the rows below are that topic's
    (tests/test_topics_cycle.py crawls these recordings for two topics)."""
    result = run_scrapy(SOURCE, db_path, server.url, env={"STATIONWATCH_TOPICS": "overseas_police_stations"})
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def latest_run(db_path):
    return rows(db_path, "SELECT * FROM runs ORDER BY id DESC LIMIT 1")[0]


def on_topic_question(answered: bool) -> bytes:
    """The real record 1679416 with its question swapped for an on-topic one.

    No real on-topic written-question response was found in public material
    (see tests/fixtures/uk_parliament_questions/PROVENANCE.md), so this test
    changes the text of a real record; every other field is as recorded.
    """
    data = json.loads((FIXTURES / SOURCE / "writtenquestions_question_1679416.TRANSCRIBED.json").read_text())
    value = data["value"]
    value["heading"] = "Overseas Police Service Stations"
    value["questionText"] = ("To ask the Secretary of State for the Home Department, what assessment she has made "
                             "of reports of Chinese police service stations operating in the UK.")
    value["answeringBodyName"] = "Home Office"
    if answered:
        value["answerText"] = ("<p>Any attempt to coerce individuals to return to another country is unacceptable. "
                               "The police are investigating the reported sites.</p>")
    else:
        value.update(answerText=None, dateAnswered=None, answeringMemberId=None)
    return json.dumps(data).encode()


@pytest.fixture
def server():
    with ReplayServer(manifests=[MANIFEST]) as replay:
        yield replay


def test_crawl_stores_relevant_statements_and_records_the_run(server, db_path):
    crawl(server, db_path)
    (statement,) = rows(db_path, "SELECT * FROM statements")
    assert statement["kind"] == "written_statement"
    assert statement["title"] == "Chinese 'Overseas Police Service Stations'"
    assert statement["published"] == "2023-06-06"
    assert statement["body"] == "Home Office"
    assert statement["speaker_role"] == "Minister of State (Home Office) (Security)"
    assert statement["url"] == "https://questions-statements.parliament.uk/written-statements/detail/2023-06-06/HCWS000"
    assert statement["fetch_url"].startswith("https://questions-statements-api.parliament.uk/api/writtenstatements/statements/999000001")
    assert "overseas police service station" in json.loads(statement["matched_terms"])
    assert "unofficial Chinese “police service stations.”" in statement["excerpt"]
    run = latest_run(db_path)
    assert run["status"] == "ok"
    assert (run["records"], run["new"], run["dropped"]) == (3, 1, 2)  # 3 statements made; the off-topic question and answer dropped
    assert run["since"] == "2022-09-01"
    # The real robots.txt location was asked (and 404 means allowed) before any API call.
    assert server.requests[0][0] == "/https/questions-statements-api.parliament.uk/robots.txt"
    assert server.requests[1][1]["User-Agent"].startswith("stationwatch/")


def test_second_crawl_finds_nothing_new_and_duplicates_nothing(server, db_path):
    crawl(server, db_path)
    crawl(server, db_path)
    assert rows(db_path, "SELECT COUNT(*) AS n FROM statements")[0]["n"] == 1
    assert rows(db_path, "SELECT COUNT(*) AS n FROM documents")[0]["n"] == 1
    assert rows(db_path, "SELECT COUNT(*) AS n FROM document_versions")[0]["n"] == 1
    run = latest_run(db_path)
    assert (run["status"], run["new"], run["updated"], run["unchanged"]) == ("no_new", 0, 0, 1)


def test_a_question_that_gets_its_answer_adds_exactly_one_statement(server, db_path):
    server.replace(QUESTION_URL, on_topic_question(answered=False),
                   headers={"Content-Type": "application/json"})
    crawl(server, db_path)
    assert [r["kind"] for r in rows(db_path, "SELECT kind FROM statements ORDER BY kind")] == [
        "written_question", "written_statement"]

    server.replace(QUESTION_URL, on_topic_question(answered=True),
                   headers={"Content-Type": "application/json"})
    crawl(server, db_path)
    statements = rows(db_path, "SELECT id, kind, record_id, question_id, speaker_role, text FROM statements ORDER BY kind")
    assert [s["kind"] for s in statements] == ["written_answer", "written_question", "written_statement"]
    answer, question, _ = statements
    assert answer["question_id"] == question["id"]
    assert answer["text"].startswith("Any attempt to coerce individuals")
    assert answer["speaker_role"] == "Answering minister, Home Office"
    run = latest_run(db_path)
    assert (run["new"], run["updated"], run["unchanged"]) == (1, 0, 2)
    (document,) = rows(db_path, "SELECT id, version_count FROM documents WHERE url LIKE '%written-questions%'")
    assert document["version_count"] == 2
    assert rows(db_path, "SELECT COUNT(*) AS n FROM document_versions WHERE document_id = ?",
                [document["id"]])[0]["n"] == 2


def test_an_unreachable_source_is_a_failed_run_not_a_traceback(db_path):
    # Nothing listens on this port: every request is refused, like a machine without internet.
    result = run_scrapy(SOURCE, db_path, "http://127.0.0.1:9", "-s", "RETRY_TIMES=0")
    assert "Traceback" not in result.stdout
    run = latest_run(db_path)
    assert run["status"] == "failed"
    assert run["errors"] > 0
    messages = json.loads(run["error_messages"])
    assert any("Connection" in m or "refused" in m for m in messages)
    # The host answered nothing: its other requests were dropped at once, not each retried.
    assert any("unreachable" in m for m in messages)
    assert json.loads(run["stats"]).get("stationwatch/unreachable_skipped", 0) > 0
