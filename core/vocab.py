"""The statement vocabularies and the one rule "official or press".

A misspelt source_kind once counted as official in the store and not in the
digest; now every part asks ``is_official`` (and SQL asks the same function,
registered on every connection as ``is_official(source_kind)``), and
``stationwatch.items.Statement`` refuses a value outside these vocabularies
when a spider makes it, so a wrong value fails in the spider's own test.
"""

from __future__ import annotations

PRESS = "press"
# Who spoke, by the kind of body. Everything but the press is official.
SOURCE_KINDS = ("parliament", "ministry", "government", "police", "prosecutor", "embassy", "court", PRESS)
OFFICIAL_SOURCE_KINDS = tuple(kind for kind in SOURCE_KINDS if kind != PRESS)

# What the record is. A spider maps its source's own type names onto these
# (unknown ones to "document") rather than inventing one per source.
KINDS = frozenset({
    # parliaments
    "written_question", "written_answer", "oral_question", "oral_answer", "written_statement",
    "oral_statement", "debate_contribution", "committee_evidence", "extension_of_remarks",
    "floor_speech", "motion", "letter_to_parliament",
    # governments, ministries, police, prosecutors, embassies
    "press_release", "statement", "speech", "readout", "briefing", "press_conference",
    "media_advisory", "backgrounder", "news_article", "letter", "policy_paper", "correspondence",
    "government_response", "court_filing", "document",
    # press (stationwatch/press/)
    "quoted_statement", "reported_action",
})

# Country codes: ISO 3166-1 alpha-2, plus "EU" for the European Union's
# institutions (ISO reserves it for exactly that).
EU = "EU"


def known_kind(kind: str | None, default: str = "document") -> str:
    """``kind`` when it is in KINDS, else ``default``: for spiders whose
    source names its own document types."""
    return kind if kind in KINDS else default


def is_official(source_kind: str | None) -> bool:
    """Official: said by a state body (parliament, ministry, police...), not
    reported by the press. An unknown or missing kind is not official."""
    return source_kind in OFFICIAL_SOURCE_KINDS


def is_country_code(code: str | None) -> bool:
    """Two capital letters (ISO 3166-1 alpha-2, or EU); empty is allowed for
    a press source whose statements each carry their speaker's country."""
    return code is None or code == "" or (len(code) == 2 and code.isascii() and code.isalpha() and code.isupper())


def check_statement_vocabulary(source_kind: str, kind: str, country: str | None) -> None:
    """Raise ValueError naming the field when a value is outside its vocabulary."""
    if source_kind not in SOURCE_KINDS:
        raise ValueError(f"source_kind {source_kind!r} is not one of {', '.join(SOURCE_KINDS)}")
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not a known kind (core/vocab.py KINDS)")
    if not is_country_code(country):
        raise ValueError(f"country {country!r} is not an ISO 3166-1 alpha-2 code (or EU)")
