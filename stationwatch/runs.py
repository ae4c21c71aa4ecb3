"""RunRecorder: a Scrapy extension that writes one `runs` row per crawl.

It opens the row when the spider opens (so a killed crawl leaves a visible
'running' row that the next run marks as interrupted), keeps the first
error messages, and at close judges the run from Scrapy's stats.

Secrets (API keys, the SMTP password) come from the environment only; while
a crawl runs, every log record and every kept message has their values
replaced by ``[redacted]``: an API key in a URL must not reach the log files,
the ``runs`` table or the digest.
"""

from __future__ import annotations

import logging
import os
import re
from urllib.parse import unquote, urlsplit

from scrapy import signals

from core.health import Stat, Status, not_text_types
import db as database
from db import runs as runs_table

_OK_STATUSES = ("200", "203", "304")

# Environment variables whose values are secrets: *_KEY, *_TOKEN, *_SECRET,
# *_PASSWORD, and the SMTP URL (its password part too).
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD)$|^STATIONWATCH_SMTP_URL$")
REDACTED = "[redacted]"


def secret_values(environ=None) -> list[str]:
    """Values to keep out of logs and the database, longest first (so a
    password inside a URL is not half-replaced by the URL's other parts)."""
    env = os.environ if environ is None else environ
    values = set()
    for name, value in env.items():
        if not value or not _SECRET_NAME.search(name.upper()):
            continue
        values.add(value)
        if "://" in value:
            password = urlsplit(value).password
            if password:
                values.update((password, unquote(password)))
    # Short values ("test", "1") would blank ordinary words: only real keys.
    return sorted((v for v in values if len(v) >= 6), key=len, reverse=True)


def redact(text: str, secrets: list[str] | None = None) -> str:
    for secret in secret_values() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """A log filter that replaces secret values in messages and tracebacks."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            message = str(record.msg)
        record.msg, record.args = redact(message, self.secrets), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


_URL = re.compile(r"https?://[^\s<>()\"']+")


def _short_urls(message: str, limit: int = 110) -> str:
    """Long URLs (the replay server's, API queries) cut to their start: the
    reason around them is what the digest's line must keep."""
    return _URL.sub(lambda m: m.group(0) if len(m.group(0)) <= limit else m.group(0)[:limit - 1] + "…", message)


def _shorten(message: str, limit: int = 500) -> str:
    """At most ``limit`` characters, the middle elided: the reason is at the
    end of "Gave up retrying <GET long-url> (failed 2 times): 503 ..."."""
    if len(message) <= limit:
        return message
    half = (limit - 1) // 2
    return message[:half] + "…" + message[-half:]


class _ErrorCollector(logging.Handler):
    """Keeps the text of ERROR log records: the run's "failed with reason"."""

    def __init__(self, limit: int = 20, secrets: list[str] | None = None, replay_url: str | None = None):
        super().__init__(level=logging.WARNING)
        self.limit = limit
        self.messages: list[str] = []
        self.secrets = secrets or []
        self.too_large = 0
        # Replayed crawls (make demo, tests) name the real URLs, not 127.0.0.1's.
        self.replay_prefix = replay_url.rstrip("/") + "/" if replay_url else None

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR:
            # Scrapy drops a body that decompresses past DOWNLOAD_MAXSIZE (a
            # gzip bomb) with only a WARNING: a page lost all the same.
            if record.name.startswith("scrapy.downloadermiddlewares.httpcompression") and \
                    "DOWNLOAD_MAXSIZE" in str(record.msg):
                self.too_large += 1
            else:
                return
        if len(self.messages) < self.limit:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string must not break the crawl
                message = str(record.msg)
            message = _short_urls(self._real_urls(message.splitlines()[0] if message else record.levelname))
            if record.exc_info and record.exc_info[1] is not None:
                # "Error processing {item...}" says little; the exception
                # ("database or disk is full") is the reason.
                error = record.exc_info[1]
                detail = _short_urls(self._real_urls((str(error).splitlines() or [""])[0]))
                message = f"{_shorten(message, 120)} ({type(error).__name__}: {detail})"
            self.messages.append(_shorten(redact(message, self.secrets)))

    def _real_urls(self, message: str) -> str:
        if not self.replay_prefix:
            return message
        return message.replace(self.replay_prefix + "https/", "https://").replace(self.replay_prefix + "http/", "http://")


def reasons_from_stats(stats: dict) -> list[str]:
    """What the stats say went wrong that no ERROR line said: requests
    robots.txt forbade, responses dropped as empty, binary or too large."""
    get = lambda key: int(stats.get(key, 0) or 0)  # noqa: E731
    reasons = []
    if get("robotstxt/forbidden"):
        reasons.append(f"robots.txt forbids {get('robotstxt/forbidden')} request(s): not sent")
    if get(Stat.STORE_ERRORS):
        reasons.append(f"{get(Stat.STORE_ERRORS)} batch(es) of items could not be stored: nothing of them was written")
    if get(Stat.EMPTY):
        reasons.append(f"{get(Stat.EMPTY)} empty 200 response(s)")
    ignored = ignored_statuses(stats)
    if ignored:
        # Scrapy logs these at INFO only: without this line an `errors` run
        # whose pages answered 404 would give no reason at all.
        reasons.append(f"{get('httperror/response_ignored_count')} response(s) not read, HTTP {ignored}")
    if get("offsite/filtered"):
        reasons.append(f"{get('offsite/filtered')} request(s) or redirect(s) to other domains not followed")
    skipped = not_text_types(stats)
    if skipped:
        reasons.append(f"{get(Stat.NOT_TEXT)} response(s) skipped, not text: {', '.join(skipped)}")
    return reasons


def ignored_statuses(stats: dict) -> str:
    """The HTTP statuses Scrapy ignored (not handled by the spider), with
    counts: "404 x 3, 500 x 1"; empty when there were none."""
    prefix = "httperror/response_ignored_status_count/"
    counts = sorted((k[len(prefix):], int(v)) for k, v in stats.items() if k.startswith(prefix) and v)
    return ", ".join(f"{code} x {count}" for code, count in counts)


def judge(stats: dict, finish_reason: str, usually_yields: bool) -> dict:
    """Summarise a crawl's stats and decide its ``Status`` (core/health.py
    says what each one means); this is the one place a status is decided."""
    get = lambda key: int(stats.get(key, 0) or 0)  # noqa: E731
    responses = get("downloader/response_count")
    # Answers that carried something: robots.txt does not count (a site that
    # answers robots.txt and 500 to everything else has failed), nor an
    # empty 200 (retried, then dropped by PoliteRetryMiddleware).
    ok_responses = sum(
        int(v) for k, v in stats.items()
        if k.startswith("downloader/response_status_count/") and k.rsplit("/", 1)[1] in _OK_STATUSES
    ) - sum(get(f"robotstxt/response_status_count/{code}") for code in _OK_STATUSES) - get(Stat.EMPTY)
    errors = (
        get("log_count/ERROR")
        + get("downloader/exception_count")
        + get("spider_exceptions/count")
        + get("retry/max_reached")
        + get("httperror/response_ignored_count")
        + get(Stat.TOO_LARGE)
        + get(Stat.LOST_RECORDS)
    )
    summary = {
        "finish_reason": finish_reason,
        "pages": responses,
        "bytes": get("downloader/response_bytes"),
        "records": get(Stat.RECORDS),
        "items": get("item_scraped_count"),
        "new": get(Stat.NEW),
        "updated": get(Stat.UPDATED),
        "unchanged": get(Stat.UNCHANGED),
        "duplicates": get(Stat.DUPLICATE),
        "dropped": get("item_dropped_count"),
        "errors": errors,
    }
    if stats.get(Stat.SKIPPED) and finish_reason == "finished" and responses == 0:
        status = Status.SKIPPED
    elif finish_reason != "finished" or ok_responses <= 0 or get(Stat.STORE_ERRORS):
        # A batch that could not be stored (disk full) fails the run: a
        # success would move the next run's start date past what was lost.
        status = Status.FAILED
    elif get(Stat.LAYOUT_ERRORS):
        status = Status.LAYOUT_CHANGED
    elif summary["records"] == 0 and usually_yields:
        status = Status.EMPTY_UNUSUAL
    elif errors:
        status = Status.ERRORS
    elif summary["new"] or summary["updated"]:
        status = Status.OK
    else:
        status = Status.NO_NEW
    summary["status"] = status.value
    return summary


def topic_windows_for(db, spider: str, default_since, overlap_days: int, topics=None) -> dict:
    """{topic: date to ask from} for a run of ``spider``, for every watched
    topic (stationwatch.topic.load_topics()): a topic's start date is its
    file's ``since``, else the spider's ``default_since``."""
    from stationwatch.topic import load_topics

    topics = topics if topics is not None else load_topics()
    starts = {topic.name: topic.since or default_since for topic in topics}
    return runs_table.topic_windows(db, spider, starts, overlap_days)


class RunRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("STATIONWATCH_DB")
        self.secrets = secret_values()
        self.collector = _ErrorCollector(secrets=self.secrets,
                                         replay_url=crawler.settings.get("STATIONWATCH_REPLAY_URL"))
        self.redactor = RedactSecrets(self.secrets)
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider):
        for handler in logging.getLogger().handlers:
            handler.addFilter(self.redactor)
        logging.getLogger().addHandler(self.collector)
        db = database.connect(self.db_path)
        try:
            interrupted = runs_table.mark_interrupted(db, spider.name)
            if interrupted:
                spider.logger.warning("%d earlier run(s) of %s never finished: marked failed", interrupted, spider.name)
            if getattr(spider, "since_arg", False) is None and not getattr(spider, "topic_since", None):
                # A bare `scrapy crawl NAME`: resume each topic from its last
                # complete run, resolved here (beside the store), not in the
                # spider. spider_opened comes before the engine first iterates start().
                spider.topic_since = topic_windows_for(
                    db, spider.name, spider.default_since,
                    self.crawler.settings.getint("STATIONWATCH_SINCE_OVERLAP_DAYS"), spider.topic)
                spider.since = min(spider.topic_since.values())
            since = getattr(spider, "since", None)
            topics = {}
            if hasattr(spider, "since_for_topic"):
                topics = {name: spider.since_for_topic(name).isoformat() for name in spider.topic.names}
            self.run_id = runs_table.start_run(db, spider.name, since.isoformat() if since else None, topics)
        finally:
            db.close()
        self.crawler.stats.set_value(Stat.RUN_ID, self.run_id)

    def spider_closed(self, spider, reason):
        logging.getLogger().removeHandler(self.collector)
        if self.collector.too_large:
            self.crawler.stats.set_value(Stat.TOO_LARGE, self.collector.too_large)
        stats = {redact(str(k), self.secrets): redact(v, self.secrets) if isinstance(v, str) else v
                 for k, v in self.crawler.stats.get_stats().items()}
        db = database.connect(self.db_path)
        try:
            summary = judge(stats, reason, runs_table.usually_yields_records(db, spider.name))
            messages = self.collector.messages + reasons_from_stats(stats)
            if summary["status"] == Status.SKIPPED:
                messages = [f"skipped: {stats[Stat.SKIPPED]}", *messages]
            runs_table.finish_run(db, self.run_id, summary, stats, messages)
        finally:
            db.close()
        spider.logger.info(
            "run %s: %s (%s new, %s updated, %s unchanged, %s errors)",
            self.run_id, summary["status"], summary["new"], summary["updated"], summary["unchanged"], summary["errors"],
        )
