"""What every stationwatch spider shares: its start date, the statement
factory, its requirements, counters and topic.

Spiders parse; they never read or write the store. The date to ask from
comes in as ``-a since=`` (the crawl runner resolves it, and for a bare
``scrapy crawl`` the run recorder does, both with db.runs.resume_since).
"""

from __future__ import annotations

import datetime as dt
import json
import os

import scrapy

from core.health import Stat
from stationwatch.items import Statement
from stationwatch.topic import load_topics, parse_topic_since


class StationwatchSpider(scrapy.Spider):
    """Base class: subclasses set name, source_kind, country, body, language
    and default_since, and build their items with ``self.statement(...)``.

    ``self.since`` is the date to ask the source from: ``-a since=YYYY-MM-DD``
    (the crawl runner passes the last complete run's date minus an overlap;
    a bare ``scrapy crawl`` gets the same from the run recorder before the
    spider's start() runs), else ``default_since`` (the first run back-fills
    from the 2022 reports).
    """

    source_kind: str = ""
    country: str = ""
    body: str = ""  # the speaking body when a record does not name another
    language: str = "en"
    default_since = dt.date(2022, 9, 1)
    # Environment variables the spider cannot ask its source without, each
    # with how to get one: when one is missing the run is 'skipped' with that
    # reason and nothing is asked (no subclass checks it itself).
    requires_env: dict[str, str] = {}
    # A site known to be slow, rate-limited or bot-protected: one request at
    # a time, STATIONWATCH_SLOW_SITE_DELAY seconds apart (zero when replaying).
    slow_site = False

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if cls.slow_site:
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="spider")
            settings.set("DOWNLOAD_DELAY", settings.getfloat("STATIONWATCH_SLOW_SITE_DELAY"), priority="spider")

    def __init__(self, *args, since: str | None = None, topic_since: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # None: not given; the run recorder resolves it from the runs table.
        self.since_arg = dt.date.fromisoformat(since) if since else None
        self.since: dt.date = self.since_arg or self.default_since
        # Each topic's own window ("name:YYYY-MM-DD,..."; db.runs.topic_windows):
        # a topic added since the last run asks from its start date while the
        # others go on from their last run. self.since is the earliest of them.
        self.topic_since: dict[str, dt.date] = parse_topic_since(topic_since)
        if self.topic_since:
            self.since = min([*self.topic_since.values(), *([self.since_arg] if self.since_arg else [])])

    def since_for_topic(self, name: str) -> dt.date:
        """The date to ask the source from for topic ``name``'s terms."""
        return self.topic_since.get(name, self.since)

    def since_for_term(self, term: str, language: str) -> dt.date:
        """The date to ask the source from for a search term: the earliest
        window of the topics that search for it (a term two topics share is
        asked once, from the earlier date)."""
        topics = self.topic.topics_searching(language, term)
        return min((self.since_for_topic(name) for name in topics), default=self.since)

    def search_groups(self, language: str) -> list[tuple[dt.date, list[str]]]:
        """The topics' search terms in ``language``, each once, grouped by
        the date they are asked from (earliest first): a source whose search
        takes OR asks one query per group, not one per term."""
        groups: dict[dt.date, list[str]] = {}
        for term in self.topic.search_terms_for(language):
            groups.setdefault(self.since_for_term(term, language), []).append(term)
        return sorted(groups.items())

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        missing = spider.missing_requirements()
        if missing:
            # An instance attribute wins over the subclass's start(): the
            # requirement is checked here once, for every spider.
            spider.start = spider._start_skipped
        return spider

    def missing_requirements(self) -> list[str]:
        return [name for name in self.requires_env if not os.environ.get(name)]

    async def _start_skipped(self):
        self.skip("; ".join(f"set {name} to {self.requires_env[name]}" for name in self.missing_requirements()))
        return
        yield  # an async generator that yields nothing

    def statement(self, *, kind: str, url: str, title: str, published, text: str, record_id: str,
                  **fields) -> Statement:
        """A candidate from this spider, with the source's defaults filled in
        (source, source_kind, country, body, language) and counted as a
        parsed record (relevant or not). Any field may be given to override
        a default; Statement checks the vocabularies."""
        values = {"source": self.name, "source_kind": self.source_kind, "country": self.country,
                  "body": self.body, "language": self.language}
        values.update(fields)
        item = Statement(kind=kind, url=url, title=title, published=published, text=text, record_id=record_id,
                         **values)
        self.crawler.stats.inc_value(Stat.RECORDS)
        return item

    def reached_since(self, published) -> bool:
        """True when a listing has reached records older than ``self.since``
        (the last successful run, minus the overlap): stop paging there.

        ``published`` is a date, a datetime or an ISO string (YYYY-MM-DD...);
        an unknown date (None, unreadable) never stops the walk.
        """
        if isinstance(published, dt.datetime):
            published = published.date()
        elif isinstance(published, str):
            try:
                published = dt.date.fromisoformat(published.strip()[:10])
            except ValueError:
                return False
        if not isinstance(published, dt.date):
            return False
        return published < self.since

    @property
    def topic(self):
        """The topics watched (stationwatch.topic.TopicSet): every topic
        file, or STATIONWATCH_TOPICS' choice, or STATIONWATCH_TOPIC's one
        file. ``search_terms_for(lang)`` is their search terms' union, each
        term once; ``judge(text)`` is relevant to any of them."""
        return load_topics(self.settings.get("STATIONWATCH_TOPIC"), self.settings.get("STATIONWATCH_TOPICS"),
                           self.settings.get("STATIONWATCH_TOPICS_DIR"))

    def count_passed_over(self, n: int = 1) -> None:
        """Records read but left before a statement was made (a listing entry
        judged off-topic from its title): they count as parsed records, as
        every ``statement()`` does. Zero records where a source usually has
        some is how a silent site redesign shows up."""
        self.crawler.stats.inc_value(Stat.RECORDS, n)

    def lost_record(self, response_or_url, why: str) -> None:
        """A record known to exist whose text could not be fetched (an answer
        page that 404s or times out): the run is an error and its date does
        not move the next run's window past it, so it is asked again."""
        url = getattr(response_or_url, "url", response_or_url)
        self.crawler.stats.inc_value(Stat.LOST_RECORDS)
        self.logger.error("record lost: %s (%s)", why, url)

    def skip(self, reason: str) -> None:
        """This run cannot ask the source (no API key set): say why once and
        ask nothing. The run is recorded as 'skipped' with the reason: shown
        in the summary and the digest, neither a success nor a failure."""
        self.crawler.stats.set_value(Stat.SKIPPED, reason)
        self.logger.warning("%s skipped: %s", self.name, reason)

    def layout_changed(self, response, what: str) -> None:
        """The page or API no longer has the shape this spider reads."""
        self.crawler.stats.inc_value(Stat.LAYOUT_ERRORS)
        self.logger.error("layout changed? %s at %s", what, response.url)

    def json_or_layout_error(self, response, required_key: str):
        """Parse a JSON body holding ``required_key``, or report a layout change."""
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError):
            self.layout_changed(response, "not JSON")
            return None
        if not isinstance(data, dict) or required_key not in data:
            self.layout_changed(response, f"no {required_key!r} in the JSON")
            return None
        return data

