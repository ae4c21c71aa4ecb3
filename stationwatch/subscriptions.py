"""Subscriptions: who receives which topics, and how (issue #15).

config/subscriptions.yml (or the file STATIONWATCH_SUBSCRIPTIONS names; the
repository ships config/subscriptions.example.yml, the real file is not
committed: it holds addresses and tokens)::

    subscribers:
      china-desk:
        topics: [overseas_police_stations, confucius_institutes]  # omitted or "all": every topic
        email: desk@example.org              # one address or a list
        atom: china-desk.atom                # a feed file, relative to the digest directory
        notify: ${CHINA_DESK_NTFY}           # apprise URLs (ntfy, Slack, Matrix, a webhook...)
        empty: skip                          # send (default: STATIONWATCH_DIGEST_EMPTY) or skip
        since: 2026-11-01                    # also what was stored since then (default: from now)

Each subscriber gets what is new for its topics exactly once on each of its
channels: a channel's record (db/subscriptions.py) is marked in one
transaction after its message went out, so a failed message marks nothing
and goes out whole next cycle, and one failed channel does not repeat the
others. ``$VAR`` and ``${VAR}`` in email and notify are read from the
environment, so a token need not be written in the file; notify URLs are
never logged (they hold tokens).

The single recipient of the STATIONWATCH_DIGEST_* variables is the default
subscription to every topic (stationwatch/delivery.py), delivered as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path

import yaml

from db import subscriptions as subscriptions_sql
from db import utcnow
from stationwatch import paths
from stationwatch.delivery import (DeliveryConfig, DeliveryError, email_message, send_email,
                                   write_atomically)
from stationwatch.digest import build_digest, render, render_topic_feed, subject_for, topic_titles

log = logging.getLogger("stationwatch.subscriptions")

DEFAULT_FILE = paths.PROJECT_ROOT / "config" / "subscriptions.yml"
KEYS = {"topics", "email", "atom", "notify", "empty", "since"}
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
FEED_ENTRIES = 50
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(frozen=True)
class Subscriber:
    name: str
    topics: tuple[str, ...]
    email: tuple[str, ...] = ()
    atom: Path | None = None
    notify: tuple[str, ...] = field(default=(), repr=False)  # apprise URLs hold tokens: never in a repr or a log
    send_empty: bool = True
    since: str | None = None  # first_seen cutoff asked for; None: from registration

    @property
    def channels(self) -> list[str]:
        """This subscriber's channels, each with its own record of what was sent."""
        return ((["email"] if self.email else []) + (["atom"] if self.atom else [])
                + [notify_channel(url) for url in self.notify])


def notify_channel(url: str) -> str:
    """A notify URL's channel name: its scheme and a hash of the URL, so the
    record survives reordering the list and never stores the token."""
    scheme = url.partition("://")[0].lower()
    return f"notify:{scheme}:{hashlib.sha256(url.encode()).hexdigest()[:12]}"


def subscriptions_file(environ=None) -> Path | None:
    """The subscriptions file in use: STATIONWATCH_SUBSCRIPTIONS (which must
    exist), else config/subscriptions.yml when there is one, else None."""
    env = os.environ if environ is None else environ
    named = env.get("STATIONWATCH_SUBSCRIPTIONS", "").strip()
    if named:
        path = Path(named)
        if not path.is_file():
            raise ValueError(f"STATIONWATCH_SUBSCRIPTIONS: no such file: {path}")
        return path
    return DEFAULT_FILE if DEFAULT_FILE.is_file() else None


def load_subscriptions(topic_names: list[str], config: DeliveryConfig, path: Path | None = None,
                       environ=None) -> list[Subscriber]:
    """The subscribers of ``path`` (default: subscriptions_file()), checked
    against the watched topics and the delivery configuration; a mistake is
    a ValueError naming the subscriber, raised before any crawl."""
    env = os.environ if environ is None else environ
    path = path if path is not None else subscriptions_file(env)
    if path is None:
        return []
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: cannot read the subscriptions: {error}") from None
    if not isinstance(data, dict) or set(data) - {"subscribers"}:
        raise ValueError(f"{path}: expected one key, 'subscribers:', a mapping of names to subscriptions")
    entries = data.get("subscribers") or {}
    if not isinstance(entries, dict):
        raise ValueError(f"{path}: 'subscribers:' must map each subscriber's name to its subscription")
    return [_subscriber(str(name), spec, topic_names, config, env, path) for name, spec in entries.items()]


def watched_subscribers(config: DeliveryConfig) -> list[Subscriber]:
    """The subscriptions file's subscribers, checked against the topics this
    process watches (the scheduler and the CLI ask the same way)."""
    from stationwatch.topic import load_topics

    return load_subscriptions(load_topics().names, config)


def _subscriber(name, spec, topic_names, config, env, path) -> Subscriber:
    where = f"{path}: subscriber {name!r}"
    if not NAME.match(name):
        raise ValueError(f"{where}: a name is lower-case letters, digits, '.', '_' or '-'")
    if not isinstance(spec, dict):
        raise ValueError(f"{where}: expected a mapping with some of {', '.join(sorted(KEYS))}")
    unknown = set(spec) - KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(KEYS))})")

    topics = spec.get("topics", "all")
    if topics == "all" or topics is None:
        topics = list(topic_names)
    topics = [topics] if isinstance(topics, str) else list(topics)
    missing = [t for t in topics if t not in topic_names]
    if missing:
        raise ValueError(f"{where}: not a watched topic: {', '.join(map(str, missing))}"
                         f" (watched: {', '.join(topic_names)})")

    email = tuple(address for _, address in getaddresses(
        [_expand(str(v), env, where, "email") for v in _as_list(spec.get("email"))]) if address)
    if email and not config.smtp:
        raise ValueError(f"{where}: has an email address but STATIONWATCH_SMTP_URL is not set")
    notify = tuple(_expand(str(v), env, where, "notify") for v in _as_list(spec.get("notify")))
    for number, url in enumerate(notify, 1):
        _check_notify_url(url, f"{where}: notify URL #{number}")
    atom = spec.get("atom")
    atom = (config.directory / str(atom)) if atom else None
    if not (email or notify or atom):
        raise ValueError(f"{where}: no channel (email, atom or notify)")

    empty = str(spec.get("empty", "send" if config.send_empty else "skip")).strip().lower()
    if empty not in ("send", "skip"):
        raise ValueError(f"{where}: empty must be 'send' or 'skip', not {empty!r}")
    since = spec.get("since")
    if since is not None:
        try:
            since = dt.date.fromisoformat(str(since)[:10]).isoformat()
        except ValueError:
            raise ValueError(f"{where}: since must be a date (YYYY-MM-DD), not {since!r}") from None
    return Subscriber(name, tuple(dict.fromkeys(topics)), email, atom, notify, empty == "send", since)


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _expand(value: str, env, where: str, key: str) -> str:
    def variable(match):
        name = match.group(1) or match.group(2)
        if name not in env:
            raise ValueError(f"{where}: {key} uses ${name}, which is not set")
        return env[name]

    return _VARIABLE.sub(variable, value).strip()


def _check_notify_url(url: str, where: str) -> None:
    import apprise

    if not apprise.Apprise().add(url):
        raise ValueError(f"{where} is not a URL apprise can notify (scheme {url.partition('://')[0]!r})")


# Delivery -------------------------------------------------------------------

@dataclass
class ChannelResult:
    subscriber: str
    channel: str
    delivery_id: int | None  # None: nothing sent (empty) or it failed
    statements: int = 0
    error: str | None = None


def register(db, subscribers: list[Subscriber]) -> None:
    """Record the subscribers not seen before: their news starts now. The
    scheduler calls this before it crawls, so a new subscriber gets what the
    same cycle finds."""
    subscriptions_sql.register(db, [s.name for s in subscribers])


def deliver_subscriptions(db, subscribers: list[Subscriber], config: DeliveryConfig,
                          run_ids: list[int] | None = None) -> list[ChannelResult]:
    """Every subscriber's new statements, on each of its channels. A channel
    that fails is logged and reported; the others go on."""
    register(db, subscribers)
    results = []
    for subscriber in subscribers:
        for channel in subscriber.channels:
            try:
                results.append(deliver_channel(db, subscriber, channel, config, run_ids))
            except (DeliveryError, OSError) as error:  # OSError: the feed file could not be written
                log.error("subscriber %s, %s: not delivered, nothing marked; retried next cycle: %s",
                          subscriber.name, _channel_label(channel), error)
                results.append(ChannelResult(subscriber.name, channel, None, error=str(error)))
    return results


def ledger(db, subscriber: Subscriber, channel: str):
    since = subscriber.since or subscriptions_sql.registered_at(db, subscriber.name)
    return subscriptions_sql.SubscriberLedger(db, subscriber.name, channel, list(subscriber.topics), since)


def deliver_channel(db, subscriber: Subscriber, channel: str, config: DeliveryConfig,
                    run_ids: list[int] | None = None) -> ChannelResult:
    """Build this subscriber's digest for one channel, send it, then mark it
    sent. Raises DeliveryError (nothing marked) when it could not be sent."""
    record = ledger(db, subscriber, channel)
    digest = build_digest(db, run_ids=run_ids, ledger=record, topics=list(subscriber.topics))
    has_news = bool(digest.statement_marks or digest.update_marks)
    delivery_id = None
    if channel == "atom":
        # A feed holds statements: an entry per statement sent, nothing for an empty cycle.
        if has_news:
            delivery_id = _record(record, digest, subject_for(digest), subscriber)
        write_subscriber_feed(record, subscriber)
    elif digest.is_empty and not subscriber.send_empty:
        log.info("subscriber %s, %s: nothing new, nothing sent (empty: skip)", subscriber.name, channel)
    else:
        rendered = render(digest)
        if channel == "email":
            send_email(email_message(rendered, config.sender, list(subscriber.email)), config.smtp)
        else:
            send_notification(_notify_url(subscriber, channel), rendered)
        delivery_id = _record(record, digest, rendered.subject, subscriber)
    if delivery_id:
        log.info("subscriber %s, %s: delivery %d, %d new, %d updates", subscriber.name,
                 _channel_label(channel), delivery_id, digest.new_count, len(digest.updates))
    return ChannelResult(subscriber.name, channel, delivery_id, len(digest.statement_marks))


def _record(record, digest, subject: str, subscriber: Subscriber) -> int:
    return record.record(created_at=digest.created_at, topics=list(subscriber.topics),
                         statements=digest.statement_marks, updates=digest.update_marks, subject=subject)


def _notify_url(subscriber: Subscriber, channel: str) -> str:
    return next(url for url in subscriber.notify if notify_channel(url) == channel)


def _channel_label(channel: str) -> str:
    """A channel as logged: a notify channel by scheme only (its URL holds a token)."""
    return channel.rsplit(":", 1)[0] if channel.startswith("notify:") else channel


def send_notification(url: str, rendered) -> None:
    """One notification through apprise: the subject as title, the Markdown
    digest as body (apprise converts it for services that take HTML or text).
    A refusal raises DeliveryError without the URL."""
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise DeliveryError(f"{url.partition('://')[0]}:// notification URL rejected by apprise")
    if not notifier.notify(title=rendered.subject, body=rendered.markdown,
                           body_format=apprise.NotifyFormat.MARKDOWN):
        raise DeliveryError(f"{url.partition('://')[0]}:// notification failed (apprise logs the service's answer)")


def write_subscriber_feed(record, subscriber: Subscriber) -> Path:
    """Rebuild the subscriber's Atom file from what was sent on its atom
    channel: each statement once, the latest delivered first."""
    entries = record.feed_entries(FEED_ENTRIES)
    updated = entries[0]["delivered_at"] if entries else utcnow()
    feed_id = f"tag:stationwatch,2022:subscriber/{subscriber.name}"
    titles = topic_titles()
    about = ", ".join(titles.get(name, name) for name in subscriber.topics)
    write_atomically(subscriber.atom, render_topic_feed(entries, updated, feed_id, f"{about} (for {subscriber.name})"))
    return subscriber.atom
