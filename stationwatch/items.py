"""The candidate statement every spider yields (DESIGN.md, "Items").

A dataclass so that a misspelt field is an error at the spider, not a silently
missing column, and its vocabularies (core/vocab.py) are checked when it is
made, so a wrong source_kind or kind fails in the spider's own test. Spiders
make it with ``StationwatchSpider.statement()``. Fields after ``text`` are
filled by the pipelines or are optional links between records.
"""

from dataclasses import dataclass, field
from typing import Optional

from core.vocab import check_statement_vocabulary, is_country_code, is_official


@dataclass
class Statement:
    source: str  # spider name
    source_kind: str  # one of core.vocab.SOURCE_KINDS
    country: str  # ISO 3166 alpha-2 of the body that spoke
    body: str  # "House of Commons", "Home Office", ...
    kind: str  # written_question, written_answer, written_statement, ...
    url: str  # canonical public web page a person would open
    title: str
    published: str  # date of the record (sitting, tabling, answer), not the fetch date
    language: str  # ISO 639-1
    text: str  # full text of the record; HTML is cleaned by the normalize pipeline
    record_id: str  # the source's stable id for this statement, unique within the source
    speaker: Optional[str] = None  # the normalize pipeline makes it the canonical name (config/speakers.yml)
    speaker_role: Optional[str] = None
    fetch_url: Optional[str] = None  # where it was fetched from (API URL), when not `url`
    outlet: Optional[str] = None  # the publication that carried it (press), when not the body itself
    question_record_id: Optional[str] = None  # an answer points at its question's record_id
    context: Optional[str] = None  # text relevance also reads (the question an answer answers); not stored
    raw: Optional[str] = None  # the record as fetched (JSON or HTML fragment), for versions/archive
    raw_type: Optional[str] = None  # "json", "html", "xml"
    # Filled by pipelines:
    matched_terms: list = field(default_factory=list)  # every matching topic's, together
    excerpt: Optional[str] = None
    # Each topic it is about: [{"topic", "matched_terms", "excerpt"}] (pipelines/relevance.py)
    topics: list = field(default_factory=list)
    # Every topic that judged it (relevant or not): a stored tag of one of
    # these that the record no longer earns is removed (db/store.py).
    topics_judged: list = field(default_factory=list)
    text_hash: Optional[str] = None
    speaker_as_written: Optional[str] = None  # the speaker's name as the source wrote it ("汪文斌")
    # Where a body spoke abroad: an embassy's host country (ISO 3166-1 alpha-2),
    # so "what China said in Chile" is a filter, not a text search.
    host_country: Optional[str] = None

    def __post_init__(self):
        check_statement_vocabulary(self.source_kind, self.kind, self.country)
        if not is_country_code(self.host_country):
            raise ValueError(f"host_country {self.host_country!r} is not an ISO 3166-1 alpha-2 code (or EU)")

    @property
    def official(self) -> bool:
        return is_official(self.source_kind)


@dataclass
class UnattributedQuote:
    """A quote in an article on the topic whose speaker could not be told with
    confidence (issue #18). Never a statement: precision comes first. The
    pipelines pass it by; the store keeps it in ``unattributed_quotes`` so a
    person can review what attribution left out."""

    source: str
    outlet: str
    url: str
    title: str
    published: Optional[str]
    language: str
    text: str
    paragraph: Optional[str] = None
