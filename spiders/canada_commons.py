"""House of Commons of Canada: every speech in the House and its committees.

Source: the openparliament.ca API (JSON, no key; House of Commons only). It
has no keyword search, so the spider walks ``/speeches/`` from the start date
and follows ``pagination.next_url`` to the end; the relevance pipeline keeps
what is about the topic. One speech is one candidate (a debate contribution,
or committee evidence when the speech belongs to a committee meeting), with
the speaker and the role the Hansard attribution gives
("Hon. Marco Mendicino (Minister of Public Safety, Lib.)"). The English text
is stored; the French version goes to ``context`` so that relevance also
reads the topic's Canadian French terms ("poste de police").

Verified against real recorded responses (speech resources captured from
api.openparliament.ca, see tests/fixtures/canada_commons/PROVENANCE.md):
time, attribution (en/fr), content (en/fr), url, politician_url,
politician_membership_url, procedural, source_id, h1.en; the list envelope
(objects, pagination.next_url/offset/limit) from a real saved list page.
Not verified: the ``time__gte`` filter name (the speech field is ``time``;
the shared README's ``date__gte`` is unverified too), h2/h3 of a speech
(absent from the captures; the parser tolerates their absence), and committee
speeches (no real committee speech captured; told apart by their
``/committees/`` URL, as openparliament's public pages are).

Not done: the official ourcommons.ca Hansard and committee evidence XML (no
real sample was found; openparliament covers committee evidence less
completely than the House, see the source README).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

import scrapy

from spiders.base import StationwatchSpider
from stationwatch.items import Statement

API = "https://api.openparliament.ca"
WEB = "https://openparliament.ca"
PAGE_SIZE = 100
# openparliament asks clients to say which API version they expect.
API_HEADERS = {"Accept": "application/json", "API-Version": "v1"}
# "Hon. Marco Mendicino (Minister of Public Safety, Lib.)" -> name, role.
_ATTRIBUTION = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<role>[^()]*)\)\s*$")
_HONORIFIC = re.compile(r"^(?:(?:Right\s+)?Hon\.|Mr\.|Mrs\.|Ms\.|Miss|Dr\.)\s+")


class CanadaCommonsSpider(StationwatchSpider):
    name = "canada_commons"
    allowed_domains = ["api.openparliament.ca"]
    source_kind = "parliament"
    country = "CA"

    async def start(self):
        params = {"time__gte": self.since.isoformat(), "limit": PAGE_SIZE}
        yield self.page(f"{API}/speeches/?{urlencode(params)}")

    def page(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, headers=API_HEADERS, callback=self.parse_speeches)

    def parse_speeches(self, response):
        data = self.json_or_layout_error(response, "objects")
        if data is None:
            return
        for speech in data["objects"]:
            item = self.speech_statement(speech, response)
            if item is not None:
                yield item
        next_url = (data.get("pagination") or {}).get("next_url")
        if next_url and data["objects"]:
            yield self.page(urljoin(API, next_url))

    def speech_statement(self, speech: dict, response) -> Statement | None:
        """One speech as a candidate; None (logged) when it lacks its URL or text."""
        path = speech.get("url")
        text = _lang(speech.get("content"), "en")
        if not path or not text:
            self.logger.warning("speech without url or English content skipped at %s: %s",
                                response.url, speech.get("source_id"))
            return None
        speaker, role = split_attribution(_lang(speech.get("attribution"), "en"))
        committee = path.startswith("/committees/")
        return self.statement(
            body=_committee_body(path) if committee else "House of Commons",
            kind="committee_evidence" if committee else "debate_contribution",
            url=urljoin(WEB, path),
            fetch_url=urljoin(API, path),
            title=_heading(speech),
            published=(speech.get("time") or "")[:10],
            language="en",
            text=text,
            record_id=f"speech:{path}",
            speaker=speaker,
            speaker_role=role,
            context=_lang(speech.get("content"), "fr") or None,
            raw=json.dumps(speech, sort_keys=True, ensure_ascii=False),
            raw_type="json",
        )


def split_attribution(attribution: str) -> tuple[str | None, str | None]:
    """Speaker and role from a Hansard attribution.

    "Hon. Marco Mendicino (Minister of Public Safety, Lib.)" gives
    ("Marco Mendicino", "Minister of Public Safety, Lib."); "Ms. Jenny Kwan
    (Vancouver East, NDP)" gives the riding and party as role; "The Deputy
    Speaker" is a role-named speaker and stays as it is.
    """
    attribution = " ".join((attribution or "").split())
    if not attribution:
        return None, None
    match = _ATTRIBUTION.match(attribution)
    name, role = (match["name"], match["role"].strip() or None) if match else (attribution, None)
    return _HONORIFIC.sub("", name).strip() or name, role


def _lang(value, lang: str) -> str:
    """The ``lang`` version of a bilingual {"en", "fr"} field (or a plain string)."""
    if isinstance(value, dict):
        return value.get(lang) or ""
    return value or ""


def _heading(speech: dict) -> str:
    """"Oral Questions / Foreign Affairs": the speech's place in the day's order."""
    parts = [_lang(speech.get(h), "en").strip() for h in ("h1", "h2", "h3")]
    return " / ".join(p for p in parts if p)


def _committee_body(path: str) -> str:
    """"/committees/canada-china-relations/44-1/12/..." -> a readable committee body."""
    slug = path.strip("/").split("/")[1] if path.count("/") > 2 else ""
    return f"House of Commons committee: {slug.replace('-', ' ')}" if slug else "House of Commons committee"
