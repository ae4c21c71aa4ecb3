"""What every stationwatch spider shares: its start date, counters, topic."""

from __future__ import annotations

import datetime as dt
import json

import scrapy

import db as database
from db import runs as runs_table
from stationwatch.runs import STAT_LAYOUT_ERRORS, STAT_RECORDS, STAT_SKIPPED
from stationwatch.topic import load_topic


class StationwatchSpider(scrapy.Spider):
    """Base class: subclasses set name, source_kind, country and default_since.

    ``self.since`` is the date to ask the source from: ``-a since=YYYY-MM-DD``,
    else the last successful run's date minus a small overlap, else
    ``default_since`` (the first run back-fills from the 2022 reports).
    """

    source_kind: str = ""
    country: str = ""
    default_since = dt.date(2022, 9, 1)
    # A site known to be slow, rate-limited or bot-protected: one request at
    # a time, STATIONWATCH_SLOW_SITE_DELAY seconds apart (zero when replaying).
    slow_site = False

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        if cls.slow_site:
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="spider")
            settings.set("DOWNLOAD_DELAY", settings.getfloat("STATIONWATCH_SLOW_SITE_DELAY"), priority="spider")

    def __init__(self, *args, since: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.since_arg = dt.date.fromisoformat(since) if since else None
        self.since: dt.date = self.since_arg or self.default_since

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.since_arg is None:
            spider.since = spider.resume_date(crawler.settings)
        return spider

    def resume_date(self, settings) -> dt.date:
        db = database.connect(settings.get("STATIONWATCH_DB"))
        try:
            last = runs_table.last_success_date(db, self.name)
        finally:
            db.close()
        if last is None:
            return self.default_since
        overlap = dt.timedelta(days=settings.getint("STATIONWATCH_SINCE_OVERLAP_DAYS", 2))
        return max(self.default_since, last - overlap)

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
        return load_topic(self.settings.get("STATIONWATCH_TOPIC"))

    def count_record(self, n: int = 1) -> None:
        """A record parsed, relevant or not: zero of them is how a silent
        site redesign shows up."""
        self.crawler.stats.inc_value(STAT_RECORDS, n)

    def skip(self, reason: str) -> None:
        """This run cannot ask the source (no API key set): say why once and
        ask nothing. The run is recorded as 'skipped' with the reason: shown
        in the summary and the digest, neither a success nor a failure."""
        self.crawler.stats.set_value(STAT_SKIPPED, reason)
        self.logger.warning("%s skipped: %s", self.name, reason)

    def layout_changed(self, response, what: str) -> None:
        """The page or API no longer has the shape this spider reads."""
        self.crawler.stats.inc_value(STAT_LAYOUT_ERRORS)
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
