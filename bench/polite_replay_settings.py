"""Settings overlay for bench/bench_cycle.py: the replay middleware of
stationwatch/replay_settings.py with the production waits put back
(DOWNLOAD_DELAY, the slow-site delay, AutoThrottle's start, retry backoff).

The demo and the tests keep their zero-delay overlay; only the cycle
benchmark crawls the replay server as politely as a real site.
"""

from stationwatch import settings as production
from stationwatch.replay_settings import *  # noqa: F403  (an overlay: everything, then the differences)

DOWNLOAD_DELAY = production.DOWNLOAD_DELAY
STATIONWATCH_SLOW_SITE_DELAY = production.STATIONWATCH_SLOW_SITE_DELAY
AUTOTHROTTLE_START_DELAY = production.AUTOTHROTTLE_START_DELAY
STATIONWATCH_RETRY_BACKOFF_BASE = production.STATIONWATCH_RETRY_BACKOFF_BASE
