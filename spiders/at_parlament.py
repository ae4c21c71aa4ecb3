"""Parlament Österreich (Nationalrat): written questions (Anfragen, J) and
the ministers' answers (Anfragebeantwortungen, AB).

Source: the Parliament's open data "Filter" API (parlament.gv.at, JSON, no
key, CC BY 4.0). The list of items is dataset 101, asked by POST with a JSON
body of filters: ``GP_CODE`` (legislative period), ``NRBR`` (NR),
``VHG``/``DOKTYP`` (J_JPR_M/J for questions, AB_ABPR_ABM/AB for answers) and
``DATUM_VON`` ([from, to], dd.mm.yyyy). It answers ``{header, rows}``: each
header entry's ``rnr`` is the 1-based column of its ``feld_name`` in the
rows. The spider asks, for every legislative period overlapping [start
date, today] (the current one, and the one before it while the window
reaches back into it), the questions and the answers dated since the start
date. The API has no full-text search: a row whose subject, keywords and
EuroVoc terms have neither a topic term nor a context word (China ...) is
passed over; for the others the item's JSON (``{HIS_URL}?json=True``:
names, references, documents) and the HTML version of its document are
fetched.

The filter API ignores a key it does not know and answers the whole list,
so every row is checked: another item type, legislative period or a date
outside the window means a filter was not honoured: a layout change, and
that list is dropped.

A question is a written_question (speaker: the MP who asked, from the item's
``names``; body Nationalrat); an answer a written_answer (speaker: the
answering minister from its ``names``, body the ministry; linked to the
question it answers, its reference "12964/J"). The public link is the item's
page (``/gegenstand/XXVII/J/12964``).

Verified on real material (tests/fixtures/at_parlament/PROVENANCE.md): the
list response (header with rnr/feld_name, rows, an empty result) as a
public client recorded it; the row values of J and AB items as that
client prints them; the visible text of the real question documents 12964/J
and 18297/J. Only on RECONSTRUCTED samples: J/AB rows as a whole, the item
JSON (``?json=True``: field names from two public clients), the document
markup and the answer's text.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import scrapy
from scrapy.http import JsonRequest

from spiders.base import StationwatchSpider

WEB = "https://www.parlament.gv.at"
FILTER_API = f"{WEB}/Filter/api/filter/data/101?js=eval&showAll=true"
# Legislative periods of the Nationalrat (Gesetzgebungsperioden) and when each sat;
# a new one is added here.
PERIODS = {
    "XXVII": (dt.date(2019, 10, 23), dt.date(2024, 10, 23)),
    "XXVIII": (dt.date(2024, 10, 24), None),
}
# What is asked: (VHG, DOKTYP) and the item type (ITYP) every row must have.
QUESTIONS = ("J_JPR_M", "J", "J")
ANSWERS = ("AB_ABPR_ABM", "AB", "AB")
BODY = "Nationalrat"
QUESTION_REF = re.compile(r"\b(\d+)/J\b")
MINISTER = re.compile(r"^Bundesminister(?:in)?\s+(?P<area>(?:für|der|des)\s.+)$")


class AtParlamentSpider(StationwatchSpider):
    name = "at_parlament"
    allowed_domains = ["www.parlament.gv.at"]
    source_kind = "parliament"
    country = "AT"
    body = BODY
    language = "de"

    async def start(self):
        today = dt.date.today()
        for period, (began, ended) in PERIODS.items():
            if (ended is None or ended >= self.since) and began <= today:
                for asked in (QUESTIONS, ANSWERS):
                    yield self.listing(period, asked, today)

    def listing(self, period: str, asked: tuple, today: dt.date) -> JsonRequest:
        vhg, doktyp, _ = asked
        filters = {"GP_CODE": [period], "NRBR": ["NR"], "VHG": [vhg], "DOKTYP": [doktyp],
                   "DATUM_VON": [self.since.strftime("%d.%m.%Y"), today.strftime("%d.%m.%Y")]}
        return JsonRequest(FILTER_API, data=filters, callback=self.parse_listing,
                           cb_kwargs={"period": period, "asked": asked, "today": today})

    # --- the list ---------------------------------------------------------

    def parse_listing(self, response, period: str, asked: tuple, today: dt.date):
        data = self.json_or_layout_error(response, "rows")
        if data is None:
            return
        rows = [row_values(data.get("header") or [], row) for row in data["rows"] or []]
        if not self.filters_honoured(response, rows, period, asked[2], today):
            return
        for row in rows:
            judgement = self.topic.judge("\n".join(row_subjects(row)))
            if not (judgement.relevant or judgement.reason == "context words only"):
                self.count_passed_over()  # neither a topic term nor China in its subject and keywords
                continue
            yield scrapy.Request(f"{WEB}{row['HIS_URL']}?json=True", callback=self.parse_item,
                                 cb_kwargs={"row": row}, headers={"Accept": "application/json"})

    def filters_honoured(self, response, rows: list[dict], period: str, item_type: str, today: dt.date) -> bool:
        """Every row is of the type, period and dates asked, or the API ignored a filter."""
        for row in rows:
            if not row.get("HIS_URL") or not row.get("INR"):
                self.layout_changed(response, "a row without HIS_URL or INR")
                return False
            if row.get("ITYP") != item_type or (row.get("GP_CODE") or row.get("GP")) != period:
                self.layout_changed(response, f"asked {item_type} of {period}, got {row.get('ITYP')} of "
                                              f"{row.get('GP_CODE') or row.get('GP')}: a filter was not honoured")
                return False
            day = iso_date(row.get("DATUM"))
            if day is None or not (self.since.isoformat() <= day <= today.isoformat()):
                self.layout_changed(response, f"asked dates from {self.since}, got {row.get('DATUM')!r}: "
                                              "DATUM_VON was not honoured")
                return False
        return True

    # --- one item ---------------------------------------------------------

    def parse_item(self, response, row: dict):
        """The item's JSON: who asked or answered, what it answers, its document."""
        data = self.json_or_layout_error(response, "content")
        if data is None:
            return
        content = data["content"] if isinstance(data["content"], dict) else {}
        link = html_document(content)
        if not link:
            self.layout_changed(response, f"{row['ZITATION'] or row['HIS_URL']}: no HTML version of its document")
            return
        yield scrapy.Request(response.urljoin(link), callback=self.parse_document,
                             cb_kwargs={"row": row, "content": content}, meta={"handle_httpstatus_list": [404]})

    def parse_document(self, response, row: dict, content: dict):
        if response.status == 404:
            self.lost_record(response, f"{row.get('ZITATION')}: its document is gone")
            return
        text = " ".join(response.xpath("//body").getall()).strip()
        if not text:
            self.layout_changed(response, f"{row.get('ZITATION')}: an empty document")
            return
        period, item_type, number = row.get("GP_CODE") or row.get("GP"), row["ITYP"], row["INR"]
        common = dict(url=f"{WEB}{row['HIS_URL']}", fetch_url=response.url, title=row.get("PFAD") or "",
                      published=iso_date(row.get("DATUM")), text=text, record_id=f"{period}/{item_type}/{number}",
                      raw=json.dumps({"row": row, "content": content}, sort_keys=True, ensure_ascii=False),
                      raw_type="json")
        person = first_name(content)
        if item_type == "J":
            group = person.get("frak_code") or first_value(row.get("FRAK_CODE"))
            yield self.statement(**common, kind="written_question", speaker=person.get("name") or None,
                                 speaker_role=member_role(person.get("funktext"), group))
            return
        office = person.get("funktext") or ""
        asked = answered_question(content, text)
        if not asked:
            self.logger.warning("%s names no question it answers", row.get("ZITATION"))
        yield self.statement(**common, kind="written_answer", source_kind="ministry" if office else "government",
                             body=ministry(office) or "Bundesregierung", speaker=person.get("name") or None,
                             speaker_role=office or None,
                             question_record_id=f"{period}/J/{asked}" if asked else None,
                             context=row.get("PFAD"))


def row_values(header: list[dict], row: list) -> dict:
    """A row as {feld_name: value}: each header entry's ``rnr`` is its 1-based column."""
    values = {}
    for entry in header:
        name, position = entry.get("feld_name"), entry.get("rnr")
        if name and isinstance(position, int) and 0 < position <= len(row):
            values[name] = row[position - 1]
    return values


def row_subjects(row: dict) -> list[str]:
    """The row's subject (PFAD, labelled "Betreff") and its keyword lists."""
    texts = [row.get("PFAD") or ""]
    for name in ("SW", "EUROVOC", "THEMEN"):
        texts.extend(_value_list(row.get(name)))
    return [t for t in texts if t]


def _value_list(value) -> list[str]:
    """Lists come as JSON text ('["Arbeit","Soziales"]')."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        try:
            return [str(v) for v in json.loads(value)]
        except ValueError:
            return [value]
    return [value] if value else []


def first_value(value) -> str | None:
    values = _value_list(value)
    return values[0] if values else None


def iso_date(value) -> str | None:
    """"09.11.2022" -> "2022-11-09"."""
    try:
        return dt.datetime.strptime(str(value or "").strip()[:10], "%d.%m.%Y").date().isoformat()
    except ValueError:
        return None


def html_document(content: dict) -> str | None:
    """The link of the item's document in HTML (the Parliament publishes
    electronically submitted questions and answers as HTML beside the PDF)."""
    for group in content.get("documents") or []:
        for document in (group or {}).get("documents") or []:
            if str(document.get("type") or "").upper() == "HTML" and document.get("link"):
                return document["link"]
    return None


def first_name(content: dict) -> dict:
    names = [n for n in content.get("names") or [] if isinstance(n, dict) and n.get("name")]
    return names[0] if names else {}


def member_role(funktext: str | None, group: str | None) -> str:
    role = funktext or "Abgeordnete(r) zum Nationalrat"
    return f"{role} ({group})" if group else role


def ministry(office: str) -> str | None:
    """"Bundesminister für Inneres" -> "Bundesministerium für Inneres"; the
    Chancellor's office for the Bundeskanzler(in)."""
    office = office.strip()
    if office.startswith("Bundeskanzler"):
        return "Bundeskanzleramt"
    m = MINISTER.match(office)
    return f"Bundesministerium {m.group('area')}" if m else (office or None)


def answered_question(content: dict, text: str) -> str | None:
    """The number of the question an answer answers: its reference "12964/J",
    else the first "NNN/J" of its title, description or text."""
    for reference in content.get("reference") or content.get("references") or []:
        m = QUESTION_REF.search(str((reference or {}).get("zitation") or ""))
        if m:
            return m.group(1)
    for candidate in (content.get("title"), content.get("description"), text):
        m = QUESTION_REF.search(str(candidate or ""))
        if m:
            return m.group(1)
    return None
