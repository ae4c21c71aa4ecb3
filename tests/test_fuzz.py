"""Fuzzing the normalisation and relevance pipelines (hypothesis): whatever
strings a spider hands over, the result is a valid item or a DropItem with
a reason, never another exception.

Bounded: 200 examples per test, no deadline (dateparser's first call is slow).
"""

import datetime as dt
import re

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem

from pipelines.normalize import NormalizePipeline, html_to_text
from pipelines.relevance import RelevancePipeline
from stationwatch.items import Statement

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Strings as scraped pages give them: any Unicode, markup, entities, control
# characters, and now and then the topic's words (so relevance keeps some).
markup = st.sampled_from([
    "<p>", "</p>", "<br>", "<script>alert(1)</script>", "<a href='javascript:alert(1)'>", "</a>", "<b>", "<<",
    "&amp;", "&#8217;", "&#x0;", "&bogus;", "<!--", "-->", "<![CDATA[", "]]>", "\x00", "\ufeff", "\r\n", "<td>",
    "<table>", "<div class=", '"', "'); DROP TABLE statements; --",
])
topic = st.sampled_from(["overseas police service station", "110 Overseas", "Chinese police stations",
                         "海外警务服务站", "politiestations", ""])
scraped = st.lists(st.one_of(st.text(max_size=40), markup, topic), max_size=12).map("".join)
dates = st.one_of(st.none(), st.text(max_size=20), st.dates().map(dt.date.isoformat), st.dates().map(dt.date.isoformat),
                  st.datetimes().map(lambda d: d.isoformat()), st.sampled_from(["6 June 2023", "2023-02-30", "juin"]))
urls = st.one_of(st.text(max_size=30), *[st.builds(lambda path: f"https://www.gov.example/{path}?utm_source=x#top",
                                                   st.text(max_size=30))] * 3)

NORMALIZE, RELEVANCE = NormalizePipeline(), RelevancePipeline()


def mostly(valid, broken):
    """The valid value three times out of four: most candidates get as far
    as relevance and the store's shape checks, some are broken."""
    return st.one_of(valid, valid, valid, broken)


@st.composite
def candidates(draw):
    return Statement(
        source=draw(mostly(st.just("uk_parliament_questions"), st.sampled_from(["", "x"]))),
        source_kind="parliament", country=draw(mostly(st.just("GB"), st.sampled_from(["", "NL"]))),
        body=draw(mostly(st.just("House of Commons"), scraped)),
        kind="written_answer", url=draw(urls), title=draw(scraped), published=draw(dates),
        language="en", text=draw(mostly(st.builds("{} {} {}".format, scraped, topic, scraped), scraped)),
        record_id=draw(mostly(st.just("answer:1"), st.text(max_size=10))),
        speaker=draw(st.one_of(st.none(), scraped)), context=draw(st.one_of(st.none(), scraped)),
    )


def assert_valid(item: Statement) -> None:
    for name in ("source", "source_kind", "country", "body", "kind", "url", "record_id", "text"):
        assert getattr(item, name), name
    assert item.url.startswith(("http://", "https://"))
    assert item.published is None or dt.date.fromisoformat(item.published)
    assert re.fullmatch(r"[0-9a-f]{40}", item.text_hash)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", item.text + item.title)


@BOUNDED
@given(candidates())
def test_normalize_then_relevance_gives_a_valid_item_or_a_drop(item):
    try:
        kept = RELEVANCE.process_item(NORMALIZE.process_item(item))
    except DropItem as drop:
        assert str(drop)  # dropped with a reason the log shows
        event(f"dropped: {str(drop).split(':')[0].split(' (')[0]}")
        return
    event("kept")
    assert_valid(kept)
    assert kept.matched_terms and kept.excerpt is not None


@BOUNDED
@given(scraped)
def test_html_to_text_takes_any_string(value):
    text = html_to_text(value)
    assert isinstance(text, str)
    assert "\x00" not in text and "\n\n\n" not in text
    assert text == text.strip()
