"""Australian Parliament: Senate Estimates, committee hearings and Hansard, from ParlInfo.

Australian officials answered for the stations at Senate Estimates (the AFP's
Deputy Commissioner McCartney on the Sydney "contact point", 8 November 2022:
"I don't believe it's active"), where senators question the officers of each
department. ParlInfo (parlinfo.aph.gov.au), the Parliamentary Library's
database, holds every transcript, one display page per fragment
(``Id:"committees/estimate/<hearing>/<fragment>"``); it has no JSON API.

The walk: a ParlInfo search per English search term of the topic file, in
the committee datasets (estimate, commsen, commjnt, commrep) and the chamber
Hansards (hansards, hansardr), dated from ``self.since``, 100 results a page
(a full page leads to the next, at most MAX_RESULT_PAGES); each result's
display page is read. One candidate per contribution: the paragraphs from one
speaker label ("Senator PATERSON:", "CHAIR:", "Mr McCartney:") to the next.

Speaker and role: senators asking questions are printed in capitals
("Senator PATERSON") and speak as "Senator"; a minister at the table is a
senator printed in mixed case ("Senator McKenzie") and speaks as "Minister";
an officer's role is the line that introduced them ("McCARTNEY, Mr Ian,
Deputy Commissioner of Investigations, Australian Federal Police"). An
officer's answer carries the senator's question before it as context.

Known trap: ParlInfo sits behind a web application firewall that answers
data-centre addresses with a JavaScript challenge (noted by a public
estimates harvester, 2026); such a run gets no display pages and is
reported as a layout change, not as an empty success.

Verified against real text (pages corpus: stored ParlInfo display pages of
a 2020 Senate committee hearing and 2015 Senate Estimates): the speaker
labels, the witness lines, the "ACTING CHAIR ( Senator Kitching )" form,
mixed-case ministers, timestamps. Only against RECONSTRUCTED markup: the
HPS span classes and metadata list (from public parsers' descriptions of
ParlInfo's HTML, not a capture), the search results page, and the on-topic
2022 exchange (its two quoted sentences are real, from ABC News).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote, unquote

import scrapy

from core.text import text_fingerprint
from spiders.base import StationwatchSpider

PARLINFO = "https://parlinfo.aph.gov.au/parlInfo"
DATASETS = "estimate,commsen,commjnt,commrep,hansards,hansardr"
RESULTS_PER_PAGE = 100
MAX_RESULT_PAGES = 3  # per search term and run
# Dataset -> (speaking body, kind of its contributions).
BODIES = {
    "estimate": ("Australian Senate", "committee_evidence"),
    "commsen": ("Australian Senate", "committee_evidence"),
    "commjnt": ("Parliament of Australia", "committee_evidence"),
    "commrep": ("Australian House of Representatives", "committee_evidence"),
    "hansards": ("Australian Senate", "debate_contribution"),
    "hansardr": ("Australian House of Representatives", "debate_contribution"),
}
_RECORD_ID = re.compile(r'Id:"(?P<id>(?P<kind>committees|chamber)/(?P<dataset>[a-z]+)/[^"/]+/\d{4})"')
_LABEL_CLASSES = ("HPS-OfficeCommittee", "HPS-DeputyChair", "HPS-MemberContinuation", "HPS-MemberQuestion",
                  "HPS-MemberInterjecting", "HPS-MemberWitness", "HPS-MemberSpeech", "HPS-WitnessName",
                  "HPS-OfficeSpeaker")
_LABEL_XPATH = " | ".join(f".//span[@class='{name}']" for name in _LABEL_CLASSES)
_TIMESTAMP = re.compile(r"^\[\d{1,2}:\d{2}\]$")
_CHAIR = re.compile(r"^(?P<office>(?:ACTING |DEPUTY )?CHAIR)\s*(?:\(\s*(?P<who>[^)]+?)\s*\))?$", re.I)
_DATE = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})")


@dataclass
class Contribution:
    speaker: str
    role: str
    words: str
    context: str | None = None


class AuParliamentSpider(StationwatchSpider):
    name = "au_parliament"
    allowed_domains = ["parlinfo.aph.gov.au"]
    source_kind = "parliament"
    country = "AU"
    body = "Australian Senate"
    language = "en"
    slow_site = True  # one database for the whole Parliament, behind a firewall

    async def start(self):
        for term in self.topic.search_terms_for("en"):
            yield self.search_request(term, 0)

    def search_request(self, term: str, page: int) -> scrapy.Request:
        """ParlInfo's search: the phrase, the datasets, the dates (day/month/year)."""
        today = dt.date.today()
        query = f'"{term}" Dataset:{DATASETS} Date:{self.since_for_term(term, "en"):%d/%m/%Y} >> {today:%d/%m/%Y}'
        url = (f"{PARLINFO}/search/summary/summary.w3p;adv=yes;orderBy=date-eLast;page={page};"
               f"query={quote(query, safe='')};resCount={RESULTS_PER_PAGE}")
        return scrapy.Request(url, callback=self.parse_results, cb_kwargs={"term": term, "page": page})

    def parse_results(self, response, term: str, page: int):
        """Each result's display page; a full page of results leads to the next."""
        ids = result_ids(response)
        if not ids and not _says_no_results(response):
            self.layout_changed(response, "no results and no 'no results' message")
            return
        for record_id in ids:
            yield scrapy.Request(display_url(record_id), callback=self.parse_fragment,
                                 cb_kwargs={"record_id": record_id})
        if len(ids) >= RESULTS_PER_PAGE and page + 1 < MAX_RESULT_PAGES:
            yield self.search_request(term, page + 1)

    def parse_fragment(self, response, record_id: str):
        """One candidate per contribution in a transcript fragment."""
        document = response.css("#documentContent .docDiv") or response.css(".docDiv")
        if not document:
            self.layout_changed(response, "no transcript (docDiv) in the display page")
            return
        dataset = _RECORD_ID.match(f'Id:"{record_id}"')["dataset"]
        body, kind = BODIES.get(dataset, ("Parliament of Australia", "committee_evidence"))
        published = fragment_date(response)
        title = fragment_title(response)
        found = contributions(document[0])
        if not found:
            self.layout_changed(response, "a transcript fragment without a speaker")
            return
        raw = response.text
        for contribution, key in zip(found, contribution_keys(found)):
            yield self.statement(
                kind=kind, body=body, url=display_url(record_id), title=title, published=published,
                text=contribution.words, context=contribution.context, record_id=f"{record_id}#{key}",
                speaker=contribution.speaker, speaker_role=contribution.role, raw=raw, raw_type="html",
            )


def result_ids(response) -> list[str]:
    """The ParlInfo ids the results link to, in order, once each."""
    ids: list[str] = []
    for href in response.css("a::attr(href)").getall():
        match = _RECORD_ID.search(unquote(href))
        if match and match["id"] not in ids:
            ids.append(match["id"])
    return ids


def _says_no_results(response) -> bool:
    text = " ".join(response.xpath("//body//text()").getall()).lower()
    return "no results" in text or "0 results" in text


def display_url(record_id: str) -> str:
    """The fragment's public page (the link ParlInfo itself gives)."""
    return f"{PARLINFO}/search/display/display.w3p;query=" + quote('Id:"' + record_id + '"', safe="")


def fragment_date(response) -> str:
    """The hearing's or sitting's date: the metadata's Date, else the summary line (dd/mm/yyyy)."""
    candidates = response.xpath("//dt[normalize-space()='Date']/following-sibling::dd[1]//text()").getall()
    candidates += response.css(".sumLink ::text, .sumDate ::text").getall()
    for text in candidates:
        match = _DATE.search(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                continue
    return ""


def fragment_title(response) -> str:
    """Committee and the part of the hearing: "Legal and Constitutional Affairs ... : Australian Federal Police"."""
    title = " ".join((response.xpath("//title/text()").get() or "").split())
    return re.sub(r"^ParlInfo\s*-\s*", "", title)


def contributions(document) -> list[Contribution]:
    """Speakers' contributions in page order, with roles and the questions answered.

    A witness line (``p.HPS-StartWitness``: "McCARTNEY, Mr Ian, Deputy
    Commissioner ..., Australian Federal Police") gives an officer's role;
    a paragraph opening with a speaker label starts a contribution; a
    paragraph without one continues the last; timestamps belong to nobody."""
    offices: dict[str, str] = {}
    found: list[list] = []  # [speaker, role, paragraphs]
    for para in document.xpath(".//p"):
        classes = para.attrib.get("class", "")
        text = " ".join(" ".join(para.xpath(".//text()").getall()).split())
        if not text or _TIMESTAMP.match(text):
            continue
        if "HPS-StartWitness" in classes:
            surname, office = _witness_line(text)
            if surname:
                offices[surname] = office
            continue
        label = para.xpath(_LABEL_XPATH)
        if label:
            name = " ".join(" ".join(label[0].xpath(".//text()").getall()).split()).rstrip(": ").strip()
            words = _after_label(text, name)
            speaker, role = _speaker_and_role(name, label[0].attrib.get("class", ""), offices)
            found.append([speaker, role, [words] if words else []])
        elif found:
            found[-1][2].append(text)
    result = [Contribution(s, r, "\n\n".join(p)) for s, r, p in found if p]
    for index, contribution in enumerate(result):
        if contribution.role not in _QUESTIONERS:
            contribution.context = _line_of_questioning(result, index)
    return result


_QUESTIONERS = ("Senator", "Chair", "Acting Chair", "Deputy Chair", "Member")
MAX_QUESTIONS_AS_CONTEXT = 4


def _line_of_questioning(result: list[Contribution], index: int) -> str | None:
    """The questions an answer belongs to: back to where the senator now asking began.

    "I don't believe it's active" answers a question that names nothing; the
    topic is in the senator's questions before it, in the same line of
    questioning (one senator's questions and the answers between them)."""
    questioner, questions = None, []
    for before in reversed(result[:index]):
        if before.role not in _QUESTIONERS:
            continue
        if questioner is None:
            questioner = before.speaker
        elif before.speaker != questioner:
            break
        questions.append(before.words)
        if len(questions) == MAX_QUESTIONS_AS_CONTEXT:
            break
    return "\n\n".join(reversed(questions)) or None


def _witness_line(text: str) -> tuple[str, str]:
    """"McCARTNEY, Mr Ian, Deputy Commissioner of Investigations, Australian Federal Police"
    -> ("MCCARTNEY", "Deputy Commissioner of Investigations, Australian Federal Police")."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) < 3:
        return "", ""
    return parts[0].upper(), ", ".join(parts[2:])


def _after_label(text: str, name: str) -> str:
    """The paragraph's words after "Senator PATERSON:" / "Mr McCartney :"."""
    if text.startswith(name):
        text = text[len(name):]
    return text.lstrip(" :").strip()


def _speaker_and_role(name: str, label_class: str, offices: dict[str, str]) -> tuple[str, str]:
    chair = _CHAIR.match(name)
    if chair:
        office = chair["office"].title()
        return (chair["who"] or office.upper()), office
    if name.startswith("Senator "):
        surname = name.split()[-1]
        # Questioners are printed in capitals; a minister at the table is not.
        return name, "Senator" if surname.isupper() else "Minister"
    if "Member" in label_class and "Witness" not in label_class:
        return name, "Member"
    surname = name.split()[-1].upper()
    return name, offices.get(surname) or "Officer"


def contribution_keys(found: list[Contribution]) -> list[str]:
    """A key per contribution from its speaker and words, not its place on the page;
    the same words by the same speaker twice are told apart by their count."""
    seen: Counter = Counter()
    keys = []
    for contribution in found:
        digest = text_fingerprint(f"{contribution.speaker}\n{contribution.words}")[:16]
        seen[digest] += 1
        keys.append(digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")
    return keys
