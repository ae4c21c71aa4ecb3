"""The digest: what governments said since the last delivered digest.

``build_digest`` reads what is pending (db/digest.py owns the SQL) and shapes
it: new statements grouped by country, official sources before press, one
entry per cluster with "also reported by N sources"; updates (a delivered
question that got its answer, a release whose text changed) listed apart;
and the health of each source in the cycle, where a failed source is named,
never hidden. ``render`` turns it into Markdown, plain text and HTML (Jinja2,
autoescaped: scraped text is untrusted) and ``render_feed`` into Atom.
Sending and marking delivered is stationwatch/delivery.py.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from db import digest as digest_sql
from db import runs as runs_table
from db import utcnow
from core.vocab import is_official

log = logging.getLogger("stationwatch.digest")

TEMPLATES = Path(__file__).resolve().parent / "templates"
EXCERPT_FALLBACK_CHARS = 600  # a statement without an excerpt shows the start of its text
PREVIOUS_TEXT_CHARS = 400  # how much of a changed statement's old text an update shows


@dataclass
class Entry:
    """One response in the digest: a statement (the cluster's representative)."""

    statement: dict
    also_reported_by: list[str] = field(default_factory=list)  # other outlets/sources, by name
    question: dict | None = None  # the question an answer answers, when known
    previous_text: str | None = None  # updates: the text before the change
    update_kind: str | None = None  # updates: "answered" or "changed"

    @property
    def topic_names(self) -> list[str]:
        try:
            return json.loads(self.statement.get("topics") or "[]")
        except ValueError:
            return []

    @property
    def official(self) -> bool:
        return is_official(self.statement.get("source_kind"))

    @property
    def excerpt(self) -> str:
        text = self.statement.get("excerpt") or self.statement.get("text") or ""
        if not self.statement.get("excerpt") and len(text) > EXCERPT_FALLBACK_CHARS:
            text = text[:EXCERPT_FALLBACK_CHARS].rsplit(" ", 1)[0] + " …"
        return text


@dataclass
class SourceHealth:
    spider: str
    status: str
    label: str  # what a reader needs: "ok, 3 new", "FAILED: connection refused", ...
    problem: bool
    new: int = 0
    updated: int = 0
    pages: int = 0


@dataclass
class Digest:
    created_at: str
    since: str | None  # when the previous digest was delivered
    countries: list[tuple[str, list[Entry]]]
    updates: list[Entry]
    health: list[SourceHealth]
    statement_marks: list[tuple[int, str]]  # (id, text_hash seen) of every statement it delivers, cluster members included
    update_marks: list[tuple[int, str]]  # (statement id, text_hash seen): cleared only if unchanged since
    topics: list[str] = field(default_factory=list)  # a subscriber's topics (titles); empty: every topic
    topic_titles: dict[str, str] = field(default_factory=dict)  # watched topics, name -> title

    def topics_of(self, entry: "Entry") -> list[str]:
        """The titles of the topics an entry is about, shown when more than
        one topic is watched (with one, every entry is about it)."""
        if len(self.topic_titles) < 2:
            return []
        return [self.topic_titles.get(name, name) for name in entry.topic_names]

    @property
    def statement_ids(self) -> list[int]:
        return [statement_id for statement_id, _ in self.statement_marks]

    @property
    def new_count(self) -> int:
        return sum(len(entries) for _, entries in self.countries)

    @property
    def failed_sources(self) -> list[str]:
        return [h.spider for h in self.health if h.problem]

    @property
    def is_empty(self) -> bool:
        """Nothing to tell: no statement, no update, no source in trouble."""
        return not self.statement_ids and not self.updates and not self.failed_sources


def build_digest(db, run_ids: list[int] | None = None, now: str | None = None, ledger=None,
                 topics: list[str] | None = None) -> Digest:
    """Everything pending, shaped for reading. ``run_ids``: the runs of the
    cycle (the scheduler's); without them, each source's latest run since the
    previous digest. ``ledger``: whose record of what was sent (default: the
    default subscription's, db.digest.DefaultLedger; a subscriber's on one
    channel, db.subscriptions.SubscriberLedger); ``topics``: the names of the
    subscriber's topics, shown in the title."""
    ledger = ledger or digest_sql.DefaultLedger(db)
    since = ledger.last_delivered_at()
    pending = ledger.pending()

    questions = digest_sql.statements_by_id(db, [s["question_id"] for s in pending if s["question_id"]])
    questions_sent = ledger.delivered(questions)
    answered_earlier = [s for s in pending if s["question_id"] in questions_sent]
    answered_ids = {s["id"] for s in answered_earlier}
    new = [s for s in pending if s["id"] not in answered_ids]

    reports = _reports_by_cluster(digest_sql.reports_in_clusters(
        db, [s["cluster_id"] or s["id"] for s in pending]))
    entries = [
        Entry(rep, also_reported_by=_other_reporters(rep, reports.get(rep["cluster_id"] or rep["id"], [])),
              question=questions.get(rep["question_id"]))
        for rep in _one_per_cluster(new)
    ]
    updates = [
        Entry(s, question=questions[s["question_id"]], update_kind="answered",
              also_reported_by=_other_reporters(s, reports.get(s["cluster_id"] or s["id"], [])))
        for s in answered_earlier
    ]
    changed = ledger.changed()
    updates += [Entry(s, previous_text=_shorten(s.get("previous_text"), PREVIOUS_TEXT_CHARS),
                      update_kind="changed") for s in changed]

    runs = digest_sql.runs_by_id(db, run_ids) if run_ids is not None else digest_sql.latest_runs_since(db, since)
    titles = topic_titles()
    return Digest(
        created_at=now or utcnow(),
        since=since,
        countries=_group_by_country(entries),
        updates=updates,
        health=sorted((source_health(run) for run in runs), key=lambda h: (not h.problem, h.spider)),
        statement_marks=[(s["id"], s["text_hash"]) for s in pending],
        update_marks=[(s["id"], s["text_hash"]) for s in changed],
        topics=[titles.get(name, name) for name in topics] if topics else [],
        topic_titles=titles,
    )


def topic_titles() -> dict[str, str]:
    """Each watched topic's title by name; empty when the topic files cannot
    be read (a digest is still built, its tags shown by name)."""
    from stationwatch.topic import load_topics

    try:
        return {topic.name: topic.title for topic in load_topics()}
    except (OSError, ValueError) as error:
        log.warning("topic titles not shown: %s", error)
        return {}


def _one_per_cluster(statements: list[dict]) -> list[dict]:
    """The digest shows a cluster once: its earliest official statement
    (official before press, then earliest date), the others count as reports."""
    clusters: dict[int, list[dict]] = {}
    for s in statements:
        clusters.setdefault(s["cluster_id"] or s["id"], []).append(s)
    return [min(members, key=_canonical_order) for members in clusters.values()]


def _canonical_order(s: dict):
    return (not is_official(s.get("source_kind")), s.get("published") or "9999", s["id"])


def _reports_by_cluster(rows: list[dict]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["cluster_id"], []).append(row)
    return grouped


def _reporter(row: dict) -> str:
    """Who reported it, as a reader names it: the outlet, else the web site."""
    if row.get("outlet"):
        return row["outlet"]
    host = urlsplit(row.get("url") or "").hostname or row.get("source") or "?"
    return host.removeprefix("www.")


def _other_reporters(statement: dict, rows: list[dict]) -> list[str]:
    """Distinct reporters of the statement's cluster other than the
    statement's own publisher (mentions of the same text and near-duplicates).

    A mention row has no outlet; when its URL is a statement's own page, it
    is named as that statement is (the outlet, not the web site's host)."""
    by_url = {row["url"]: _reporter(row) for row in rows if row.get("outlet")}
    names = {by_url.get(row["url"]) or _reporter(row) for row in rows if row["url"] != statement.get("url")}
    return sorted(names - {_reporter(statement)}, key=str.casefold)


def _group_by_country(entries: list[Entry]) -> list[tuple[str, list[Entry]]]:
    countries: dict[str, list[Entry]] = {}
    for entry in entries:
        countries.setdefault(entry.statement.get("country") or "??", []).append(entry)
    for items in countries.values():
        # Official before press; within each, newest first; on the same day in
        # storage order (a question before its answer). Python's sort is stable.
        items.sort(key=lambda e: e.statement["id"])
        items.sort(key=lambda e: e.statement.get("published") or "", reverse=True)
        items.sort(key=lambda e: not e.official)
    return sorted(countries.items())


def _shorten(text: str | None, limit: int) -> str | None:
    if not text or len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def source_health(run: dict) -> SourceHealth:
    """A run as the reader sees it; failures carry their first reason."""
    status = run.get("status") or "running"
    new, updated = run.get("new") or 0, run.get("updated") or 0
    reason = _first_message(run)
    labels = {
        "ok": f"ok: {new} new, {updated} updated",
        "no_new": "ok, no new items",
        "errors": f"finished with {run.get('errors') or 0} errors, some pages lost"
                  + (f" ({reason})" if reason else "") + f"; {new} new, {updated} updated",
        "failed": "FAILED: " + (reason or _silent_failure(run)),
        "layout_changed": "layout changed? the pages no longer have the shape the spider reads"
                          + (f" ({reason})" if reason else ""),
        "empty_unusual": "returned zero records where it usually returns some",
        "running": "did not finish (still running, or killed)",
    }
    problem = status in runs_table.FAILURE_STATUSES or status == "running"
    # A status this module does not know yet (e.g. "skipped") is shown as it is, with its reason.
    label = labels.get(status) or (reason if reason and reason.startswith(status) else
                                   f"{status}: {reason}" if reason else status)
    return SourceHealth(run["spider"], status, label, problem,
                        new=new, updated=updated, pages=run.get("pages") or 0)


def _silent_failure(run: dict) -> str:
    """A failed run that logged no error: say what the counts show."""
    if not run.get("pages"):
        return f"no page was fetched (finish reason: {run.get('finish_reason') or 'none recorded'})"
    return f"no page answered successfully out of {run['pages']} (finish reason: {run.get('finish_reason')})"


def _first_message(run: dict) -> str | None:
    try:
        messages = json.loads(run.get("error_messages") or "[]")
    except ValueError:
        return None
    return messages[0][:300] if messages else None


# Rendering ----------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|])")


def markdown_escape(value) -> str:
    """Scraped text inside Markdown: no HTML a renderer would run, no markup
    a renderer would apply (a `*` or `[` in a quote stays a character)."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def quote_lines(value: str, prefix: str = "> ") -> str:
    return "\n".join(prefix + line if line.strip() else prefix.rstrip() for line in (value or "").splitlines())


def safe_url(value) -> str:
    """Only http(s) links from scraped data reach an href (no javascript:)."""
    url = "" if value is None else str(value).strip()
    return url if urlsplit(url).scheme in ("http", "https") else ""


def readable_time(value: str | None) -> str:
    """'2026-11-26T05:30:00Z' as '2026-11-26 05:30 UTC'."""
    if not value:
        return ""
    return value.replace("T", " ")[:16] + " UTC" if "T" in value else value


def environment() -> jinja2.Environment:
    """Autoescape for HTML and Atom; Markdown and text escape explicitly."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "atom"), default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(md=markdown_escape, quote=quote_lines, safe_url=safe_url, when=readable_time)
    return env


@dataclass
class Rendered:
    subject: str
    text: str
    markdown: str
    html: str  # a whole document: the email's HTML part
    html_fragment: str  # the same without <html>/<head>: stored, and the Atom entry's content


def subject_for(digest: Digest) -> str:
    day = digest.created_at[:10]
    if digest.topics:
        day += f" ({', '.join(digest.topics)})"
    if digest.is_empty:
        return f"stationwatch {day}: nothing new"
    parts = [f"{digest.new_count} new", _plural(len(digest.updates), "update")]
    if digest.failed_sources:
        parts.append(_plural(len(digest.failed_sources), "source") + " failed")
    return f"stationwatch {day}: " + ", ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def nothing_new_line(digest: Digest) -> str:
    """The one-line empty digest."""
    since = f" since {readable_time(digest.since)}" if digest.since else ""
    checked = f" ({len(digest.health)} sources checked, all ok)" if digest.health else ""
    about = f" about {', '.join(digest.topics)}" if digest.topics else ""
    return f"stationwatch: nothing new{about}{since}{checked}."


def render(digest: Digest) -> Rendered:
    env = environment()
    context = {"digest": digest, "subject": subject_for(digest), "nothing_new": nothing_new_line(digest)}
    return Rendered(
        subject=context["subject"],
        text=env.get_template("digest.txt").render(context),
        markdown=env.get_template("digest.md").render(context),
        html=env.get_template("digest.html").render(context),
        html_fragment=env.get_template("digest_body.html").render(context),
    )


def render_feed(digests: list[dict], updated: str, feed_id: str, self_url: str | None = None) -> str:
    """Atom: one entry per delivered digest, newest first, its HTML as content."""
    entries = [dict(d, failed=json.loads(d.get("failed_sources") or "[]")) for d in digests]
    return environment().get_template("feed.atom").render(
        entries=entries, updated=updated, feed_id=feed_id, self_url=self_url)


def render_topic_feed(statements: list[dict], updated: str, feed_id: str, title: str) -> str:
    """Atom for one topic: one entry per delivered statement about it."""
    return environment().get_template("topic_feed.atom").render(
        entries=statements, updated=updated, feed_id=feed_id, title=title)
