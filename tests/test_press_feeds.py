"""press_feeds against recorded feeds and articles (city-scrapers style).

BBC World is a real recorded feed (trimmed); the other feeds are
RECONSTRUCTED around real articles' titles, links and dates, and the
articles are real text in RECONSTRUCTED markup (see the PROVENANCE.md files).
"""

import json

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse

import db as database
from core.health import Stat
from spiders.press_feeds import PressFeedsSpider, load_feeds
from stationwatch.items import Statement
from tests.helpers import FIXTURES, collect, make_spider, replay_crawl

SOURCE = "press_feeds"
MANIFEST = FIXTURES / SOURCE / "replay.yml"


def feed_response(name: str, url: str):
    return XmlResponse(url=url, body=(FIXTURES / SOURCE / name).read_bytes(), request=Request(url))


def article_response(name: str, url: str):
    return HtmlResponse(url=url, body=(FIXTURES / "articles" / name).read_bytes(), request=Request(url),
                        encoding="utf-8")


@pytest.fixture
def spider():
    return make_spider(PressFeedsSpider)


def feed(name):
    return next(f for f in load_feeds() if f.name == name)


def test_starting_list_covers_six_countries_and_five_languages_with_a_sample_each():
    feeds = load_feeds()
    assert len({f.country for f in feeds}) >= 6
    assert len({f.language for f in feeds}) >= 5
    assert {f.kind for f in feeds} == {"rss", "atom", "rdf", "search"}
    recorded = {entry.split("url: ", 1)[1].split("?")[0] for entry in MANIFEST.read_text().splitlines()
                if entry.startswith("- url: ")}
    for f in feeds:
        assert f.url.split("?")[0] in recorded, f"{f.name} has no recorded sample"


def test_start_asks_each_feed_and_each_search_term(spider):
    urls = [r.url for r in collect(spider.start())]
    assert "https://feeds.bbci.co.uk/news/world/rss.xml" in urls
    assert "https://nieuws.nl/feed/atom/" in urls
    terms = spider.topic.search_terms_for("es")
    assert "https://news.google.com/rss/search?q=comisar%C3%ADas+chinas&hl=es&gl=ES&ceid=ES:es" in urls
    assert sum("ceid=ES:es" in u for u in urls) == len(terms)


def test_another_feeds_file(tmp_path):
    path = tmp_path / "feeds.yml"
    path.write_text("feeds:\n  - {name: only, url: 'https://example.org/rss', country: FR, language: fr,"
                    " outlet: Example, kind: rss}\n")
    spider = make_spider(PressFeedsSpider, feeds=str(path))
    assert [r.url for r in collect(spider.start())] == ["https://example.org/rss"]


@pytest.mark.parametrize("text, error", [
    ("feeds:\n  - {name: x, url: 'https://e.org/', country: FR, language: fr, kind: rss}\n", "needs its outlet"),
    ("feeds:\n  - {name: x, url: 'https://e.org/', country: FR, language: fr, kind: search}\n", "{query}"),
    ("feeds:\n  - {name: x, url: 'https://e.org/', country: FR, language: fr, outlet: E, kind: json}\n", "kind"),
    ("feeds:\n  - {name: x, country: FR, language: fr, outlet: E, kind: rss}\n", "lacks url"),
])
def test_malformed_feeds_file_names_the_problem(tmp_path, text, error):
    path = tmp_path / "feeds.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=error.replace("{", r"\{").replace("}", r"\}")):
        load_feeds(path)


def test_real_bbc_feed_is_parsed_and_its_off_topic_items_are_not_fetched():
    spider = make_spider(PressFeedsSpider, since="2019-01-01")  # the recording is from February 2019
    response = feed_response("bbc_world_rss.TRIMMED.xml", "https://feeds.bbci.co.uk/news/world/rss.xml")
    assert list(spider.parse_feed(response, feed("bbc_world"))) == []
    stats = spider.crawler.stats
    assert stats.get_value("stationwatch/records") == 3
    assert stats.get_value("stationwatch/press/feed_items_off_topic") == 3


def test_on_topic_bbc_item_would_be_fetched():
    spider = make_spider(PressFeedsSpider, since="2019-01-01")
    body = (FIXTURES / SOURCE / "bbc_world_rss.TRIMMED.xml").read_text()
    body = body.replace("Bangladesh plane forced to land in 'hijack attempt'", "Chinese police station in Dublin told to close")
    url = "https://feeds.bbci.co.uk/news/world/rss.xml"
    (request,) = spider.parse_feed(XmlResponse(url=url, body=body.encode(), request=Request(url)), feed("bbc_world"))
    assert request.url == "https://www.bbc.co.uk/news/world-asia-47350138"
    assert request.cb_kwargs["outlet"] == "BBC News"
    assert request.cb_kwargs["feed_date"] == "2019-02-24"


@pytest.mark.parametrize("name, fixture, url, link, date", [
    ("nieuws_nl", "nieuws_nl_atom.RECONSTRUCTED.xml", "https://nieuws.nl/feed/atom/",
     "https://nieuws.nl/algemeen/20221101/chinese-politiebureaus-in-nederland-moeten-per-direct-dicht/", "2022-11-01"),
    ("giessener_allgemeine", "giessener_allgemeine_rdf.RECONSTRUCTED.xml", "https://www.giessener-allgemeine.de/rssfeed.rdf",
     "https://www.giessener-allgemeine.de/hessen/china-polizeibuero-in-hessen-91884216.html", "2022-10-29"),
    ("nrc", "nrc_rss.RECONSTRUCTED.xml", "https://www.nrc.nl/rss/",
     "https://www.nrc.nl/nieuws/2022/11/01/chinese-politiebureaus-in-nederland-moeten-van-minister-hoekstra-onmiddellijk-dicht-a4146910",
     "2022-11-01"),
])
def test_atom_rdf_and_rss_items_lead_to_their_articles(spider, name, fixture, url, link, date):
    (request,) = spider.parse_feed(feed_response(fixture, url), feed(name))
    assert request.url == link
    assert request.cb_kwargs["feed_date"] == date


def test_search_feed_keeps_every_item_and_names_the_publisher(spider):
    url = "https://news.google.com/rss/search?q=x&hl=en-IE&gl=IE&ceid=IE:en"
    requests = list(spider.parse_feed(feed_response("google_news_ie_search.RECONSTRUCTED.xml", url), feed("google_news_ie")))
    assert [r.cb_kwargs["outlet"] for r in requests] == ["Echo Live", "Newstalk"]
    assert requests[0].cb_kwargs["feed_title"] == "Chinese ‘police station’ in Dublin ordered to close"
    assert requests[0].url.startswith("https://news.google.com/rss/articles/")


def test_items_older_than_since_are_skipped():
    spider = make_spider(PressFeedsSpider, since="2023-01-01")
    response = feed_response("nrc_rss.RECONSTRUCTED.xml", "https://www.nrc.nl/rss/")
    assert list(spider.parse_feed(response, feed("nrc"))) == []


def test_not_a_feed_is_a_layout_change(spider):
    url = "https://www.nrc.nl/rss/"
    response = HtmlResponse(url=url, body=b"<html><body>Please accept cookies</body></html>", request=Request(url))
    assert list(spider.parse_feed(response, feed("nrc"))) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1


def test_article_yields_official_quotes_with_speaker_country_and_outlet(spider):
    url = "https://www.thescottishsun.co.uk/news/9676666/loon-fung-glasgow-breaks-silence-secret-chinese-police-station/"
    items = list(spider.parse_article(article_response("thescottishsun_9676666.RECONSTRUCTED.html", url),
                                      feed("scotsman"), "The Scottish Sun", "", "2022-10-28"))
    assert all(isinstance(i, Statement) for i in items)
    home_office = next(i for i in items if i.body == "Home Office")
    assert home_office.kind == "quoted_statement" and home_office.source_kind == "press"
    assert home_office.speaker == "Home Office spokesperson"
    assert home_office.country == "GB" and home_office.outlet == "The Scottish Sun"
    assert home_office.url == url and home_office.published == "2022-10-28" and home_office.language == "en"
    assert home_office.text.startswith("Any foreign country operating on UK soil must abide by UK law.")
    assert "Loon Fung" in home_office.context  # the headline, for relevance
    assert {i.speaker for i in items} == {"Nicola Sturgeon", "Andy Freeburn", "Home Office spokesperson"}
    assert len({i.record_id for i in items}) == len(items)
    assert len({i.raw for i in items}) == 1  # one document, one version
    stats = spider.crawler.stats
    assert stats.get_value("stationwatch/press/unofficial_quotes") == 2  # the manager, Safeguard Defenders
    assert stats.get_value("stationwatch/press/official_quotes") == 3


def test_record_ids_are_stable_across_runs(spider):
    url = "https://www.nrc.nl/nieuws/2022/11/01/x-a4146910"
    first = [i.record_id for i in spider.parse_article(article_response("nrc_a4146910.RECONSTRUCTED.html", url),
                                                        feed("nrc"), "NRC", "", None)]
    again = [i.record_id for i in make_spider(PressFeedsSpider).parse_article(
        article_response("nrc_a4146910.RECONSTRUCTED.html", url), feed("nrc"), "NRC", "", None)]
    assert first == again and first


def test_search_link_that_did_not_redirect_is_counted(spider):
    url = "https://news.google.com/rss/articles/abc?oc=5"
    response = HtmlResponse(url=url, body=b"<html><body><p>Opening...</p></body></html>", request=Request(url))
    assert list(spider.parse_article(response, feed("google_news_ie"), "Echo Live", "t", None)) == []
    assert spider.crawler.stats.get_value("stationwatch/press/unresolved_links") == 1


def test_end_to_end_through_the_replay_server(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    rows = crawled.statements
    (run,) = crawled.runs
    assert run["status"] == "ok" and run["new"] == len(rows)
    assert {r["country"] for r in rows} >= {"GB", "IE", "NL", "DE", "IT", "ES", "CL", "PT", "JP", "CN"}
    assert len({r["language"] for r in rows}) >= 8  # what `make demo` shows of the press (#18)
    dfa = [r for r in rows if r["body"] == "Department of Foreign Affairs" and r["kind"] == "quoted_statement"]
    assert [(r["speaker"], r["outlet"], r["url"]) for r in dfa] == [
        ("Department of Foreign Affairs spokesperson", "Echo Live", "https://www.echolive.ie/nationalnews/arid-40993718.html")]
    assert any(r["kind"] == "reported_action" and r["outlet"] == "Newstalk" for r in rows)
    assert not any("bbc.co.uk" in r["url"] for r in rows)  # off-topic feed items were never fetched
    # Quotes nobody could be named for are kept for review, apart from the statements (#18).
    conn = database.connect(tmp_path / "t.db")
    kept = list(conn.query("SELECT * FROM unattributed_quotes"))
    conn.close()
    assert kept and all(q["run_id"] == run["id"] and q["source"] == SOURCE for q in kept)
    assert all(q["url"].startswith("https://") and q["text"] for q in kept)
    assert not {q["text_hash"] for q in kept} & {r["text_hash"] for r in rows}
    assert json.loads(run["stats"])[Stat.UNATTRIBUTED_KEPT] == len(kept)


def test_a_gone_feed_is_its_layout_change(spider):
    url = "https://www.nrc.nl/rss/"
    response = HtmlResponse(url=url, status=404, body=b"Not Found", request=Request(url))
    assert list(spider.parse_feed(response, feed("nrc"))) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 1
    request = next(r for r in collect(spider.start()) if r.url == url)
    assert 404 in request.meta["handle_httpstatus_list"]  # the answer reaches parse_feed


def test_non_article_page_is_skipped_with_a_reason(spider, caplog):
    url = "https://www.example-mixed.invalid/video/chinese-politiebureaus"
    response = HtmlResponse(url=url, body=(FIXTURES / SOURCE / "not_an_article.MADE.html").read_bytes(),
                            request=Request(url), encoding="utf-8")
    with caplog.at_level("INFO"):
        assert list(spider.parse_article(response, feed("nrc"), "NRC", "Video", None)) == []
    assert spider.crawler.stats.get_value("stationwatch/press/pages_not_articles") == 1
    assert "not an article (og:type is 'video.other')" in caplog.text
    assert not spider.crawler.stats.get_value("stationwatch/layout_errors")  # a page, not a redesign


def test_article_in_a_language_without_rules_is_skipped_with_a_reason(spider, caplog):
    url = "https://www.example-mixed.invalid/pl/chinskie-posterunki"
    response = HtmlResponse(url=url, body=(FIXTURES / SOURCE / "polish_article.MADE.html").read_bytes(),
                            request=Request(url), encoding="utf-8")
    with caplog.at_level("INFO"):
        assert list(spider.parse_article(response, feed("nrc"), "NRC", "Polen", None)) == []
    assert spider.crawler.stats.get_value("stationwatch/press/articles_skipped_language") == 1
    assert "no attribution rules for language 'pl'" in caplog.text


def test_feed_in_a_language_without_rules_is_not_fetched(spider, caplog):
    rts = feed("rts")
    response = feed_response("bbc_world_rss.TRIMMED.xml", rts.url)
    with caplog.at_level("INFO"):
        assert list(spider.parse_feed(response, rts)) == []
    assert "no attribution rules for language 'sr'" in caplog.text


def test_bad_feeds_and_pages_are_skipped_with_a_reason(tmp_path):
    """Through the replay server: a feed answering 404, one answering a web
    page, and a feed whose items lead to a video page, a Polish article and
    a real article. Each bad one is logged with its reason; the good article
    is still stored."""
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", f"feeds={FIXTURES / SOURCE / 'bad_feeds.yml'}",
                           manifests=[MANIFEST, FIXTURES / SOURCE / "bad_replay.yml"])
    log = crawled.result.stderr
    assert "gone: the feed answered 404" in log
    assert "cookie_wall: not a feed" in log
    assert "mixed: skipped, not an article (og:type is 'video.other')" in log
    assert "no attribution rules for language 'pl'" in log
    (run,) = crawled.runs
    assert run["status"] == "layout_changed"  # two feeds changed: said, not silent
    hoekstra = [r for r in crawled.statements if r["url"].endswith("a4146910")]
    assert hoekstra and all(r["country"] == "NL" for r in hoekstra)  # nothing else lost


def test_every_country_that_responded_has_a_national_feed_and_every_language_a_search():
    feeds = load_feeds()
    publishers = {f.country for f in feeds if f.kind != "search"}
    assert publishers >= {"GB", "IE", "NL", "BE", "DE", "AT", "FR", "ES", "PT", "IT", "SE", "CZ", "HU", "RS", "HR",
                          "CH", "US", "CA", "CL", "AU", "NZ", "JP", "KR", "CN"}
    searched = {f.language for f in feeds if f.kind == "search"}
    assert searched >= {"en", "nl", "de", "fr", "es", "pt", "it", "sv", "cs", "hu", "ja", "ko", "zh"}
    text = (FIXTURES.parent.parent / "config" / "feeds.yml").read_text(encoding="utf-8")
    for f in feeds[9:]:  # the feeds of #18 each say where their URL was seen
        before = text[:text.index(f.url)].rstrip().rsplit("\n", 3)
        assert any("seen" in line or "hl/gl/ceid" in line or "- {name: google_news" in line for line in before), f.name


# -- a press quote of an official statement already stored (#18) ------------

def _normalised(items):
    from itemadapter import ItemAdapter

    from pipelines.normalize import NormalizePipeline

    normalize = NormalizePipeline()
    return [dict(ItemAdapter(normalize.process_item(i))) for i in items if isinstance(i, Statement)]


def _fmqs_answer_and_echo_live_quote():
    """The First Minister's answer from the Scottish Parliament's Official
    Report (27 Oct 2022) and Echo Live quoting it, both read by the real spiders."""
    from spiders.scottish_parliament import ScottishParliamentSpider
    from tests.helpers import response_for
    from tests.test_scottish_parliament import FMQS_FILE, FMQS_URL, with_members

    sp = with_members(make_spider(ScottishParliamentSpider))
    answers = [i for i in _normalised(sp.parse_official_report_item(
        response_for("scottish_parliament", FMQS_FILE, FMQS_URL))) if "deeply concerning" in i["text"]]
    url = "https://www.echolive.ie/nationalnews/arid-40993718.html"
    quotes = [i for i in _normalised(make_spider(PressFeedsSpider).parse_article(
        article_response("echolive_arid-40993718.RECONSTRUCTED.html", url), feed("google_news_ie"), "Echo Live", "",
        None)) if i["speaker"] == "Nicola Sturgeon"]
    assert len(answers) == 1 and len(quotes) == 1
    return answers[0], quotes[0]


def _places(db, text_part):
    """The responses holding ``text_part`` (clusters) and the URLs each appeared at."""
    rows = list(db.query(
        "SELECT s.cluster_id, s.url FROM statements s WHERE s.cluster_id IN"
        " (SELECT cluster_id FROM statements WHERE text LIKE :t)"
        " UNION SELECT s.cluster_id, m.url FROM mentions m JOIN statements s ON s.id = m.statement_id"
        " WHERE s.cluster_id IN (SELECT cluster_id FROM statements WHERE text LIKE :t)", {"t": f"%{text_part}%"}))
    return {r["cluster_id"] for r in rows}, {r["url"] for r in rows}


@pytest.mark.parametrize("official_first", [True, False])
def test_a_press_quote_of_an_official_answer_is_that_answer_reported_again(db, official_first):
    from db.store import StatementStore

    answer, quote = _fmqs_answer_and_echo_live_quote()
    assert answer["text"] != quote["text"]  # the journalist's edits: "these" for "those", "very" for "extremely"
    store = StatementStore(db)
    with db.atomic():
        for item in ([answer, quote] if official_first else [quote, answer]):
            store.save(item)
    responses, places = _places(db, "deeply concerning")
    assert len(responses) == 1  # one response ...
    assert places == {answer["url"], quote["url"]}  # ... that appeared in two places
    (canonical,) = db.query("SELECT * FROM statements WHERE id = ?", list(responses))
    assert canonical["source"] == "scottish_parliament"  # the official text leads
    assert store.details["press_in_official"] == 1
    (press,) = db.query("SELECT * FROM statements WHERE url = ?", [quote["url"]])
    assert press["outlet"] == "Echo Live"  # also reported by


def test_a_quote_no_official_text_holds_is_its_own_statement(db):
    from db.store import StatementStore, holds

    answer, quote = _fmqs_answer_and_echo_live_quote()
    other = dict(quote, record_id="other", text="We will not tolerate any foreign police operating on our streets "
                                                "and have asked the embassy for an explanation today.")
    store = StatementStore(db)
    with db.atomic():
        store.save(answer)
        store.save(other)
    (press,) = db.query("SELECT * FROM statements WHERE source = 'press_feeds'")
    assert press["cluster_id"] == press["id"]  # a response of its own
    assert not holds(answer["text"], "we take them extremely seriously")  # too short to prove anything


def test_unattributed_quotes_are_kept_for_review(db):
    from db.store import save_unattributed

    row = {"source": "press_feeds", "outlet": "Echo Live", "url": "https://www.echolive.ie/x", "title": "t",
           "published": "2022-10-27", "language": "en", "text": "Nobody knows who said this.", "paragraph": "p"}
    assert save_unattributed(db, [row, row]) == 1  # once per article and text
    (kept,) = db.query("SELECT * FROM unattributed_quotes")
    assert kept["text"] == "Nobody knows who said this." and kept["outlet"] == "Echo Live"


def test_unattributed_quotes_of_an_article_are_handed_over_for_review():
    from stationwatch.press.extract import extract_article
    from stationwatch.press.statements import article_statements

    url = "https://www.example.org/made"
    html = ("<html lang='en'><body><article><p>A shop on the street was busy on Tuesday, and the police station "
            "story was the talk of the town among the people waiting outside in the rain.</p>"
            "<p>“Nobody here has ever seen anything strange happen in that office,” came the reply.</p>"
            "</article></body></html>")  # MADE: a quote nobody is named for
    kept = []
    items = article_statements(extract_article(html, url), source="press_feeds", outlet="Made", url=url, raw=html,
                               unattributed=kept)
    assert items == []
    assert [(k["text"], k["outlet"], k["url"]) for k in kept] == [
        ("Nobody here has ever seen anything strange happen in that office", "Made", url)]
