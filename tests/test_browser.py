"""A real browser on the real server: `python -m stationwatch serve` on
127.0.0.1 and Debian's headless chromium loading the index page, a canned
query and the timeline chart. Screenshots go to test-artifacts/ (gitignored)
so a person can look at what the test saw.

The chart counts as rendered when the DOM chromium built holds one bar per
(month, country) row and the screenshot shows the bars' colours in
quantity: a blank or unstyled page fails both.
"""

import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections import Counter

import pytest

from tests.helpers import ROOT
from tests.test_datasette import build_sample_database

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1280,900"]
# The chart's first two series colours (web/plugins/stationwatch_browse.py PALETTE).
BAR_COLOURS = {(0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00)}

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m stationwatch serve` over the sample database, on 127.0.0.1."""
    path = tmp_path_factory.mktemp("browser") / "stationwatch.db"
    build_sample_database(path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "stationwatch", "serve", "--db", str(path), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # up to ~20 s
            try:
                urllib.request.urlopen(f"{base}/-/versions.json", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"serve exited: {process.stdout.read()[-2000:]}")
                time.sleep(0.2)
        else:
            pytest.fail("Datasette did not answer on 127.0.0.1 within 20 s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="sw-chromium-") as profile:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


class DevTools:
    """Chromium driven over --remote-debugging-pipe (DevTools protocol, JSON
    messages ended by NUL on fds 3 and 4): enough to load a page at a set
    viewport and ask its layout, with no driver or websocket library."""

    def __init__(self, timeout: float = 60):
        self.timeout, self.next_id, self.buffer = timeout, 0, b""
        self.profile = tempfile.TemporaryDirectory(prefix="sw-chromium-")
        read_3, self.write_fd = os.pipe()
        self.read_fd, write_4 = os.pipe()

        def child_fds():
            os.dup2(read_3, 3)
            os.dup2(write_4, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile.name}", "--remote-debugging-pipe", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=child_fds, close_fds=False)
        os.close(read_3)
        os.close(write_4)

    def _message(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.read_fd], [], [], max(0, left))
            if not ready:
                raise TimeoutError("chromium did not answer over the DevTools pipe")
            chunk = os.read(self.read_fd, 65536)
            if not chunk:
                raise EOFError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._message()
            if answer.get("id") == self.next_id:
                assert "error" not in answer, answer["error"]
                return answer.get("result", {})

    def wait_for_event(self, method: str, session: str) -> dict:
        while True:
            event = self._message()
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def layout(self, url: str, expression: str, width: int = 1280, height: int = 900):
        """Load ``url`` in a ``width`` x ``height`` viewport; the value of ``expression`` once loaded."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.send("Page.enable", session)
        self.send("Page.navigate", session, url=url)
        self.wait_for_event("Page.loadEventFired", session)
        result = self.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return result["result"]["value"]

    def close(self):
        try:
            self.send("Browser.close")
        except (OSError, EOFError, TimeoutError, AssertionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.write_fd)
        os.close(self.read_fd)
        self.profile.cleanup()


def dump_dom(url: str) -> str:
    result = chromium("--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(url: str, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.unlink(missing_ok=True)
    result = chromium(f"--screenshot={path}", url)
    assert path.exists(), result.stderr[-2000:]
    return path


def png_pixels(path) -> tuple[int, int, list[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit non-interlaced PNG (what
    chromium writes), decoded with zlib alone: no imaging library needed."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour_type in (2, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if colour_type == 2 else 4
    stride, raw = width * bpp, zlib.decompress(idat)
    previous, pixels = bytearray(stride), []
    for y in range(height):
        offset = y * (stride + 1)
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up, up_left = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else up_left)) & 255
        pixels.extend(tuple(line[i:i + 3]) for i in range(0, stride, bpp))
        previous = line
    return width, height, pixels


def test_index_page(server):
    dom = dump_dom(f"{server}/")
    assert "<h1>stationwatch</h1>" in dom
    assert 'href="/-/timeline"' in dom
    assert screenshot(f"{server}/", "datasette-index.png").stat().st_size > 10_000


def test_canned_query_page(server):
    url = f"{server}/stationwatch/search?q=qingtian"
    dom = dump_dom(url)
    rows = re.findall(r'<td class="col-title[^"]*">([^<]*)</td>', dom)
    assert rows == ["Chinese 'Overseas Police Service Stations'"]
    assert 'class="archived-copy"' in dom
    assert screenshot(url, "datasette-search.png").stat().st_size > 10_000


def test_timeline_chart_renders(server):
    url = f"{server}/-/timeline"
    dom = dump_dom(url)
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]*height="([0-9.]+)"', dom)]
    expected = len({(d[:7], c) for d, c in _sample_dates()})
    assert len(heights) == expected and all(h > 0 for h in heights)
    width, height, pixels = png_pixels(screenshot(url, "datasette-timeline.png"))
    colours = Counter(pixels)
    assert len(colours) > 20, "a blank page has a handful of colours"
    bar_pixels = sum(colours[c] for c in BAR_COLOURS)
    assert bar_pixels > 200, f"only {bar_pixels} pixels in the bars' colours: chart not drawn"


def _sample_dates():
    from tests.test_datasette import SAMPLE

    official_or_first = {}
    for item in SAMPLE:  # the Irish quote is a mention of the GB statement, not a statement
        official_or_first.setdefault(item["text"], (item["published"], item["country"]))
    return list(official_or_first.values())


FIRST_SCREEN = """(() => {
  const height = window.innerHeight;
  const rows = [...document.querySelectorAll('tr.statement')];
  const shown = rows.filter(r => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= height; });
  const text = (row, col) => (row.querySelector('td.col-' + col) || {innerText: ''}).innerText.trim();
  const guide = document.querySelector('details.column-guide');
  const list = document.querySelector('dl.column-descriptions');
  return {height, rows: rows.length, shown: shown.map(r => ({date: text(r, 'published'), country: text(r, 'country'),
          speaker: text(r, 'speaker'), excerpt: text(r, 'excerpt'), source: text(r, 'url')})),
          guide_open: guide ? guide.open : null,
          list_hidden: list ? getComputedStyle(list).display === 'none' : true};
})()"""


def test_statements_come_first_on_the_statements_page(server):
    """A person opening the statements table at 1280 x 900 sees statements
    (date, country, who, body, excerpt, source) on the first screen, not a
    data dictionary: the column descriptions are folded away."""
    url = f"{server}/stationwatch/statements"
    browser = DevTools()
    try:
        page = browser.layout(url, FIRST_SCREEN)
    finally:
        browser.close()
    assert page["height"] == 900
    assert page["rows"] == 4
    assert len(page["shown"]) >= 1, f"no statement row wholly on the first screen: {page}"
    assert page["guide_open"] is False and page["list_hidden"]
    first = page["shown"][0]
    assert re.match(r"\d{4}-\d{2}-\d{2}", first["date"])
    assert re.fullmatch(r"[A-Z]{2}", first["country"])
    assert first["speaker"] and first["excerpt"] and first["source"].startswith("http")
    assert screenshot(url, "datasette-statements.png").stat().st_size > 10_000


def test_every_column_is_one_link_away(server):
    dom = dump_dom(f"{server}/stationwatch/statements?_layout=table")
    assert 'class="statement"' not in dom
    assert '<th class="col-text_hash' in dom or 'data-column="text_hash"' in dom
