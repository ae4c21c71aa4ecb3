"""Statements from an article: one per official quote or reported action.

Shared by the press spiders (press_feeds, guardian). The country and body
are the speaker's, never the outlet's; the outlet goes in ``outlet``. Quotes
by non-state speakers and unattributed ones are only counted (stats
``stationwatch/press/...``), so a user can see how much was left out.
"""

from __future__ import annotations

import hashlib
import logging

from core.health import press_stat
from stationwatch.items import Statement, UnattributedQuote
from stationwatch.press.extract import Article
from stationwatch.press.quotes import QuoteReader


_log = logging.getLogger(__name__)


def _short_hash(value: str) -> str:
    return hashlib.sha1(" ".join(value.split()).casefold().encode("utf-8")).hexdigest()[:12]


def article_items(article: Article, **kwargs):
    """What a press spider yields for one article: its statements
    (``article_statements``), then an ``UnattributedQuote`` for each quote of
    an on-topic article nobody could be named for (stored for review)."""
    unattributed: list[dict] = []
    yield from article_statements(article, unattributed=unattributed, **kwargs)
    for quote in unattributed:
        yield UnattributedQuote(**quote)


def article_statements(article: Article, *, source: str, outlet: str, url: str, raw: str, topic=None,
                       fallback_date: str | None = None, fallback_language: str | None = None,
                       stats=None, reader: QuoteReader | None = None, outlet_country: str | None = None,
                       logger=None, unattributed: list | None = None) -> list[Statement]:
    """Statement candidates for every official quote and reported action.

    ``record_id`` is "<article>:q:<quote>" (or ":a:" for actions), hashes of
    the article URL and the quote's words: the same quote in the same article
    is the same record on every run. ``context`` carries the headline, the
    paragraph and, when the article is about the topic, the passage that
    says so: a Home Office line rarely repeats the words "police station",
    its article does. ``raw`` is the same page for every item of one article,
    so the article is one document with one version.
    """
    reader = reader or QuoteReader()
    language = article.language or fallback_language or "en"
    found = reader.read(article.paragraphs, language, article.title, outlet_country=outlet_country)
    if found.skipped:  # a language without rules: nothing is guessed
        if stats is not None:
            stats.inc_value(press_stat("articles_skipped_language"))
        (logger or _log).info("article skipped, %s: %s", found.skipped, url)
        return []
    if stats is not None:
        stats.inc_value(press_stat("articles"))
        for status in ("official", "unofficial", "unattributed"):
            count = len(found.of(status))
            if count:
                stats.inc_value(press_stat(f"{status}_quotes"), count)
        actions = len(found.of("official", "reported_action"))
        if actions:
            stats.inc_value(press_stat("reported_actions"), actions)
    article_passage, on_topic = "", True
    if topic is not None:
        judgement = topic.judge(article.title + "\n\n" + article.text)
        on_topic = judgement.relevant
        article_passage = judgement.excerpt or "" if judgement.relevant else ""
    if unattributed is not None and on_topic:
        # For review (db.store.save_unattributed, table unattributed_quotes): never
        # statements; only from articles about a watched topic, or the table is noise.
        unattributed += [
            {"source": source, "outlet": outlet, "url": url, "title": article.title,
             "published": article.published or fallback_date, "language": language, "text": q.text,
             "paragraph": q.paragraph}
            for q in found.of("unattributed")
        ]
    article_key = _short_hash(url)
    items = []
    for found_item in found.official:
        marker = "q" if found_item.kind == "quoted_statement" else "a"
        context = "\n\n".join(p for p in (article.title, found_item.paragraph, article_passage) if p)
        items.append(Statement(
            source=source,
            source_kind="press",
            country=found_item.country,
            body=found_item.body,
            kind=found_item.kind,
            url=url,
            title=article.title,
            published=article.published or fallback_date,
            language=language,
            text=found_item.text,
            record_id=f"{article_key}:{marker}:{_short_hash(found_item.text)}",
            speaker=found_item.speaker,
            speaker_role=found_item.role,
            outlet=outlet,
            context=context,
            raw=raw,
            raw_type="html",
        ))
    return items
