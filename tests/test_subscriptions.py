"""Subscriptions (issue #15): who receives which topics and how, each
subscriber's news exactly once on each channel: email through a real SMTP
server (aiosmtpd) on 127.0.0.1, an Atom file, and an apprise notification
(json://) to a real HTTP endpoint on 127.0.0.1 that can refuse."""

import json
import xml.etree.ElementTree as ET

import pytest

from stationwatch import delivery, subscriptions
from tests.test_digest import save, statement

ATOM = "{http://www.w3.org/2005/Atom}"
POLICE, CONFUCIUS = "overseas_police_stations", "confucius_institutes"
TOPICS = [CONFUCIUS, POLICE]


def config(tmp_path, port=None, **env):
    values = {"STATIONWATCH_DIGEST_DIR": str(tmp_path / "digests"), "STATIONWATCH_DIGEST_FROM": "sw@example.org"}
    if port:
        values["STATIONWATCH_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    return delivery.DeliveryConfig.from_env(str(tmp_path / "s.db"), {**values, **env})


def load(tmp_path, text, cfg=None, environ=None):
    path = tmp_path / "subscriptions.yml"
    path.write_text(text, encoding="utf-8")
    return subscriptions.load_subscriptions(TOPICS, cfg or config(tmp_path, 2525), path, environ or {})


def tags(*topics):
    return [{"topic": t, "matched_terms": [t], "excerpt": f"excerpt for {t}"} for t in topics]


def test_the_file_says_who_gets_which_topics_and_how(tmp_path):
    (desk, researcher) = load(tmp_path, """
subscribers:
  desk:
    email: desk@example.org
    atom: desk.atom
    notify: [json://127.0.0.1:9/x, "${HOOK}"]
    empty: skip
  researcher:
    topics: confucius_institutes
    email: [A Researcher <researcher@example.org>, second@example.org]
    since: 2026-11-01
""", environ={"HOOK": "json://127.0.0.1:9/secret-token"})
    assert desk.topics == tuple(TOPICS)  # no topics: every watched topic
    assert desk.email == ("desk@example.org",)
    assert desk.atom == tmp_path / "digests" / "desk.atom"
    assert desk.notify == ("json://127.0.0.1:9/x", "json://127.0.0.1:9/secret-token")
    assert not desk.send_empty and desk.since is None
    assert desk.channels[:2] == ["email", "atom"] and len(desk.channels) == 4
    assert all(c.startswith("notify:json:") and "secret" not in c for c in desk.channels[2:])
    assert "secret-token" not in repr(desk)
    assert researcher.topics == (CONFUCIUS,)
    assert researcher.email == ("researcher@example.org", "second@example.org")
    assert researcher.send_empty and researcher.since == "2026-11-01"


@pytest.mark.parametrize("text, error", [
    ("subscribers:\n  desk:\n    topics: [brexit]\n    atom: a.atom\n", "not a watched topic: brexit"),
    ("subscribers:\n  desk:\n    adress: x@example.org\n", "unknown key(s) adress"),
    ("subscribers:\n  desk:\n    topics: all\n", "no channel"),
    ("subscribers:\n  desk:\n    notify: $UNSET_HOOK\n", "uses $UNSET_HOOK, which is not set"),
    ("subscribers:\n  desk:\n    notify: nosuchservice://x\n", "not a URL apprise can notify (scheme 'nosuchservice')"),
    ("subscribers:\n  Desk Two:\n    atom: a.atom\n", "a name is lower-case"),
    ("subscribers:\n  desk:\n    atom: a.atom\n    empty: maybe\n", "empty must be 'send' or 'skip'"),
    ("subscribers:\n  desk:\n    atom: a.atom\n    since: last week\n", "since must be a date"),
    ("- desk\n", "expected one key, 'subscribers:'"),
])
def test_a_mistake_in_the_file_is_a_clear_error(tmp_path, text, error):
    with pytest.raises(ValueError) as raised:
        load(tmp_path, text)
    assert error in str(raised.value) and "subscriptions.yml" in str(raised.value)


def test_an_email_subscriber_needs_the_smtp_relay(tmp_path):
    with pytest.raises(ValueError, match="STATIONWATCH_SMTP_URL is not set"):
        load(tmp_path, "subscribers:\n  desk:\n    email: desk@example.org\n", cfg=config(tmp_path))


def test_no_file_no_subscribers_and_a_named_missing_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(subscriptions, "DEFAULT_FILE", tmp_path / "absent.yml")
    assert subscriptions.load_subscriptions(TOPICS, config(tmp_path), environ={}) == []
    with pytest.raises(ValueError, match="no such file"):
        subscriptions.subscriptions_file({"STATIONWATCH_SUBSCRIPTIONS": str(tmp_path / "nope.yml")})


def ids(db) -> dict[str, int]:
    return {record_id: id_ for id_, record_id in db.execute("SELECT id, record_id FROM statements")}


def entry_ids(path):
    return [int(e.find(f"{ATOM}id").text.rsplit("/", 1)[1]) for e in ET.parse(path).getroot().iter(f"{ATOM}entry")]


def test_each_channel_exactly_once_and_a_refused_notification_is_sent_whole_next_time(db, tmp_path, inbox, hook):
    cfg = config(tmp_path, inbox.port)
    desk, = load(tmp_path, f"""
subscribers:
  desk:
    topics: [overseas_police_stations]
    email: desk@example.org
    atom: desk.atom
    notify: {hook.url()}
    empty: skip
""", cfg)
    subscriptions.register(db, [desk])
    save(db, statement("p", title="Stations <script>x</script>", topics=tags(POLICE)),
         statement("c", title="Closure notice", topics=tags(CONFUCIUS)),
         statement("b", title="Both", topics=tags(POLICE, CONFUCIUS)))
    police, both = (ids(db)[r] for r in ("p", "b"))

    hook.failing = True
    first = subscriptions.deliver_subscriptions(db, [desk], cfg)
    assert [(r.channel.split(":")[0], r.statements, bool(r.error)) for r in first] == [
        ("email", 2, False), ("atom", 2, False), ("notify", 0, True)]
    assert "127.0.0.1" not in first[2].error  # the URL (a token, in real life) is not in the error
    (_, rcpt, message), = inbox.messages
    assert rcpt == ["desk@example.org"]
    text = message.get_body(("plain",)).get_content()
    assert "Stations <script>x</script>" in text and "Both" in text and "Closure notice" not in text
    assert "&lt;script&gt;" in message.get_body(("html",)).get_content()
    assert "(China's overseas police service stations): 2 new" in message["Subject"]
    assert sorted(entry_ids(desk.atom)) == sorted([police, both])

    hook.failing = False
    second = subscriptions.deliver_subscriptions(db, [desk], cfg)
    assert [(r.statements, r.error) for r in second] == [(0, None), (0, None), (2, None)]
    assert len(inbox.messages) == 1  # the email was not sent again
    (_, notification), = hook.received
    assert "Stations &lt;script&gt;x&lt;/script&gt;" in notification["message"]  # Markdown-escaped
    assert "Both" in notification["message"] and "Closure notice" not in notification["message"]

    third = subscriptions.deliver_subscriptions(db, [desk], cfg)
    assert [r.delivery_id for r in third] == [None, None, None] and len(hook.received) == 1
    assert sorted(entry_ids(desk.atom)) == sorted([police, both])  # no entry twice


def test_a_statement_whose_text_changes_is_an_update_for_each_subscriber_once(db, tmp_path, inbox):
    cfg = config(tmp_path, inbox.port)
    desk, = load(tmp_path, "subscribers:\n  desk:\n    email: desk@example.org\n    empty: skip\n", cfg)
    subscriptions.register(db, [desk])
    save(db, statement("p", title="Stations", text="Old words about overseas police service stations.",
                       topics=tags(POLICE)))
    subscriptions.deliver_subscriptions(db, [desk], cfg)
    save(db, statement("p", title="Stations", text="New words about overseas police service stations.",
                       topics=tags(POLICE)))
    result, = subscriptions.deliver_subscriptions(db, [desk], cfg)
    assert result.delivery_id and result.statements == 0
    text = inbox.messages[-1][2].get_body(("plain",)).get_content()
    assert "Changed: Stations" in text and "Old words" in text and "1 update" in inbox.messages[-1][2]["Subject"]
    assert subscriptions.deliver_subscriptions(db, [desk], cfg)[0].delivery_id is None
    assert len(inbox.messages) == 2


def test_a_new_subscriber_starts_from_now_unless_it_asks_for_since(db, tmp_path, inbox):
    cfg = config(tmp_path, inbox.port)
    save(db, statement("old", title="Stored before", topics=tags(POLICE)))
    db.execute("UPDATE statements SET first_seen = '2026-10-15T00:00:00Z'")
    late, early = load(tmp_path, """
subscribers:
  late:
    email: late@example.org
    empty: skip
  early:
    email: early@example.org
    since: 2026-10-01
""", cfg)
    results = subscriptions.deliver_subscriptions(db, [late, early], cfg)
    assert [(r.subscriber, r.statements) for r in results] == [("late", 0), ("early", 1)]
    (_, rcpt, message), = inbox.messages
    assert rcpt == ["early@example.org"] and "Stored before" in message.get_body(("plain",)).get_content()


def test_the_cli_previews_a_subscribers_digest_and_delivers_every_subscription(db, db_path, tmp_path, monkeypatch,
                                                                                capsys):
    from stationwatch import cli

    save(db, statement("p", title="Police only", topics=tags(POLICE)),
         statement("c", title="Institutes only", topics=tags(CONFUCIUS)))
    path = tmp_path / "subs.yml"
    path.write_text("subscribers:\n  universities:\n    topics: confucius_institutes\n    atom: uni.atom\n"
                    "    since: 2020-01-01\n", encoding="utf-8")
    monkeypatch.setenv("STATIONWATCH_SUBSCRIPTIONS", str(path))
    monkeypatch.setenv("STATIONWATCH_DIGEST_DIR", str(tmp_path / "digests"))
    monkeypatch.chdir(tmp_path)

    assert cli.main(["digest", "--db", str(db_path), "--subscriber", "universities"]) == 0
    preview = capsys.readouterr().out
    assert preview.startswith("stationwatch ") and "(Confucius Institutes" in preview.splitlines()[0]
    assert "Institutes only" in preview and "Police only" not in preview
    assert cli.main(["digest", "--db", str(db_path), "--subscriber", "nobody"]) == 1
    assert "no subscriber 'nobody' (subscribers: universities)" in capsys.readouterr().err

    assert cli.main(["digest", "--db", str(db_path), "--deliver"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("digest 1 delivered (markdown, atom): 2 new")
    assert out[1] == "subscriber universities, atom: delivery 1, 1 statement"
    assert len(entry_ids(tmp_path / "digests" / "uni.atom")) == 1
    assert cli.main(["digest", "--db", str(db_path), "--deliver"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "subscriber universities, atom: nothing new, nothing sent"


def test_a_bad_subscriptions_file_stops_the_scheduler_before_any_crawl(tmp_path, monkeypatch, capsys):
    import scheduler

    path = tmp_path / "subs.yml"
    path.write_text("subscribers:\n  desk:\n    topics: [no_such_topic]\n    atom: a.atom\n", encoding="utf-8")
    monkeypatch.setenv("STATIONWATCH_SUBSCRIPTIONS", str(path))
    assert scheduler.main(["--once", "--db", str(tmp_path / "never.db"), "--spider", "govuk"]) == 2
    assert "not a watched topic: no_such_topic" in capsys.readouterr().err
    assert not (tmp_path / "never.db").exists()


def test_a_statement_no_longer_about_a_subscribers_topic_is_not_its_update(db, tmp_path, inbox):
    cfg = config(tmp_path, inbox.port)
    desk, = load(tmp_path, f"subscribers:\n  desk:\n    topics: [{POLICE}]\n    email: desk@example.org\n"
                           "    empty: skip\n", cfg)
    subscriptions.register(db, [desk])
    save(db, statement("b", title="Both", text="Stations and institutes, first words.", topics=tags(POLICE, CONFUCIUS),
                       topics_judged=TOPICS))
    assert subscriptions.deliver_subscriptions(db, [desk], cfg)[0].statements == 1
    save(db, statement("b", title="Both", text="Institutes only, corrected words.", topics=tags(CONFUCIUS),
                       topics_judged=TOPICS))
    assert json.loads(db.execute("SELECT topics FROM statements").fetchone()[0]) == [CONFUCIUS]
    assert subscriptions.deliver_subscriptions(db, [desk], cfg)[0].delivery_id is None
    assert len(inbox.messages) == 1
