"""Scrapy settings for stationwatch: the one place for every setting.

Environment variables (none required):
  STATIONWATCH_DB           SQLite file (default data/stationwatch.db)
  STATIONWATCH_TOPICS       topics watched, by name, comma-separated (default: every topics/*.yml)
  STATIONWATCH_TOPICS_DIR   where the topic files are (default topics/)
  STATIONWATCH_TOPIC        one topic file watched alone (the setting before there were several)
  STATIONWATCH_CONTACT_URL  URL in the User-Agent where site owners can reach you

Crawling recorded responses (make demo, the tests) uses the overlay in
stationwatch/replay_settings.py, never this module alone.
"""

import os

from stationwatch import __version__

BOT_NAME = "stationwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

STATIONWATCH_DB = os.environ.get("STATIONWATCH_DB", "data/stationwatch.db")
STATIONWATCH_TOPIC = os.environ.get("STATIONWATCH_TOPIC") or None
STATIONWATCH_TOPICS = os.environ.get("STATIONWATCH_TOPICS") or None
STATIONWATCH_TOPICS_DIR = os.environ.get("STATIONWATCH_TOPICS_DIR") or None
STATIONWATCH_CONTACT_URL = os.environ.get(
    "STATIONWATCH_CONTACT_URL", "https://github.com/stationwatch/stationwatch"
)
# Overlap when asking an API "since the last successful run": records dated
# a day or two late (answers published the morning after) are not missed.
STATIONWATCH_SINCE_OVERLAP_DAYS = 2
# Items written per SQLite transaction (PITFALLS: ~105 µs a row batched
# against ~770 µs with a commit per row; 250 rather than 100 writes fewer,
# larger full-text segments: store 1.48 -> 1.37 s for 3,000 statements).
# A crawl killed mid-way loses at most one batch, fetched again next run.
STATIONWATCH_STORE_BATCH = 250
# Send stored ETag/Last-Modified; a 304 is unchanged, not parsed (0 re-parses everything).
STATIONWATCH_CONDITIONAL_REQUESTS = True
# Responses behind new document versions go to data/archive/<spider>-<time>.warc.gz.
STATIONWATCH_ARCHIVE = True

# Politeness: small government sites must never see us as a load.
USER_AGENT = f"{BOT_NAME}/{__version__} (+{STATIONWATCH_CONTACT_URL}; monitors public statements)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
# Sites whose README reports bot protection or slow servers (justice.gov,
# fmprc.gov.cn): their spiders ask one request at a time per domain, this
# many seconds apart (read in the spider's update_settings()).
STATIONWATCH_SLOW_SITE_DELAY = 5.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Scrapy does not verify certificates by default; a monitor of official
# statements should know it talks to the real site.
DOWNLOAD_VERIFY_CERTIFICATES = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Retries with backoff that honour Retry-After (stationwatch.middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
STATIONWATCH_RETRY_BACKOFF_BASE = 2.0  # seconds; doubled per attempt
STATIONWATCH_RETRY_MAX_DELAY = 120.0  # a longer Retry-After gives up instead of waiting

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    # Scrapy 2.19's lets requests that wait for robots.txt through unchecked
    # (stationwatch/middlewares.py says why); the same, fixed, at its place.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "stationwatch.middlewares.RobotsTxtMiddleware": 100,
    # Engine side of the retries: sees a request only once they gave up.
    "stationwatch.middlewares.UnreachableHostMiddleware": 540,
    "stationwatch.middlewares.PoliteRetryMiddleware": 550,
    # Below decompression (590): a PDF or image is skipped with a reason
    # instead of crashing the spider that expected a page.
    "stationwatch.middlewares.NonTextResponseMiddleware": 580,
    "stationwatch.middlewares.RedirectLoopMiddleware": 610,
    # Below DownloaderStats (850), above decompression (590): the archive
    # spools the body as sent; the conditional middleware drops a 304 after
    # the stats counted it (stationwatch/archive.py, conditional.py).
    "stationwatch.archive.ArchiveMiddleware": 845,
    # Above the archive and the conditional cache: API keys in a response's
    # URL are redacted before anything records it (stationwatch/middlewares.py).
    "stationwatch.middlewares.RedactSecretsMiddleware": 848,
    "stationwatch.conditional.ConditionalRequestMiddleware": 840,
}

ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.relevance.RelevancePipeline": 200,
    "pipelines.store.StorePipeline": 900,
}

EXTENSIONS = {
    "stationwatch.runs.RunRecorder": 100,
}

# PITFALLS: 10 instead of 100 makes a crawl 1.4-1.6x faster here.
CONCURRENT_ITEMS = 10
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("STATIONWATCH_LOG_LEVEL", "INFO")

# Datasette (`make serve`, stationwatch/serve.py). Loopback only unless told
# otherwise (README: what to change before publishing). suggest_facets off:
# at a million statements it costs the table page several times its own
# query (bench/bench_datasette.py prints the figures).
DATASETTE_HOST = "127.0.0.1"
DATASETTE_PORT = 8001
# truncate_cells_html: a statement's full text is one cell; 300 characters
# keep a row readable at a glance (the row page shows it whole).
DATASETTE_SETTINGS = {"suggest_facets": False, "truncate_cells_html": 300}
# --public: no whole-file download (the archive makes it large).
DATASETTE_PUBLIC_SETTINGS = {"allow_download": False}
