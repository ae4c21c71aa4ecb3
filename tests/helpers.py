"""Shared test helpers: recorded responses as Scrapy responses, spiders
built the way Scrapy builds them, and real crawls in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


def fixture_path(source: str, name: str) -> Path:
    return FIXTURES / source / name


def response_for(source: str, name: str, url: str, encoding: str | None = None, headers=None):
    """A recorded file as the response to ``url`` (class chosen by extension)."""
    body = fixture_path(source, name).read_bytes()
    cls = {".json": TextResponse, ".xml": XmlResponse}.get(Path(name).suffix, HtmlResponse)
    kwargs = {"encoding": encoding} if encoding else {}
    return cls(url=url, body=body, request=Request(url), headers=headers, **kwargs)


def make_spider(spider_cls, settings: dict | None = None, **kwargs):
    """A spider bound to a crawler with the project's settings, as `scrapy crawl` makes it.

    ``since`` defaults to the spider's first-run date so no database is read.
    """
    from scrapy.utils.project import get_project_settings

    project = get_project_settings().copy_to_dict()
    project.update(settings or {})
    project["TWISTED_REACTOR_ENABLED"] = False  # parsing needs no reactor
    crawler = get_crawler(spider_cls, project)
    kwargs.setdefault("since", spider_cls.default_since.isoformat())
    spider = crawler._create_spider(**kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def collect(async_iterable) -> list:
    """Drain an async generator such as ``Spider.start()``."""

    async def drain():
        return [x async for x in async_iterable]

    return asyncio.run(drain())


def run_scrapy(spider: str, db_path: Path, replay_url: str | None, *args: str, timeout: float = 120,
               env: dict | None = None) -> subprocess.CompletedProcess:
    """`scrapy crawl SPIDER` in a subprocess, as the nightly job runs it."""
    child_env = {**os.environ, "STATIONWATCH_DB": str(db_path), **(env or {})}
    if replay_url:
        from stationwatch.replay import replay_env

        child_env.update(replay_env(replay_url))
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", spider, *args],
        cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=timeout,
    )


@dataclass
class Crawled:
    result: subprocess.CompletedProcess
    statements: list[dict]  # every row of `statements`, by id
    runs: list[dict]  # every row of `runs`, by id
    requests: list[tuple[str, dict]]  # what the replay server was asked: (path, headers)


def replay_crawl(source: str, db_path: Path, *args: str, manifests: list[Path] | None = None,
                 env: dict | None = None) -> Crawled:
    """Crawl ``source`` through the replay server into ``db_path`` and read back what it stored.

    One place for how a spider's end-to-end test runs: `scrapy crawl` in a
    subprocess, recorded responses from the source's replay.yml on 127.0.0.1.
    """
    import db as database
    from stationwatch.replay import ReplayServer

    with ReplayServer(manifests=manifests or [FIXTURES / source / "replay.yml"]) as server:
        result = run_scrapy(source, db_path, server.url, *args, env=env)
        requests = list(server.requests)
    assert result.returncode == 0, result.stderr[-2000:]
    conn = database.connect(db_path)
    try:
        statements = list(conn.query("SELECT * FROM statements ORDER BY id"))
        runs = list(conn.query("SELECT * FROM runs ORDER BY id"))
    finally:
        conn.close()
    return Crawled(result, statements, runs, requests)


def query_rows(db_path, sql: str, params=()) -> list[dict]:
    """The rows of one query on the database file, as dicts; the connection closed after."""
    import db as database

    conn = database.connect(db_path)
    try:
        return [dict(r) for r in conn.query(sql, params)]
    finally:
        conn.close()


def datasette_get(ds, path: str):
    """One GET through Datasette's in-process client, after its start-up hooks."""
    import asyncio

    async def fetch():
        await ds.invoke_startup()
        return await ds.client.get(path)

    return asyncio.run(fetch())


def free_port() -> int:
    """A port free now; another process may take it before it is used (see start_smtp)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(handler, attempts: int = 5, **kwargs):
    """An aiosmtpd server on 127.0.0.1, started. aiosmtpd needs a port number
    up front, and a free port can be taken by a crawl's process between
    free_port() and the bind: try another instead of failing the test."""
    from aiosmtpd.controller import Controller

    for attempt in range(attempts):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
        try:
            controller.start()
            return controller
        except (OSError, RuntimeError):
            if attempt == attempts - 1:
                raise


class Hook:
    """A webhook on 127.0.0.1: keeps each POSTed JSON body; answers 500
    while ``failing`` is set."""

    def __init__(self):
        self.received, self.failing = [], False
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if hook.failing:
                    self.send_response(500)
                else:
                    hook.received.append((self.path, json.loads(body)))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/hook") -> str:
        return f"json://127.0.0.1:{self.server.server_port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
