"""The normalize pipeline: clean text, ISO dates, canonical URLs, drops with reasons."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem

from pipelines import normalize
from pipelines.normalize import (
    NormalizePipeline, canonical_url, clean_whitespace, html_to_text, iso_date, text_fingerprint,
)
from stationwatch.items import Statement


def statement(**overrides):
    fields = dict(
        source="test", source_kind="ministry", country="GB", body="Home Office", kind="press_release",
        url="https://www.gov.uk/government/news/x?utm_source=twitter&utm_medium=social#top",
        title="<b>Chinese</b> police stations", published="2023-06-06T00:00:00", language="en",
        text="<p>First&nbsp;paragraph.</p><script>alert(1)</script><p>Second   paragraph.</p>",
        record_id="x",
    )
    fields.update(overrides)
    return Statement(**fields)


def test_html_becomes_paragraphs_without_scripts():
    assert html_to_text("<p>One &amp; two</p><script>evil()</script><ul><li>three</li></ul>") == "One & two\n\nthree"


def test_plain_text_keeps_its_paragraphs_and_loses_control_characters():
    assert html_to_text("a\x00b  c\r\n\r\nd\x07") == "ab c\n\nd"


def test_text_that_merely_mentions_angle_brackets_is_not_eaten():
    assert html_to_text("if a < b and c > d") == "if a < b and c > d"


def test_canonical_url_drops_tracking_and_fragment():
    assert canonical_url("https://example.gov/news?id=3&utm_campaign=x&fbclid=abc#section") == "https://example.gov/news?id=3"
    assert canonical_url("https://example.gov/a?b=2&a=1") == "https://example.gov/a?a=1&b=2"


@pytest.mark.parametrize("value,expected", [
    ("2023-06-06T00:00:00", "2023-06-06"),
    ("2022-11-01", "2022-11-01"),
    ("6 June 2023", "2023-06-06"),
    ("1 november 2022", "2022-11-01"),
    ("2022年10月26日", "2022-10-26"),
    (None, None),
])
def test_iso_date(value, expected):
    assert iso_date(value) == expected


def test_fingerprint_ignores_case_whitespace_quotes_and_dashes():
    a = text_fingerprint("The “police service stations” — closed.")
    b = text_fingerprint('the "police service stations" - CLOSED.')
    assert a == b
    assert a != text_fingerprint("The police service stations remain open.")


def test_pipeline_cleans_a_candidate():
    item = NormalizePipeline().process_item(statement())
    assert item.text == "First paragraph.\n\nSecond paragraph."
    assert item.title == "Chinese police stations"
    assert item.published == "2023-06-06"
    assert item.url == "https://www.gov.uk/government/news/x"
    assert len(item.text_hash) == 40


@pytest.mark.parametrize("overrides,reason", [
    ({"record_id": ""}, "missing record_id"),
    ({"text": "<p> </p>"}, "empty text"),
    ({"published": "not a date at all"}, "unreadable date"),
    ({"body": "\r"}, "blank body"),  # found by tests/test_fuzz.py
])
def test_pipeline_drops_bad_candidates_with_a_reason(overrides, reason):
    with pytest.raises(DropItem, match=reason):
        NormalizePipeline().process_item(statement(**overrides))


# The fast path for simple fragments must give BeautifulSoup's text exactly.
_simple_tags = st.sampled_from(["p", "br", "a", "b", "em", "strong", "li", "ul", "span", "h2"])
# Control characters are left out: the fast path drops NUL where lxml writes U+FFFD.
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<"), max_size=30)
_entity = st.sampled_from(["&amp;", "&nbsp;", "&quot;", "&#8220;", "&eacute;", "&gt;", "&pound;"])


@st.composite
def simple_fragments(draw):
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        tag = draw(_simple_tags)
        attrs = draw(st.sampled_from(["", ' href="https://example.gov/a?b=1&amp;c=2"', " class='x'", ' target="_blank"']))
        inner = draw(_text) + draw(st.sampled_from(["", draw(_entity)])) + draw(_text)
        parts.append(f"<{tag}{attrs}/>" if tag == "br" else f"<{tag}{attrs}>{inner}</{tag}>")
        parts.append(draw(_text))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(simple_fragments())
def test_simple_markup_fast_path_matches_beautifulsoup(fragment):
    fast = normalize._simple_markup_text(fragment)
    assert fast is not None
    assert clean_whitespace(fast) == clean_whitespace(normalize._tree_text(fragment))


@pytest.mark.parametrize("fragment", [
    "<p>a</p><script>alert(1)</script>", "<p>a <!-- note --> b</p>", "<table><tr><td>x</td></tr></table>",
    "<p>if a < b</p>", "<p onclick=\"x>y\">z</p><img src=x>",
])
def test_anything_else_goes_to_beautifulsoup(fragment):
    assert normalize._simple_markup_text(fragment) is None


# Speaker identity -------------------------------------------------------------

def test_one_person_in_two_scripts_is_one_speaker():
    pipeline = NormalizePipeline()
    english = pipeline.process_item(statement(country="CN", speaker="Wang Wenbin"))
    chinese = pipeline.process_item(statement(country="CN", speaker="汪文斌", record_id="y"))
    assert english.speaker == chinese.speaker == "Wang Wenbin"
    assert (english.speaker_as_written, chinese.speaker_as_written) == ("Wang Wenbin", "汪文斌")


@pytest.mark.parametrize("written, country, canonical", [
    ("華春瑩", "CN", "Hua Chunying"),  # traditional characters
    ("Lijian Zhao", "CN", "Zhao Lijian"),  # given name first
    ("MAO  Ning", "CN", "Mao Ning"),  # case and spaces do not count
    ("林剑", "CN", "Lin Jian"),
    ("松野 博一", "JP", "Matsuno Hirokazu"),  # kanji, with the space Japanese pages put between the names
    ("Yoshimasa Hayashi", "JP", "Hayashi Yoshimasa"),
    ("임수석", "KR", "Lim Soo-suk"),
    ("Lim Soosuk", "KR", "Lim Soo-suk"),  # hyphen or none
    ("Péter Szijjártó", "HU", "Szijjártó Péter"),  # Hungarian order
    ("Viktor Orban", "HU", "Orbán Viktor"),  # accents do not count
    ("W.B. Hoekstra", "NL", "Wopke Hoekstra"),  # the Tweede Kamer's initials
    ("D. Yeşilgöz-Zegerius", "NL", "Dilan Yeşilgöz"),
    ("", "CN", ""),
])
def test_canonical_names_from_the_speakers_file(written, country, canonical):
    assert NormalizePipeline().speakers.canonical(written, country) == canonical


def test_a_name_is_left_alone_elsewhere_and_when_unknown():
    speakers = NormalizePipeline().speakers
    assert speakers.canonical("Jian Lin", "US") == "Jian Lin"  # listed for China's statements only
    assert speakers.canonical("Jian Lin", None) == "Lin Jian"  # no country: the listed person
    assert speakers.canonical("Caroline Nokes", "GB") == "Caroline Nokes"
    item = NormalizePipeline().process_item(statement(speaker="  Caroline   Nokes "))
    assert (item.speaker, item.speaker_as_written) == ("Caroline Nokes", "Caroline Nokes")
    assert NormalizePipeline().process_item(statement()).speaker_as_written is None


def test_a_name_listed_under_two_people_is_refused():
    with pytest.raises(ValueError, match="listed under both"):
        normalize.SpeakerIdentities([{"name": "Lin Jian", "also": ["林剑"]}, {"name": "Jian Lin", "also": ["林 剑"]}])
