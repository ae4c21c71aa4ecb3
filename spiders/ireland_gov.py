"""Ireland: Department of Foreign Affairs and other gov.ie press releases and speeches.

Source: gov.ie's publication listings (HTML, no API; README in
../shared/sources/ireland-dfa/). Two kinds of walk, both sorted by
publication date, newest first, following the "next" link until an entry is
older than ``self.since``:

- every press release and speech of the Department of Foreign Affairs
  (``organisation=department-of-foreign-affairs``), the department that
  ordered the Dublin station closed;
- a gov.ie-wide search for each of the topic's English search terms, for
  what Justice, the Taoiseach or An Garda Síochána publish on it.

Each release page is one candidate. gov.ie names no speaker in its markup; a
release's first "<role> <name> said:" paragraph names the minister quoted,
and that is taken as speaker and role when it has that shape.

dfa.ie's own pages are not crawled: no saved copy of them exists to test
selectors against (README), and DFA releases are also published on gov.ie.

Verification (see tests/fixtures/ireland_gov/PROVENANCE.md):
- verified on real recorded pages (gov.ie "reboot" design, 2021): listing
  entries (link, title, "date; organisation; type;" line), result count,
  "next" link; release page type label, h1, "From" organisation, published
  ``time/@datetime``, body blocks, the dataLayer ``govie_i_id``, and the
  "<role> <name> said:" speaker line;
- only on RECONSTRUCTED or DERIVED pages: the DFA organisation filter slug,
  the repeated ``type`` parameter, an empty listing, and every on-topic
  record (DFA's October 2022 statement on Capel Street was given to the
  media; no gov.ie page of it was found). gov.ie was redesigned in 2025: a
  live run will report "layout changed?" until the selectors are re-checked.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import scrapy

from spiders.base import StationwatchSpider

LISTING = "https://www.gov.ie/en/publications/"
DFA_ORGANISATION = "department-of-foreign-affairs"
LISTED_TYPES = ("press_releases", "speeches")
# The type labels listing entries carry for those: a search may still list
# collections or forms, which are not statements.
STATEMENT_LABELS = ("press release", "speech", "news")
_DATALAYER_ID = re.compile(r"""['"]govie_i_id['"]\s*:\s*(\d+)""")
_SLUG_ID = re.compile(r"/(?:press-release|speech|news|preasraitis|oraid)/([0-9a-f]{5})-")
_SAID = re.compile(r"^(?P<who>.{3,200}?),?\s+(?:said|says|stated|added)\s*:?\s*$", re.IGNORECASE)
_ROLE_WORDS = re.compile(r"\b(Minister|Tánaiste|Taoiseach|Ambassador|Secretary General|Commissioner)\b")
_NOT_NAME_BEFORE = {"for", "of", "and", "the", "on", "to"}


class IrelandGovSpider(StationwatchSpider):
    name = "ireland_gov"
    allowed_domains = ["www.gov.ie"]
    source_kind = "ministry"
    country = "IE"

    async def start(self):
        yield self.listing({"organisation": DFA_ORGANISATION})
        for term in self.topic.search_terms_for("en"):
            yield self.listing({"q": term})

    def listing(self, filters: dict) -> scrapy.Request:
        params = [*filters.items(), *(("type", t) for t in LISTED_TYPES), ("sort_by", "published_date"), ("page", 1)]
        return scrapy.Request(f"{LISTING}?{urlencode(params)}", callback=self.parse_listing)

    def parse_listing(self, response):
        results = response.css("[reboot-list-results]")
        if not results and not response.css("[reboot-content-results-message]"):
            self.layout_changed(response, "no result list and no result count")
            return
        reached_since = False
        for entry in results.css("ul[reboot-site-list] > li"):
            href = entry.css("a::attr(href)").get()
            meta = [part.strip() for part in " ".join(entry.css("p ::text").getall()).split(";")]
            published = _listing_date(meta[0] if meta else "")
            if not href or published is None:
                self.layout_changed(response, "a listing entry without link or date")
                continue
            if published < self.since:
                self.count_passed_over()
                reached_since = True  # newest first: everything after is older still
                continue
            if len(meta) > 2 and meta[2] and meta[2].lower() not in STATEMENT_LABELS:
                self.count_passed_over()
                continue
            yield response.follow(
                href,
                callback=self.parse_release,
                cb_kwargs={"listed_on": published, "listed_by": meta[1] if len(meta) > 1 else None},
                meta={"handle_httpstatus_list": [404, 410]},
            )
        next_page = response.css('a[aria-label="next"]::attr(href)').get()
        if next_page and not reached_since:
            yield response.follow(next_page, callback=self.parse_listing)

    def parse_release(self, response, listed_on: dt.date | None = None, listed_by: str | None = None):
        if response.status in (404, 410):
            self.logger.info("removed from gov.ie (%s): %s", response.status, response.url)
            return
        header = response.css("[reboot-header]")
        title = " ".join(" ".join(header.css("h1 ::text").getall()).split())
        body_html = response.css("[reboot-content]").get()
        if not title or not body_html:
            self.layout_changed(response, "a release page without header h1 or content")
            return
        label = " ".join(" ".join(header.css("span ::text").getall()).split()) or "Press release"
        organisation = " ".join(" ".join(header.css("p a ::text").getall()[:1]).split()) or listed_by
        published = header.css("time::attr(datetime)").get() or (listed_on.isoformat() if listed_on else None)
        speaker, role = speaker_and_role(response.css("[reboot-markdown-paragraph] p"))
        body = organisation or "Government of Ireland"
        yield self.statement(
            source_kind="ministry" if body.startswith("Department") else "government",
            body=body,
            kind=label.lower().replace(" ", "_"),
            url=response.url,
            fetch_url=response.url,
            title=title,
            published=published,
            language="ga" if "/ga/" in response.url else "en",
            text=body_html,
            record_id=_record_id(response),
            speaker=speaker,
            speaker_role=role,
            raw=body_html,
            raw_type="html",
        )


def _listing_date(text: str) -> dt.date | None:
    """"23 July 2021" (English month names on /en/ listings)."""
    try:
        return dt.datetime.strptime(" ".join(text.split()), "%d %B %Y").date()
    except ValueError:
        return None


def _record_id(response) -> str:
    """gov.ie's numeric item id from the page's dataLayer; else the URL's 5-hex id."""
    match = _DATALAYER_ID.search(response.text)
    if match:
        return f"govie:{match.group(1)}"
    match = _SLUG_ID.search(response.url)
    return f"govie-slug:{match.group(1)}" if match else response.url


def speaker_and_role(paragraphs) -> tuple[str | None, str | None]:
    """The first "<role> <name> said:" paragraph, split into name and role.

    "Tánaiste and Minister for Enterprise, Trade and Employment Leo Varadkar
    said:" gives ("Leo Varadkar", "Tánaiste and Minister for ..."). A role
    with no name after it ("the Minister for Foreign Affairs said:") gives
    the role only; a spokesperson gives role "Spokesperson".
    """
    for p in paragraphs:
        match = _SAID.match(" ".join(" ".join(p.css("::text").getall()).split()))
        if not match:
            continue
        who = re.sub(r"^(the|a|an)\s+", "", match.group("who"), flags=re.IGNORECASE)
        if "spokesperson" in who.lower():
            return None, "Spokesperson"
        if not _ROLE_WORDS.search(who):
            continue
        words = who.split()
        if len(words) >= 3 and all(w[:1].isupper() for w in words[-2:]) and words[-3].lower() not in _NOT_NAME_BEFORE \
                and not _ROLE_WORDS.search(" ".join(words[-2:])):
            return " ".join(words[-2:]), " ".join(words[:-2]).rstrip(",")
        return None, who
    return None, None
