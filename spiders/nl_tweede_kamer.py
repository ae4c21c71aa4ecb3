"""Tweede Kamer: Kamervragen (written questions) and their answers.

Source: the Tweede Kamer's open data service (Gegevensmagazijn, OData v4,
JSON, no key, CC0). The service filters but has no full-text search: the
spider asks for written-question cases (``Zaak``, Soort 'Schriftelijke
vragen') whose subject line contains one of the topic's Dutch search terms,
changed since the start date, with their actors and documents expanded, and
follows ``@odata.nextLink`` to the end. Soft-deleted rows are served by the
API: ``Verwijderd eq false`` is in the filter and deleted cases, actors and
documents that still come back expanded are dropped here.

A case gives two kinds of candidates: the question (speaker: the member who
tabled it, "Indiener") and each answer document (speaker: the minister it was
addressed to, "Gericht aan"), linked by ``question_record_id``. The text is
the document's subject line ("Onderwerp"): the full texts are PDF/Word
resources (``Document({Id})/resource``) that this spider does not read.
The public page is the case on tweedekamer.nl.

Verified against real recorded responses: nothing of the Zaak shape. No real
saved Zaak response was found in public material; the fixtures are
RECONSTRUCTED from the documentation (envelope, property names: Nummer, Soort,
Onderwerp, GestartOp, Verwijderd, ZaakActor[ActorNaam, ActorFractie, Functie,
Relatie], Document[Soort, DocumentNummer, Onderwerp, Datum, Verwijderd]).
Real responses of other entities (Verslag, Persoon) found in public code
confirm the envelope ("@odata.context", "value"), ``Verwijderd`` as a JSON
boolean and timestamps with offsets. Every Zaak field is read defensively.

Not done: debates (Handelingen: ``Verslag`` VLOS XML per sitting) and the
full question and answer texts (officielebekendmakingen.nl).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import scrapy

from spiders.base import StationwatchSpider

API = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0"
WEB = "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail"
QUESTION_SOORT = "Schriftelijke vragen"
ANSWER_SOORT = "Antwoord schriftelijke vragen"  # also "... (nader)": a later, fuller answer


class NlTweedeKamerSpider(StationwatchSpider):
    name = "nl_tweede_kamer"
    allowed_domains = ["gegevensmagazijn.tweedekamer.nl"]
    source_kind = "parliament"
    country = "NL"

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
                        f" and GewijzigdOp ge {self.since.isoformat()}T00:00:00Z"),
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
        """The question, then each answer, of one written-question case."""
        number = case.get("Nummer")
        if not number:
            self.layout_changed(response, "a Zaak without Nummer")
            return
        actors = _live(case.get("ZaakActor"))
        documents = _live(case.get("Document"))
        asker = _actor(actors, "Indiener")
        minister = _actor(actors, "Gericht aan")
        question_doc = next((d for d in documents if d.get("Soort") == QUESTION_SOORT), {})
        if not question_doc:
            self.logger.warning("Zaak %s has no question document; its subject line stands in", number)
        raw = json.dumps(case, sort_keys=True, ensure_ascii=False)
        question_text = question_doc.get("Onderwerp") or case.get("Onderwerp") or ""
        common = dict(source=self.name, source_kind=self.source_kind, country=self.country,
                      fetch_url=response.url, title=case.get("Onderwerp") or question_text,
                      language="nl", raw=raw, raw_type="json")
        question_id = f"question:{number}"
        yield self.statement(
            **common,
            body="Tweede Kamer",
            kind="written_question",
            url=case_url(number, question_doc.get("DocumentNummer")),
            published=_day(question_doc.get("Datum") or case.get("GestartOp")),
            text=question_text,
            record_id=question_id,
            speaker=asker.get("ActorNaam"),
            speaker_role=_member_role(asker),
        )
        for answer in (d for d in documents if (d.get("Soort") or "").startswith(ANSWER_SOORT)):
            yield self.statement(
                **common,
                body=_office(minister) or "Regering",
                kind="written_answer",
                url=case_url(number, answer.get("DocumentNummer")),
                published=_day(answer.get("Datum")),
                text=answer.get("Onderwerp") or answer.get("Titel") or "",
                record_id=f"answer:{number}:{answer.get('DocumentNummer') or answer.get('Id')}",
                speaker=minister.get("ActorNaam"),
                speaker_role=minister.get("Functie"),
                question_record_id=question_id,
                context=question_text,
            )


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


def _office(actor: dict) -> str | None:
    """"minister van Justitie en Veiligheid" -> "Minister van Justitie en Veiligheid"."""
    office = actor.get("Functie")
    return office[:1].upper() + office[1:] if office else None


def _day(value) -> str:
    return (value or "")[:10]
