"""European Parliament: written questions and the Commission's, the HR/VP's
and the Council's answers.

Source: the EP Open Data API v2 (data.europarl.europa.eu/api/v2, JSON-LD, no
key, CC BY 4.0, at most 500 requests in 5 minutes per endpoint: the project's
one-request-a-second per host keeps under it). The API has no keyword,
author or date search: ``/parliamentary-questions`` lists id-only stubs by
year, and ``/parliamentary-questions/feed`` lists the questions published or
updated in about the last month. So a run reads the feed (and, when its
start date lies further back than the feed reaches, the year lists from
that year on, bounded by MAX_PAGES_PER_YEAR), then each written question's
detail (``/parliamentary-questions/{id}``: dates, title, author, the answer
work ``inverse_answers_to``). A question neither asked nor answered since
the start date is passed over; so is one whose title cannot be on topic
(no topic term and no context word such as China in it). Only the rest are
read in full: the question's page on europarl.europa.eu (doceo) and, when
answered, its answer's page (``...-ASW_EN.html``).

A year list that answers with other than written questions has ignored its
``work-type`` filter: a layout change, and that list stops.

Statements (country "EU", the ISO code reserved for the Union's
institutions): the question (speaker: the asking MEP(s) as the API's
``title_alternative`` names them, "... - Rule 144 - João Oliveira (The
Left)"; body European Parliament) and the answer (body: the answering
institution from the answer work's ``creator``; speaker: the Commissioner
or HR/VP of the page's "Answer given by ... on behalf of the European
Commission" line), linked by ``question_record_id``. Record ids are the
API's identifiers (E-9-2022-003998, E-9-2022-003998-ASW).

Verified on real material (tests/fixtures/eu_parliament/PROVENANCE.md): the
list stub shape (a client's test quotes it as the exact shape of a real
response), the detail's structure and fields (a real response of
E-10-2024-001357 printed by a public project, three arrays elided by its
authors), the official OpenAPI parameters; the real title, header lines and
text of question E-9-2022-003998 as its page shows them. Only on
RECONSTRUCTED samples: the feed's body, the doceo pages' markup, and the
answer page (no real answer text was found).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlencode

import scrapy

from spiders.base import StationwatchSpider

API = "https://data.europarl.europa.eu/api/v2"
DOCEO = "https://www.europarl.europa.eu/doceo/document"
JSON_LD = "application/ld+json"
WRITTEN_TYPES = ("QUESTION_WRITTEN", "QUESTION_WRITTEN_PRIORITY")
ANSWER_TYPE = "QUESTION_WRITTEN_ANSWER"
PAGE_SIZE = 50
MAX_PAGES_PER_YEAR = 300  # the EP gets some 5,000-8,000 written questions a year
FEED_WINDOW_DAYS = 28  # the feed covers "typically one month": a start date within it needs no year lists
PARLIAMENT = "European Parliament"
# The answer work's creator, as the API names the institution.
ANSWERING_BODIES = {"org/EU_COMMISSION": "European Commission", "org/EU_COUNCIL": "Council of the European Union"}
# "Question for written answer E-001357/2024 - to the Council - Rule 144 - João Oliveira (The Left)"
AUTHORS = re.compile(r"\s-\s(?:Rule|Article)\s+\d+\s-\s(?P<authors>.+)$")
AUTHOR = re.compile(r"(?P<name>[^,()]+?)\s*\((?P<group>[^()]+)\)")
# The page's header lines and the end of the question's text.
QUESTION_HEADER = re.compile(r"^(?:Priority\s+)?[Qq]uestion for written answer\b")
RULE_LINE = re.compile(r"^(?:Rule|Article)\s+\d+\b")
QUESTION_END = re.compile(r"^(?:Submitted\s*:|Last updated\s*:|Answer in writing\b)")
# "Answer given by High Representative/Vice-President Borrell on behalf of the European Commission (7.2.2023)"
ANSWER_LINE = re.compile(r"^Answer given by (?P<who>.+?) on behalf of (?:the )?(?P<body>[^()]+?)\s*"
                         r"(?:\((?P<date>\d{1,2}\.\d{1,2}\.\d{4})\))?\s*$")
PAGE_END = re.compile(r"^(?:Last updated\s*:|Legal notice\b)")
OFFICES = ("High Representative/Vice-President", "Executive Vice-President", "Vice-President", "President",
           "Commissioner")
HONORIFIC = re.compile(r"^(?:Mr|Ms|Mrs|Dr)\.?\s+")


class EuParliamentSpider(StationwatchSpider):
    name = "eu_parliament"
    allowed_domains = ["data.europarl.europa.eu", "www.europarl.europa.eu"]
    source_kind = "parliament"
    country = "EU"
    body = PARLIAMENT
    language = "en"

    async def start(self):
        yield self.api(f"{API}/parliamentary-questions/feed?{urlencode({'format': JSON_LD})}", self.parse_feed)
        today = dt.date.today()
        if self.since < today - dt.timedelta(days=FEED_WINDOW_DAYS):
            for year in range(self.since.year, today.year + 1):
                yield self.year_page(year, 0)

    def api(self, url: str, callback, **cb_kwargs) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, cb_kwargs=cb_kwargs, headers={"Accept": JSON_LD},
                              meta={"allow_empty_body": True})  # 204 No Content ends a list

    def year_page(self, year: int, offset: int) -> scrapy.Request:
        params = {"work-type": ",".join(WRITTEN_TYPES), "year": year, "format": JSON_LD, "offset": offset,
                  "limit": PAGE_SIZE}
        return self.api(f"{API}/parliamentary-questions?{urlencode(params)}", self.parse_year, year=year,
                        offset=offset)

    # --- lists ------------------------------------------------------------

    def stubs(self, response) -> list | None:
        """The list's items, [] for an empty answer (204), None on a layout change."""
        if response.status == 204 or not response.body.strip():
            return []
        data = self.json_or_layout_error(response, "data")
        if data is None:
            return None
        if not isinstance(data["data"], list):
            self.layout_changed(response, "'data' is not a list")
            return None
        return data["data"]

    def parse_feed(self, response):
        """Questions and answers published or updated in about the last month."""
        for stub in self.stubs(response) or []:
            question_id = question_identifier(stub)
            if question_id:
                yield self.detail(question_id)

    def parse_year(self, response, year: int, offset: int):
        stubs = self.stubs(response)
        if stubs is None:
            return
        for stub in stubs:
            if work_type(stub) not in WRITTEN_TYPES:
                self.layout_changed(response, f"asked work-type={','.join(WRITTEN_TYPES)}, got "
                                              f"{work_type(stub)!r}: the filter was not honoured")
                return
            yield self.detail(stub.get("identifier"))
        if len(stubs) >= PAGE_SIZE:
            page = offset // PAGE_SIZE + 1
            if page >= MAX_PAGES_PER_YEAR:
                self.logger.error("year %s: stopped after %d pages of questions", year, page)
                return
            yield self.year_page(year, offset + PAGE_SIZE)

    def detail(self, identifier: str) -> scrapy.Request:
        query = urlencode({"format": JSON_LD, "language": "en"})
        return self.api(f"{API}/parliamentary-questions/{identifier}?{query}", self.parse_detail)

    # --- one question -----------------------------------------------------

    def parse_detail(self, response):
        """The question's record: in the window and possibly on topic, its pages are read."""
        data = self.json_or_layout_error(response, "data")
        if data is None:
            return
        works = data["data"] if isinstance(data["data"], list) else [data["data"]]
        work = works[0] if works and isinstance(works[0], dict) else None
        if not work or not work.get("identifier"):
            self.layout_changed(response, "a parliamentary question without identifier")
            return
        if work_type(work) not in WRITTEN_TYPES:
            return  # an oral question or an interpellation the feed also lists
        question = Question.from_work(work)
        if not any(day and not self.reached_since(day) for day in (question.asked, question.answered)):
            self.count_passed_over()
            return
        judgement = self.topic.judge(question.title)
        if not (judgement.relevant or judgement.reason == "context words only"):
            self.count_passed_over()  # no topic term and no China in the title: not read further
            return
        yield scrapy.Request(f"{DOCEO}/{question.identifier}_EN.html", callback=self.parse_question_page,
                             cb_kwargs={"question": question}, meta={"handle_httpstatus_list": [404]})

    def parse_question_page(self, response, question: "Question"):
        if response.status == 404:
            self.lost_record(response, f"{question.identifier}: no English page (yet)")
            return
        lines = page_lines(response)
        text, author_line = question_text(lines)
        if not text:
            self.layout_changed(response, f"{question.identifier}: no question text between its header and "
                                          "'Submitted'")
            return
        speaker, role = question.asked_by or authors_from(author_line) or (None, None)
        yield self.statement(
            kind="written_question", url=response.url, title=question.title, published=question.asked,
            text=text, record_id=question.identifier, speaker=speaker, speaker_role=role,
            raw=question.raw, raw_type="json")
        if question.answer_id:
            yield scrapy.Request(f"{DOCEO}/{question.identifier}-ASW_EN.html", callback=self.parse_answer_page,
                                 cb_kwargs={"question": question, "question_text": text},
                                 meta={"handle_httpstatus_list": [404]})

    def parse_answer_page(self, response, question: "Question", question_text: str):
        if response.status == 404:
            self.lost_record(response, f"{question.answer_id}: the answer is listed but has no English page")
            return
        lines = page_lines(response)
        signed, text = answer_text(lines)
        if not text:
            self.layout_changed(response, f"{question.answer_id}: no answer text found")
            return
        body = question.answered_by or (signed.group("body").strip() if signed else "European Commission")
        speaker, role = signer(signed.group("who"), body) if signed else (None, None)
        yield self.statement(
            kind="written_answer", url=response.url, title=question.title, published=question.answered,
            text=text, record_id=question.answer_id, source_kind="government", body=body,
            speaker=speaker, speaker_role=role, question_record_id=question.identifier,
            context=question_text, raw=question.raw, raw_type="json")


class Question:
    """What the spider needs of one question's API record."""

    def __init__(self, identifier: str, title: str, asked: str | None, asked_by, answer_id: str | None,
                 answered: str | None, answered_by: str | None, raw: str):
        self.identifier = identifier
        self.title = title
        self.asked = asked
        self.asked_by = asked_by  # (speaker, role) or None
        self.answer_id = answer_id
        self.answered = answered
        self.answered_by = answered_by
        self.raw = raw

    @classmethod
    def from_work(cls, work: dict) -> "Question":
        answer = next((a for a in work.get("inverse_answers_to") or []
                       if isinstance(a, dict) and work_type(a) == ANSWER_TYPE), None)
        creators = (answer or {}).get("creator") or []
        creators = [creators] if isinstance(creators, str) else creators
        expression = next((e for e in work.get("is_realized_by") or [] if isinstance(e, dict)
                           and e.get("title_alternative")), {})
        return cls(
            identifier=work["identifier"],
            title=_in_english(work.get("title_dcterms")) or _in_english(expression.get("title")) or "",
            asked=work.get("document_date"),
            asked_by=authors_from(_in_english(expression.get("title_alternative"))),
            answer_id=(answer or {}).get("identifier"),
            answered=(answer or {}).get("document_date"),
            answered_by=next((ANSWERING_BODIES[c] for c in creators if c in ANSWERING_BODIES), None),
            raw=json.dumps(work, sort_keys=True, ensure_ascii=False))


def work_type(item: dict) -> str:
    """"def/ep-document-types/QUESTION_WRITTEN" -> "QUESTION_WRITTEN"."""
    return str(item.get("work_type") or "").rsplit("/", 1)[-1]


def question_identifier(stub: dict) -> str | None:
    """The written question a feed item is about: itself, or the question its answer answers."""
    identifier = stub.get("identifier")
    if not isinstance(identifier, str):
        return None
    kind = work_type(stub)
    if kind == ANSWER_TYPE or identifier.endswith("-ASW"):
        return identifier.removesuffix("-ASW")
    return identifier if kind in WRITTEN_TYPES else None


def _in_english(titles) -> str | None:
    """The English value of a language map ({"en": ..., "pt": ...}), else the first one."""
    if isinstance(titles, str):
        return titles
    if not isinstance(titles, dict) or not titles:
        return None
    return titles.get("en") or next(iter(titles.values()))


def authors_from(line: str | None):
    """("João Oliveira", "MEP (The Left)") from "... - Rule 144 - João Oliveira (The Left)"
    or from the page's author line; None when no author is named."""
    if not line:
        return None
    m = AUTHORS.search(line)
    found = AUTHOR.findall(m.group("authors") if m else line)
    if not found:
        return None
    names = ", ".join(name.strip() for name, _ in found)
    groups = ", ".join(dict.fromkeys(group.strip() for _, group in found))
    return names, f"MEP ({groups})"


def page_lines(response) -> list[str]:
    """The visible text of a doceo page, one line per text block, without
    the site's navigation, scripts and styles."""
    texts = response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style) and "
                           "not(ancestor::nav) and not(ancestor::header) and not(ancestor::footer)]").getall()
    lines = []
    for text in texts:
        for line in text.splitlines():
            line = re.sub(r"\s+", " ", line).strip()
            if line:
                lines.append(line)
    return lines


def question_text(lines: list[str]) -> tuple[str, str | None]:
    """The question's words (after "Question for written answer ...", "to
    the ...", "Rule 138" and the author line, up to "Submitted:"), and the
    author line."""
    start = next((i for i, line in enumerate(lines) if QUESTION_HEADER.match(line)), None)
    if start is None:
        return "", None
    rule = next((i for i in range(start, min(start + 5, len(lines))) if RULE_LINE.match(lines[i])), None)
    if rule is None or rule + 1 >= len(lines):
        return "", None
    author = lines[rule + 1]
    body = []
    for line in lines[rule + 2:]:
        if QUESTION_END.match(line):
            break
        if not line.startswith("Subject:"):
            body.append(line)
    return "\n".join(body), author


def answer_text(lines: list[str]):
    """The "Answer given by ..." line (a match, or None) and the answer's words after it."""
    for i, line in enumerate(lines):
        signed = ANSWER_LINE.match(line)
        if signed:
            body = []
            for rest in lines[i + 1:]:
                if PAGE_END.match(rest):
                    break
                body.append(rest)
            return signed, "\n".join(body)
    return None, ""


def signer(who: str, body: str) -> tuple[str, str]:
    """("Borrell", "High Representative/Vice-President") from
    "High Representative/Vice-President Borrell"; a bare "Ms Johansson" is
    a Member of the Commission (or of the body named)."""
    who = who.strip()
    for office in OFFICES:
        if who.startswith(office + " "):
            return HONORIFIC.sub("", who[len(office):].strip()), office
    role = "Member of the European Commission" if body == "European Commission" else f"on behalf of the {body}"
    return HONORIFIC.sub("", who), role
