"""One Atom feed per topic (issue #15): digests/feeds/<topic>.atom holds
each delivered statement about that topic once, rebuilt from the database
after every delivery; a refused delivery adds nothing to any feed."""

import xml.etree.ElementTree as ET

from stationwatch import delivery
from stationwatch.topic import load_topics
from tests.helpers import start_smtp
from tests.test_delivery import Inbox
from tests.test_digest import save, statement

ATOM = "{http://www.w3.org/2005/Atom}"
POLICE, CONFUCIUS = "overseas_police_stations", "confucius_institutes"


def tags(*topics):
    return [{"topic": t, "matched_terms": [t], "excerpt": f"excerpt for {t}"} for t in topics]


def feed(tmp_path, topic) -> list[tuple[str, str]]:
    """(entry id, title) of a topic's feed, in order."""
    root = ET.parse(tmp_path / "digests" / "feeds" / f"{topic}.atom").getroot()
    return [(e.find(f"{ATOM}id").text.rsplit("/", 1)[1], e.find(f"{ATOM}title").text) for e in root.iter(f"{ATOM}entry")]


def config(tmp_path, port):
    return delivery.DeliveryConfig.from_env(str(tmp_path / "s.db"), {
        "STATIONWATCH_DIGEST_DIR": str(tmp_path / "digests"), "STATIONWATCH_DIGEST_TO": "desk@example.org",
        "STATIONWATCH_DIGEST_FROM": "stationwatch@example.org", "STATIONWATCH_SMTP_URL": f"smtp://127.0.0.1:{port}"})


def test_each_topic_feed_holds_its_delivered_statements_once(db, tmp_path, monkeypatch):
    monkeypatch.delenv("STATIONWATCH_TOPIC", raising=False)
    monkeypatch.delenv("STATIONWATCH_TOPICS", raising=False)
    assert {t.name for t in load_topics()} >= {POLICE, CONFUCIUS}
    inbox = Inbox()
    smtp = start_smtp(inbox)
    try:
        save(db, statement("p-1", title="Police stations", topics=tags(POLICE)),
             statement("c-1", title="Confucius Institutes", text="Confucius Institutes closing.",
                       topics=tags(CONFUCIUS)),
             statement("b-1", title="Both", text="Stations and Confucius Institutes.", topics=tags(CONFUCIUS, POLICE)))
        first = delivery.deliver(db, config(tmp_path, smtp.port))
        assert first.digest_id is not None and len(inbox.messages) == 1
        police, confucius = feed(tmp_path, POLICE), feed(tmp_path, CONFUCIUS)
        assert sorted(title for _, title in police) == ["GB: Both", "GB: Police stations"]
        assert sorted(title for _, title in confucius) == ["GB: Both", "GB: Confucius Institutes"]
        both = [i for i, title in police if title == "GB: Both"]
        assert both == [i for i, title in confucius if title == "GB: Both"]  # the same statement, in each feed once

        # Refused: nothing marked, no feed grows.
        save(db, statement("c-2", title="Second closure", text="Another Confucius Institute closes.",
                           topics=tags(CONFUCIUS)))
        inbox.refuse = True
        try:
            delivery.deliver(db, config(tmp_path, smtp.port))
        except delivery.DeliveryError:
            pass
        else:
            raise AssertionError("a refused email must raise")
        assert feed(tmp_path, CONFUCIUS) == confucius
        # Delivered next time: it comes first in its topic's feed, nowhere else, and nothing twice.
        inbox.refuse = False
        delivery.deliver(db, config(tmp_path, smtp.port))
        assert feed(tmp_path, CONFUCIUS)[0][1] == "GB: Second closure"
        assert len(feed(tmp_path, CONFUCIUS)) == 3 and feed(tmp_path, POLICE) == police
        delivery.deliver(db, config(tmp_path, smtp.port))  # nothing new
        assert len(feed(tmp_path, CONFUCIUS)) == 3
    finally:
        smtp.stop()
