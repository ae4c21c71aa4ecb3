"""Houses of the Oireachtas (Dáil, Seanad, committees): parliamentary
questions with their answers, and debates, one candidate per contribution.

Source: the Oireachtas open data API, api.oireachtas.ie/v1 (JSON, no key),
and the Akoma Ntoso XML of the debate record at data.oireachtas.ie (Oireachtas
PSI Licence). The API has no keyword search, so the spider walks date windows
from the last successful run's date to today:

- ``/v1/questions`` (oral and written), skip/limit paging to the end. Every
  question is a candidate. The answer is not in the JSON but in the section's
  XML, where the questions taken together stand one after another before the
  one ``speech`` that answers them all ("I propose to take Questions Nos. 341
  and 356 together"). A listing's questions are grouped by section; a
  section is fetched when one of its questions (or its heading) matches the
  topic or names its context words only (China, Fuzhou, Capel Street...):
  fetching every section for thousands of questions a week would load the
  source. Then each question is judged with the answer it shares as context
  (a question that names only China is on topic when its answer names the
  station), and the answer becomes one statement per question it takes,
  each linked to its question (see ``answer_statements``). The section's
  other speeches (supplementaries) are contributions. A section file that
  cannot be fetched (404, timeout) is a lost record: the run is an error and
  the next run asks from the same date, so the answer is fetched when the
  file is back.
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
XML structure (references, debateSection, question, speech, from, p),
speaker and role resolution, questions taken together (the real 2002-12-03
record: questions 1 and 2 before the one answer; the real 2023-02-14
listing: questions 1 and 2 in one section, dbsect_7) and the per-section XML
address the listing gives (``.../mul@/dbsect_N.xml``). Real web addresses
seen on stored pages: the question and Dáil debate page patterns, and the
"I propose to take Questions Nos. ... together." wording. Only against
RECONSTRUCTED samples: an on-topic written question and its answer's section
file (real text of PQ 322 of 13 December 2022, placeholder ids and file),
two written questions answered together (PLACEHOLDER words, numbered 341 and
356), a section file answering 404, and the committee page pattern. Not
seen: a real per-section file's content (written answers' sections were not
recorded).
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
# Judgement.reason of a text naming the topic's context (China...) without its terms.
CONTEXT_ONLY = "context words only"


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
        by_section: dict[str | None, list[dict]] = {}  # questions taken together share a section
        for result in data["results"] or []:
            question = (result or {}).get("question")
            if not question or not question.get("uri") or not question.get("date"):
                self.layout_changed(response, "a result without question.uri or question.date")
                continue
            by_section.setdefault(section_xml_uri(question), []).append(result)
        for xml_uri, results in by_section.items():
            questions = [result["question"] for result in results]
            if xml_uri and any(self.worth_its_answer(q) for q in questions):
                yield from self.ask_answer_section(xml_uri, questions, response.url)
                continue
            for result in results:
                yield self.question_statement(result["question"], response.url,
                                              raw=json.dumps(result, sort_keys=True, ensure_ascii=False))
        yield from self.next_page(data, "questions", filters, skip)

    def worth_its_answer(self, question: dict) -> bool:
        """Fetch the answer of a question the topic matches, or one that names
        its context (China, Fuzhou, the Ministry of Public Security...) without
        the station words: its answer may hold them, and a question judged
        with its answer is on topic. Thousands of questions a week name
        neither; their sections are not asked for."""
        heading = ((question.get("debateSection") or {}).get("showAs") or "").strip()
        judgement = self.topic.judge(f"{heading}\n{question.get('showAs') or ''}")
        return judgement.relevant or judgement.reason == CONTEXT_ONLY

    def ask_answer_section(self, xml_uri: str, questions: list[dict], listing_url: str):
        """One request per section for all the listing's questions in it
        (questions taken together share a section). Every question of the
        section goes along, so each is judged with the answer it shares."""
        key = (xml_uri, frozenset(q["uri"] for q in questions))
        if key in self.sections_asked:
            return  # the same questions seen again in an overlapping window
        self.sections_asked.add(key)
        yield scrapy.Request(xml_uri, callback=self.parse_answer_section, errback=self.answer_section_failed,
                             cb_kwargs={"questions": questions, "listing_url": listing_url},
                             dont_filter=True)

    def question_statement(self, question: dict, fetch_url: str, raw: str, context: str | None = None) -> Statement:
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
            context=context,
            raw=raw,
            raw_type="json" if raw.startswith("{") else "xml",
        )

    def parse_answer_section(self, response, questions, listing_url):
        """The listing's questions of this section, each judged with the
        answer it shares; one answer statement per question an answer takes;
        the section's other speeches as contributions."""
        record = Record.from_response(response)
        if record is None:
            self.layout_changed(response, "not an Akoma Ntoso debate record")
            return
        listed = {question_eid(q): q for q in questions}
        sections = record.body.xpath(".//question/ancestor::debateSection[1]")
        exchanges = [exchange for section in unique_by_eid(sections) for exchange in exchanges_in(section)]
        exchange_of = {eid: exchange for exchange in exchanges for eid in exchange.question_eids}
        for eid, question in listed.items():
            exchange = exchange_of.get(eid)
            if exchange is None:
                self.logger.warning("question %s has no answer in %s", eid, response.url)
            yield self.question_statement(
                question, listing_url, raw=exchange.section.get() if exchange else response.text,
                context=exchange.context_for(eid) if exchange else None)
        oral = any(q.get("questionType") == "oral" for q in questions)  # one section, one kind of question
        for exchange in exchanges:
            yield from self.answer_statements(record, exchange, listed, response.url, oral)
        answered = {exchange.answer.attrib.get("eId") for exchange in exchanges}
        for section in unique_by_eid(sections):
            for speech in section.xpath("./speech"):
                if speech.attrib.get("eId") not in answered:
                    yield self.speech_statement(record, speech, section, response.url, kind="debate_contribution")

    def answer_statements(self, record: "Record", exchange: "Exchange", listed: dict, fetch_url: str, oral: bool):
        """One statement per question the speech answers ("I propose to take
        Questions Nos. 341 and 356 together"), with the same text, each
        linked to its question. The store links an answer to one question
        (statements.question_id), so an answer to two is two rows; being the
        same words of the same speaker, they fall into one dedupe cluster and
        count once in the digest.

        The first keeps the speech's own record_id, as an answer to one
        question has; the others add the question's eId. Every copy's context
        is all the exchange's questions, so the copies are judged alike."""
        context = exchange.questions_text(listed)
        for n, eid in enumerate(exchange.question_eids):
            # A question taken with these but listed on another page gets its
            # question_record_id all the same; the store sets question_id when
            # that question is already stored.
            question = listed.get(eid) or {"date": record.date, "uri": f"/question/{record.date}/{eid}",
                                           "questionNumber": eid.rsplit("_", 1)[-1]}
            yield self.speech_statement(
                record, exchange.answer, exchange.section, fetch_url,
                kind="oral_answer" if oral else "written_answer", url=question_page(question),
                question_record_id=question_record_id(question), context=context,
                record_suffix=f"/{eid}" if n else "")

    def answer_section_failed(self, failure):
        """The section XML could not be fetched (404, timeout; such links
        have been broken at times): the answer is lost for this run. The run
        is an error and the next one asks from the same date again, so the
        answer is fetched once the file is back; the questions are kept."""
        request = failure.request
        status = getattr(getattr(failure.value, "response", None), "status", None)
        reason = f"HTTP {status}" if status else repr(failure.value)
        self.lost_record(request.url, f"answer section {reason} for {len(request.cb_kwargs['questions'])} question(s)")
        for question in request.cb_kwargs["questions"]:
            yield self.question_statement(question, request.cb_kwargs["listing_url"], raw=question_json(question))

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
                         url: str | None = None, body: str | None = None, question_record_id: str | None = None,
                         context: str | None = None, record_suffix: str = "") -> Statement:
        by = (speech.attrib.get("by") or "").lstrip("#")
        role_ref = (speech.attrib.get("as") or "").lstrip("#")
        speaker = record.people.get(by) or " ".join(speech.xpath("./from//text()").getall()).strip() or None
        role = record.roles.get(role_ref) or CHAMBER_ROLE.get(record.chamber)
        return self.statement(
            body=body or CHAMBER_BODY.get(record.chamber, record.chamber),
            kind=kind,
            url=url or section_page(record, section.attrib.get("eId") or ""),
            fetch_url=fetch_url,
            title=node_text(section.xpath("./heading")),
            published=record.date,
            language="en",
            text="\n".join(speech.xpath("./p").getall()),
            record_id=f"speech:{record.chamber}/{record.date}/{speech.attrib.get('eId')}{record_suffix}",
            speaker=speaker,
            speaker_role=role,
            question_record_id=question_record_id,
            context=context,
            raw=section.get(),
            raw_type="xml",
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


class Exchange:
    """Questions and the one speech that answers them all: in the record,
    the questions taken together stand one after another, then the answer
    (the real 2002-12-03 record: questions 1 and 2, then "I propose to take
    Questions Nos. 1 to 8, inclusive, together")."""

    def __init__(self, section, questions: list, answer):
        self.section, self.questions, self.answer = section, questions, answer
        self.question_eids = [q.attrib.get("eId") for q in questions]

    def context_for(self, eid: str) -> str:
        """What a question is judged with: its answer, and the questions
        taken with it (one exchange, one judgement)."""
        others = [node_text(q) for q in self.questions if q.attrib.get("eId") != eid]
        return "\n\n".join([node_text(self.answer.xpath("./p")), *others])

    def questions_text(self, listed: dict) -> str:
        """The exchange's questions, as listed by the API where it listed them."""
        return "\n\n".join(((listed.get(q.attrib.get("eId")) or {}).get("showAs") or node_text(q)).strip()
                             for q in self.questions)


def exchanges_in(section):
    """The section's exchanges, in order: each run of ``question`` elements
    with the ``speech`` that follows it. Later speeches (supplementaries)
    belong to no exchange."""
    pending = []
    for node in section.xpath("./question | ./speech"):
        if node.root.tag == "question":
            pending.append(node)
        elif pending:
            yield Exchange(section, pending, node)
            pending = []


def unique_by_eid(nodes) -> list:
    return list({node.attrib.get("eId"): node for node in nodes}.values())


def node_text(nodes) -> str:
    return " ".join(" ".join(nodes.xpath(".//text()").getall()).split())


def section_xml_uri(question: dict) -> str | None:
    return (((question.get("debateSection") or {}).get("formats") or {}).get("xml") or {}).get("uri")


def question_eid(question: dict) -> str:
    """"https://data.oireachtas.ie/ie/oireachtas/question/2022-12-13/pq_322" -> "pq_322" (its eId in the XML)."""
    return question["uri"].rstrip("/").rsplit("/", 1)[-1]


def question_json(question: dict) -> str:
    return json.dumps({"question": question}, sort_keys=True, ensure_ascii=False)
