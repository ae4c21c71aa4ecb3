"""Clean a candidate: text from HTML, ISO dates, canonical URLs, a text hash,
and the speaker's canonical name (one person in any script or name order)."""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from w3lib.url import canonicalize_url, url_query_cleaner

from stationwatch.items import UnattributedQuote
from core.text import fold, text_fingerprint  # text_fingerprint: the pipeline's hash

REQUIRED = ("source", "source_kind", "country", "body", "kind", "url", "record_id")
TRACKING_PARAMS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "at_medium", "at_campaign",
    "cmpid", "CMP", "ocid", "ito", "ns_mchannel", "ns_source", "ns_campaign", "oc", "xtor",
)
_BLOCK_TAGS = frozenset(("p", "div", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section", "article", "ul", "ol", "table", "td", "th", "dd", "dt"))
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "head"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SIMPLE_TAG = re.compile(
    r"</?(p|br|a|b|i|em|strong|u|span|sup|sub|ul|ol|li|h[1-6]|blockquote|div)"
    r"""((?:\s+[a-zA-Z_:][-\w:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))?)*)\s*/?>""",
    re.IGNORECASE,
)
_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&[a-zA-Z#0-9]+;")


def html_to_text(value: str) -> str:
    """Readable text from an HTML fragment: one paragraph per block, scripts dropped.

    Spiders select the record's region with Scrapy selectors first; this only
    sees the fragment (BeautifulSoup on a whole page is ~15x slower). Short
    fragments are cached: an answer's context is its question, converted
    just before as the question's own text.
    """
    if value and len(value) <= _CACHED_FRAGMENT_CHARS:
        return _cached_html_to_text(value)
    return _html_to_text(value)


_CACHED_FRAGMENT_CHARS = 20_000  # a cache of 256 fragments stays under ~5 MB


@functools.lru_cache(maxsize=256)
def _cached_html_to_text(value: str) -> str:
    return _html_to_text(value)


def _html_to_text(value: str) -> str:
    if not value:
        return ""
    if not _LOOKS_LIKE_HTML.search(value):
        return clean_whitespace(value)
    simple = _simple_markup_text(value)
    if simple is not None:
        return clean_whitespace(simple)
    return clean_whitespace(_tree_text(value))


def _simple_markup_text(value: str) -> str | None:
    """Text of a fragment made only of simple tags (<p>, <a href>, <br>...), or None.

    Most API answers are such fragments. Building a BeautifulSoup tree for
    them cost ~0.7 ms each, half of the whole pipeline's per-item time;
    this scan costs a tenth of that. Anything else (scripts, comments,
    tables, a stray "<", malformed tags) goes to BeautifulSoup. The two
    paths give the same text on simple fragments (tests/test_normalize.py).
    """
    pieces: list[str] = []
    position = 0
    for tag in _SIMPLE_TAG.finditer(value):
        between = value[position:tag.start()]
        if "<" in between:
            return None
        pieces.append(between)
        if tag.group(1).lower() in _BLOCK_TAGS:
            pieces.append("\n")
        position = tag.end()
    rest = value[position:]
    if "<" in rest:
        return None
    pieces.append(rest)
    return html.unescape("".join(pieces))


def _tree_text(value: str) -> str:
    """Text of an HTML fragment parsed by BeautifulSoup (lxml), with a line
    break around each block element.

    One walk over the tree, without mutating it (inserting break strings
    into the tree cost as much as parsing it). BeautifulSoup is imported
    here: API sources' simple fragments never need it (45 ms per crawl
    process).
    """
    from bs4 import BeautifulSoup, CData, NavigableString, Tag

    pieces: list[str] = []

    def collect(node) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                if child.name in _SKIP_TAGS:
                    continue
                block = child.name in _BLOCK_TAGS
                if block:
                    pieces.append("\n")
                collect(child)
                if block:
                    pieces.append("\n")
            elif type(child) is NavigableString or isinstance(child, CData):
                pieces.append(child)

    collect(BeautifulSoup(value, "lxml"))
    return "".join(pieces)


def clean_whitespace(value: str) -> str:
    """NUL and control characters out, spaces folded, paragraphs kept."""
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value))
    if "\n" not in value and "\r" not in value:  # one line: a title, a name
        return " ".join(value.split())
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = (" ".join(line.split()) for line in value.split("\n"))
    return "\n\n".join(p for p in paragraphs if p)


@functools.lru_cache(maxsize=1024)
def canonical_url(url: str) -> str:
    """Tracking parameters and fragment removed, query sorted: one URL per page.
    Cached: the statements of one page (a question and its answer) share it."""
    cleaned = url_query_cleaner(url, TRACKING_PARAMS, remove=True, keep_fragments=False)
    return canonicalize_url(cleaned, keep_fragments=False)


def iso_date(value) -> str | None:
    """YYYY-MM-DD from ISO strings, datetimes, or free text in many languages."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:  # "2023-02-30", "0000-00-00": unreadable, not a crash
            return None
    import dateparser  # slow to import; most sources give ISO dates

    parsed = dateparser.parse(text, settings={"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False})
    return parsed.date().isoformat() if parsed else None


DEFAULT_SPEAKERS = Path(__file__).resolve().parent.parent / "config" / "speakers.yml"
_NOT_A_NAME_CHARACTER = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """A name folded for comparison: case, accents, spaces, dots and hyphens
    do not count ("WANG Wenbin", "Lim Soo-suk", "松野 博一" as "Wang Wenbin",
    "Lim Soosuk", "松野博一"); scripts and word order still do."""
    return _NOT_A_NAME_CHARACTER.sub("", fold(name)[0])


class SpeakerIdentities:
    """One person, one name: every way sources write a speaker (other scripts,
    the other name order, initials) mapped to the canonical name, as data in
    config/speakers.yml. Applied to every statement by the normalize pipeline,
    so that "汪文斌" and "Wang Wenbin" are one speaker in the facets."""

    def __init__(self, people: list[dict]):
        self._by_key: dict[str, tuple[str, str | None]] = {}
        for person in people:
            name, country = str(person["name"]).strip(), person.get("country")
            for written in [name, *(person.get("also") or [])]:
                key = name_key(str(written))
                known = self._by_key.get(key)
                if known and known[0] != name:
                    raise ValueError(f"speakers: {written!r} is listed under both {known[0]!r} and {name!r}")
                self._by_key[key] = (name, country)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_SPEAKERS) -> "SpeakerIdentities":
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls(spec.get("speakers") or [])

    def canonical(self, speaker: str, country: str | None = None) -> str:
        """The person's canonical name, or ``speaker`` unchanged when it is
        nobody listed, or someone listed for another country's statements."""
        found = self._by_key.get(name_key(speaker))
        if found is None:
            return speaker
        name, for_country = found
        return name if not (for_country and country and country != for_country) else speaker


@functools.lru_cache(maxsize=4)
def _speakers_from(path: str) -> SpeakerIdentities:
    return SpeakerIdentities.load(path)


class NormalizePipeline:
    def __init__(self, speakers: SpeakerIdentities | None = None):
        self.speakers = speakers or _speakers_from(str(DEFAULT_SPEAKERS))

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("STATIONWATCH_SPEAKERS") or DEFAULT_SPEAKERS
        return cls(_speakers_from(str(path)))

    def process_item(self, item):
        if isinstance(item, UnattributedQuote):  # kept as found, for review
            return item
        adapter = ItemAdapter(item)
        missing = [name for name in REQUIRED if not adapter.get(name)]
        if missing:
            raise DropItem(f"missing {', '.join(missing)}: {adapter.get('url') or adapter.get('record_id')}")
        adapter["text"] = html_to_text(adapter.get("text") or "")
        if adapter.get("context"):
            adapter["context"] = html_to_text(adapter["context"])
        adapter["title"] = clean_whitespace(html_to_text(adapter.get("title") or "")).replace("\n\n", " ")
        for name in ("speaker", "speaker_role", "body"):
            if adapter.get(name):
                adapter[name] = " ".join(str(adapter[name]).split())
        # A field of whitespace only ("\r") passed the check above and is empty now.
        blank = [name for name in REQUIRED if not str(adapter.get(name) or "").strip()]
        if blank:
            raise DropItem(f"blank {', '.join(blank)}: {adapter.get('url') or adapter.get('record_id')}")
        if adapter.get("speaker"):
            # One person, one speaker: the canonical name; the source's spelling beside it.
            adapter["speaker_as_written"] = adapter["speaker"]
            adapter["speaker"] = self.speakers.canonical(adapter["speaker"], adapter.get("country"))
        if not adapter["text"]:
            raise DropItem(f"empty text: {adapter['url']}")
        published = iso_date(adapter.get("published"))
        if adapter.get("published") and not published:
            raise DropItem(f"unreadable date {adapter.get('published')!r}: {adapter['url']}")
        adapter["published"] = published
        if urlsplit(str(adapter["url"]).strip()).scheme not in ("http", "https"):
            # A statement is a page a reader can open: never javascript:, data: or a bare path.
            raise DropItem(f"not an http(s) URL: {str(adapter['url'])[:200]!r}")
        adapter["url"] = canonical_url(str(adapter["url"]).strip())
        adapter["text_hash"] = text_fingerprint(adapter["text"])
        return item
