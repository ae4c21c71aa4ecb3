"""Netherlands: Rijksoverheid news, documents and press-conference transcripts.

Source: the Rijksoverheid open data API (opendata.rijksoverheid.nl, XML, no
key; README in ../shared/sources/nl-government/). It has no keyword search,
so the spider lists everything modified since ``self.since``
(``lastmodifiedsince=YYYYMMDD``), for documents and for news items, paging
``offset`` by ``rows`` until an empty page, and filters locally: a record's
full text is fetched when its title or introduction uses a word of the topic
file (in Dutch or any language: "Chinese", "politiebureaus", ...) or when it
is a press-conference transcript (``mediatekst``), whose introduction never
names the questions asked. The relevance pipeline then judges the full text.

One candidate per statement: a news item or document is one (its record id
is the API's ``id``); a transcript gives one per question-and-answer pair
(the minister's answer is the statement, the journalist's question its
context) plus the opening statement, each with the document's id and a hash
of its speaker, question and answer as record id, never its position: a
transcript split differently keeps the ids of its other turns. Speakers in transcripts are the capitalised labels ("DE JONGE");
their name and role come from the introduction ("viceminister-president De
Jonge") where it names them. Letters to parliament often carry their text
only in a PDF, which is not fetched: their introduction (or title) is the
text.

Verification (see tests/fixtures/nl_government/PROVENANCE.md):
- verified on real recorded responses: list envelopes ``documents`` and
  ``newsitems`` and their items' ``id``, ``type``, ``canonical``, ``title``,
  ``introduction``; detail ``content/contentblock/paragraph``,
  ``authorities/department``, ``frontenddate``, ``initialdate``,
  ``languages``; the transcript's speaker labels and sections; the empty
  end-of-paging ``<documents/>``;
- that a real transcript's pair keeps its id when the opening statement
  before it is removed;
- only on RECONSTRUCTED or DERIVED samples: a news item detail (no recorded
  one; parsed as a document), an empty ``<newsitems/>``, and every on-topic
  record (no recorded Rijksoverheid response about the stations was found;
  searched again in 2026, none).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import scrapy
from scrapy import Selector

from core.text import text_fingerprint
from spiders.base import StationwatchSpider

API = "https://opendata.rijksoverheid.nl/v1/sources/rijksoverheid"
FEEDS = ("documents", "infotypes/news")
ROWS = 100
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TRANSCRIPT_TYPE = "mediatekst"
KINDS = {
    "nieuwsbericht": "press_release",
    "mediatekst": "briefing",
    "kamerstuk": "letter_to_parliament",
    "brief": "letter",
    "toespraak": "speech",
}
# "BORGMAN (RADIO 1)<br>question..." / "DE JONGE<br>answer...": a speaker
# label is an upper-case line, with the outlet in brackets for journalists.
_TURN = re.compile(r"^<p[^>]*>\s*(?P<label>[^<]{2,80}?)\s*<br\s*/?>(?P<rest>.*)</p>\s*$", re.DOTALL)
_NAME_PARTICLES = {"van", "der", "den", "de", "het", "ter", "ten", "te", "in", "'t"}
_TAG = re.compile(r"<[^>]*>")


class NlGovernmentSpider(StationwatchSpider):
    name = "nl_government"
    allowed_domains = ["opendata.rijksoverheid.nl"]
    source_kind = "government"
    country = "NL"

    async def start(self):
        for feed in FEEDS:
            yield self.page(feed, 0)

    def page(self, feed: str, offset: int) -> scrapy.Request:
        params = {"lastmodifiedsince": self.since.strftime("%Y%m%d"), "rows": ROWS, "offset": offset}
        return scrapy.Request(f"{API}/{feed}?{urlencode(params)}", callback=self.parse_list,
                              cb_kwargs={"feed": feed, "offset": offset})

    def parse_list(self, response, feed: str, offset: int):
        root = _xml_root(response)
        if root is None or root.xpath("name()").get() not in ("documents", "newsitems"):
            self.layout_changed(response, "not a <documents> or <newsitems> list")
            return
        records = root.xpath("./*")
        for record in records:
            record_id = _text(record, "id")
            if not record_id:
                self.layout_changed(response, "a list item without id")
                continue
            summary = f"{_text(record, 'title')}\n{_text(record, 'introduction')}"
            if _text(record, "type") == TRANSCRIPT_TYPE or self.mentions_topic_words(summary):
                # Built from the id, not the item's dataurl: the id is what the API promises.
                yield scrapy.Request(f"{API}/{feed}/{record_id}", callback=self.parse_detail)
            else:
                self.count_passed_over()
        if records:  # the API ends with an empty page, not a total
            yield self.page(feed, offset + ROWS)

    def mentions_topic_words(self, text: str) -> bool:
        """Whether ``text`` uses any term of the topic file, strong, weak or
        context, in any language: a loose local filter that only decides what
        to fetch (the relevance pipeline judges what is kept)."""
        return self.topic.mentions_terms(text)

    def parse_detail(self, response):
        root = _xml_root(response)
        record_id = _text(root, "id") if root is not None else ""
        if not record_id:
            self.layout_changed(response, "a document without id")
            return
        doc_type = _text(root, "type")
        body = _text(root, "authorities/department") or _text(root, "creators/department") or "Rijksoverheid"
        language = (_text(root, "languages/language") or "nl").split("-")[0].lower()
        common = dict(
            source_kind="ministry" if body.startswith("Ministerie") else "government",
            body=body,
            kind=KINDS.get(doc_type, "document"),
            url=_text(root, "canonical") or response.url,  # the public page; the API's if none is named
            fetch_url=response.url,
            published=published_date(root),
            language=language,
            raw=response.text,
            raw_type="xml",
        )
        title = _text(root, "title")
        introduction = _text(root, "introduction")
        blocks = [(_text(b, "paragraphtitle"), _text(b, "paragraph")) for b in root.xpath("content/contentblock")]
        if doc_type == TRANSCRIPT_TYPE:
            seen: set[str] = set()
            for turn in transcript_statements(introduction, blocks):
                turn_id = f"{record_id}#{turn_fingerprint(turn)}"
                if turn_id in seen:
                    continue  # the same question and answer twice in one transcript: one statement
                seen.add(turn_id)
                yield self.statement(
                    **common,
                    title=f"{title}: {turn['heading']}" if turn["heading"] else title,
                    text=turn["text"],
                    record_id=turn_id,
                    speaker=turn["speaker"],
                    speaker_role=turn["role"],
                    context=turn["question"] or None,
                )
            return
        content = "".join(f"<h2>{heading}</h2>{paragraph}" if heading else paragraph for heading, paragraph in blocks)
        yield self.statement(
            **common,
            title=title,
            text=(introduction + content) or title,  # PDF-only letters: the title is all there is
            record_id=record_id,
        )


def turn_fingerprint(turn: dict) -> str:
    """A transcript statement's id within its document: a hash of who answered
    what to which question, never its position, so that a transcript split
    differently (a question found where there was none, a turn removed)
    keeps the ids of the others. Markup does not count, only the words
    (core.text.text_fingerprint folds case, accents, quotes and spacing)."""
    words = [_TAG.sub(" ", turn.get(part) or "") for part in ("question", "text")]
    return text_fingerprint("\n".join([turn.get("speaker") or "", *words]))[:16]


def _xml_root(response):
    try:
        roots = Selector(text=response.text, type="xml").xpath("/*")
    except ValueError:
        return None
    return roots[0] if roots else None


def _text(node, path: str) -> str:
    """The whitespace-trimmed text (CDATA included) of the first ``path`` under ``node``."""
    return (node.xpath(f"string({path})").get() or "").strip()


def published_date(root) -> str | None:
    """The date the site shows (``frontenddate``), in Dutch time.

    Not ``initialdate``: for an old report put online later, that is the
    upload date (the recorded list has a 1998 report with initialdate 2021).
    """
    front = _text(root, "frontenddate")
    if front:
        try:
            return dt.datetime.fromisoformat(front.replace("Z", "+00:00")).astimezone(AMSTERDAM).date().isoformat()
        except ValueError:
            pass
    for name in ("initialdate", "available"):
        if _text(root, name):
            return _text(root, name)[:10]
    return None


def transcript_statements(introduction: str, blocks: list[tuple[str, str]]) -> list[dict]:
    """A press-conference transcript as statements: the opening statement,
    then one per question-and-answer pair.

    Journalists are labelled with their outlet on their first question
    ("BORGMAN (RADIO 1)"), and by name only afterwards; every other label is
    a member of the government.
    """
    intro_text = " ".join(Selector(text=introduction or "<p></p>").xpath("string(.)").get().split())
    html = "".join(f"<h2>{heading}</h2>{paragraph}" if heading else paragraph for heading, paragraph in blocks)
    elements = Selector(text=f"<div>{html}</div>").xpath("//body/div/*")
    journalists: set[str] = set()
    statements: list[dict] = []
    heading = ""
    question: list[str] = []
    answer: list[str] = []
    speaker_label = None
    current_is_question = False

    def flush():
        if answer:
            name, role = _official(speaker_label, intro_text)
            statements.append({"heading": heading, "question": "".join(question), "text": "".join(answer),
                               "speaker": name, "role": role})

    for element in elements:
        tag = element.xpath("name()").get()
        if tag in ("h2", "h3"):
            flush()
            heading, question, answer, current_is_question = " ".join(element.xpath("string(.)").get().split()), [], [], False
            continue
        turn = _TURN.match(element.get())
        label = turn.group("label").strip() if turn else ""
        if turn and label == label.upper() and any(c.isalpha() for c in label):
            base = label.split("(")[0].strip()
            text = f"<p>{turn.group('rest').strip()}</p>"
            if "(" in label or base in journalists:
                journalists.add(base)
                if answer:  # a new question closes the previous pair
                    flush()
                    question, answer = [], []
                question.append(text)
                current_is_question = True
            else:
                if not answer:
                    speaker_label = base
                answer.append(text)
                current_is_question = False
        elif current_is_question:
            question.append(element.get())
        else:
            if not answer and not question and speaker_label is None:
                speaker_label = _opening_speaker(intro_text)
            answer.append(element.get())
    flush()
    return statements


def _opening_speaker(intro_text: str) -> str | None:
    """The chair named in the introduction ("... van viceminister-president De Jonge na ...")."""
    match = re.search(r"\b(?:minister-president|viceminister-president|minister|staatssecretaris)\s+"
                      r"((?:(?:van|der|den|de|ter|ten)\s+)*[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)", intro_text)
    return match.group(1) if match else None


def _official(label: str | None, intro_text: str) -> tuple[str | None, str | None]:
    """A speaker label as the introduction writes the name, with the role it gives."""
    if not label:
        return None, None
    found = re.search(rf"([\w-]*(?:minister|staatssecretaris)[\w-]*)\s+({re.escape(label)})\b", intro_text, re.IGNORECASE)
    if found:
        return found.group(2), found.group(1)
    words = label.lower().split()
    name = " ".join(w if (i and w in _NAME_PARTICLES) else w.capitalize() for i, w in enumerate(words))
    return name, None
