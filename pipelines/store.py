"""Write relevant candidates to SQLite in batches, counting what was new."""

from __future__ import annotations

from itemadapter import ItemAdapter

from core.health import Outcome, Stat, dedupe_stat
import db as database
from db.store import StatementStore
from stationwatch.archive import archive_for


class StorePipeline:
    """Buffers items and writes each batch in one transaction.

    A crawl killed mid-way loses at most the open batch, never a half-written
    one; the next run fetches those records again (nothing was recorded as
    seen), so nothing is missed.

    Outcomes are counted under their ``Stat`` (core/health.py; the run
    recorder reads them), and how duplicates were found under
    ``dedupe_stat("exact" | "near" | "official_over_press")``. A new document version's response goes to the
    run's WARC archive (stationwatch/archive.py) when the archive is on.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("STATIONWATCH_DB")
        self.batch_size = crawler.settings.getint("STATIONWATCH_STORE_BATCH", 100)
        self.buffer: list[dict] = []
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.db = database.connect(self.db_path)

    def process_item(self, item):
        # A shallow copy: asdict() converts every nested value too, which
        # cost as much as the near-duplicate check.
        self.buffer.append(dict(ItemAdapter(item).items()))
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def _archiver(self):
        archive = archive_for(self.crawler)
        if archive is None:
            return None
        return lambda item: archive.archive(item.get("fetch_url") or item.get("url"))

    def flush(self) -> None:
        if not self.buffer:
            return
        store = StatementStore(self.db, run_id=self.stats.get_value(Stat.RUN_ID), archiver=self._archiver())
        try:
            with database.write_transaction(self.db):
                outcomes = [store.save(candidate) for candidate in self.buffer]
        except Exception:
            # Nothing of the batch was written: the conditional-request
            # middleware must not record these pages as seen.
            self.stats.inc_value(Stat.STORE_ERRORS)
            raise
        finally:
            self.buffer.clear()
        for outcome in outcomes:
            self.stats.inc_value(Outcome(outcome).stat)
        for detail, count in store.details.items():
            self.stats.inc_value(dedupe_stat(detail), count)

    def close_spider(self):
        try:
            self.flush()
        finally:
            self.db.close()
