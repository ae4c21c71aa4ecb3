"""Quoted statements and reported actions in an article, with who made them.

What a journalist writes, in any of the languages we read:

    A Home Office spokesperson said: “Any foreign country ... must abide by UK law.”
    “We are investigating,” Dutch foreign ministry spokeswoman Maxime Hovenkamp told AFP.
    „Solche Polizeistationen ...“, so Kiesewetter.
    «Ho letto la notizia, ma non ne so nulla», così il ministro ... Matteo Salvini.

How it is read (the rules the issue asks for, in order):

1. Quote marks are paired by position, not by shape: a mark after a space
   opens, a mark before a space or punctuation closes. Real pages mix “ with
   ", « with ”, » with «; „ “ and 「」 work the same way. A quote still open
   at the end of a paragraph runs on into the next paragraph that opens
   with a quote mark (the house style for long statements).
2. Only statements count: a quote of at least four words starting with a
   capital, or of at least ten words. "police station", “unacceptable” and
   “to close and cease operations” are words woven into reported speech.
3. The speaker is the nearest name around the quote in its own sentence or
   a neighbouring one (quotes masked out first): an official from the
   gazetteer, a role word with a body ("a spokesperson for the Department of
   Foreign Affairs"), a body that "said", a non-state speaker (an NGO, a
   manager, a correspondent), or a pronoun that points back to the last of
   those. A speech verb with no subject ("ha spiegato") continues the last
   speaker. Never the speaker: the one who asked, the one spoken to ("tegen
   RTL Nieuws", "한국 정부에"), what follows "that". A name the gazetteer
   does not know keeps what the article introduced it as ("del diputado
   Pablo Cambronero ... Según Cambronero"); one introduced as nothing, at
   the speech verb ("said Anna Lee"), makes the quote unattributed. Nothing
   found: unattributed.
4. Consecutive quotes of one speaker, interrupted only by their attribution
   ("“A,” she said, “B.”") or by a new paragraph that is only the quote,
   are one statement.
5. A sentence with no statement quote that names a body and an action verb
   ("the Department of Foreign Affairs ordered the centre to close") is a
   reported action of that body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from collections import Counter

from stationwatch.press.gazetteer import Body, Gazetteer, Mention, load_gazetteer

_ALWAYS_OPEN = "„「『‚"
_ALWAYS_CLOSE = "」』"
_QUOTE_MARKS = '"“”„‟«»「」『』″‚'
# Single marks (British ‘…’ and '…', Dutch ‘…’): ‘ and ' open, ’ and ' close.
_SINGLE_MARKS = "‘’'"
_SINGLE_OPEN = "‘'"
_ELISION = re.compile(r"(?:s|t|n|k)(?:\s|-)")  # Dutch 's avonds, 't, 'n, 's-Hertogenbosch
_BEFORE_OPEN = set(" \t\n([—–-/:")
_AFTER_CLOSE = set(" \t\n.,;:!?)…]—–-")
# A sentence ends at . ! ? ; before a space (not after a digit: "am 3. November"), or a paragraph.
_SENTENCE_END = re.compile(r"(?<!\d)[.!?;](?=\s)|[。！？；]|\n\n")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
MASK = "\x00"
MIN_WORDS_CAPITALISED = 4
MIN_WORDS = 10
MERGE_GAP = 140  # characters of attribution allowed between two parts of one statement
PREVIOUS_SENTENCE = 200  # distance penalty for a name in the sentence before the quote's
NEXT_SENTENCE = 260  # ... and after it: journalists name the speaker first more often
SPEECH_VERB_BONUS = 150  # a name next to the quote's speech verb is its speaker
_APPOSITION_BREAK = re.compile(r"(?<!\w)(?:of|for|von|van|der)(?!\w)", re.IGNORECASE)
_SPOKES = re.compile(r"spokes|woordvoer|sprecher|portav|porte-parole", re.IGNORECASE)
_MINISTERIAL = re.compile(r"minist|secretar", re.IGNORECASE)


@dataclass
class Quote:
    start: int  # offset of the first quoted character in the article text
    end: int  # offset just after the last quoted character
    paragraph: int
    closed: bool
    open_mark: int  # offset of the opening mark


@dataclass
class Speaker:
    status: str  # official, unofficial, unattributed
    name: str | None = None
    role: str | None = None
    body: Body | None = None
    said_until: int = -1  # end of the sentence where this speaker last spoke

    @property
    def key(self):
        return (self.status, self.name, self.body.name if self.body else None)


@dataclass
class Attributed:
    """One statement or reported action found in an article."""

    kind: str  # quoted_statement, reported_action
    text: str
    status: str  # official, unofficial, unattributed
    speaker: str | None
    role: str | None
    body: str | None
    country: str | None
    paragraph: str  # the paragraph(s) it came from: context for relevance

    @property
    def official(self) -> bool:
        return self.status == "official"


@dataclass
class ArticleQuotes:
    statements: list[Attributed] = field(default_factory=list)
    skipped: str | None = None  # why the article was not read (a language without rules)

    def of(self, status: str, kind: str = "quoted_statement") -> list[Attributed]:
        return [s for s in self.statements if s.status == status and s.kind == kind]

    @property
    def official(self) -> list[Attributed]:
        """What becomes a Statement: official quotes and reported actions."""
        return [s for s in self.statements if s.status == "official"]


_PUNCTUATION = " .,;:!?–—-\n" + _QUOTE_MARKS + "‘’'"
_SPEAKER_KINDS = ("person", "role", "body", "function", "unofficial", "parliament", "coref", "pronoun", "former")

_DASH_OPEN = re.compile(r"^[–—-]\s+")


def find_quotes(paragraphs: list[str], dash_speech: re.Pattern | None = None,
                speech: re.Pattern | None = None) -> list[Quote]:
    """Quoted passages in the article text ``"\\n\\n".join(paragraphs)``.

    With ``dash_speech`` (languages that quote with a dash: sv, cs, hu), a
    paragraph opening with a dash is a quote up to its attribution: the last
    ", <speech verb>" or " – " in it, else the paragraph's end. With
    ``speech``, an attribution set between dashes inside a quote ("“... – ha
    aggiunto Piantedosi –. Sono ...”") is cut out of it: two quotes, the
    attribution between them."""
    quotes = _find_quotes(paragraphs, dash_speech)
    if speech is None:
        return quotes
    text = "\n\n".join(_double_commas(p) for p in paragraphs)
    interjection = re.compile(_INTERJECTION.format(speech=speech.pattern, marks=re.escape(_QUOTE_MARKS)), re.IGNORECASE)
    return [part for q in quotes for part in _cut_interjection(q, text, interjection)]


_INTERJECTION = (r"\s[–—]\s*(?=(?:{speech}))[^–—\n{marks}]{{3,90}}?\s[–—]"
                 # "« ... à Montréal, a souligné le sergent Poirier. On peut ... »": a new sentence after it
                 r"|,\s(?=(?:{speech})\s)[^,;:!?.\n{marks}]{{3,80}}?\.\s(?=(?-i:[A-ZÀ-Ý]))")


def _cut_interjection(q: Quote, text: str, interjection: re.Pattern) -> list[Quote]:
    found = interjection.search(text, q.start, q.end)
    if found is None or not text[q.start:found.start()].strip():
        return [q]
    if not _NAME_START.search(text, found.start() + 2, found.end() - 1):
        return [q]  # "– ha spiegato –" names no one: one statement, by whoever the sentence says
    rest = found.end()
    while rest < q.end and text[rest] in " .,;:":
        rest += 1
    first = Quote(q.start, found.start() + 1, q.paragraph, True, q.open_mark)
    if rest >= q.end:
        return [first]
    return [first] + _cut_interjection(Quote(rest, q.end, q.paragraph, q.closed, found.end() - 1), text, interjection)


def _find_quotes(paragraphs: list[str], dash_speech: re.Pattern | None) -> list[Quote]:
    quotes: list[Quote] = []
    offset = 0
    for index, para in enumerate(paragraphs):
        para = _double_commas(para)
        dash = _DASH_OPEN.match(para) if dash_speech is not None else None
        if dash and not any(c in _QUOTE_MARKS for c in para[:3]):
            end = len(para)
            tails = [m.start() for m in re.finditer(r",\s+(?=(?:" + dash_speech.pattern + r"))", para)]
            inner = para.find(" – ", dash.end())
            if tails:
                end = tails[-1]
            elif inner > 0:
                end = inner
            quotes.append(Quote(offset + dash.end(), offset + end, index, True, offset))
            offset += len(para) + 2
            continue
        inside_from = None
        single_from, depth = None, 0
        for i, ch in enumerate(para):
            if ch not in _QUOTE_MARKS and ch not in _SINGLE_MARKS:
                continue
            before = para[i - 1] if i else " "
            after = para[i + 1] if i + 1 < len(para) else " "
            if ch in _SINGLE_MARKS:
                if inside_from is not None:
                    continue  # “... ‘Fuzhou Police Overseas Service Station’ ...”: words quoted inside a quote
                # Single marks are apostrophes too ("Tugendhat’s", "l'Interno", Dutch "'s avonds"):
                # one opens only after a space before a word, closes only after a word before a space.
                opens = ch in _SINGLE_OPEN and before in _BEFORE_OPEN and (after.isalnum() or after in _QUOTE_MARKS) \
                    and not (ch == "'" and _ELISION.match(para, i + 1))
                closes = not before.isspace() and (after in _AFTER_CLOSE or bool(_CJK.match(after)))  # '비밀 경찰서'를
                if single_from is None:
                    if opens and not closes:
                        single_from = i
                elif opens and not closes:
                    depth += 1  # 'the FCDO told them such 'police service stations' must not operate'
                elif closes:
                    if depth:
                        depth -= 1
                    else:
                        quotes.append(Quote(offset + single_from + 1, offset + i, index, True, offset + single_from))
                        single_from = None
                continue
            if single_from is not None:
                continue
            opens = ch in _ALWAYS_OPEN or (ch not in _ALWAYS_CLOSE and before in _BEFORE_OPEN)
            closes = ch in _ALWAYS_CLOSE or (ch not in _ALWAYS_OPEN and after in _AFTER_CLOSE)
            if inside_from is None and (opens or not closes):
                inside_from = i
            elif inside_from is not None and (closes or not opens):
                quotes.append(Quote(offset + inside_from + 1, offset + i, index, True, offset + inside_from))
                inside_from = None
        start = inside_from if inside_from is not None else single_from
        if start is not None:
            quotes.append(Quote(offset + start + 1, offset + len(para), index, False, offset + start))
        offset += len(para) + 2
    return quotes


def _double_commas(para: str) -> str:
    """Dutch ,,quote” opens with two commas: make it one mark, same length."""
    return re.sub(r"(^|(?<=\s)),,(?=\S)", " „", para)


def is_statement(text: str) -> bool:
    """A statement, not a few words woven into reported speech."""
    text = text.strip()
    if len(_CJK.findall(text)) >= 10:
        return True
    words = len(text.split())
    first = next((c for c in text if c.isalpha()), "")
    return words >= MIN_WORDS or (words >= MIN_WORDS_CAPITALISED and first.isupper())


def clean_quote(text: str) -> str:
    """The words only: no dangling comma or mark where the attribution cut in."""
    text = " ".join(text.replace("\n\n", "\u2029").split(" ")).strip()
    text = text.strip(" ,\u00a0" + _QUOTE_MARKS + _SINGLE_MARKS)
    return "\n\n".join(" ".join(p.split()) for p in text.split("\u2029"))


class QuoteReader:
    """Reads one article's paragraphs with a gazetteer."""

    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gz = gazetteer or load_gazetteer()
        self._people = {p.name for p in self.gz.people}  # speakers the gazetteer names: never "introduced"

    def read(self, paragraphs: list[str], language: str = "en", title: str = "",
             outlet_country: str | None = None) -> ArticleQuotes:
        language = (language or "").lower()[:2]
        if not self.gz.knows_language(language):
            return ArticleQuotes(skipped=f"no attribution rules for language {language or 'unknown'!r}")
        paragraphs = [p.strip() for p in paragraphs if p and p.strip()]
        text = "\n\n".join(_double_commas(p) for p in paragraphs)
        speech = self.gz.speech_verbs(language)
        quotes = find_quotes(paragraphs, speech if self.gz.language(language).get("dash_quotes") else None, speech)
        masked = _mask(text, quotes)
        near = self.gz.evidence(masked)  # the country words: read once for the mentions, the evidence and the places
        mentions = self.gz.mentions(masked, language, evidence=near)
        stops = [0] + [m.end() for m in _SENTENCE_END.finditer(masked)] + [len(text)]
        para_starts = _paragraph_starts(paragraphs)
        hint_text = _Evidence(self.gz, title, text, masked, stops, para_starts, paragraphs, outlet_country,
                              mentions, bool(self.gz.language(language).get("adjective_after")), near=near)
        self._subjects = self.gz.words(language, "subjects")
        self._askers = self.gz.words(language, "askers")
        self._addressees = self.gz.words(language, "addressees")
        self._language = language
        self._addressee_particles = tuple(self.gz.language(language).get("addressee_particles") or ())
        self._places = [(e.start, e.end) for e in near]
        self._speech = speech
        self._para_starts, self._paragraphs = para_starts, paragraphs
        self._mentions, self._stops, self._masked = mentions, stops, masked
        self._statements = [(q.start, q.end) for q in quotes if is_statement(text[q.start:q.end])]
        rules = self.gz.language(language)
        markers = rules.get("subject_markers") or []
        self._markers = re.compile("|".join(map(re.escape, markers))) if markers else None
        topic = rules.get("topic_markers") or []
        self._topic = re.compile("|".join(map(re.escape, topic))) if topic else None
        self._verb_last = bool(rules.get("speaker_before_verb"))
        self._parliament_countries = rules.get("parliament_countries")

        result = ArticleQuotes()
        self._attributions: list[tuple[int, int, Speaker]] = []  # sentences that gave an unnamed official speaker
        previous: tuple[Quote, Speaker, Attributed] | None = None
        last_speaker: Speaker | None = None
        for q in quotes:
            quote_text = text[q.start:q.end]
            at_para_start = q.open_mark == para_starts[q.paragraph]
            continuation = previous is not None and (
                (q.paragraph == previous[0].paragraph + 1 and at_para_start and (
                    not previous[0].closed or self._only_quote(q, masked, mentions, para_starts, paragraphs)))
                or (q.paragraph == previous[0].paragraph and previous[1].status != "unattributed"
                    and self._attribution_gap(masked, previous[0], q)
                    and not self._names_in_sentence(q, mentions, stops))
            )
            if not continuation and not is_statement(quote_text):
                continue
            if not q.closed and not continuation and not self._may_run_on(q, text, quotes, para_starts):
                continue  # an opening mark never closed mid-sentence: a typo, not a statement
            if continuation:
                speaker = previous[1]
            else:
                speaker = self._speaker(q, masked, mentions, stops, speech, hint_text, last_speaker)
                if speaker.status == "official" and speaker.role and speaker.name not in self._people:
                    self._attributions.append((*_sentence_around(stops, q.open_mark, q.end), speaker))
            if previous is not None and (continuation or self._same_statement(previous, q, speaker, masked, para_starts, paragraphs)):
                prev_q, prev_speaker, item = previous
                joiner = "\n\n" if q.paragraph != prev_q.paragraph else " "
                item.text = clean_quote(item.text) + joiner + clean_quote(quote_text)
                if q.paragraph != prev_q.paragraph:
                    item.paragraph += "\n\n" + paragraphs[q.paragraph]
                previous = (q, prev_speaker, item)
                continue
            item = Attributed(
                kind="quoted_statement", text=clean_quote(quote_text), status=speaker.status, speaker=speaker.name,
                role=speaker.role, body=speaker.body.name if speaker.body else None,
                country=speaker.body.country if speaker.body else None, paragraph=paragraphs[q.paragraph],
            )
            result.statements.append(item)
            previous = (q, speaker, item)
            if speaker.status != "unattributed":
                last_speaker = speaker
                last_speaker.said_until = _sentence_around(stops, q.open_mark, q.end)[1]
        for item in result.statements:
            item.text = clean_quote(item.text)
        result.statements.extend(self._actions(text, masked, mentions, stops, quotes, paragraphs, para_starts, language, hint_text))
        return result

    # -- speakers ---------------------------------------------------------

    def _speaker(self, q: Quote, masked: str, mentions: list[Mention], stops: list[int], speech: re.Pattern,
                 ev: "_Evidence", last_speaker: Speaker | None) -> Speaker:
        own_lo, own_hi = _sentence_around(stops, q.open_mark, q.end)
        win_lo = _previous_sentence_start(stops, masked, own_lo)
        win_hi = _sentence_around(stops, min(own_hi + 1, len(masked) - 1), min(own_hi + 1, len(masked) - 1))[1]
        para_lo = self._para_starts[q.paragraph]
        para_hi = para_lo + len(self._paragraphs[q.paragraph])
        if not masked[para_lo:para_hi].replace(MASK, "").strip(_PUNCTUATION):
            # A paragraph that is only a quote is attributed by the paragraph
            # before ("Poirier later told CBC News ..." / "“These activities
            # ...”"; "kommenterar nu ambassadören Gui Congyou" / "– Vi är ..."),
            # never by the one after.
            introducer = self._introducer(q.paragraph - 1, masked, mentions, stops, speech) if q.paragraph else None
            if introducer is not None:
                return self._resolve(introducer, [introducer], mentions, masked, stops, ev, last_speaker, q)
            win_lo, win_hi = max(win_lo, para_lo), min(win_hi, para_hi)  # no one introduced it: its own words only
        asker = self._asking(q, masked, mentions, own_lo, speech)
        if asker is not None:
            return self._resolve(asker, [asker], mentions, masked, stops, ev, last_speaker, q)
        caption = next((c for c in _CAPTION_BEFORE.finditer(masked, para_lo, q.open_mark + 1) if c.end() >= q.open_mark),
                       None)
        if caption:
            # "[왕하이쥔/동방명주 실소유자/2022년 : "…"]": a broadcast's caption names who speaks
            named = [m for m in mentions if caption.start(1) <= m.start and m.end <= caption.end(1)]
            if named:
                return self._resolve(named[0], named, mentions, masked, stops, ev, last_speaker, q)
            return Speaker("unattributed", caption.group(1).strip())
        bracketed = _BRACKET_AFTER.match(masked, q.end)
        if bracketed:  # "「許可なく設置され…」(トゥゲンドハット氏)": the name in brackets after the quote
            inside = [m for m in mentions if bracketed.start(1) <= m.start and m.end <= bracketed.end(1)
                      and m.kind in ("person", "role", "body", "parliament")]
            if inside:
                return self._resolve(inside[0], inside, mentions, masked, stops, ev, last_speaker, q)
        candidates = []
        for m in mentions:
            if m.end <= win_lo or m.start >= win_hi:
                continue
            distance = q.open_mark - m.end if m.end <= q.open_mark else m.start - q.end
            if distance < 0 or self._asked(m, masked) or self._addressed(m, masked):
                continue
            if q.end <= m.start < own_hi and _COMPLEMENTISER.search(masked, q.end, m.start):
                continue  # "“…,” uvedla a poukázala na to, že … BIS": what she said, not who
            if m.start < own_lo:
                distance += PREVIOUS_SENTENCE
            elif m.start >= own_hi:
                distance += NEXT_SENTENCE
            elif self._at_speech_verb(m, masked, own_lo, own_hi, speech):
                distance -= SPEECH_VERB_BONUS
                if self._topic and self._topic.match(masked, m.end):
                    distance -= SPEECH_VERB_BONUS  # "외교부는 정부가 … "…"고": the topic speaks, not the clause's subject
            candidates.append((distance, m))
        unknown = self._unknown_subject(q, masked, mentions, own_lo, own_hi, speech)
        if unknown is not None:
            candidates.append(unknown)
        if not any(own_lo <= m.start < own_hi or (para_lo <= m.start < own_lo) for _, m in candidates):
            # No one named in the quote's own sentence or before it in its
            # paragraph: a speech verb with no subject of its own ("se lee en el
            # comunicado") continues the last speaker.
            own = masked[own_lo:own_hi]
            verb = speech.search(own)
            if verb and last_speaker is not None and not self._new_subject(own, verb):
                return last_speaker
        if not candidates:
            return Speaker("unattributed")
        candidates.sort(key=lambda c: c[0])
        nearest = candidates[0][1]
        if nearest.start < own_lo and not any(own_lo <= m.start < own_hi for _, m in candidates):
            # The quote's own sentence names no one: the subject of the sentence
            # before speaks ("Hoekstra heeft de ambassadeur laten weten dat ...
            # “We moeten ...”"), not the last name in it.
            lo, hi = _sentence_around(stops, nearest.start, nearest.end)
            in_sentence = [m for _, m in candidates if lo <= m.start < hi]
            # "... è intervenuta Erica Mazzetti e ieri il sindaco Nardella ha risposto": the last who spoke
            speaking = [m for m in in_sentence if (m.kind in ("person", "parliament", "unofficial") or m.origin is not None)
                        and self._at_speech_verb(m, masked, lo, hi, speech)]
            nearest = max(speaking, key=lambda m: m.start) if speaking else min(in_sentence, key=lambda m: m.start)
        window = [m for _, m in candidates]
        speaker = self._resolve(nearest, window, mentions, masked, stops, ev, last_speaker, q)
        if nearest.kind == "pronoun" and speaker.status == "unattributed" and speaker.name is None:
            # "發言人在…說，“…”他說": a pronoun pointing back to no one named before is the
            # next one named, who introduced the quote
            others = [m for _, m in candidates if m is not nearest and m.kind != "pronoun"]
            if others:
                return self._resolve(others[0], window, mentions, masked, stops, ev, last_speaker, q)
        return speaker

    def _asking(self, q: Quote, masked: str, mentions: list[Mention], own_lo: int, speech: re.Pattern) -> Mention | None:
        """The quote is the question itself: "en respuesta a una pregunta del
        diputado Pablo Cambronero, del Grupo Mixto, sobre “…”" - the asker's words."""
        asked = [m for m in mentions if own_lo <= m.start and m.end <= q.open_mark
                 and m.kind in ("person", "parliament") and self._asked(m, masked)]
        if not asked:
            return None
        gap = masked[asked[-1].end:q.open_mark]
        if len(gap) > 60 or speech.search(gap) or not _ABOUT.search(gap):
            return None
        return asked[-1]

    def _unknown_subject(self, q: Quote, masked: str, mentions: list[Mention], lo: int, hi: int,
                         speech: re.Pattern) -> tuple[int, Mention] | None:
        """Someone the gazetteer does not know, as the subject of the quote's
        speech verb ("said Mei Chiu, coordinator ...", "Pedro Neto explica",
        "王靖渝在Twitter上表示"): a candidate that makes the quote unattributed,
        so that the nearest known name (an official two sentences back) does
        not take it."""
        named = [(m.start, m.end) for m in mentions]  # in Chinese a place word is part of a name ("中國民主黨")
        taken = named + self._places
        best = None
        if self._language == "zh" and q.open_mark > 0 and masked[q.open_mark - 1] in ":：":
            # "陳闖創律師:「……」": the colon attributes like a verb.
            colon = q.open_mark - 1
            clause_lo = _clause_start(masked, lo, colon, ends=_CLAUSE_ENDS.replace("：:", ""))  # an earlier colon does not end it
            if len(_CJK.findall(masked[clause_lo:colon])) >= 2 and not any(clause_lo <= s < colon for s, _ in named):
                best = (-SPEECH_VERB_BONUS, Mention("unknown", clause_lo, colon, masked[clause_lo:colon]))
        for verb in speech.finditer(masked, lo, hi):
            if MASK in masked[verb.start():verb.end()]:
                continue
            if self._language == "zh" and _CJK.match(masked, verb.start()):
                clause_lo = _clause_start(masked, lo, verb.start())
                if len(_CJK.findall(masked[clause_lo:verb.start()])) < 2 or any(
                        clause_lo <= s < verb.start() for s, _ in named):
                    continue
                span = (clause_lo, verb.start())
            else:
                span = None
                for run in _NAME_RUN.finditer(masked, max(lo, verb.start() - 140), min(hi, verb.end() + 60)):
                    between = masked[run.end():verb.start()]
                    # "Mei Chiu said", "Lia Quartapelle, responsabile esteri del Pd, ha chiesto"; not "... Street, saying"
                    before = between == " " or bool(_APPOSITION_GAP.fullmatch(between))
                    after = not self._verb_last and masked[verb.end():run.start()] == " "
                    if (before or after) and not any(s < run.end() and run.start() < e for s, e in taken):
                        span = (run.start(), run.end())
                        break
                if span is None:
                    continue
            distance = (q.open_mark - span[1] if span[1] <= q.open_mark else span[0] - q.end) - SPEECH_VERB_BONUS
            if distance + SPEECH_VERB_BONUS >= 0 and (best is None or distance < best[0]):
                best = (distance, Mention("unknown", span[0], span[1], masked[span[0]:span[1]]))
        return best

    def _at_speech_verb(self, m: Mention, masked: str, lo: int, hi: int, speech: re.Pattern) -> bool:
        """The subject of the attribution: a name right before the speech verb
        ("Poirier said"), right after it where the language allows ("a indiqué
        le secrétaire d'État ..., Tom Tugendhat"), or marked as the subject
        ("대변인은", "長官は")."""
        if self._markers and self._markers.match(masked, m.end):
            return True
        for verb in speech.finditer(masked, lo, hi):
            if 0 <= lo + 0 and 0 <= verb.start() - m.end <= 25:
                return True
            if not self._verb_last and m.kind in ("person", "role", "body", "function") and 0 <= m.start - verb.end() <= 45 \
                    and not verb.group().lower().startswith(("told", "tell")) \
                    and not _COMPLEMENTISER.search(masked, verb.end(), m.start):
                return True
        return False

    def _introducer(self, index: int, masked: str, mentions: list[Mention], stops: list[int],
                    speech: re.Pattern) -> Mention | None:
        """The subject of a speech verb in the last sentence of paragraph
        ``index`` that holds no quote of its own: who a quote-only paragraph after it is by."""
        para_lo = self._para_starts[index]
        para_hi = para_lo + len(self._paragraphs[index])
        lo, hi = _sentence_around(stops, max(para_hi - 1, para_lo), max(para_hi - 1, para_lo))
        lo = max(lo, para_lo)
        if any(lo <= start < hi for start, _ in self._statements):
            return None  # its own quote's attribution, not an introduction (a quoted word or two is no quote)
        speaking = [m for m in mentions if lo <= m.start < hi and m.kind in _SPEAKER_KINDS
                    and not self._asked(m, masked) and self._at_speech_verb(m, masked, lo, hi, speech)]
        return speaking[0] if speaking else None

    def _asked(self, m: Mention, masked: str) -> bool:
        """The one who asked ("in an answer to a question from MP Joana
        Cotar", "Antwort auf die schriftliche Frage der Abgeordneten"): not
        the one who answered."""
        before = masked[max(0, m.start - 45):m.start]
        return any(not re.search(r"[.!?;\n]", before[a.end():]) for a in self._askers.finditer(before))

    def _addressed(self, m: Mention, masked: str) -> bool:
        """The one spoken to ("zegt minister Hoekstra tegen RTL Nieuws", "heeft
        de minister aan de Chinese ambassadeur laten weten", "ha detto al
        ministro"): the mention right after an addressee word, with at most an
        article or a nationality between."""
        if self._addressee_particles and masked.startswith(self._addressee_particles, m.end):
            return True  # "한국 정부에", "中国側に": the particle after the name marks it
        before = masked[max(0, m.start - 40):m.start]
        offset = m.start - len(before)
        for a in self._addressees.finditer(before):
            gap_start = offset + a.end()
            words = list(re.finditer(r"\S+", masked[gap_start:m.start]))
            if all(w.group().casefold() in _ARTICLES or any(
                    s <= gap_start + w.start() < e for s, e in self._places) for w in words):
                return True
        return False

    def _new_subject(self, sentence: str, verb: re.Match) -> bool:
        """"zegt een winkelier", "says a local man": the verb has a subject of
        its own, not a pronoun or nothing; that ends the last speaker's turn."""
        after = sentence[verb.end():].replace(MASK, " ").split()
        if not after:
            return False
        word = after[0].strip(",.;:")
        return bool(self._subjects.fullmatch(word)) or (word[:1].isupper() and len(after) > 0 and word.isalpha())

    def _resolve(self, m: Mention, window: list[Mention], mentions: list[Mention], masked: str, stops: list[int],
                 ev: "_Evidence", last_speaker: Speaker | None, q: Quote) -> Speaker:
        if m.kind == "unknown":
            return self._introduced(m) or Speaker("unattributed", m.text)
        if m.kind in ("person", "role", "parliament") and self._former(m, mentions):
            return Speaker("unofficial", m.text)
        if m.kind == "person":
            return _person_speaker(m)
        if m.kind in ("unofficial", "former"):
            return Speaker("unofficial", m.text)
        if m.kind == "parliament":
            body = self._function_body(m, ev, "parliament")
            return Speaker("official", m.text, "member of parliament", body) if body else Speaker("unattributed")
        if m.kind == "pronoun":
            # "she said": the subject of the latest sentence naming someone,
            # unless the last speaker spoke after that sentence.
            said_until = getattr(last_speaker, "said_until", -1) if last_speaker else -1
            subject = self._latest_subject(m.start, mentions, stops, after=said_until)
            if subject is not None:
                # "X's claims were investigated, Tugendhat said. 'I can confirm ...,' he said":
                # the one who spoke in that sentence, not the first one named in it.
                lo, hi = _sentence_around(stops, subject.start, subject.end)
                speaking = [x for x in mentions if lo <= x.start < hi and x.start > said_until and x.end <= m.start
                            and x.kind in ("person", "unofficial") and self._at_speech_verb(x, masked, lo, hi, self._speech)]
                if not speaking:
                    # "Scholz müsse ... fordern, sagte Verbandschef Dolkun Isa": the one at its verb, unknown
                    unknown = self._unknown_subject(q, masked, mentions, lo, hi, self._speech)
                    if unknown is not None and unknown[1].start > subject.start:
                        return Speaker("unattributed", unknown[1].text)
                subject = speaking[0] if speaking else subject
                if subject.origin is not None:  # a person the article introduced ("Henrik Edvinsson, ... vid Säpo")
                    return self._resolve(subject, window, mentions, masked, stops, ev, last_speaker, q)
                return _person_speaker(subject) if subject.kind == "person" else Speaker("unofficial", subject.text)
            return last_speaker or Speaker("unattributed")
        if m.kind == "role":
            lo, hi = _sentence_around(stops, m.start, m.end)
            owner = next((x for x in mentions if x.kind == "unofficial" and lo <= x.start < hi
                          and (0 <= x.start - m.end <= 30 or 0 <= m.start - x.end <= 3)
                          and not self._addressed(x, masked)), None)
            if owner is not None:  # "a spokesperson for the restaurant", "restaurant spokesperson"
                return Speaker("unofficial", owner.text)
            # "spokeswoman Maxime Hovenkamp", "il ministro dell'Interno, Matteo Piantedosi"
            # but not "a spokeswoman of minister Nancy Faeser's ministry"
            for x in mentions:
                if x.kind == "person" and 0 <= x.start - m.end <= 40 and not _APPOSITION_BREAK.search(masked[m.end:x.start]):
                    return _person_speaker(x)
            if m.function or m.bodies:  # "Innenministeriumssprecher", "외교부 대변인", "BKA-Sprecher"
                body = self._function_body(m, ev) if m.function else self._body_of(
                    Mention("body", m.start, m.end, m.text, bodies=m.bodies), ev)
                if body is None:
                    return Speaker("unattributed")
                return Speaker("official", f"{body.name} spokesperson" if _SPOKES.search(m.text) else m.text, m.text, body)
            if _MINISTERIAL.search(m.text) and not _SPOKES.search(m.text):
                earlier = [x for x in mentions if x.end <= m.start and x.kind == "person"]
                if earlier and m.start - earlier[-1].end < 400:  # "de minister": the minister just named
                    return _person_speaker(earlier[-1])
            same_sentence = [x for x in mentions if lo <= x.start < hi and x.kind in ("body", "function", "person", "coref")]
            body = None
            if same_sentence:
                nearest = min(same_sentence, key=lambda x: abs(x.start - m.start))
                body = self._body_of(nearest, ev)
            if body is None:
                body = self._context_body(m.start, mentions, ev, stops)
            if body is None:
                return Speaker("unattributed")
            label = "spokesperson" if _SPOKES.search(m.text) or not _MINISTERIAL.search(m.text) else m.text
            return Speaker("official", f"{body.name} spokesperson" if label == "spokesperson" else body.name, m.text, body)
        role = next((r for r in mentions if r.kind == "role" and 0 <= r.start - m.end <= 3), None)
        if role is not None:  # "Dutch foreign ministry spokeswoman ...", "Home Office spokesman"
            person = next((x for x in mentions if x.kind == "person" and 0 <= x.start - role.end <= 3), None)
            if person is not None:  # "RCMP Sgt. Charles Poirier"
                return _person_speaker(person)
            body = self._body_of(m, ev)
            if body is not None:
                return Speaker("official", f"{body.name} spokesperson", role.text, body)
            return Speaker("unattributed")
        body = self._body_of(m, ev)
        if body is None:
            return Speaker("unattributed")
        if m.origin is not None:  # a person the article introduced as this body's ("ředitel BIS Michal Koudelka")
            return Speaker("official", m.text, m.origin.text, body)
        return Speaker("official", body.name, "statement", body)

    def _introduced(self, m: Mention) -> Speaker | None:
        """A name the gazetteer does not know, introduced earlier as the
        unnamed official who spoke ("declarou a porta-voz ... para os Assuntos
        Internos, Anitta Hipper" ... "adiantou Anitta Hipper"): that official."""
        first = self._masked.find(m.text, 0, m.start)
        if first < 0:
            return None
        for lo, hi, speaker in self._attributions:
            if lo <= first < hi:
                return Speaker("official", m.text, speaker.role, speaker.body)
        return None

    def _former(self, m: Mention, mentions: list[Mention]) -> bool:
        return any(x.kind == "former" and 0 <= m.start - x.end <= 12 for x in mentions)

    def _function_body(self, m: Mention, ev: "_Evidence", function: str | None = None) -> Body | None:
        function = function or m.function
        # a language's word for an MP ("Kamerlid", "riksdagsledamot") is for its own countries' parliaments
        own = self._parliament_countries if function == "parliament" else None
        for country in ev.countries(m.origin or m, function):
            if own and country not in own:
                continue
            body = self.gz.body_for(country, function, ev.regions)
            if body is not None:
                return body
        return None

    def _body_of(self, m: Mention, ev: "_Evidence") -> Body | None:
        if m.kind == "coref":
            return self._context_body(m.start, self._mentions, ev, self._stops, kind=m.function)
        if m.kind == "person":
            return m.person.body
        if m.kind in ("function", "role"):
            return self._function_body(m, ev) if m.function else None
        if not m.bodies:
            return None
        qualified = ev.qualifier(m.origin or m)  # "Guo Jiakun, porta-voz do ministério ... chinês": the body named
        if qualified and all(b.country != qualified for b in m.bodies):
            # "Het Chinese ministerie van Buitenlandse Zaken": China's, or none
            return self.gz.body_for(qualified, m.bodies[0].function, ev.regions)
        if len(m.bodies) == 1:
            return m.bodies[0]
        for country in ev.countries(m, m.bodies[0].function):
            found = next((b for b in m.bodies if b.country == country), None)
            if found:
                return found
        return None

    def _context_body(self, position: int, mentions: list[Mention], ev: "_Evidence", stops: list[int],
                      kind: str | None = None) -> Body | None:
        """The body an unnamed "spokesperson" or "the ministry" speaks for: the
        subject (first body named, of ``kind`` if given) of the latest sentence
        before ``position`` that names one, within the two sentences before.
        "The department" counts as the body it points back to."""
        kinds = ("body", "function", "person", "coref")
        bodies = {}
        for x in mentions:
            if x.kind in kinds and x.end <= position:
                body = self._body_of(x, ev)
                if body is not None and (kind is None or body.kind == kind):
                    bodies[id(x)] = body
        candidates = [x for x in mentions if id(x) in bodies]
        subject = self._latest_subject(position, candidates, stops, kinds=kinds)
        if subject is None:
            return None
        s_lo, s_hi = _sentence_around(stops, subject.start, subject.end)
        # "Dat China de Nederlandse overheid niet heeft ingelicht, is volgens het
        # ministerie illegaal": the body the sentence is attributed to, not its object.
        subject = next((x for x in candidates if s_lo <= x.start < s_hi and x.end <= position
                        and self._at_speech_verb(x, self._masked, s_lo, s_hi, self._speech)), subject)
        lo, _ = _sentence_around(stops, position, position)
        earlier = _sentence_starts(self._masked, [s for s in stops if s <= lo])
        if len(earlier) >= 3 and subject.start < earlier[-3]:
            return None
        return bodies[id(subject)]

    @staticmethod
    def _latest_subject(position: int, mentions: list[Mention], stops: list[int], after: int = -1,
                        kinds: tuple = ("person", "unofficial")) -> Mention | None:
        """The first mention of ``kinds`` in the latest sentence before
        ``position`` (and after ``after``) that has one: who a pronoun or a
        generic name points back to."""
        earlier = [x for x in mentions if x.end <= position and x.start > after and (x.kind in kinds or x.origin is not None)]
        if not earlier:
            return None
        lo, _ = _sentence_around(stops, earlier[-1].start, earlier[-1].end)
        return next(x for x in earlier if x.start >= lo)

    @staticmethod
    def _same_statement(previous, q: Quote, speaker: Speaker, masked: str, para_starts: list[int], paragraphs) -> bool:
        """Two quotes of one speaker separated only by their attribution
        ("“A,” she said, “B.”") are one statement."""
        prev_q, prev_speaker, _ = previous
        if speaker.key != prev_speaker.key or speaker.status == "unattributed":
            return False
        if q.paragraph - prev_q.paragraph > 1:
            return False
        return QuoteReader._attribution_gap(masked, prev_q, q)

    @staticmethod
    def _attribution_gap(masked: str, prev_q: Quote, q: Quote) -> bool:
        """Between the two quotes stands at most an attribution: nothing, or a
        clause opened by a comma ("," she said.) of one sentence at most. A
        new sentence ("». Salvini ha anche aggiunto che «") starts a new statement."""
        gap = masked[prev_q.end + 1:q.open_mark].replace(MASK, " ")
        core = gap.strip(" ,.;:\n")
        if len(core) <= 3:
            return True
        if gap.lstrip(" \n")[:1] in (".", "!", "?") or len(core) > MERGE_GAP:
            return False
        return len(re.findall(r"(?<!\d)[.!?](?=\s|$)", core)) == 0

    @staticmethod
    def _names_in_sentence(q: Quote, mentions: list[Mention], stops: list[int]) -> bool:
        lo, hi = _sentence_around(stops, q.open_mark, q.end)
        return any(lo <= m.start < hi and m.kind != "pronoun" for m in mentions)

    @staticmethod
    def _only_quote(q: Quote, masked: str, mentions: list[Mention], para_starts: list[int], paragraphs) -> bool:
        """The paragraph holds the quote and nothing that names anyone."""
        para_end = para_starts[q.paragraph] + len(paragraphs[q.paragraph])
        return not any(para_starts[q.paragraph] <= m.start < para_end for m in mentions) and not masked[
            q.end + 1:para_end].replace(MASK, "").strip(" .,;\u201d\"")

    @staticmethod
    def _may_run_on(q: Quote, text: str, quotes: list[Quote], para_starts: list[int]) -> bool:
        """An unclosed quote is a statement when it opens its paragraph or
        follows a colon, or when the next paragraph carries it on."""
        if q.open_mark == para_starts[q.paragraph] or text[:q.open_mark].rstrip().endswith(":"):
            return True
        return any(n.paragraph == q.paragraph + 1 and n.open_mark == para_starts[n.paragraph] for n in quotes)

    # -- reported actions -------------------------------------------------

    def _actions(self, text, masked, mentions, stops, quotes, paragraphs, para_starts, language, hint_text):
        verbs = self.gz.action_verbs(language)
        found, seen = [], set()
        statement_spans = [(q.open_mark, q.end) for q in quotes if is_statement(text[q.start:q.end])]
        for lo, hi in zip(stops, stops[1:]):
            sentence = masked[lo:hi]
            if any(lo <= s < hi for s, _ in statement_spans):
                continue
            verb = verbs.search(sentence)
            if not verb:
                continue
            actors = [m for m in mentions if lo <= m.start < hi and m.kind in ("body", "function", "person", "coref")]
            if not actors:
                continue
            before_verb = [m for m in actors if m.start < lo + verb.start()] or actors
            actor = before_verb[-1] if before_verb is not actors else actors[0]
            body = self._body_of(actor, hint_text)
            if body is None:
                continue
            sentence_text = " ".join(text[lo:hi].split()).strip(" .") + "."
            if (body.name, sentence_text) in seen:
                continue
            seen.add((body.name, sentence_text))
            index = max(i for i, s in enumerate(para_starts) if s <= lo + 1) if para_starts else 0
            found.append(Attributed(
                kind="reported_action", text=sentence_text, status="official",
                speaker=actor.person.name if actor.kind == "person" else None,
                role=actor.person.role if actor.kind == "person" else None,
                body=body.name, country=body.country, paragraph=paragraphs[index],
            ))
        return found


def _mask(text: str, quotes: list[Quote]) -> str:
    chars = list(text)
    for q in quotes:
        for i in range(q.open_mark, min(q.end + 1, len(chars))):
            if chars[i] != "\n":
                chars[i] = MASK
    return "".join(chars)


_CLAUSE_ENDS = "，,。：:；;」』”\x00\n"


def _clause_start(masked: str, lo: int, end: int, ends: str = _CLAUSE_ENDS) -> int:
    """Where the Chinese clause ending at ``end`` starts: after the last of
    ``ends`` (comma, stop, colon, closing quote, masked quote), not before ``lo``."""
    return max(max(masked.rfind(c, lo, end) for c in ends) + 1, lo)


def _previous_sentence_start(stops: list[int], masked: str, own_lo: int) -> int:
    """Where the sentence before the one starting at ``own_lo`` starts,
    stepping over the blank "sentence" between two paragraphs ("... redes
    sociais.\n\n“O tratamento ...”, diz o comunicado")."""
    starts = _sentence_starts(masked, [s for s in stops if s <= own_lo])
    return starts[-2] if len(starts) >= 2 else 0


def _sentence_starts(masked: str, stops: list[int]) -> list[int]:
    """``stops`` less those that end nothing but blank space (". " then the
    paragraph's blank line is one sentence end), so that counting them counts
    sentences."""
    kept: list[int] = []
    for s in stops:
        if kept and not masked[kept[-1]:s].strip():
            kept[-1] = s
        else:
            kept.append(s)
    return kept


def _paragraph_starts(paragraphs: list[str]) -> list[int]:
    starts, offset = [], 0
    for p in paragraphs:
        starts.append(offset)
        offset += len(p) + 2
    return starts


def _sentence_around(stops: list[int], start: int, end: int) -> tuple[int, int]:
    lo = max((s for s in stops if s <= start), default=0)
    hi = min((s for s in stops if s > end), default=stops[-1])
    return lo, hi


# "pede que o Governo ...": after "that" comes what was said, not who said it.
_COMPLEMENTISER = re.compile(r"(?<!\w)(?:que|that|dat|dass|daß|che|att|že|hogy|qu['’])(?!\w)", re.IGNORECASE)
# ", <who the person is>, " between a name and its speech verb: no verb, no clause, no quote inside.
_APPOSITION_GAP = re.compile(r", (?![^,]*(?:\b(?:who|which|que|qui|che|die|der|dat|som|aki)\b))[^,.;:!?\x00]{3,80}, ")
# The last word before a question's own words: "sobre “…”", "about “…”".
_ABOUT = re.compile(r"(?:\b(?:sobre|about|on|über|zu|sur|su|sul|sulla|om|over|acerca de|a respeito de)|について)\s*$", re.IGNORECASE)
# A TV transcript's caption before the quote: "[왕하이쥔/동방명주 실소유자 : "…"]" (name/role/... :).
_CAPTION_BEFORE = re.compile(r"\[([^\[\]/:\n]{1,30})(?:/[^\[\]:\n]{0,40})*\s*:\s*")
# A closing mark, then brackets holding who said it: "」(トゥゲンドハット氏)".
_BRACKET_AFTER = re.compile(r"[\s\x00]{0,2}[（(]([^()（）\n]{1,40})[)）]")
_NAME_START = re.compile(r"\b[A-ZÀ-ÖØ-ÞĀ-ŽА-Я]")  # a capital: an interjection that names someone
# Two or more capitalised words: a name ("Mei Chiu", "Pedro Neto").
_NAME_RUN = re.compile(r"(?:[A-ZÀ-ÖØ-ÞĀ-ŽА-Я][\w'’-]+)(?: (?:(?:de|da|do|dos|del|van|von|der|di|la|le) )?[A-ZÀ-ÖØ-ÞĀ-ŽА-Я][\w'’-]+)+")
_ARTICLES = {"de", "het", "een", "the", "a", "an", "le", "la", "les", "l'", "l’", "el", "los", "las", "o", "os", "as",
             "il", "lo", "gli", "i", "der", "die", "das", "dem", "den", "des", "un", "una", "um", "uma"}
# Between a body's name and the place it belongs to: "... de Pequim", "... of China", "... di Pechino".
_OF_PLACE = re.compile(r"\s+(?:of|de|do|da|di|del|della|von|van|des|du|z|ze)(?:\s+(?:the|la|l'|l’))?\s+", re.IGNORECASE)
# "the embassy in London", "der diplomatischen Vertretung in Berlin": where it is, not whose
_LOCATED_IN = re.compile(r"\s+(?:in|à|en|em|no|na|a|i|v|ve|w)(?:\s+(?:the|la|le))?\s+", re.IGNORECASE)
_ATTACHED = re.compile(r"[\s'’-]*(?:(?:of|the|in|de|del|des|du|da|do|dos|das|di|della|dell|van|von|der|den|des|"
                       r"la|le|les|el|los|en|i|z|för|ze|az|a)[\s'’]+)*[\s'’-]*|[\sの의]{0,2}", re.IGNORECASE)


class _Evidence:
    """Where an article says it is: the country words near a mention, in its
    sentence, its paragraph, the article (with its headline), and the outlet's
    country. ``country(mention, function)`` resolves an ambiguous name by that
    evidence, nearest first, or not at all."""

    ADJACENT = 30  # characters either side: "Chinese foreign ministry", "ministère chinois"
    ADJACENT_CJK = 2  # characters before: "中国外務省", "중국 외교부", "中国の外務省"

    def __init__(self, gz: Gazetteer, title: str, text: str, masked: str, stops, para_starts, paragraphs, outlet,
                 mentions=(), adjective_after: bool = False, near: list | None = None):
        self.gz = gz
        self.stops = stops
        self.masked = masked
        self.mentions = list(mentions)
        self.adjective_after = adjective_after
        self.para_spans = [(s, s + len(p)) for s, p in zip(para_starts, paragraphs)]
        self.near = gz.evidence(masked) if near is None else near
        self.outlet = outlet
        everything = gz.evidence(title + "\n" + text)
        self.article = Counter(e.country for e in everything if not e.region and not gz.adjacent_only(e.country))
        self.regions = Counter(e.region for e in everything if e.region)

    def _top(self, evidence, strict: bool = False) -> str | None:
        counts = Counter(e.country for e in evidence if not self.gz.adjacent_only(e.country))
        if not counts:
            return None
        (first, n), *rest = counts.most_common(2) + [(None, 0)]
        second = rest[0][1]
        if n > second * (2 if strict else 1):
            return first
        return None

    def _adjacent(self, m: Mention) -> str | None:
        lo, hi = _sentence_around(self.stops, m.start, m.end)
        # Without spaces between words 30 characters is a clause: there only
        # the word before qualifies ("중국 외교부", "中国外交部", "中国の外務省").
        reach = self.ADJACENT_CJK if _CJK.search(m.text) else self.ADJACENT
        adjacent = [e for e in self.near if lo <= e.start < hi
                    and (0 <= m.start - e.end <= reach or (0 <= e.start - m.end <= reach and not _CJK.search(m.text)) or
                         (e.start <= m.start and e.end >= m.end))]
        # Next to it means in its noun phrase: only small words between ("the
        # foreign ministry of China", "el Ministerio de Exteriores chino"), not
        # "the foreign ministry said the Chinese embassy ...".
        adjacent = [e for e in adjacent if _ATTACHED.fullmatch(
            self.masked[e.end:m.start] if e.end <= m.start else self.masked[m.end:e.start] if e.start >= m.end else "")]
        if adjacent:
            return min(adjacent, key=lambda e: min(abs(m.start - e.end), abs(e.start - m.end))).country
        return None

    def qualifier(self, m: Mention) -> str | None:
        """The nationality written right next to a named body, not part of its
        name: "Het Chinese ministerie van Buitenlandse Zaken", "el Ministerio
        de Exteriores chino" (after it only where adjectives follow), or the
        place it is of: "o ministério dos Negócios Estrangeiros de Pequim"."""
        for e in self.near:
            gap = self.masked[e.end:m.start] if e.end <= m.start else self.masked[m.end:e.start] if e.start >= m.end else None
            if gap is None:
                continue
            if e.start >= m.end and _OF_PLACE.fullmatch(gap):
                return e.country  # "o ministério dos Negócios Estrangeiros de Pequim", "the foreign ministry of China"
            if len(gap) > 2 or gap.strip("  の의"):
                continue
            if e.end <= m.start or (self.adjective_after and not _CJK.search(m.text)):
                return e.country
        return None

    def _named_before(self, m: Mention, function: str | None) -> str | None:
        """The country of the latest earlier mention of the same function whose
        country was plain ("the Chinese foreign ministry ... the foreign
        ministry said"): a name repeated means the same body."""
        if function is None:
            return None
        for x in reversed([x for x in self.mentions if x.end <= m.start]):
            if x.kind in ("function", "role") and x.function == function:
                country = self._adjacent(x)
                if country:
                    return country
            elif x.kind == "body" and len(x.bodies) == 1 and x.bodies[0].function == function:
                return self.qualifier(x) or x.bodies[0].country
        return None

    def _actor_before(self, m: Mention) -> str | None:
        """The country of the government or ministry named last within the
        two sentences before ("Die chinesische Regierung warnte ... Das
        Außenministerium betont ...")."""
        lo, _ = _sentence_around(self.stops, m.start, m.end)
        starts = _sentence_starts(self.masked, [s for s in self.stops if s <= lo])
        floor = starts[-3] if len(starts) >= 3 else 0
        for x in reversed([x for x in self.mentions if floor <= x.start and x.end <= m.start]):
            if x.kind == "body" and len(x.bodies) == 1 and x.bodies[0].kind in ("government", "ministry"):
                return self.qualifier(x) or x.bodies[0].country
        return None

    def countries(self, m: Mention, function: str | None):
        """The countries ``m`` may be of, best evidence first: a country word
        next to it, an earlier mention of the same function whose country was
        plain, its sentence, its paragraph, the government or ministry named
        just before, the outlet's country (unless the article is mostly about
        another), the article, the function's topic country. Each level gives
        a country only when it is clear. An embassy's host ("in Berlin") is
        never its owner; one no nationality qualifies is the topic country's."""
        lo, hi = _sentence_around(self.stops, m.start, m.end)
        if function == "embassy":
            owner, host = self._owner_and_host(m)
            if owner:
                yield owner
                return
            if host:  # an embassy in Berlin is not Germany's: who owns it, the rest of the article says
                yield from (c for c in self._countries(m, function, lo, hi, host) if c != host)
                return
        yield from self._countries(m, function, lo, hi)

    def _owner_and_host(self, m: Mention) -> tuple[str | None, str | None]:
        """Whose embassy and where: "Kína magyarországi nagykövetsége" (China's
        Hungarian embassy: owner and host before it), "der diplomatischen
        Vertretung in Berlin" (the host after it)."""
        before = [e for e in self.near if e.end <= m.start and _ATTACHED.fullmatch(self.masked[e.end:m.start])]
        if before:
            nearest = max(before, key=lambda e: e.end)
            further = next((e for e in self.near if e.end <= nearest.start and e.country != nearest.country
                            and _ATTACHED.fullmatch(self.masked[e.end:nearest.start])), None)
            # Two places, either order ("budapesti kínai nagykövetség"): the topic's country owns it
            topic = self.gz.topic_country("embassy")
            if further is not None and topic in (nearest.country, further.country):
                return topic, further.country if nearest.country == topic else nearest.country
        after = next((e for e in self.near if e.start >= m.end and _LOCATED_IN.fullmatch(self.masked[m.end:e.start])), None)
        return None, after.country if after else None

    def _countries(self, m: Mention, function: str | None, lo: int, hi: int, host: str | None = None):
        adjacent = self._adjacent(m)
        if adjacent and adjacent != host:
            yield adjacent
            return  # a body qualified by a nationality is that country's or none
        found = self._named_before(m, function)
        if found:
            yield found
        topic = self.gz.topic_country(function)
        if m.kind == "function" and topic:
            # "the embassy" no nationality qualifies: the one the article is about
            # (China's), not one of the country the article is set in
            yield topic
            return
        found = self._top([e for e in self.near if lo <= e.start < hi])
        if found:
            yield found
        para = next(((a, b) for a, b in self.para_spans if a <= m.start <= b), None)
        if para:
            found = self._top([e for e in self.near if para[0] <= e.start < para[1]])
            if found:
                yield found
        found = self._actor_before(m)
        if found:
            yield found
        if self.outlet and (not self.article or self.article.most_common(1)[0][0] == self.outlet
                            or self.article.get(self.outlet, 0) * 2 >= self.article.most_common(1)[0][1]):
            yield self.outlet
        found = self._top(list(self.near), strict=True)
        if found:
            yield found
        if topic:
            yield topic


def _person_speaker(m: Mention) -> Speaker:
    p = m.person
    return Speaker("official", p.name, p.role, p.body)

