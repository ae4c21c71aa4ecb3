"""Shared by the issue-7 tests (faults, hostile input, politeness): a
replay server for uk_parliament_questions with a real robots.txt answer,
recorded records made numerous, and a reader of SQLite's write-ahead log.

Everything is served from 127.0.0.1; nothing here reaches a real site.
"""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path

import db as database
from stationwatch.replay import Entry, ReplayServer
from tests.helpers import FIXTURES

SOURCE = "uk_parliament_questions"
HOST = "questions-statements-api.parliament.uk"
MANIFEST = FIXTURES / SOURCE / "replay.yml"
QUESTIONS = "/api/writtenquestions/questions"
STATEMENTS = "/api/writtenstatements/statements"
JSON = {"Content-Type": "application/json; charset=utf-8"}
# Small bounds so that every fault ends in seconds (tests pass them with -s).
QUICK = ["-s", "RETRY_TIMES=1", "-s", "STATIONWATCH_RETRY_MAX_DELAY=2", "-s", "DOWNLOAD_TIMEOUT=1"]


def uk_server(robots: bytes = b"User-agent: *\nAllow: /\n", also: tuple[str, ...] = (), **kwargs) -> ReplayServer:
    """The recorded UK Parliament answers, with robots.txt answering 200 as
    the real site does (a 404 would hide a judge that counts robots.txt as
    the source answering); ``also``: other sources' recorded answers."""
    server = ReplayServer(manifests=[MANIFEST, *(FIXTURES / name / "replay.yml" for name in also)], **kwargs)
    server.add(Entry("https", HOST, "/robots.txt", [], robots, headers={"Content-Type": "text/plain"}))
    return server


def fault_on_searches(server: ReplayServer, **entry) -> None:
    """Both searches (questions, statements) answer with the fault, for
    every search term of every topic (a recorded answer for one term, such
    as the Confucius Institutes search, names more parameters and would
    otherwise win over the fault)."""
    from stationwatch.topic import load_topics

    for path in (QUESTIONS, STATEMENTS):
        server.add(Entry("https", HOST, path, [("skip", "0")], **entry))
        for term in load_topics(single="", names="").search_terms_for("en"):
            server.add(Entry("https", HOST, path, [("searchTerm", term), ("skip", "0")], **entry))


def latest_run(db_path) -> dict:
    db = database.connect(db_path)
    try:
        return dict(next(iter(db.query("SELECT * FROM runs ORDER BY id DESC LIMIT 1"))))
    finally:
        db.close()


def messages(run: dict) -> list[str]:
    return json.loads(run["error_messages"] or "[]")


def recorded_question() -> dict:
    """The real record 1679416 (TRANSCRIBED; see the fixture's PROVENANCE.md)."""
    return json.loads((FIXTURES / SOURCE / "writtenquestions_question_1679416.TRANSCRIBED.json").read_text())["value"]


def many_questions(server: ReplayServer, count: int, words: int = 0, first_id: int = 900_000) -> list[int]:
    """``count`` on-topic answered questions behind the questions search.

    Each is the real record 1679416 with its id, heading and question text
    changed so that the topic file keeps it (as tests/test_end_to_end.py
    does), and, when ``words`` is given, an answer of that many random
    tokens: distinct texts (no near-duplicate clusters), large enough that a
    batch of them is slow to store. Made up here, not recorded.
    """
    base = recorded_question()
    ids = [first_id + i for i in range(count)]
    for skip in range(0, count, 20):
        page = {"totalResults": count, "results": [{"value": {"id": i}} for i in ids[skip:skip + 20]]}
        server.add(Entry("https", HOST, QUESTIONS, [("skip", str(skip))], json.dumps(page).encode(), headers=JSON))
    for n, record_id in enumerate(ids):
        rng = random.Random(record_id)
        tokens = lambda k: " ".join(f"w{rng.randrange(10**6)}" for _ in range(k))  # noqa: E731
        answer = tokens(words) if words else f"Answer {n}: the police are investigating the site {tokens(30)}."
        value = dict(base, id=record_id, uin=f"T{record_id}", heading=f"Overseas Police Service Stations ({n})",
                     questionText=(f"To ask the Secretary of State for the Home Department, what assessment she "
                                   f"has made of reports of Chinese police service stations operating in {tokens(40)}."),
                     answeringBodyName="Home Office", answerText=f"<p>{answer}</p>")
        server.add(Entry("https", HOST, f"{QUESTIONS}/{record_id}", [], json.dumps({"value": value}).encode(),
                         headers=JSON))
    return ids


def wal_frames(db_path) -> tuple[int, int]:
    """(frames in the current WAL generation, frames after its last commit).

    Frames after the last commit frame belong to a transaction that had not
    committed: SQLite ignores them when it next opens the file. Read straight
    from the file (https://www.sqlite.org/fileformat.html#the_write_ahead_log)
    so that looking does not recover or checkpoint anything.
    """
    wal = Path(f"{db_path}-wal")
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return 0, 0
    page_size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    frames = last_commit = 0
    position = 32
    while position + 24 + page_size <= len(data) and data[position + 8:position + 16] == salts:
        frames += 1
        if struct.unpack(">I", data[position + 4:position + 8])[0]:  # database size: set on commit frames
            last_commit = frames
        position += 24 + page_size
    return frames, frames - last_commit
