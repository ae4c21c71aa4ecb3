"""Several topics watched at once (issue #15): which topics are watched,
each judged with its own rules, a statement stored once and tagged with
every topic it is about."""

import json

import pytest
import sqlite_utils

import db as database
from db.migrations import MIGRATIONS
from db.store import NEW, UNCHANGED, StatementStore
from pipelines.normalize import NormalizePipeline
from pipelines.relevance import RelevancePipeline
from scrapy.exceptions import DropItem
from stationwatch.items import Statement
from stationwatch.topic import TOPICS_DIR, load_topics

FISHERIES = """\
topic: fisheries
title: Illegal fishing
window: 40
languages:
  en:
    strong: [illegal fishing]
    weak: [trawler]
    context: [chinese]
exclude: [chinese restaurant]
search:
  en: [illegal fishing, Chinese police stations]
"""

STATIONS = """\
topic: stations
languages:
  en:
    strong: [chinese police station]
    weak: [police station]
    context: [chinese]
search:
  en: [Chinese police stations, chinese  POLICE stations, overseas police]
"""


@pytest.fixture
def topics_dir(tmp_path):
    folder = tmp_path / "topics"
    folder.mkdir()
    (folder / "fisheries.yml").write_text(FISHERIES, encoding="utf-8")
    (folder / "stations.yml").write_text(STATIONS, encoding="utf-8")
    return folder


def test_every_topic_file_is_a_topic_and_search_terms_are_their_union(topics_dir):
    topics = load_topics(names=None, directory=topics_dir, single="")
    assert topics.names == ["fisheries", "stations"]
    # The same term once, whatever its case or spacing, in topic order.
    assert topics.search_terms_for("en") == ["illegal fishing", "Chinese police stations", "overseas police"]
    assert topics.search_terms_for("nl") == []
    assert topics.topics_searching("en", "chinese police stations") == ["fisheries", "stations"]


def test_a_setting_picks_topics_by_name_and_the_single_file_still_works(topics_dir):
    assert load_topics(names="stations", directory=topics_dir, single="").names == ["stations"]
    assert load_topics(names=["fisheries"], directory=topics_dir, single="").names == ["fisheries"]
    with pytest.raises(ValueError, match="names no topic file: whaling"):
        load_topics(names="stations,whaling", directory=topics_dir, single="")
    # STATIONWATCH_TOPIC, one file: that topic alone.
    assert load_topics(single=str(topics_dir / "fisheries.yml"), directory=topics_dir).names == ["fisheries"]


def test_the_shipped_topics_are_every_file_under_topics():
    shipped = sorted(p.stem for p in TOPICS_DIR.glob("*.yml"))
    assert sorted(load_topics(single="", names="", directory=TOPICS_DIR).names) == shipped
    assert "overseas_police_stations" in shipped


def test_each_topic_is_judged_with_its_own_window_and_exclusions(topics_dir):
    topics = load_topics(names=None, directory=topics_dir, single="")
    # fisheries' window is 40 characters: 'chinese' too far from 'trawler' for
    # it, while stations has its own (default 160) for its own weak term.
    far = "A Chinese delegation arrived on Monday, and later that week a trawler was seen near the police station."
    judged = topics.judge_each(far)
    assert not judged["fisheries"].relevant and judged["stations"].relevant
    # fisheries excludes 'chinese restaurant' (blanked: no context word left
    # for 'trawler'); stations excludes nothing, so its weak term keeps it.
    assert topics.judge_each("The Chinese trawler sank.")["fisheries"].relevant
    text = "A Chinese restaurant trawler sank by the police station."
    judged = topics.judge_each(text)
    assert not judged["fisheries"].relevant and judged["fisheries"].reason == "no topic term"
    assert judged["stations"].matched_terms == ["chinese", "police station"]
    merged = topics.judge(text)
    assert merged.relevant and merged.matched_terms == ["chinese", "police station"]


def _candidate(text, title="Written question", record_id="q1", source="uk_parliament_questions"):
    return Statement(source=source, source_kind="parliament", country="GB", body="House of Commons",
                     kind="written_question", url=f"https://example.org/{source}/{record_id}", title=title,
                     published="2023-01-10", language="en", text=text, record_id=record_id)


def _relevance(topics_dir, **selection):
    pipeline = RelevancePipeline(None, selection.get("names"), topics_dir)
    return NormalizePipeline(), pipeline


BOTH = ("Chinese trawlers engage in illegal fishing off West Africa, and a Chinese police station was found in "
        "the same port.")


def test_relevance_tags_an_item_with_every_topic_it_matches(topics_dir, monkeypatch):
    monkeypatch.delenv("STATIONWATCH_TOPIC", raising=False)
    normalize, relevance = _relevance(topics_dir)
    item = relevance.process_item(normalize.process_item(_candidate(BOTH)))
    assert [t["topic"] for t in item.topics] == ["fisheries", "stations"]
    assert item.topics[0]["matched_terms"] == ["chinese", "illegal fishing", "trawler"]
    assert item.topics[1]["matched_terms"] == ["chinese", "chinese police station", "police station"]
    assert item.matched_terms == ["chinese", "chinese police station", "illegal fishing", "police station", "trawler"]
    assert item.topics[0]["excerpt"] == item.excerpt
    only_fish = relevance.process_item(normalize.process_item(_candidate("Illegal fishing by trawlers.")))
    assert [t["topic"] for t in only_fish.topics] == ["fisheries"]
    with pytest.raises(DropItem, match="off topic"):
        relevance.process_item(normalize.process_item(_candidate("The Croydon police station closes.")))


def _tags(db):
    return [(r["statement_id"], r["topic"], json.loads(r["matched_terms"]))
            for r in db.query("SELECT * FROM statement_topics ORDER BY statement_id, topic")]


def test_a_statement_about_two_topics_is_stored_once_and_tagged_twice(db, topics_dir, monkeypatch):
    monkeypatch.delenv("STATIONWATCH_TOPIC", raising=False)
    normalize, relevance = _relevance(topics_dir)
    store = StatementStore(db)
    with database.write_transaction(db):
        outcome = store.save(dict(relevance.process_item(normalize.process_item(_candidate(BOTH))).__dict__))
    assert outcome == NEW
    assert db.execute("SELECT COUNT(*) FROM statements").fetchone()[0] == 1
    assert _tags(db) == [(1, "fisheries", ["chinese", "illegal fishing", "trawler"]),
                         (1, "stations", ["chinese", "chinese police station", "police station"])]
    (topics,) = db.execute("SELECT topics FROM statements").fetchone()
    assert json.loads(topics) == ["fisheries", "stations"]


def test_a_topic_added_later_tags_the_statement_already_stored(db, topics_dir, monkeypatch):
    """The same record judged again by a topic added since: still one
    statement, unchanged, now with both tags."""
    monkeypatch.delenv("STATIONWATCH_TOPIC", raising=False)
    normalize, before = _relevance(topics_dir, names=["stations"])
    store = StatementStore(db)
    with database.write_transaction(db):
        store.save(dict(before.process_item(normalize.process_item(_candidate(BOTH))).__dict__))
    assert [t[1] for t in _tags(db)] == ["stations"]
    _, after = _relevance(topics_dir)
    with database.write_transaction(db):
        outcome = store.save(dict(after.process_item(normalize.process_item(_candidate(BOTH))).__dict__))
    assert outcome == UNCHANGED
    assert [t[1] for t in _tags(db)] == ["fisheries", "stations"]
    assert json.loads(db.execute("SELECT topics FROM statements").fetchone()[0]) == ["fisheries", "stations"]
    # The same text from another source: one statement, its tags kept.
    with database.write_transaction(db):
        store.save(dict(after.process_item(normalize.process_item(
            _candidate(BOTH, source="govuk", record_id="x"))).__dict__))
    assert db.execute("SELECT COUNT(*) FROM statements").fetchone()[0] == 1
    assert len(_tags(db)) == 2


def test_a_changed_text_loses_the_tag_it_no_longer_earns_and_keeps_unwatched_ones(db, topics_dir, monkeypatch):
    """A corrected answer that no longer speaks of illegal fishing is no
    longer tagged fisheries; a crawl that watches only the stations judges
    nothing about fisheries, so it leaves that tag alone."""
    monkeypatch.delenv("STATIONWATCH_TOPIC", raising=False)
    normalize, both = _relevance(topics_dir)
    store = StatementStore(db)

    def save(relevance, text):
        with database.write_transaction(db):
            return store.save(dict(relevance.process_item(normalize.process_item(_candidate(text))).__dict__))

    save(both, BOTH)
    assert [t[1] for t in _tags(db)] == ["fisheries", "stations"]
    _, stations_only = _relevance(topics_dir, names=["stations"])
    save(stations_only, "The Chinese police station in Rotterdam was closed, the minister said.")
    assert [t[1] for t in _tags(db)] == ["fisheries", "stations"]  # fisheries not judged: kept
    assert save(both, "The Chinese police station in Rotterdam was closed, the minister said today.") != NEW
    assert [t[1] for t in _tags(db)] == ["stations"]
    assert json.loads(db.execute("SELECT topics FROM statements").fetchone()[0]) == ["stations"]


def test_existing_statements_are_tagged_with_the_topic_of_the_time(db_path):
    old = sqlite_utils.Database(db_path)
    database.register_functions(old.conn)
    MIGRATIONS.apply(old, stop_before="m016_statement_topics")
    old.execute(
        "INSERT INTO statements (source, record_id, country, title, text, text_hash, matched_terms, excerpt)"
        " VALUES ('govuk', 'r1', 'GB', 'Chinese police stations', 'Text', 'h1', '[\"chinese police station\"]',"
        " 'the excerpt')"
    )
    old.close()
    upgraded = database.connect(db_path)
    assert _tags(upgraded) == [(1, "overseas_police_stations", ["chinese police station"])]
    assert upgraded.execute("SELECT excerpt FROM statement_topics").fetchone()[0] == "the excerpt"
    assert json.loads(upgraded.execute("SELECT topics FROM statements").fetchone()[0]) == ["overseas_police_stations"]
    upgraded.close()
