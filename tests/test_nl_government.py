"""nl_government against recorded Rijksoverheid open data responses (city-scrapers style)."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from scrapy.http import Request, XmlResponse

from spiders.nl_government import API, NlGovernmentSpider, published_date, _xml_root
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "nl_government"
TRANSCRIPT_ID = "02dbce21-c2a6-4310-9ed5-aab7b27467ac"
# A transcript statement's id: the document's and a hash of speaker, question
# and answer (pinned: a change of the hash would make every stored turn new).
OPENING_ID = f"{TRANSCRIPT_ID}#21466c5db7eab002"
PAIR_ID = f"{TRANSCRIPT_ID}#721157411a8944e6"
ANSWER_ID = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def spider():
    return make_spider(NlGovernmentSpider)


@pytest.fixture
def transcript(spider):
    response = response_for(SOURCE, "rijksoverheid_documents_detail_mediatekst.REPAIRED.xml", f"{API}/documents/{TRANSCRIPT_ID}")
    return list(spider.parse_detail(response))


def listing(spider, name, feed="documents", offset=0):
    return list(spider.parse_list(response_for(SOURCE, name, f"{API}/{feed}?offset={offset}"), feed, offset))


def test_start_lists_documents_and_news_modified_since(spider):
    requests = collect(spider.start())
    assert [urlsplit(r.url).path for r in requests] == [
        "/v1/sources/rijksoverheid/documents", "/v1/sources/rijksoverheid/infotypes/news"]
    assert dict(parse_qsl(urlsplit(requests[0].url).query)) == {
        "lastmodifiedsince": "20220901", "rows": "100", "offset": "0"}


def test_real_document_list_fetches_the_transcript_and_the_next_page(spider):
    out = listing(spider, "rijksoverheid_documents_list.xml")
    # Only the press-conference transcript: the report, policy note, deed and
    # letter use no topic word in title or introduction.
    assert [r.url for r in out] == [
        f"{API}/documents/{TRANSCRIPT_ID}",  # from the id: the recorded dataurl host is a test mock
        f"{API}/documents?lastmodifiedsince=20220901&rows=100&offset=100",
    ]
    assert spider.crawler.stats.get_value("stationwatch/records") == 4  # passed over; the transcript counts when parsed


def test_real_news_list_is_off_topic_so_only_paging_follows(spider):
    out = listing(spider, "rijksoverheid_infotypes_news_list.TRIMMED.xml", "infotypes/news", 100)
    assert [r.url for r in out] == [f"{API}/infotypes/news?lastmodifiedsince=20220901&rows=100&offset=200"]


def test_list_item_using_a_topic_word_is_fetched(spider):
    out = listing(spider, "rijksoverheid_documents_list_page2.RECONSTRUCTED.xml", offset=100)
    assert [r.url for r in out][0] == f"{API}/documents/{ANSWER_ID}"  # "Chinese politiebureaus" in the title
    assert spider.mentions_topic_words("Kabinet over China en Taiwan")
    assert not spider.mentions_topic_words("Staat ontvangt ruim 700 miljoen dividend")


def test_empty_page_ends_paging_without_a_layout_change(spider):
    assert listing(spider, "rijksoverheid_documents_empty.xml", offset=200) == []
    assert listing(spider, "rijksoverheid_newsitems_empty.DERIVED.xml", "infotypes/news", 200) == []
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")


def test_transcript_opening_statement(transcript):
    opening = transcript[0]
    assert opening.record_id == OPENING_ID
    assert opening.kind == "briefing"
    assert opening.title == "Letterlijke tekst persconferentie na ministerraad 17 november 2017"
    assert opening.speaker == "De Jonge"
    assert opening.speaker_role == "viceminister-president"
    assert opening.body == "Ministerie van Algemene Zaken"
    assert (opening.source_kind, opening.country, opening.language) == ("ministry", "NL", "nl")
    assert opening.published == "2017-11-17"
    assert opening.url == ("https://www.rijksoverheid.nl/documenten/mediateksten/2017/11/17/"
                           "letterlijke-tekst-persconferentie-na-ministerraad-17-november-2017")
    assert opening.fetch_url == f"{API}/documents/{TRANSCRIPT_ID}"
    assert opening.text.startswith("<p>Goedemiddag. Minister-president Rutte is op dit moment in Göteborg")
    assert "400 miljoen vrij voor de komende begroting van Defensie" in opening.text
    assert "Afschaffing referendumwet" not in opening.text
    assert opening.context is None


def test_transcript_question_and_answer_pair(transcript):
    # One candidate per pair: the recorded transcript ends with a question
    # cut off before its answer ("BORGMAN ..."), which yields nothing.
    assert len(transcript) == 2
    pair = transcript[1]
    assert pair.record_id == PAIR_ID
    assert pair.title == "Letterlijke tekst persconferentie na ministerraad 17 november 2017: Afschaffing referendumwet"
    assert pair.speaker == "De Jonge" and pair.speaker_role == "viceminister-president"
    assert pair.text.startswith("<p>Collega Ollongren heeft in dat debat aangegeven")
    assert "DE JONGE" not in pair.text and "BORGMAN" not in pair.text
    assert pair.context.startswith("<p>Meneer De Jonge, deze week was in de Tweede Kamer het debat")


def test_a_pair_keeps_its_id_when_the_opening_statement_is_removed(spider):
    body = fixture_path(SOURCE, "rijksoverheid_documents_detail_mediatekst.REPAIRED.xml").read_text()
    start, end = body.index("<p>Goedemiddag."), body.index("<h2>Afschaffing referendumwet</h2>")
    url = f"{API}/documents/{TRANSCRIPT_ID}"
    shorter = XmlResponse(url, body=(body[:start] + body[end:]).encode(), request=Request(url))
    (pair,) = spider.parse_detail(shorter)
    assert pair.record_id == PAIR_ID
    assert pair.context.startswith("<p>Meneer De Jonge, deze week was in de Tweede Kamer het debat")


def test_document_without_text_uses_its_title(spider):
    response = response_for(SOURCE, "rijksoverheid_documents_detail_publicatie.xml",
                            f"{API}/documents/0acb97b8-b3cf-4654-92c2-0fa4199c100c")
    (item,) = spider.parse_detail(response)
    assert item.record_id == "0acb97b8-b3cf-4654-92c2-0fa4199c100c"
    assert item.text == item.title == "Akte van aanstelling 001474"  # its text is only in PDF files
    assert item.body == "Ministerie van Defensie"  # authorities, not creators
    assert item.published == "1985-08-05"
    assert item.kind == "document"  # "publicatie" is no kind of the shared vocabulary


def test_published_is_the_date_the_site_shows_in_dutch_time():
    xml = response_for(SOURCE, "rijksoverheid_documents_list.xml", f"{API}/documents")
    report = _xml_root(xml).xpath("document[id='5afce6ec-a4ed-4c62-a6d5-168a59247678']")[0]
    assert published_date(report) == "1998-08-31"  # initialdate says 2021: when it was put online
    late = _xml_root(XmlResponse("https://x", body=b"<document><frontenddate>2022-11-01T23:30:00.000Z</frontenddate></document>"))
    assert published_date(late) == "2022-11-02"


def test_answer_to_parliament_reconstructed(spider):
    # RECONSTRUCTED record: real subject, date, ministries and answer text; ids and slug are placeholders.
    response = response_for(SOURCE, "rijksoverheid_documents_detail_kamerstuk-chinese-politiebureaus.RECONSTRUCTED.xml",
                            f"{API}/documents/{ANSWER_ID}")
    (item,) = spider.parse_detail(response)
    assert item.kind == "letter_to_parliament"
    assert item.body == "Ministerie van Buitenlandse Zaken"
    assert item.published == "2022-12-20"
    assert "«overzeese politie service stations» is onacceptabel" in item.text
    assert "<h2>Vraag 2</h2>" in item.text


def test_error_page_instead_of_xml_is_a_layout_change(spider):
    url = f"{API}/documents?offset=0"
    odd = XmlResponse(url, body=b"<html><body>Service tijdelijk niet beschikbaar</body></html>", request=Request(url))
    assert list(spider.parse_list(odd, "documents", 0)) == []
    gone = XmlResponse(f"{API}/documents/x", body=b"<error><message>not found</message></error>", request=Request(url))
    assert list(spider.parse_detail(gone)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


def test_crawl_end_to_end_through_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    asked = [path for path, _ in crawled.requests]
    (statement,) = crawled.statements
    (run,) = crawled.runs
    assert statement["source"] == "nl_government"
    assert statement["body"] == "Ministerie van Buitenlandse Zaken"
    assert (statement["country"], statement["language"], statement["published"]) == ("NL", "nl", "2022-12-20")
    assert statement["url"].startswith("https://www.rijksoverheid.nl/documenten/kamerstukken/2022/12/20/")
    assert "overzeese politie service station" in json.loads(statement["matched_terms"])
    # Documents paged to the empty third page; news to its empty second page.
    assert any("documents?" in p and "offset=200" in p for p in asked)
    assert any("infotypes/news?" in p and "offset=100" in p for p in asked)
    # 4 + 1 documents and 3 news items passed over, the transcript's two statements made; those two dropped off-topic.
    assert (run["status"], run["records"], run["new"], run["dropped"], run["errors"]) == ("ok", 10, 1, 2, 0)
