"""US Congressional Record (House, Senate, Extensions of Remarks) and committee
hearings, from govinfo.

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

Committee hearings (collection CHRG): hearing packages new or changed since
the start date (``/collections/CHRG/{since}``, ``nextPage`` followed), each
transcript read whole (``/packages/{id}/htm``). A hearing is printed months
or years after it is held, so its statements arrive late, dated by the
day on the cover. One candidate per turn ("Senator Scott.", "Mr. Wray.") and
per prepared statement, kind ``committee_evidence``; a witness's office
comes from the heading that introduces them ("TESTIMONY OF ... WRAY,
DIRECTOR, FEDERAL BUREAU OF INVESTIGATION"), and a witness's answer carries
the member's question before it as context (an answer often names the
topic only through the question).

Record ids come from the record: the granule or package id and a hash of
the speaker and the folded words (issue #19 item 4), so a corrected or
re-split text keeps the ids of the turns it did not change.

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
the section is read from the granule id). Hearings: the htm wrapper and the
cover (chamber line, centred title, date) of a real Senate transcript; the
turns, headings and prepared statement only in a RECONSTRUCTED transcript
(the Director's answer in it is his real words as the press quoted them).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from dataclasses import dataclass
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


# Committee hearings (collection CHRG): the chamber from the package id
# (CHRG-117shrg..., -hhrg..., -jhrg...) -> (body, role of a member there).
HEARING_CHAMBERS = {
    "s": ("US Senate", "Senator"),
    "h": ("US House of Representatives", "Representative"),
    "j": ("US Congress", "Member of Congress"),
}
_HEARING_PACKAGE = re.compile(r"^CHRG-\d+(?P<chamber>[shj])hrg")
_MONTHS = "JANUARY|FEBRUARY|MARCH|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER"
_HEARING_DATE = re.compile(rf"^\s*(?:[A-Z]+DAY,\s+)?((?:{_MONTHS})\s+\d{{1,2}},\s+\d{{4}})\s*$", re.M)
# A turn in a hearing: "Chairman Peters.", "Senator Scott.", "Mr. Wray.",
# "Secretary Mayorkas.", "Ranking Member Portman.", "The Chairman."
_HEARING_TURN = re.compile(
    r"^(?P<who>(?:Mr|Mrs|Ms|Miss|Dr)\.\s+[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+)?(?:\s+of\s+[A-Z][a-z]+)?"
    r"|(?P<title>Chairman|Chairwoman|Chair|Vice\s+Chairman|Vice\s+Chair|Ranking\s+Member|Senator|Representative"
    r"|Secretary|Director|General|Admiral|Ambassador|Commissioner|Administrator|Governor|Mayor|Judge|Chief)"
    r"\s+[A-Z][A-Za-z'\-]+"
    r"|The\s+(?:Chairman|Chairwoman|Chair|Clerk))\.\s+(?P<rest>.*)$",
    re.S,
)
_MEMBER_TITLES = {"Chairman", "Chairwoman", "Chair", "Vice Chairman", "Vice Chair", "Ranking Member", "Senator",
                  "Representative"}
# Headings that name a witness: "TESTIMONY OF THE HONORABLE CHRISTOPHER A.
# WRAY, DIRECTOR, FEDERAL BUREAU OF INVESTIGATION", "PREPARED STATEMENT OF ...".
_WITNESS_HEADING = re.compile(r"^(?P<prepared>PREPARED\s+)?(?:STATEMENT|TESTIMONY)\s+OF\s+(?P<who>.+)$", re.S)
_MEMBER_HEADING = re.compile(r"^(?:Chairman|Chairwoman|Chair|Ranking Member|Senator|Representative)\b", re.I)
_HONORIFICS = re.compile(r"^(?:THE\s+)?(?:HONORABLE|HON\.)\s+|^(?:MR|MRS|MS|DR)\.\s+")


class UsCongressSpider(StationwatchSpider):
    name = "us_congress"
    allowed_domains = ["api.govinfo.gov"]
    source_kind = "parliament"
    country = "US"

    requires_env = {KEY_ENV: "an api.data.gov key to crawl the Congressional Record and hearings (https://api.data.gov/signup/)"}
    slow_site = True  # an api.data.gov key allows about 1,000 requests an hour

    async def start(self):
        since = f"{self.since.isoformat()}T00:00:00Z"
        query = urlencode({"pageSize": PAGE_SIZE, "offsetMark": "*"})
        yield self.api(f"{API}/collections/CREC/{since}?{query}", self.parse_collection)
        yield self.api(f"{API}/collections/CHRG/{since}?{query}", self.parse_hearings)

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


    def parse_hearings(self, response):
        """Hearing transcripts (CHRG) new or changed since the start date.

        A hearing is printed months after it is held, and its title rarely
        names the topic ("Threats to the Homeland"): every changed package
        is read and the relevance pipeline judges each turn."""
        data = self.json_or_layout_error(response, "packages")
        if data is None:
            return
        for package in data["packages"]:
            package_id = package.get("packageId") or ""
            if not _HEARING_PACKAGE.match(package_id):
                self.layout_changed(response, "a package without a hearing packageId")
                continue
            yield self.api(f"{API}/packages/{package_id}/htm", self.parse_hearing, package_id=package_id,
                           title=package.get("title") or "", issued=package.get("dateIssued") or "")
        if data.get("nextPage") and data["packages"]:
            yield self.api(data["nextPage"], self.parse_hearings)

    def parse_hearing(self, response, package_id, title, issued=""):
        """One candidate per turn (a member's question, a witness's answer) and
        per prepared statement; a witness's answer carries the question before
        it as context."""
        pre = response.xpath("//pre")
        if not pre:
            self.layout_changed(response, "no <pre> text in the hearing")
            return
        text = "".join(pre.xpath(".//text()").getall())
        body, member_role = HEARING_CHAMBERS[_HEARING_PACKAGE.match(package_id)["chamber"]]
        found = hearing_turns(text, member_role)
        if not found:
            self.layout_changed(response, "no speaker's turn in the hearing transcript")
            return
        published = hearing_date(text) or issued[:10]
        keys = turn_keys([(turn.speaker, None, turn.words) for turn in found])
        raw = response.text
        for turn, key in zip(found, keys):
            yield self.statement(
                body=body,
                kind="committee_evidence",
                url=f"{WEB}/app/details/{package_id}",
                fetch_url=response.url,
                title=title or _html_title(response),
                published=published,
                language="en",
                text=turn.words,
                context=turn.context,
                record_id=f"{package_id}#{key}",
                speaker=turn.speaker,
                speaker_role=turn.role,
                raw=raw,
                raw_type="html",
            )


@dataclass
class HearingTurn:
    speaker: str
    role: str
    words: str
    context: str | None = None  # the member's question a witness answers
    prepared: bool = False  # a statement for the record, not a turn in the exchange


def hearing_date(text: str) -> str | None:
    """The day the hearing was held, from the cover ("NOVEMBER 17, 2022"); the first of several."""
    match = _HEARING_DATE.search(text[:6000])
    if not match:
        return None
    return dt.datetime.strptime(" ".join(match.group(1).split()).title(), "%B %d, %Y").date().isoformat()


def hearing_turns(text: str, member_role: str) -> list[HearingTurn]:
    """The turns of a hearing transcript, in order, with speaker and role.

    Members speak as "Senator Scott." or "Chairman Peters."; witnesses as
    "Mr. Wray." or "Secretary Mayorkas.", and the headings that introduce
    them ("TESTIMONY OF ... WRAY, DIRECTOR, FEDERAL BUREAU OF
    INVESTIGATION") give their office. A "PREPARED STATEMENT OF" heading
    starts the witness's written statement. Other headings end a turn, so
    the contents and appendix lists belong to nobody.
    """
    witnesses: dict[str, str] = {}  # surname (upper case) -> office
    turns_found: list[HearingTurn] = []
    current: list | None = None  # [speaker, role, paragraphs, prepared]

    def close():
        if current and current[2]:
            turns_found.append(HearingTurn(current[0], current[1], "\n\n".join(current[2]), prepared=current[3]))

    for para in _merge_headings(paragraphs(text)):
        if _is_heading(para):
            close()
            current = None
            witness = _WITNESS_HEADING.match(para)
            if witness:
                name, office = _witness_name_and_office(witness["who"])
                member = _MEMBER_HEADING.match(name)
                if not member:
                    witnesses[name.split()[-1].upper()] = office
                if witness["prepared"]:  # a member's own prepared statement is a member's
                    current = [name, member_role if member else (office or "Witness"), [], True]
            continue
        match = _HEARING_TURN.match(para)
        if match:
            close()
            who = " ".join(match["who"].split())
            current = [who, _hearing_role(who, match["title"], witnesses, member_role), [match["rest"].strip()], False]
        elif current is not None:
            current[2].append(para)
    close()
    for before, turn in zip(turns_found, turns_found[1:]):
        if not turn.prepared and turn.role not in (member_role, "Chair") and before.role in (member_role, "Chair"):
            turn.context = before.words
    return turns_found


def _merge_headings(paras: list[str]) -> list[str]:
    """A heading wrapped over two centred lines is one heading."""
    merged: list[str] = []
    for para in paras:
        if merged and _is_heading(para) and _is_heading(merged[-1]) and merged[-1].rstrip().endswith(","):
            merged[-1] = f"{merged[-1]} {para}"
        else:
            merged.append(para)
    return merged


def _is_heading(para: str) -> bool:
    """Capitals only (a title, "OPENING STATEMENT OF ...", "C O N T E N T S")."""
    letters = [ch for ch in para if ch.isalpha()]
    return bool(letters) and not any(ch.islower() for ch in letters)


def _witness_name_and_office(heading: str) -> tuple[str, str]:
    """"THE HONORABLE CHRISTOPHER A. WRAY, DIRECTOR, FEDERAL BUREAU OF INVESTIGATION"
    -> ("Christopher A. Wray", "Director, Federal Bureau of Investigation")."""
    heading = re.sub(r"\\\d+\\", " ", heading)  # footnote marks: "WRAY,\1\ DIRECTOR"
    name, _, office = " ".join(heading.split()).partition(",")
    name = _HONORIFICS.sub("", name.strip())
    return _title_case(name), _title_case(office.strip(" ,"))


def _title_case(words: str) -> str:
    small = {"of", "the", "and", "for", "on", "in", "to", "at"}
    out = []
    for index, word in enumerate(words.split()):
        lower = word.lower()
        out.append(lower if index and lower in small else lower.capitalize())
    return " ".join(out)


def _hearing_role(who: str, title: str | None, witnesses: dict[str, str], member_role: str) -> str:
    """A member's role, the chair, or a witness's office ("Witness" when the transcript names none)."""
    if who.startswith("The "):
        return "Chair"
    surname = who.split()[-1].upper()
    if title and " ".join(title.split()) in _MEMBER_TITLES:
        return member_role
    if surname in witnesses:
        return witnesses[surname] or "Witness"
    if title:
        return "Witness"  # "Secretary Mayorkas.": an official, not a member
    # "Mr. Smith." in a House hearing is a member unless a heading named a witness so.
    return member_role if member_role == "Representative" else "Witness"


def _html_title(response) -> str:
    """govinfo's <title> is " - THREATS TO THE HOMELAND"."""
    return (response.xpath("//title/text()").get() or "").strip(" -\n")


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
