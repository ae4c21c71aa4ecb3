"""uk_hansard against recorded Hansard API responses: two REAL debate sections
(2026, another project's fixtures) and a RECONSTRUCTED urgent question with
real text."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse

from spiders.uk_hansard import UkHansardSpider, group_contributions, split_attribution, title_slug
from stationwatch.items import Statement
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

API = "https://hansard-api.parliament.uk"
SOURCE = "uk_hansard"
EXT_ID = "997662A6-CD71-41C5-BBE9-33FADDB4B974"
SEARCH_FILE = "search_contributions_Spoken_searchTerm-police-stations.RECONSTRUCTED.json"
DEBATE_FILE = f"debates_debate_{EXT_ID}.RECONSTRUCTED.json"
DEBATE_URL = f"https://hansard.parliament.uk/Commons/2022-11-01/debates/{EXT_ID}/OverseasChinesePoliceStationsInUKLegalStatus"
REAL_EXT_ID = "69FFB3CB-33EF-41DD-94B0-E8685BEB39EF"
REAL_DEBATE_FILE = f"debates_debate_{REAL_EXT_ID}.REAL-TRIMMED.json"
REAL_CHILD_EXT_ID = "565DB7B1-4CBD-4BD7-86F2-F89DAC86A758"
REAL_CHILD_FILE = f"debates_debate_{REAL_CHILD_EXT_ID}_with-child.REAL-TRIMMED.json"


@pytest.fixture
def spider():
    return make_spider(UkHansardSpider)


@pytest.fixture
def contributions(spider):
    response = response_for(SOURCE, DEBATE_FILE, f"{API}/debates/debate/{EXT_ID}.json")
    return list(spider.parse_debate(response))


def search_response(data: dict, skip: int = 0) -> TextResponse:
    url = f"{API}/search/contributions/Spoken.json?queryParameters.searchTerm=x&queryParameters.skip={skip}"
    return TextResponse(url, body=json.dumps(data).encode(), request=Request(url))


def test_start_asks_each_term_with_prefixed_parameters(spider):
    requests = collect(spider.start())
    assert len(requests) == len(spider.topic.search_terms_for("en"))
    query = parse_qs(urlsplit(requests[0].url).query)
    assert urlsplit(requests[0].url).path == "/search/contributions/Spoken.json"
    assert query == {
        "queryParameters.searchTerm": [spider.topic.search_terms_for("en")[0]],
        "queryParameters.startDate": ["2022-09-01"],
        "queryParameters.orderBy": ["SittingDateDesc"],
        "queryParameters.take": ["50"],
        "queryParameters.skip": ["0"],
    }


def test_search_hits_lead_to_their_debate(spider):
    data = json.loads(fixture_path(SOURCE, SEARCH_FILE).read_text())
    out = list(spider.parse_search(search_response(data), "police stations", 0))
    # Two hits in one debate: two requests for one URL (the dupefilter keeps one); 2 < 50, no next page.
    assert [r.url for r in out] == [f"{API}/debates/debate/{EXT_ID}.json"] * 2


def test_paging_follows_to_the_end(spider):
    data = json.loads(fixture_path(SOURCE, SEARCH_FILE).read_text())
    data["SpokenResultCount"] = 120

    def next_skips(skip):
        out = spider.parse_search(search_response(data, skip), "police stations", skip)
        return [r.cb_kwargs["skip"] for r in out if "/search/" in r.url]

    assert next_skips(0) == [50]
    assert next_skips(50) == [100]
    assert next_skips(100) == []


def test_empty_result_yields_nothing_and_no_layout_error(spider):
    empty = {"SearchTerms": ["x"], "SpokenResultCount": 0, "TotalResultCount": 0, "Results": []}
    assert list(spider.parse_search(search_response(empty), "x", 0)) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_a_debate_yields_one_candidate_per_contribution(contributions):
    assert all(isinstance(c, Statement) for c in contributions)
    assert [c.speaker for c in contributions] == [
        "Alicia Kearns", "Mr Speaker", "Tom Tugendhat", "Hilary Benn", "Tom Tugendhat", "Stewart Malcolm McDonald"]
    assert len({c.record_id for c in contributions}) == 6
    assert len({c.raw for c in contributions}) == 1  # one debate, one document


def test_urgent_question_and_ministers_answer_field_by_field(contributions):
    question, _, answer = contributions[:3]
    assert question.kind == "debate_contribution"
    assert question.body == "House of Commons"
    assert question.speaker_role == "MP for Rutland and Melton (Con)"
    assert question.published == "2022-11-01"
    assert question.title == "Overseas Chinese Police Stations in UK: Legal Status"
    assert question.text.startswith("<p>(Urgent Question): To ask the Home Secretary if she will make a statement")
    assert question.record_id == "contribution:00000000-0000-0000-0000-000000000001"
    assert question.url == DEBATE_URL
    assert question.fetch_url == f"{API}/debates/debate/{EXT_ID}.json"
    assert (question.country, question.language, question.source) == ("GB", "en", "uk_hansard")

    assert answer.speaker == "Tom Tugendhat"
    assert answer.speaker_role == "Minister for Security"
    assert answer.text.startswith("<p>Thank you, Mr Speaker. It is a great pleasure to be here")
    assert "Reports of undeclared police stations in the United Kingdom" in answer.text
    assert answer.published == "2022-11-01"


def test_backbencher_question_later_in_the_debate(contributions):
    benn = contributions[3]
    assert (benn.speaker, benn.speaker_role) == ("Hilary Benn", "MP for Leeds Central (Lab)")
    assert benn.text.startswith("<p>I welcome the Minister to his place.")
    assert contributions[4].speaker_role is None  # "Tom Tugendhat" alone: no office given


def real_debate(spider, name=REAL_DEBATE_FILE, ext_id=REAL_EXT_ID, **overview):
    """The real debate's contributions; ``overview`` changes Overview fields first."""
    data = json.loads(fixture_path(SOURCE, name).read_text())
    data["Overview"].update(overview)
    url = f"{API}/debates/debate/{ext_id}.json"
    return list(spider.parse_debate(TextResponse(url, body=json.dumps(data).encode(), request=Request(url))))


def test_real_debate_column_marker_is_not_a_contribution(spider):
    """The real first item is a column-number marker (hs_ColumnNumber, an empty
    span, no attribution): it used to become a speaker-less statement of its
    own, with the opening motion appended to it."""
    items = real_debate(spider)
    assert [i.record_id for i in items] == [
        "contribution:26011462000004",  # the opening motion, no speaker: procedural, the record's own words
        "contribution:4ADF0C90-B463-4E21-A16D-A17C893209D8",
        "contribution:7ACCE45F-CBC5-4D9E-AE88-AB96DB410AED",
        "contribution:CB6D8E28-A98F-4C94-A804-11DD880ECF85",
        "contribution:3239AEAB-1E44-4C58-BFBF-EBFD32B1CD6C",
        "contribution:B532D1C5-0A64-4356-9D10-A0A5BA6EF838",
    ]
    assert not any("column-number" in i.text for i in items)
    motion = items[0]
    assert (motion.speaker, motion.speaker_role) == (None, None)
    assert motion.text == "<em>Motion made, and Question proposed, </em>That this House do now adjourn.<em>—(Stephen Morgan.)</em>"


def test_real_debate_speakers_and_roles(spider):
    items = real_debate(spider)
    assert [(i.speaker, i.speaker_role) for i in items[1:]] == [
        ("Martin Vickers", "MP for Brigg and Immingham (Con)"),
        ("Sir Edward Leigh", "MP for Gainsborough (Con)"),
        ("Martin Vickers", None),  # a member's later speech: the bare name
        ("Brian Leishman", "MP for Alloa and Grangemouth (Lab)"),
        ("Caroline Nokes", "Madam Deputy Speaker"),  # was ("Madam Deputy Speaker", "MP (Caroline Nokes)")
    ]
    first = items[1]
    assert first.title == "Oil Refining Sector"
    assert first.published == "2026-01-14"
    assert first.body == "House of Commons"
    assert first.url == f"https://hansard.parliament.uk/Commons/2026-01-14/debates/{REAL_EXT_ID}/OilRefiningSector"
    assert first.text.startswith("It is a pleasure to take part in this Adjournment debate")


def test_real_titles_lose_their_leading_space(spider):
    """Real section titles can start with a space (" Ukraine" in this
    debate's PreviousDebateTitle): the stored title and the URL slug must not."""
    items = real_debate(spider, Title=" Ukraine")
    assert {i.title for i in items} == {"Ukraine"}
    assert items[0].url.endswith(f"/debates/{REAL_EXT_ID}/Ukraine")


def test_real_child_debate_speech(spider):
    (petition,) = real_debate(spider, REAL_CHILD_FILE, REAL_CHILD_EXT_ID)
    assert petition.title == "A5036 Park Lane footbridge"
    assert (petition.speaker, petition.speaker_role) == ("Peter Dowd", "MP for Bootle (Lab)")
    assert petition.record_id == "contribution:FEBA584C-2FE8-4BE9-A742-781ACF1CF775"
    assert petition.url == ("https://hansard.parliament.uk/Commons/2026-03-03/debates/"
                            "A947B3C4-10C7-4848-BC30-2044AD943FB4/A5036ParkLaneFootbridge")


@pytest.mark.parametrize("attributed, house, expected", [
    ("Alicia Kearns (Rutland and Melton) (Con)", "Commons", ("Alicia Kearns", "MP for Rutland and Melton (Con)")),
    ("The Minister for Security (Tom Tugendhat)", "Commons", ("Tom Tugendhat", "Minister for Security")),
    ("Lord Ahmad of Wimbledon (Con)", "Lords", ("Lord Ahmad of Wimbledon", "Member of the House of Lords (Con)")),
    ("The Minister of State, Home Office (Lord Sharpe of Epsom) (Con)", "Lords",
     ("Lord Sharpe of Epsom", "Minister of State, Home Office (Con)")),
    ("Geraint Davies (Swansea West) (Lab/Co-op)", "Commons", ("Geraint Davies", "MP for Swansea West (Lab/Co-op)")),
    ("Mr Speaker", "Commons", ("Mr Speaker", None)),
    ("Madam Deputy Speaker (Caroline Nokes)", "Commons", ("Caroline Nokes", "Madam Deputy Speaker")),
    ("Mr Deputy Speaker (Mr Nigel Evans)", "Commons", ("Mr Nigel Evans", "Mr Deputy Speaker")),
    ("Sir Roger Gale (in the Chair)", "Commons", ("Sir Roger Gale", "Chair")),
    ("Martin Vickers", "Commons", ("Martin Vickers", None)),
    ("", "Commons", (None, None)),
])
def test_split_attribution(attributed, house, expected):
    assert split_attribution(attributed, house) == expected


def test_title_slug_matches_real_hansard_addresses():
    assert title_slug("Overseas Chinese Police Stations in UK: Legal Status") == "OverseasChinesePoliceStationsInUKLegalStatus"
    assert title_slug("Chinese Police Stations in UK") == "ChinesePoliceStationsInUK"


def test_unattributed_paragraphs_continue_the_speech_before():
    items = [
        {"ItemType": "Timestamp", "Value": "12:33"},
        {"ItemType": "Contribution", "AttributedTo": "A (X) (Con)", "MemberId": 1, "Value": "<p>one</p>"},
        {"ItemType": "Contribution", "AttributedTo": None, "MemberId": None, "Value": "<p>two</p>"},
        {"ItemType": "Contribution", "AttributedTo": "B (Y) (Lab)", "MemberId": 2, "Value": "<p>three</p>"},
        {"ItemType": "Contribution", "AttributedTo": "C", "MemberId": 3, "Value": "  "},
    ]
    assert [[i["Value"] for i in c] for c in group_contributions(items)] == [["<p>one</p>", "<p>two</p>"], ["<p>three</p>"]]


def test_child_debates_are_walked_and_missing_fields_tolerated(spider):
    data = json.loads(fixture_path(SOURCE, DEBATE_FILE).read_text())
    child = {"Overview": {**data["Overview"], "ExtId": "CHILD-1", "Title": "Child Section"},
             "Items": [{"ItemType": "Contribution", "ItemId": 7, "AttributedTo": None, "MemberId": None,
                        "Value": "<p>An unattributed item.</p>"}], "ChildDebates": []}
    data["Items"], data["ChildDebates"] = [], [child]
    url = f"{API}/debates/debate/{EXT_ID}.json"
    (item,) = spider.parse_debate(TextResponse(url, body=json.dumps(data).encode(), request=Request(url)))
    assert item.record_id == "contribution:7"
    assert item.speaker is None and item.title == "Child Section"
    assert item.url.endswith("/debates/CHILD-1/ChildSection")


def test_changed_shape_is_a_layout_error(spider):
    url = f"{API}/debates/debate/{EXT_ID}.json"
    assert list(spider.parse_debate(TextResponse(url, body=b'{"items": []}', request=Request(url)))) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_crawl_stores_the_urgent_question(tmp_path):
    db_path = tmp_path / "t.db"
    crawled = replay_crawl(SOURCE, db_path)
    rows = [r for r in crawled.statements if r["source"] == "uk_hansard"]
    run = [r for r in crawled.runs if r["spider"] == "uk_hansard"]
    # The title is on topic, so every contribution of the urgent question is kept.
    assert [r["speaker"] for r in rows] == ["Alicia Kearns", "Mr Speaker", "Tom Tugendhat", "Hilary Benn", "Tom Tugendhat",
                                            "Stewart Malcolm McDonald"]
    assert {r["url"] for r in rows} == {DEBATE_URL}
    assert {r["published"] for r in rows} == {"2022-11-01"}
    assert rows[2]["text"].startswith("Thank you, Mr Speaker.")
    assert [(r["status"], r["new"]) for r in run] == [("ok", 6)]
    # Stewart Malcolm McDonald names the Confucius Institutes under a title about the stations:
    # about both topics, one statement with two tags; the Minister's statement about universities
    # and academic freedom names no Confucius Institute (a real distractor for that topic).
    assert [json.loads(r["topics"]) for r in rows] == [["overseas_police_stations"]] * 5 + [
        ["confucius_institutes", "overseas_police_stations"]]
