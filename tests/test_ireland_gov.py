"""ireland_gov against gov.ie pages (city-scrapers style).

Real recorded pages exist only of the 2019-2024 design (2021); the rebuilt
site's (2025) pages are RECONSTRUCTED in markup around real addresses, dates
and text from stored copies (tests/fixtures/ireland_gov/PROVENANCE.md).
"""

import datetime as dt
import json

import pytest
from scrapy.http import HtmlResponse, Request

from core.health import Stat
from spiders.ireland_gov import IrelandGovSpider, first_date, release_address, speaker_and_role
from tests.helpers import collect, make_spider, replay_crawl, response_for

SOURCE = "ireland_gov"
RELEASES = "https://www.gov.ie/en/department-of-foreign-affairs/press-releases/"
SPEECHES = "https://www.gov.ie/en/department-of-foreign-affairs/speeches/"
MIDDLE_EAST = f"{RELEASES}statement-by-the-t%C3%A1naiste-on-developments-in-the-middle-east-22-june-2025"
FOREIGN_MINISTERS = f"{RELEASES}t%C3%A1naiste-to-attend-meeting-of-eu-foreign-ministers"
CAPEL_STREET = f"{RELEASES}placeholder-statement-on-the-fuzhou-police-overseas-service-station"
DEFENCE_GA = ("https://www.gov.ie/ga/an-roinn-cosanta/preaseisiuinti/"
              "t%C3%A1naiste-attends-informal-meetings-of-eu-defence-ministers-and-foreign-ministers")
OLD_RELEASE = "https://www.gov.ie/en/press-release/6ddbf-turning-the-sod-on-success-galway-city-innovation-district-expand-downtown/"
OLD_LISTING = "https://www.gov.ie/en/publications/?q=innovation&page=1"


@pytest.fixture
def spider():
    return make_spider(IrelandGovSpider)


def listing(spider, name, url=RELEASES):
    return list(spider.parse_listing(response_for(SOURCE, name, url)))


def release(spider, name, url, **kwargs):
    return list(spider.parse_release(response_for(SOURCE, name, url), **kwargs))


def test_start_walks_the_dfa_press_release_and_speech_listings(spider):
    assert [r.url for r in collect(spider.start())] == [RELEASES, SPEECHES]


@pytest.mark.parametrize("url, expected", [
    # Real addresses of the rebuilt site (stored pages), English and Irish, with and without the slash.
    (MIDDLE_EAST, ("en", "department-of-foreign-affairs", "press-releases",
                   "statement-by-the-tánaiste-on-developments-in-the-middle-east-22-june-2025")),
    ("https://www.gov.ie/en/department-of-foreign-affairs/press-releases/"
     "eu-presidency-county-pairings-announced-by-ministers-mcentee-and-byrne/",
     ("en", "department-of-foreign-affairs", "press-releases", "eu-presidency-county-pairings-announced-by-ministers-mcentee-and-byrne")),
    ("https://gov.ie/ga/an-roinn-gn%C3%B3tha%C3%AD-eachtracha/oraidi/remarks-by-minister-of-state-se%C3%A1n-fleming",
     ("ga", "an-roinn-gnóthaí-eachtracha", "oraidi", "remarks-by-minister-of-state-seán-fleming")),
    (DEFENCE_GA, ("ga", "an-roinn-cosanta", "preaseisiuinti",
                  "tánaiste-attends-informal-meetings-of-eu-defence-ministers-and-foreign-ministers")),
    # The 2019-2024 form (a real address): no department in the path.
    (OLD_RELEASE, ("en", None, "press-release",
                   "6ddbf-turning-the-sod-on-success-galway-city-innovation-district-expand-downtown")),
])
def test_release_addresses_old_and_new(url, expected):
    address = release_address(url)
    assert (address["lang"], address["department"], address["section"], address["slug"]) == expected


@pytest.mark.parametrize("url", [
    RELEASES, "https://www.gov.ie/en/department-of-foreign-affairs/", "https://www.gov.ie/en/collection/967a1-data/",
    "https://www.gov.ie/en/department-of-foreign-affairs/publications/the-common-travel-area/",
])
def test_other_gov_ie_pages_are_not_releases(url):
    assert release_address(url) is None


@pytest.mark.parametrize("text, expected", [
    ("Published on: 22 June 2025", dt.date(2025, 6, 22)),  # real line, English page
    ("Foilsithe: 29 Lúnasa 2025", dt.date(2025, 8, 29)),  # real line, Irish page
    ("Dé Máirt, 3 Nollaig 2002", dt.date(2002, 12, 3)),  # Irish month, as in the real Oireachtas record
    ("1 Deireadh Fómhair 2022", dt.date(2022, 10, 1)),  # a two-word Irish month
    ("no date here", None),
])
def test_dates_in_english_and_irish(text, expected):
    assert first_date(text) == expected


def test_listing_leads_to_each_release_and_the_next_page(spider):
    out = listing(spider, "govie-2025_listing_dfa_press-releases_page1.RECONSTRUCTED.html")
    assert [r.url for r in out] == [MIDDLE_EAST, FOREIGN_MINISTERS, CAPEL_STREET, f"{RELEASES}?page=2"]
    assert [r.cb_kwargs for r in out] == [
        {"listed_on": dt.date(2025, 6, 22)}, {"listed_on": dt.date(2025, 2, 24)}, {"listed_on": dt.date(2022, 10, 26)},
        {"page": 2}]  # the footer's and the Irish switch's links are not entries
    assert out[0].meta["handle_httpstatus_list"] == [404, 410]


def test_entry_older_than_since_ends_the_walk(spider):
    assert listing(spider, "govie-2025_listing_dfa_press-releases_page2.RECONSTRUCTED.html", f"{RELEASES}?page=2") == []
    assert spider.crawler.stats.get_value(Stat.RECORDS) == 1  # seen, passed over; no page 3


def test_a_date_in_a_title_is_not_the_entry_date(spider):
    body = (b'<html><body><main><ul><li><h2><a href="/en/department-of-foreign-affairs/press-releases/x">'
            b'Minister marks the anniversary of 24 April 1916</a></h2><p>Published on: 24 April 2025</p></li>'
            b'</ul></main></body></html>')
    (request,) = spider.parse_listing(HtmlResponse(RELEASES, body=body, request=Request(RELEASES)))
    assert request.cb_kwargs == {"listed_on": dt.date(2025, 4, 24)}


def test_walk_stops_at_the_page_bound():
    spider = make_spider(IrelandGovSpider)
    out = list(spider.parse_listing(response_for(SOURCE, "govie-2025_listing_dfa_press-releases_page1.RECONSTRUCTED.html",
                                                 RELEASES), page=60))
    assert [r.url for r in out if "page=" in r.url] == []


def test_real_2021_listing_read_the_same_way():
    """The recorded page of the old design: its press-release links and
    "23 July 2021;" dates are found by the same reading; a collection is not
    a release; July 2021 entries before the start date end the walk."""
    spider = make_spider(IrelandGovSpider, since="2021-07-10")
    out = list(spider.parse_listing(response_for(SOURCE, "govie-2021_listing_publications_q-innovation.TRIMMED.html",
                                                 OLD_LISTING)))
    assert [(r.url, r.cb_kwargs) for r in out] == [(OLD_RELEASE, {"listed_on": dt.date(2021, 7, 23)})]
    spider = make_spider(IrelandGovSpider, since="2021-07-01")
    out = list(spider.parse_listing(response_for(SOURCE, "govie-2021_listing_publications_q-innovation.TRIMMED.html",
                                                 OLD_LISTING)))
    assert [r.url for r in out][-1] == "https://www.gov.ie/en/publications/?q=innovation&page=2"  # its aria-label="next"


def test_listing_without_release_links_is_a_layout_change(spider):
    response = HtmlResponse(RELEASES, body=b"<html><body><main><h1>Press releases</h1></main></body></html>",
                            request=Request(RELEASES))
    assert list(spider.parse_listing(response)) == []
    assert spider.crawler.stats.get_value(Stat.LAYOUT_ERRORS) == 1


def test_release_page_field_by_field(spider):
    # Real title, dates and text; reconstructed markup.
    (item,) = release(spider, "govie-2025_press-release_middle-east-22-june-2025.RECONSTRUCTED.html", MIDDLE_EAST)
    assert item.title == "Statement by the Tánaiste on developments in the Middle East, 22 June 2025"
    assert (item.kind, item.body, item.source_kind, item.country, item.language) == (
        "press_release", "Department of Foreign Affairs", "ministry", "IE", "en")
    assert item.published == "2025-06-22"  # "Published on", not "Last updated on" (23 June)
    assert item.record_id == ("govie:en/department-of-foreign-affairs/press-releases/"
                              "statement-by-the-tánaiste-on-developments-in-the-middle-east-22-june-2025")
    assert item.url == item.fetch_url == MIDDLE_EAST
    assert item.text.startswith("<p>I am closely monitoring the situation in the Middle East")
    assert item.text.endswith("supporting those Irish citizens who wish to leave.</p>")
    for chrome in ("Published on", "Last updated", "Press release", "Search all of gov.ie", "Home", "1 January 2020"):
        assert chrome not in item.text
    assert (item.speaker, item.speaker_role) == (None, None)  # the Tánaiste speaks in the first person


def test_irish_release_page(spider):
    (item,) = release(spider, "govie-2025_ga_preaseisiuint_defence-informal-meetings.RECONSTRUCTED.html", DEFENCE_GA)
    assert item.published == "2025-08-29"  # "Foilsithe: 29 Lúnasa 2025"
    assert (item.language, item.kind, item.body) == ("ga", "press_release", "Department of Defence")
    assert item.record_id.startswith("govie:ga/an-roinn-cosanta/preaseisiuinti/tánaiste-attends-informal")
    assert "Preaseisiúint" not in item.text and "An t-eolas is déanaí" not in item.text
    assert "The Tánaiste Simon Harris is in Copenhagen today" in item.text


def test_dfa_spokesperson_statement_reconstructed(spider):
    # The statement's words are real; its gov.ie address and title are placeholders.
    (item,) = release(spider, "govie-2025_press-release_dfa-capel-street.RECONSTRUCTED.html", CAPEL_STREET)
    assert (item.body, item.published) == ("Department of Foreign Affairs", "2022-10-26")
    assert (item.speaker, item.speaker_role) == (None, "Spokesperson")
    assert "office on Capel Street should close and cease operations" in item.text
    assert item.text.count("Fuzhou Police Overseas Service Station") == 1  # quote paragraphs once, not twice


def test_real_2021_release_page_read_the_same_way(spider):
    """The recorded old-design page: published ``time/@datetime``, "From"
    organisation, paragraphs and quote, speaker line, all found without
    the old design's own attributes in the reading."""
    (item,) = release(spider, "govie-2021_press-release_detail.TRIMMED.html", OLD_RELEASE)
    assert item.title == "Turning the Sod on Success - Galway City Innovation District expand downtown"
    assert (item.kind, item.body, item.published) == ("press_release", "Department of Enterprise, Trade and Employment",
                                                       "2021-07-23")
    assert item.record_id == "govie:en/press-release/6ddbf-turning-the-sod-on-success-galway-city-innovation-district-expand-downtown"
    assert (item.speaker, item.speaker_role) == ("Leo Varadkar", "Tánaiste and Minister for Enterprise, Trade and Employment")
    assert "Bowling Green project is located in downtown Galway" in item.text
    assert "Today is an important day for Galway" in item.text  # the quote block is part of the text
    assert "dataLayer" not in item.text and "Published on" not in item.text


def test_listing_date_stands_in_when_the_page_shows_none(spider):
    body = b"<html><body><main><h1>A release</h1><p>Its text.</p></main></body></html>"
    response = HtmlResponse(CAPEL_STREET, body=body, request=Request(CAPEL_STREET))
    (item,) = spider.parse_release(response, listed_on=dt.date(2022, 10, 26))
    assert item.published == "2022-10-26"
    assert list(spider.parse_release(response)) == []  # no date at all: a layout change
    assert spider.crawler.stats.get_value(Stat.LAYOUT_ERRORS) == 1


@pytest.mark.parametrize("line, expected", [
    ("Minister for Foreign Affairs Simon Coveney said:", ("Simon Coveney", "Minister for Foreign Affairs")),
    ("The Minister for Foreign Affairs said:", (None, "Minister for Foreign Affairs")),
    ("Professor Jane Doe of the university said:", (None, None)),  # no government role: not a speaker line
])
def test_speaker_line_shapes(line, expected):
    response = HtmlResponse("https://www.gov.ie/x", body=f"<p>{line}</p>".encode(), encoding="utf-8")
    assert speaker_and_role(response.css("p")) == expected


def test_removed_page_is_not_a_statement_nor_an_error(spider):
    gone = HtmlResponse(MIDDLE_EAST, status=404, body=b"<html><h1>Page not found</h1></html>", request=Request(MIDDLE_EAST))
    assert list(spider.parse_release(gone)) == []
    assert not spider.crawler.stats.get_value(Stat.LAYOUT_ERRORS)


def test_page_without_title_or_text_is_a_layout_change(spider):
    odd = HtmlResponse(MIDDLE_EAST, body=b"<html><body><p>Maintenance</p></body></html>", request=Request(MIDDLE_EAST))
    assert list(spider.parse_release(odd)) == []
    assert spider.crawler.stats.get_value(Stat.LAYOUT_ERRORS) == 1


def test_crawl_end_to_end_through_replay(tmp_path):
    # Every topic from 2022-09-01, where the recordings start (a first run would ask the
    # Confucius Institutes topic from its own 2019-01-01, past what was recorded).
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", "since=2022-09-01")
    asked = [path for path, _ in crawled.requests]
    (statement,) = crawled.statements  # the off-topic 2025 releases and the speech are read, and dropped
    (run,) = crawled.runs
    assert statement["source"] == "ireland_gov"
    assert statement["body"] == "Department of Foreign Affairs"
    assert (statement["country"], statement["kind"], statement["published"]) == ("IE", "press_release", "2022-10-26")
    assert statement["url"] == CAPEL_STREET
    assert statement["record_id"] == ("govie:en/department-of-foreign-affairs/press-releases/"
                                      "placeholder-statement-on-the-fuzhou-police-overseas-service-station")
    assert "fuzhou police overseas service station" in json.loads(statement["matched_terms"])
    # Page 2 was asked; its entry is older than the start date, so no page 3.
    assert any("press-releases/?page=2" in p for p in asked)
    assert not any("page=3" in p for p in asked)
    assert any("fleming" in p for p in asked)  # the speech walk
    assert (run["status"], run["new"], run["records"], run["errors"]) == ("ok", 1, 5, 0)
