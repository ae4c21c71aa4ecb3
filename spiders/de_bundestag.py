"""Deutscher Bundestag: Kleine and Große Anfragen, the Federal Government's
answers to them, and the weekly Schriftliche Fragen with their answers.

Source: DIP, the Bundestag's documentation system (search.dip.bundestag.de,
JSON, OpenAPI 1.2+). Every request needs an API key, sent here in the
``Authorization: ApiKey ...`` header so that URLs stay key-free; the key is
read from DIP_API_KEY and defaults to the public key the Bundestag publishes
on https://dip.bundestag.de/über-dip/hilfe/api (it rotates: the one below is
stated as valid until the end of May 2027). A rejected key (HTTP 401) ends
the run as failed, with the reason and where to get a current one.

DIP has no full-text search, so the spider asks for the documents of each
type changed since the start date (``f.drucksachetyp`` and
``f.aktualisiert.start``) and the relevance pipeline judges their text.
Kleine/Große Anfragen and Antworten come with their text from the
``/drucksache-text`` list (100 a page, ``cursor`` paging: the same
parameters again with the last cursor, until it stops changing, bounded by
MAX_PAGES). A Drucksache of Schriftliche Fragen holds a week's questions and
answers (hundreds of KB), so those are listed from ``/drucksache`` and each
text is fetched alone from ``/drucksache-text/{id}``.

DIP ignores a filter it does not know and silently answers the whole
unfiltered collection (a misspelt ``f.drucksachetyp`` returns every
Verordnung and Antrag). So every page is checked: a document of another type
than the one asked, or changed before the start date, means the filter was
not honoured: the page is reported as a layout change and that listing stops.

Statements:
- a Kleine/Große Anfrage: one written_question (speaker: the asking
  parliamentary group from ``urheber``; the MPs DIP shows are in the role);
- an Antwort: one written_answer (speaker and body: the federführendes
  Ressort, ``ressort[].federfuehrend``, else the ministry the text says sent
  it), linked to its question by the "– Drucksache 20/4567 –" it answers;
- Schriftliche Fragen: per numbered question one written_question (the MP)
  and one written_answer (the ministry of its "Geschäftsbereich" heading;
  the signing state secretary and the date from "Antwort des ... vom ...").
The public link is the Drucksache PDF (``fundstelle.pdf_url``).

Verified on real material (tests/fixtures/de_bundestag/PROVENANCE.md): the
list envelope (numFound, documents, cursor) and the Drucksache fields as the
official spec's examples print real records; the text layout of a real
Antwort (21/126) and of real Schriftliche Fragen (21/2141) as DIP's ``text``
field gives them. Only on RECONSTRUCTED samples: the list/detail envelopes
around those texts and around the on-topic records (no recorded response of
an Antwort was found), ``ressort`` and ``aktualisiert`` values.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from urllib.parse import urlencode

import scrapy
from scrapy.exceptions import CloseSpider

from spiders.base import StationwatchSpider

API = "https://search.dip.bundestag.de/api/v1"
KEY_ENV = "DIP_API_KEY"
# Published by the Bundestag for everyone on its DIP API help page ("Der
# zunächst bis Ende Mai 2027 gültige API-Key lautet: ..."). Not a secret.
PUBLIC_API_KEY = "R2BZaee.DjdCyihKZMf8AOjtScubP2EVydegzjmBIQ"
KEY_HELP = ("set DIP_API_KEY to the current public key from https://dip.bundestag.de/über-dip/hilfe/api "
            "or a personal key (parlamentsdokumentation@bundestag.de)")

QUESTION_TYPES = ("Kleine Anfrage", "Große Anfrage")
ANSWER_TYPE = "Antwort"
WRITTEN_QUESTIONS_TYPE = "Schriftliche Fragen"
MAX_PAGES = 300  # 100 documents a page: a back-fill from 2022 is ~150 pages of Antworten
BODY = "Deutscher Bundestag"

# "– Drucksache 21/59 –": the Kleine Anfrage an Antwort answers, under its heading.
ANSWERED_DRUCKSACHE = re.compile(r"[–-]\s*Drucksache\s+(\d{1,2}/\d+)\s*[–-]")
# "Die Antwort wurde namens der Bundesregierung mit Schreiben des
# Bundesministeriums des Innern vom 7. Mai 2025 übermittelt."
SENT_BY = re.compile(r"mit Schreiben (?P<who>de[sr]\s.+?)\s+vom\s+\d{1,2}\.\s*\w+\s+\d{4}", re.S)
# Schriftliche Fragen: "24. Abgeordneter" (or "20. Abg."), "Geschäftsbereich des ...",
# "Antwort des Parlamentarischen Staatssekretärs Christoph de Vries" / "vom 6. Oktober 2025".
QUESTION_HEADER = re.compile(r"^(\d{1,3})\. Abg(?:eordnete[r]?|\.)$")  # "20. Abg." too
MINISTRY_HEADING = re.compile(r"^Geschäftsbereich (de[sr] .+)$")
ANSWER_HEADER = re.compile(r"^Antwort (?:de[rs]|von) ")
ANSWER_DATE = re.compile(r"^vom (\d{1,2})\. (\w+) (\d{4})$")
# Lines DIP's text keeps from the PDF's margins and running heads.
NOISE_LINE = re.compile(r"^(?:Vorabfassung - w|ird durch die lektorierte Version ersetzt\.|"
                        r"Drucksache \d+/\d+ – \S+ – Deutscher Bundestag – \d+\. Wahlperiode|"
                        r"Deutscher Bundestag – \d+\. Wahlperiode – \S+ – Drucksache \d+/\d+)$")
MONTHS = {name: i for i, name in enumerate(
    ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
     "Dezember"), start=1)}


class DeBundestagSpider(StationwatchSpider):
    name = "de_bundestag"
    allowed_domains = ["search.dip.bundestag.de"]
    source_kind = "parliament"
    country = "DE"
    body = BODY
    language = "de"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._key_rejected = False

    async def start(self):
        for doctype in (ANSWER_TYPE, *QUESTION_TYPES):
            yield self.listing("drucksache-text", doctype)
        yield self.listing("drucksache", WRITTEN_QUESTIONS_TYPE)

    # --- requests ---------------------------------------------------------

    @property
    def api_headers(self) -> dict:
        """The key travels in a header: URLs (stored as fetch_url, logged) stay key-free."""
        return {"Authorization": f"ApiKey {os.environ.get(KEY_ENV) or PUBLIC_API_KEY}",
                "Accept": "application/json"}

    def listing(self, resource: str, doctype: str, cursor: str | None = None, page: int = 1) -> scrapy.Request:
        """One page of ``resource`` for documents of ``doctype`` changed since
        the start date. A follow-up page repeats every filter with the cursor:
        DIP pages a bare cursor through the unfiltered collection."""
        params = {"f.drucksachetyp": doctype, "f.aktualisiert.start": f"{self.since.isoformat()}T00:00:00",
                  "format": "json"}
        if cursor:
            params["cursor"] = cursor
        return self.api(f"{API}/{resource}?{urlencode(params)}", self.parse_listing,
                        resource=resource, doctype=doctype, cursor=cursor, page=page)

    def api(self, url: str, callback, **cb_kwargs) -> scrapy.Request:
        return scrapy.Request(url, headers=self.api_headers, callback=callback, cb_kwargs=cb_kwargs,
                              meta={"handle_httpstatus_list": [401]})

    def key_rejected(self, response) -> bool:
        """A 401 ends the run: every other request carries the same key."""
        if response.status != 401:
            return False
        if not self._key_rejected:
            self._key_rejected = True
            self.logger.error("DIP rejected the API key (HTTP 401 at %s): %s", response.url, KEY_HELP)
        raise CloseSpider("dip_api_key_rejected")

    # --- listings ---------------------------------------------------------

    def parse_listing(self, response, resource: str, doctype: str, cursor: str | None, page: int):
        if self.key_rejected(response):
            return
        data = self.json_or_layout_error(response, "documents")
        if data is None:
            return
        documents = data["documents"] or []
        if not self.filters_honoured(response, documents, doctype):
            return
        for document in documents:
            if resource == "drucksache":
                yield self.api(f"{API}/drucksache-text/{document['id']}?format=json", self.parse_text,
                               doctype=doctype)
            else:
                yield from self.document_statements(document, response)
        next_cursor = data.get("cursor")
        if documents and next_cursor and next_cursor != cursor:
            if page >= MAX_PAGES:
                self.logger.error("%s %r: stopped after %d pages; the rest is asked next run", resource, doctype,
                                  page)
                return
            yield self.listing(resource, doctype, next_cursor, page + 1)

    def filters_honoured(self, response, documents: list, doctype: str) -> bool:
        """Every document is of the type asked and changed since the start
        date, or DIP ignored a filter and this is the unfiltered list."""
        for document in documents:
            if not isinstance(document, dict) or "id" not in document:
                self.layout_changed(response, "a document without id")
                return False
            if document.get("drucksachetyp") != doctype:
                self.layout_changed(response, f"asked f.drucksachetyp={doctype!r}, got "
                                              f"{document.get('drucksachetyp')!r}: the filter was not honoured")
                return False
            changed = str(document.get("aktualisiert") or "")[:10]
            if changed and changed < self.since.isoformat():
                self.layout_changed(response, f"asked f.aktualisiert.start={self.since}, got a document changed "
                                              f"{changed}: the filter was not honoured")
                return False
        return True

    def parse_text(self, response, doctype: str):
        """One Drucksache with its text (``/drucksache-text/{id}``)."""
        if self.key_rejected(response):
            return
        data = self.json_or_layout_error(response, "dokumentnummer")
        if data is None:
            return
        if data.get("drucksachetyp") != doctype:
            self.layout_changed(response, f"asked a {doctype!r}, got a {data.get('drucksachetyp')!r}")
            return
        yield from self.document_statements(data, response)

    # --- documents --------------------------------------------------------

    def document_statements(self, document: dict, response):
        """The statements of one Drucksache, by its type."""
        text = document.get("text")
        if not text or not str(text).strip():
            # DIP lists a Drucksache before its text is extracted: ask again next run.
            self.lost_record(response, f"Drucksache {document.get('dokumentnummer')} has no text yet")
            return
        doctype = document.get("drucksachetyp")
        if doctype == WRITTEN_QUESTIONS_TYPE:
            yield from self.written_questions(document, response)
        elif doctype == ANSWER_TYPE:
            yield self.answer(document, response)
        else:
            yield self.question(document, response)

    def common(self, document: dict, response) -> dict:
        fundstelle = document.get("fundstelle") or {}
        return dict(url=fundstelle.get("pdf_url") or pdf_url(document.get("dokumentnummer", "")),
                    fetch_url=response.url, title=document.get("titel") or "",
                    raw=json.dumps(_without_text(document), sort_keys=True, ensure_ascii=False), raw_type="json")

    def question(self, document: dict, response):
        """A Kleine or Große Anfrage: asked by a parliamentary group."""
        groups = [u.get("titel") for u in document.get("urheber") or [] if u.get("titel")]
        mps = [a.get("autor_titel") or a.get("title") for a in document.get("autoren_anzeige") or []]
        role = "asking parliamentary group"
        if mps:
            more = ", …" if (document.get("autoren_anzahl") or 0) > len(mps) else ""
            role += f" (MPs: {', '.join(m for m in mps if m)}{more})"
        return self.statement(
            **self.common(document, response), kind="written_question", published=document.get("datum"),
            text=document["text"], record_id=record_id(document["dokumentnummer"]),
            speaker=", ".join(groups) or None, speaker_role=role if groups else None)

    def answer(self, document: dict, response):
        """An Antwort der Bundesregierung: the federführendes Ressort answers."""
        text = document["text"]
        ministry = answering_ministry(document)
        asked = ANSWERED_DRUCKSACHE.search(text[:3000])
        if not asked:
            self.logger.warning("Antwort %s names no Drucksache it answers", document.get("dokumentnummer"))
        return self.statement(
            **self.common(document, response), kind="written_answer", published=document.get("datum"),
            text=text, record_id=record_id(document["dokumentnummer"]),
            body=ministry or "Bundesregierung", speaker=ministry or "Bundesregierung",
            source_kind="ministry" if ministry else "government",
            speaker_role="answering ministry (federführendes Ressort)" if ministry else "Federal Government",
            question_record_id=record_id(asked.group(1)) if asked else None,
            context=document.get("titel"))

    def written_questions(self, document: dict, response):
        """A week's Schriftliche Fragen: a question and its answer per number."""
        number = document["dokumentnummer"]
        entries = written_question_entries(document["text"])
        if not entries:
            self.layout_changed(response, f"Schriftliche Fragen {number}: no numbered question found")
            return
        common = self.common(document, response)
        for entry in entries:
            question_id = f"{record_id(number)}:frage:{entry.number}"
            raw = json.dumps({"drucksache": _without_text(document), "frage": entry.number,
                              "abgeordnete": entry.asker, "fraktion": entry.group, "geschaeftsbereich":
                              entry.ministry}, sort_keys=True, ensure_ascii=False)
            common["raw"] = raw
            yield self.statement(
                **common, kind="written_question", published=document.get("datum"), text=entry.question,
                record_id=question_id, speaker=entry.asker or None,
                speaker_role=f"MdB ({entry.group})" if entry.group else "MdB")
            if entry.answer:
                yield self.statement(
                    **common, kind="written_answer", published=entry.answered or document.get("datum"),
                    text=entry.answer, record_id=f"{record_id(number)}:antwort:{entry.number}",
                    body=entry.ministry or "Bundesregierung", speaker=entry.ministry or "Bundesregierung",
                    source_kind="ministry" if entry.ministry else "government",
                    speaker_role=entry.signed_by or "answering ministry",
                    question_record_id=question_id,
                    context="\n\n".join([*(q.question for q in entry.answered_with), entry.question]))


class WrittenQuestion:
    """One numbered question of a Schriftliche Fragen Drucksache and its answer."""

    def __init__(self, number: str, ministry: str | None):
        self.number = number
        self.ministry = ministry
        self.asker = ""
        self.group = ""
        self.question = ""
        self.signed_by = ""
        self.answered: str | None = None
        self.answer = ""
        # Questions answered together with this one ("Die Fragen 39 und 40 werden ...
        # gemeinsam beantwortet."): the answer follows the last of them.
        self.answered_with: list[WrittenQuestion] = []


def written_question_entries(text: str) -> list[WrittenQuestion]:
    """Split the text of Schriftliche Fragen into its numbered questions.

    The layout (DIP's text of the PDF): a "Geschäftsbereich des ..." heading
    (one or two lines) before the first question of each ministry; then per
    question "7. Abgeordnete", the name, "(Fraktion)" (may wrap), the
    question, "Antwort des ... " (may wrap) and "vom 10. Oktober 2025", the
    answer. Page furniture lines are dropped first.
    """
    # The PDF's text uses EN SPACEs ("24.\u2002Abgeordneter"): one kind of space.
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not NOISE_LINE.match(line)]
    entries: list[WrittenQuestion] = []
    ministry: str | None = None
    current: WrittenQuestion | None = None
    state = ""
    buffer: list[str] = []

    def flush():
        if current is None:
            return
        joined = _join(buffer)
        if state == "question":
            current.question = joined
        elif state == "answer":
            current.answer = joined

    i = 0
    while i < len(lines):
        line = lines[i]
        heading = MINISTRY_HEADING.match(line)
        if heading:
            # A heading is one or two lines and is followed by a question.
            for width in (1, 2, 3):
                if i + width < len(lines) and QUESTION_HEADER.match(lines[i + width]):
                    flush()
                    ministry = _nominative(" ".join(lines[i:i + width])[len("Geschäftsbereich "):])
                    state, buffer = "", []
                    i += width
                    break
            else:
                buffer.append(line)
                i += 1
            continue
        header = QUESTION_HEADER.match(line)
        if header:
            flush()
            current = WrittenQuestion(header.group(1), ministry)
            entries.append(current)
            i = _read_asker(lines, i + 1, current)
            state, buffer = "question", []
            continue
        dated = _answer_date_line(lines, i) if current is not None and state == "question" else None
        if dated is not None:
            # "Antwort des ... Staatssekretärs ... " (one to three lines), then "vom ...":
            # a question may quote "Antwort der Bundesregierung zu den Fragen 1 ..." itself.
            flush()
            current.signed_by = " ".join(lines[i:dated])
            current.answered = _german_date(lines[dated])
            i = dated + 1
            state, buffer = "answer", []
            continue
        buffer.append(line)
        i += 1
    flush()
    entries = [entry for entry in entries if entry.question]
    waiting: list[WrittenQuestion] = []
    for entry in entries:
        if entry.answer:
            entry.answered_with, waiting = waiting, []
        else:
            waiting.append(entry)
    return entries


def _answer_date_line(lines: list[str], i: int) -> int | None:
    """Where the "vom 6. Oktober 2025" line of an answer header that starts
    at ``lines[i]`` is, or None when ``lines[i]`` starts no answer header."""
    if not ANSWER_HEADER.match(lines[i]):
        return None
    for j in range(i + 1, min(i + 4, len(lines))):
        if ANSWER_DATE.match(lines[j]):
            return j
    return None


def _read_asker(lines: list[str], i: int, entry: WrittenQuestion) -> int:
    """The MP's name and "(Fraktion)" after "7. Abgeordnete"; the group may wrap."""
    name: list[str] = []
    while i < len(lines) and not lines[i].startswith("(") and len(name) < 3:
        name.append(lines[i])
        i += 1
    group: list[str] = []
    if i < len(lines) and lines[i].startswith("("):
        while i < len(lines):
            group.append(lines[i])
            i += 1
            if group[-1].endswith(")"):
                break
    entry.asker = " ".join(name)
    entry.group = "".join(g if g.endswith("/") else g + " " for g in group).strip()[1:-1].strip()
    return i


def _join(lines: list[str]) -> str:
    """Lines of one paragraph run back together; a hyphen at a line end that
    splits a word ("Gesetzent-" / "wurf") is kept as printed."""
    return re.sub(r"[ \t]+", " ", "\n".join(lines)).strip()


def _german_date(line: str) -> str | None:
    """"vom 10. Oktober 2025" -> "2025-10-10"."""
    m = ANSWER_DATE.match(line)
    if not m or m.group(2) not in MONTHS:
        return None
    try:
        return dt.date(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1))).isoformat()
    except ValueError:
        return None


def _nominative(phrase: str) -> str:
    """"des Bundesministeriums der Finanzen" -> "Bundesministerium der
    Finanzen"; "des Auswärtigen Amts" -> "Auswärtiges Amt"."""
    phrase = re.sub(r"\s+", " ", phrase).strip()
    phrase = re.sub(r"^de[sr] ", "", phrase)
    phrase = re.sub(r"^Bundesministeriums\b", "Bundesministerium", phrase)
    phrase = re.sub(r"^Auswärtigen Amt(?:e?s)?$", "Auswärtiges Amt", phrase)
    phrase = re.sub(r"^Bundeskanzlers und des Bundeskanzleramte?s$", "Bundeskanzler und Bundeskanzleramt", phrase)
    return phrase


def answering_ministry(document: dict) -> str | None:
    """The federführendes Ressort DIP records; else the ministry the text
    says sent the answer; None when neither is there."""
    ressorts = [r for r in document.get("ressort") or [] if isinstance(r, dict) and r.get("titel")]
    lead = next((r for r in ressorts if r.get("federfuehrend")), ressorts[0] if ressorts else None)
    if lead:
        return lead["titel"]
    sent = SENT_BY.search(document.get("text") or "")
    return _nominative(sent.group("who")) if sent else None


def record_id(dokumentnummer: str) -> str:
    return f"drucksache:{dokumentnummer}"


def pdf_url(dokumentnummer: str) -> str:
    """The Drucksache PDF on dserver: 20/8 -> .../btd/20/000/2000008.pdf."""
    period, _, number = dokumentnummer.partition("/")
    if not (period.isdigit() and number.isdigit()):
        return f"https://dip.bundestag.de/suche?term={dokumentnummer}"
    return f"https://dserver.bundestag.de/btd/{period}/{int(number) // 100:03d}/{period}{int(number):05d}.pdf"


def _without_text(document: dict) -> dict:
    """The record's metadata: its text is the statement's own text."""
    return {k: v for k, v in document.items() if k != "text"}
