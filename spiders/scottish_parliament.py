"""Scottish Parliament: written, oral, topical and First Minister's questions
and their answers.

Source: the Parliament's open data API, data.parliament.scot (JSON, no key;
Open Scottish Parliament Licence). It has no keyword search and no paging:
``/api/motionsquestionsanswersquestions?year=YYYY`` returns one year's rows
as a bare JSON array. The spider walks the years from the last successful
run's date to today, keeps the rows tabled, answered or taken since that date
and yields a question and, when answered, its answer; the relevance pipeline
keeps those about the topic. MSP names come from ``/api/members`` (rows carry
only MSPID); without it a question is still stored, with no speaker.

The EventID says what a row is: S6W-/S7W- written, S6F- First Minister's
Questions, S6O- oral, S6T- topical. ``url`` is the question's page on
parliament.scot (question and answer share it, and share the row as raw).

Not done: the Official Report (spoken contributions, FMQs as said in the
chamber). Its data endpoints (orsplenarymeeting, orscommitteemeeting) are
known only from one third-party script and no sample of them exists.

Verified against real recorded data: nothing in the JSON; no real
response was found in public material. The field names come from several
independent clients (not recordings), the page URL pattern from
mySociety's parlparse and links on stored pages, and ParliamentaryName's
"Surname, Forename" form from independent clients. Only against the
RECONSTRUCTED sample (every value a placeholder): the bare-array shape, all
field values, date formats (the sample's "2022-10-00" is invalid and is
tolerated: logged, date left empty).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import scrapy

from spiders.base import StationwatchSpider

API = "https://data.parliament.scot/api"
WEB_QUESTION = "https://www.parliament.scot/chamber-and-committees/questions-and-answers/question?ref={ref}"
# EventID type letter -> (question kind, answer kind, title prefix)
EVENT_KINDS = {
    "W": ("written_question", "written_answer", "Written question"),
    "F": ("oral_question", "oral_answer", "First Minister's Question"),
    "O": ("oral_question", "oral_answer", "Oral question"),
    "T": ("oral_question", "oral_answer", "Topical question"),
}
_EVENT_ID = re.compile(r"^S\d+(?P<type>[A-Z])-")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


class ScottishParliamentSpider(StationwatchSpider):
    name = "scottish_parliament"
    allowed_domains = ["data.parliament.scot"]
    source_kind = "parliament"
    country = "GB"
    # One year of questions with their answers is one response of several
    # MB that grows through the year; the project-wide 20 MB cap would drop
    # a whole year at once.
    custom_settings = {"DOWNLOAD_MAXSIZE": 128 * 1024 * 1024, "DOWNLOAD_WARNSIZE": 48 * 1024 * 1024}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.members: dict[str, str] = {}

    async def start(self):
        # Names first, so that every question row can be given its asker.
        yield scrapy.Request(f"{API}/members", callback=self.parse_members, errback=self.members_failed)

    def year_requests(self):
        for year in range(self.since.year, dt.date.today().year + 1):
            yield scrapy.Request(
                f"{API}/motionsquestionsanswersquestions?year={year}",
                callback=self.parse_questions,
                cb_kwargs={"year": year},
            )

    def parse_members(self, response):
        try:
            rows = json.loads(response.text)
        except ValueError:
            rows = None
        if not isinstance(rows, list):
            self.layout_changed(response, "members is not a JSON array")
            rows = []
        for row in rows:
            if isinstance(row, dict) and row.get("PersonID") is not None:
                self.members[str(row["PersonID"])] = member_name(row)
        yield from self.year_requests()

    def members_failed(self, failure):
        self.logger.warning("MSP names unavailable (%s): questions are stored without their asker", failure.value)
        yield from self.year_requests()

    def parse_questions(self, response, year):
        try:
            rows = json.loads(response.text)
        except ValueError:
            rows = None
        if not isinstance(rows, list):
            self.layout_changed(response, f"questions for {year} are not a JSON array")
            return
        since = self.since.isoformat()
        for row in rows:
            if not isinstance(row, dict) or not str(row.get("EventID") or "").strip():
                # The EventID is the question's reference and its page's address.
                self.layout_changed(response, "a question row without EventID")
                continue
            dates = [row_date(row, name, self.logger) for name in ("SubmissionDateTime", "AnswerDate", "MeetingDate")]
            known = [d for d in dates if d]
            if known and max(known) < since:
                self.count_passed_over()
                continue  # nothing new on this row since the last run
            yield from self.question_and_answer(row, response)

    def question_and_answer(self, row: dict, response):
        ref = str(row["EventID"]).strip()
        match = _EVENT_ID.match(ref)
        question_kind, answer_kind, label = EVENT_KINDS.get(
            match.group("type") if match else "", ("question", "answer", "Question"))
        submitted = row_date(row, "SubmissionDateTime", self.logger) or row_date(row, "ApprovedDate", self.logger)
        asked_on = row_date(row, "MeetingDate", self.logger) if question_kind == "oral_question" else None
        party = (row.get("Party") or "").strip()
        msp_id = row.get("MSPID")
        common = dict( source_kind=self.source_kind, country=self.country,
            url=WEB_QUESTION.format(ref=ref),
            fetch_url=response.url, title=(row.get("Title") or "").strip() or f"{label} {ref}",
            language="en", raw=json.dumps(row, sort_keys=True, ensure_ascii=False), raw_type="json",
        )
        question_record_id = f"question:{ref}"
        question_text = row.get("ItemText") or ""
        yield self.statement(
            **common,
            body="Scottish Parliament",
            kind=question_kind,
            published=asked_on or submitted,
            text=question_text,
            record_id=question_record_id,
            speaker=self.members.get(str(msp_id)) if msp_id is not None else None,
            speaker_role=f"MSP ({party})" if party else "MSP",
        )
        if (row.get("AnswerText") or "").strip():
            answerer = " ".join(str(row.get("AnsweredByMSP") or "").split())
            answerer = re.sub(r"\s*\(on behalf of .*\)$", "", answerer) or None
            yield self.statement(
                **common,
                body="Scottish Government",
                kind=answer_kind,
                published=row_date(row, "AnswerDate", self.logger) or asked_on or submitted,
                text=row["AnswerText"],
                record_id=f"answer:{ref}",
                speaker=self.members.get(answerer, answerer) if answerer else None,
                speaker_role="Answering for the Scottish Government",
                question_record_id=question_record_id,
                context=question_text,
            )


def member_name(row: dict) -> str:
    """"Sturgeon, Nicola" -> "Nicola Sturgeon" (PreferredName when present)."""
    preferred = " ".join(str(row.get("PreferredName") or "").split())
    if preferred:
        return preferred
    name = " ".join(str(row.get("ParliamentaryName") or "").split())
    surname, comma, forename = name.partition(",")
    return f"{forename.strip()} {surname.strip()}".strip() if comma else name


def row_date(row: dict, name: str, logger) -> str | None:
    """The ISO date of a row's field, or None (logged) when it is missing or invalid."""
    value = row.get(name)
    if not value:
        return None
    match = _ISO_DATE.match(str(value))
    try:
        return dt.date(*map(int, match.groups())).isoformat() if match else None
    except ValueError:
        logger.warning("unreadable %s %r on %s: left empty", name, value, row.get("EventID") or row.get("UniqueID"))
        return None
