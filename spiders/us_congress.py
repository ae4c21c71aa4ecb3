"""US Congressional Record (House, Senate, Extensions of Remarks) from govinfo.

Source: the govinfo API (api.govinfo.gov; an api.data.gov key from the
environment variable GOVINFO_API_KEY, sent as the X-Api-Key header so it never
appears in a stored URL or a log line). Without a key the spider logs one
message and does nothing.

The walk: Congressional Record issues (packages) new or changed since the
start date (``/collections/CREC/{since}``, ``nextPage`` followed to the end),
each issue's articles (granules, ``nextPage`` followed), and each House,
Senate or Extensions article's text (``/htm``; the Daily Digest is an index,
not speech, and is skipped). govinfo's full-text search is a POST service;
the collection walk is used instead so that late corrections of older issues
(``lastModified``) are seen too, and the relevance pipeline filters.

One article holds several speakers: each speaker's turn ("  Mr. CASTEN.
Madam Speaker, ...", "  The PRESIDING OFFICER (Mr. Cotton). ...") is one
candidate, dated by the article's own header (an issue can carry articles
dated earlier than the issue). The public page is govinfo's details page.

Cost: every House, Senate and Extensions article of every changed issue is
fetched (about 100-200 a sitting day), one request at a time. A nightly run
after a sitting day fits the crawl timeout; the first back-fill from
2022-09-01 does not (tens of thousands of articles at the key's ~1,000
requests an hour): start a first run from a recent date with
``-a since=YYYY-MM-DD`` (older issues are then not covered).

Verified against real recorded responses: the collections envelope (count,
nextPage, packages[packageId, lastModified, packageLink]), the granules list
(count, nextPage, granules[title, granuleId, granuleLink]), the details URL
form (granule summary ``detailsLink``), the htm layout (header lines, centred
title, two-space paragraph indent, speaker designations) from two real
articles. Only against a RECONSTRUCTED sample: an on-topic article (its text
is a placeholder); ``granuleClass`` in list entries (used when present, else
the section is read from the granule id).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from urllib.parse import urlencode

import scrapy

from core.text import text_fingerprint
from spiders.base import StationwatchSpider

API = "https://api.govinfo.gov"
WEB = "https://www.govinfo.gov"
KEY_ENV = "GOVINFO_API_KEY"
PAGE_SIZE = 100
# Section of the Record -> (body, kind, role of a member speaking there).
SECTIONS = {
    "HOUSE": ("US House of Representatives", "floor_speech", "Representative"),
    "SENATE": ("US Senate", "floor_speech", "Senator"),
    "EXTENSIONS": ("US House of Representatives", "extension_of_remarks", "Representative"),
}
_SECTION_BY_PAGE = {"H": "HOUSE", "S": "SENATE", "E": "EXTENSIONS", "D": "DIGEST"}
_GRANULE_PAGE = re.compile(r"-Pg([A-Z])\d")
_HEADER_DATE = re.compile(r"^\[Congressional Record Volume \d+, Number \d+ \(\w+, (\w+ \d{1,2}, \d{4})\)\]")
_FURNITURE = re.compile(r"^\s*(\[.*\]|From the Congressional Record Online.*|_{5,})\s*$")
# A turn starts a paragraph: "Mr. SMITH of Michigan.", "Ms. DEL MORAL.",
# "The SPEAKER pro tempore.", "The PRESIDING OFFICER (Mr. Cotton)."
_TURN = re.compile(
    r"^(?P<who>(?:Mr|Mrs|Ms|Miss|Dr)\.\s+[A-Z][A-Z'\-]+(?:\s+[A-Z][A-Z'\-]+)*(?:\s+of\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)?"
    r"|The\s+[A-Z][A-Z]+(?:\s+[A-Z]+)*(?:\s+pro\s+tempore)?(?:\s+\((?P<chair>[^)]+)\))?)\.\s+(?P<rest>.*)$",
    re.S,
)


class UsCongressSpider(StationwatchSpider):
    name = "us_congress"
    allowed_domains = ["api.govinfo.gov"]
    source_kind = "parliament"
    country = "US"

    requires_env = {KEY_ENV: "an api.data.gov key to crawl the Congressional Record (https://api.data.gov/signup/)"}
    slow_site = True  # an api.data.gov key allows about 1,000 requests an hour

    async def start(self):
        since = f"{self.since.isoformat()}T00:00:00Z"
        yield self.api(f"{API}/collections/CREC/{since}?{urlencode({'pageSize': PAGE_SIZE, 'offsetMark': '*'})}",
                       self.parse_collection)

    @property
    def api_headers(self) -> dict:
        """The key travels in a header: URLs (stored as fetch_url, logged) stay key-free."""
        return {"X-Api-Key": os.environ.get(KEY_ENV, ""), "Accept": "application/json"}

    def api(self, url: str, callback, **cb_kwargs) -> scrapy.Request:
        return scrapy.Request(url, headers=self.api_headers, callback=callback, cb_kwargs=cb_kwargs)

    def parse_collection(self, response):
        """Issues changed since the start date; each leads to its articles."""
        data = self.json_or_layout_error(response, "packages")
        if data is None:
            return
        for package in data["packages"]:
            package_id = package.get("packageId")
            if not package_id:
                self.layout_changed(response, "a package without packageId")
                continue
            query = urlencode({"pageSize": PAGE_SIZE, "offsetMark": "*"})
            yield self.api(f"{API}/packages/{package_id}/granules?{query}", self.parse_granules,
                           package_id=package_id)
        if data.get("nextPage") and data["packages"]:
            yield self.api(data["nextPage"], self.parse_collection)

    def parse_granules(self, response, package_id):
        """An issue's articles: the House, Senate and Extensions ones are fetched as text."""
        data = self.json_or_layout_error(response, "granules")
        if data is None:
            return
        for granule in data["granules"]:
            granule_id = granule.get("granuleId")
            if not granule_id:
                self.layout_changed(response, "a granule without granuleId")
                continue
            section = section_of(granule)
            if section not in SECTIONS:
                continue  # the Daily Digest indexes the day; it is not speech
            yield self.api(f"{API}/packages/{package_id}/granules/{granule_id}/htm", self.parse_article,
                           package_id=package_id, granule_id=granule_id, section=section,
                           title=granule.get("title") or "")
        if data.get("nextPage") and data["granules"]:
            yield self.api(data["nextPage"], self.parse_granules, package_id=package_id)

    def parse_article(self, response, package_id, granule_id, section, title):
        """One candidate per speaker's turn in the article."""
        pre = response.xpath("//pre")
        if not pre:
            self.layout_changed(response, "no <pre> text in the article")
            return
        text = "".join(pre.xpath(".//text()").getall())
        published = article_date(text) or _date_from_id(granule_id)
        body, kind, member_role = SECTIONS[section]
        raw = response.text
        found = turns(text)
        for (who, chair, words), key in zip(found, turn_keys(found)):
            speaker, role = (chair, _office(who)) if chair else _speaker_and_role(who, member_role)
            yield self.statement(
                body=body,
                kind=kind,
                url=f"{WEB}/app/details/{package_id}/{granule_id}",
                fetch_url=response.url,
                title=title,
                published=published,
                language="en",
                text=words,
                record_id=f"{granule_id}#{key}",
                speaker=speaker,
                speaker_role=role,
                raw=raw,
                raw_type="html",
            )


def section_of(granule: dict) -> str:
    """HOUSE, SENATE, EXTENSIONS or DIGEST: granuleClass when given, else the page letter in the id."""
    if granule.get("granuleClass"):
        return str(granule["granuleClass"]).upper()
    match = _GRANULE_PAGE.search(granule.get("granuleId") or "")
    return _SECTION_BY_PAGE.get(match.group(1), "") if match else ""


def article_date(text: str) -> str | None:
    """The date in the article's header line, ISO; None if the header is missing."""
    for line in text.lstrip().splitlines()[:3]:
        match = _HEADER_DATE.match(line.strip())
        if match:
            return dt.datetime.strptime(match.group(1), "%B %d, %Y").date().isoformat()
    return None


def paragraphs(text: str) -> list[str]:
    """The article's paragraphs, wrapped lines joined.

    In the Record's text a paragraph starts with a two-space indent and its
    wrapped lines are flush left; centred lines (titles) are indented far
    more; header lines, page markers and rules are furniture.
    """
    paras: list[str] = []
    current: list[str] = []

    def flush():
        if current:
            paras.append(" ".join(part.strip() for part in current))
            current.clear()

    for line in text.splitlines():
        if not line.strip() or _FURNITURE.match(line):
            flush()
        elif re.match(r"^ {2,}\S", line):
            flush()
            current.append(line)
        else:
            current.append(line)
    flush()
    return paras


def turns(text: str) -> list[tuple[str, str | None, str]]:
    """(designation, chair occupant or None, words) for each speaker's turn.

    A turn runs from a paragraph opening with a designation to the next one;
    paragraphs before the first designation (the title, an Extensions
    heading) belong to nobody.
    """
    found: list[list] = []
    for para in paragraphs(text):
        match = _TURN.match(para)
        if match:
            found.append([" ".join(match["who"].split()), match["chair"], [match["rest"].strip()]])
        elif found:
            found[-1][2].append(para)
    return [(who, chair, "\n\n".join(p for p in words if p)) for who, chair, words in found]


def turn_keys(found: list[tuple[str, str | None, str]]) -> list[str]:
    """A key per turn from its own content, not its place in the article.

    A position (``#3``) made a re-split or corrected article look like new
    statements (issue #19 item 4). The key is a hash of the speaker and the
    folded words (core.text.text_fingerprint folds case, spacing, quotes);
    the same words said twice by the same speaker ("Without objection, it
    is so ordered.") are told apart by their occurrence count, which an
    edit elsewhere in the article does not change.
    """
    seen: Counter = Counter()
    keys = []
    for who, chair, words in found:
        digest = text_fingerprint(f"{chair or who}\n{words}")[:16]
        seen[digest] += 1
        keys.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return keys


def _speaker_and_role(who: str, member_role: str) -> tuple[str, str]:
    """"The SPEAKER pro tempore" speaks as an office; "Mr. CASTEN" as a member."""
    if who.startswith("The "):
        return who, _office(who)
    return who, member_role


def _office(who: str) -> str:
    """"The PRESIDING OFFICER (Mr. Cotton)" -> "Presiding Officer"."""
    office = re.sub(r"\s*\(.*\)$", "", who)[4:]
    return " ".join(w if w == "pro" or w == "tempore" else w.capitalize() for w in office.split())


def _date_from_id(granule_id: str) -> str:
    match = re.match(r"CREC-(\d{4}-\d{2}-\d{2})", granule_id)
    return match.group(1) if match else ""
