"""Evidence archive: the responses behind stored statements, in WARC files.

Government pages change and vanish; users need proof of what a page said on
the day. Every response that produced or changed a stored statement (a new
document version) is written to one WARC file per run under
``<database folder>/archive/``, and its ``document_versions`` row points at
the file and the record's offset and length. ``python -m stationwatch
archive show STATEMENT_ID`` prints the archived body byte for byte.

How, without holding responses in memory:

- ``ArchiveMiddleware`` sits just below Scrapy's DownloaderStats, before
  decompression, so it sees the body as the server sent it (gzip included).
  It appends every 200 response to a per-run spool file (a WARC too) and
  remembers only URL -> (offset, length).
- When the store pipeline writes a new document version, it asks
  ``ResponseArchive.archive(url)``: the spooled record's bytes are copied as
  they are into the run's WARC (each record is its own gzip member, so a
  record can be copied, and read back from its offset, alone).
- At the end of the run the spool is deleted: listing pages and unchanged
  pages are not kept.

What the WARC keeps of the HTTP exchange: status, headers as Scrapy received
them (names in Scrapy's capitalisation; Transfer-Encoding dropped since the
body is stored de-chunked) and the body exactly as sent.
"""

from __future__ import annotations

import datetime as dt
import weakref
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core.health import Stat

ARCHIVE_DIR_NAME = "archive"
_DROPPED_HEADERS = {b"transfer-encoding"}
_ARCHIVES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def archive_dir(db_path: str | Path) -> Path:
    """data/archive/ beside data/stationwatch.db."""
    return Path(db_path).resolve().parent / ARCHIVE_DIR_NAME


def write_response(fileobj, url: str, status: int, headers: list[tuple[str, str]], body: bytes,
                   fetched_at: dt.datetime | None = None) -> None:
    """One WARC response record (its own gzip member) at the file's position."""
    when = (fetched_at or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    http_headers = StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol="HTTP/1.1")
    writer = WARCWriter(fileobj, gzip=True)
    record = writer.create_warc_record(
        url, "response", payload=BytesIO(body), length=len(body), http_headers=http_headers,
        warc_headers_dict={"WARC-Date": when},
    )
    writer.write_record(record)


def read_response(path: str | Path, offset: int) -> tuple[str, StatusAndHeaders, bytes]:
    """(target URL, HTTP status and headers, body as sent) of the record at ``offset``."""
    with open(path, "rb") as f:
        f.seek(offset)
        record = next(iter(ArchiveIterator(f)))
        return record.rec_headers.get_header("WARC-Target-URI"), record.http_headers, record.raw_stream.read()


def _scrapy_headers(response) -> list[tuple[str, str]]:
    pairs = []
    for name, values in response.headers.items():
        if name.lower() in _DROPPED_HEADERS:
            continue
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


class ResponseArchive:
    """One run's spool and WARC file (both opened only when first needed)."""

    def __init__(self, directory: Path, name: str):
        self.directory = directory
        self.name = name
        self.spool_path = directory / f".{name}.spool.warc.gz"
        self.warc_path = directory / f"{name}.warc.gz"
        self._spool = None
        self._warc = None
        self._spooled: dict[str, tuple[int, int]] = {}
        self._archived: dict[str, tuple[str, int, int]] = {}

    def spool(self, url: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        if self._spool is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._spool = open(self.spool_path, "w+b")
        self._spool.seek(0, 2)
        start = self._spool.tell()
        write_response(self._spool, url, status, headers, body)
        self._spooled[url] = (start, self._spool.tell() - start)
        self._archived.pop(url, None)  # fetched again: the new response is the one to keep

    def archive(self, url: str | None) -> tuple[str, int, int] | None:
        """Copy the spooled response of ``url`` into the run's WARC; return
        (file name relative to the database folder, offset, length)."""
        if not url or url not in self._spooled:
            return None
        if url in self._archived:
            return self._archived[url]
        start, length = self._spooled[url]
        self._spool.seek(start)
        data = self._spool.read(length)
        if self._warc is None:
            self._warc = open(self.warc_path, "ab")
        offset = self._warc.tell()
        self._warc.write(data)
        self._warc.flush()
        pointer = (f"{ARCHIVE_DIR_NAME}/{self.warc_path.name}", offset, length)
        self._archived[url] = pointer
        return pointer

    @property
    def archived_count(self) -> int:
        return len(self._archived)

    def close(self) -> None:
        if self._warc is not None:
            self._warc.close()
            self._warc = None
        if self._spool is not None:
            self._spool.close()
            self._spool = None
            self.spool_path.unlink(missing_ok=True)


def archive_for(crawler) -> ResponseArchive | None:
    """The crawl's archive, if the archive middleware is on (the store
    pipeline calls this)."""
    return _ARCHIVES.get(crawler)


class ArchiveMiddleware:
    """Spools every 200 response, as received, for the store to archive."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("STATIONWATCH_DB")

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("STATIONWATCH_ARCHIVE", True):
            raise NotConfigured
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider):
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        run_id = self.crawler.stats.get_value(Stat.RUN_ID)
        name = f"{spider.name}-{stamp}" + (f"-run{run_id}" if run_id else "")
        _ARCHIVES[self.crawler] = ResponseArchive(archive_dir(self.db_path), name)

    def spider_closed(self, spider, reason):
        archive = _ARCHIVES.pop(self.crawler, None)
        if archive is not None:
            self.crawler.stats.set_value(Stat.ARCHIVED, archive.archived_count)
            archive.close()

    def process_response(self, request, response):
        archive = _ARCHIVES.get(self.crawler)
        if archive is not None and response.status == 200 and request.method == "GET":
            archive.spool(response.url, response.status, _scrapy_headers(response), response.body)
        return response


def print_archived(db_path: str, statement_id: int, with_http: bool = False, out=None) -> int:
    """Write the archived body of a statement's latest document version to
    ``out`` (stdout's bytes); with_http puts the status line and headers
    first. Returns a process exit code."""
    import sys

    import db as database
    from db.store import archived_response

    out = out or sys.stdout.buffer
    conn = database.connect(db_path)
    try:
        pointer = archived_response(conn, statement_id)
    finally:
        conn.close()
    if pointer is None:
        print(f"statement {statement_id}: no archived response", file=sys.stderr)
        return 1
    path = Path(db_path).resolve().parent / pointer["warc_file"]
    _url, http_headers, body = read_response(path, pointer["warc_offset"])
    if with_http:
        out.write(http_headers.to_bytes())
    out.write(body)
    out.flush()
    return 0
