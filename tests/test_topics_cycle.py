"""Two topics watched in one cycle (issue #15), over recorded responses:
every source crawled once (the crawl runner, a `scrapy crawl` process per
source, the replay server on 127.0.0.1), each topic asked from its own
window, each statement stored once and tagged with every topic it is about.

The sources: uk_parliament_questions (two real written questions on
Confucius Institutes, 2019 and 2023, and the police-stations statement),
uk_hansard (the urgent question on the stations of 1 November 2022, in which
Stewart Malcolm McDonald names the Confucius Institutes: about both) and
scottish_parliament (Willie Rennie's question on Confucius Institutes and its
answer, 2022; a real distractor beside it: Chinese influence in universities,
no Confucius Institute named).
"""

import datetime as dt
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest

import db as database
from db import topics as topics_sql
from stationwatch import crawl
from stationwatch.progress import Progress
from stationwatch.replay import ReplayServer, replay_env
from tests.helpers import FIXTURES, query_rows as query

SOURCES = ["scottish_parliament", "uk_hansard", "uk_parliament_questions"]
POLICE, CONFUCIUS = "overseas_police_stations", "confucius_institutes"


@pytest.fixture
def replay():
    with ReplayServer(manifests=[FIXTURES / s / "replay.yml" for s in SOURCES]) as server:
        yield server


def cycle(db_path, replay, topics: str | None = None):
    env = replay_env(replay.url)
    if topics is not None:
        env["STATIONWATCH_TOPICS"] = topics
    runs = crawl.crawl_all(str(db_path), spiders=SOURCES, env=env, timeout=120, jobs=2,
                           progress=Progress(total=len(SOURCES), stream=io.StringIO()))
    assert {r["status"] for r in runs} <= {"ok", "no_new"}, [(r["spider"], r["status"], r["error_messages"]) for r in runs]
    return runs


def tagged(db_path, topic):
    return query(db_path, "SELECT s.* FROM statements s JOIN statement_topics t ON t.statement_id = s.id"
                          " WHERE t.topic = ? ORDER BY s.id", [topic])


def test_one_cycle_stores_each_topic_once_and_tags_a_statement_about_both_twice(tmp_path, replay):
    db_path = tmp_path / "two.db"
    cycle(db_path, replay)
    police, confucius = tagged(db_path, POLICE), tagged(db_path, CONFUCIUS)
    # Each topic from several sources.
    assert {r["source"] for r in police} == set(SOURCES)
    assert {r["source"] for r in confucius} == set(SOURCES)
    assert {(r["source"], r["kind"], r["speaker"]) for r in confucius} == {
        ("uk_parliament_questions", "written_question", None),
        ("uk_parliament_questions", "written_answer", "Mark Field"),
        ("uk_parliament_questions", "written_answer", "Baroness Barran"),
        ("scottish_parliament", "written_question", "Willie Rennie"),
        ("scottish_parliament", "written_answer", "Jamie Hepburn"),
        ("uk_hansard", "debate_contribution", "Stewart Malcolm McDonald"),
    }
    # HL4956's question, about Confucius Institutes, asked by an unnamed Lord.
    assert len([r for r in confucius if r["kind"] == "written_question"]) == 3
    # The statement about both: stored once, tagged twice, each tag with its own terms.
    both = {r["id"] for r in police} & {r["id"] for r in confucius}
    (mcdonald,) = query(db_path, "SELECT * FROM statements WHERE speaker = 'Stewart Malcolm McDonald'")
    assert both == {mcdonald["id"]}
    assert json.loads(mcdonald["topics"]) == [CONFUCIUS, POLICE]
    tags = {t["topic"]: t for t in query(db_path, "SELECT * FROM statement_topics WHERE statement_id = ?",
                                          [mcdonald["id"]])}
    assert json.loads(tags[CONFUCIUS]["matched_terms"]) == ["confucius institute"]
    assert "overseas chinese police station" in json.loads(tags[POLICE]["matched_terms"])
    assert "including the Confucius Institutes" in tags[CONFUCIUS]["excerpt"]
    # The distractor is stored for neither topic.
    assert query(db_path, "SELECT id FROM statements WHERE text LIKE '%Chinese state influence%'") == []
    # Every stored statement has a tag; none is stored twice.
    statements = query(db_path, "SELECT id, source, record_id FROM statements")
    assert all(json.loads(r["topics"]) for r in query(db_path, "SELECT topics FROM statements"))
    assert len({(r["source"], r["record_id"]) for r in statements}) == len(statements)
    # What `make run` / `make demo` print under the sources: each topic, its statements, the one they share.
    db = database.connect(db_path)
    try:
        per_topic = topics_sql.statements_per_topic(db)
    finally:
        db.close()
    assert [(r["topic"], r["statements"], r["sources"], r["shared"]) for r in per_topic] == [
        (CONFUCIUS, len(confucius), 3, 1), (POLICE, len(police), 3, 1)]
    lines = crawl.format_topics(per_topic).splitlines()
    assert lines[1].split() == [CONFUCIUS, str(len(confucius)), "3", "1", "1"]
    # Each topic was asked from its own start date (a first run).
    questions = [parse_qs(urlsplit(path).query) for path, _ in replay.requests if "/writtenquestions/questions?" in path]
    froms = {q["searchTerm"][0]: q["tabledWhenFrom"][0] for q in questions if "tabledWhenFrom" in q}
    assert froms["Confucius Institutes"] == "2019-01-01" and froms["Chinese police stations"] == "2022-09-01"


def test_adding_a_topic_back_fills_that_topic_only(tmp_path, replay):
    """A database that has watched the police stations for a while, then the
    Confucius Institutes topic is added: the next run asks each source from
    2019-01-01 for the new topic's terms only, the police-station terms from
    the last run (minus the overlap), and the new topic's statements arrive."""
    db_path = tmp_path / "grown.db"
    cycle(db_path, replay, topics=POLICE)
    assert tagged(db_path, CONFUCIUS) == []
    before = {r["id"] for r in query(db_path, "SELECT id FROM statements")}
    # The mcdonald contribution was stored for the stations only.
    (mcdonald,) = query(db_path, "SELECT * FROM statements WHERE speaker = 'Stewart Malcolm McDonald'")
    assert json.loads(mcdonald["topics"]) == [POLICE]
    first_requests = len(replay.requests)

    runs = cycle(db_path, replay)  # every topic file: the Confucius Institutes added
    today = dt.date.fromisoformat(runs[0]["started_at"][:10])
    incremental = (today - dt.timedelta(days=2)).isoformat()
    asked = [parse_qs(urlsplit(path).query) for path, _ in replay.requests[first_requests:]]
    pq = {q["searchTerm"][0]: q["tabledWhenFrom"][0] for q in asked if "tabledWhenFrom" in q}
    assert pq == {**{t: "2019-01-01" for t in ("Confucius Institutes", "Confucius Institute")},
                  **{t: incremental for t in pq if "Confucius" not in t}}
    assert any("police" in t for t in pq)
    hansard = {q["queryParameters.searchTerm"][0]: q["queryParameters.startDate"][0]
               for q in asked if "queryParameters.searchTerm" in q}
    assert {d for t, d in hansard.items() if "Confucius" in t} == {"2019-01-01"}
    assert {d for t, d in hansard.items() if "Confucius" not in t} == {incremental}
    # The run records each topic's window: the next run resumes both.
    windows = query(db_path, "SELECT r.spider, t.topic, t.since FROM run_topics t JOIN runs r ON r.id = t.run_id"
                             " WHERE r.id IN (SELECT MAX(id) FROM runs GROUP BY spider) ORDER BY r.spider, t.topic")
    assert {(w["topic"], w["since"]) for w in windows if w["spider"] == "uk_parliament_questions"} == {
        (CONFUCIUS, "2019-01-01"), (POLICE, incremental)}
    # What the back-fill found: the new topic's statements, and the stored
    # contribution that is about both now carries both tags (still one row).
    assert {r["source"] for r in tagged(db_path, CONFUCIUS)} == set(SOURCES)
    (mcdonald,) = query(db_path, "SELECT * FROM statements WHERE speaker = 'Stewart Malcolm McDonald'")
    assert json.loads(mcdonald["topics"]) == [CONFUCIUS, POLICE]
    assert before <= {r["id"] for r in query(db_path, "SELECT id FROM statements")}

    # Removing a topic keeps its statements and stops asking for it.
    police = [r["id"] for r in tagged(db_path, POLICE)]
    third = len(replay.requests)
    cycle(db_path, replay, topics=CONFUCIUS)
    asked = [parse_qs(urlsplit(path).query) for path, _ in replay.requests[third:]]
    terms = {q["searchTerm"][0] for q in asked if "searchTerm" in q}
    assert terms == {"Confucius Institutes", "Confucius Institute"}
    assert [r["id"] for r in tagged(db_path, POLICE)] == police


def test_a_replayed_crawl_asks_no_window_earlier_than_its_recordings(tmp_path):
    """scheduler --replay sets STATIONWATCH_EARLIEST_SINCE: a topic starting
    in 2019 asks from the recordings' start, not from pages never recorded;
    a later window is kept as it is."""
    db_path = str(tmp_path / "floor.db")
    database.connect(db_path).close()
    plain = dict(arg.split("=", 1) for arg in crawl.since_argument("china_mfa", db_path)[1::2])
    assert plain["topic_since"] == f"{CONFUCIUS}:2019-01-01,{POLICE}:2022-09-01"
    floored = dict(arg.split("=", 1) for arg in crawl.since_argument(
        "china_mfa", db_path, {"STATIONWATCH_EARLIEST_SINCE": "2022-06-01"})[1::2])
    assert floored == {"since": "2022-06-01", "topic_since": f"{CONFUCIUS}:2022-06-01,{POLICE}:2022-09-01"}
