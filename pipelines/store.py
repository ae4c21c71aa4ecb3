"""Write relevant candidates to SQLite in batches, counting what was new."""

from __future__ import annotations

from dataclasses import asdict

from itemadapter import ItemAdapter

from core.health import Outcome, Stat, dedupe_stat
import db as database
from db.store import StatementStore, save_unattributed
from stationwatch.archive import archive_for
from stationwatch.items import UnattributedQuote


class StorePipeline:
    """Buffers items and writes each batch in one transaction.

    A crawl killed mid-way loses at most the open batch, never a half-written
    one; the next run fetches those records again (nothing was recorded as
    seen), so nothing is missed.

    Outcomes are counted under their ``Stat`` (core/health.py; the run
    recorder reads them), and how duplicates were found under
    ``dedupe_stat("exact" | "near" | "official_over_press")``. A new document version's response goes to the
    run's WARC archive (stationwatch/archive.py) when the archive is on.
    Press quotes nobody could be named for (``UnattributedQuote``) go to
    ``unattributed_quotes`` in the same transaction, never to statements.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("STATIONWATCH_DB")
        self.batch_size = crawler.settings.getint("STATIONWATCH_STORE_BATCH", 100)
        self.buffer: list[dict] = []
        self.unattributed: list[dict] = []
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.db = database.connect(self.db_path)

    def process_item(self, item):
        if isinstance(item, UnattributedQuote):
            self.unattributed.append(asdict(item))
            return item
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
        if not self.buffer and not self.unattributed:
            return
        run_id = self.stats.get_value(Stat.RUN_ID)
        store = StatementStore(self.db, run_id=run_id, archiver=self._archiver())
        try:
            with database.write_transaction(self.db):
                outcomes = [store.save(candidate) for candidate in self.buffer]
                kept = save_unattributed(self.db, self.unattributed, run_id=run_id)
        except Exception:
            # Nothing of the batch was written: the conditional-request
            # middleware must not record these pages as seen.
            self.stats.inc_value(Stat.STORE_ERRORS)
            raise
        finally:
            self.buffer.clear()
            self.unattributed.clear()
        if kept:
            self.stats.inc_value(Stat.UNATTRIBUTED_KEPT, kept)
        for outcome in outcomes:
            self.stats.inc_value(Outcome(outcome).stat)
        for detail, count in store.details.items():
            self.stats.inc_value(dedupe_stat(detail), count)

    def close_spider(self):
        try:
            self.flush()
        finally:
            self.db.close()
