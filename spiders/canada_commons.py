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

Question Period ("Oral Questions") is questions and answers in separate
speeches. As the other parliament spiders do, a question is an
``oral_question`` and a minister's or parliamentary secretary's reply an
``oral_answer`` linked to it (``question_record_id``) and judged with the
question's text as ``context``: a minister who answers a question about the
stations is responding, even when the answer never names them. The walk is
newest first (the API's order without a ``document`` filter), so the
speeches of a sitting's Question Period are held until the walk has passed
that day, then put in the order they were spoken (time, then the Hansard
paragraph id ``data-HoCid``; the list has no sequence number) and paired: an
answer answers the nearest question before it under the same heading.

Verified against real recorded responses (speech resources captured from
api.openparliament.ca, see tests/fixtures/canada_commons/PROVENANCE.md):
time, attribution (en/fr), content (en/fr), url, politician_url,
politician_membership_url, procedural, source_id, h1.en; the list envelope
(objects, pagination.next_url/offset/limit) from a real saved list page.
The ``time`` filter (with ``__gte``) and the newest-first order are in the
API's own source (michaelmulley/openparliament, ``SpeechesView``). Not
verified on a response: h2/h3 of a speech (cut off in the captures; the
parser tolerates their absence), that ``data-HoCid`` paragraph ids follow
the order of speaking within a sitting (they rise within every captured
speech and from one sitting to the next), the Question Period exchange used
in the tests (its text is real, its JSON RECONSTRUCTED), and committee
speeches (told apart by their ``/committees/`` URL, as openparliament's
public pages are).

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
QUESTION_PERIOD = "Oral Questions"  # h1.en of every Question Period speech
# A role that speaks for the government: the one who answers in Question Period.
_GOVERNMENT_ROLE = re.compile(r"\b(?:Minister|Parliamentary Secretary|Secretary of State|Leader of the Government"
                              r"|President of the (?:Treasury Board|King's Privy Council|Queen's Privy Council)"
                              r"|Attorney General|Solicitor General)\b")
_HOCID = re.compile(r'data-HoCid="(\d+)"')


class CanadaCommonsSpider(StationwatchSpider):
    name = "canada_commons"
    allowed_domains = ["api.openparliament.ca"]
    source_kind = "parliament"
    country = "CA"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Question Period speeches held until the walk has passed their sitting: document path -> speeches.
        self.question_periods: dict[str, list[dict]] = {}

    async def start(self):
        params = {"time__gte": self.since.isoformat(), "limit": PAGE_SIZE}
        yield self.page(f"{API}/speeches/?{urlencode(params)}")

    def page(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, headers=API_HEADERS, callback=self.parse_speeches, errback=self.page_failed)

    def parse_speeches(self, response):
        data = self.json_or_layout_error(response, "objects")
        if data is None:
            yield from self.flush_question_periods(before=None)  # the walk ends here: keep what was read
            return
        oldest = None
        for speech in data["objects"]:
            time = speech.get("time") or ""
            oldest = min(oldest or time, time) if time else oldest
            if _in_question_period(speech):
                self.question_periods.setdefault(_document(speech["url"]), []).append(speech)
                continue
            item = self.speech_statement(speech, response.url)
            if item is not None:
                yield item
        next_url = (data.get("pagination") or {}).get("next_url")
        more = bool(next_url and data["objects"])
        # Newest first: a sitting later than this page's oldest speech has been read whole.
        yield from self.flush_question_periods(before=None if not more else (oldest or "")[:10])
        if more:
            yield self.page(urljoin(API, next_url))

    def page_failed(self, failure):
        """A page of the walk could not be fetched: the run is an error (its
        window does not move), and what was read is still yielded."""
        self.logger.error("speeches page lost: %s (%s)", failure.value, failure.request.url)
        yield from self.flush_question_periods(before=None)

    def flush_question_periods(self, before: str | None):
        """The held Question Periods of sittings after ``before`` (all when None), paired."""
        for document in list(self.question_periods):
            if before is None or _sitting_date(document) > before:
                yield from self.question_period(self.question_periods.pop(document))

    def question_period(self, speeches: list[dict]):
        """A sitting's Question Period in speaking order: questions, and answers
        linked to the nearest question before them under the same heading."""
        question = None  # (record_id, English text, heading) of the last question asked
        for speech in sorted(speeches, key=_speaking_order):
            heading = _lang(speech.get("h2"), "en")
            if question and heading and question[2] and heading != question[2]:
                question = None  # a new subject: the previous question is not answered here
            role = split_attribution(_lang(speech.get("attribution"), "en"))[1] or ""
            if speech.get("procedural"):
                item = self.speech_statement(speech, None)
            elif _GOVERNMENT_ROLE.search(role):
                item = self.speech_statement(speech, None, kind="oral_answer", body="Government of Canada",
                                             question=question)
            else:
                item = self.speech_statement(speech, None, kind="oral_question")
                if item is not None:
                    question = (item.record_id, item.text, heading)
            if item is not None:
                yield item

    def speech_statement(self, speech: dict, listing_url: str | None, kind: str | None = None,
                         body: str | None = None, question: tuple | None = None) -> Statement | None:
        """One speech as a candidate; None (logged) when it lacks its URL or text.

        An answer carries its question's record id, and its question's text
        (then its own French) as context."""
        path = speech.get("url")
        text = _lang(speech.get("content"), "en")
        if not path or not text:
            self.logger.warning("speech without url or English content skipped at %s: %s",
                                listing_url, speech.get("source_id"))
            return None
        speaker, role = split_attribution(_lang(speech.get("attribution"), "en"))
        committee = path.startswith("/committees/")
        context = [question[1]] if question else []
        context.append(_lang(speech.get("content"), "fr"))
        return self.statement(
            body=body or (_committee_body(path) if committee else "House of Commons"),
            kind=kind or ("committee_evidence" if committee else "debate_contribution"),
            url=urljoin(WEB, path),
            fetch_url=urljoin(API, path),
            title=_heading(speech),
            published=(speech.get("time") or "")[:10],
            language="en",
            text=text,
            record_id=f"speech:{path}",
            speaker=speaker,
            speaker_role=role,
            question_record_id=question[0] if question else None,
            context="\n\n".join(c for c in context if c) or None,
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


def _in_question_period(speech: dict) -> bool:
    """A House speech under "Oral Questions" (committees have no Question Period)."""
    path = speech.get("url") or ""
    return path.startswith("/debates/") and _lang(speech.get("h1"), "en").strip() == QUESTION_PERIOD


def _document(path: str) -> str:
    """"/debates/2022/10/6/michael-chong-1/" -> "/debates/2022/10/6/" (the sitting)."""
    return path[: path.rstrip("/").rfind("/") + 1]


def _sitting_date(document: str) -> str:
    """"/debates/2022/10/6/" -> "2022-10-06" ("" when the path has no date)."""
    parts = document.strip("/").split("/")
    try:
        return f"{int(parts[1]):04d}-{int(parts[2]):02d}-{int(parts[3]):02d}"
    except (IndexError, ValueError):
        return ""


def _speaking_order(speech: dict) -> tuple:
    """Time (to the Hansard timestamp, shared by many speeches), then the
    first paragraph's Hansard id, which rises through a sitting."""
    hocid = _HOCID.search(_lang(speech.get("content"), "en"))
    return speech.get("time") or "", int(hocid.group(1)) if hocid else 0


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
