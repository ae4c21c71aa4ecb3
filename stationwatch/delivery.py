"""Delivering a digest exactly once: email, Markdown file, Atom feed.

Configuration comes from the environment only, so that no address or
password is ever in the repository:

  STATIONWATCH_DIGEST_TO     comma-separated addresses; unset: no email
  STATIONWATCH_SMTP_URL      smtp://user:password@host:port (plain, port 25),
                             smtp+starttls://... (port 587), smtps://... (port 465);
                             also the relay of subscribers' email (subscriptions.py)
  STATIONWATCH_DIGEST_FROM   the From address (default stationwatch@<host name>)
  STATIONWATCH_DIGEST_EMPTY  "send" (default): an empty digest is one line
                             "nothing new"; "skip": send nothing at all
  STATIONWATCH_DIGEST_DIR    where Markdown digests and feed.atom go
                             (default: digests/ beside the database file)
  STATIONWATCH_FEED_URL      the feed's public URL, for its rel="self" link

The order makes exactly-once hold: render everything, send the email (the
step that fails for reasons outside our control), write the Markdown file,
then mark the statements delivered in the same transaction that records the
digest. A failure before the mark raises and marks nothing, so the next
cycle delivers it all. The Atom feed is rebuilt from the delivered digests
in the database afterwards, so a feed write that fails loses nothing; so is
each topic's feed (feeds/<topic>.atom) from the delivered statements about it.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from db import digest as digest_sql
from db import utcnow
from stationwatch.digest import Digest, build_digest, render, render_feed, render_topic_feed

log = logging.getLogger("stationwatch.delivery")

SMTP_TIMEOUT = 60  # seconds; a relay that hangs must not hold the nightly cycle
FEED_ID = "tag:stationwatch,2022:digests"
FEED_ENTRIES = 30
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class DeliveryError(Exception):
    """The digest could not be delivered; nothing was marked."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str  # smtp, smtp+starttls, smtps
    host: str
    port: int
    username: str | None = field(default=None)
    password: str | None = field(default=None, repr=False)  # never in a repr, a log or an error

    @classmethod
    def from_url(cls, url: str) -> "SmtpServer":
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError(f"STATIONWATCH_SMTP_URL: scheme must be one of {', '.join(DEFAULT_PORTS)}, not {scheme!r}")
        if not parts.hostname:
            raise ValueError("STATIONWATCH_SMTP_URL has no host")
        return cls(
            scheme=scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    @property
    def safe_url(self) -> str:
        """The URL with the password left out: the only form that is logged."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


@dataclass
class DeliveryConfig:
    to: list[str]
    sender: str
    smtp: SmtpServer | None
    send_empty: bool
    directory: Path
    feed_url: str | None = None

    @classmethod
    def from_env(cls, db_path: str, environ=None) -> "DeliveryConfig":
        env = os.environ if environ is None else environ
        to = [address for _, address in getaddresses([env.get("STATIONWATCH_DIGEST_TO", "")]) if address]
        smtp_url = env.get("STATIONWATCH_SMTP_URL", "").strip()
        empty = env.get("STATIONWATCH_DIGEST_EMPTY", "send").strip().lower()
        if empty not in ("send", "skip"):
            raise ValueError(f"STATIONWATCH_DIGEST_EMPTY must be 'send' or 'skip', not {empty!r}")
        if to and not smtp_url:
            raise ValueError("STATIONWATCH_DIGEST_TO is set but STATIONWATCH_SMTP_URL is not")
        return cls(
            to=to,
            sender=env.get("STATIONWATCH_DIGEST_FROM") or f"stationwatch@{socket.getfqdn()}",
            smtp=SmtpServer.from_url(smtp_url) if smtp_url else None,  # subscribers' email uses it too
            send_empty=empty == "send",
            directory=Path(env.get("STATIONWATCH_DIGEST_DIR") or Path(db_path).resolve().parent / "digests"),
            feed_url=env.get("STATIONWATCH_FEED_URL") or None,
        )

    @property
    def channels(self) -> list[str]:
        return ["markdown", "atom"] + (["email"] if self.emails else [])

    @property
    def emails(self) -> bool:
        """The default subscription is emailed (STATIONWATCH_DIGEST_TO and the relay)."""
        return bool(self.to and self.smtp)


@dataclass
class DeliveryResult:
    digest: Digest
    digest_id: int | None  # None: nothing sent (an empty digest configured to be skipped)
    channels: list[str]
    markdown_path: Path | None = None
    feed_path: Path | None = None


def email_message(rendered, sender: str, to: list[str]) -> EmailMessage:
    """multipart/alternative: plain text first, HTML preferred by mail readers."""
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a digest
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def send_email(message: EmailMessage, server: SmtpServer) -> None:
    """Hand the message to the relay; any refusal raises DeliveryError."""
    context = ssl.create_default_context()
    try:
        if server.scheme == "smtps":
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)
        with client:
            if server.scheme == "smtp+starttls":
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password or "")
            refused = client.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP delivery through {server.safe_url} failed: {_redact(error, server)}") from None
    if refused:
        raise DeliveryError(f"SMTP relay {server.safe_url} refused recipients: {', '.join(sorted(refused))}")
    log.info("digest emailed through %s to %d recipient(s)", server.safe_url, len(message["To"].split(",")))


def _redact(error: Exception, server: SmtpServer) -> str:
    text = f"{type(error).__name__}: {error}"
    return text.replace(server.password, "***") if server.password else text


def write_atomically(path: Path, content: str) -> None:
    """Readers (a feed reader polling the file) never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False) as tmp:
        tmp.write(content)
    os.replace(tmp.name, path)


def markdown_path(directory: Path, created_at: str) -> Path:
    """data/digests/digest-2026-11-26T0530Z.md; a second digest in the same
    minute gets a suffix rather than overwriting the first."""
    stem = f"digest-{created_at[:16].replace(':', '')}Z"
    path = directory / f"{stem}.md"
    number = 2
    while path.exists():
        path = directory / f"{stem}-{number}.md"
        number += 1
    return path


def write_feed(db, config: DeliveryConfig) -> Path:
    """Rebuild feed.atom from the last delivered digests in the database."""
    digests = digest_sql.recent_digests(db, FEED_ENTRIES)
    updated = digests[0]["delivered_at"] if digests else utcnow()
    path = config.directory / "feed.atom"
    write_atomically(path, render_feed(digests, updated, FEED_ID, config.feed_url))
    return path


def write_topic_feeds(db, config: DeliveryConfig, topics=None) -> list[Path]:
    """Rebuild feeds/<topic>.atom for every watched topic from the delivered
    statements about it (db.digest.delivered_statements_for_topic): a
    reader who follows one topic gets each of its statements once."""
    from stationwatch.topic import load_topics

    paths = []
    for topic in topics if topics is not None else load_topics():
        statements = digest_sql.delivered_statements_for_topic(db, topic.name, FEED_ENTRIES)
        updated = statements[0]["delivered_at"] if statements else utcnow()
        path = config.directory / "feeds" / f"{topic.name}.atom"
        write_atomically(path, render_topic_feed(statements, updated, f"{FEED_ID}/topic/{topic.name}", topic.title))
        paths.append(path)
    return paths


def deliver(db, config: DeliveryConfig, run_ids: list[int] | None = None) -> DeliveryResult:
    """Build, send and record one digest. Raises DeliveryError (nothing marked)
    when the email could not be sent."""
    digest = build_digest(db, run_ids=run_ids)
    if digest.is_empty and not config.send_empty:
        log.info("nothing new: no digest sent (STATIONWATCH_DIGEST_EMPTY=skip)")
        return DeliveryResult(digest, None, [])
    rendered = render(digest)
    if config.emails:
        send_email(email_message(rendered, config.sender, config.to), config.smtp)
    path = markdown_path(config.directory, digest.created_at)
    write_atomically(path, rendered.markdown)
    digest_id = digest_sql.record_delivery(
        db,
        created_at=digest.created_at,
        channels=config.channels,
        statements=digest.statement_marks,
        updates=digest.update_marks,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html_fragment,
        path=str(path),
        failed_sources=digest.failed_sources,
    )
    log.info("digest %d delivered (%s): %d new, %d updates, %d failed sources; %s",
             digest_id, ", ".join(config.channels), digest.new_count, len(digest.updates),
             len(digest.failed_sources), path)
    feed_path = None
    try:
        feed_path = write_feed(db, config)
        write_topic_feeds(db, config)
    except OSError as error:  # rebuilt in full next time; the digest itself is delivered
        log.error("could not write the Atom feed: %s", error)
    return DeliveryResult(digest, digest_id, config.channels, path, feed_path)
