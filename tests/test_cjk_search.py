"""Chinese, Japanese and Korean full-text search through Datasette (issue #14;
db/search.py, migration m015).

The statements are real: the recorded (or rebuilt around real text)
responses of jp_sangiin, kr_mofa, china_embassies and press_feeds, crawled
through the replay server and the real pipelines into one database, served
as `make serve` serves it. What a search must find is worked out from the
stored rows themselves (which titles, texts and speakers contain the
string), not written down, so the tests hold for whatever the fixtures say.
"""

import random
import re
import sqlite3

import pytest
import sqlite_utils
from datasette.utils import escape_fts

import db as database
from db import search
from db.migrations import MIGRATIONS
from stationwatch import serve
from tests.helpers import replay_crawl, datasette_get as get

SOURCES = ("jp_sangiin", "kr_mofa", "china_embassies", "press_feeds")
CJK_RUN = re.compile(r"[\u3041-\u309f\u30a1-\u30fa\u30fc\u4e00-\u9fff\uac00-\ud7af]+")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    path = tmp_path_factory.mktemp("cjk") / "stationwatch.db"
    for source in SOURCES:
        result = replay_crawl(source, path)
        assert any(r["spider"] == source and r["new"] for r in result.runs), (source, result.runs)
    conn = database.connect(path)
    statements = list(conn.query("SELECT id, source, language, title, text, speaker FROM statements"))
    conn.close()
    assert {"ja", "ko"} <= {s["language"] for s in statements}
    return path, statements


@pytest.fixture(scope="module")
def ds(crawled):
    return serve.build_datasette(crawled[0])


def search_page(ds, query: str) -> list[dict]:
    """The rows of the ranked ``search`` query the front page's box leads to."""
    response = get(ds, "/stationwatch/search.json?_shape=array&" + _q("q", query))
    assert response.status_code == 200, response.text[:500]
    return response.json()


def table_search(ds, query: str, extra: str = "") -> dict:
    """The statements table searched with its own box (?_search=), as JSON with its facets."""
    response = get(ds, "/stationwatch/statements.json?_shape=objects&_size=max&" + _q("_search", query) + extra)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def _q(name: str, value: str) -> str:
    from urllib.parse import urlencode

    return urlencode({name: value})


def containing(statements, needle: str) -> set[int]:
    """The statements whose title, text or speaker contains ``needle``."""
    return {s["id"] for s in statements if any(needle in (s[c] or "") for c in ("title", "text", "speaker"))}


def by_source(statements, source: str, needle: str) -> set[int]:
    return {s["id"] for s in statements if s["source"] == source and needle in (s["text"] or "")}


# What issue #14 asks ---------------------------------------------------------

def test_japanese_police_is_found_inside_longer_words(ds, crawled):
    """警察 inside 海外警察拠点 (the House of Councillors question and the
    Cabinet's answer) and inside 中国警察の: found by the search page and by
    the table's search box, and nothing without it."""
    _, statements = crawled
    expected = containing(statements, "警察")
    sangiin = {s["id"] for s in statements if s["source"] == "jp_sangiin"}
    assert sangiin and sangiin <= expected  # both questions and the answer
    assert {r["id"] for r in search_page(ds, "警察")} == expected
    assert {r["id"] for r in table_search(ds, "警察")["rows"]} == expected
    # Longer than two characters: only a phrase of bigrams finds it (a plain
    # escape_fts() quoting would look for one token 海外警察拠点).
    for query in ("海外警察拠点", "警察拠点"):
        assert sangiin <= containing(statements, query)
        assert {r["id"] for r in search_page(ds, query)} == containing(statements, query)
        assert {r["id"] for r in table_search(ds, query)["rows"]} == containing(statements, query)


def test_korean_police_in_compounds_and_with_particles(ds, crawled):
    """경찰 inside 해외경찰서 (the PRC embassy in Seoul), as its own word (한국
    경찰 및 ...) and with a particle (경찰서는, a press quote of the PRC
    foreign ministry), and 경찰서 inside ‘해외경찰서’를."""
    _, statements = crawled
    embassy = by_source(statements, "china_embassies", "해외경찰서")
    quoted = by_source(statements, "press_feeds", "경찰서는")
    assert embassy and quoted
    for query in ("경찰", "경찰서"):
        expected = containing(statements, query)
        assert embassy | quoted <= expected
        assert {r["id"] for r in search_page(ds, query)} == expected
        assert {r["id"] for r in table_search(ds, query)["rows"]} == expected


def test_the_table_search_counts_its_facets_over_the_cjk_matches(ds, crawled):
    _, statements = crawled
    data = table_search(ds, "경찰")
    (country,) = [f for f in data["facet_results"].values() if f["name"] == "country"]
    counted = sum(v["count"] for v in country["results"])
    assert counted == data["filtered_table_rows_count"] == len(containing(statements, "경찰"))
    assert "KR" in {v["value"] for v in country["results"]} or "CN" in {v["value"] for v in country["results"]}


def test_the_search_page_marks_the_cjk_word_in_its_passage(ds):
    rows = search_page(ds, "警察")
    question = next(r for r in rows if r["title"] == "中国の海外警察拠点に関する質問主意書" and "[警察]" in r["snippet"])
    assert "海外[警察]拠点" in question["snippet"] or "中国[警察]" in question["snippet"]
    korean = search_page(ds, "경찰서")
    assert any("해외[경찰서]" in r["snippet"] for r in korean)


def test_searches_that_must_not_match(ds, crawled):
    """Words made of characters the texts have, but not in that order, and a
    phrase across a space the text has not: nothing (or only what really
    contains them)."""
    _, statements = crawled
    for query in ("警視庁", "察警", "拠点警察", "경찰청", "서경찰", "비밀경찰서"):
        assert {r["id"] for r in search_page(ds, query)} == containing(statements, query)
    assert containing(statements, "警視庁") == set() and search_page(ds, "警視庁") == []
    # 비밀 경찰서 is two words in the Korean briefing's question; the index does not join them.
    assert search_page(ds, "察警") == [] and search_page(ds, "경찰청") == []


def test_any_substring_of_a_cjk_run_is_found_exactly_where_it_occurs(crawled):
    """Substrings of one to five characters picked at random (seeded) from the
    stored Japanese and Korean texts, and strings made by joining two of their
    characters at random: the index finds exactly the statements that
    contain each, in title, text or speaker."""
    path, statements = crawled
    runs = [run for s in statements for c in ("title", "text", "speaker") for run in CJK_RUN.findall(s[c] or "")]
    rng = random.Random(14)
    queries = set()
    while len(queries) < 150:
        run = rng.choice(runs)
        size = rng.randint(1, min(5, len(run)))
        start = rng.randint(0, len(run) - size)
        queries.add(run[start:start + size])
    characters = sorted({ch for run in runs for ch in run})
    absent = set()
    while len(absent) < 50:
        made = rng.choice(characters) + rng.choice(characters)
        if not containing(statements, made):
            absent.add(made)
    conn = database.connect(path)
    try:
        for query in sorted(queries | absent):
            found = {r[0] for r in conn.execute(
                "SELECT rowid FROM statements_fts WHERE statements_fts MATCH search_match(?)", [query])}
            assert found == containing(statements, query), query
    finally:
        conn.close()


# Latin script, as before -----------------------------------------------------

LATIN_QUERIES = ["police", "Police stations", '"overseas police"', "Qingtian", 'police" OR', "DROP TABLE statements",
                 "politiebureaus", "esquadras", "polizia", "comisarías", "Dublin", "-police", "police*", "a\"b\"c", ""]


def test_latin_searches_are_quoted_exactly_as_datasette_quotes_them():
    for query in LATIN_QUERIES:
        assert search.match_expression(query) == escape_fts(query), query


def test_latin_searches_find_what_the_former_index_found(crawled, ds):
    """The same rows as an index built the way m001/m011 built it (unicode61
    over title, text and speaker, nothing else), for every Latin-script word
    of four letters or more in the stored texts, and besides them only
    statements where the word is written against CJK characters ("米FOX
    NEWSウェブ版", one token for unicode61); a part of a word is still no
    match."""
    path, statements = crawled
    former = sqlite3.connect(":memory:")
    former.execute("CREATE VIRTUAL TABLE f USING fts5(title, text, speaker, tokenize = 'unicode61 remove_diacritics 2')")
    former.executemany("INSERT INTO f (rowid, title, text, speaker) VALUES (?, ?, ?, ?)",
                       [(s["id"], s["title"], s["text"], s["speaker"]) for s in statements])
    words = sorted({word.casefold() for s in statements
                    for word in re.findall(r"[A-Za-zÀ-ÿ]{4,}", " ".join(filter(None, (s["title"], s["text"]))))})
    assert len(words) > 300
    conn = database.connect(path)
    try:
        for word in words:
            now = {r[0] for r in conn.execute(
                "SELECT rowid FROM statements_fts WHERE statements_fts MATCH search_match(?)", [word])}
            before = {r[0] for r in former.execute("SELECT rowid FROM f WHERE f MATCH ?", [escape_fts(word)])}
            assert before <= now, word
            glued = re.compile(rf"{CJK_RUN.pattern}{word}(?![a-z])|(?<![a-z]){word}{CJK_RUN.pattern}", re.I)
            assert now - before <= {s["id"] for s in statements
                                    if any(glued.search(s[c] or "") for c in ("title", "text", "speaker"))}, word
    finally:
        conn.close()
    assert {r["id"] for r in search_page(ds, "police")} == {
        r[0] for r in former.execute("SELECT rowid FROM f WHERE f MATCH '\"police\"'")}
    assert search_page(ds, "polic") == []
    assert table_search(ds, "Dublin")["filtered_table_rows_count"] == len(
        former.execute("SELECT rowid FROM f WHERE f MATCH '\"dublin\"'").fetchall()) > 0


# The index itself ------------------------------------------------------------

SANGIIN_TITLE = "中国の海外警察拠点に関する質問主意書"


def test_existing_statements_are_indexed_again_by_the_migration(db_path):
    """A database from before m015 (the unicode61 index alone) could not find
    警察 in a stored question; after the upgrade it can."""
    old = sqlite_utils.Database(db_path)
    MIGRATIONS.apply(old, stop_before="m015_cjk_search")
    old.execute("INSERT INTO statements (source, record_id, country, title, text, speaker, text_hash)"
                " VALUES ('jp_sangiin', '210-21:question', 'JP', ?, ?, '神谷 宗幣', 'h')",
                [SANGIIN_TITLE, "中国警察の海外拠点は世界中に存在している"])
    old.conn.commit()
    assert old.execute("SELECT rowid FROM statements_fts WHERE statements_fts MATCH '\"警察\"'").fetchall() == []
    old.close()

    upgraded = database.connect(db_path)
    try:
        found = upgraded.execute("SELECT rowid FROM statements_fts WHERE statements_fts MATCH search_match('警察')")
        assert [r[0] for r in found] == [1]
        upgraded.execute("INSERT INTO statements_fts (statements_fts) VALUES ('integrity-check')")
    finally:
        upgraded.close()


def test_index_follows_text_changes_and_deletes(db):
    conn = db.conn

    def found(query):
        return [r[0] for r in conn.execute(
            "SELECT rowid FROM statements_fts WHERE statements_fts MATCH search_match(?)", [query])]

    conn.execute("INSERT INTO statements (source, record_id, country, title, text, text_hash)"
                 " VALUES ('s', 'r1', 'KR', '대변인 정례브리핑', '중국의 비밀경찰서 개설 의혹', 'h1')")
    assert found("경찰") == [1] and found("브리핑") == [1]
    before = conn.total_changes
    conn.execute("UPDATE statements SET cluster_id = 1, last_seen = '2026-12-03T00:00:00Z' WHERE id = 1")
    assert conn.total_changes - before == 1  # m011's rule kept: no re-indexing
    conn.execute("UPDATE statements SET text = '해외 공안 거점' WHERE id = 1")
    assert found("경찰") == [] and found("공안") == [1] and found("브리핑") == [1]
    conn.execute("INSERT INTO statements_fts (statements_fts) VALUES ('integrity-check')")
    conn.execute("DELETE FROM statements WHERE id = 1")
    assert found("공안") == [] and found("브리핑") == []
    conn.execute("INSERT INTO statements_fts (statements_fts) VALUES ('integrity-check')")


@pytest.mark.parametrize("query, expression", [
    ("警察", 'cjk : "警察"'),
    ("海外警察拠点", 'cjk : "海外 外警 警察 察拠 拠点"'),
    ("警", 'cjk : "警"*'),  # one character: any token starting with it
    ("110番", 'cjk : "110 番"*'),
    ("경찰서는", 'cjk : "경찰 찰서 서는"'),
    ("police 警察", '"police" cjk : "警察"'),
    ('"Xi 習近平"', '"Xi" cjk : "習近 近平"'),
])
def test_what_a_search_becomes(query, expression):
    assert search.match_expression(query) == expression


def test_index_text_of_a_statement():
    assert search.search_text("비밀경찰서 경찰서는", None, "Police") == "비밀 밀경 경찰 찰서 서 경찰 찰서 서는 는"
    assert search.search_text("Police stations in Croydon", "", None) == ""
