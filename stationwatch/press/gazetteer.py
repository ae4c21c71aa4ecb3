"""The gazetteer: which bodies, officials and roles speak for a state.

Data lives in config/gazetteer.yml (extend it there); this module compiles
it into one alternation per kind of mention, so that a paragraph is scanned
once and every match says what it named.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_GAZETTEER = Path(__file__).resolve().parent.parent.parent / "config" / "gazetteer.yml"


@dataclass(frozen=True)
class Body:
    name: str
    country: str
    kind: str
    hints: tuple = ()


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    body: Body


@dataclass
class Mention:
    """One name found in a text: a person, a body, a role word, a non-state
    speaker or a pronoun, with where it was found."""

    kind: str  # person, body, generic, role, unofficial, pronoun
    start: int
    end: int
    text: str
    person: Person | None = None
    bodies: tuple = ()  # candidate bodies (several when an alias is shared)
    generic_kind: str | None = None  # "the ministry" points back to a body of this kind


PRONOUNS = ["he", "she", "they", "hij", "zij", "ze", "sie", "er", "lei", "lui", "ella", "él", "il", "elle"]


def _alias_pattern(alias: str) -> str:
    """An alias matches at word boundaries; its first letter in either case
    (sentence starts), the rest as written (so "Interior" is not "interior")."""
    alias = " ".join(alias.split())
    first, rest = alias[0], alias[1:]
    head = f"[{re.escape(first.lower())}{re.escape(first.upper())}]" if first.isalpha() else re.escape(first)
    body = re.sub("['’]", "['’]", re.escape(rest).replace(r"\ ", r"\s+"))
    return rf"(?<!\w){head}{body}(?!\w)"


class _Alternation:
    """Many aliases in one regex; each match maps back to its payloads."""

    def __init__(self, entries: list[tuple[str, object]]):
        by_alias: dict[str, list] = {}
        for alias, payload in entries:
            by_alias.setdefault(" ".join(str(alias).split()), []).append(payload)
        ordered = sorted(by_alias, key=len, reverse=True)  # longest alias wins at a position
        self.payloads = {f"a{i}": by_alias[a] for i, a in enumerate(ordered)}
        self.regex = re.compile("|".join(f"(?P<a{i}>{_alias_pattern(a)})" for i, a in enumerate(ordered))) if ordered else None

    def finditer(self, text: str):
        if self.regex is None:
            return
        for m in self.regex.finditer(text):
            yield m, self.payloads[m.lastgroup]


@dataclass
class Gazetteer:
    bodies: list[Body]
    people: list[Person]
    speech: dict[str, list[str]] = field(default_factory=dict)
    actions: dict[str, list[str]] = field(default_factory=dict)
    _names: _Alternation | None = None
    _roles: _Alternation | None = None
    _unofficial: _Alternation | None = None
    _pronouns: re.Pattern | None = None

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Gazetteer":
        spec = yaml.safe_load(Path(path or DEFAULT_GAZETTEER).read_text(encoding="utf-8"))
        bodies, name_entries = [], []
        by_name: dict[str, Body] = {}
        for raw in spec.get("bodies", []):
            if raw.get("generic"):
                name_entries += [(a, ("generic", raw.get("kind"))) for a in raw.get("aliases", [])]
                continue
            body = Body(raw["name"], raw["country"], raw.get("kind", "government"), tuple(raw.get("hints", [])))
            bodies.append(body)
            by_name[body.name] = body
            name_entries += [(a, ("body", body)) for a in [body.name, *raw.get("aliases", [])]]
        people = []
        for raw in spec.get("people", []):
            if raw["body"] not in by_name:
                raise ValueError(f"gazetteer: {raw['name']} speaks for unknown body {raw['body']!r}")
            person = Person(raw["name"], raw["role"], by_name[raw["body"]])
            people.append(person)
            name_entries += [(a, ("person", person)) for a in [person.name, *raw.get("aliases", [])]]
        gz = cls(bodies, people, spec.get("speech", {}), spec.get("actions", {}))
        gz._names = _Alternation(name_entries)
        gz._roles = _Alternation([(r, ("role", None)) for r in spec.get("roles", [])])
        gz._unofficial = _Alternation([(u, ("unofficial", None)) for u in spec.get("unofficial", [])])
        gz._pronouns = re.compile(r"(?<!\w)(?:" + "|".join(PRONOUNS) + r")(?!\w)", re.IGNORECASE)
        return gz

    def mentions(self, text: str) -> list[Mention]:
        """Every person, body, role word, non-state speaker and pronoun in
        ``text`` (quotes should already be masked out), in order."""
        found: list[Mention] = []
        for m, payloads in self._names.finditer(text):
            kind = payloads[0][0]
            if kind == "person":
                found.append(Mention("person", m.start(), m.end(), m.group(), person=payloads[0][1]))
            elif kind == "body":
                found.append(Mention("body", m.start(), m.end(), m.group(), bodies=tuple(p[1] for p in payloads)))
            else:
                found.append(Mention("generic", m.start(), m.end(), m.group(), generic_kind=payloads[0][1]))
        taken = [(x.start, x.end) for x in found]
        for alternation, kind in ((self._unofficial, "unofficial"), (self._roles, "role")):
            for m, _ in alternation.finditer(text):
                if not any(s <= m.start() < e for s, e in taken):
                    found.append(Mention(kind, m.start(), m.end(), m.group()))
                    taken.append((m.start(), m.end()))
        for m in self._pronouns.finditer(text):
            if not any(s <= m.start() < e for s, e in taken):
                found.append(Mention("pronoun", m.start(), m.end(), m.group()))
        return sorted(found, key=lambda x: x.start)

    def verbs(self, table: dict, language: str) -> re.Pattern:
        words = list(table.get(language, [])) + ([] if language == "en" else list(table.get("en", [])))
        alternatives = sorted((re.escape(w).replace(r"\ ", r"\s+") for w in words), key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)

    def speech_verbs(self, language: str) -> re.Pattern:
        return _cached_verbs(self, "speech", language)

    def action_verbs(self, language: str) -> re.Pattern:
        return _cached_verbs(self, "actions", language)


_VERB_CACHE: dict = {}


def _cached_verbs(gz: Gazetteer, which: str, language: str) -> re.Pattern:
    key = (id(gz), which, language)
    if key not in _VERB_CACHE:
        _VERB_CACHE[key] = gz.verbs(gz.speech if which == "speech" else gz.actions, language)
    return _VERB_CACHE[key]


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: str | None = None) -> Gazetteer:
    """The gazetteer, loaded once per process and path."""
    return Gazetteer.load(path)
