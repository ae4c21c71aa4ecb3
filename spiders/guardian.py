"""The Guardian's articles via its Content API (press, API-based).

`GET https://content.guardianapis.com/search?q=...&api-key=KEY`: full-text
search (quoted phrases, AND/OR), `from-date`, newest first, paged with
`page`/`pages`; `show-fields=headline,byline,body,trailText` gives the
article HTML in the same answer, so no article page is fetched. The key comes
from GUARDIAN_API_KEY; without one the spider logs one clear message and asks
nothing. Each article yields one Statement per official quote or reported
action (stationwatch.press.statements), outlet "The Guardian", url = webUrl.

Verified against real recorded responses: the search envelope and result
fields (id, type, webTitle, webUrl, webPublicationDate, fields.trailText;
a saved `userTier: test` response, trimmed). Verified only against a SYNTHETIC
sample: `fields.body` and `fields.byline` (no recorded Guardian response with
a body was found in public material).
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlencode

import scrapy
from parsel import Selector

from spiders.base import StationwatchSpider
from stationwatch.press.extract import Article
from stationwatch.press.quotes import QuoteReader
from stationwatch.press.statements import article_items

API = "https://content.guardianapis.com/search"
KEY_ENV = "GUARDIAN_API_KEY"
PAGE_SIZE = 50  # the API allows 200; 50 keeps one answer small
FIELDS = "headline,byline,body,trailText"
OUTLET = "The Guardian"


class GuardianSpider(StationwatchSpider):
    name = "guardian"
    allowed_domains = ["content.guardianapis.com"]
    source_kind = "press"
    country = ""  # each statement carries its speaker's country
    requires_env = {KEY_ENV: "a Content API key (https://open-platform.theguardian.com/access/)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen: set[str] = set()  # one article found by several search terms is read once
        self.reader = QuoteReader()

    async def start(self):
        key = os.environ[KEY_ENV]
        # The Content API's q takes quoted phrases joined by OR: one query
        # for every topic's terms that share a start date (a topic just
        # added asks from its own, so it is a second query), not one per term.
        for since, terms in self.search_groups("en"):
            yield self.search(" OR ".join(f'"{term}"' for term in terms), key, 1, since)

    def search(self, term: str, key: str, page: int, since=None) -> scrapy.Request:
        since = since or self.since
        params = {"q": term, "from-date": since.isoformat(), "order-by": "newest",
                  "page-size": PAGE_SIZE, "page": page, "show-fields": FIELDS, "api-key": key}
        return scrapy.Request(f"{API}?{urlencode(params)}", callback=self.parse_search,
                              cb_kwargs={"term": term, "key": key, "page": page, "since": since})

    def parse_search(self, response, term: str, key: str, page: int, since=None):
        data = self.json_or_layout_error(response, "response")
        if data is None:
            return
        body = data["response"]
        if body.get("status") != "ok" or "results" not in body:
            self.layout_changed(response, f"status {body.get('status')!r}: {body.get('message')}")
            return
        for result in body["results"]:
            self.count_passed_over()
            if result.get("id") in self.seen:
                continue
            self.seen.add(result.get("id"))
            yield from self.statements(result)
        if body.get("currentPage", page) < body.get("pages", 0):
            yield self.search(term, key, page + 1, since)

    def statements(self, result: dict):
        fields = result.get("fields") or {}
        html = fields.get("body") or (f"<p>{fields['trailText']}</p>" if fields.get("trailText") else "")
        if not result.get("webUrl") or not html:
            self.logger.warning("guardian result without webUrl or text: %s", result.get("id"))
            return
        article = Article(
            url=result["webUrl"],
            title=fields.get("headline") or result.get("webTitle") or "",
            author=fields.get("byline") or None,
            published=(result.get("webPublicationDate") or "")[:10] or None,
            language="en",
            paragraphs=_paragraphs(html),
        )
        yield from article_items(
            article, source=self.name, outlet=OUTLET, url=result["webUrl"],
            raw=json.dumps(result, sort_keys=True, ensure_ascii=False), topic=self.topic,
            stats=self.crawler.stats, reader=self.reader, outlet_country="GB", logger=self.logger,
        )


def _paragraphs(html: str) -> list[str]:
    """One string per paragraph of the API's body HTML (quotes, lists and
    subheadings included; figures and embeds left out)."""
    selector = Selector(text=html)
    blocks = selector.xpath("//p | //blockquote[not(.//p)] | //li | //h2")
    texts = [" ".join("".join(b.xpath(".//text()").getall()).split()) for b in blocks]
    return [t for t in texts if t]
