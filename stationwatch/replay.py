"""Replay recorded real responses from a local HTTP server on 127.0.0.1.

The offline demo and the end-to-end tests crawl the sources' real URLs
through the real Scrapy downloader: ``ReplayMiddleware`` (installed only by
the settings overlay stationwatch/replay_settings.py, which ``replay_env()``
selects) sends each request to the replay server as
``http://127.0.0.1:PORT/https/host/path?query`` after robots.txt and offsite
checks have seen the real URL, and gives the response its real URL back.

What the server answers is listed in ``replay.yml`` manifests beside the
recorded files (tests/fixtures/<source>/replay.yml)::

    - url: https://host/api/things?searchTerm=police&skip=0
      file: things_page1.json          # relative to the manifest
      content_type: application/json   # optional; guessed from the file name
      status: 200                      # optional
      headers: {Retry-After: "1"}      # optional
      delay: 0.5                       # optional seconds before answering
      reset: true                      # optional: reset the connection instead (a fault)

A request matches an entry when scheme, host and path are equal (a `*` path
segment in the entry matches any one segment) and every query parameter the
entry names has the same value in the request (the request may carry more,
such as a date that changes each day). An exact path beats a wildcard, then
the entry naming the most parameters wins; no match is a 404. A POST with a
JSON body is matched the same way, its body's fields as query parameters.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml
from scrapy.exceptions import NotConfigured

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
# Last-Modified of every recorded answer when the server sends validators.
VALIDATOR_DATE = "Wed, 01 Jan 2025 00:00:00 GMT"


@dataclass
class Entry:
    scheme: str
    host: str
    path: str
    query: list[tuple[str, str]]
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    reset: bool = False  # drop the connection with a TCP reset instead of answering

    @property
    def wildcard(self) -> bool:
        return "*" in self.path.split("/")

    def matches(self, scheme: str, host: str, path: str, query: list[tuple[str, str]]) -> bool:
        return (scheme, host) == (self.scheme, self.host) and self._path_matches(path) and all(
            pair in query for pair in self.query
        )

    def _path_matches(self, path: str) -> bool:
        """Equal paths, or a `*` segment standing for any one segment (a date
        the spider puts in the path, which changes from run to run)."""
        if not self.wildcard:
            return path == self.path
        mine, theirs = self.path.split("/"), path.split("/")
        return len(mine) == len(theirs) and all(m in ("*", t) for m, t in zip(mine, theirs))


def load_manifest(path: Path) -> list[Entry]:
    """Entries of one replay.yml, with their files read."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    entries = []
    for raw in spec:
        parts = urlsplit(raw["url"])
        headers = {str(k): str(v) for k, v in (raw.get("headers") or {}).items()}
        body = b""
        if raw.get("file"):
            file = path.parent / raw["file"]
            body = file.read_bytes()
            guessed = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            headers.setdefault("Content-Type", raw.get("content_type") or guessed)
        elif "body" in raw:
            body = str(raw["body"]).encode("utf-8")
            headers.setdefault("Content-Type", raw.get("content_type") or "text/plain; charset=utf-8")
        entries.append(
            Entry(
                scheme=parts.scheme,
                host=parts.netloc,
                path=parts.path or "/",
                query=parse_qsl(parts.query, keep_blank_values=True),
                body=body,
                status=int(raw.get("status", 200)),
                headers=headers,
                delay=float(raw.get("delay", 0)),
                reset=bool(raw.get("reset", False)),
            )
        )
    return entries


def find_manifests(root: Path = FIXTURES_DIR) -> list[Path]:
    return sorted(root.glob("*/replay.yml"))


class ReplayServer:
    """A threaded HTTP server on 127.0.0.1 answering from replay manifests.

    Use as a context manager; ``url`` is its base URL and ``requests`` the
    log of what it was asked (path, headers), for tests that count fetches.
    """

    def __init__(self, manifests: list[Path] | None = None, entries: list[Entry] | None = None,
                 validators: bool = False):
        self.entries: list[Entry] = list(entries or [])
        for manifest in manifests if manifests is not None else find_manifests():
            self.entries.extend(load_manifest(Path(manifest)))
        self.requests: list[tuple[str, dict]] = []
        self.request_times: list[float] = []  # time.monotonic() of each request, in the same order
        # validators=True: answer like a server with ETags (a hash of the
        # body) and Last-Modified, and 304 to a request that has the current
        # one (If-None-Match, else If-Modified-Since). bytes_sent counts what
        # went over the wire (status line, headers, body), to compare crawls.
        self.validators = validators
        self.bytes_sent = 0
        # Requests being answered now, and the most at once: what a site
        # would see of our concurrency (tests of politeness read it).
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._index: dict | None = None  # built on first lookup; add()/replace() reset it
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, entry: Entry) -> None:
        with self._lock:
            self.entries.insert(0, entry)
            self._index = None

    def replace(self, url: str, body: bytes, **kwargs) -> None:
        """Answer ``url`` with another body from now on (a record that changed)."""
        parts = urlsplit(url)
        with self._lock:
            self.entries = [
                e for e in self.entries
                if not (e.scheme, e.host, e.path, e.query)
                == (parts.scheme, parts.netloc, parts.path or "/", parse_qsl(parts.query, keep_blank_values=True))
            ]
            self._index = None
        self.add(Entry(parts.scheme, parts.netloc, parts.path or "/", parse_qsl(parts.query), body, **kwargs))

    def lookup(self, replay_path: str) -> Entry | None:
        parts = urlsplit(replay_path)
        segments = parts.path.lstrip("/").split("/", 2)
        if len(segments) < 2:
            return None
        scheme, host = segments[0], segments[1]
        path = "/" + (segments[2] if len(segments) == 3 else "")
        query = parse_qsl(parts.query, keep_blank_values=True)
        with self._lock:
            index = self._by_location()
            nearby = index.get((scheme, host, path), []) + index.get("wildcards", [])
            candidates = [e for e in nearby if e.matches(scheme, host, path, query)]
        # The most specific entry wins: an exact path over a wildcard, then most parameters.
        return max(candidates, key=lambda e: (not e.wildcard, len(e.query)), default=None)

    def _by_location(self) -> dict:
        """Entries grouped by (scheme, host, path), rebuilt when entries change:
        a benchmark serves thousands of pages, and a scan per request would
        make the server, not the crawler, the thing measured."""
        if self._index is None:
            self._index = {}
            for entry in self.entries:
                key = "wildcards" if entry.wildcard else (entry.scheme, entry.host, entry.path)
                self._index.setdefault(key, []).append(entry)
        return self._index

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm on,
            # each response would wait ~40 ms for a delayed ACK.
            disable_nagle_algorithm = True

            def do_GET(self):  # noqa: N802 (http.server's naming)
                with server._lock:
                    server.requests.append((self.path, dict(self.headers)))
                    server.request_times.append(time.monotonic())
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._get()
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def do_POST(self):  # noqa: N802
                """A JSON POST (an API asked by POST, e.g. Parlament Österreich's
                Filter API): its body's fields are matched as query parameters,
                so replay.yml names them in the URL as it does for GET."""
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    fields = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    fields = {}
                if isinstance(fields, dict):
                    pairs = [(key, str(value)) for key, values in fields.items()
                             for value in (values if isinstance(values, list) else [values])]
                    if pairs:
                        self.path += ("&" if "?" in self.path else "?") + urlencode(pairs)
                self.do_GET()

            def _get(self):
                entry = server.lookup(self.path)
                if entry is None:
                    self._answer(404, {"Content-Type": "text/plain"}, b"not recorded\n")
                    return
                if entry.delay:
                    time.sleep(entry.delay)
                if entry.reset:
                    # Linger 0: closing sends RST, as a crashed server or a
                    # dropping firewall does, not an orderly FIN.
                    # (socketserver would send a FIN first: close it here.)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.rfile.close()
                    self.connection.close()
                    return
                headers = dict(entry.headers)
                if server.validators and entry.status == 200:
                    headers.setdefault("ETag", '"%s"' % hashlib.sha1(entry.body).hexdigest()[:20])
                    headers.setdefault("Last-Modified", VALIDATOR_DATE)
                    if self._not_modified(headers):
                        self._answer(304, {"ETag": headers["ETag"]}, b"")
                        return
                self._answer(entry.status, headers, entry.body)

            def _not_modified(self, headers) -> bool:
                if self.headers.get("If-None-Match") is not None:
                    return self.headers["If-None-Match"] == headers["ETag"]
                return self.headers.get("If-Modified-Since") == headers["Last-Modified"]

            def _answer(self, status, headers, body):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                size = sum(len(line) for line in getattr(self, "_headers_buffer", []))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (its timeout, a size limit): nothing to answer
                with server._lock:
                    server.bytes_sent += size + 2 + len(body)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        return Handler

    def __enter__(self) -> "ReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


# The recordings were made of pages from 2022 on: a replayed crawl asks no
# earlier (a topic starting in 2019 would walk listings back past them).
RECORDINGS_SINCE = "2022-09-01"


def replay_env(url: str) -> dict[str, str]:
    """The environment a crawl subprocess needs to be answered by the replay
    server at ``url``: its address and the settings overlay that installs
    the replay middleware (stationwatch/replay_settings.py)."""
    return {"STATIONWATCH_REPLAY_URL": url, "SCRAPY_SETTINGS_MODULE": "stationwatch.replay_settings"}


def to_replay_url(base: str, url: str) -> str:
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{base}/{parts.scheme}/{parts.netloc}{parts.path or '/'}{query}"


def from_replay_url(base: str, url: str) -> str:
    """The real URL behind a replay URL (redirect targets included)."""
    if not url.startswith(base + "/"):
        return url
    scheme, _, rest = url[len(base) + 1:].partition("/")
    return f"{scheme}://{rest}"


class ReplayMiddleware:
    """Send requests to the replay server; give responses their real URLs back."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    @classmethod
    def from_crawler(cls, crawler):
        base = crawler.settings.get("STATIONWATCH_REPLAY_URL")
        if not base:
            raise NotConfigured
        return cls(base)

    # Flags the rewritten request needs; a redirect copies the request's meta,
    # so they are taken back before RedirectMiddleware sees the response:
    # a redirect off the allowed domains must meet the offsite check, as live.
    _REPLAY_FLAGS = ("allow_offsite", "dont_obey_robotstxt")

    def process_request(self, request):
        if request.url.startswith(self.base + "/"):
            return None
        meta = dict(request.meta)
        meta["replay_added_flags"] = [flag for flag in self._REPLAY_FLAGS if flag not in meta]
        meta["replay_dont_filter"] = request.dont_filter  # dont_filter also lets a request past the offsite check
        meta.update(replay_original_url=request.url, allow_offsite=True, dont_obey_robotstxt=True)
        return request.replace(url=to_replay_url(self.base, request.url), meta=meta, dont_filter=True)

    def process_response(self, request, response):
        if response.status in (301, 302, 303, 307, 308):
            # Only a redirect makes a new request of this one (a retry re-sends
            # the replay URL itself and keeps the flags).
            for flag in request.meta.pop("replay_added_flags", ()):
                request.meta.pop(flag, None)
            if "replay_dont_filter" in request.meta:
                request.dont_filter = request.meta.pop("replay_dont_filter")
        if response.url.startswith(self.base + "/"):
            return response.replace(url=from_replay_url(self.base, response.url))
        return response
