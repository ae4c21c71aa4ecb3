"""Hostile or broken input: bad markup and charsets, entities and NUL bytes,
huge and bombing bodies, redirect loops and off-site redirects, PDFs, and
scraped text that looks like script or SQL.

Parsing tests feed real recorded pages (gov.ie, UK Parliament), altered as
each test says, to the real spiders and pipelines; the crawl test runs
`scrapy crawl` against the replay server on 127.0.0.1. Chinese GB2312/GBK
pages (declared, undeclared, contradicted by the header) are covered by
tests/test_china_mfa.py::test_chinese_transcript_decodes_in_each_encoding,
::test_charset_header_that_contradicts_the_bytes and ::test_no_charset_anywhere;
escaping in every HTML output by tests/test_digest.py::
test_scraped_markup_is_shown_as_text_in_html_markdown_and_atom and
tests/test_datasette.py::test_scraped_markup_is_escaped_and_javascript_urls_not_linked.
"""

import datetime as dt
import gzip
import json

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse, Request, TextResponse

import db as database
from db.store import StatementStore
from pipelines.normalize import NormalizePipeline
from pipelines.relevance import RelevancePipeline
from spiders.ireland_gov import IrelandGovSpider
from spiders.uk_parliament_questions import UkParliamentQuestionsSpider
from stationwatch.digest import build_digest, render
from stationwatch.items import Statement
from tests.faults import HOST, JSON, QUESTIONS, SOURCE, latest_run, many_questions, messages, recorded_question, uk_server
from tests.helpers import fixture_path, make_spider, run_scrapy

RELEASE = "https://www.gov.ie/en/press-release/6ddbf-turning-the-sod-on-success-galway-city-innovation-district-expand-downtown/"
RELEASE_FILE = "govie-2021_press-release_detail.TRIMMED.html"  # real, recorded 2021 (tests/fixtures/ireland_gov/PROVENANCE.md)
UTF8_META = b'<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'


def release_page() -> bytes:
    return fixture_path("ireland_gov", RELEASE_FILE).read_bytes()


def parse_release(body: bytes, content_type: str):
    spider = make_spider(IrelandGovSpider)
    response = HtmlResponse(url=RELEASE, body=body, headers={"Content-Type": content_type}, request=Request(RELEASE))
    items = list(spider.parse_release(response, dt.date(2021, 7, 23), "Department of Enterprise, Trade and Employment"))
    return items, spider.crawler.stats.get_value("stationwatch/layout_errors", 0)


def fields(item: Statement) -> tuple:
    return item.title, item.speaker_role, item.text


# Charsets ------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["windows-1252, no charset anywhere", "windows-1252 declared only in <meta>",
                                     "UTF-8 BOM, header says ISO-8859-1"])
def test_a_recorded_page_in_another_encoding_parses_to_the_same_text(variant):
    original = release_page()
    assert original.count(UTF8_META) == 1
    text = original.decode("utf-8")
    assert {"á", "’", "€"} <= set(text)  # characters that differ between the encodings
    (expected,), _ = parse_release(original, "text/html; charset=utf-8")
    if variant == "windows-1252, no charset anywhere":
        body, content_type = text.replace(UTF8_META.decode(), "").encode("cp1252"), "text/html"
    elif variant == "windows-1252 declared only in <meta>":
        body = text.replace("charset=UTF-8", "charset=windows-1252").encode("cp1252")
        content_type = "text/html"
    else:
        body, content_type = b"\xef\xbb\xbf" + original, "text/html; charset=ISO-8859-1"
    (item,), layout_errors = parse_release(body, content_type)
    assert layout_errors == 0
    assert fields(item) == fields(expected)
    assert item.speaker_role == "Tánaiste and Minister for Enterprise, Trade and Employment"
    assert "\ufeff" not in item.title + item.text


# Malformed markup ----------------------------------------------------------------

def test_malformed_markup_still_parses_or_reports_a_layout_change():
    text = release_page().decode("utf-8")
    broken = (text.replace("<h1", "<<h1 class=x =y", 1).replace("</p>", "", 5)
              .replace("<div", "</span></div><div", 3) + "<p><b>unclosed <i><a href=")
    (item,), layout_errors = parse_release(broken.encode("utf-8"), "text/html; charset=utf-8")
    assert layout_errors == 0
    assert item.title == "Turning the Sod on Success - Galway City Innovation District expand downtown"
    # Cut in the middle of its content region: a page, or a layout error, never a crash.
    half = text[: text.index("Bowling Green project")]
    items, layout_errors = parse_release(half.encode("utf-8"), "text/html; charset=utf-8")
    assert (len(items), layout_errors) in ((1, 0), (0, 1))


def test_nul_bytes_in_a_page_never_reach_the_database(tmp_path):
    text = release_page().decode("utf-8").replace("Bowling Green", "Bowling\x00 Green\x00")
    (item,), _ = parse_release(text.encode("utf-8"), "text/html; charset=utf-8")
    item.text += " overseas police service station"  # so that relevance keeps it
    stored = store_through_pipelines(tmp_path, item)
    assert "\x00" not in stored["text"] + stored["title"]
    assert "Bowling Green project is located" in stored["text"]


# Entities and NUL in JSON ----------------------------------------------------------

def question_response(**changes) -> TextResponse:
    value = dict(recorded_question(), **changes)
    url = "https://questions-statements-api.parliament.uk/api/writtenquestions/questions/1679416?expandMember=true"
    return TextResponse(url=url, body=json.dumps({"value": value}).encode(), headers=JSON,
                        request=Request(url))


def test_html_entities_and_nul_in_json_become_plain_text(tmp_path):
    response = question_response(
        heading="Police Service Stations &amp; China",
        questionText="To ask about &#8220;overseas police service stations&#8221;\u0000 in the UK.",
        answerText="<p>The Minister&#8217;s answer: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more.\u0000</p>",
    )
    question, answer = make_spider(UkParliamentQuestionsSpider).parse_question(response)
    stored = store_through_pipelines(tmp_path, question, answer)
    assert stored["title"] == "Police Service Stations & China"
    assert stored["text"] == "The Minister’s answer: <script>alert(1)</script> & more."  # the page's words, as text
    rows = all_statements(tmp_path)
    assert [r["text"] for r in rows] == ["To ask about “overseas police service stations” in the UK.", stored["text"]]


# Script, javascript: and SQL-looking text ---------------------------------------------

HOSTILE_TITLE = "Robert'); DROP TABLE statements;-- overseas police service stations"
HOSTILE_SPEAKER = "x' OR '1'='1"


def test_script_javascript_and_sql_are_stored_as_text_and_never_run(tmp_path):
    item = Statement(
        source="uk_parliament_questions", source_kind="parliament", country="GB", body="House of Commons",
        kind="written_answer", url="https://questions-statements.parliament.uk/written-questions/detail/x",
        title=HOSTILE_TITLE, published="2023-06-06", language="en", record_id="hostile:1",
        speaker=HOSTILE_SPEAKER, speaker_role="'; DELETE FROM runs; --",
        text=('<p>Overseas police service stations: <script>document.location="https://evil.example"</script>'
              '<a href="javascript:alert(1)">read more</a> <img src=x onerror=alert(1)>'
              ' SELECT * FROM statements WHERE 1=1; --</p>'),
    )
    stored = store_through_pipelines(tmp_path, item)
    # Stored verbatim as values, never interpolated: the tables are all there.
    assert (stored["title"], stored["speaker"], stored["speaker_role"]) == (
        HOSTILE_TITLE, HOSTILE_SPEAKER, "'; DELETE FROM runs; --")
    # The script element is markup, not words: dropped; the link keeps its words, not its href.
    assert stored["text"] == "Overseas police service stations: read more SELECT * FROM statements WHERE 1=1; --"
    db = database.connect(tmp_path / "s.db")
    try:
        assert {"statements", "runs", "documents"} <= set(db.table_names())
        assert [r["id"] for r in db.query("SELECT rowid AS id FROM statements_fts WHERE statements_fts MATCH ?",
                                          ['"DROP TABLE"'])] == [stored["id"]]
        html = render(build_digest(db)).html
    finally:
        db.close()
    assert "<script" not in html and "javascript:" not in html and "<img" not in html
    assert "Robert&#39;); DROP TABLE statements;--" in html


def test_a_javascript_or_relative_url_is_dropped():
    pipeline = NormalizePipeline()
    for url in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>x</script>", "/relative/page"):
        item = Statement(source="s", source_kind="press", country="GB", body="b", kind="news_article", url=url,
                         title="t", published=None, language="en", record_id="r",
                         text="overseas police service stations")
        with pytest.raises(DropItem, match="not an http"):
            pipeline.process_item(item)


def store_through_pipelines(tmp_path, *items) -> dict:
    """normalize -> relevance -> the real store, into tmp_path/s.db; the last item's row."""
    normalize, relevance = NormalizePipeline(), RelevancePipeline()
    db = database.connect(tmp_path / "s.db")
    try:
        store = StatementStore(db)
        with db.atomic():
            for item in items:
                store.save(ItemAdapter(relevance.process_item(normalize.process_item(item))).asdict())
        return dict(next(iter(db.query("SELECT * FROM statements ORDER BY id DESC LIMIT 1"))))
    finally:
        db.close()


def all_statements(tmp_path) -> list[dict]:
    db = database.connect(tmp_path / "s.db")
    try:
        return [dict(r) for r in db.query("SELECT * FROM statements ORDER BY id")]
    finally:
        db.close()


# Through the real downloader --------------------------------------------------------

def test_huge_bombing_looping_offsite_and_pdf_answers_are_dropped_with_reasons(db_path):
    """Six questions behind the search; five answer with something hostile.
    The sixth, and the recorded statement, are stored; each loss is named."""
    with uk_server() as server:
        ids = many_questions(server, 6)
        detail = lambda i: f"https://{HOST}{QUESTIONS}/{ids[i]}?expandMember=true"  # noqa: E731
        huge, bomb, loop, offsite, pdf, fine = ids
        server.replace(detail(0), b" " * (20 * 1024 * 1024 + 1), headers=JSON)  # one byte over DOWNLOAD_MAXSIZE
        server.replace(detail(1), gzip.compress(b"\0" * (64 * 1024 * 1024), 1),  # 64 MB once inflated
                       headers={**JSON, "Content-Encoding": "gzip"})
        server.replace(detail(2), b"", status=302, headers={"Location": f"https://{HOST}{QUESTIONS}/{loop}?hop=b"})
        server.replace(f"https://{HOST}{QUESTIONS}/{loop}?hop=b", b"", status=302,
                       headers={"Location": detail(2)})
        server.replace(detail(3), b"", status=301, headers={"Location": "https://evil.example.org/steal"})
        server.replace(detail(4), b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                       headers={"Content-Type": "application/pdf"})
        result = run_scrapy(SOURCE, db_path, server.url, "-s", "RETRY_TIMES=1")
    assert result.returncode == 0, result.stderr[-2000:]
    asked = [path for path, _ in server.requests]
    assert not any("evil.example.org" in path for path in asked)  # the off-site redirect was not followed
    assert sum(f"/{loop}" in path for path in asked) == 2  # the loop: round once, then stopped
    run = latest_run(db_path)
    assert run["status"] == "errors"  # finished, some pages lost: named below
    reasons = "\n".join(messages(run))
    assert "larger than download max size (20971520)" in reasons
    assert "exceeded DOWNLOAD_MAXSIZE (20971520 B) during decompression" in reasons
    assert f"redirect loop, page not fetched: https://{HOST}{QUESTIONS}/{loop}?expandMember=true -> " \
           f"https://{HOST}{QUESTIONS}/{loop}?hop=b -> https://{HOST}{QUESTIONS}/{loop}?expandMember=true" in reasons
    assert "1 request(s) or redirect(s) to other domains not followed" in reasons
    assert "1 response(s) skipped, not text: application/pdf" in reasons
    stored = all_statements_in(db_path)
    # ... and the Confucius Institutes search's two recorded questions and their answers.
    confucius = [f"{kind}:{n}" for kind in ("question", "answer") for n in (999100001, 999100002)]
    assert sorted(stored) == sorted([f"question:{fine}", f"answer:{fine}", "statement:999000001", *confucius])


def all_statements_in(db_path) -> list[str]:
    db = database.connect(db_path)
    try:
        return [r["record_id"] for r in db.query("SELECT record_id FROM statements")]
    finally:
        db.close()
