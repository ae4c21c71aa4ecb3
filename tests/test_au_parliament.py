"""au_parliament on ParlInfo transcripts: real text in RECONSTRUCTED markup
(tests/fixtures/au_parliament/PROVENANCE.md)."""

from urllib.parse import unquote

from scrapy.http import HtmlResponse, Request

from spiders.au_parliament import (
    MAX_RESULT_PAGES, RESULTS_PER_PAGE, AuParliamentSpider, contribution_keys, contributions, display_url,
)
from tests.helpers import collect, make_spider, replay_crawl, response_for

SOURCE = "au_parliament"
ESTIMATES_2022 = "committees/estimate/99999/0004"
ECONOMICS_2020 = "committees/commsen/ce934c9d-b043-41b7-8003-d8980d15f28c/0006"
ESTIMATES_2015 = "committees/estimate/b2ac3d04-3b49-4dbc-b8f5-568935767ea9/0004"
SEARCH = "https://parlinfo.aph.gov.au/parlInfo/search/summary/summary.w3p;query=x"


def fragment(spider, record_id, name):
    return list(spider.parse_fragment(response_for(SOURCE, name, display_url(record_id)), record_id))


def test_start_searches_each_term_in_the_transcripts_since_the_start_date():
    spider = make_spider(AuParliamentSpider, since="2022-10-01")
    requests = collect(spider.start())
    assert len(requests) == len(spider.topic.search_terms_for("en"))
    query = unquote(requests[0].url)
    assert f'"{spider.topic.search_terms_for("en")[0]}"' in query
    assert "Dataset:estimate,commsen,commjnt,commrep,hansards,hansardr" in query
    assert "Date:01/10/2022 >> " in query and ";resCount=100" in query and ";page=0;" in query


def test_one_request_at_a_time_at_the_slow_site_pace():
    spider = make_spider(AuParliamentSpider)
    assert spider.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1


def test_results_lead_to_each_fragment_once():
    spider = make_spider(AuParliamentSpider)
    out = list(spider.parse_results(response_for(SOURCE, "search_results.RECONSTRUCTED.html", SEARCH), "t", 0))
    assert [r.cb_kwargs["record_id"] for r in out] == [ESTIMATES_2022, ECONOMICS_2020, ESTIMATES_2015]
    assert out[0].url == ("https://parlinfo.aph.gov.au/parlInfo/search/display/display.w3p;"
                          "query=Id%3A%22committees%2Festimate%2F99999%2F0004%22")


def test_a_full_results_page_leads_to_the_next_within_the_bound():
    spider = make_spider(AuParliamentSpider)
    links = "".join(f'<a href="/parlInfo/search/display/display.w3p;query=Id%3A%22committees%2Festimate%2F{n}%2F0001%22">r</a>'
                    for n in range(RESULTS_PER_PAGE))
    page = HtmlResponse(SEARCH, body=f"<html><body>{links}</body></html>".encode(), request=Request(SEARCH))
    first = list(spider.parse_results(page, "Chinese police stations", 0))
    assert len(first) == RESULTS_PER_PAGE + 1 and ";page=1;" in first[-1].url
    last = list(spider.parse_results(page, "Chinese police stations", MAX_RESULT_PAGES - 1))
    assert len(last) == RESULTS_PER_PAGE  # no page beyond the bound


def test_no_results_is_not_a_layout_change_but_a_challenge_page_is():
    spider = make_spider(AuParliamentSpider)
    assert list(spider.parse_results(response_for(SOURCE, "search_no_results.RECONSTRUCTED.html", SEARCH), "t", 0)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") is None
    assert list(spider.parse_results(response_for(SOURCE, "waf_challenge.RECONSTRUCTED.html", SEARCH), "t", 0)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_real_committee_hearing_officer_role_from_the_witness_line():
    spider = make_spider(AuParliamentSpider)
    chair, officer = fragment(spider, ECONOMICS_2020, "display_commsen_ce934c9d_0006.RECONSTRUCTED.html")
    assert (chair.speaker, chair.speaker_role) == ("Senator Kitching", "Acting Chair")
    assert chair.text.startswith("I now welcome representatives from the Australian Federal Police.")
    assert (officer.speaker, officer.speaker_role) == (
        "Mr McCartney", "Deputy Commissioner of Investigations, Australian Federal Police")
    assert officer.text.startswith("Thank you for the invitation to appear before the committee today.")
    assert officer.context == chair.text  # the chair's invitation is what he answers
    assert officer.published == "2020-08-07" and officer.country == "AU" and officer.source_kind == "parliament"
    assert officer.body == "Australian Senate" and officer.kind == "committee_evidence"
    assert officer.title == "Economics References Committee : 07/08/2020 : Inquiry into foreign investment proposals"
    assert officer.url == display_url(ECONOMICS_2020)
    assert officer.record_id.startswith(ECONOMICS_2020 + "#")


def test_real_estimates_minister_at_the_table_and_timestamps():
    spider = make_spider(AuParliamentSpider)
    items = fragment(spider, ESTIMATES_2015, "display_estimate_b2ac3d04_0004.RECONSTRUCTED.html")
    assert [(i.speaker, i.speaker_role) for i in items[:3]] == [
        ("CHAIR", "Chair"), ("Senator Brandis", "Minister"), ("CHAIR", "Chair")]
    assert items[1].text == "Mr Chairman, can I make an inquiry through you?"
    assert items[2].text == "Yes."
    assert not any("[14:20]" in i.text for i in items)
    assert items[0].published == "2015-10-20"


def test_senators_asking_are_senators_and_an_answer_carries_the_line_of_questioning():
    spider = make_spider(AuParliamentSpider)
    items = fragment(spider, ESTIMATES_2022, "display_estimate_99999_0004.RECONSTRUCTED.html")
    roles = {(i.speaker, i.speaker_role) for i in items}
    assert roles == {("Senator PATERSON", "Senator"), ("Mr McCartney", "Deputy Commissioner, Australian Federal Police"),
                     ("CHAIR", "Chair")}
    (answer,) = [i for i in items if i.text == "I don't believe it's active."]
    # The answer names nothing; the senator's questions before it name the contact point.
    assert "Chinese police contact point was set up in Sydney" in answer.context
    assert answer.context.endswith("you don't have concerns because you don't believe it's active?")


def test_a_contribution_keeps_its_record_id_when_an_earlier_one_is_removed():
    response = response_for(SOURCE, "display_estimate_99999_0004.RECONSTRUCTED.html", display_url(ESTIMATES_2022))
    document = response.css(".docDiv")[0]
    full = contributions(document)
    first_paragraph = response.css(".docDiv p.HPS-Normal").get()
    shorter_html = response.text.replace(first_paragraph, "")
    shorter = HtmlResponse(response.url, body=shorter_html.encode(), encoding="utf-8", request=Request(response.url))
    fewer = contributions(shorter.css(".docDiv")[0])
    assert len(fewer) == len(full) - 1
    assert contribution_keys(fewer)[2] == contribution_keys(full)[3]  # "I don't believe it's active."


def test_a_display_page_without_a_transcript_is_a_layout_change():
    spider = make_spider(AuParliamentSpider)
    assert fragment(spider, ESTIMATES_2022, "waf_challenge.RECONSTRUCTED.html") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    # Every search term gets the one recorded results page: each fragment is fetched once.
    fetched = [path for path, _headers in crawled.requests if "display.w3p" in path]
    assert len(fetched) == 3
    by_text = {s["text"]: s for s in crawled.statements}
    answer = by_text["I don't believe it's active."]
    assert (answer["speaker"], answer["speaker_role"]) == ("Mr McCartney", "Deputy Commissioner, Australian Federal Police")
    assert (answer["country"], answer["body"], answer["published"]) == ("AU", "Australian Senate", "2022-11-08")
    assert answer["url"] == display_url(ESTIMATES_2022)
    # The 2015 and 2020 fragments are off topic: nothing of them is stored.
    assert {s["published"] for s in crawled.statements} == {"2022-11-08"}
    (run,) = crawled.runs
    assert run["status"] == "ok", run
    assert run["records"] == 7 + 2 + 7
