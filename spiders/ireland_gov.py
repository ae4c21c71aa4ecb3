"""Ireland: the Department of Foreign Affairs' press releases and speeches on gov.ie.

Source: gov.ie (HTML, no API; README in ../shared/sources/ireland-dfa/). gov.ie
was rebuilt in 2025: a department's releases now live at
``/en/<department>/press-releases/<slug>`` (speeches at ``.../speeches/<slug>``;
the Irish pages at ``/ga/<roinn>/preaseisiuinti/<slug>`` and ``.../oraidi/<slug>``)
and a release page shows its title, then "Published on: 23 June 2025" and
"Last updated on: ..." ("Foilsithe: 29 Lúnasa 2025" on Irish pages), then
its text. The 2019-2024 listing (``/en/publications/?q=...&type=...``) and its
``/en/press-release/<5 hex>-<slug>/`` addresses appear on no stored page of the
rebuilt site, so they are no longer asked for.

The walk: the DFA's press-release and speech listings (the department that
ordered the Dublin station closed), newest first, following the next page
until an entry is older than ``self.since`` (at most ``MAX_LISTING_PAGES``
pages a listing). Each release page is one candidate. Nothing but the
English listings is walked: the Irish pages seen carry the English text
again. gov.ie names no speaker in its markup; a release's first "<role>
<name> said:" paragraph names the minister quoted, taken as speaker and role
when it has that shape.

The rebuilt site's markup was not recorded anywhere (stored copies hold its
text only), so the spider leans on little of it: a release link is an
``<a>`` whose address has the release path above; a date is "d Month yyyy"
text (English or Irish month names) in the entry, or after the "Published
on" / "Foilsithe" label on the page; the title is the first ``h1``; the text
is the page's paragraphs, headings, quotes and lists in ``main`` (or
``article``) outside navigation, header, footer and aside. ``record_id`` is
the page's path (``govie:en/department-of-foreign-affairs/press-releases/<slug>``),
stable for a page and distinct between its English and Irish versions.

Verification (see tests/fixtures/ireland_gov/PROVENANCE.md):
- verified on real addresses and real page text (stored copies of 2025
  gov.ie pages): the release and speech address patterns in English and
  Irish, "Published on: <d Month yyyy>" and "Foilsithe: <d Lúnasa yyyy>",
  "Last updated on" / "An t-eolas is déanaí", the title before the dates;
- verified on a real recorded page of the 2019-2024 design (2021): the same
  reading (h1, "Published on" with ``time/@datetime``, paragraphs, quotes,
  the "<role> <name> said:" line) still works on it, should an old address
  still answer;
- only on RECONSTRUCTED pages: every piece of the rebuilt site's markup
  (where the dates, links and text sit), the listing's entries, dates and
  next link, and every on-topic record (DFA's October 2022 statement on
  Capel Street was given to the media; no gov.ie page of it was found).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote, urljoin, urlsplit

import scrapy

from core.text import fold
from spiders.base import StationwatchSpider

SITE = "https://www.gov.ie"
LISTINGS = (
    f"{SITE}/en/department-of-foreign-affairs/press-releases/",
    f"{SITE}/en/department-of-foreign-affairs/speeches/",  # by the Irish "oraidi" address: not seen in English
)
MAX_LISTING_PAGES = 60  # a bound, not a target: the walk stops at self.since long before
# A release's address on the rebuilt site, and the 2019-2024 one.
_RELEASE_PATH = re.compile(
    r"^/(?P<lang>en|ga)/(?:(?P<department>[^/]+)/)?"
    r"(?P<section>press-releases|speeches|preaseisiuinti|oraidi|press-release|speech|preasraitis|oraid)/"
    r"(?P<slug>[^/?#]+)/?$")
SECTION_KIND = {"press-releases": "press_release", "preaseisiuinti": "press_release", "press-release": "press_release",
                "preasraitis": "press_release", "speeches": "speech", "oraidi": "speech", "speech": "speech",
                "oraid": "speech"}
DEPARTMENTS = {"department-of-foreign-affairs": "Department of Foreign Affairs",
               "an-roinn-gnóthaí-eachtracha": "Department of Foreign Affairs",
               "department-of-defence": "Department of Defence", "an-roinn-cosanta": "Department of Defence"}
MONTHS = {fold(name)[0]: n for n, names in enumerate((
    ("January", "Eanáir"), ("February", "Feabhra"), ("March", "Márta"), ("April", "Aibreán"),
    ("May", "Bealtaine"), ("June", "Meitheamh"), ("July", "Iúil"), ("August", "Lúnasa"),
    ("September", "Meán Fómhair"), ("October", "Deireadh Fómhair"), ("November", "Samhain"),
    ("December", "Nollaig")), start=1) for name in names}
_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
                   + r")\s+(\d{4})\b")
_PUBLISHED_LABEL = re.compile(r"^(published on|foilsithe)\b", re.IGNORECASE)
# Header lines of a release page that are not its text: its dates, "From
# <department>" (2019-2024 pages) and the type label above its title.
_META_LINE = re.compile(r"^(published on|last updated on|foilsithe|an t-eolas is déanaí)\b"
                        r"|^from (the )?(department|an roinn|office)\b.{0,80}$", re.IGNORECASE)
TYPE_LABELS = {"press release", "speech", "preaseisiuint", "oraid"}  # folded
_NEXT_WORDS = {"next", "next page", "ar aghaidh", "an chéad leathanach eile", "›", "»"}
_BLOCKS = ("self::p or self::h2 or self::h3 or self::h4 or self::blockquote or self::ul or self::ol "
           "or self::table")
_OUTSIDE = "ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside or ancestor::form"
_SAID = re.compile(r"^(?P<who>.{3,200}?),?\s+(?:said|says|stated|added)\s*:?\s*$", re.IGNORECASE)
_ROLE_WORDS = re.compile(r"\b(Minister|Tánaiste|Taoiseach|Ambassador|Secretary General|Commissioner)\b")
_NOT_NAME_BEFORE = {"for", "of", "and", "the", "on", "to"}


class IrelandGovSpider(StationwatchSpider):
    name = "ireland_gov"
    allowed_domains = ["gov.ie"]  # stored pages show both gov.ie and www.gov.ie addresses
    source_kind = "ministry"
    country = "IE"
    body = "Department of Foreign Affairs"

    async def start(self):
        for url in LISTINGS:
            yield scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"page": 1})

    def parse_listing(self, response, page: int = 1):
        entries = release_links(response)
        if not entries:
            self.layout_changed(response, "a listing without release links")
            return
        reached_since = False
        for url, entry in entries:
            # The entry's date, not one in its title ("... the 1916 Rising, 24 April 1916").
            listed_on = first_date(" ".join(entry.xpath(".//text()[not(ancestor::a)]").getall()))
            if listed_on is not None and listed_on < self.since:
                self.count_passed_over()
                reached_since = True  # newest first: what follows is older still
                continue
            yield scrapy.Request(url, callback=self.parse_release, cb_kwargs={"listed_on": listed_on},
                                 meta={"handle_httpstatus_list": [404, 410]})
        next_page = next_page_link(response)
        if next_page and not reached_since and page < MAX_LISTING_PAGES:
            yield response.follow(next_page, callback=self.parse_listing, cb_kwargs={"page": page + 1})

    def parse_release(self, response, listed_on: dt.date | None = None, listed_by: str | None = None):
        """One release page. ``listed_on``/``listed_by``: the listing entry's
        date and organisation, for a page that shows none of its own."""
        if response.status in (404, 410):
            self.logger.info("removed from gov.ie (%s): %s", response.status, response.url)
            return
        address = release_address(response.url)
        title = " ".join(" ".join(response.xpath("(//h1)[1]//text()").getall()).split())
        blocks = text_blocks(response)
        published = published_date(response) or listed_on
        if address is None or not title or not blocks or published is None:
            missing = [name for name, value in (("a release address", address), ("h1", title), ("text", blocks),
                                                ("a published date", published)) if not value]
            self.layout_changed(response, f"a release page without {', '.join(missing)}")
            return
        body_html = "\n".join(block.get() for block in blocks)
        speaker, role = speaker_and_role(block for block in blocks if block.root.tag == "p")
        department = (DEPARTMENTS.get(address["department"] or "") or organisation_named(response) or listed_by
                      or self.body)
        yield self.statement(
            source_kind="ministry" if department.startswith("Department") else "government",
            body=department,
            kind=SECTION_KIND[address["section"]],
            url=response.url,
            fetch_url=response.url,
            title=title,
            published=published.isoformat(),
            language=address["lang"],
            text=body_html,
            record_id="govie:" + address.group(0).strip("/"),
            speaker=speaker,
            speaker_role=role,
            raw=body_html,
            raw_type="html",
        )


def release_address(url: str) -> re.Match | None:
    """The release-path match of a gov.ie address (percent-escapes decoded:
    "t%C3%A1naiste" and "tánaiste" are one page)."""
    return _RELEASE_PATH.match(unquote(urlsplit(url).path))


def release_links(response) -> list[tuple[str, object]]:
    """(absolute URL, its listing entry) for each release linked from the
    listing's main region, in page order, each once. The entry is the
    link's nearest ``li`` or ``article`` (else its parent): where its date is."""
    region = response.xpath("//main") or response.xpath("//*[@role='main']") or response.xpath("//body")
    seen, found = set(), []
    for link in region.xpath(f".//a[@href][not({_OUTSIDE})]"):
        url = urljoin(response.url, link.attrib["href"])
        address = release_address(url)
        if address is None or address["lang"] != "en" or url in seen:
            continue
        seen.add(url)
        entry = link.xpath("ancestor::*[self::li or self::article][1]") or link.xpath("..")
        found.append((url, entry[0]))
    return found


def next_page_link(response) -> str | None:
    """The listing's next page: ``rel=next``, else a link labelled next."""
    href = response.xpath("//a[@rel='next']/@href").get()
    if href:
        return href
    for link in response.xpath("//a[@href][not(ancestor::footer)]"):
        label = " ".join(" ".join(link.xpath(".//text()").getall() + [link.attrib.get("aria-label", "")]).split())
        if label.lower() in _NEXT_WORDS or link.attrib.get("aria-label", "").lower().startswith("next"):
            return link.attrib["href"]
    return None


def first_date(text: str) -> dt.date | None:
    """The first "23 June 2025" / "29 Lúnasa 2025" in ``text``."""
    folded, _ = fold(text)
    for day, month, year in _DATE.findall(folded):
        try:
            return dt.date(int(year), MONTHS[month], int(day))
        except ValueError:
            continue
    return None


def published_date(response) -> dt.date | None:
    """The date after the page's "Published on" / "Foilsithe" label: its
    ``time/@datetime`` (the 2019-2024 pages), else the date in its text or in
    the element after it (a label and value in two cells)."""
    for label in response.xpath("//body//*[not(self::script)][text()[normalize-space()]]"):
        own = " ".join(" ".join(label.xpath("./text()").getall()).split())
        if not _PUBLISHED_LABEL.match(own):
            continue
        stamp = label.xpath(".//time/@datetime").get()
        if stamp:
            try:
                return dt.date.fromisoformat(stamp.strip()[:10])
            except ValueError:
                pass
        found = first_date(" ".join(label.xpath(".//text()").getall())) or \
            first_date(" ".join(label.xpath("following-sibling::*[1]//text()").getall()))
        if found:
            return found
    return None


def text_blocks(response) -> list:
    """The release's own blocks (paragraphs, headings, quotes, lists, tables)
    in its content region, outside navigation and page chrome, without the
    header lines (dates, "From ...") or blocks nested in another block."""
    region = (response.xpath("//*[@reboot-content]") or response.xpath("//main//article")
              or response.xpath("//article") or response.xpath("//main") or response.xpath("//*[@role='main']"))
    if not region:
        return []
    nested = "ancestor::blockquote or ancestor::ul or ancestor::ol or ancestor::table"
    blocks = []
    for block in region[0].xpath(f".//*[{_BLOCKS}][not({_OUTSIDE})][not({nested})]"):
        text = " ".join(" ".join(block.xpath(".//text()").getall()).split())
        if text and not _META_LINE.match(text) and fold(text)[0] not in TYPE_LABELS:
            blocks.append(block)
    return blocks


def organisation_named(response) -> str | None:
    """The 2019-2024 pages' "From <department>" line."""
    for line in response.xpath("//p[a]"):
        if " ".join(" ".join(line.xpath("./text()").getall()).split()).startswith("From"):
            return " ".join(" ".join(line.xpath("./a[1]//text()").getall()).split()) or None
    return None


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
