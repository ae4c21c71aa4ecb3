"""RunRecorder: a Scrapy extension that writes one `runs` row per crawl.

It opens the row when the spider opens (so a killed crawl leaves a visible
'running' row that the next run marks as interrupted), keeps the first
error messages, and at close judges the run from Scrapy's stats.
"""

from __future__ import annotations

import logging

from scrapy import signals

import db as database
from db import runs as runs_table

STAT_RUN_ID = "stationwatch/run_id"
STAT_RECORDS = "stationwatch/records"  # records parsed by the spider, relevant or not
STAT_LAYOUT_ERRORS = "stationwatch/layout_errors"  # field checks failed: markup changed?
STAT_SKIPPED = "stationwatch/skipped"  # why the spider asked nothing (no API key)


class _ErrorCollector(logging.Handler):
    """Keeps the text of ERROR log records: the run's "failed with reason"."""

    def __init__(self, limit: int = 20):
        super().__init__(level=logging.ERROR)
        self.limit = limit
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.messages) < self.limit:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string must not break the crawl
                message = str(record.msg)
            self.messages.append(message.splitlines()[0][:500] if message else record.levelname)


def judge(stats: dict, finish_reason: str, usually_yields: bool) -> dict:
    """Summarise a crawl's stats and decide its status.

    skipped         the spider could not ask the source (no API key) and said why
    failed          did not finish, or no page answered at all
    layout_changed  the spider saw pages but its field checks failed
    empty_unusual   pages answered but no records where the source usually has some
    errors          finished with some errors (some pages lost)
    no_new          fine, nothing new
    ok              fine, something new or updated
    """
    get = lambda key: int(stats.get(key, 0) or 0)  # noqa: E731
    responses = get("downloader/response_count")
    ok_responses = sum(
        int(v) for k, v in stats.items()
        if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[1] in ("200", "203", "304")
    )
    errors = (
        get("log_count/ERROR")
        + get("downloader/exception_count")
        + get("spider_exceptions/count")
        + get("retry/max_reached")
        + get("httperror/response_ignored_count")
    )
    summary = {
        "finish_reason": finish_reason,
        "pages": responses,
        "bytes": get("downloader/response_bytes"),
        "records": get(STAT_RECORDS),
        "items": get("item_scraped_count"),
        "new": get("stationwatch/new"),
        "updated": get("stationwatch/updated"),
        "unchanged": get("stationwatch/unchanged"),
        "duplicates": get("stationwatch/duplicate"),
        "dropped": get("item_dropped_count"),
        "errors": errors,
    }
    if stats.get(STAT_SKIPPED) and finish_reason == "finished" and responses == 0:
        status = "skipped"
    elif finish_reason != "finished" or ok_responses == 0:
        status = "failed"
    elif get(STAT_LAYOUT_ERRORS):
        status = "layout_changed"
    elif summary["records"] == 0 and usually_yields:
        status = "empty_unusual"
    elif errors:
        status = "errors"
    elif summary["new"] or summary["updated"]:
        status = "ok"
    else:
        status = "no_new"
    summary["status"] = status
    return summary


class RunRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("STATIONWATCH_DB")
        self.collector = _ErrorCollector()
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        logging.getLogger().addHandler(self.collector)
        db = database.connect(self.db_path)
        try:
            interrupted = runs_table.mark_interrupted(db, spider.name)
            if interrupted:
                spider.logger.warning("%d earlier run(s) of %s never finished: marked failed", interrupted, spider.name)
            since = getattr(spider, "since", None)
            self.run_id = runs_table.start_run(db, spider.name, since.isoformat() if since else None)
        finally:
            db.close()
        self.crawler.stats.set_value(STAT_RUN_ID, self.run_id)

    def spider_closed(self, spider, reason):
        logging.getLogger().removeHandler(self.collector)
        stats = self.crawler.stats.get_stats()
        db = database.connect(self.db_path)
        try:
            summary = judge(stats, reason, runs_table.usually_yields_records(db, spider.name))
            messages = self.collector.messages
            if summary["status"] == "skipped":
                messages = [f"skipped: {stats[STAT_SKIPPED]}", *messages]
            runs_table.finish_run(db, self.run_id, summary, stats, messages)
        finally:
            db.close()
        spider.logger.info(
            "run %s: %s (%s new, %s updated, %s unchanged, %s errors)",
            self.run_id, summary["status"], summary["new"], summary["updated"], summary["unchanged"], summary["errors"],
        )
