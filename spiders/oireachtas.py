"""Houses of the Oireachtas (Dáil, Seanad, committees): parliamentary
questions with their answers, and debates, one candidate per contribution.

Source: the Oireachtas open data API, api.oireachtas.ie/v1 (JSON, no key),
and the Akoma Ntoso XML of the debate record at data.oireachtas.ie (Oireachtas
PSI Licence). The API has no keyword search, so the spider walks date windows
from the last successful run's date to today:

- ``/v1/questions`` (oral and written), skip/limit paging to the end. Every
  question is a candidate. The answer is not in the JSON: for a question the
  topic matches (its text or section heading), the section's XML is fetched
  and the first ``speech`` after the ``question`` is its answer; the other
  speeches of that section (supplementaries to an oral question) are
  contributions. Fetching every section's XML for thousands of questions a
  week would be a load on the source, so only these are fetched; the
  relevance pipeline still judges every candidate.
- ``/v1/debates``: each sitting day's whole record (``main.xml``) once; every
  speech of a section that holds no questions (those come from the questions
  walk) is a contribution.

Speakers are resolved through the record's ``TLCPerson`` references, roles
through ``TLCRole`` ("Minister for Foreign Affairs"). A speech's record_id is
the chamber, date and eId, so the same speech reached from either walk is one
statement. ``url``: a question's page (``/en/debates/question/{date}/{n}/``)
for the question and its answer, the section's page
(``/en/debates/debate/{chamber}/{date}/{n}/``) for other contributions.

Verified against real recorded data (TD-scrape's saved responses): the
questions and debates JSON shapes and field names, question fields (date,
type, number, asker, addressee, text, section, house), paging counts, the AKN
XML structure (references, debateSection, question, speech, from, p) and
speaker and role resolution. Real web addresses seen on stored pages: the
question and Dáil debate page patterns. Only against RECONSTRUCTED samples:
an on-topic question and its answer's section file (real text of PQ 322 of 13
December 2022, placeholder ids and XML location), the per-section XML file
layout (``dbsect_N.xml``), and the committee page pattern.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlencode

import scrapy
from scrapy.selector import Selector

from spiders.base import StationwatchSpider
from stationwatch.items import Statement

API = "https://api.oireachtas.ie/v1"
WEB = "https://www.oireachtas.ie/en/debates"
QUESTION_WINDOW_DAYS = 7  # a sitting week answers well over a thousand written questions
DEBATE_WINDOW_DAYS = 28
PAGE_SIZE = 500
CHAMBER_BODY = {"dail": "Dáil Éireann", "seanad": "Seanad Éireann"}
CHAMBER_ROLE = {"dail": "TD", "seanad": "Senator"}
_RECORD = re.compile(r"/debateRecord/(?P<chamber>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/")
_SECTION_NUMBER = re.compile(r"dbsect_(\d+)")


class OireachtasSpider(StationwatchSpider):
    name = "oireachtas"
    allowed_domains = ["api.oireachtas.ie", "data.oireachtas.ie"]
    source_kind = "parliament"
    country = "IE"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections_asked: set[tuple[str, frozenset]] = set()

    async def start(self):
        for start, end in date_windows(self.since, dt.date.today(), QUESTION_WINDOW_DAYS):
            yield self.listing("questions", {"date_start": start, "date_end": end, "qtype": "oral,written"})
        for start, end in date_windows(self.since, dt.date.today(), DEBATE_WINDOW_DAYS):
            yield self.listing("debates", {"date_start": start, "date_end": end})

    def listing(self, endpoint: str, filters: dict, skip: int = 0) -> scrapy.Request:
        params = {**filters, "limit": PAGE_SIZE, "skip": skip}
        return scrapy.Request(
            f"{API}/{endpoint}?{urlencode(params)}",
            callback=self.parse_questions if endpoint == "questions" else self.parse_debates,
            cb_kwargs={"filters": filters, "skip": skip},
        )

    def next_page(self, data: dict, endpoint: str, filters: dict, skip: int):
        counts = (data.get("head") or {}).get("counts") or {}
        total = counts.get("resultCount") or counts.get(f"{endpoint[:-1]}Count") or 0
        if data["results"] and skip + PAGE_SIZE < total:
            yield self.listing(endpoint, filters, skip + PAGE_SIZE)

    # Questions -----------------------------------------------------------

    def parse_questions(self, response, filters, skip):
        data = self.json_or_layout_error(response, "results")
        if data is None:
            return
        topic = self.topic
        to_answer: dict[str, list[dict]] = {}
        for result in data["results"] or []:
            question = (result or {}).get("question")
            if not question or not question.get("uri") or not question.get("date"):
                self.layout_changed(response, "a result without question.uri or question.date")
                continue
            section = question.get("debateSection") or {}
            xml_uri = ((section.get("formats") or {}).get("xml") or {}).get("uri")
            heading = (section.get("showAs") or "").strip()
            if xml_uri and topic.judge(f"{heading}\n{question.get('showAs') or ''}").relevant:
                to_answer.setdefault(xml_uri, []).append(question)  # yielded with its answer
            else:
                yield self.question_statement(question, response.url, raw=json.dumps(result, sort_keys=True, ensure_ascii=False))
        for xml_uri, questions in to_answer.items():
            key = (xml_uri, frozenset(q["uri"] for q in questions))
            if key in self.sections_asked:
                continue  # the same questions seen again in an overlapping window
            self.sections_asked.add(key)
            yield scrapy.Request(xml_uri, callback=self.parse_answer_section, errback=self.answer_section_failed,
                                 cb_kwargs={"questions": questions, "listing_url": response.url},
                                 dont_filter=True)
        yield from self.next_page(data, "questions", filters, skip)

    def question_statement(self, question: dict, fetch_url: str, raw: str) -> Statement:
        house = question.get("house") or {}
        chamber = house.get("houseCode") or "dail"
        asker = question.get("by") or {}
        addressee = ((question.get("to") or {}).get("showAs") or "").strip()
        heading = ((question.get("debateSection") or {}).get("showAs") or "").strip()
        oral = question.get("questionType") == "oral"
        return self.statement(
            body=CHAMBER_BODY.get(chamber, house.get("showAs") or "Houses of the Oireachtas"),
            kind="oral_question" if oral else "written_question",
            url=question_page(question),
            fetch_url=fetch_url,
            title=" - ".join(p for p in (heading, f"Question to {addressee}" if addressee else "") if p),
            published=question["date"],
            language="en",
            text=(question.get("showAs") or "").strip(),
            record_id=question_record_id(question),
            speaker=(asker.get("showAs") or "").strip() or None,
            speaker_role=CHAMBER_ROLE.get(chamber),
            raw=raw,
            raw_type="json" if raw.startswith("{") else "xml",
        )

    def parse_answer_section(self, response, questions, listing_url):
        """Questions the topic matched, each with its answer; the section's
        other speeches as contributions."""
        record = Record.from_response(response)
        if record is None:
            self.layout_changed(response, "not an Akoma Ntoso debate record")
            return
        answered_speeches = set()
        for question in questions:
            eid = question["uri"].rstrip("/").rsplit("/", 1)[-1]
            node = record.body.xpath(f'.//question[@eId="{eid}"]')
            section = node.xpath("ancestor::debateSection[1]") if node else record.body.xpath(".//debateSection[1]")
            raw = section[0].get() if section else response.text
            yield self.question_statement(question, listing_url, raw=raw)
            if not node:
                self.logger.warning("question %s not found in %s: no answer", eid, response.url)
                continue
            answer = node.xpath("following-sibling::speech[1]")
            if not answer:
                continue  # not answered yet
            answered_speeches.add(answer.attrib.get("eId"))
            yield self.speech_statement(
                record, answer[0], section[0], response.url,
                kind="oral_answer" if question.get("questionType") == "oral" else "written_answer",
                url=question_page(question), question=question)
        for section in {s.attrib.get("eId"): s for s in record.body.xpath(".//question/ancestor::debateSection[1]")}.values():
            for speech in section.xpath("./speech"):
                if speech.attrib.get("eId") not in answered_speeches:
                    yield self.speech_statement(record, speech, section, response.url, kind="debate_contribution")

    def answer_section_failed(self, failure):
        """The section XML is unavailable (such links have been broken at
        times): keep the questions, without their answers."""
        request = failure.request
        self.logger.warning("answer section unavailable (%s): questions kept without answers", failure.value)
        for question in request.cb_kwargs["questions"]:
            yield self.question_statement(question, request.cb_kwargs["listing_url"],
                                          raw=json.dumps({"question": question}, sort_keys=True, ensure_ascii=False))

    # Debates -------------------------------------------------------------

    def parse_debates(self, response, filters, skip):
        data = self.json_or_layout_error(response, "results")
        if data is None:
            return
        for result in data["results"] or []:
            record = (result or {}).get("debateRecord") or {}
            xml_uri = ((record.get("formats") or {}).get("xml") or {}).get("uri")
            if not xml_uri:
                self.layout_changed(response, "a debate record without formats.xml.uri")
                continue
            body = ((record.get("chamber") or {}).get("showAs") or "").strip()
            if (record.get("house") or {}).get("chamberType") == "committee":
                body = ((record.get("house") or {}).get("showAs") or body).strip()
            yield scrapy.Request(xml_uri, callback=self.parse_day, cb_kwargs={"body": body or None})
        yield from self.next_page(data, "debates", filters, skip)

    def parse_day(self, response, body=None):
        record = Record.from_response(response)
        if record is None:
            self.layout_changed(response, "not an Akoma Ntoso debate record")
            return
        for section in record.body.xpath(".//debateSection"):
            if section.xpath("./question"):
                continue  # questions and their answers come from the questions walk
            for speech in section.xpath("./speech"):
                yield self.speech_statement(record, speech, section, response.url, kind="debate_contribution", body=body)

    # Shared --------------------------------------------------------------

    def speech_statement(self, record: "Record", speech, section, fetch_url: str, kind: str,
                         url: str | None = None, question: dict | None = None, body: str | None = None) -> Statement:
        by = (speech.attrib.get("by") or "").lstrip("#")
        role_ref = (speech.attrib.get("as") or "").lstrip("#")
        speaker = record.people.get(by) or " ".join(speech.xpath("./from//text()").getall()).strip() or None
        role = record.roles.get(role_ref) or CHAMBER_ROLE.get(record.chamber)
        heading = " ".join(" ".join(section.xpath("./heading//text()").getall()).split())
        extra = {}
        if question is not None:
            extra = dict(question_record_id=question_record_id(question), context=(question.get("showAs") or "").strip())
        return self.statement(
            body=body or CHAMBER_BODY.get(record.chamber, record.chamber),
            kind=kind,
            url=url or section_page(record, section.attrib.get("eId") or ""),
            fetch_url=fetch_url,
            title=heading,
            published=record.date,
            language="en",
            text="\n".join(speech.xpath("./p").getall()),
            record_id=f"speech:{record.chamber}/{record.date}/{speech.attrib.get('eId')}",
            speaker=speaker,
            speaker_role=role,
            raw=section.get(),
            raw_type="xml",
            **extra,
        )


class Record:
    """An Akoma Ntoso debate record: its chamber, date, people, roles, body."""

    def __init__(self, chamber, date, people, roles, body):
        self.chamber, self.date, self.people, self.roles, self.body = chamber, date, people, roles, body

    @classmethod
    def from_response(cls, response) -> "Record | None":
        match = _RECORD.search(response.url)
        try:
            selector = Selector(text=response.text, type="xml")
        except ValueError:
            return None
        selector.remove_namespaces()
        body = selector.xpath("//debateBody")
        if not match or not body:
            return None
        refs = selector.xpath("//meta/references")
        people = {p.attrib.get("eId"): p.attrib.get("showAs") for p in refs.xpath("./TLCPerson")}
        roles = {r.attrib.get("eId"): r.attrib.get("showAs") for r in refs.xpath("./TLCRole")}
        return cls(match["chamber"], match["date"], people, roles, body[0])


def date_windows(since: dt.date, until: dt.date, days: int):
    """(start, end) ISO date pairs covering since..until, both inclusive."""
    start = since
    while start <= until:
        end = min(start + dt.timedelta(days=days - 1), until)
        yield start.isoformat(), end.isoformat()
        start = end + dt.timedelta(days=1)


def question_record_id(question: dict) -> str:
    """"https://data.oireachtas.ie/ie/oireachtas/question/2023-02-14/pq_1" -> "question:2023-02-14/pq_1"."""
    return "question:" + question["uri"].split("/question/", 1)[-1].strip("/")


def question_page(question: dict) -> str:
    return f"{WEB}/question/{question['date']}/{question.get('questionNumber')}/"


def section_page(record: Record, section_eid: str) -> str:
    number = _SECTION_NUMBER.search(section_eid)
    return f"{WEB}/debate/{record.chamber}/{record.date}/{number.group(1) if number else section_eid}/"
