"""Japan's Ministry of Foreign Affairs: the Foreign Minister's and the Press
Secretary's press conferences, in Japanese and English.

Source: www.mofa.go.jp, HTML only, no API and no feed. Conference records
are ``/mofaj/press/kaiken/kaiken{n}_{nnnnnn}.html`` (and the newer
``kaikenw_000001_{nnnnn}.html``), their English translations
``/press/kaiken/kaiken{n}e_{nnnnnn}.html`` (``kaikenwe_...``). The Japanese
records are listed on ``/mofaj/press/kaiken/bn/index.html`` (recent
conferences only: no monthly archive of it was found); the English ones on
``/press/kaiken/index.html`` for the current month and
``/press/kaiken/pc_{YYYYMM}_index.html`` for each month before, which the
spider walks back to ``self.since``.

A record is a sequence of topics (a heading), each with a reporter's
question ("【NHK 今井記者】…", "Sankei Shimbun, Okada: …") and the
minister's or press secretary's answer ("【林外務大臣】…", "Minister
Hayashi: …"); paragraphs without a label continue the turn before them.
One candidate per answer, its question (and topic) as ``context``; an
opening remark (an answer with no question) is one candidate with its topic
as context.

The site is reported to refuse some crawlers (403s seen by a public
project): ``slow_site``, one request at a time.

Verified on real text: the Japanese record of 2022-12-27 (kaiken24_000164)
and the English record of 2022-11-29 (kaiken24e_000183), their titles, date
lines and labelled paragraphs, from stored copies of the pages. Only on
RECONSTRUCTED markup: every selector (h2.title2, h3.title3 and #maincontents
as public feed code reads them; the listing's dl.title-list), and the
listings' contents. No press conference answer about the stations was found.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import scrapy
from scrapy import Selector
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

from core.japanese_dates import parse_japanese_date
from core.text import text_fingerprint
from spiders.base import StationwatchSpider

SITE = "https://www.mofa.go.jp"
JA_LISTING = f"{SITE}/mofaj/press/kaiken/bn/index.html"
EN_CURRENT = f"{SITE}/press/kaiken/index.html"
EN_MONTH = SITE + "/press/kaiken/pc_{year:04d}{month:02d}_index.html"
MAX_MONTHS = 240
FALLBACK_ENCODINGS = ("utf-8", "cp932", "euc_jp")
RECORD = {
    "ja": re.compile(r"/mofaj/press/kaiken/kaiken\w*?_\d+(?:_\d+)?\.html$"),
    "en": re.compile(r"/press/kaiken/kaiken\w*?e_\d+(?:_\d+)?\.html$"),
}
JA_LABEL = re.compile(r"^【(?P<who>[^】]{1,40})】\s*(?P<rest>.*)$", re.S)
EN_LABEL = re.compile(r"^(?P<who>[A-Z][^:]{1,80}?):\s+(?P<rest>.+)$", re.S)
JA_ROLES = {"外務大臣": "Minister for Foreign Affairs", "外務報道官": "Press Secretary",
            "外務副大臣": "State Minister for Foreign Affairs", "外務大臣政務官": "Parliamentary Vice-Minister for Foreign Affairs"}
EN_OFFICIAL = re.compile(r"\b(?:Minister|Press Secretary|Secretary|Ambassador)\b")
EN_FULL_NAME = re.compile(r"^(?:Mr\.|Ms\.|Mrs\.|Dr\.)?\s*(?P<name>[A-Z]{2,}(?:\s[A-Z][a-z]+)+),\s*(?P<role>.+)$")
EN_SHORT_NAME = re.compile(r"^(?P<role>Minister|Press Secretary|State Minister)\s+(?P<surname>[A-Z][a-z]+)$")
MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"), start=1)}
EN_DATE = re.compile(r"\b([A-Z][a-z]+)\s+(\d{1,2}),\s+(\d{4})")


@dataclass
class Turn:
    """One labelled turn: who spoke, and their paragraphs."""

    who: str
    official: bool
    topic: str
    paragraphs: list[str] = field(default_factory=list)


class JpMofaSpider(StationwatchSpider):
    name = "jp_mofa"
    allowed_domains = ["www.mofa.go.jp"]
    source_kind = "ministry"
    country = "JP"
    body = "Ministry of Foreign Affairs"
    language = "ja"
    slow_site = True

    async def start(self):
        yield scrapy.Request(JA_LISTING, callback=self.parse_listing, cb_kwargs={"language": "ja", "required": True},
                             meta={"dont_conditional": True})
        for url in self.english_months():
            yield scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"language": "en", "required": False},
                                 meta={"dont_conditional": True})

    def english_months(self, today: dt.date | None = None) -> list[str]:
        """The English listings from this month back to the month of ``self.since``."""
        today = today or dt.date.today()
        year, month = today.year, today.month
        urls = [EN_CURRENT]
        for _ in range(MAX_MONTHS):
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            if (year, month) < (self.since.year, self.since.month):
                break
            urls.append(EN_MONTH.format(year=year, month=month))
        return urls

    def parse_listing(self, response, language: str, required: bool):
        page = Selector(text=decoded_html(response))
        hrefs = [response.urljoin(h.strip()).split("#")[0] for h in page.xpath("//a/@href").getall()]
        records = [url for url in dict.fromkeys(hrefs) if RECORD[language].search(url)]
        if not records and required:
            self.layout_changed(response, "no conference records listed")
        for url in records:
            yield scrapy.Request(url, callback=self.parse_record, cb_kwargs={"language": language})

    def parse_record(self, response, language: str):
        page = Selector(text=decoded_html(response))
        region = page.css("#maincontents")
        if not region:
            self.layout_changed(response, "no #maincontents")
            return
        title = " ".join(" ".join(page.css("h2.title2 ::text, h1 ::text").getall()).split()) or _meta_title(page)
        date_line = " ".join(" ".join(page.css("h3.title3 ::text").getall()).split())
        published = record_date(date_line, language)
        if published is not None and published < self.since:
            self.count_passed_over()
            return
        turns = read_turns(region[0], language)
        if not turns:
            self.layout_changed(response, "no labelled paragraphs")
            return
        doc = response.url.rsplit("/", 1)[-1].removesuffix(".html")
        names = official_names(turns, language)
        seen: dict[str, int] = {}
        for question, answer in pair_turns(turns):
            speaker, role = names.get(answer.who) or split_official(answer.who, language)
            context = "\n\n".join(p for p in (answer.topic, *(question.paragraphs if question else ())) if p)
            key = text_fingerprint(context or answer.paragraphs[0])[:16]
            seen[key] = seen.get(key, 0) + 1
            yield self.statement(
                kind="press_conference", url=response.url, title=title,
                published=published.isoformat() if published else None, language=language,
                text="\n\n".join(answer.paragraphs), record_id=f"{doc}:{key}" + (f":{seen[key]}" if seen[key] > 1 else ""),
                speaker=speaker, speaker_role=role, context=context or None,
            )


def decoded_html(response) -> str:
    """The page as text, decoded strictly (declared charset, UTF-8, Shift_JIS as cp932, EUC-JP)."""
    body = response.body
    header = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    candidates = [http_content_type_encoding(header), html_body_declared_encoding(body), *FALLBACK_ENCODINGS]
    for encoding in dict.fromkeys(resolve_encoding(c) or c for c in candidates if c):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return response.text


def _meta_title(page: Selector) -> str:
    return (page.xpath('//meta[@property="og:title"]/@content').get() or "").strip()


def record_date(line: str, language: str) -> dt.date | None:
    """"(令和4年12月27日(火曜日)10時57分 於:本省会見室)" or
    "Tuesday, November 29, 2022, 3:13 p.m. Ministry of Foreign Affairs"."""
    if language == "ja":
        return parse_japanese_date(line)
    match = EN_DATE.search(line)
    if not match or match.group(1) not in MONTHS:
        return None
    try:
        return dt.date(int(match.group(3)), MONTHS[match.group(1)], int(match.group(2)))
    except ValueError:
        return None


def read_turns(region: Selector, language: str) -> list[Turn]:
    """The record's labelled turns, each with the topic heading it falls under."""
    turns: list[Turn] = []
    topic = ""
    for node in region.xpath("./*[self::h2 or self::h3 or self::h4 or self::h5 or self::p or self::div]"):
        text = " ".join(unicodedata.normalize("NFKC", " ".join(node.xpath(".//text()").getall())).split())
        if not text:
            continue
        if node.root.tag in ("h2", "h3", "h4", "h5"):
            topic = text
            continue
        label = _label(text, language)
        if label:
            who, rest = label
            turns.append(Turn(who, _is_official(who, language), topic, [rest] if rest else []))
        elif turns:
            turns[-1].paragraphs.append(text)
    return [t for t in turns if t.paragraphs]


def _label(text: str, language: str) -> tuple[str, str] | None:
    if language == "ja":
        match = JA_LABEL.match(text)
        return (" ".join(match.group("who").split()), match.group("rest").strip()) if match else None
    match = EN_LABEL.match(text)
    if not match:
        return None
    who = match.group("who").strip()
    # A label is a name with a role, or an outlet and a reporter: a few words, never a sentence.
    if len(who.split()) > 8 or not ("," in who or EN_OFFICIAL.search(who)):
        return None
    return who, match.group("rest").strip()


def _is_official(who: str, language: str) -> bool:
    if language == "ja":
        return "記者" not in who and any(role in who for role in (*JA_ROLES, "大臣", "報道官"))
    return bool(EN_OFFICIAL.search(who)) and not re.search(r"\b(?:Shimbun|Press|News|Times|TV|NHK|Kyodo|Jiji)\b,", who)


def split_official(who: str, language: str) -> tuple[str, str | None]:
    """(name, role) of an official's label: "林外務大臣" -> ("林", "Minister for
    Foreign Affairs"); "Mr. HAYASHI Yoshimasa, Minister for Foreign Affairs"
    -> ("HAYASHI Yoshimasa", "Minister for Foreign Affairs")."""
    if language == "ja":
        for role in sorted(JA_ROLES, key=len, reverse=True):
            if who.endswith(role) and len(who) > len(role):
                return who[: -len(role)].strip(), JA_ROLES[role]
        return who, None
    if match := EN_FULL_NAME.match(who):
        return match.group("name"), match.group("role").strip()
    if match := EN_SHORT_NAME.match(who):
        return match.group("surname"), match.group("role")
    return who, None


def official_names(turns: list[Turn], language: str) -> dict[str, tuple[str, str | None]]:
    """Each official label -> (name, role), with the full name a record gives
    once ("Mr. HAYASHI Yoshimasa, ...") used for its short form ("Minister Hayashi")."""
    names: dict[str, tuple[str, str | None]] = {}
    full = {}
    for turn in turns:
        if turn.official:
            name, role = split_official(turn.who, language)
            names[turn.who] = (name, role)
            if language == "en" and (m := EN_FULL_NAME.match(turn.who)):
                full[m.group("name").split()[0].lower()] = (m.group("name"), role)
    if language == "en":
        for who, (name, role) in names.items():
            if (m := EN_SHORT_NAME.match(who)) and m.group("surname").lower() in full:
                names[who] = (full[m.group("surname").lower()][0], full[m.group("surname").lower()][1])
    return names


def pair_turns(turns: list[Turn]) -> list[tuple[Turn | None, Turn]]:
    """(the question, the official's answer) pairs; an official's turn with
    no reporter's turn before it in the same topic is an opening remark (None)."""
    pairs = []
    question: Turn | None = None
    for turn in turns:
        if not turn.official:
            question = turn
            continue
        if question is not None and question.topic != turn.topic:
            question = None
        pairs.append((question, turn))
        question = None
    return pairs
