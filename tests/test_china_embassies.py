"""PRC embassies' spokesperson pages (spiders/china_embassies.py), and the
``host_country`` field they introduced: China's embassy in Chile speaks as
China (country CN) in Chile (host_country CL)."""

import pytest

from db.store import StatementStore, content_hash
from stationwatch.items import Statement


def stored_item(record_id, host_country, text):
    """A normalised candidate as the pipelines hand it to the store (made up here)."""
    item = {
        "source": "china_embassies", "source_kind": "embassy", "country": "CN",
        "body": "Embassy of the PRC in Chile", "kind": "statement", "published": "2022-11-01",
        "title": f"Test {record_id}", "text": text, "url": f"https://example.org/{record_id}",
        "language": "es", "record_id": record_id, "matched_terms": [], "host_country": host_country,
    }
    item["text_hash"] = content_hash(text)
    return item


def test_host_country_is_stored_and_filterable(db):
    store = StatementStore(db)
    with db.atomic():
        store.save(stored_item("cl-1", "CL", "Texto de prueba sobre las estaciones de policía."))
        store.save(stored_item("ca-1", "CA", "Test text about the police service stations."))
    rows = db.execute("SELECT record_id, country FROM statements WHERE host_country = 'CL'").fetchall()
    assert rows == [("cl-1", "CN")]
    plan = " ".join(str(r) for r in db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM statements WHERE host_country = 'CL'").fetchall())
    assert "host_country" in plan  # the filter reads the index m012 added


def test_host_country_must_be_a_country_code():
    fields = dict(source="china_embassies", source_kind="embassy", country="CN", body="Embassy",
                  kind="statement", url="https://x", title="t", published="2022-11-01",
                  language="es", text="t", record_id="r")
    assert Statement(**fields, host_country="CL").host_country == "CL"
    assert Statement(**fields).host_country is None
    with pytest.raises(ValueError, match="host_country"):
        Statement(**fields, host_country="Chile")


# --- the spider, on the embassies' real texts in RECONSTRUCTED markup (PROVENANCE.md) ---

from scrapy.http import HtmlResponse, Request

from spiders.china_embassies import (
    MAX_LISTING_PAGES, ChinaEmbassiesSpider, exchange_keys, load_embassies, split_exchanges,
)
from tests.helpers import FIXTURES, collect, make_spider, replay_crawl, response_for

FIXTURES_DIR = FIXTURES / "china_embassies"

SOURCE = "china_embassies"
GB = "http://gb.china-embassy.gov.cn/eng/PressandMedia/Spokepersons/"
KR = "http://kr.china-embassy.gov.cn/kor/sgxx/"
CA = "http://ca.china-embassy.gov.cn/eng/sgxw/"


def embassy(code):
    (found,) = [e for e in load_embassies() if e.host_country == code]
    return found


def listing(spider, code, name, url, page=0):
    return list(spider.parse_listing(response_for(SOURCE, name, url), embassy(code), embassy(code).listings[0], page))


def article(spider, code, name, url):
    language = embassy(code).listings[0]["language"]
    return list(spider.parse_article(response_for(SOURCE, name, url), embassy(code), language))


def test_the_list_starts_with_the_embassies_the_issue_names():
    codes = {e.host_country for e in load_embassies()}
    assert {"CL", "CA", "KR", "GB", "NL", "IE", "IT", "ES", "DE", "US", "AU", "NZ", "JP"} <= codes
    assert embassy("CL").body == "Embassy of the PRC in Chile"
    assert "cl.china-embassy.gov.cn" in ChinaEmbassiesSpider.allowed_domains


def test_start_asks_each_sections_first_page_and_hosts_narrows_it():
    everyone = collect(make_spider(ChinaEmbassiesSpider).start())
    assert len(everyone) == sum(len(e.listings) for e in load_embassies())
    narrowed = collect(make_spider(ChinaEmbassiesSpider, hosts="gb,kr").start())
    assert [r.url for r in narrowed] == [KR + "index.htm", GB + "index.htm"]


def test_one_request_at_a_time_at_the_slow_site_pace():
    spider = make_spider(ChinaEmbassiesSpider)
    assert spider.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert spider.settings.getfloat("DOWNLOAD_DELAY") == spider.settings.getfloat("STATIONWATCH_SLOW_SITE_DELAY")


def test_listing_fetches_the_sections_articles_since_the_start_date_only():
    spider = make_spider(ChinaEmbassiesSpider)
    out = listing(spider, "GB", "gb_listing.RECONSTRUCTED.html", GB + "index.htm")
    # The August 2022 entry is older than 2022-09-01: not fetched, and the walk
    # stops there (no index_1.htm although countPage says 3); the site's top
    # story in another section is not an entry of this one.
    assert [r.url for r in out] == [GB + "202306/t20230607_11090792.htm"]
    assert out[0].cb_kwargs["language"] == "en"


def test_listing_pages_on_while_nothing_is_older_and_stops_at_the_page_count():
    spider = make_spider(ChinaEmbassiesSpider)
    first = listing(spider, "CA", "ca_listing.RECONSTRUCTED.html", CA + "index.htm")
    assert [r.url for r in first] == [CA + "202311/t20231121_11184220.htm", CA + "index_1.htm"]
    assert first[1].cb_kwargs["page"] == 1
    second = listing(spider, "CA", "ca_listing_1.RECONSTRUCTED.html", CA + "index_1.htm", page=1)
    assert [r.url for r in second] == [CA + "202305/t20230505_11070695.htm"]  # countPage 2: no index_2


def test_paging_is_bounded_however_many_pages_a_listing_claims(caplog):
    spider = make_spider(ChinaEmbassiesSpider, since="2000-01-01")
    body = (FIXTURES_DIR / "ca_listing.RECONSTRUCTED.html").read_text().replace("countPage = 2", "countPage = 400")
    url = CA + f"index_{MAX_LISTING_PAGES - 1}.htm"
    response = HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))
    out = list(spider.parse_listing(response, embassy("CA"), embassy("CA").listings[0], MAX_LISTING_PAGES - 1))
    assert [r.url for r in out] == [CA + "202311/t20231121_11184220.htm"]
    assert f"CA: stopped after {MAX_LISTING_PAGES} listing pages before reaching 2000-01-01" in caplog.text


def test_real_uk_answer_on_the_police_stations():
    spider = make_spider(ChinaEmbassiesSpider)
    (item,) = article(spider, "GB", "gb_t20230607_11090792.RECONSTRUCTED.html", GB + "202306/t20230607_11090792.htm")
    assert item.source == "china_embassies" and item.source_kind == "embassy" and item.kind == "statement"
    assert (item.country, item.host_country) == ("CN", "GB")
    assert item.body == "Embassy of the PRC in the United Kingdom"
    assert item.published == "2023-06-06"  # the article's own time, not the link's 2023-06-07
    assert item.title.startswith("Embassy Spokesperson on the Statement Made by the UK Side")
    assert item.text.startswith("I have made it clear many times that there are no so-called")
    assert item.text.endswith("stop hyping up the issue, and stop smearing China.")  # the answer's second paragraph
    assert item.context.startswith("On 6 June, Minister of State Tom Tugendhat at the Home Office")
    assert item.speaker is None and item.speaker_role == "Embassy spokesperson"
    assert item.record_id.startswith("GB-t20230607_11090792#") and len(item.record_id) == len("GB-t20230607_11090792#") + 16
    assert "Suggest to a Friend" not in item.text and item.language == "en"


def test_real_korean_statement_is_one_statement_in_korean():
    spider = make_spider(ChinaEmbassiesSpider)
    (item,) = article(spider, "KR", "kr_t20221226_10995245.RECONSTRUCTED.html", KR + "202212/t20221226_10995245.htm")
    assert item.record_id == "KR-t20221226_10995245"
    assert (item.host_country, item.language, item.published) == ("KR", "ko", "2022-12-23")
    assert item.body == "Embassy of the PRC in South Korea"
    assert item.text.startswith("저는 12월 23일 한국의 일부 언론이")
    assert "이른바 ‘해외경찰서’는 전혀 존재하지 않습니다." in item.text
    assert item.speaker_role == "Embassy spokesperson"  # 대변인 in the title
    assert item.context is None


def test_real_canadian_q_and_a_with_short_labels():
    spider = make_spider(ChinaEmbassiesSpider)
    (item,) = article(spider, "CA", "ca_t20231121_11184220.RECONSTRUCTED.html", CA + "202311/t20231121_11184220.htm")
    assert item.context.startswith("On November 18, sources were quoted by the Globe and Mail")
    assert item.text.startswith("China is a country under the rule of law.")
    assert item.published == "2023-11-20"


def test_an_answer_keeps_its_record_id_when_an_earlier_exchange_is_removed():
    paras = ["Q: PLACEHOLDER first question?", "A: PLACEHOLDER first answer.",
             "Question: On 6 June, a real question?", "Embassy Spokesperson: The real answer.", "Its second paragraph."]
    both = split_exchanges(paras)
    alone = split_exchanges(paras[2:])
    assert [e.answer for e in both][1] == alone[0].answer == ["The real answer.", "Its second paragraph."]
    assert exchange_keys(both)[1] == exchange_keys(alone)[0]


def test_opening_paragraphs_before_the_first_question_are_their_own_statement():
    exchanges = split_exchanges(["PLACEHOLDER opening remark.", "Q: PLACEHOLDER question?", "A: PLACEHOLDER answer."])
    assert [(e.question, e.answer) for e in exchanges] == [([], ["PLACEHOLDER opening remark."]),
                                                          (["PLACEHOLDER question?"], ["PLACEHOLDER answer."])]
    assert exchange_keys(exchanges)[0] == "opening"


def test_a_page_without_its_article_body_is_a_layout_change():
    spider = make_spider(ChinaEmbassiesSpider)
    assert article(spider, "GB", "article_without_body.RECONSTRUCTED.html", GB + "202306/t20230607_11090792.htm") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_a_listing_without_article_links_is_a_layout_change():
    spider = make_spider(ChinaEmbassiesSpider)
    url = GB + "index.htm"
    response = HtmlResponse(url, body=b"<html><body><p>Service unavailable</p></body></html>", request=Request(url))
    assert list(spider.parse_listing(response, embassy("GB"), embassy("GB").listings[0], 0)) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_end_to_end_replay_stores_what_china_said_where(tmp_path):
    # Every topic from 2022-09-01, where the recordings start (a first run would ask the
    # Confucius Institutes topic from its own 2019-01-01, past what was recorded).
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", "since=2022-09-01")
    by_host = {s["host_country"]: s for s in crawled.statements}
    # The UK answer and the Korean statement are on topic; the Canadian and
    # New Zealand remarks (espionage cases, "interference") are dropped.
    assert sorted(by_host) == ["GB", "KR"]
    gb, kr = by_host["GB"], by_host["KR"]
    assert (gb["country"], gb["source_kind"], gb["body"]) == ("CN", "embassy", "Embassy of the PRC in the United Kingdom")
    assert gb["published"] == "2023-06-06" and gb["url"] == GB + "202306/t20230607_11090792.htm"
    assert kr["language"] == "ko" and "해외경찰서" in kr["text"]
    (run,) = crawled.runs
    assert run["status"] == "ok", run
    assert run["dropped"] == 3  # two Canadian remarks, one New Zealand remark
    asked = [path for path, _headers in crawled.requests]
    assert not [p for p in asked if "_999999" in p]  # entries older than the start date are never fetched
    assert any(p.endswith("/eng/sgxw/index_1.htm") for p in asked)
