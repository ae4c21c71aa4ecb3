"""Dutch municipal councils (and provinces, water boards): council members'
written questions to the college or the mayor, the answers, motions and the
college's letters, from OpenBesluitvorming.

Source: openbesluitvorming.nl, the successor of Open Raadsinformatie (whose
Elasticsearch endpoint was switched off on 2026-11-01), no key, read-only.
One index covers every implemented organisation (``amsterdam`` is notubiz,
``rotterdam`` iBabs; API.md, src/sources/catalog.data.ts). The spider asks
``GET /api/search`` for each Dutch search term of the topic, documents only,
dated from ``self.since``, newest first, and pages by ``offset`` while
``hasMore`` holds, at most MAX_PAGES a term. Search results are compact
(title, snippet, download link), so each document's full text is fetched
from ``GET /api/entities/{entityId}`` (``markdownText``). The API allows 60
units a minute (a search of 24 results or fewer costs one): slow_site.

A document's kind comes from its title, as Dutch councils name them:
"Schriftelijke vragen van de raadsleden X en Y (D66) inzake ..." is a
written_question (speaker: the members, role: their party; body: the
council), "Beantwoording schriftelijke vragen ..." a written_answer (body:
the college van B&W, or the mayor when the title names the mayor), a
"raadsinformatiebrief" a letter_to_parliament from the college, a "motie" a
motion; anything else is a council document. An answer is not linked to its
question: the index has no link between them, and their titles differ in
wording from council to council.

Verified against real recorded responses: nothing (none found in public
material). Field names and shapes are those of the API's own documentation
and source (API.md, docs/migration-guide.md, web/search_api.ts at
ontola/openbesluitvorming 240d1e4): results[entityId, entityType,
organization, sortDate, title, summary, downloadUrl], totalCount,
hasMore; entity markdownText, downloadUrl, pdfUrl, meetingId. The fixtures
are RECONSTRUCTED (see tests/fixtures/nl_openbesluitvorming/PROVENANCE.md).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from spiders.base import StationwatchSpider

BASE = "https://openbesluitvorming.nl"
PAGE_SIZE = 24  # the largest page that costs one rate-limit unit
MAX_PAGES = 10  # per search term: a bound, not an expectation (a night has a few hits)

_ANSWER = re.compile(r"\b(beantwoording|antwoord(?:en)?\s+(?:op|van|college|burgemeester))\b", re.I)
_QUESTION = re.compile(r"\b(schriftelijke\s+vragen|raadsvragen|vragen\s+van\s+(?:het|de)\s+raadsle|"
                       r"art(?:ikel|\.)?\s*\d+[a-z]?[-\s]vragen)", re.I)
_LETTER = re.compile(r"\b(raadsinformatiebrief|raadsbrief|collegebrief|brief\s+van\s+(?:het\s+college|de\s+burgemeester))",
                     re.I)
_MOTION = re.compile(r"\bmotie\b", re.I)
_MAYOR = re.compile(r"\bburgemeester\b", re.I)
_MAYOR_SIGNATURE = re.compile(r"\bde\s+burgemeester(?:\s+van\s+[^,\n]{2,40})?\s*,?\s*\n\s*(?P<name>[^\n]{0,60}?)\s*$",
                              re.I)
# "... van de raadsleden Rooderkerk en Hofland (D66) inzake ...",
# "... van het raadslid Van Dantzig (D66) over ..."
_ASKERS = re.compile(
    r"\bvan\s+(?:het|de)\s+(?:raadsleden|raadslid|leden|lid)\s+(?P<names>.+?)\s*"
    r"(?:\((?P<party>[^)]{1,40})\))?\s*(?:\binzake\b|\bover\b|\bbetreffende\b|,|:|$)",
    re.I,
)


class NlOpenbesluitvormingSpider(StationwatchSpider):
    name = "nl_openbesluitvorming"
    allowed_domains = ["openbesluitvorming.nl"]
    source_kind = "parliament"
    country = "NL"
    body = "Gemeenteraad"
    language = "nl"
    slow_site = True  # 60 units a minute (API.md, "Rate limits")

    async def start(self):
        for term in self.topic.search_terms_for("nl"):
            yield self.search(term, offset=0)

    def search(self, term: str, offset: int) -> scrapy.Request:
        params = {"query": term, "entityType": "Document", "dateFrom": self.since_for_term(term, "nl").isoformat(),
                  "sort": "date_desc", "limit": PAGE_SIZE, "offset": offset}
        return scrapy.Request(f"{BASE}/api/search?{urlencode(params)}", callback=self.parse_search,
                              cb_kwargs={"term": term, "offset": offset})

    def parse_search(self, response, term: str, offset: int):
        data = self.json_or_layout_error(response, "results")
        if data is None:
            return
        results = data["results"] if isinstance(data["results"], list) else []
        for result in results:
            entity_id = result.get("entityId") if isinstance(result, dict) else None
            if not entity_id:
                self.layout_changed(response, "a search result without entityId")
                continue
            yield scrapy.Request(entity_url(entity_id), callback=self.parse_entity, errback=self.entity_failed,
                                 cb_kwargs={"found": result})
        page = offset // PAGE_SIZE + 1
        if results and data.get("hasMore") and page < MAX_PAGES:
            yield self.search(term, offset + PAGE_SIZE)
        elif results and data.get("hasMore"):
            self.logger.warning("search %r: more than %d pages since %s; the rest waits for a narrower window",
                                term, MAX_PAGES, self.since)

    def parse_entity(self, response, found: dict):
        data = self.json_or_layout_error(response, "entityId")
        if data is None:
            return
        title = _text(data.get("title")) or _text(found.get("title"))
        organization = _text(data.get("organization")) or _text(found.get("organization"))
        text = _text(data.get("markdownText")) or _text(found.get("summary"))
        if not text:
            self.lost_record(response, "document without text")
            return
        yield self.statement(
            **document_fields(title, organization, text),
            url=_text(data.get("downloadUrl")) or _text(found.get("downloadUrl")) or response.url,
            fetch_url=response.url,
            title=title,
            published=(_text(data.get("sortDate")) or _text(found.get("sortDate")))[:10],
            text=text,
            record_id=data["entityId"],
            raw=response.text,
            raw_type="json",
        )

    def entity_failed(self, failure):
        """A search hit whose detail cannot be fetched (404, timeout): the
        record exists, so the run must not move past it."""
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # a 304 (unchanged since stored) or a request filtered on purpose
        self.lost_record(failure.request, f"entity detail failed: {failure.getErrorMessage()}")


def entity_url(entity_id: str) -> str:
    """Entity ids hold colons, which the API wants encoded (API.md)."""
    return f"{BASE}/api/entities/{quote(entity_id, safe='')}"


def document_fields(title: str, organization: str, text: str = "") -> dict:
    """kind, body, source_kind, speaker and role from a council document's
    title (and, for an answer, the signature at the end of its text)."""
    place = organization or "onbekende gemeente"
    if _ANSWER.search(title):
        mayor = _mayor_signature(text)
        if mayor is not None or _MAYOR.search(title):
            return dict(kind="written_answer", source_kind="government", body=f"Burgemeester van {place}",
                        speaker=mayor or None, speaker_role="Burgemeester")
        return dict(kind="written_answer", source_kind="government", body=f"College van B&W {place}",
                    speaker=None, speaker_role="College van burgemeester en wethouders")
    if _QUESTION.search(title):
        askers = _ASKERS.search(title)
        party = _text(askers["party"]) if askers else ""
        return dict(kind="written_question", source_kind="parliament", body=f"Gemeenteraad {place}",
                    speaker=(_text(askers["names"]) or None) if askers else None,
                    speaker_role=f"Raadslid, {party}" if party else "Raadslid")
    if _LETTER.search(title):
        return dict(kind="letter_to_parliament", source_kind="government", body=f"College van B&W {place}",
                    speaker=None, speaker_role=None)
    kind = "motion" if _MOTION.search(title) else "document"
    return dict(kind=kind, source_kind="parliament", body=f"Gemeenteraad {place}", speaker=None, speaker_role=None)


def _mayor_signature(text: str) -> str | None:
    """The signer's name when the text ends "De burgemeester (van X), / Name"
    (a mayor answers questions on public order); "" when signed by the mayor
    without a legible name; None when not signed by the mayor."""
    match = _MAYOR_SIGNATURE.search(text[-400:])
    if not match:
        return None
    return _text(match["name"])


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""
