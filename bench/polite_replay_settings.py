"""Settings overlay for bench/bench_cycle.py: the replay middleware of
stationwatch/replay_settings.py with the production waits put back
(DOWNLOAD_DELAY, the slow-site delay, AutoThrottle's start, retry backoff).

The demo and the tests keep their zero-delay overlay; only the cycle
benchmark crawls the replay server as politely as a real site.
"""

from urllib.parse import urlsplit

from stationwatch import settings as production
from stationwatch.replay_settings import *  # noqa: F403  (an overlay: everything, then the differences)

DOWNLOAD_DELAY = production.DOWNLOAD_DELAY
STATIONWATCH_SLOW_SITE_DELAY = production.STATIONWATCH_SLOW_SITE_DELAY
AUTOTHROTTLE_START_DELAY = production.AUTOTHROTTLE_START_DELAY
STATIONWATCH_RETRY_BACKOFF_BASE = production.STATIONWATCH_RETRY_BACKOFF_BASE

# Scrapy keys its per-site politeness (delay, concurrency) by the request's
# host, and the replay middleware rewrites every host to 127.0.0.1: one slot
# for every site would serialize a multi-site spider (china_embassies,
# press_feeds) as no real crawl is. The slot stays the real host's.
DOWNLOADER_MIDDLEWARES = {**DOWNLOADER_MIDDLEWARES, "bench.polite_replay_settings.SlotPerRealHost": 949}  # noqa: F405


class SlotPerRealHost:
    """Before the rewrite to the replay server: the download slot is the real host."""

    def process_request(self, request):
        if "download_slot" not in request.meta and not request.url.startswith(STATIONWATCH_REPLAY_URL):  # noqa: F405
            request.meta["download_slot"] = urlsplit(request.url).hostname
        return None
