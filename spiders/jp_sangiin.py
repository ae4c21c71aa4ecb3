"""Japan's House of Councillors: written questions (質問主意書) and the
Cabinet's written answers (答弁書).

Source: www.sangiin.go.jp, static HTML, no API and no search. One folder per
Diet session (回次)::

    .../syuisyo/{session}/syuisyo.htm            the session's list
    .../syuisyo/{session}/meisai/m{session}{nnn}.htm   dates (提出日, 答弁書受領日)
    .../syuisyo/{session}/syuh/s{session}{nnn}.htm     the question
    .../syuisyo/{session}/touh/t{session}{nnn}.htm     the answer

The current session is discovered, not configured: the walk starts at the
first session after the 2022 reports (210, October 2022) and reads each
session's list until one does not exist (404). Lists of closed sessions do
not change, so with conditional requests they cost a 304 and the walk goes
on from the errback. A listed question whose title cannot be on topic is
passed over (``count_passed_over``); for the others the detail page gives
the dates, and a question whose submission and answer are both older than
``self.since`` is left there (nothing new since the last run). So each night
asks the lists plus a few detail pages, and an answer that arrives in the
current or the previous session (or any older one) is read the night it is
listed.

A question and its answer are two statements: the question (speaker: the
asking member, body: House of Councillors), and the answer (speaker: the
Prime Minister who signs it, body: Cabinet) with ``question_record_id`` and
the question's text as ``context``. Dates are Japanese era dates with kanji
numerals (core/japanese_dates.py). Pages are decoded strictly (declared
charset, then UTF-8, Shift_JIS as cp932, EUC-JP), never leniently into
mojibake.

Verified on real text: the question and answer wording, numbering and dates
of 210-21, 210-50 and 216-28 (stored copies of the pages, text only). Only on
RECONSTRUCTED markup: every selector (table.list_c rows and links, the
detail page's th/td pairs, #ContentsBox), described by public scrapers of
the site but not seen as raw HTML.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urljoin

import scrapy
from scrapy import Selector
from scrapy.exceptions import IgnoreRequest
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

from core.japanese_dates import parse_japanese_date
from spiders.base import StationwatchSpider

BASE = "https://www.sangiin.go.jp/japanese/joho1/kousei/syuisyo"
FIRST_SESSION = 210  # the first Diet session after the 2022 reports (convened 2022-10-03)
MAX_SESSIONS = 80  # a bound on the walk, decades ahead of the current session
HOUSE = "House of Councillors"
CABINET = "Cabinet"
MEMBER_ROLE = "Member of the House of Councillors"
PRIME_MINISTER = "内閣総理大臣"
FALLBACK_ENCODINGS = ("utf-8", "cp932", "euc_jp")
SIGNER = re.compile(rf"{PRIME_MINISTER}\s+(\S+)\s+(\S+)")
HONORIFIC = re.compile(r"君$")


@dataclass
class Entry:
    """One question of a session's list: its number, title and links."""

    session: int
    number: int
    title: str = ""
    meisai_url: str | None = None
    question_url: str | None = None
    answer_url: str | None = None

    @property
    def record_id(self) -> str:
        return f"{self.session}-{self.number}"


@dataclass
class Details:
    """What the detail (meisai) page says: dates and the asking member."""

    submitted: dt.date | None = None
    received: dt.date | None = None
    submitter: str | None = None
    fields: dict = field(default_factory=dict)


class JpSangiinSpider(StationwatchSpider):
    name = "jp_sangiin"
    allowed_domains = ["www.sangiin.go.jp"]
    source_kind = "parliament"
    country = "JP"
    body = HOUSE
    language = "ja"
    slow_site = True  # a small parliamentary site; nothing here is urgent

    async def start(self):
        yield self.session_list(FIRST_SESSION)

    def session_list(self, session: int) -> scrapy.Request:
        return scrapy.Request(
            f"{BASE}/{session}/syuisyo.htm", callback=self.parse_session_list,
            errback=self.session_list_unchanged, cb_kwargs={"session": session},
            meta={"handle_httpstatus_list": [404]},
        )

    def next_session(self, session: int):
        """The next session's list, within the bound of the walk."""
        if session + 1 < FIRST_SESSION + MAX_SESSIONS:
            yield self.session_list(session + 1)

    def session_list_unchanged(self, failure):
        """A 304 (or another ignored request) for a closed session's list: go on to the next."""
        session = failure.request.cb_kwargs["session"]
        if failure.check(IgnoreRequest):
            yield from self.next_session(session)
            return
        self.logger.error("session %s list failed: %s", session, failure.value)

    def parse_session_list(self, response, session: int):
        if response.status == 404:
            if session == FIRST_SESSION:
                self.layout_changed(response, "no list page for the first session")
            else:
                self.logger.info("current session: %s (no list for %s)", session - 1, session)
            return
        page = Selector(text=decoded_html(response))
        table = page.css("table.list_c")
        if not table:
            self.layout_changed(response, "no table.list_c of questions")
            return
        for entry in list_entries(table, session, response.url):
            if not entry.title or not entry.meisai_url:
                self.layout_changed(response, f"question {entry.number} without title or detail link")
                continue
            if not self.topic.judge(entry.title).relevant:
                self.count_passed_over()
                continue
            yield scrapy.Request(entry.meisai_url, callback=self.parse_meisai, cb_kwargs={"entry": entry})
        yield from self.next_session(session)

    def parse_meisai(self, response, entry: Entry):
        details = read_details(Selector(text=decoded_html(response)))
        if not details.fields:
            self.layout_changed(response, "no 件名/提出日 fields on the detail page")
            return
        if self.nothing_new(entry, details):
            self.count_passed_over()
            return
        yield scrapy.Request(
            entry.question_url or question_url(entry), callback=self.parse_question,
            errback=self.question_unchanged, cb_kwargs={"entry": entry, "details": details},
        )

    def nothing_new(self, entry: Entry, details: Details) -> bool:
        """Asked before the last run, and answered before it too (or not yet)."""
        old_question = details.submitted is not None and details.submitted < self.since
        old_answer = entry.answer_url is None or (details.received is not None and details.received < self.since)
        return old_question and old_answer

    def question_unchanged(self, failure):
        """The question page answered 304: the answer may still be new, read it."""
        entry, details = failure.request.cb_kwargs["entry"], failure.request.cb_kwargs["details"]
        if failure.check(IgnoreRequest):
            if entry.answer_url:
                yield self.answer_request(entry, details, question_text=None)
            return
        self.lost_record(failure.request.url, f"question {entry.record_id}: {failure.value}")

    def parse_question(self, response, entry: Entry, details: Details):
        region = content_region(Selector(text=decoded_html(response)))
        if region is None:
            self.layout_changed(response, "no question text")
            return
        lines = region_lines(region)
        published = details.submitted or parse_japanese_date(" ".join(lines[:12]))
        yield self.statement(
            kind="written_question", url=response.url, title=entry.title,
            published=published.isoformat() if published else None, text=region.get(),
            record_id=f"{entry.record_id}:question", speaker=details.submitter, speaker_role=MEMBER_ROLE,
            raw=region.get(), raw_type="html",
        )
        if entry.answer_url:
            yield self.answer_request(entry, details, question_text="\n".join(lines))

    def answer_request(self, entry: Entry, details: Details, question_text: str | None) -> scrapy.Request:
        return scrapy.Request(
            entry.answer_url, callback=self.parse_answer, errback=self.answer_failed,
            cb_kwargs={"entry": entry, "details": details, "question_text": question_text},
        )

    def answer_failed(self, failure):
        if failure.check(IgnoreRequest):
            return  # unchanged since it was stored
        entry = failure.request.cb_kwargs["entry"]
        self.lost_record(failure.request.url, f"answer {entry.record_id}: {failure.value}")

    def parse_answer(self, response, entry: Entry, details: Details, question_text: str | None):
        region = content_region(Selector(text=decoded_html(response)))
        if region is None:
            self.layout_changed(response, "no answer text")
            return
        lines = region_lines(region)
        header = " ".join(lines[:12])
        published = parse_japanese_date(header) or details.received
        signer = SIGNER.search(header)
        yield self.statement(
            kind="written_answer", source_kind="government", body=CABINET, url=response.url, title=entry.title,
            published=published.isoformat() if published else None, text=region.get(),
            record_id=f"{entry.record_id}:answer", question_record_id=f"{entry.record_id}:question",
            speaker=" ".join(signer.groups()) if signer else None, speaker_role="Prime Minister" if signer else None,
            context=question_text or entry.title, raw=region.get(), raw_type="html",
        )


def decoded_html(response) -> str:
    """The page as text, decoded strictly with each plausible encoding in turn.

    The House of Councillors serves UTF-8, the House of Representatives
    Shift_JIS; a page whose header or meta disagrees with its bytes must not
    be stored as mojibake. Shift_JIS resolves to cp932, its Windows superset.
    """
    body = response.body
    header = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    candidates = [http_content_type_encoding(header), html_body_declared_encoding(body), *FALLBACK_ENCODINGS]
    for encoding in dict.fromkeys(resolve_encoding(c) or c for c in candidates if c):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return response.text


LINK = re.compile(r"(?P<kind>meisai/m|syuh/s|touh/t)(?P<session>\d{3})(?P<number>\d{3})\.htm$")


def list_entries(table: Selector, session: int, base_url: str) -> list[Entry]:
    """The questions of a session's list, grouped by the number in their links.

    The list sets each question over three rows (title; number, member and
    HTML links; PDF links); grouping by the links' numbers rather than by
    row position survives a row added or merged.
    """
    entries: dict[int, Entry] = {}
    for link in table.css("a[href]"):
        href = link.attrib["href"].strip()
        match = LINK.search(href)
        if not match or int(match.group("session")) != session:
            continue
        number = int(match.group("number"))
        entry = entries.setdefault(number, Entry(session, number))
        url = urljoin(base_url, href)
        if match.group("kind") == "meisai/m":
            entry.meisai_url = url
            entry.title = _clean(" ".join(link.css("::text").getall()))
        elif match.group("kind") == "syuh/s":
            entry.question_url = url
        else:
            entry.answer_url = url
    return [entries[n] for n in sorted(entries)]


def read_details(page: Selector) -> Details:
    """The detail page's label/value pairs (th then td), dates parsed."""
    fields = {}
    for th in page.css("table th"):
        label = _clean(" ".join(th.css("::text").getall()))
        value = th.xpath("following-sibling::td[1]")
        if label and value:
            fields[label] = _clean(" ".join(value.css("::text").getall()))
    if "提出日" not in fields and "件名" not in fields:
        return Details()
    submitter = HONORIFIC.sub("", fields.get("提出者", "")).strip() or None
    return Details(
        submitted=parse_japanese_date(fields.get("提出日")),
        received=parse_japanese_date(fields.get("答弁書受領日")),
        submitter=" ".join(submitter.split()) if submitter else None,
        fields=fields,
    )


def content_region(page: Selector) -> Selector | None:
    """The document's text without the site's header, menus and footer."""
    for css in ("#ContentsBox .main_text", "#ContentsBox", "#contents", "body"):
        found = page.css(css)
        if found and "".join(found[0].css("::text").getall()).strip():
            return found[0]
    return None


def region_lines(region: Selector) -> list[str]:
    """Non-empty text lines of a region, spaces folded (full-width ones too)."""
    text = "\n".join(region.css("::text").getall())
    return [line for line in (_clean(part) for part in text.split("\n")) if line]


def question_url(entry: Entry) -> str:
    return f"{BASE}/{entry.session}/syuh/s{entry.session}{entry.number:03d}.htm"


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


