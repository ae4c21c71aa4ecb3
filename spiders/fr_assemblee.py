"""Assemblée nationale: questions écrites (written questions) and the
ministers' answers to them.

Source: the Assemblée's open-data dumps (data.assemblee-nationale.fr, no
key, Licence Ouverte). There is no query API: each legislature's written
questions are one ZIP of JSON files, one file per question
(``{"question": {...}}``), ``Questions_ecrites.json.zip`` under
``/static/openData/repository/{legislature}/questions/questions_ecrites/``.
The dump is large (tens of MB), so it is fetched only when it changed: the
project's conditional requests (stationwatch/conditional.py) send the ETag
and Last-Modified it answered last time, and an unchanged dump costs a 304
and is not parsed at all. A changed dump is read whole, and every question
asked or answered on or after ``self.since`` is a candidate; the relevance
pipeline judges them (the dump has no search, and a question's answer can
name the topic when its heading does not).

A question gives a written_question (speaker: the deputy, whose name opens
the text, "M. Christophe Bentz interroge M. le ministre..."; role: deputy
and group) and one written_answer per published answer (body: the ministry
the question was finally attributed to, ``minAttribs``; linked to the
question by ``question_record_id``). The dump names ministries, not
ministers, so an answer has no speaker.

Verified against a real recorded file (a question au gouvernement of the
same dump family, QANR5L17QG1, printed whole in a public project's generated
schema notes): the envelope and the field names and shapes (uid,
identifiant, indexationAN, auteur.groupe, minInt, minAttribs.minAttrib
.denomination, textesQuestion / textesReponse.texteReponse.infoJO.dateJO
and texte, cloture). Only against RECONSTRUCTED files: a question écrite as
such (the texts of 16-3820QE and 16-3007QE are real, from stored copies of
their pages; ids of actors, pages and the dates of 3820 are placeholders),
and the ZIP's inner layout (``json/<uid>.json``; any ``*.json`` member is
read).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import scrapy

from spiders.base import StationwatchSpider

DUMP = ("https://data.assemblee-nationale.fr/static/openData/repository/{leg}"
        "/questions/questions_ecrites/Questions_ecrites.json.zip")
QUESTION_PAGE = "https://questions.assemblee-nationale.fr/q{leg}/{leg}-{number}QE.htm"
# Legislatures and when each sat: only those overlapping [since, today] are
# fetched. A new legislature (after a dissolution) is added here.
LEGISLATURES = {
    16: (dt.date(2022, 6, 28), dt.date(2024, 6, 9)),
    17: (dt.date(2024, 7, 18), None),
}
# A whole legislature's questions: well above the project's 20 MB default.
DUMP_MAX_BYTES = 400 * 1024 * 1024
BODY = "Assemblée nationale"
# "M. Christophe Bentz interroge M. le ministre ...", "Mme Laurence
# Robert-Dehault attire l'attention de ...": the asker's name opens the text.
_ASKER = re.compile(
    r"^\s*(?:<[^>]+>\s*)*(?:M\.|Mme)\s+(?P<name>[^<]{2,80}?)\s+"
    r"(?:interroge|attire|appelle|demande|alerte|souhaite|s'inqui[eè]te|questionne|sollicite|rappelle)\b"
)


class FrAssembleeSpider(StationwatchSpider):
    name = "fr_assemblee"
    allowed_domains = ["data.assemblee-nationale.fr"]
    source_kind = "parliament"
    country = "FR"
    body = BODY
    language = "fr"

    async def start(self):
        for legislature in self.legislatures():
            yield scrapy.Request(
                DUMP.format(leg=legislature), callback=self.parse_dump, cb_kwargs={"legislature": legislature},
                # allow_binary: the ZIP is the record, not a page to skip.
                meta={"download_maxsize": DUMP_MAX_BYTES, "download_warnsize": DUMP_MAX_BYTES, "allow_binary": True},
            )

    def legislatures(self, today: dt.date | None = None) -> list[int]:
        """The legislatures that sat on or after ``self.since``."""
        today = today or dt.date.today()
        return [leg for leg, (begin, end) in LEGISLATURES.items()
                if begin <= today and (end is None or end >= self.since)]

    def parse_dump(self, response, legislature: int):
        try:
            archive = zipfile.ZipFile(io.BytesIO(response.body))
        except zipfile.BadZipFile:
            self.layout_changed(response, "the dump is not a ZIP")
            return
        members = [name for name in archive.namelist() if name.endswith(".json")]
        if not members:
            self.layout_changed(response, "no JSON file in the dump")
            return
        for member in members:
            record = self.read_member(archive, member, response)
            if record is not None:
                yield from self.question_statements(record, response.url, legislature)

    def read_member(self, archive: zipfile.ZipFile, member: str, response) -> dict | None:
        """One question's record, or None (and a layout error) when the file
        is not the ``{"question": {...}}`` the dump is made of."""
        try:
            data = json.loads(archive.read(member))
        except ValueError:
            self.layout_changed(response, f"{member} is not JSON")
            return None
        record = data.get("question") if isinstance(data, dict) else None
        if not isinstance(record, dict) or not record.get("uid"):
            self.layout_changed(response, f"{member} has no question.uid")
            return None
        return record

    def question_statements(self, q: dict, fetch_url: str, legislature: int):
        """The question, then each of its answers, when any of them dates
        from ``self.since`` on; nothing (but a record passed over) otherwise."""
        asked = _first(_as_list(_dig(q, "textesQuestion", "texteQuestion")))
        answers = [a for a in _as_list(_dig(q, "textesReponse", "texteReponse")) if _text(a.get("texte"))]
        asked_on = _iso(_dig(asked, "infoJO", "dateJO"))
        answered_on = [_iso(_dig(a, "infoJO", "dateJO")) for a in answers]
        if not any(day and not self.reached_since(day) for day in (asked_on, *answered_on)):
            self.count_passed_over()
            return
        uid = q["uid"]
        number = _text(_dig(q, "identifiant", "numero")) or uid
        leg = _text(_dig(q, "identifiant", "legislature")) or str(legislature)
        question_text = _text(asked.get("texte"))
        common = dict(url=QUESTION_PAGE.format(leg=leg, number=number), fetch_url=fetch_url, title=_title(q),
                      raw=json.dumps(q, sort_keys=True, ensure_ascii=False), raw_type="json")
        # A record without question text (the questions au gouvernement of
        # the same schema) has nothing to state as a question.
        question_id = f"question:{uid}" if question_text else None
        if question_id:
            yield self.statement(
                **common, kind="written_question", published=asked_on, text=question_text, record_id=question_id,
                speaker=_asker(question_text), speaker_role=_deputy_role(q),
            )
        ministry = _answering_ministry(q)
        for answer, day in zip(answers, answered_on):
            yield self.statement(
                **common, kind="written_answer", published=day, text=_text(answer["texte"]),
                # One id per published answer (a later "réponse complémentaire"
                # is its own statement), stable because its JO date is.
                record_id=f"answer:{uid}:{day or _text(_dig(answer, 'infoJO', 'pageJO'))}",
                body=ministry or BODY, speaker=None,
                speaker_role=f"Ministère attributaire: {ministry}" if ministry else None,
                question_record_id=question_id, context=question_text,
            )


def _dig(value, *keys):
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _as_list(value) -> list[dict]:
    """The dump writes one element as an object and several as a list."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, dict)]


def _first(items: list[dict]) -> dict:
    return items[0] if items else {}


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _iso(value) -> str:
    """'2024-10-03' as is; the older '03/10/2024' turned round; else ''."""
    value = _text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value):
        return value[:10]
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", value)
    return f"{match[3]}-{match[2]}-{match[1]}" if match else ""


def _title(q: dict) -> str:
    """"Rubrique: analyse" ("sécurité des biens et des personnes: Activités
    consulaires non déclarées"), whichever parts the record has."""
    index = q.get("indexationAN") or {}
    analyses = [_text(a) for a in _as_list_of_text(_dig(index, "analyses", "analyse"))]
    heading = _text(index.get("teteAnalyse")) or "; ".join(a for a in analyses if a)
    rubric = _text(index.get("rubrique"))
    return ": ".join(part for part in (rubric, heading) if part) or q["uid"]


def _as_list_of_text(value) -> list:
    return value if isinstance(value, list) else [value]


def _asker(question_text: str) -> str | None:
    match = _ASKER.match(question_text)
    return match["name"].strip() if match else None


def _deputy_role(q: dict) -> str:
    """"Député, Rassemblement National" (the group as the dump spells it)."""
    group = _text(_dig(q, "auteur", "groupe", "developpe")) or _text(_dig(q, "auteur", "groupe", "abrege"))
    return f"Député, {group}" if group else "Député"


def _answering_ministry(q: dict) -> str:
    """The ministry the question was last attributed to (a question moves
    when portfolios change), else the one it was addressed to."""
    attributions = _as_list(_dig(q, "minAttribs", "minAttrib"))
    for attribution in reversed(attributions):
        name = _text(_dig(attribution, "denomination", "developpe"))
        if name:
            return name
    return _text(_dig(q, "minInt", "developpe"))
