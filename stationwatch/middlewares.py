"""Downloader middlewares: polite retries, and responses no spider can read.

Scrapy's RetryMiddleware retries at once and ignores Retry-After. A small
government site that answers 429 or 503 is asking us to wait: we wait what it
asks (up to a cap), or back off exponentially, before the retry goes out. An
empty 200 (an overloaded server or proxy cutting the body) is retried the
same way: parsed, it would look like a redesigned page.

A PDF, an image or a Word file reaching a spider callback would crash it
(``response.text`` on a binary response): ``NonTextResponseMiddleware``
skips it with a logged, counted reason instead.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

from core.health import Stat, not_text_stat
from stationwatch.runs import redact, secret_values


logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class PoliteRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("STATIONWATCH_RETRY_BACKOFF_BASE", 2.0)
        self.max_delay = settings.getfloat("STATIONWATCH_RETRY_MAX_DELAY", 120.0)

    def _backoff(self, request) -> float:
        return min(self.max_delay, self.backoff_base * 2 ** request.meta.get("retry_times", 0))

    async def process_response(self, request, response):
        if request.meta.get("dont_retry", False):
            return response
        if response.status == 200 and not response.body and _expects_body(request):
            return await self._retry_empty(request, response)
        if response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is not None and asked > self.max_delay:
            self.crawler.spider.logger.error(
                "Gave up on %s: HTTP %s with Retry-After %.0fs (over our %.0fs cap)",
                request.url, response.status, asked, self.max_delay,
            )
            self.crawler.stats.inc_value("retry/retry_after_too_long")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(asked if asked is not None else self._backoff(request))
        return retry

    async def _retry_empty(self, request, response):
        """An empty 200 is retried like a 503; after the last try the request
        is dropped (Scrapy logs "Gave up retrying ...: empty 200 response",
        the run's reason) rather than parsed as a page that lost its layout."""
        self.crawler.stats.inc_value(Stat.EMPTY)
        retry = self._retry(request, "empty 200 response")
        if retry is None:
            raise IgnoreRequest(f"empty 200 response from {response.url}")
        await asyncio.sleep(self._backoff(request))
        return retry

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self._backoff(request))
        return retry


def _expects_body(request) -> bool:
    """GETs expect a body; robots.txt may be empty (allow all), and a spider
    that knows its source answers empty says so with meta allow_empty_body."""
    return (request.method == "GET" and not request.meta.get("allow_empty_body")
            and not urlsplit(request.url).path.endswith("/robots.txt"))


def _binary_document_type(content_type: str) -> bool:
    """PDF, Office, archives, images, sound, video: documents no spider parses."""
    if content_type.endswith(("+json", "+xml")):
        return False
    return content_type.startswith(("image/", "audio/", "video/", "font/", "application/vnd.ms-",
                                    "application/vnd.openxmlformats", "application/vnd.oasis.opendocument")) or \
        content_type in ("application/pdf", "application/msword", "application/rtf", "application/zip",
                         "application/gzip", "application/x-gzip", "application/x-7z-compressed",
                         "application/x-rar-compressed")


class NonTextResponseMiddleware:
    """Skip responses Scrapy could not make text of (PDF, images, Office
    files): the spider never sees them, the log says what was skipped and
    why, and the run counts them (``stationwatch/skipped_not_text``, by
    content type). A spider that reads binaries sets meta allow_binary.

    It sits below HttpCompressionMiddleware (590), so it judges the
    decompressed response, whose class Scrapy chose from its headers and body.
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        if response.status != 200 or request.meta.get("allow_binary"):
            return response
        content_type = (response.headers.get("Content-Type") or b"unknown").decode("latin-1").split(";")[0]
        content_type = content_type.strip().lower()
        # Scrapy sniffs a short or mostly-ASCII PDF as text: the declared type decides too.
        if isinstance(response, TextResponse) and not _binary_document_type(content_type):
            return response
        self.stats.inc_value(Stat.NOT_TEXT)
        self.stats.inc_value(not_text_stat(content_type))
        reason = f"skipped {response.url}: {content_type} is not HTML, XML, JSON or text"
        logger.warning(reason)
        raise IgnoreRequest(reason)


class RedactSecretsMiddleware:
    """An API key that a source wants in the query string (the Guardian's
    ``api-key``) must not reach the database: the response's URL, which the
    conditional-request cache, the archive and the spiders record, has the
    secret values of the environment replaced (stationwatch.runs.redact).
    The request still carries the key; only what is recorded loses it.
    (A keyed URL then never matches its cache entry: such a source is asked
    without If-None-Match, at the cost of a full answer.)
    """

    def __init__(self, secrets: list[str]):
        self.secrets = secrets

    @classmethod
    def from_crawler(cls, crawler):
        return cls(secret_values())

    def process_response(self, request, response):
        if self.secrets and any(secret in response.url for secret in self.secrets):
            return response.replace(url=redact(response.url, self.secrets))
        return response


class RedirectLoopMiddleware:
    """A redirect back to a URL already in the request's redirect chain is a
    loop: dropped at once with an ERROR (the run's reason, a page lost),
    instead of being dropped silently by the duplicate filter (or going
    round until REDIRECT_MAX_TIMES). Above RedirectMiddleware (600), so it
    sees the 3xx before a redirect request is made of it."""

    def __init__(self, replay_base: str | None):
        self.replay_base = replay_base

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("STATIONWATCH_REPLAY_URL"))

    def _real(self, url: str) -> str:
        from stationwatch.replay import from_replay_url

        return from_replay_url(self.replay_base.rstrip("/"), url) if self.replay_base else url

    def process_response(self, request, response):
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location or request.meta.get("dont_redirect"):
            return response
        current = self._real(request.url)
        target = urljoin(current, location.decode("latin-1"))
        chain = [self._real(url) for url in request.meta.get("redirect_urls", ())] + [current]
        if target not in chain:
            return response
        loop = " -> ".join([*chain[chain.index(target):], target])
        logger.error("redirect loop, page not fetched: %s", loop)
        raise IgnoreRequest(f"redirect loop: {loop}")


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, with every request that arrives while
    robots.txt is being fetched waiting for the parsed file.

    In Scrapy 2.19 those requests await the one shared Deferred; Twisted's
    ``Deferred.asFuture`` leaves it firing None for every later waiter, so
    all but the first were treated as "no robots.txt" and sent, even when
    robots.txt disallowed them (tests/test_politeness.py caught 5 of 15
    searches going out under ``Disallow: /``). The code before scrapy/scrapy
    PR #6802 gave each waiter its own Deferred; so does this.
    """

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        mine: Deferred = Deferred()

        def pass_on(result):
            mine.callback(result)
            return result  # the next waiter gets the parser too

        pending.addCallback(pass_on)
        return await maybe_deferred_to_future(mine)


class UnreachableHostMiddleware:
    """Stop asking a host that cannot be reached at all.

    When a request to a host still fails to connect after its retries (DNS
    lookup failed, connection refused), every other request to that host in
    this crawl would fail the same way, each after its own retries and
    back-off: offline, one source took minutes to fail. The rest are
    dropped at once, with one error that names the host; the run is judged
    failed as before (no page answered).
    """

    UNREACHABLE = (CannotResolveHostError, DownloadConnectionRefusedError)

    def __init__(self, stats):
        self.stats = stats
        self.down: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request):
        host = urlparse_cached(request).netloc
        if host in self.down:
            self.stats.inc_value(Stat.UNREACHABLE_SKIPPED)
            raise IgnoreRequest(f"{host} unreachable earlier in this crawl: {self.down[host]}")

    def process_exception(self, request, exception):
        # Called once the retry middleware has given up on this request.
        if isinstance(exception, self.UNREACHABLE):
            host = urlparse_cached(request).netloc
            if host not in self.down:
                self.down[host] = f"{type(exception).__name__}: {exception}"
                logger.error("%s unreachable (%s): its other requests in this crawl are not sent",
                             host, self.down[host])
        return None
