"""Write relevant candidates to SQLite in batches, counting what was new."""

from __future__ import annotations

from itemadapter import ItemAdapter

import db as database
from db.store import StatementStore
from stationwatch.runs import STAT_RUN_ID


class StorePipeline:
    """Buffers items and writes each batch in one transaction.

    A crawl killed mid-way loses at most the open batch, never a half-written
    one; the next run fetches those records again (nothing was recorded as
    seen), so nothing is missed.
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
        self.buffer.append(ItemAdapter(item).asdict())
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.buffer:
            return
        store = StatementStore(self.db, run_id=self.stats.get_value(STAT_RUN_ID))
        with self.db.atomic():
            outcomes = [store.save(candidate) for candidate in self.buffer]
        self.buffer.clear()
        for outcome in outcomes:
            self.stats.inc_value(f"stationwatch/{outcome}")

    def close_spider(self):
        try:
            self.flush()
        finally:
            self.db.close()

