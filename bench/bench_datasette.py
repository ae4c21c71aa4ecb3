"""Benchmark: Datasette over a synthetic archive of a million statements.

Builds (once, then reuses) a database with the real schema (db.connect():
every migration, FTS table and triggers) and 1,000,000 synthetic statements:
30 countries, 7 kinds of source, ~200 bodies, 10 kinds of statement, ~2,500
speakers, dates 2022-09..2026-11, a few dozen words of text each. Two search
words are planted at known rates: "qingtian" in 0.3% of statements (a place
or a name: the usual search) and "rotterdam" in 3%.

Then it times pages through Datasette's own ASGI client (server time and
HTML rendering; no network), the median of --repeat requests after one
warm-up, in three configurations:

  defaults  Datasette's default settings, no indexes on the browsing columns
  indexes   default settings, with the schema's indexes (m002, m020)
  tuned     the settings `make serve` uses (stationwatch/settings.py) + indexes

    .venv/bin/python bench/bench_datasette.py [--rows 1000000] [--repeat 15] [--rebuild]

Targets (issue 8): search page <= 100 ms median, faceted table page <= 250 ms.
The search page is the ranked ``search`` canned query the index page's
search box leads to; a "faceted search" is the statements table page with
``_search`` and its five facets (counted in one query on a search:
web/plugins/stationwatch_facets.py), measured against the 250 ms target.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import db as database  # noqa: E402
from stationwatch import serve  # noqa: E402

BATCH = 20_000
COUNTRIES = ("GB", "US", "CA", "NL", "IE", "DE", "FR", "IT", "ES", "PT", "SE", "NO", "DK", "FI", "AT", "CZ",
             "HU", "RS", "HR", "SK", "SI", "BE", "CH", "AU", "NZ", "JP", "KR", "ZA", "NG", "CN")
SOURCE_KINDS = (("press", 40), ("parliament", 25), ("ministry", 12), ("government", 8), ("police", 7),
                ("prosecutor", 4), ("embassy", 4))
BODY_TYPES = ("House of Commons", "Senate", "Ministry of Foreign Affairs", "Ministry of Justice", "Home Office",
              "National Police", "Public Prosecutor", "Embassy of China", "Prime Minister's Office")
KINDS = ("written_question", "written_answer", "written_statement", "debate_contribution", "press_release",
         "briefing", "article", "oral_question", "letter", "report")
PLANTED = (("qingtian", 0.003), ("rotterdam", 0.03))
# Japanese and Korean statements (about 1% each) are written in made-up
# runs of kana and kanji / Hangul syllables (their own random generator, so
# every other row is what it was before they existed); a third of them
# carry the word for police inside a longer word: 0.3% of all statements.
CJK_TEXT = {"JP": ("海外警察拠点", "のにをはがでとも中国日本政府外務省答弁質問書類関係調査事実確認"),
            "KR": ("비밀경찰서는", "의에를은는이가중국한국정부외교부대변인질문답변관련조사사실확인")}
CJK_PLANTED_RATE = 1 / 3
PAGES = {
    "table page (5 default facets, newest first)": "/{db}/statements",
    "table page filtered (country=NL)": "/{db}/statements?country=NL",
    "search page /search?q=qingtian (0.3%)": "/{db}/search?q=qingtian",
    "search page /search?q=rotterdam (3%)": "/{db}/search?q=rotterdam",
    "faceted search _search=qingtian (0.3%)": "/{db}/statements?_search=qingtian",
    "faceted search _search=rotterdam (3%)": "/{db}/statements?_search=rotterdam",
    "search page /search?q=警察 (0.3%, in a word)": "/{db}/search?q=警察",
    "faceted search _search=경찰 (0.3%, in a word)": "/{db}/statements?_search=경찰",
    "timeline chart /-/timeline": "/-/timeline",
}


def words(rng: random.Random, count: int) -> list[str]:
    """Pronounceable made-up words: a vocabulary without real-world meaning."""
    syllables = ["ka", "lo", "mi", "ter", "san", "vo", "ne", "ri", "sta", "po", "lin", "chu", "dre", "fa", "gu"]
    out = set()
    while len(out) < count:
        out.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(out)


def cjk_text(rng: random.Random, planted: str, characters: str) -> str:
    """Runs of 5 to 30 characters drawn from ``characters``, separated by
    punctuation; ``planted`` inside one of them for CJK_PLANTED_RATE of texts."""
    runs = ["".join(rng.choices(characters, k=rng.randint(5, 30))) for _ in range(rng.randint(4, 10))]
    if rng.random() < CJK_PLANTED_RATE:
        i = rng.randrange(len(runs))
        cut = rng.randint(1, len(runs[i]) - 1)
        runs[i] = runs[i][:cut] + planted + runs[i][cut:]
    return "。".join(runs) + "。"


def synthetic_rows(rows: int, seed: int = 8):
    """Tuples in STATEMENT_COLUMNS order, deterministic for a seed."""
    rng = random.Random(seed)
    vocabulary = words(rng, 5000)
    topic = ["overseas", "police", "service", "station", "china", "fuzhou", "minister", "government"]
    sentences = [" ".join(rng.choices(vocabulary + topic * 20, k=rng.randint(8, 14))) for _ in range(20_000)]
    first = ["Anna", "Tom", "Li", "Maria", "Jan", "Sofia", "Ahmed", "Claire", "Pedro", "Yuki", "Ola", "Eva"]
    last = words(rng, 220)
    speakers = [f"{f} {s.capitalize()}" for f in first for s in last][:2500]
    country_weights = [1 / (i + 1) for i in range(len(COUNTRIES))]
    kinds, kind_weights = zip(*SOURCE_KINDS)
    start = dt.date(2022, 9, 1).toordinal()
    span = dt.date(2026, 11, 26).toordinal() - start
    cjk_rng = random.Random(seed + 1)
    for n in range(1, rows + 1):
        country = rng.choices(COUNTRIES, country_weights)[0]
        source_kind = rng.choices(kinds, kind_weights)[0]
        text = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 6)))
        if country in CJK_TEXT:
            text = cjk_text(cjk_rng, *CJK_TEXT[country])
        for word, rate in PLANTED:
            if rng.random() < rate:
                text += f" {word}"
        published = dt.date.fromordinal(start + rng.randrange(span)).isoformat()
        speaker = None if source_kind == "press" else rng.choice(speakers)
        url = f"https://example.invalid/{country.lower()}/{n}"
        yield (
            n, f"synthetic_{source_kind}_{country.lower()}", source_kind, country,
            f"{country} {rng.choice(BODY_TYPES)}", rng.choice(KINDS), published, speaker,
            " ".join(rng.choices(vocabulary + topic, k=8)), text, text[:200], url, url, "en", str(n),
            f"{n:064x}", n, n, published + "T00:00:00Z",
        )


STATEMENT_COLUMNS = ("id", "source", "source_kind", "country", "body", "kind", "published", "speaker", "title",
                     "text", "excerpt", "url", "fetch_url", "language", "record_id", "text_hash", "document_id",
                     "cluster_id", "first_seen")


def build(path: Path, rows: int) -> None:
    """The real schema, then rows inserted with executemany in batches.

    The FTS triggers are dropped during the load and the FTS index rebuilt
    once at the end (the same content, several times faster than a trigger
    per row), then the triggers are put back exactly as the schema had them.
    """
    started = time.perf_counter()
    db = database.connect(path)
    conn = db.conn
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'statements'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER [{name}]")
    conn.execute("PRAGMA foreign_keys = OFF")  # synthetic document ids point at no document rows
    insert = (f"INSERT INTO statements ({', '.join(STATEMENT_COLUMNS)}) "
              f"VALUES ({', '.join('?' for _ in STATEMENT_COLUMNS)})")
    batch = []
    for row in synthetic_rows(rows):
        batch.append(row)
        if len(batch) == BATCH:
            with conn:
                conn.executemany(insert, batch)
            batch.clear()
    if batch:
        with conn:
            conn.executemany(insert, batch)
    loaded = time.perf_counter()
    # db.bulk.end_load's way: one 'rebuild' of the index (sqlite-utils' rebuild_fts()
    # does not find an index whose content is a view, m015).
    with conn:
        conn.execute("INSERT INTO statements_fts (statements_fts) VALUES ('rebuild')")
    with conn:
        for _, sql in triggers:
            conn.execute(sql)
    conn.execute("ANALYZE")
    db.close()
    print(f"built {rows:,} statements in {loaded - started:.0f} s (+ {time.perf_counter() - loaded:.0f} s FTS index)"
          f" -> {path} ({path.stat().st_size / 1e9:.2f} GB)")


def browsing_indexes(conn) -> dict[str, str]:
    """Indexes of `statements` that exist only for browsing (facets, sort,
    timeline): the schema's indexes minus those the crawl itself needs."""
    needed_by_crawl = {("source", "record_id"), ("text_hash",), ("cluster_id",), ("digest_id",), ("update_pending",)}
    out = {}
    for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'statements' AND sql IS NOT NULL"
    ):
        columns = tuple(r[2] for r in conn.execute(f"PRAGMA index_info([{name}])"))
        if columns not in needed_by_crawl:
            out[name] = sql
    return out


def schema_indexes() -> dict[str, str]:
    """The browsing indexes a freshly migrated database has."""
    with tempfile.TemporaryDirectory() as tmp:
        db = database.connect(Path(tmp) / "schema.db")
        indexes = browsing_indexes(db.conn)
        db.close()
    return indexes


def set_indexes(path: Path, present: bool) -> None:
    db = database.connect(path)
    conn = db.conn
    wanted, have = schema_indexes(), browsing_indexes(conn)
    with conn:
        if present:
            for name, sql in wanted.items():
                if name not in have:
                    conn.execute(sql)
        else:
            for name in have:
                conn.execute(f"DROP INDEX [{name}]")
    conn.execute("ANALYZE")
    db.close()


async def time_pages(path: Path, settings: dict, repeat: int) -> dict[str, tuple[float, str]]:
    """Median milliseconds per page, and what the JSON of the page reported."""
    ds = serve.build_datasette(path, settings=settings)
    await ds.invoke_startup()
    name = serve.database_name(path)
    out = {}
    for label, template in PAGES.items():
        url = template.format(db=name)
        await ds.client.get(url)
        times, statuses = [], set()
        for _ in range(repeat):
            started = time.perf_counter()
            response = await ds.client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            statuses.add(response.status_code)
        note = ""
        if statuses != {200}:
            # Datasette answers 400 when a query exceeds sql_time_limit_ms (1 s by default).
            note = f"HTTP {sorted(statuses)}: {'SQL time limit hit' if 400 in statuses else 'error'}"
        elif "/statements" in url:
            data = (await ds.client.get(url.replace("/statements", "/statements.json"))).json()
            note = f"{data['filtered_table_rows_count']:,} rows"
            if data.get("facets_timed_out"):
                note += f"; facets timed out: {', '.join(data['facets_timed_out'])}"
        out[label] = (statistics.median(times), note)
    return out


def show(config: str, result: dict) -> None:
    """One configuration's figures as soon as they are measured."""
    print(f"{config}: " + "; ".join(f"{label} {ms:.0f} ms{f' ({note})' if note else ''}"
                                    for label, (ms, note) in result.items()), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--repeat-defaults", type=int, default=3, help="the untuned pages take seconds each")
    parser.add_argument("--db", type=Path, help="default: <tmp>/stationwatch-bench-<rows>.db (reused)")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    path = args.db or Path(tempfile.gettempdir()) / f"stationwatch-bench-{args.rows}.db"
    if args.rebuild or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        build(path, args.rows)
    from stationwatch.settings import DATASETTE_SETTINGS

    results = {}
    try:
        set_indexes(path, present=True)
        results["tuned"] = asyncio.run(time_pages(path, dict(DATASETTE_SETTINGS), args.repeat))
        show("tuned", results["tuned"])
        results["indexes"] = asyncio.run(time_pages(path, {}, args.repeat_defaults))
        show("indexes", results["indexes"])
        set_indexes(path, present=False)
        results["defaults"] = asyncio.run(time_pages(path, {}, args.repeat_defaults))
        show("defaults", results["defaults"])
    finally:
        set_indexes(path, present=True)
    print(f"\nmedian ms of {args.repeat} requests (tuned) and {args.repeat_defaults} (defaults, indexes), "
          f"{args.rows:,} statements; tuned = {DATASETTE_SETTINGS} + indexes")
    print(f"{'page':46} {'defaults':>9} {'indexes':>9} {'tuned':>9} {'ratio':>7}  notes (tuned)")
    for label in PAGES:
        d, i, t = (results[c][label][0] for c in ("defaults", "indexes", "tuned"))
        print(f"{label:46} {d:9.1f} {i:9.1f} {t:9.1f} {d / t:6.1f}x  {results['tuned'][label][1]}")
    for config in ("indexes", "defaults"):
        incomplete = [f"{label}: {note}" for label, (_, note) in results[config].items()
                      if "timed out" in note or "HTTP" in note]
        if incomplete:
            print(f"\n{config}, pages cut short:\n  " + "\n  ".join(incomplete))
    return 0


if __name__ == "__main__":
    sys.exit(main())
