"""Downloader middlewares: polite retries.

Scrapy's RetryMiddleware retries at once and ignores Retry-After. A small
government site that answers 429 or 503 is asking us to wait: we wait what it
asks (up to a cap), or back off exponentially, before the retry goes out.
"""

from __future__ import annotations

import asyncio
import email.utils
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message


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
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
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

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self._backoff(request))
        return retry
