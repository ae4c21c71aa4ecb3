"""The digest: what it lists, in what order, exactly once, escaped.

Statements are written through the real store (db/store.py), as a crawl
writes them; their texts are made up for these tests and say so."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import feedparser
import pytest

from db import digest as digest_sql
from db import runs as runs_table
from db.store import StatementStore, content_hash
from stationwatch import delivery
from stationwatch.digest import build_digest, render

ATOM = "{http://www.w3.org/2005/Atom}"


def statement(record_id, **fields):
    """A normalised, relevant candidate as the pipelines hand it to the store."""
    item = {
        "source": "uk_parliament_questions", "source_kind": "parliament", "country": "GB",
        "body": "House of Commons", "kind": "written_answer", "published": "2023-06-06",
        "speaker": None, "speaker_role": None, "title": f"Test statement {record_id}",
        "text": f"Test text {record_id} about overseas police service stations.",
        "excerpt": None, "url": f"https://example.org/{record_id}", "fetch_url": None, "language": "en",
        "record_id": record_id, "question_record_id": None, "outlet": None,
        "matched_terms": ["overseas police service station"], "raw": None, "raw_type": None,
    }
    item.update(fields)
    item["text_hash"] = content_hash(item["text"])
    return item


def save(db, *items):
    store = StatementStore(db)
    with db.atomic():
        return [store.save(item) for item in items]


def add_run(db, spider, status, **counts):
    run_id = runs_table.start_run(db, spider, "2026-11-01")
    summary = {"status": status, "finish_reason": counts.pop("finish_reason", "finished"), "pages": 3, "bytes": 100,
               "records": 2, "items": 1, "new": 0, "updated": 0, "unchanged": 0, "duplicates": 0,
               "dropped": 0, "errors": 0}
    summary.update(counts)
    runs_table.finish_run(db, run_id, summary, {}, counts.get("messages", []))
    return run_id


def config_for(tmp_path, **env):
    return delivery.DeliveryConfig.from_env(str(tmp_path / "x.db"), {"STATIONWATCH_DIGEST_DIR": str(tmp_path / "digests"), **env})


def titles(digest):
    return [(country, [e.statement["title"] for e in entries]) for country, entries in digest.countries]


def test_grouped_by_country_official_before_press_newest_first(db):
    save(
        db,
        statement("gb-press", source="press_feeds", source_kind="press", outlet="BBC News", published="2023-06-07",
                  title="GB press", text="BBC text"),
        statement("gb-old", published="2022-11-01", title="GB parliament old", text="old answer"),
        statement("gb-new", source="govuk", source_kind="ministry", body="Home Office", published="2023-06-06",
                  title="GB ministry new", text="ministry line"),
        statement("ie-1", source="oireachtas", country="IE", body="Dáil Éireann", title="IE answer", text="IE text"),
    )
    digest = build_digest(db)
    assert titles(digest) == [
        ("GB", ["GB ministry new", "GB parliament old", "GB press"]),
        ("IE", ["IE answer"]),
    ]
    assert digest.new_count == 4 and not digest.is_empty
    text = render(digest).text
    assert text.index("== GB (3) ==") < text.index("GB ministry new") < text.index("GB press") < text.index("== IE (1) ==")


def test_same_text_elsewhere_is_one_entry_also_reported_by(db):
    line = "Any attempt to coerce individuals to return to another country is unacceptable."
    save(
        db,
        statement("ho-1", source="govuk", source_kind="ministry", body="Home Office", text=line,
                  url="https://www.gov.uk/government/news/x"),
        # The same text in two outlets: one statement, two more mentions.
        statement("bbc-1", source="press_feeds", source_kind="press", outlet="BBC News", text=line,
                  url="https://www.bbc.co.uk/news/uk-1"),
        statement("grd-1", source="guardian", source_kind="press", outlet="The Guardian", text=line,
                  url="https://www.theguardian.com/uk-news/1"),
    )
    (country,) = build_digest(db).countries
    (entry,) = country[1]
    assert entry.statement["body"] == "Home Office"
    assert entry.also_reported_by == ["bbc.co.uk", "theguardian.com"]
    assert "Also reported by 2 sources: bbc.co.uk, theguardian.com" in render(build_digest(db)).text


def test_a_press_statement_is_not_also_reported_by_its_own_outlet(db):
    save(db, statement("es-1", source="press_feeds", source_kind="press", outlet="El Siete", country="CL",
                       url="https://elsiete.cl/?p=4261"))
    (entry,) = build_digest(db).countries[0][1]
    assert entry.also_reported_by == []  # its own mention (same URL) is not another source


def test_a_near_duplicate_cluster_shows_once_with_its_earliest_official_statement(db):
    save(
        db,
        statement("press-1", source="press_feeds", source_kind="press", outlet="The Irish Times", country="IE",
                  published="2022-10-27", text="The station was told to close, a spokesperson said."),
        statement("dfa-1", source="ireland_gov", source_kind="ministry", country="IE", body="Department of Foreign Affairs",
                  published="2022-10-28", text="The Department has instructed the station to close."),
    )
    press_id, dfa_id = [r["id"] for r in db.query("SELECT id FROM statements ORDER BY id")]
    # What the near-duplicate step (MinHash clusters) records: one cluster for both.
    db["statements"].update(press_id, {"cluster_id": dfa_id})
    digest = build_digest(db)
    (entry,) = digest.countries[0][1]
    assert entry.statement["id"] == dfa_id  # official before press, whatever the dates
    assert entry.also_reported_by == ["The Irish Times"]
    assert sorted(digest.statement_ids) == [press_id, dfa_id]  # both delivered with it


def test_delivered_once_then_nothing_new(db, tmp_path):
    save(db, statement("a"), statement("b", text="another text"))
    config = config_for(tmp_path)
    first = delivery.deliver(db, config)
    assert first.digest.new_count == 2
    assert [r["digest_id"] for r in db.query("SELECT digest_id FROM statements")] == [first.digest_id] * 2
    assert first.markdown_path.read_text().startswith("# stationwatch ")

    second = delivery.deliver(db, config)
    assert second.digest.is_empty
    assert second.markdown_path.read_text().strip().startswith("stationwatch: nothing new since ")
    assert len(second.markdown_path.read_text().strip().splitlines()) == 1
    assert render(second.digest).text.count("\n") == 1
    digests = list(db.query("SELECT statement_count, update_count, channels FROM digests ORDER BY id"))
    assert [(d["statement_count"], d["update_count"]) for d in digests] == [(2, 0), (0, 0)]
    assert json.loads(digests[0]["channels"]) == ["markdown", "atom"]


def test_empty_digest_can_send_nothing(db, tmp_path):
    result = delivery.deliver(db, config_for(tmp_path, STATIONWATCH_DIGEST_EMPTY="skip"))
    assert result.digest_id is None and result.markdown_path is None
    assert db["digests"].count == 0


def test_a_failed_source_is_named_even_when_nothing_is_new(db, tmp_path):
    add_run(db, "uk_parliament_questions", "no_new")
    add_run(db, "oireachtas", "failed", pages=0, messages=["Connection was refused by other side: 111"])
    add_run(db, "govuk", "layout_changed", messages=["govuk: the search results lost 'results'"])
    add_run(db, "nl_tweede_kamer", "empty_unusual", records=0)
    add_run(db, "us_congress", "skipped", pages=0, messages=["skipped: set GOVINFO_API_KEY"])
    digest = build_digest(db)
    assert not digest.is_empty
    assert digest.failed_sources == ["govuk", "nl_tweede_kamer", "oireachtas"]
    rendered = render(digest)
    assert "stationwatch" in rendered.subject and "3 sources failed" in rendered.subject
    assert "Nothing new." in rendered.text
    assert "oireachtas                   FAILED: Connection was refused by other side: 111" in rendered.text
    assert "govuk                        layout changed?" in rendered.text
    assert "returned zero records where it usually returns some" in rendered.text
    assert "uk_parliament_questions      ok, no new items" in rendered.text
    assert "us_congress                  skipped: set GOVINFO_API_KEY\n" in rendered.text
    # Problems first, and marked.
    assert rendered.text.index("! govuk") < rendered.text.index("  uk_parliament_questions")
    assert 'style="color: #a00; font-weight: bold;"><td style="padding: 0.1em 1em 0.1em 0;">oireachtas' in rendered.html


def test_health_comes_from_the_cycle_runs_when_given(db):
    old = add_run(db, "govuk", "failed", messages=["old failure"])
    new = add_run(db, "govuk", "ok", new=1)
    assert [h.label for h in build_digest(db, run_ids=[old]).health] == ["FAILED: old failure"]
    assert [h.label for h in build_digest(db, run_ids=[new]).health] == ["ok: 1 new, 0 updated"]
    assert [h.label for h in build_digest(db).health] == ["ok: 1 new, 0 updated"]  # the latest per source


def test_changed_text_and_answered_question_are_updates(db, tmp_path):
    save(db, statement("q1", kind="written_question", title="Overseas police stations", text="What assessment?"),
         statement("rel-1", source="govuk", source_kind="ministry", title="Release", text="Version one of the release."))
    delivery.deliver(db, config_for(tmp_path))

    save(db, statement("rel-1", source="govuk", source_kind="ministry", title="Release", text="Version two, corrected."),
         statement("a1", question_record_id="q1", speaker="Tom Tugendhat", speaker_role="Minister of State",
                   title="Overseas police stations", text="The police are investigating.", published="2023-06-20"))
    digest = build_digest(db)
    assert digest.countries == []  # nothing new apart from the updates
    answered, changed = digest.updates
    assert (answered.update_kind, answered.question["record_id"], answered.statement["record_id"]) == ("answered", "q1", "a1")
    assert (changed.update_kind, changed.previous_text, changed.excerpt) == (
        "changed", "Version one of the release.", "Version two, corrected.")
    text = render(digest).text
    assert "== Updates (2) ==" in text
    assert "* Answered: Overseas police stations (GB, asked 2023-06-06)" in text
    assert "Tom Tugendhat, Minister of State · 2023-06-20" in text
    assert "  Before:\n  | Version one of the release.\n  Now:\n  | Version two, corrected." in text

    result = delivery.deliver(db, config_for(tmp_path))
    assert (result.digest.new_count, len(result.digest.updates)) == (0, 2)
    assert db.execute("SELECT COUNT(*) FROM statements WHERE update_pending = 1 OR digest_id IS NULL").fetchone()[0] == 0
    assert build_digest(db).is_empty


def test_an_answer_whose_question_is_new_too_is_listed_with_it(db):
    save(db, statement("q2", kind="written_question", title="Stations in Glasgow", text="To ask about Glasgow."),
         statement("a2", question_record_id="q2", text="The answer about Glasgow."))
    digest = build_digest(db)
    assert digest.updates == []
    assert [e.question["title"] if e.question else None for e in digest.countries[0][1]] == [None, "Stations in Glasgow"]


def test_only_what_the_digest_listed_is_marked(db, tmp_path):
    """A statement or an update stored while the digest is being sent waits
    for the next digest."""
    save(db, statement("rel-2", text="First text."))
    delivery.deliver(db, config_for(tmp_path))
    save(db, statement("rel-2", text="Second text."), statement("c", text="C first."))
    digest = build_digest(db)
    save(db, statement("rel-2", text="Third text, arrived during delivery."), statement("late", text="late one"),
         statement("c", text="C changed during delivery."))
    digest_sql.record_delivery(db, created_at=digest.created_at, channels=["markdown"], statements=digest.statement_marks,
                               updates=digest.update_marks, subject="s", text="t", html="h", path=None, failed_sources=[])
    pending = build_digest(db)
    assert [e.statement["record_id"] for _, entries in pending.countries for e in entries] == ["late"]
    assert [(u.statement["record_id"], u.excerpt) for u in pending.updates] == [
        ("rel-2", "Third text, arrived during delivery."), ("c", "C changed during delivery.")]


SCRIPT = '<script>alert("x")</script>'


def test_scraped_markup_is_shown_as_text_in_html_markdown_and_atom(db, tmp_path):
    save(db, statement("xss", title=f"Answer {SCRIPT}", speaker=f"<b>Minister</b> {SCRIPT}",
                       text=f"The answer {SCRIPT} & <img src=x onerror=alert(1)> more [link](javascript:alert(1))",
                       url="javascript:alert(1)", outlet="<i>outlet</i>"))
    result = delivery.deliver(db, config_for(tmp_path))
    rendered = render(result.digest)
    for html in (rendered.html, rendered.html_fragment):
        assert "<script" not in html and "<img" not in html and "<b>Minister" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        assert "javascript:" not in html.split("<blockquote")[0]  # never an href
        assert 'href="javascript' not in html
    markdown = result.markdown_path.read_text()
    assert "<script" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;" in markdown and r"\[link\](javascript:alert(1))" in markdown
    assert "<javascript:" not in markdown

    feed_xml = result.feed_path.read_text()
    root = ET.fromstring(feed_xml)  # well-formed XML
    (entry,) = root.findall(f"{ATOM}entry")
    content = entry.find(f"{ATOM}content")
    assert content.get("type") == "html"
    # The entry's HTML, once unescaped by a feed reader, still shows the script as text.
    assert "&lt;script&gt;" in content.text and "<script" not in content.text and "<img" not in content.text

    feed = feedparser.parse(feed_xml, sanitize_html=False)
    assert not feed.bozo, feed.get("bozo_exception")
    assert "&lt;script&gt;" in feed.entries[0].content[0].value


def test_atom_feed_follows_the_delivered_digests(db, tmp_path):
    config = config_for(tmp_path, STATIONWATCH_FEED_URL="https://example.org/digests/feed.atom")
    save(db, statement("f1"))
    first = delivery.deliver(db, config)
    save(db, statement("f2", text="second"))
    add_run(db, "oireachtas", "failed", messages=["HTTP 503"])
    second = delivery.deliver(db, config)
    feed = feedparser.parse(str(second.feed_path))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id == delivery.FEED_ID
    assert [link.href for link in feed.feed.links if link.rel == "self"] == ["https://example.org/digests/feed.atom"]
    assert [e.id for e in feed.entries] == [f"{delivery.FEED_ID}/digest/{second.digest_id}",
                                           f"{delivery.FEED_ID}/digest/{first.digest_id}"]
    newest = feed.entries[0]
    assert newest.title.endswith(": 1 new, 0 updates, 1 source failed")
    assert newest.summary == "1 new, 0 updates; failed sources: oireachtas"
    assert "Test statement f2" in newest.content[0].value and "Test statement f1" not in newest.content[0].value
    assert newest.updated_parsed is not None
    # RFC 4287's required elements, once each, with RFC 3339 dates (feedparser is lenient about these).
    root = ET.fromstring(second.feed_path.read_text())
    for element, names in [(root, ("id", "title", "updated", "author")),
                           *[(e, ("id", "title", "updated", "content")) for e in root.findall(f"{ATOM}entry")]]:
        assert [len(element.findall(f"{ATOM}{name}")) for name in names] == [1] * len(names)
        dt.datetime.strptime(element.find(f"{ATOM}updated").text, "%Y-%m-%dT%H:%M:%SZ")


def test_config_from_environment(tmp_path):
    config = delivery.DeliveryConfig.from_env(str(tmp_path / "data" / "s.db"), {
        "STATIONWATCH_DIGEST_TO": "a@example.org, B <b@example.org>",
        "STATIONWATCH_SMTP_URL": "smtp+starttls://user%40example.org:p%40ss%3Aw@mail.example.org",
        "STATIONWATCH_DIGEST_FROM": "watch@example.org",
    })
    assert config.to == ["a@example.org", "b@example.org"]
    assert config.smtp.scheme == "smtp+starttls" and config.smtp.port == 587
    assert (config.smtp.username, config.smtp.password) == ("user@example.org", "p@ss:w")
    assert "p@ss" not in repr(config) and "p@ss" not in config.smtp.safe_url
    assert config.directory == tmp_path / "data" / "digests"
    assert config.channels == ["markdown", "atom", "email"]
    assert delivery.SmtpServer.from_url("smtps://h").port == 465
    with pytest.raises(ValueError, match="scheme"):
        delivery.SmtpServer.from_url("http://h")
    with pytest.raises(ValueError, match="STATIONWATCH_SMTP_URL is not"):
        delivery.DeliveryConfig.from_env("x.db", {"STATIONWATCH_DIGEST_TO": "a@example.org"})


def test_cli_previews_without_marking_then_delivers_once(db, db_path, tmp_path, capsys, monkeypatch):
    from stationwatch import cli

    save(db, statement("cli-1", title="Shown in the preview"))
    monkeypatch.setenv("STATIONWATCH_DIGEST_DIR", str(tmp_path / "digests"))
    monkeypatch.delenv("STATIONWATCH_DIGEST_TO", raising=False)
    assert cli.main(["digest", "--db", str(db_path)]) == 0
    assert "* Shown in the preview" in capsys.readouterr().out
    assert cli.main(["digest", "--db", str(db_path), "--format", "html"]) == 0
    assert "<h3" in capsys.readouterr().out
    assert db.execute("SELECT COUNT(*) FROM statements WHERE digest_id IS NULL").fetchone()[0] == 1  # a preview marks nothing

    assert cli.main(["digest", "--db", str(db_path), "--deliver"]) == 0
    assert capsys.readouterr().out.startswith("digest 1 delivered (markdown, atom): 1 new, 0 updates; ")
    assert cli.main(["digest", "--db", str(db_path)]) == 0
    assert capsys.readouterr().out == "stationwatch: nothing new since " + \
        db.execute("SELECT delivered_at FROM digests").fetchone()[0].replace("T", " ")[:16] + " UTC.\n"

    monkeypatch.setenv("STATIONWATCH_DIGEST_TO", "desk@example.org")  # but no SMTP URL
    assert cli.main(["digest", "--db", str(db_path), "--deliver"]) == 1
    assert "nothing marked: STATIONWATCH_DIGEST_TO is set but STATIONWATCH_SMTP_URL is not" in capsys.readouterr().err
