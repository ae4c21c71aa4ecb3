"""Scottish Parliament: written, oral, topical and First Minister's questions,
and what ministers said in the chamber (the Official Report).

Two sources, one run:

1. The questions API, data.parliament.scot (JSON, no key; Open Scottish
   Parliament Licence). It has no keyword search and no paging:
   ``/api/motionsquestionsanswersquestions?year=YYYY`` returns one year's rows
   as a bare JSON array. The spider walks the years from the run's start date
   to today and yields each row tabled, answered or taken since then as a
   question and, for a written question with its answer, that answer. MSP
   names come from ``/api/members`` (rows carry only MSPID): the name is the
   ParliamentaryName ("Scott, Eleanor") turned round, with the PreferredName
   (a first name only, "Eleanor") in place of the forename.
2. The Official Report, www.parliament.scot (HTML). An oral question's answer,
   First Minister's Questions included, is not in the questions API: the row
   has no AnswerText and the public page only says "Taken in the Chamber on
   ...". FMQs supplementaries are not lodged at all. So once the years are
   read (their questions are stored first, for the links below), the spider
   searches the Official Report for the topic's English search terms over
   the same dates, fetches each item of business found, and yields one
   statement per contribution: a question, a minister's answer (linked to the
   question it answers, whose text is its context), or a speech in a debate.
   A spoken question that carries its lodged reference ("... (S6F-01490)")
   is that lodged question, already a statement from the API: it is not
   stored twice, and the answer points at it (``question:S6F-01490``).

The EventID says what a row is: S6W-/S7W- written, S6F- First Minister's
Questions, S6O- oral, S6T- topical. A question's ``url`` is its page on
parliament.scot; an Official Report contribution's is its item of business.

Verified against real responses (tests/fixtures/scottish_parliament/
PROVENANCE.md): the questions API's bare-array shape and every field of a
row (six real 2016 rows from another project's test data), dates as
"2016-03-13T11:33:00", oral and FMQ rows without AnswerText, and one real
``/api/members`` row (PreferredName "Eleanor", ParliamentaryName "Scott,
Eleanor"). From real public material but not from a recording: the Official
Report addresses and search parameters (mySociety's parlparse, which scrapes
the live site, and stored pages), the page text layout (stored pages: "1.
Douglas Ross (Highlands and Islands) (Con)", "The First Minister (Nicola
Sturgeon)", lodged questions ending "(S6T-01529)"). Only against
RECONSTRUCTED samples: the Official Report markup (built from parlparse's
selectors: the last ``div.rich-text``, speakers in ``<strong><a name>``,
``p.lead`` headings) and the search results page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import scrapy

from core.text import text_fingerprint
from spiders.base import StationwatchSpider

API = "https://data.parliament.scot/api"
WEB = "https://www.parliament.scot"
WEB_QUESTION = WEB + "/chamber-and-committees/questions-and-answers/question?ref={ref}"
OR_PATH = "/chamber-and-committees/official-report/search-what-was-said-in-parliament"
OR_SEARCH_PAGES = 20  # bound on result pages per search term
# EventID type letter -> (question kind, answer kind, title prefix)
EVENT_KINDS = {
    "W": ("written_question", "written_answer", "Written question"),
    "F": ("oral_question", "oral_answer", "First Minister's Question"),
    "O": ("oral_question", "oral_answer", "Oral question"),
    "T": ("oral_question", "oral_answer", "Topical question"),
}
_EVENT_ID = re.compile(r"^S\d+(?P<type>[A-Z])-")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
# A lodged question read out in the chamber ends with its reference: "... (S6O-01644)".
_LODGED_REF = re.compile(r"\((S\d+[A-Z]-\d+)\)\s*$")
_MEETING_DATE = re.compile(r"-(\d{2})-(\d{2})-(\d{4})$")  # "meeting-of-parliament-27-10-2022"
_QUESTION_NUMBER = re.compile(r"^\d+\.\s*")  # "5. Ross Greer (West Scotland) (Green)"
_BRACKETS = re.compile(r"^(?P<head>[^()]*?)\s*(?P<groups>(?:\([^()]*\)\s*)*)$")
# Offices that answer for the Scottish Government in the chamber.
_GOVERNMENT_OFFICE = re.compile(r"^(?:Deputy )?First Minister|^Cabinet Secretary|^Minister\b|^Lord Advocate"
                                r"|^Solicitor General")
_CHAIR = re.compile(r"Presiding Officer|^Convener|^Deputy Convener")


class ScottishParliamentSpider(StationwatchSpider):
    name = "scottish_parliament"
    allowed_domains = ["data.parliament.scot", "www.parliament.scot"]
    source_kind = "parliament"
    country = "GB"
    body = "Scottish Parliament"
    # www.parliament.scot is a public website, not an API: one request at a time.
    slow_site = True
    # One year of questions with their answers is one response of several
    # MB that grows through the year; the project-wide 20 MB cap would drop
    # a whole year at once.
    custom_settings = {"DOWNLOAD_MAXSIZE": 128 * 1024 * 1024, "DOWNLOAD_WARNSIZE": 48 * 1024 * 1024}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.members: dict[str, str] = {}
        self.years_pending = 0

    async def start(self):
        # Names first, so that every question row can be given its asker.
        yield scrapy.Request(f"{API}/members", callback=self.parse_members, errback=self.members_failed)

    # --- the questions API -------------------------------------------------

    def year_requests(self):
        years = range(self.since.year, dt.date.today().year + 1)
        self.years_pending = len(years)
        for year in years:
            yield scrapy.Request(
                f"{API}/motionsquestionsanswersquestions?year={year}",
                callback=self.parse_questions,
                errback=self.year_failed,
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

    def year_failed(self, failure):
        """A year of questions could not be fetched: an error (the window does
        not move past it); the Official Report is still read."""
        self.logger.error("questions year lost: %s (%s)", failure.value, failure.request.url)
        yield from self.year_done()

    def year_done(self):
        """After the last year: search the Official Report (its answers link to
        questions the years have yielded, so those must be stored first)."""
        self.years_pending -= 1
        if self.years_pending == 0:
            yield from self.official_report_searches()

    def parse_questions(self, response, year):
        try:
            rows = json.loads(response.text)
        except ValueError:
            rows = None
        if not isinstance(rows, list):
            self.layout_changed(response, f"questions for {year} are not a JSON array")
            rows = []
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
        yield from self.year_done()

    def question_and_answer(self, row: dict, response):
        ref = str(row["EventID"]).strip()
        match = _EVENT_ID.match(ref)
        question_kind, answer_kind, label = EVENT_KINDS.get(
            match.group("type") if match else "", ("question", "answer", "Question"))
        submitted = row_date(row, "SubmissionDateTime", self.logger) or row_date(row, "ApprovedDate", self.logger)
        asked_on = row_date(row, "MeetingDate", self.logger) if question_kind == "oral_question" else None
        party = (row.get("Party") or "").strip()
        msp_id = row.get("MSPID")
        common = dict(
            url=WEB_QUESTION.format(ref=ref),
            fetch_url=response.url, title=(row.get("Title") or "").strip() or f"{label} {ref}",
            language="en", raw=json.dumps(row, sort_keys=True, ensure_ascii=False), raw_type="json",
        )
        question_record_id = f"question:{ref}"
        question_text = row.get("ItemText") or ""
        yield self.statement(
            **common,
            kind=question_kind,
            published=asked_on or submitted,
            text=question_text,
            record_id=question_record_id,
            speaker=self.members.get(str(msp_id)) if msp_id is not None else None,
            speaker_role=f"MSP ({party})" if party else "MSP",
        )
        # An oral question is answered in the chamber: its words are in the
        # Official Report, not in this row (which says at most "Taken in the Chamber").
        if question_kind != "oral_question" and (row.get("AnswerText") or "").strip():
            answerer = " ".join(str(row.get("AnsweredByMSP") or "").split())
            answerer = re.sub(r"\s*\(on behalf of .*\)$", "", answerer) or None
            yield self.statement(
                **common,
                body="Scottish Government",
                kind=answer_kind,
                published=row_date(row, "AnswerDate", self.logger) or asked_on or submitted,
                text=row["AnswerText"],
                record_id=f"answer:{ref}",
                speaker=answerer,
                speaker_role="Answering for the Scottish Government",
                question_record_id=question_record_id,
                context=question_text,
            )

    # --- the Official Report ----------------------------------------------

    def official_report_searches(self):
        for term in self.topic.search_terms_for("en"):
            yield self.official_report_search(term, 1)

    def official_report_search(self, term: str, page: int) -> scrapy.Request:
        """Chamber business (questions of every kind, debates) that says ``term``, since the start date.

        ``dateSelect=custom`` is needed: without it the search keeps to the
        current session and ignores the dates (reported by a crawler author)."""
        params = {
            "qry": term, "dateSelect": "custom",
            "dtDateFrom": self.since_for_term(term, "en").isoformat(), "dtDateTo": dt.date.today().isoformat(),
            "showPlenary": "true", "ShowDebates": "true", "ShowFMQs": "true", "ShowGeneralQuestions": "true",
            "ShowPortfolioQuestions": "true", "ShowTopicalQuestions": "true", "ShowUrgentQuestions": "true",
            "page": page,
        }
        return scrapy.Request(f"{WEB}{OR_PATH}?{urlencode(params)}", callback=self.parse_official_report_search,
                              cb_kwargs={"term": term, "page": page})

    def parse_official_report_search(self, response, term: str, page: int):
        """Each item of business found, once; the next page while this one is full."""
        if OR_PATH not in response.text:
            self.layout_changed(response, "no Official Report links on the search page")
            return
        items = {item_url(href) for href in response.css("a::attr(href)").getall()}
        items.discard(None)
        for url in sorted(items):
            yield scrapy.Request(url, callback=self.parse_official_report_item)
        if len(items) >= 10 and page < OR_SEARCH_PAGES:  # ten items a page, as parlparse pages it
            yield self.official_report_search(term, page + 1)

    def parse_official_report_item(self, response):
        """One statement per contribution of an item of business."""
        reports = response.css("div.rich-text")
        if not reports:
            self.layout_changed(response, "no div.rich-text on an Official Report page")
            return
        report = reports[-1]  # the first ones hold the page's contents list
        query = parse_qs(urlsplit(response.url).query)
        meeting = (query.get("meeting") or ["?"])[0]
        published = meeting_date(urlsplit(response.url).path)
        titles = response.css("h2")  # the last is the item's own ("First Minister’s Question Time")
        item_title = " ".join(" ".join(titles[-1].css("::text").getall()).split()) if titles else ""
        questions = "question" in item_title.lower()  # FMQs, general, portfolio, topical, urgent questions
        raw = report.get()
        known = Speakers()
        heading, question = "", None  # the current question heading, and the question being answered
        for contribution in contributions(report):
            if contribution["heading"] is not None:
                heading, question = contribution["heading"], None
                continue
            speaker, role = known.resolve(contribution["speaker"])
            text = "\n".join(contribution["paragraphs"])
            if not text.strip():
                continue
            plain = re.sub(r"<[^>]+>", " ", text)
            record_id = f"or:{meeting}:{contribution['id'] or text_fingerprint((speaker or '') + plain)[:16]}"
            fields = dict(url=response.url, fetch_url=response.url, published=published, language="en",
                          title=f"{item_title}: {heading}" if heading else item_title, text=text,
                          speaker=speaker, speaker_role=role, raw=raw, raw_type="html")
            lodged = _LODGED_REF.search(" ".join(plain.split()))
            if not questions or (role and _CHAIR.search(role)):
                yield self.statement(kind="debate_contribution", record_id=record_id, **fields)
            elif role and _GOVERNMENT_OFFICE.match(role):
                yield self.statement(kind="oral_answer", body="Scottish Government", record_id=record_id,
                                     question_record_id=question[0] if question else None,
                                     context=question[1] if question else None, **fields)
            elif lodged:
                # The lodged question itself, read out: stored once, from the questions API.
                self.count_passed_over()
                question = (f"question:{lodged.group(1)}", text)
            else:  # a supplementary, or a question asked without lodged words (FMQs 1 to 3)
                yield self.statement(kind="oral_question", record_id=record_id, **fields)
                question = (record_id, text)


def contributions(report):
    """The report's parts in order: question headings, and contributions with
    their speaker line, element id and paragraphs (HTML)."""
    current = None
    for node in report.xpath("./*"):
        tag = node.xpath("name()").get()
        classes = (node.attrib.get("class") or "").split()
        if tag == "p" and "lead" in classes:
            if current:
                yield current
            current = None
            yield {"heading": " ".join(" ".join(node.css("::text").getall()).split()), "speaker": None}
            continue
        if tag == "p" and "or-contribution-box" in classes:
            continue  # "Members: Hear, hear.", "rose—": the room, not a contribution
        speaker_line = _speaker_line(node)
        if speaker_line is not None:
            if current:
                yield current
            current = {"heading": None, "speaker": speaker_line, "id": node.attrib.get("id"), "paragraphs": []}
        elif current is not None and tag in ("p", "ul", "ol", "blockquote", "table"):
            current["paragraphs"].append(node.get())
    if current:
        yield current


def _speaker_line(node) -> str | None:
    """The speaker of a <p> that holds only <strong> (the Official Report's
    speaker line), else None."""
    if node.xpath("name()").get() != "p" or not node.xpath("./strong"):
        return None
    outside = "".join(node.xpath("./text()").getall()).strip()
    if outside or len(node.xpath("./*")) != 1:
        return None
    return " ".join(" ".join(node.xpath("./strong//text()").getall()).split()) or None


class Speakers:
    """Who is who within one report: "The First Minister (Nicola Sturgeon)"
    names the office holder once, then "The First Minister" alone; "Douglas
    Ross (Highlands and Islands) (Con)" gives the role his later "Douglas Ross" has."""

    def __init__(self):
        self.office_holder: dict[str, str] = {}
        self.role_of: dict[str, str] = {}

    def resolve(self, line: str) -> tuple[str | None, str | None]:
        line = _QUESTION_NUMBER.sub("", " ".join((line or "").split()))
        if not line:
            return None, None
        match = _BRACKETS.match(line)
        head = (match.group("head") if match else line).strip()
        groups = re.findall(r"\(([^()]*)\)", match.group("groups")) if match else []
        if head.startswith("The "):  # an office: "The First Minister (Nicola Sturgeon)"
            office = head[4:]
            if groups:
                self.office_holder[office] = groups[0].strip()
            return self.office_holder.get(office), office
        if groups:
            role = f"MSP for {groups[0]} ({groups[-1]})" if len(groups) > 1 else f"MSP ({groups[0]})"
            self.role_of[head] = role
            return head, role
        return head, self.role_of.get(head)


def item_url(href: str) -> str | None:
    """An Official Report item-of-business link as one canonical address
    (pages link it with its parameters in either order), else None."""
    parts = urlsplit(urljoin(WEB, href or ""))
    if OR_PATH + "/" not in parts.path or parts.netloc not in ("www.parliament.scot", "parliament.scot"):
        return None
    query = parse_qs(parts.query)
    if not (query.get("meeting") and query.get("iob")):
        return None
    return f"{WEB}{parts.path}?meeting={query['meeting'][0]}&iob={query['iob'][0]}"


def meeting_date(path: str) -> str | None:
    """"/.../meeting-of-parliament-27-10-2022" -> "2022-10-27"."""
    match = _MEETING_DATE.search(path.rstrip("/"))
    if not match:
        return None
    day, month, year = map(int, match.groups())
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def member_name(row: dict) -> str:
    """"Scott, Eleanor" with PreferredName "Eleanor" -> "Eleanor Scott".

    In the real members record PreferredName is the first name a member goes
    by (not the whole name): it takes the forename's place."""
    name = " ".join(str(row.get("ParliamentaryName") or "").split())
    preferred = " ".join(str(row.get("PreferredName") or "").split())
    surname, comma, forename = name.partition(",")
    surname, forename = surname.strip(), forename.strip()
    if not comma:
        return preferred if preferred and not name else name
    if preferred and preferred.endswith(surname):
        return preferred  # a whole name given as preferred
    return f"{preferred or forename} {surname}".strip()


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
