"""The gazetteer: which bodies, officials and roles speak for a state, and
which words of an article say what country it is about.

Data lives in config/gazetteer.yml (bodies, functions, officials, country
words) and stationwatch/press/languages.yml (speech verbs, role words,
non-state speakers, pronouns per language). This module compiles them into
one alternation per kind of mention, so that a text is scanned once and every
match says what it named, and resolves a body from a function ("the interior
ministry") and the article's country evidence.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent.parent / "config" / "gazetteer.yml"
LANGUAGES = Path(__file__).resolve().parent / "languages.yml"
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Body:
    name: str
    country: str
    kind: str
    function: str | None = None
    region: str | None = None
    hints: tuple = ()


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    body: Body


@dataclass
class Mention:
    """One name found in a text, with where it was found.

    kind: person, body (a named body), function (an ambiguous name of a
    function: "the foreign ministry"), role ("spokesperson", "ministr vnitra":
    ``function`` set when the word names one, ``bodies`` when it names a
    body: "BKA-Sprecher"), coref ("the ministry":
    ``function`` is the kind of body it points back to, None for any),
    unofficial, parliament, former, pronoun. ``origin``: for a later use of
    a name the gazetteer does not know, the mention that introduced it (its
    country evidence is there: "die deutsche Botschafterin Patricia Flor")."""

    kind: str
    start: int
    end: int
    text: str
    person: Person | None = None
    bodies: tuple = ()
    function: str | None = None
    origin: "Mention | None" = None


@dataclass(frozen=True)
class Evidence:
    start: int
    end: int
    country: str
    region: str | None = None


def _alias_pattern(alias: str, ignore_case: bool = False) -> str:
    """Latin aliases match at word boundaries, the first letter in either case
    (sentence starts), the rest as written unless ``ignore_case``; CJK and
    Hangul aliases match anywhere (no spaces between words, particles attached)."""
    alias = " ".join(str(alias).split())
    if _CJK_CHAR.search(alias):
        return re.escape(alias).replace(r"\ ", r"\s*")
    first, rest = alias[0], alias[1:]
    head = f"[{re.escape(first.lower())}{re.escape(first.upper())}]" if first.isalpha() else re.escape(first)
    body = re.sub("['’]", "['’]", re.escape(rest).replace(r"\ ", r"\s+"))
    if ignore_case:
        body = "(?i:" + body + ")"
    # Latin words end at a Latin letter or digit boundary: "NGO団体" is "NGO".
    tail = "" if not alias[-1].isalnum() else r"(?![0-9A-Za-z\u00c0-\u024f])"
    lead = r"(?<![0-9A-Za-z\u00c0-\u024f])" if alias[0].isalnum() else r"(?<![\w-])"
    return rf"{lead}{head}{body}{tail}"


def _compounds(alias: str, suffixes: list[str]) -> list[str]:
    """Compound role nouns made of a one-word name and a role word, as German
    and Dutch write them: "Innenministerium" + "sprecher" is
    "Innenministeriumssprecher", "BKA" + "Sprecher" is "BKA-Sprecher",
    "OM" + "woordvoerder" is "OM-woordvoerder"."""
    alias = str(alias)
    if not suffixes or " " in alias or _CJK_CHAR.search(alias) or not alias[-1].isalpha() or len(alias) < 2:
        return []
    if alias.isupper():  # an acronym: joined by a hyphen
        return [f"{alias}-{suffix}" for suffix in suffixes]
    return [alias + joint + suffix.lower() for suffix in suffixes for joint in ("", "s")]


_WORD_BEFORE = r"(?<![0-9A-Za-z\u00c0-\u024f])"
_WORD_AFTER = r"(?![0-9A-Za-z\u00c0-\u024f])"


def _either_case(ch: str) -> str:
    lower, upper = ch.lower(), ch.upper()
    if lower == upper or len(lower) != 1 or len(upper) != 1:
        return re.escape(ch)
    return f"[{re.escape(lower)}{re.escape(upper)}]"


def _atoms(alias: str, ignore_case: bool) -> tuple[str, ...]:
    """The pattern of ``alias`` one character at a time (as _alias_pattern
    writes it), so that many aliases share their prefixes in one trie."""
    if _CJK_CHAR.search(alias):
        return tuple(r"\s*" if c == " " else (_either_case(c) if ignore_case else re.escape(c)) for c in alias)
    atoms = [_either_case(alias[0]) if alias[0].isalpha() else re.escape(alias[0])]
    for c in alias[1:]:
        atoms.append(r"\s+" if c == " " else "['’]" if c in "'’" else _either_case(c) if ignore_case else re.escape(c))
    return tuple(atoms)


def _key(text: str, ignore_case: bool) -> str:
    """What a match and the alias it matched have in common."""
    text = text.replace("’", "'")
    text = "".join(text.split()) if _CJK_CHAR.search(text) else " ".join(text.split())
    if ignore_case:
        return text.lower()
    return text[:1].lower() + text[1:]


def _trie_pattern(aliases: list[tuple[tuple[str, ...], str]]) -> str:
    """One regex for many aliases, their common prefixes factored out (a
    trie): each position of a text is tried once per prefix, not once per
    alias. Where one alias extends another the longer is tried first."""
    root: dict = {}
    for atoms, tail in aliases:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[None] = tail

    def build(node: dict) -> str:
        alternatives = [atom + build(child) for atom, child in node.items() if atom is not None]
        if None in node:
            alternatives.append(node[None])
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    return build(root) if root else ""


class _Alternation:
    """Many aliases in one regex; each match maps back to its payloads.
    Latin aliases match at word boundaries, the first letter in either case;
    CJK and Hangul ones anywhere (see _alias_pattern). At a position the
    longest alias wins."""

    def __init__(self, entries: list[tuple[str, object]], ignore_case: bool = False):
        self.ignore_case = ignore_case
        self.payloads: dict[str, list] = {}
        groups: dict[str, dict] = {"cjk": {}, "word": {}, "other": {}}
        for alias, payload in entries:
            if alias is None or not str(alias).strip():
                continue
            alias = " ".join(str(alias).split())
            payloads = self.payloads.setdefault(_key(alias, ignore_case), [])
            if payload not in payloads:  # a body's name that is also one of its aliases
                payloads.append(payload)
            group = "cjk" if _CJK_CHAR.search(alias) else "word" if alias[0].isalnum() else "other"
            tail = _WORD_AFTER if group != "cjk" and alias[-1].isalnum() else ""
            groups[group][_atoms(alias, ignore_case)] = tail
        parts = []
        if groups["cjk"]:
            parts.append(_trie_pattern(list(groups["cjk"].items())))
        if groups["word"]:
            parts.append(_WORD_BEFORE + _trie_pattern(list(groups["word"].items())))
        if groups["other"]:
            parts.append(r"(?<![\w-])" + _trie_pattern(list(groups["other"].items())))
        self.regex = re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None

    def finditer(self, text: str):
        if self.regex is None:
            return
        for m in self.regex.finditer(text):
            payloads = self.payloads.get(_key(m.group(), self.ignore_case))
            if payloads:
                yield m, payloads


@dataclass
class Gazetteer:
    bodies: list[Body]
    people: list[Person]
    languages: dict = field(default_factory=dict)
    functions: dict = field(default_factory=dict)
    countries: dict = field(default_factory=dict)
    actions: dict = field(default_factory=dict)
    by_function: dict = field(default_factory=dict)
    _names: _Alternation | None = None
    _corefs: _Alternation | None = None
    _evidence: _Alternation | None = None
    _lang_cache: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None, languages: str | Path | None = None) -> "Gazetteer":
        spec = yaml.safe_load(Path(path or DEFAULT_GAZETTEER).read_text(encoding="utf-8"))
        langs = yaml.safe_load(Path(languages or LANGUAGES).read_text(encoding="utf-8"))
        bodies, entries, by_name, by_function = [], [], {}, {}
        suffixes = sorted({str(w) for rules in langs.values() for w in (rules or {}).get("compound_roles") or []})
        for raw in spec.get("bodies", []):
            body = Body(raw["name"], raw["country"], raw.get("kind", "government"), raw.get("function"), raw.get("region"))
            bodies.append(body)
            by_name[body.name] = body
            by_function.setdefault((body.country, body.function), []).append(body)
            entries += [(a, ("body", body)) for a in [body.name, *raw.get("aliases", [])]]
            entries += [(c, ("bodyrole", body)) for a in raw.get("aliases", []) for c in _compounds(a, suffixes)]
        people = []
        for raw in spec.get("people", []):
            if raw["body"] not in by_name:
                raise ValueError(f"gazetteer: {raw['name']} speaks for unknown body {raw['body']!r}")
            person = Person(raw["name"], raw["role"], by_name[raw["body"]])
            people.append(person)
            entries += [(a, ("person", person)) for a in [person.name, *raw.get("aliases", [])]]
        functions = spec.get("functions", {}) or {}
        for name, raw in functions.items():
            entries += [(a, ("function", name)) for a in raw.get("aliases", []) or []]
            entries += [(a, ("role", name)) for a in raw.get("roles", []) or []]
            entries += [(c, ("role", name)) for a in raw.get("aliases", []) or [] for c in _compounds(a, suffixes)]
        # "the department" points back to a body named before: matched after
        # the names, never over one ("the Department of Foreign Affairs").
        coreference = spec.get("coreference") or {}
        if isinstance(coreference, list):
            coreference = {"any": coreference}
        corefs = [(a, ("coref", None if kind == "any" else kind)) for kind, words in coreference.items() for a in words or []]
        countries = spec.get("countries", {}) or {}
        evidence = []
        for code, raw in countries.items():
            evidence += [(a, (code, None)) for a in raw.get("names", [])]
            for region, words in (raw.get("regions") or {}).items():
                evidence += [(w, (code, region)) for w in words]
        gz = cls(bodies, people, langs, functions, countries, spec.get("actions", {}), by_function)
        gz._names = _Alternation(entries)
        gz._corefs = _Alternation(corefs)
        gz._evidence = _Alternation(evidence)
        return gz

    # -- languages --------------------------------------------------------

    def knows_language(self, language: str | None) -> bool:
        return bool(language) and language in self.languages

    def language(self, language: str) -> dict:
        return self.languages.get(language) or {}

    def _language_words(self, language: str) -> _Alternation:
        if language not in self._lang_cache:
            words = []
            for lang in dict.fromkeys((language, "en")):
                rules = self.language(lang)
                for kind in ("unofficial", "parliament", "roles", "former"):
                    words += [(w, kind) for w in rules.get(kind, []) or []]
            self._lang_cache[language] = _Alternation(words, ignore_case=True)
        return self._lang_cache[language]

    def words(self, language: str, kind: str) -> re.Pattern:
        """One pattern for a list of words of ``language`` (and English)."""
        key = (language, kind)
        if key not in self._lang_cache:
            words = list(self.language(language).get(kind, []) or []) + (
                [] if language == "en" else list(self.language("en").get(kind, []) or []))
            alternatives = sorted((_alias_pattern(w, True) for w in words if str(w).strip()), key=len, reverse=True)
            self._lang_cache[key] = re.compile("|".join(alternatives) if alternatives else r"(?!x)x")
        return self._lang_cache[key]

    def speech_verbs(self, language: str) -> re.Pattern:
        return self.words(language, "speech")

    def action_verbs(self, language: str) -> re.Pattern:
        key = (language, "actions")
        if key not in self._lang_cache:
            words = list(self.actions.get(language, [])) + ([] if language == "en" else list(self.actions.get("en", [])))
            alternatives = sorted((_alias_pattern(w, True) for w in words), key=len, reverse=True)
            self._lang_cache[key] = re.compile("|".join(alternatives) if alternatives else r"(?!x)x")
        return self._lang_cache[key]

    # -- mentions ---------------------------------------------------------

    def mentions(self, text: str, language: str = "en", evidence: list["Evidence"] | None = None) -> list[Mention]:
        """Every person, body, function, role word, non-state speaker and
        pronoun in ``text`` (quotes masked out first), in order. ``evidence``:
        ``self.evidence(text)`` when the caller has it already."""
        found: list[Mention] = []
        for m, payloads in self._names.finditer(text):
            kind = payloads[0][0]
            if kind == "person":
                found.append(Mention("person", m.start(), m.end(), m.group(), person=payloads[0][1]))
            elif kind == "bodyrole":  # "BKA-Sprecher", "OM-woordvoerder": a role word of one body
                found.append(Mention("role", m.start(), m.end(), m.group(),
                                     bodies=tuple(p[1] for p in payloads if p[0] == "bodyrole")))
            elif kind == "body":
                found.append(Mention("body", m.start(), m.end(), m.group(),
                                     bodies=tuple(p[1] for p in payloads if p[0] == "body")))
            else:
                found.append(Mention(kind, m.start(), m.end(), m.group(), function=payloads[0][1]))
        taken = [(x.start, x.end) for x in found]
        for m, payloads in self._corefs.finditer(text) if self._corefs else ():
            # "the department" never over "the Department of Foreign Affairs",
            # but "the Government body" over "Government": the longer name wins.
            over = [x for x in found if x.start < m.end() and m.start() < x.end]
            if all(x.end - x.start < m.end() - m.start() for x in over):
                found = [x for x in found if x not in over]
                found.append(Mention("coref", m.start(), m.end(), m.group(), function=payloads[0][1]))
        found.sort(key=lambda x: x.start)
        taken = [(x.start, x.end) for x in found]
        for m, payloads in self._language_words(language).finditer(text):
            if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
                continue
            kind = {"roles": "role"}.get(payloads[0], payloads[0])
            found.append(Mention(kind, m.start(), m.end(), m.group()))
            taken.append((m.start(), m.end()))
        for m in self.words(language, "pronouns").finditer(text):
            if not any(s <= m.start() < e for s, e in taken):
                found.append(Mention("pronoun", m.start(), m.end(), m.group()))
        found.sort(key=lambda x: x.start)
        # "前", "元", "전" (former) are also parts of other words (目前, 地元, 전했다):
        # they count only right before the name they qualify (前外长, 元外相, 전 장관).
        # So does Hungarian "volt" (former; also "was": "Arra volt kíváncsi").
        loose = set(self.language(language).get("former_adjacent_only") or ())
        found = [x for x in found if not (x.kind == "former" and (_CJK_CHAR.match(x.text) or x.text.lower() in loose))
                 or any(y is not x and 0 <= y.start - x.end <= 1 for y in found)]
        places = [(e.start, e.end) for e in (self.evidence(text) if evidence is None else evidence)]
        return sorted(found + introduced_names(text, found, places), key=lambda x: x.start)

    def evidence(self, text: str) -> list[Evidence]:
        """Every word of ``text`` that names a country (or a region of one)."""
        return [Evidence(m.start(), m.end(), *payloads[0]) for m, payloads in self._evidence.finditer(text)]

    # -- resolution -------------------------------------------------------

    def adjacent_only(self, country: str) -> bool:
        return bool((self.countries.get(country) or {}).get("adjacent_only"))

    def body_for(self, country: str | None, function: str | None, regions: Counter | None = None) -> Body | None:
        """The body doing ``function`` for ``country``; a Land's own body when
        the article names its region, else the national one."""
        if country is None or function is None:
            return None
        candidates = self.by_function.get((country, function), [])
        if not candidates and function == "embassy":
            # An ambassador of a country whose embassies we do not list speaks for its foreign ministry.
            candidates = self.by_function.get((country, "foreign"), [])
        if not candidates:
            return None
        regional = [b for b in candidates if b.region and regions and regions.get(b.region)]
        if regional:
            return max(regional, key=lambda b: regions[b.region])
        national = [b for b in candidates if not b.region]
        return national[0] if national else None

    def topic_country(self, function: str | None) -> str | None:
        return (self.functions.get(function) or {}).get("topic_country") if function else None


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: str | None = None) -> Gazetteer:
    """The gazetteer, loaded once per process and path."""
    return Gazetteer.load(path)


# Names the gazetteer does not know, introduced once with what they are.
_NAME_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_NAME_PARTICLES = {"de", "da", "do", "dos", "das", "del", "van", "von", "der", "den", "di", "du", "le", "la"}
_INTRODUCING = ("parliament", "unofficial", "former")
# "BIS Michal Koudelka", "(BIS) Michal Koudelka"; ", senior analytiker vid Säpo", ", directora de campaña de ...":
# a short apposition (no clause: no relative pronoun, no sentence end) before the body.
_AFTER_BODY = re.compile(r"\)? ")
_APPOSITION = re.compile(r", (?!(?:who|which|that|que|qui|che|die|der|das|dat|som|který|která|aki|amely|wie)\b)"
                         r"(?:[^\W\d_][\w'’-]* ){0,6}", re.IGNORECASE)
# Capitalised words that are parts of institutions' names, not of people's.
_NOT_NAMES = {"Committee", "Select", "Office", "Department", "Ministry", "Minister", "Secretary", "House", "Council",
              "Service", "Police", "Agency", "Bureau", "Court", "Commission", "Parliament", "Senate", "Embassy",
              "Station", "Stations", "Overseas", "Centre", "Center", "Act", "Strategy", "Report"}
_HONORIFICS = {"Prof", "Dr", "Mr", "Ms", "Mrs", "Sir", "Dame", "Herr", "Frau", "M", "Mme", "Sr", "Sra", "Dott", "Mag",
               "Ing", "dhr", "mevrouw", "meneer"}
# "Chinese Ambassador to New Zealand Wu Xi": a place between the role and the name.
_PARTICLE_GAP = r"\s+(?:(?:de|da|do|dos|das|del|van|von|der|den|di)\s+)?"  # "Cotrim Figueiredo", "Cotrim de Figueiredo"
# "Karl Melin på Säkerhetspolisen", "Jane Doe at the Home Office": a name, then where the person works.
_AT_BODY = re.compile(r" (?:på|vid|at|bei|bij) (?:the |der |dem |de |het )?")
_AT_PLACE = re.compile(r" (?:to|in|at|for|en|em|no|na|nel|in der|à|au) (?:the )?(?:[A-Z][\w'’-]+ ){1,3}")


def _capitalised_runs(text: str) -> list[list[re.Match]]:
    """Runs of two or more capitalised words, particles allowed between
    them ("João Cotrim de Figueiredo", "Pablo Cambronero")."""
    runs, current = [], []
    for w in _NAME_WORD.finditer(text):
        word = w.group()
        gap = text[current[-1].end():w.start()] if current else None
        # "Matthew G. Olsen": a middle initial and its full stop join the run
        joined = current and (gap == " " or (gap == ". " and len(current[-1].group()) == 1))
        if word[0].isupper() and not _CJK_CHAR.match(word):
            if not joined:
                current = []
            current.append(w)
            continue
        if joined and word in _NAME_PARTICLES and current[-1].group()[0].isupper():
            current.append(w)
            continue
        runs.append(current)
        current = []
    runs.append(current)
    return [run for run in runs if len(run) >= 2]


def _name_span(run: list, taken: list[tuple[int, int]]) -> tuple[int, int, list[str]] | None:
    """The run less the words up to the last one already named or naming a
    place ("Onderzoeker Jan Aerdts": the role word opens the sentence; "New
    Zealand Wu Xi"; "Green MSP Ross Greer") and trailing particles, if two
    names are left."""
    named = [i for i, w in enumerate(run) if any(s < w.end() and w.start() < e for s, e in taken)]
    if named:  # "Green MSP Ross Greer": the words after the last one already named
        run = run[named[-1] + 1:]
    while run and run[0].group() in _NAME_PARTICLES:
        run = run[1:]
    while run and run[-1].group() in _NAME_PARTICLES:
        run = run[:-1]
    names = [w.group() for w in run if w.group() not in _NAME_PARTICLES]
    if len(names) < 2 or any(s < run[-1].end() and run[0].start() < e for s, e in taken):
        return None
    return run[0].start(), run[-1].end(), names


def _alone(text: str, start: int, end: int) -> bool:
    """A surname on its own, not a word of a longer capitalised name
    ("Stations" in "Police Stations Act")."""
    after = _NAME_WORD.match(text, end + 1) if text[end:end + 1] == " " else None
    before = re.search(r"(^|.)\s*([^\W\d_][\w'’-]*) $", text[max(0, start - 40):start], re.DOTALL)
    # A capitalised word that opens its sentence ("Según Cambronero") is no part of a name.
    name_before = before and before.group(2)[0].isupper() and before.group(1) not in ("", ".", "!", "?", "\n", ":") \
        and before.group(2).rstrip(".") not in _HONORIFICS
    return not (after and after.group()[0].isupper()) and not name_before


def _role_between(text: str, body_end: int, name_start: int, roles: list[Mention]) -> bool:
    """A role word alone between a body and a name: "Säkerhetspolisens chef Klas Friberg"."""
    return any(text[body_end:r.start] in (" ", ") ") and text[r.end:name_start] == " " for r in roles)


def introduced_names(text: str, found: list[Mention], places: list[tuple[int, int]] = ()) -> list[Mention]:
    """Mentions of people the gazetteer does not know, from the way the article
    introduces them: "del diputado Pablo Cambronero ... Según Cambronero",
    "João Cotrim de Figueiredo, deputado ... citou Cotrim Figueiredo",
    "researcher Jane Doe ... Doe said". The name right after a word for a
    member of parliament, a non-state speaker or a former official (or before
    it, with a comma) is that kind of speaker, and so is each later use of its
    surname(s); the first word (a given name) alone is not. So is a name right
    after a state body ("ředitel BIS Michal Koudelka") or set before a short
    apposition naming one ("Henrik Edvinsson, senior analytiker vid Säpo"):
    that body's person."""
    taken = [(x.start, x.end) for x in found]
    introducers = [x for x in found if x.kind in _INTRODUCING or (x.kind == "role" and (x.function or x.bodies))
                   or (x.kind == "body" and x.bodies and all(b.kind == "parliament" for b in x.bodies))]
    appositive = [x for x in found if x.kind in ("body", "function", "unofficial")]
    roles = [x for x in found if x.kind == "role"]
    added: list[Mention] = []
    for run in _capitalised_runs(text):
        span = _name_span(run, taken + list(places))
        if span is None:
            continue
        start, end, names = span
        intro = next((x for x in introducers if text[x.end:start] in (" ", ", ") or _AT_PLACE.fullmatch(text[x.end:start])
                      or text[end:x.start] in (", ", ", o ", ", a ", ", the ", ", el ", ", la ", ", il ")), None)
        if intro is None and not set(names) & _NOT_NAMES:
            intro = next((x for x in appositive if x.kind != "unofficial" and (
                _AFTER_BODY.fullmatch(text[x.end:start]) or _role_between(text, x.end, start, roles))),
                         None) or next((x for x in appositive if x.start > end and (
                _APPOSITION.fullmatch(text[end:x.start]) or _AT_BODY.fullmatch(text[end:x.start]))), None)
        if intro is None:
            continue
        full = text[start:end]
        added.append(Mention(intro.kind, start, end, full, bodies=intro.bodies, function=intro.function, origin=intro))
        taken.append((start, end))
        rest = names[1:]  # surnames: the last word, or the last ones ("Cotrim Figueiredo")
        later = {_PARTICLE_GAP.join(map(re.escape, rest[i:])) for i in range(len(rest))}
        later.add(_PARTICLE_GAP.join(map(re.escape, names)))  # in full again
        if len(names) == 2:  # family name first: "Wu Xi ... Wu said", "Tompos Márton ... Tompos"
            later.add(re.escape(names[0]))
        alternatives = sorted(later, key=len, reverse=True)
        pattern = re.compile(_WORD_BEFORE + "(?:" + "|".join(alternatives) + ")" + _WORD_AFTER)
        for m in pattern.finditer(text, end):
            if not any(s < m.end() and m.start() < e for s, e in taken) and _alone(text, m.start(), m.end()):
                added.append(Mention(intro.kind, m.start(), m.end(), full, bodies=intro.bodies, function=intro.function,
                                     origin=intro))
                taken.append((m.start(), m.end()))
    return added
