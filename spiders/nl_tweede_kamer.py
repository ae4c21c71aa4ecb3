"""Tweede Kamer: Kamervragen (written questions) and the ministers' answers.

Source: the Tweede Kamer's open data service (Gegevensmagazijn, OData v4,
JSON, no key, CC0). The service filters but has no full-text search: the
spider asks for written-question cases (``Zaak``, Soort 'Schriftelijke
vragen') whose subject line contains one of the topic's Dutch search terms,
changed since the start date, with their actors and documents expanded, and
follows ``@odata.nextLink`` to the end. Soft-deleted rows are served by the
API: ``Verwijderd eq false`` is in the filter and deleted cases, actors and
documents that still come back expanded are dropped here.

A case gives the question (speaker: the member who tabled it, "Indiener";
its text is the subject line) and, for each answer document ("Antwoord
schriftelijke vragen", also "(nader)"), the answer's own words: the spider
fetches the document's file (``Document({Id})/resource``, PDF or Word),
extracts its text (pypdf, python-docx) and makes one statement per numbered
answer ("Antwoord 1", "Antwoord op vragen 2 en 3"), its question ("Vraag 1")
and the case's subject as the context relevance reads. A document without
numbered answers is one statement. The answering ministers are the ones the
document's heading names ("Antwoord van Minister Hoekstra (Buitenlandse
Zaken), mede namens de Minister van Justitie en Veiligheid"): the first is
the speaker, every one of them is named in the role, each matched to the
case's "Gericht aan" actors for the name the Kamer records. An answer file
that cannot be fetched is a lost record (the next run asks again); one in a
format that cannot be read (an old binary .doc) falls back to its subject
line, with a warning. The public page is the case on tweedekamer.nl.

Verified on real material (tests/fixtures/nl_tweede_kamer/PROVENANCE.md):
- the answer document's layout, on the real text of answer 2024D18824 as
  tweedekamer.nl shows it: "Vragen van ... (ingezonden ...)", "Antwoord
  van Minister ... , mede namens de Staatssecretaris ... (ontvangen ...)",
  "Vraag 1" / "Antwoord 1" blocks, lines wrapped mid-sentence;
- the real question and answer words of case 2022Z20802 (openkamer.org) and
  its real actors and dates; the Document fields ``Id``, ``Soort``,
  ``DocumentNummer``, ``Onderwerp``, ``Datum``, ``ContentType`` as a public
  client's fixture has them (answers served as application/pdf).
Only on RECONSTRUCTED samples: the Zaak envelope with its expanded
ZaakActor and Document rows (no recorded Zaak response was found), and the
answer files themselves (a PDF and a .docx built in the tests from the real
words; no real answer file could be had here).

Not done: debates (Handelingen: ``Verslag`` VLOS XML per sitting) and the
question document's full text (its numbered questions come with the answer).
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from urllib.parse import quote

import scrapy
from scrapy.exceptions import IgnoreRequest

from core.text import fold, text_fingerprint
from spiders.base import StationwatchSpider

API = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0"
WEB = "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail"
QUESTION_SOORT = "Schriftelijke vragen"
ANSWER_SOORT = "Antwoord schriftelijke vragen"  # also "... (nader)": a later, fuller answer
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# "Antwoord van Minister Hoekstra (Buitenlandse Zaken), mede namens de Minister
# van Justitie en Veiligheid (ontvangen 20 december 2022)."
ANSWER_HEADING = re.compile(r"\bAntwoord(?:en)? van (?P<who>[^.]{1,300}?)\s*\(ontvangen\b[^)]*\)\.?")
SIGNER = re.compile(r"(?P<office>Minister-[Pp]resident|Viceminister-[Pp]resident|Minister|Staatssecretaris)"
                    r"\s+(?P<name>[^(),]+?)\s*\((?P<department>[^()]+)\)")
ON_BEHALF = re.compile(r",?\s*mede namens\s+")
NEXT_OFFICE = re.compile(r",\s*(?:en\s+)?(?:de\s+)?|\s+en\s+(?=de\s+)")
# "Vraag 1", "Antwoord 1", "Antwoord op vragen 2 en 3", "Vragen 4 t/m 6:", and
# a bare "Antwoord" on its own line (answers numbered by their question).
MARKER = re.compile(r"^(?P<kind>Vraag|Vragen|Antwoord|Antwoorden)"
                    r"(?:\s+(?:op\s+)?(?:vraag|vragen))?"
                    r"(?:\s+(?P<numbers>\d+[a-z]?(?:\s*(?:,|en|t/m|tot en met|-|–)\s*\d+[a-z]?)*))?"
                    r"\s*[:.]?(?:\s+(?P<rest>.*))?$")
MAX_ANSWER_PAGES = 60  # answers run to a few pages; a file far longer is not read past this (scraped input)
PAGE_FURNITURE = re.compile(r"^(?:\d{1,3}|Pagina \d+ van \d+|(?:ah|kv)-tk-\S+.*)$")


class NlTweedeKamerSpider(StationwatchSpider):
    name = "nl_tweede_kamer"
    allowed_domains = ["gegevensmagazijn.tweedekamer.nl"]
    source_kind = "parliament"
    country = "NL"
    body = "Tweede Kamer"
    language = "nl"

    async def start(self):
        for term in self.topic.search_terms_for("nl"):
            yield scrapy.Request(self.search_url(term), callback=self.parse_cases,
                                 headers={"Accept": "application/json"})

    def search_url(self, term: str) -> str:
        """The OData query, encoded by hand: clients that encode ``$`` break it."""
        literal = term.lower().replace("'", "''")
        params = {
            "$filter": (f"Soort eq '{QUESTION_SOORT}' and Verwijderd eq false"
                        f" and contains(tolower(Onderwerp),'{literal}')"
                        f" and GewijzigdOp ge {self.since_for_term(term, 'nl').isoformat()}T00:00:00Z"),
            "$expand": "ZaakActor,Document",
            "$orderby": "GewijzigdOp desc",
        }
        return f"{API}/Zaak?" + "&".join(f"{k}={quote(v, safe=chr(39) + '(),:')}" for k, v in params.items())

    def parse_cases(self, response):
        data = self.json_or_layout_error(response, "value")
        if data is None:
            return
        for case in data["value"]:
            if case.get("Verwijderd"):
                continue
            yield from self.case_statements(case, response)
        next_link = data.get("@odata.nextLink")
        if next_link and data["value"]:
            yield response.follow(next_link, callback=self.parse_cases, headers={"Accept": "application/json"})

    def case_statements(self, case: dict, response):
        """The question of one written-question case, and a request for each answer's file."""
        number = case.get("Nummer")
        if not number:
            self.layout_changed(response, "a Zaak without Nummer")
            return
        actors = _live(case.get("ZaakActor"))
        documents = _live(case.get("Document"))
        asker = _actor(actors, "Indiener")
        question_doc = next((d for d in documents if d.get("Soort") == QUESTION_SOORT), {})
        if not question_doc:
            self.logger.warning("Zaak %s has no question document; its subject line stands in", number)
        question_text = question_doc.get("Onderwerp") or case.get("Onderwerp") or ""
        question_id = f"question:{number}"
        known = Case(number=number, title=case.get("Onderwerp") or question_text, subject=question_text,
                     question_id=question_id, addressees=[a for a in actors if a.get("Relatie") == "Gericht aan"],
                     raw=json.dumps(case, sort_keys=True, ensure_ascii=False), listing_url=response.url)
        yield self.statement(
            kind="written_question",
            url=case_url(number, question_doc.get("DocumentNummer")),
            fetch_url=response.url, title=known.title,
            published=_day(question_doc.get("Datum") or case.get("GestartOp")),
            text=question_text, record_id=question_id,
            speaker=asker.get("ActorNaam"), speaker_role=_member_role(asker),
            raw=known.raw, raw_type="json",
        )
        for answer in (d for d in documents if (d.get("Soort") or "").startswith(ANSWER_SOORT)):
            if GUID.match(answer.get("Id") or ""):
                # allow_binary: the project skips PDF and Word responses unless a spider reads them.
                yield scrapy.Request(f"{API}/Document({answer['Id']})/resource", callback=self.parse_answer_document,
                                     errback=self.answer_document_failed, meta={"allow_binary": True},
                                     cb_kwargs={"case": known, "answer": answer})
            else:
                self.logger.warning("answer %s of %s has no document Id: its subject line stands in",
                                    answer.get("DocumentNummer"), number)
                yield self.answer_statement(known, answer, Block(None, answer.get("Onderwerp") or "", ""),
                                            signatories_from_actors(known.addressees), known.listing_url, known.raw, "json")

    def parse_answer_document(self, response, case: Case, answer: dict):
        """The minister's answers in the file the API links: one statement per numbered answer."""
        paragraphs = document_paragraphs(response.body)
        if paragraphs is None:
            content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
            self.logger.warning("answer %s of %s: no text could be read from its file (%s); its subject line stands in",
                                answer.get("DocumentNummer"), case.number, content_type or answer.get("ContentType"))
            yield self.answer_statement(case, answer, Block(None, answer.get("Onderwerp") or "", ""),
                                        signatories_from_actors(case.addressees), response.url, case.raw, "json")
            return
        full_text = "\n".join(p.text for p in paragraphs)
        signatories = answer_signatories(full_text, case.addressees)
        blocks = numbered_answers(paragraphs) or [Block(None, text_after_heading(paragraphs), "")]
        for block in blocks:
            yield self.answer_statement(case, answer, block, signatories, response.url, full_text, "text")

    def answer_document_failed(self, failure):
        """The answer's file could not be fetched (404, timeout): a lost record,
        so this run is an error and the next one asks again. A 304 (the file is
        unchanged since it was stored) is not a failure."""
        if failure.check(IgnoreRequest):
            return
        request = failure.request
        answer = request.cb_kwargs["answer"]
        self.lost_record(request.url, f"answer {answer.get('DocumentNummer')} of {request.cb_kwargs['case'].number}"
                                      f" ({failure.value})")

    def answer_statement(self, case: Case, answer: dict, block: Block, signatories: list[Signatory],
                         fetch_url: str, raw: str, raw_type: str):
        document_number = answer.get("DocumentNummer") or answer.get("Id")
        record_id = f"answer:{case.number}:{document_number}"
        if block.label:
            record_id += f":{block.label}"
        first = signatories[0]
        return self.statement(
            body=_office(first.role) or "Regering",
            kind="written_answer",
            url=case_url(case.number, answer.get("DocumentNummer")),
            fetch_url=fetch_url, title=case.title,
            published=_day(answer.get("Datum")),
            text=block.text, record_id=record_id,
            speaker=first.name, speaker_role=signatory_roles(signatories),
            question_record_id=case.question_id,
            # The numbered question alone often lacks the topic's words
            # ("Hoe worden deze politiebureaus gefinancierd?"): the case's subject has them.
            context="\n\n".join(p for p in (case.subject, block.question) if p),
            raw=raw, raw_type=raw_type,
        )


@dataclass
class Case:
    """What an answer needs of its case, carried to the answer file's callback."""
    number: str
    title: str
    subject: str
    question_id: str
    addressees: list[dict]
    raw: str
    listing_url: str


@dataclass
class Signatory:
    name: str | None
    role: str | None
    on_behalf: bool = False  # "mede namens": answered for, not by


@dataclass
class Block:
    """One answer: its label ("1", "2-3", or a content hash when unnumbered), text and question."""
    label: str | None
    text: str
    question: str


@dataclass
class Paragraph:
    text: str
    wrapped: bool  # a PDF line, wrapped mid-sentence; a Word paragraph is whole


def document_paragraphs(body: bytes) -> list[Paragraph] | None:
    """The file's text as lines (PDF) or paragraphs (Word), or None when it
    cannot be read. Told apart by their bytes: the Content-Type the API
    sends is not needed, and a .doc (old binary Word) is not read."""
    try:
        if body.startswith(b"%PDF"):
            return _pdf_lines(body)
        if body.startswith(b"PK\x03\x04"):
            return _docx_paragraphs(body)
    except Exception:  # noqa: BLE001 - a damaged or hostile file is unreadable, never a crash
        return None
    return None


def _pdf_lines(body: bytes) -> list[Paragraph]:
    from pypdf import PdfReader  # imported here: only this source reads PDF

    lines = []
    for page in PdfReader(io.BytesIO(body)).pages[:MAX_ANSWER_PAGES]:
        for line in (page.extract_text() or "").splitlines():
            line = " ".join(line.split())
            if line and not PAGE_FURNITURE.match(line):
                lines.append(Paragraph(line, wrapped=True))
    return lines


def _docx_paragraphs(body: bytes) -> list[Paragraph]:
    import docx  # python-docx

    from docx.table import Table

    paragraphs = []
    for block in docx.Document(io.BytesIO(body)).iter_inner_content():
        texts = ([p.text for row in block.rows for cell in row.cells for p in cell.paragraphs]
                 if isinstance(block, Table) else [block.text])
        paragraphs += [Paragraph(" ".join(t.split()), wrapped=False) for t in texts if t.strip()]
    return paragraphs


def _joined(paragraphs: list[Paragraph]) -> str:
    """Wrapped PDF lines joined into running text; Word paragraphs kept apart."""
    out = ""
    for paragraph in paragraphs:
        if not out:
            out = paragraph.text
        elif paragraph.wrapped:
            out += paragraph.text if out.endswith("-") else " " + paragraph.text
        else:
            out += "\n\n" + paragraph.text
    return out


def numbered_answers(paragraphs: list[Paragraph]) -> list[Block]:
    """Each answer with the question(s) it answers.

    An answer's label is its own number ("Antwoord 2", "Antwoord op vragen 2
    en 3"), else the number of the questions before it ("Vraag 4" then a bare
    "Antwoord"), else (no numbers at all) a hash of its text: a label the
    record carries, never its position, so that an answer keeps its id when
    another is added or removed.
    """
    blocks: list[tuple[str, list[str], list[Paragraph]]] = []
    for paragraph in paragraphs:
        match = MARKER.match(paragraph.text)
        numbers = re.findall(r"\d+[a-z]?", match.group("numbers") or "") if match else []
        rest = (match.group("rest") or "") if match else ""
        if match and (numbers or not rest):  # "Antwoord van Minister ..." is the heading, no marker
            kind = "answer" if match.group("kind").startswith("Antwoord") else "question"
            blocks.append((kind, numbers, [Paragraph(rest, paragraph.wrapped)] if rest else []))
        elif blocks:
            blocks[-1][2].append(paragraph)
    answers: list[Block] = []
    questions: list[tuple[list[str], str]] = []
    for kind, numbers, body in blocks:
        text = _joined(body)
        if kind == "question":
            questions.append((numbers, text))
        elif text:
            asked = numbers or [n for numbers_asked, _ in questions for n in numbers_asked]
            label = "-".join(dict.fromkeys(asked)) or "h" + text_fingerprint(text)[:12]
            if label in {a.label for a in answers}:  # the same number twice: tell them apart by content
                label += "-h" + text_fingerprint(text)[:12]
            answers.append(Block(label, text, "\n\n".join(q for _, q in questions if q)))
            questions = []
    return answers


def text_after_heading(paragraphs: list[Paragraph]) -> str:
    """The whole answer when it has no numbered blocks: the text after the
    "Antwoord van ... (ontvangen ...)." heading, or all of it."""
    seen = ""
    for i, paragraph in enumerate(paragraphs[:80]):
        seen = f"{seen} {paragraph.text}".strip()
        heading = ANSWER_HEADING.search(seen)
        if heading:  # the heading ends in this line or paragraph
            rest = seen[heading.end():].strip()
            after = ([Paragraph(rest, paragraph.wrapped)] if rest else []) + paragraphs[i + 1:]
            return _joined(after) or _joined(paragraphs)
    return _joined(paragraphs)


def answer_signatories(text: str, addressees: list[dict]) -> list[Signatory]:
    """The ministers who answer, as the document's heading names them, each
    matched to the case's "Gericht aan" actors for the name the Kamer
    records ("W.B. Hoekstra"). Without a heading: those actors."""
    heading = ANSWER_HEADING.search(" ".join(text.split()[:400]))
    if not heading:
        return signatories_from_actors(addressees)
    by_them, *for_them = ON_BEHALF.split(heading.group("who"), maxsplit=1)
    signatories = [_named(m, addressees) for m in SIGNER.finditer(by_them)]
    for phrase in NEXT_OFFICE.split(for_them[0]) if for_them else []:
        phrase = re.sub(r"^de\s+", "", phrase.strip())
        if not phrase:
            continue
        signer = SIGNER.fullmatch(phrase)
        person = _named(signer, addressees) if signer else _by_office(phrase, addressees)
        signatories.append(Signatory(person.name, person.role, on_behalf=True))
    return signatories or signatories_from_actors(addressees)


def signatories_from_actors(addressees: list[dict]) -> list[Signatory]:
    people = [Signatory(a.get("ActorNaam"), a.get("Functie")) for a in addressees]
    return people or [Signatory(None, None)]


def _named(match: re.Match, addressees: list[dict]) -> Signatory:
    """"Minister Hoekstra (Buitenlandse Zaken)", with the actor of that surname."""
    surname = fold(match.group("name"))[0]
    actor = next((a for a in addressees if fold(a.get("ActorNaam") or "")[0].endswith(surname)), None)
    if actor:
        return Signatory(actor.get("ActorNaam"), actor.get("Functie"))
    return Signatory(match.group("name"), f"{match.group('office')} ({match.group('department')})")


def _by_office(office: str, addressees: list[dict]) -> Signatory:
    """"Minister van Justitie en Veiligheid", with the actor who holds it."""
    actor = next((a for a in addressees if fold(a.get("Functie") or "")[0] == fold(office)[0]), None)
    return Signatory(actor.get("ActorNaam"), actor.get("Functie")) if actor else Signatory(None, office)


def signatory_roles(signatories: list[Signatory]) -> str | None:
    """"minister van Buitenlandse Zaken; mede namens D. Yeşilgöz-Zegerius,
    minister van Justitie en Veiligheid": every signatory named."""
    first, *others = signatories
    parts = [first.role] if first.role else []
    for other in others:
        who = ", ".join(p for p in (other.name, other.role) if p)
        parts.append(f"{'mede namens' if other.on_behalf else 'en'} {who}")
    return "; ".join(parts) or None


def case_url(number: str, document_number: str | None) -> str:
    """The case's page on tweedekamer.nl, opened at the given document."""
    url = f"{WEB}?id={number}"
    return f"{url}&did={document_number}" if document_number else url


def _live(rows) -> list[dict]:
    """Expanded rows without the soft-deleted ones (the API serves those too)."""
    return [r for r in rows or [] if isinstance(r, dict) and not r.get("Verwijderd")]


def _actor(actors: list[dict], relation: str) -> dict:
    return next((a for a in actors if a.get("Relatie") == relation), {})


def _member_role(actor: dict) -> str | None:
    """"Tweede Kamerlid, D66"; None when the asker is unknown."""
    parts = [actor.get("Functie") or ("Tweede Kamerlid" if actor else None), actor.get("ActorFractie")]
    return ", ".join(p for p in parts if p) or None


def _office(role: str | None) -> str | None:
    """"minister van Justitie en Veiligheid" -> "Minister van Justitie en Veiligheid"."""
    return role[:1].upper() + role[1:] if role else None


def _day(value) -> str:
    return (value or "")[:10]
