"""UK Hansard: what was said in the Commons and Lords (urgent questions,
statements, debates), one candidate per contribution.

Source: the Hansard API, hansard-api.parliament.uk (JSON, no key; Open
Parliament Licence). Its search finds spoken contributions by keyword, so the
spider asks it for the topic's English search terms from the last successful
run's date (every filter needs the ``queryParameters.`` prefix: unprefixed
names are silently ignored), follows skip/take paging to the end, then
fetches each debate section the hits belong to once and yields every
contribution in it. The relevance pipeline then keeps the contributions that
are about the topic: all of an urgent question titled "Overseas Chinese
Police Stations", only the matching speeches of a general debate.

A contribution is one attributed item plus the unattributed paragraphs that
follow it. ``url`` is the debate's page on hansard.parliament.uk (the page a
person opens; Hansard has no page per contribution), ``raw`` the whole debate
JSON, so the contributions of one debate are one document.

Verified against real recorded responses (two real debate sections of
2026 from another project's test fixtures, tests/fixtures/uk_hansard/
PROVENANCE.md): the debate JSON (Overview, Items, ChildDebates; ItemType,
HRSTag, AttributedTo, MemberId, ExternalId, Value), that the first item can
be a column-number marker (``hs_ColumnNumber``, no attribution, an empty
span) which is not speech, that an office holder's attribution is the office
with the name in brackets ("Madam Deputy Speaker (Caroline Nokes)"), that a
member's later speeches carry the bare name ("Martin Vickers"), and that
titles can carry a leading space (" Ukraine"). Also real: the web URL pattern
and title slug. Only against RECONSTRUCTED samples (no real search response
was found): the contributions search shape, result counts and paging.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import scrapy

from spiders.base import StationwatchSpider

API = "https://hansard-api.parliament.uk"
WEB = "https://hansard.parliament.uk"
PAGE_SIZE = 50
HOUSE_BODY = {"Commons": "House of Commons", "Lords": "House of Lords"}
_TRAILING_GROUPS = re.compile(r"^(?P<head>[^()]*?)\s*(?P<groups>(?:\([^()]*\)\s*)*)$")
# The chair's offices, said without "The": "Madam Deputy Speaker (Caroline Nokes)".
_CHAIR_OFFICE = re.compile(r"^(?:Mr|Madam|Madame)\s+(?:\w+\s+)*(?:Speaker|Chair|Chairman|Chairwoman)$")
# Hansard items that mark the printed page, not speech.
MARKER_TAGS = {"hs_ColumnNumber"}
_TAGS = re.compile(r"<[^>]*>")


class UkHansardSpider(StationwatchSpider):
    name = "uk_hansard"
    allowed_domains = ["hansard-api.parliament.uk"]
    source_kind = "parliament"
    country = "GB"

    async def start(self):
        for term in self.topic.search_terms_for("en"):
            yield self.search(term)

    def search(self, term: str, skip: int = 0) -> scrapy.Request:
        params = {
            "queryParameters.searchTerm": term,
            "queryParameters.startDate": self.since_for_term(term, "en").isoformat(),
            "queryParameters.orderBy": "SittingDateDesc",
            "queryParameters.take": PAGE_SIZE,
            "queryParameters.skip": skip,
        }
        return scrapy.Request(
            f"{API}/search/contributions/Spoken.json?{urlencode(params)}",
            callback=self.parse_search,
            cb_kwargs={"term": term, "skip": skip},
        )

    def parse_search(self, response, term, skip):
        """Each hit leads to its debate section (Scrapy's duplicate filter
        fetches a debate once however many hits and terms point at it)."""
        data = self.json_or_layout_error(response, "Results")
        if data is None:
            return
        results = data["Results"] or []
        for hit in results:
            ext_id = hit.get("DebateSectionExtId")
            if not ext_id:
                self.layout_changed(response, "a contribution hit without DebateSectionExtId")
                continue
            yield scrapy.Request(f"{API}/debates/debate/{ext_id}.json", callback=self.parse_debate)
        total = data.get("SpokenResultCount")
        if total is None:
            total = data.get("TotalResultCount") or 0
        if results and skip + PAGE_SIZE < total:
            yield self.search(term, skip + PAGE_SIZE)

    def parse_debate(self, response):
        data = self.json_or_layout_error(response, "Items")
        if data is None:
            return
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False)
        yield from self.debate_contributions(data, response, raw)

    def debate_contributions(self, debate: dict, response, raw: str, parent: dict | None = None):
        """Contributions of a debate section and of its child sections."""
        overview = debate.get("Overview") or (parent or {})
        ext_id = overview.get("ExtId")
        sitting = (overview.get("Date") or "")[:10]
        house = overview.get("House") or "Commons"
        if not (ext_id and sitting):
            self.layout_changed(response, "a debate without Overview.ExtId or Overview.Date")
            return
        title = (overview.get("Title") or "").strip()  # real titles can start with a space
        url = f"{WEB}/{house}/{sitting}/debates/{ext_id}/{title_slug(title)}"
        for contribution in group_contributions(debate.get("Items") or []):
            first = contribution[0]
            item_id = first.get("ExternalId") or first.get("ItemId")
            if item_id is None:
                self.logger.warning("contribution without ExternalId or ItemId in %s: skipped", ext_id)
                continue
            speaker, role = split_attribution(first.get("AttributedTo") or "", house)
            yield self.statement(
                body=HOUSE_BODY.get(house, house),
                kind="debate_contribution",
                url=url,
                fetch_url=response.url,
                title=title,
                published=sitting,
                language="en",
                text="\n".join(item.get("Value") or "" for item in contribution),
                record_id=f"contribution:{item_id}",
                speaker=speaker,
                speaker_role=role,
                raw=raw,
                raw_type="json",
            )
        for child in debate.get("ChildDebates") or []:
            if isinstance(child, dict):
                yield from self.debate_contributions(child, response, raw, parent=overview)


def group_contributions(items: list[dict]) -> list[list[dict]]:
    """Contribution items, each with the unattributed paragraphs after it.

    Timestamps, other item types and column-number markers (an empty span
    that marks the printed column) are not speech. A paragraph without
    AttributedTo or MemberId continues the speech before it.
    """
    contributions: list[list[dict]] = []
    for item in items:
        if item.get("ItemType") != "Contribution" or item.get("HRSTag") in MARKER_TAGS:
            continue
        if not _TAGS.sub("", item.get("Value") or "").strip():
            continue
        if (item.get("AttributedTo") or item.get("MemberId")) or not contributions:
            contributions.append([item])
        else:
            contributions[-1].append(item)
    return contributions


def split_attribution(attributed: str, house: str) -> tuple[str | None, str | None]:
    """Speaker and role from Hansard's attribution line.

    "Alicia Kearns (Rutland and Melton) (Con)" -> ("Alicia Kearns", "MP for Rutland and Melton (Con)")
    "The Minister for Security (Tom Tugendhat)" -> ("Tom Tugendhat", "Minister for Security")
    "Madam Deputy Speaker (Caroline Nokes)" -> ("Caroline Nokes", "Madam Deputy Speaker")
    "Lord Ahmad of Wimbledon (Con)" (Lords) -> ("Lord Ahmad of Wimbledon", "Member of the House of Lords (Con)")
    "Mr Speaker" -> ("Mr Speaker", None)
    """
    attributed = " ".join(attributed.split())
    if not attributed:
        return None, None
    match = _TRAILING_GROUPS.match(attributed)
    if not match:
        return attributed, None
    head = match.group("head").strip()
    groups = [g.strip() for g in re.findall(r"\(([^()]*)\)", match.group("groups"))]
    if not groups:
        return head, None
    if groups == ["in the Chair"]:  # Westminster Hall: "Sir Roger Gale (in the Chair)"
        return head, "Chair"
    if head.startswith("The ") or not head or _CHAIR_OFFICE.match(head):
        # An office holder: the office first, the person in brackets.
        office = head[4:] if head.startswith("The ") else head
        party = f" ({groups[1]})" if len(groups) > 1 else ""
        return groups[0], (office + party) or None
    if house == "Lords":
        return head, f"Member of the House of Lords ({groups[-1]})"
    if len(groups) >= 2:
        return head, f"MP for {groups[0]} ({groups[-1]})"
    return head, f"MP ({groups[0]})"


def title_slug(title: str) -> str:
    """Hansard's URL slug: "Overseas Chinese Police Stations in UK: Legal
    Status" -> "OverseasChinesePoliceStationsInUKLegalStatus"."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))
