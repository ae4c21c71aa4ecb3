"""Settings overlay for crawling recorded responses (make demo, the tests,
the benchmarks): the production settings plus the replay middleware, with
no waiting, since the only site asked is our own server on 127.0.0.1.

Chosen by the environment ``stationwatch.replay.replay_env(url)`` returns
(SCRAPY_SETTINGS_MODULE points here); a live crawl never imports it, so
stationwatch/settings.py holds no replay switch.
"""

import os

from stationwatch.settings import *  # noqa: F403  (an overlay: everything, then the differences)
from stationwatch.settings import DOWNLOADER_MIDDLEWARES

STATIONWATCH_REPLAY_URL = os.environ["STATIONWATCH_REPLAY_URL"]

DOWNLOADER_MIDDLEWARES = {
    **DOWNLOADER_MIDDLEWARES,
    # Last before the network: rewrites to the replay server after robots.txt
    # and offsite checks saw the real URL.
    "stationwatch.replay.ReplayMiddleware": 950,
}

DOWNLOAD_DELAY = 0
STATIONWATCH_SLOW_SITE_DELAY = 0
AUTOTHROTTLE_START_DELAY = 0.05
STATIONWATCH_RETRY_BACKOFF_BASE = 0.05
