"""Issue #15's done-means: one nightly cycle (scheduler.run_cycle: the
crawl runner, a `scrapy crawl` process per source, the replay server on
127.0.0.1) with two topics over recorded responses, then each subscriber's
delivery: its email (aiosmtpd on 127.0.0.1), its Atom file and its
notification (apprise json:// to an HTTP endpoint on 127.0.0.1) hold
exactly its topics; the default subscription (STATIONWATCH_DIGEST_TO) gets
every topic; a second cycle sends nothing new.

Sources and topics as in tests/test_topics_cycle.py: uk_parliament_questions,
uk_hansard and scottish_parliament, the police stations and the Confucius
Institutes, Stewart Malcolm McDonald's contribution about both.
"""

import xml.etree.ElementTree as ET

import pytest

import scheduler
from stationwatch import delivery, subscriptions
from stationwatch.replay import ReplayServer, replay_env
from tests.helpers import FIXTURES, query_rows as query

SOURCES = ["scottish_parliament", "uk_hansard", "uk_parliament_questions"]
POLICE, CONFUCIUS = "overseas_police_stations", "confucius_institutes"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def replay():
    with ReplayServer(manifests=[FIXTURES / s / "replay.yml" for s in SOURCES]) as server:
        yield server


def tagged_ids(db_path, topic) -> set[int]:
    return {r["statement_id"] for r in query(db_path, "SELECT statement_id FROM statement_topics WHERE topic = ?",
                                             [topic])}


def marks(db_path, subscriber, channel) -> set[int]:
    return {r["statement_id"] for r in query(
        db_path, "SELECT statement_id FROM subscription_marks WHERE subscriber = ? AND channel LIKE ?",
        [subscriber, channel])}


def feed_ids(path) -> set[int]:
    return {int(e.find(f"{ATOM}id").text.rsplit("/", 1)[1]) for e in ET.parse(path).getroot().iter(f"{ATOM}entry")}


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_each_subscriber_gets_exactly_its_topics_once(tmp_path, replay, inbox, hook):
    db_path = tmp_path / "subscribed.db"
    config = delivery.DeliveryConfig.from_env(str(db_path), {
        "STATIONWATCH_DIGEST_DIR": str(tmp_path / "digests"), "STATIONWATCH_DIGEST_FROM": "sw@example.org",
        "STATIONWATCH_SMTP_URL": f"smtp://127.0.0.1:{inbox.port}", "STATIONWATCH_DIGEST_TO": "all@example.org"})
    path = tmp_path / "subscriptions.yml"
    path.write_text(f"""
subscribers:
  police-desk:
    topics: [{POLICE}]
    email: police@example.org
    atom: police.atom
    notify: $POLICE_HOOK
    empty: skip
  universities:
    topics: {CONFUCIUS}
    email: universities@example.org
    atom: universities.atom
""", encoding="utf-8")
    subscribers = subscriptions.load_subscriptions([CONFUCIUS, POLICE], config, path,
                                                   {"POLICE_HOOK": hook.url("/police")})

    def cycle():
        return scheduler.run_cycle(str(db_path), spiders=SOURCES, env=replay_env(replay.url), config=config,
                                   timeout=120, jobs=2, subscribers=subscribers)

    first = cycle()
    assert first.status == "ok", first.message
    police, confucius = tagged_ids(db_path, POLICE), tagged_ids(db_path, CONFUCIUS)
    (mcdonald,) = query(db_path, "SELECT id FROM statements WHERE speaker = 'Stewart Malcolm McDonald'")
    assert police & confucius == {mcdonald["id"]}  # about both: stored once, tagged twice
    assert len(police) > 5 and len(confucius) == 7

    # What each subscriber was sent, on each channel: exactly its topics.
    assert marks(db_path, "police-desk", "email") == police
    assert marks(db_path, "police-desk", "notify:%") == police
    assert marks(db_path, "universities", "email") == confucius
    assert feed_ids(tmp_path / "digests" / "police.atom") == police
    assert feed_ids(tmp_path / "digests" / "universities.atom") == confucius

    by_recipient = {tuple(rcpt): message for _, rcpt, message in inbox.messages}
    assert set(by_recipient) == {("all@example.org",), ("police@example.org",), ("universities@example.org",)}
    police_mail = text_of(by_recipient[("police@example.org",)])
    universities_mail = text_of(by_recipient[("universities@example.org",)])
    everything = text_of(by_recipient[("all@example.org",)])
    assert "(China's overseas police service stations)" in by_recipient[("police@example.org",)]["Subject"]
    assert "(Confucius Institutes" in by_recipient[("universities@example.org",)]["Subject"]
    for speaker in ("Willie Rennie", "Jamie Hepburn", "Baroness Barran", "Mark Field"):  # Confucius only
        assert speaker in universities_mail and speaker in everything and speaker not in police_mail
    assert "Stewart Malcolm McDonald" in police_mail and "Stewart Malcolm McDonald" in universities_mail
    titles = {topic: {r["title"] for r in query(db_path, "SELECT title FROM statements WHERE topics LIKE ?",
                                                [f'%"{topic}"%'])} for topic in (POLICE, CONFUCIUS)}
    police_titles = titles[POLICE] - titles[CONFUCIUS]  # titles no Confucius statement has
    assert police_titles and all(t in police_mail for t in police_titles)
    assert not any(t in universities_mail for t in police_titles)
    ((hook_path, notification),) = hook.received
    assert hook_path == "/police" and "Willie Rennie" not in notification["message"]
    assert "Stewart Malcolm McDonald" in notification["message"]
    assert notification["title"] == by_recipient[("police@example.org",)]["Subject"]

    # The second cycle finds nothing new and sends nothing new.
    feeds = {name: (tmp_path / "digests" / name).read_bytes() for name in ("police.atom", "universities.atom")}
    second = cycle()
    assert second.status == "ok", second.message
    assert {r["status"] for r in second.runs} == {"no_new"}
    later = inbox.messages[3:]
    assert sorted(tuple(rcpt) for _, rcpt, _ in later) == [("all@example.org",), ("universities@example.org",)]
    for _, _, message in later:  # the default and "universities" send their one line; police-desk skips
        assert message["Subject"].endswith(": nothing new")
        assert "Willie Rennie" not in text_of(message) and "McDonald" not in text_of(message)
    assert "nothing new about Confucius Institutes" in text_of(dict((tuple(r), m) for _, r, m in later)[
        ("universities@example.org",)])
    assert len(hook.received) == 1
    assert feeds == {name: (tmp_path / "digests" / name).read_bytes() for name in feeds}
    assert [(c.subscriber, c.channel.split(":")[0], c.statements) for c in second.subscriptions] == [
        ("police-desk", "email", 0), ("police-desk", "atom", 0), ("police-desk", "notify", 0),
        ("universities", "email", 0), ("universities", "atom", 0)]
