"""Canada: Global Affairs Canada and RCMP news (releases, statements,
readouts, speeches), in English and French.

Source: the Government of Canada news API behind canada.ca's news listings,
``https://api.io.canada.ca/io-server/gc/news/{en,fr}/v2`` (JSON, no key),
filtered by department. It has no keyword search, so the spider lists every
item of each department published since ``since`` (oldest first, paging by
moving the ``publishedDate>=`` floor to the newest date seen) and fetches
each item's canada.ca page for its text; the relevance pipeline keeps what is
about the stations. English and French are separate calls and separate
pages: both are kept (the same release in two languages).

One candidate per page. ``source_kind`` is "police" for the RCMP and
"ministry" for Global Affairs Canada; ``kind`` comes from the page's type
heading (News release, Statement, Readout, ...). ``url`` is the page,
``fetch_url`` the API listing that named it.

The listing asks for ``format=json``: every public client of this API names
its format (``format=json``, or ``format=atom`` for the feeds canada.ca
links), none relies on a default, and the spider used to send none. A
listing that still answers Atom (or anything but the JSON object) is a
layout error that says so, not an empty night.

Verified against real data: the RCMP release text of 22 Nov 2022 (EN and FR,
as republished by the RCMP's wire service). From public clients' code, not
from a recording (no saved body of this API was found; a French Atom feed of
200 entries is a test fixture in one public project that the search tools
could not open): the request parameters (dept, sort, orderBy,
``publishedDate>=``, pick, format) and the JSON keys those clients read
(feed.entry[] with title, link, teaser, publishedDate). Only against
RECONSTRUCTED samples: entry as a single object when there is one, the
date-floor paging, and the page selectors (``main``, ``h1#wb-cont``,
``meta[name=dcterms.issued]``, "From:" byline, type heading, the sections
that end the body). Not extracted: speaker (releases name no single speaker
in a field; a minister's name only appears in titles and text).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import scrapy

from spiders.base import StationwatchSpider

API = "https://api.io.canada.ca/io-server/gc/news/{language}/v2"
PAGE_SIZE = 100
LANGUAGES = ("en", "fr")
# API department slug -> (body, source_kind)
DEPARTMENTS = {
    "departmentofforeignaffairstradeanddevelopment": ("Global Affairs Canada", "ministry"),
    "royalcanadianmountedpolice": ("Royal Canadian Mounted Police", "police"),
}
# The type heading canada.ca prints on a news page -> Statement.kind
KINDS = {
    "news release": "press_release", "communiqué de presse": "press_release",
    "statement": "statement", "déclaration": "statement",
    "readout": "readout", "compte rendu": "readout",
    "media advisory": "media_advisory", "avis aux médias": "media_advisory",
    "speech": "speech", "discours": "speech",
    "backgrounder": "backgrounder", "document d'information": "backgrounder",
}
# Headings after which a canada.ca news page holds no more of the release.
END_OF_BODY = {
    "associated links", "contacts", "page details", "related products", "search for related information by keyword",
    "liens connexes", "personnes-ressources", "détails de la page", "produits connexes",
    "recherche d'information connexe par mot-clé",
}
BYLINE = re.compile(r"^(?:From|De)\s*:\s*", re.I)
BLOCKS = ("self::p or self::h2 or self::h3 or self::h4 or self::ul or self::ol "
          "or self::blockquote or self::table")


class CanadaNewsSpider(StationwatchSpider):
    name = "canada_news"
    allowed_domains = ["canada.ca", "rcmp-grc.gc.ca"]
    source_kind = "ministry"  # per item: "police" for the RCMP
    country = "CA"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.listed: set[str] = set()  # pages already asked for: the date floor overlaps

    async def start(self):
        for language in LANGUAGES:
            for department in DEPARTMENTS:
                yield self.listing(language, department, self.since.isoformat())

    def listing(self, language: str, department: str, floor: str) -> scrapy.Request:
        params = {"dept": department, "sort": "publishedDate", "orderBy": "asc",
                  "publishedDate>": floor, "pick": PAGE_SIZE,  # encodes as publishedDate%3E=<floor>
                  "format": "json"}  # as every public client says; no default is documented
        return scrapy.Request(f"{API.format(language=language)}?{urlencode(params)}", callback=self.parse_listing,
                              cb_kwargs={"language": language, "department": department, "floor": floor})

    def parse_listing(self, response, language: str, department: str, floor: str):
        if response.text[:200].lstrip("\ufeff \t\r\n").startswith("<"):
            # The API's other format: Atom (or an HTML error page), not the JSON asked for.
            self.layout_changed(response, "the listing answered XML/Atom, not the JSON asked for with format=json")
            return
        data = self.json_or_layout_error(response, "feed")
        if data is None:
            return
        entries = (data["feed"] or {}).get("entry") or []
        if isinstance(entries, dict):  # one result comes as an object, not a list
            entries = [entries]
        newest, new = floor, 0
        for entry in entries:
            link, published = entry.get("link"), entry.get("publishedDate") or ""
            if isinstance(link, dict):  # Atom-style {"href": ...}
                link = link.get("href")
            if not link or not published:
                self.layout_changed(response, "an entry without link or publishedDate")
                continue
            newest = max(newest, published)
            if link in self.listed:
                continue
            self.listed.add(link)
            new += 1
            yield scrapy.Request(link, callback=self.parse_page, cb_kwargs={
                "language": language, "department": department, "entry": entry, "fetch_url": response.url})
        if len(entries) >= PAGE_SIZE and new and newest != floor:
            yield self.listing(language, department, newest)

    def parse_page(self, response, language: str, department: str, entry: dict, fetch_url: str):
        main = response.css("main") or response.xpath('//*[@property="mainContentOfPage"]')
        if not main:
            self.layout_changed(response, "no <main> on the news page")
            return
        main = main[0]
        body, source_kind = DEPARTMENTS[department]
        title = clean(" ".join(main.css("h1 ::text").getall())) or entry.get("title") or ""
        parts = urlsplit(response.url)
        yield self.statement(
            source_kind=source_kind,
            body=body,
            kind=page_kind(main, response),
            url=response.url,
            fetch_url=fetch_url,
            title=title,
            published=response.xpath('//meta[@name="dcterms.issued"]/@content').get() or entry.get("publishedDate"),
            language=language,
            text=release_body(main),
            record_id=f"{parts.netloc}{parts.path}",
            raw=main.get(),
            raw_type="html",
        )


def clean(text: str) -> str:
    return " ".join(text.split())


def page_kind(main, response) -> str:
    """The page's type heading ("News release", "Statement", ...) as a kind."""
    for text in main.xpath(".//*[not(self::h1)][not(*)]/text()").getall()[:30]:
        kind = KINDS.get(clean(text).lower())
        if kind:
            return kind
    meta = clean(response.xpath('//meta[@name="dcterms.type"]/@content').get() or "").lower()
    return KINDS.get(meta, "press_release")


def release_body(main) -> str:
    """The release's HTML blocks, from after the title to the first closing section
    (Associated links, Contacts, Page details), without the byline and type heading."""
    blocks = []
    query = f".//*[{BLOCKS}][not(ancestor::*[{BLOCKS} or self::li])][not(ancestor::section[contains(@class, 'pagedetails')])]"
    for block in main.xpath(query):
        text = clean(" ".join(block.xpath(".//text()").getall()))
        tag = block.xpath("name()").get()
        if tag in ("h2", "h3", "h4") and text.lower().rstrip(":") in END_OF_BODY:
            break
        if not text or BYLINE.match(text) or text.lower() in KINDS:
            continue
        blocks.append(block.get())
    return "\n".join(blocks)
