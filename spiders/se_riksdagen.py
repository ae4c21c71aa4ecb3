"""Sveriges riksdag: written questions (skriftliga frågor), the ministers'
written answers, and interpellations.

Source: Riksdagen's open data API (data.riksdagen.se, no key, free reuse).
``/dokumentlista/`` searches the full text (``sok=``) of one document type
(``doktyp=fr`` question, ``frs`` answer, ``ip`` interpellation) from a date
(``from=``), newest first, ``sz`` documents a page and ``p`` the page; each
hit names its ``dok_id``, and ``/dokument/<dok_id>.html`` is its text (the
page a person opens too).

A question and its answer are two statements. The answer (frs) carries the
number of its question (same riksmöte and beteckning), so it points at the
question's record id; its question's text is fetched as the answer's
``context`` (the question's dok_id is the answer's with the document-type
code 12 -> 11, Riksdagen's dok_id scheme: riksmöte code, type code, number).
The asker is read from the question's "av NAME (PARTY)" line, the minister
from the answer's signature under "Stockholm den ...", the minister's title
from the question's "till TITLE NAME (PARTY)" line.

Interpellations are answered in a chamber debate, not by a document: the
interpellation's ``/dokumentstatus/<dok_id>.json?utdata=debatt`` lists the
debate's speeches (``debatt.anforande``: anf_nummer, talare, parti, anf_text,
anf_datum, anf_id). The first speech is the minister's answer (oral_answer);
the exchange after it is one debate_contribution each, all pointing at the
interpellation with its text as context. A debate comes weeks after the
interpellation, so interpellations are asked from ``since`` minus
IP_DEBATE_WINDOW days: a later night still finds the one debated since.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlencode

import scrapy

from spiders.base import StationwatchSpider

API = "https://data.riksdagen.se"
PAGE_SIZE = 20
MAX_PAGES = 10  # per search term and document type: a bound (a night has a few hits)
QUESTION_TYPES = ("fr", "ip")
DOKTYPER = ("fr", "frs", "ip")
TYPE_NAMES = {"fr": "Skriftlig fråga", "frs": "Svar på skriftlig fråga", "ip": "Interpellation"}
IP_DEBATE_WINDOW = 90  # days: interpellations are debated within weeks of being filed
RIKSDAG = "Sveriges riksdag"
GOVERNMENT = "Regeringen"

ASKER = re.compile(r"\bav (?P<name>[^()]+?) \((?P<party>[^()]+)\)\s*$")
ADDRESSEE = re.compile(r"^till (?P<who>.+?)(?: \((?P<party>[^()]+)\))?\s*$")
SIGNED_AT = re.compile(r"^Stockholm den \d{1,2} \w+ \d{4}\s*$")


class SeRiksdagenSpider(StationwatchSpider):
    name = "se_riksdagen"
    allowed_domains = ["data.riksdagen.se"]
    source_kind = "parliament"
    country = "SE"
    body = RIKSDAG
    language = "sv"

    async def start(self):
        for term in self.topic.search_terms_for("sv"):
            for doktyp in DOKTYPER:
                yield self.search(term, doktyp, 1)

    def asked_from(self, doktyp: str) -> dt.date:
        if doktyp == "ip":
            return self.since - dt.timedelta(days=IP_DEBATE_WINDOW)
        return self.since

    def search(self, term: str, doktyp: str, page: int) -> scrapy.Request:
        params = {"sok": term, "doktyp": doktyp, "from": self.asked_from(doktyp).isoformat(), "sort": "datum",
                  "sortorder": "desc", "utformat": "json", "sz": PAGE_SIZE, "p": page}
        return scrapy.Request(f"{API}/dokumentlista/?{urlencode(params)}", callback=self.parse_list,
                              cb_kwargs={"term": term, "doktyp": doktyp, "page": page})

    def parse_list(self, response, term, doktyp, page):
        data = self.json_or_layout_error(response, "dokumentlista")
        if data is None:
            return
        lista = data["dokumentlista"]
        if not isinstance(lista, dict):
            self.layout_changed(response, "dokumentlista is not an object")
            return
        docs = lista.get("dokument") or []
        if isinstance(docs, dict):  # a single hit comes back as an object
            docs = [docs]
        reached_since = False
        for doc in docs:
            entry = _entry(doc)
            if entry is None:
                self.layout_changed(response, "a dokument without dok_id, doktyp, rm, beteckning or datum")
                continue
            too_old = (entry["datum"] < self.asked_from(doktyp).isoformat() if doktyp == "ip"
                       else self.reached_since(entry["datum"]))
            if too_old:
                # from= should have left it out; newest first, so the rest is older too
                self.count_passed_over()
                reached_since = True
                continue
            if entry["doktyp"] != doktyp:
                self.layout_changed(response, f"asked doktyp={doktyp}, got {entry['doktyp']}")
                continue
            callback = self.parse_answer if doktyp == "frs" else self.parse_question
            yield scrapy.Request(f"{API}/dokument/{entry['dok_id']}.html", callback=callback,
                                 errback=self.record_lost, cb_kwargs={"entry": entry})
        try:
            pages = int(lista.get("@sidor") or 0)
        except (TypeError, ValueError):
            self.layout_changed(response, "@sidor is not a number")
            return
        if docs and not reached_since and page < pages:
            if page >= MAX_PAGES:
                self.logger.warning("se_riksdagen: stopped at page %d of %d for %r (%s)", page, pages, term, doktyp)
            else:
                yield self.search(term, doktyp, page + 1)

    def parse_question(self, response, entry):
        lines = _lines(response)
        if not lines:
            self.lost_record(response, f"{entry['dok_id']}: the document has no text")
            return
        asker = _asker(lines)
        if asker is None:
            self.layout_changed(response, "no 'av NAME (PARTY)' line in the question")
        name, party = asker or (None, None)
        yield self.statement(
            kind="written_question",
            url=response.url,
            fetch_url=response.url,
            title=_title(entry),
            published=entry["datum"],
            text=_fragment(response),
            record_id=_record_id(entry["doktyp"], entry),
            speaker=name,
            speaker_role=party,
            raw=json.dumps(entry, sort_keys=True, ensure_ascii=False),
            raw_type="json",
        )
        if entry["doktyp"] == "ip":
            yield scrapy.Request(f"{API}/dokumentstatus/{entry['dok_id']}.json?utformat=json&utdata=debatt",
                                 callback=self.parse_debate, errback=self.record_lost,
                                 cb_kwargs={"entry": entry, "question": "\n".join(lines)})

    def record_lost(self, failure):
        """A listed document (or its debate) whose page could not be fetched."""
        request = failure.request
        self.lost_record(request.url, f"{request.cb_kwargs['entry']['dok_id']}: {failure.value}")

    def parse_debate(self, response, entry, question):
        """The chamber debate on an interpellation: none yet until it is debated."""
        data = self.json_or_layout_error(response, "dokumentstatus")
        if data is None:
            return
        debatt = (data["dokumentstatus"] or {}).get("debatt") or {}
        speeches = debatt.get("anforande") or []
        if isinstance(speeches, dict):
            speeches = [speeches]
        try:
            speeches = sorted(speeches, key=lambda a: int(a.get("anf_nummer") or 0))
        except (TypeError, ValueError, AttributeError):
            self.layout_changed(response, "an anförande without a numeric anf_nummer")
            return
        question_record_id = _record_id("ip", entry)
        for position, speech in enumerate(speeches):
            text, speaker = speech.get("anf_text"), (speech.get("talare") or "").strip()
            if not text or not speaker or not speech.get("anf_nummer"):
                self.layout_changed(response, "an anförande without talare, anf_text or anf_nummer")
                continue
            party = (speech.get("parti") or "").strip() or None
            name, title = _speaker(speaker, party)
            if position == 0 and not title:
                title = "statsråd"  # the first speech of an interpellation debate is the minister's answer
            yield self.statement(
                kind="oral_answer" if position == 0 else "debate_contribution",
                body=GOVERNMENT if title else RIKSDAG,
                url=f"{API}/dokument/{entry['dok_id']}.html",
                fetch_url=response.url,
                title=_title(entry, "Interpellationsdebatt"),
                published=(speech.get("anf_datum") or entry["datum"])[:10],
                text=text,
                record_id=f"{question_record_id}:anf:{speech['anf_nummer']}",
                speaker=name,
                speaker_role=title or party,
                question_record_id=question_record_id,
                context=question,
                raw=json.dumps(speech, sort_keys=True, ensure_ascii=False),
                raw_type="json",
            )

    def parse_answer(self, response, entry):
        lines = _lines(response)
        if not lines:
            self.lost_record(response, f"{entry['dok_id']}: the answer has no text")
            return
        answer = {"entry": entry, "url": response.url, "text": _fragment(response), "signer": _signer(lines)}
        if answer["signer"] is None:
            self.layout_changed(response, "no signature under 'Stockholm den ...' in the answer")
        question_dok_id = _question_dok_id(entry["dok_id"])
        if question_dok_id is None:
            yield self._answer(answer, None)
            return
        # dont_filter: the same question may also be fetched as a statement of its own.
        yield scrapy.Request(f"{API}/dokument/{question_dok_id}.html", callback=self.parse_answer_context,
                             errback=self.answer_without_context, dont_filter=True,
                             cb_kwargs={"answer": answer})

    def parse_answer_context(self, response, answer):
        yield self._answer(answer, _lines(response))

    def answer_without_context(self, failure):
        answer = failure.request.cb_kwargs["answer"]
        self.logger.warning("se_riksdagen: question of %s not read (%s)", answer["entry"]["dok_id"], failure.value)
        yield self._answer(answer, None)

    def _answer(self, answer, question_lines):
        entry = answer["entry"]
        signer = answer["signer"]
        addressee = _addressee(question_lines) if question_lines else None
        role = None
        if addressee and signer and addressee.endswith(signer):
            role = addressee[: -len(signer)].strip() or None
        elif addressee and not signer:
            signer = addressee
        return self.statement(
            kind="written_answer",
            body=GOVERNMENT,
            url=answer["url"],
            fetch_url=answer["url"],
            title=_title(entry),
            published=entry["datum"],
            text=answer["text"],
            record_id=_record_id("frs", entry),
            speaker=signer,
            speaker_role=role or "statsråd",
            question_record_id=_record_id("fr", entry),
            context="\n".join(question_lines) if question_lines else None,
            raw=json.dumps(entry, sort_keys=True, ensure_ascii=False),
            raw_type="json",
        )


def _entry(doc) -> dict | None:
    """The fields of a dokumentlista hit this spider reads; None if one is missing."""
    if not isinstance(doc, dict):
        return None
    entry = {key: (doc.get(key) or "").strip() if isinstance(doc.get(key), str) else doc.get(key)
             for key in ("dok_id", "doktyp", "rm", "beteckning", "datum", "titel", "undertitel", "organ")}
    if not all(entry[key] for key in ("dok_id", "doktyp", "rm", "beteckning", "datum")):
        return None
    entry["datum"] = entry["datum"][:10]
    return entry


def _record_id(doktyp: str, entry: dict) -> str:
    """'fr:2020/21:2036': a question and its answer share riksmöte and number."""
    return f"{doktyp}:{entry['rm']}:{entry['beteckning']}"


def _title(entry: dict, name: str | None = None) -> str:
    """'Skriftlig fråga 2020/21:2036: Valsystemet i Hongkong'."""
    label = f"{name or TYPE_NAMES.get(entry['doktyp'], entry['doktyp'])} {entry['rm']}:{entry['beteckning']}"
    return f"{label}: {entry['titel']}" if entry.get("titel") else label


def _speaker(talare: str, party: str | None) -> tuple[str, str | None]:
    """('Gunnar Strömmer', 'Justitieminister') from 'Justitieminister Gunnar Strömmer (M)';
    a member's 'Exempel Ledamot (XX)' has no title: (name, None)."""
    name = re.sub(r"\s*\([^()]*\)\s*$", "", talare).strip()
    words = name.split()
    if len(words) > 1 and _is_title(words[0]):
        return " ".join(words[1:]) or name, words[0]
    if name.lower().startswith("statsrådet "):
        return name[len("statsrådet "):].strip(), "Statsrådet"
    return name, None


def _is_title(word: str) -> bool:
    """Swedish ministers' titles end in -minister ('Justitieminister', 'Utrikesministern')."""
    return word.lower().rstrip("n").endswith("minister") or word.lower() == "statsministern"


def _question_dok_id(answer_dok_id: str) -> str | None:
    """'H8122036' (frs) -> 'H8112036' (fr); None if the id has another shape."""
    if len(answer_dok_id) > 4 and answer_dok_id[2:4] == "12":
        return answer_dok_id[:2] + "11" + answer_dok_id[4:]
    return None


def _text_nodes(response):
    return response.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall() or \
        response.xpath("//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::head)]").getall()


def _lines(response) -> list[str]:
    """The document's text, one stripped non-empty line per text block."""
    lines = []
    for node in _text_nodes(response):
        for line in node.replace("\xa0", " ").splitlines():
            line = " ".join(line.split())
            if line:
                lines.append(line)
    return lines


def _fragment(response) -> str:
    body = response.xpath("//body").get()
    return body if body else response.text


def _asker(lines: list[str]) -> tuple[str, str] | None:
    for line in lines[:5]:
        match = ASKER.search(line)
        if match:
            return match["name"].strip(), match["party"].strip()
    return None


def _addressee(lines: list[str]) -> str | None:
    """'Utrikesminister Ann Linde' from 'till Utrikesminister Ann Linde (S)'."""
    for line in lines[:6]:
        match = ADDRESSEE.match(line)
        if match:
            return match["who"].strip()
    return None


def _signer(lines: list[str]) -> str | None:
    """The minister's name on the line after 'Stockholm den 10 mars 2021'."""
    for i in range(len(lines) - 1, -1, -1):
        if SIGNED_AT.match(lines[i]):
            return lines[i + 1] if i + 1 < len(lines) else None
    return None
