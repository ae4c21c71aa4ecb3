"""Judge whether a text is about the watched topic, and say why.

The vocabulary lives in a YAML file (topics/*.yml), never in code, so the
same machinery can watch another policy question. See the file's header for
the rules; this module only applies them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.text import fold, fold_term

TOPICS_DIR = Path(__file__).resolve().parent.parent / "topics"
DEFAULT_TOPIC_FILE = TOPICS_DIR / "overseas_police_stations.yml"
EXCERPT_RADIUS = 220  # characters of context either side of the first match

_QUOTES_TO_SPACE = str.maketrans({'"': " ", "'": " "})
# A sentence ends at . ! ? ; (or their CJK forms) before a space, or at a blank line.
_SENTENCE_END = re.compile(r"[.!?;](?=\s)|[。！？；]|\n\s*\n")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u1100-\u11ff\uf900-\ufaff]")


_SEPARATOR = re.compile(r"[\s\-]+")
_INFLECTION = 3  # trailing letters a Latin-script term may take: station(s), politiebureau(s)


def _term_key(text: str) -> str:
    """Spaces and hyphens inside a term are interchangeable: one key for both."""
    return _SEPARATOR.sub(" ", text).strip()


def _trie_pattern(words: list[str]) -> str:
    """One regex for many words, shaped as a trie (shared prefixes merged).

    Python's regex engine tries alternatives one by one; a trie leaves one
    branch per distinct next character, which makes the topic's ~150 terms
    about ten times cheaper to find than a flat alternation.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = []
        for ch in sorted(k for k in node if k):
            piece = r"[\s\-]+" if ch == " " else re.escape(ch)
            branches.append(piece + build(node[ch]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class TermPattern:
    """Many terms found in one pass over the text, each match named.

    Latin-script terms start at a word boundary and accept a short
    inflection; CJK terms match anywhere (no word boundaries in Chinese or
    Japanese) and are found with plain substring search.
    """

    def __init__(self, terms: list[str]):
        self.cjk = sorted({t for t in terms if _CJK.search(t)}, key=len, reverse=True)
        latin = {_term_key(t): t for t in terms if not _CJK.search(t)}
        self.latin_names = latin
        self.pattern = (
            re.compile(rf"(?<!\w){_trie_pattern(sorted(latin))}\w{{0,{_INFLECTION}}}(?!\w)") if latin else None
        )

    def _name(self, matched: str) -> str:
        key = _term_key(matched)
        for cut in range(_INFLECTION + 1):
            name = self.latin_names.get(key[: len(key) - cut] if cut else key)
            if name is not None:
                return name
        return key

    def find(self, folded: str) -> list[tuple[str, int, int]]:
        found = []
        if self.pattern is not None:
            found = [(self._name(m.group()), m.start(), m.end()) for m in self.pattern.finditer(folded)]
        return sorted(found + self.find_cjk(folded), key=lambda hit: hit[1])

    def find_cjk(self, folded: str) -> list[tuple[str, int, int]]:
        found = []
        for term in self.cjk:
            at = folded.find(term)
            while at != -1:
                found.append((term, at, at + len(term)))
                at = folded.find(term, at + len(term))
        return found

    def blank(self, folded: str) -> str:
        """Replace every match by spaces of the same length (indexes survive)."""
        return _blank(folded, self.find(folded))


def _blank(folded: str, hits: list[tuple[str, int, int]]) -> str:
    if not hits:
        return folded
    chars = list(folded)
    for _, start, end in hits:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _alternation(terms: list[str]) -> TermPattern | None:
    return TermPattern(terms) if terms else None


_LEADING_WORD = re.compile(r"\w+")


class TermGroups:
    """Exclusions blanked, then several TermPatterns found, in one pass over the text.

    Each group gets exactly the matches its own ``TermPattern.find`` would
    give on the text with the exclusions blanked (leftmost, non-overlapping),
    but the text is scanned once: one regex finds the words a Latin-script
    term of any group (or exclusion) can start with, and only there is each
    group's pattern tried, anchored. Scanning a 2 KB text once per group
    (exclude, strong, weak, context) cost three times as much.
    """

    def __init__(self, groups: dict[str, TermPattern | None], exclude: TermPattern | None = None):
        self.groups = {name: pattern for name, pattern in groups.items() if pattern is not None}
        self.exclude = exclude
        latin = [p for p in [*self.groups.values(), exclude] if p is not None and p.pattern is not None]
        first_words = {_LEADING_WORD.match(key) for p in latin for key in p.latin_names}
        self.starts = None
        if latin and None not in first_words:
            words = sorted({m.group() for m in first_words})
            self.starts = re.compile(rf"(?<!\w){_trie_pattern(words)}\w{{0,{_INFLECTION}}}(?!\w)")

    def find(self, folded: str) -> tuple[str, dict[str, list[tuple[str, int, int]]]]:
        """(the text with exclusions blanked, each group's matches in it)."""
        if self.starts is None:  # a term starting with a non-word character: one pass per group
            if self.exclude is not None:
                folded = self.exclude.blank(folded)
            return folded, {name: pattern.find(folded) for name, pattern in self.groups.items()}
        starts = [word.start() for word in self.starts.finditer(folded)]
        if self.exclude is not None:
            excluded = self._match_at(folded, starts, {"exclude": self.exclude})["exclude"]
            if excluded:
                folded = _blank(folded, excluded)
                # Blanked CJK characters can leave a Latin word newly at a word start.
                starts = [word.start() for word in self.starts.finditer(folded)]
        return folded, self._match_at(folded, starts, self.groups)

    @staticmethod
    def _match_at(folded: str, starts: list[int], groups: dict[str, TermPattern]) -> dict:
        latin = [(name, pattern) for name, pattern in groups.items() if pattern.pattern is not None]
        found: dict[str, list[tuple[str, int, int]]] = {name: [] for name in groups}
        resume = dict.fromkeys(groups, 0)  # where each group's previous match ended
        for at in starts:
            for name, pattern in latin:
                if at >= resume[name]:
                    hit = pattern.pattern.match(folded, at)
                    if hit is not None:
                        found[name].append((pattern._name(hit.group()), at, hit.end()))
                        resume[name] = hit.end()
        for name, pattern in groups.items():
            if pattern.cjk:
                found[name] = sorted(found[name] + pattern.find_cjk(folded), key=lambda hit: hit[1])
        return found


@dataclass
class Judgement:
    relevant: bool
    matched_terms: list[str] = field(default_factory=list)
    excerpt: str | None = None
    reason: str = ""


class Topic:
    """A loaded topic file. ``judge(text)`` is the whole public interface."""

    def __init__(self, spec: dict, path: Path | None = None):
        self.path = path
        self.name = spec.get("topic", "topic")
        self.title = spec.get("title", self.name)
        # The date a first run (or a back-fill when the topic is added) asks
        # sources from; None: each spider's own default_since.
        since = spec.get("since")
        self.since: dt.date | None = dt.date.fromisoformat(str(since)) if since else None
        self.window = int(spec.get("window", 160))
        self.search_terms: dict[str, list[str]] = spec.get("search", {}) or {}
        strong, weak, context = [], [], []
        for lang, groups in (spec.get("languages") or {}).items():
            groups = groups or {}
            strong += [fold_term(t) for t in groups.get("strong", []) or []]
            weak += [fold_term(t) for t in groups.get("weak", []) or []]
            context += [fold_term(t) for t in groups.get("context", []) or []]
        if not strong and not weak:
            raise ValueError(f"topic file {path}: no strong or weak terms")
        self.strong = _alternation(strong)
        self.weak = _alternation(weak)
        self.context = _alternation(context)
        self.exclude = _alternation([fold_term(t) for t in spec.get("exclude", []) or []])
        self.terms = TermGroups({"strong": self.strong, "weak": self.weak, "context": self.context}, self.exclude)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "Topic":
        path = Path(path or os.environ.get("STATIONWATCH_TOPIC") or DEFAULT_TOPIC_FILE)
        with open(path, encoding="utf-8") as fh:
            spec = yaml.safe_load(fh)
        if not isinstance(spec, dict):
            raise ValueError(f"topic file {path}: expected a mapping at the top level")
        return cls(spec, path)

    def search_terms_for(self, language: str) -> list[str]:
        return list(self.search_terms.get(language, []))

    def mentions_terms(self, text: str) -> bool:
        """Whether ``text`` uses any strong, weak or context term (a loose
        filter that decides what to fetch, never what is kept)."""
        folded = fold(text)[0]
        return any(p is not None and p.find(folded) for p in (self.strong, self.weak, self.context))

    def judge(self, text: str, excerpt_from: int = 0) -> Judgement:
        """Relevant or not, which terms matched, and the passage around them.

        ``excerpt_from``: quote the excerpt from ``text[excerpt_from:]`` (the
        statement after its title and question): around the first match
        there, else its opening.
        """
        if not text or not text.strip():
            return Judgement(False, reason="empty text")
        folded, index = fold(text)
        # Quotes around a phrase must not break it: undeclared 'police stations'.
        folded = folded.translate(_QUOTES_TO_SPACE)
        folded, found = self.terms.find(folded)  # exclusions blanked first
        hits, contexts = found.get("strong", []), found.get("context", [])
        terms = {term for term, _, _ in hits}
        spans = [(start, end) for _, start, end in hits]
        stops = None  # sentence ends, found only when a weak term has a context word near it
        for term, start, end in found.get("weak", []):
            near = [c for c in contexts if c[1] >= start - self.window and c[2] <= end + self.window]
            if near:
                if stops is None:
                    stops = _sentence_ends(folded)
                near = [c for c in near if _in_reach(stops, c[1], c[2], start, end)]
            if near:
                terms.add(term)
                terms.update(c[0] for c in near)
                spans.append((start, end))
        if not terms:
            return Judgement(False, reason="no topic term" if not contexts else "context words only")
        if hits:
            terms.update(c[0] for c in contexts)
        if index is not None:
            spans = [(index[start], index[min(end, len(index)) - 1] + 1) for start, end in spans]
        # Strong terms anchor the excerpt before weak ones.
        anchor = min(spans[:len(hits)] or spans)
        if excerpt_from:
            own = [span for span in spans if span[0] >= excerpt_from]
            quoted = text[excerpt_from:]
            excerpt = (excerpt_around(quoted, min(own)[0] - excerpt_from, min(own)[1] - excerpt_from) if own
                       else excerpt_around(quoted, 0, 0, radius=2 * EXCERPT_RADIUS))
        else:
            excerpt = excerpt_around(text, *anchor)
        return Judgement(True, sorted(terms), excerpt, "matched")


def _sentence_ends(folded: str) -> list[int]:
    """Where sentences end, sorted; a full stop before a blank line is one end, not two."""
    ends: list[int] = []
    last = -1
    for m in _SENTENCE_END.finditer(folded):
        if not (ends and not folded[last:m.start()].strip()):
            ends.append(m.start())
        last = m.end()
    return ends


def _in_reach(stops: list[int], c_start: int, c_end: int, start: int, end: int) -> bool:
    """A context word gives a weak term its sense in the same sentence, or in
    the sentence just before it: "... officers from the People's Republic of
    China ... . What is the government doing about these illegal police
    stations?" names China once and then refers back to it. A context word in
    a later sentence does not reach back ("The police station closed early.
    China announced new tariffs.")."""
    if c_end <= start:  # the context word comes first: at most one sentence end between
        return bisect.bisect_left(stops, start) - bisect.bisect_left(stops, c_end) <= 1
    lo, hi = min(start, c_start), max(end, c_end)
    i = bisect.bisect_left(stops, lo)
    return i == len(stops) or stops[i] >= hi


def excerpt_around(text: str, start: int, end: int, radius: int = EXCERPT_RADIUS) -> str:
    """The passage around ``text[start:end]``, cut at whitespace, with ellipses."""
    lo = max(0, start - radius)
    hi = min(len(text), end + radius)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    passage = " ".join(text[lo:hi].split())
    return ("…" if lo > 0 else "") + passage + ("…" if hi < len(text) else "")


@functools.lru_cache(maxsize=8)
def load_topic(path: str | None = None) -> Topic:
    """The topic, loaded once per process and path."""
    return Topic.load(path)


def _search_key(term: str) -> str:
    return " ".join(term.casefold().split())


class TopicSet:
    """The topics watched together (every topics/*.yml, or the ones
    STATIONWATCH_TOPICS names), with a single Topic's interface for what
    spiders ask: ``search_terms_for(lang)`` is the union of the topics'
    search terms (the same term once, whatever its case or spacing), and
    ``judge(text)`` is relevant when any topic's rules are met.

    ``judge_each(text)`` is what the relevance pipeline uses: each topic
    judged with its own terms, windows and exclusions.
    """

    def __init__(self, topics: list[Topic]):
        if not topics:
            raise ValueError("no topic to watch")
        names = [t.name for t in topics]
        if len(set(names)) != len(names):
            raise ValueError(f"two topic files name the same topic: {names}")
        self.topics = list(topics)
        self.by_name = {t.name: t for t in topics}

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.topics]

    def __iter__(self):
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def search_terms_for(self, language: str, topics=None) -> list[str]:
        """Every active topic's (or the named ``topics``') search terms in
        ``language``, each term once, in topic order."""
        seen, terms = set(), []
        for topic in self.topics:
            if topics is not None and topic.name not in topics:
                continue
            for term in topic.search_terms_for(language):
                if _search_key(term) not in seen:
                    seen.add(_search_key(term))
                    terms.append(term)
        return terms

    def topics_searching(self, language: str, term: str) -> list[str]:
        """The topics whose search terms in ``language`` include ``term``."""
        key = _search_key(term)
        return [t.name for t in self.topics if key in {_search_key(x) for x in t.search_terms_for(language)}]

    def mentions_terms(self, text: str) -> bool:
        return any(topic.mentions_terms(text) for topic in self.topics)

    def judge_each(self, text: str, excerpt_from: int = 0) -> dict[str, Judgement]:
        """Each topic's judgement of ``text``, by topic name, in topic order."""
        return {topic.name: topic.judge(text, excerpt_from=excerpt_from) for topic in self.topics}

    def judge(self, text: str, excerpt_from: int = 0) -> Judgement:
        """Relevant to any topic: the matched terms of all that match, the
        first matching topic's excerpt. Not relevant: "context words only"
        when some topic saw its context words (a caller may then read on)."""
        judgements = list(self.judge_each(text, excerpt_from).values())
        relevant = [j for j in judgements if j.relevant]
        if relevant:
            terms = sorted({term for j in relevant for term in j.matched_terms})
            return Judgement(True, terms, relevant[0].excerpt, "matched")
        reasons = [j.reason for j in judgements]
        return Judgement(False, reason="context words only" if "context words only" in reasons else reasons[0])


def topic_files(directory: str | os.PathLike | None = None) -> list[Path]:
    """Every topic file: topics/*.yml (or ``directory``'s), sorted by name."""
    return sorted(Path(directory or TOPICS_DIR).glob("*.yml"))


@functools.lru_cache(maxsize=8)
def _load_topic_set(single: str | None, names: tuple[str, ...] | None, directory: str | None) -> TopicSet:
    if single:
        return TopicSet([load_topic(single)])
    topics = [load_topic(str(path)) for path in topic_files(directory)]
    if names is not None:
        known = {t.name for t in topics}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"STATIONWATCH_TOPICS names no topic file: {', '.join(unknown)}"
                             f" (topics: {', '.join(sorted(known))})")
        topics = [t for t in topics if t.name in names]
    return TopicSet(topics)


def load_topics(single: str | None = None, names=None, directory: str | os.PathLike | None = None) -> TopicSet:
    """The topics watched, loaded once per process and selection.

    ``single`` (STATIONWATCH_TOPIC, a file): that topic alone, as before
    there were several. Otherwise every ``*.yml`` in ``directory``
    (STATIONWATCH_TOPICS_DIR, default topics/), or only those whose
    ``topic:`` name is in ``names`` (STATIONWATCH_TOPICS: a list or a
    comma-separated string; empty means all).
    """
    single = single if single is not None else os.environ.get("STATIONWATCH_TOPIC") or None
    if names is None:
        names = os.environ.get("STATIONWATCH_TOPICS") or None
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()] or None
    directory = directory or os.environ.get("STATIONWATCH_TOPICS_DIR") or None
    return _load_topic_set(str(single) if single else None, tuple(names) if names else None,
                           str(directory) if directory else None)


def parse_topic_since(value) -> dict[str, dt.date]:
    """``"topic_a:2026-11-30,topic_b:2019-01-01"`` (the crawl runner's
    ``-a topic_since=``) as {topic: date}; empty when not given."""
    if not value:
        return {}
    if isinstance(value, dict):
        return {name: d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for name, d in value.items()}
    windows = {}
    for part in str(value).split(","):
        if part.strip():
            name, _, date = part.strip().partition(":")
            windows[name.strip()] = dt.date.fromisoformat(date.strip())
    return windows


def format_topic_since(windows: dict[str, dt.date]) -> str:
    return ",".join(f"{name}:{date.isoformat()}" for name, date in windows.items())
