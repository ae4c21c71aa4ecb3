"""Benchmark: ingesting a statement into a database of a million (target: median < 5 ms, < 500 MB).

1. A child process builds the database: N synthetic statements (random
   words from a Zipf-distributed made-up vocabulary, 40-90 words each), with
   their documents, MinHash band keys and full-text index, in bulk
   (db/bulk.py).
2. This process then saves new statements through the real store
   (StatementStore.save: document, exact check, near-duplicate check, insert,
   bands), in transactions of 100 as the pipeline does, and times each save:
   - fresh statements (new words: expected new, alone in their cluster);
   - planted near-duplicates: a stored statement with k words substituted
     (k = 1, 2, 3, 5, 8), from another source: expected to join its cluster;
   - exact copies from another source: expected to become a mention.
3. It prints the median and 95th percentile save time, the commit time per
   statement, this process's peak RSS, and recall per edit distance.

    .venv/bin/python bench/bench_dedupe.py [--statements 1000000] [--keep PATH]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20260101
VOCABULARY = 20_000
EDITS = (1, 2, 3, 5, 8)
PER_EDIT = 200
FRESH = 1000
EXACT = 200
CHUNK = 20_000


def vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(VOCABULARY)]


def make_text(rng: random.Random, words: list[str], weights) -> str:
    return " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(40, 90))) + "."


def build(path: str, n: int) -> None:
    """Child process: the database of n statements."""
    import itertools

    import db as database
    from db import bulk, dedupe
    from pipelines.normalize import text_fingerprint

    rng = random.Random(SEED)
    words = vocabulary(rng)
    weights = list(itertools.accumulate(1 / (i + 1) for i in range(len(words))))
    db = database.connect(path)
    triggers = bulk.begin_load(db)
    started = time.perf_counter()
    now = "2026-01-01T00:00:00Z"
    for start in range(1, n + 1, CHUNK):
        statements, documents, bands = [], [], []
        for i in range(start, min(n + 1, start + CHUNK)):
            text = make_text(rng, words, weights)
            url = f"https://bench.example/a/{i}"
            published = f"20{22 + i % 4}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            documents.append((i, url, "bench_a", str(i), now))
            statements.append((i, "bench_a", "ministry", "GB", "Bench Office", "press_release", published,
                               f"Statement {i}", text, url, "en", f"r{i}", text_fingerprint(text), i, i, now,
                               now, "[]"))
            bands.extend((key, i) for key in dedupe.statement_band_keys(text))
        bulk.insert_chunk(db, statements, documents, bands)
        if start // CHUNK % 10 == 0:
            print(f"  built {min(n, start + CHUNK - 1):>9,} statements in {time.perf_counter() - started:6.0f}s",
                  flush=True)
    bulk.end_load(db, triggers)
    db.close()
    print(f"  database built in {time.perf_counter() - started:.0f}s", flush=True)


def substitute(rng: random.Random, text: str, k: int, words: list[str]) -> str:
    tokens = text.rstrip(".").split()
    for position in rng.sample(range(len(tokens)), k):
        tokens[position] = rng.choice(words) + "x"  # a word the vocabulary never had
    return " ".join(tokens) + "."


def candidate(source: str, record_id: str, text: str, text_fingerprint) -> dict:
    return {
        "source": source, "source_kind": "press", "country": "GB", "body": "Bench News", "kind": "quoted_statement",
        "published": "2026-11-01", "speaker": None, "speaker_role": None, "title": record_id, "text": text,
        "excerpt": None, "url": f"https://bench.example/{source}/{record_id}", "fetch_url": None, "language": "en",
        "record_id": record_id, "question_record_id": None, "outlet": "Bench News", "matched_terms": [],
        "raw": None, "raw_type": None, "text_hash": text_fingerprint(text),
    }


def ingest(path: str, n: int) -> None:
    import db as database
    from db import dedupe
    from db.store import DUPLICATE, NEW, StatementStore
    from pipelines.normalize import text_fingerprint

    rng = random.Random(SEED + 1)
    words = vocabulary(random.Random(SEED))
    db = database.connect(path)
    planted_ids = rng.sample(range(1, n + 1), len(EDITS) * PER_EDIT + EXACT)
    texts = {}
    for i in range(0, len(planted_ids), 500):
        ids = planted_ids[i:i + 500]
        texts.update(db.execute(f"SELECT id, text FROM statements WHERE id IN ({', '.join('?' for _ in ids)})",
                                ids).fetchall())
    work = []  # (label, expected cluster or None, candidate)
    for e, k in enumerate(EDITS):
        for j, sid in enumerate(planted_ids[e * PER_EDIT:(e + 1) * PER_EDIT]):
            work.append((f"near k={k}", sid, candidate("bench_b", f"n{k}-{j}", substitute(rng, texts[sid], k, words),
                                                       text_fingerprint)))
    for j, sid in enumerate(planted_ids[len(EDITS) * PER_EDIT:]):
        work.append(("exact", sid, candidate("bench_b", f"e{j}", texts[sid].upper(), text_fingerprint)))
    fresh_words = [w + "q" for w in words]
    for j in range(FRESH):
        text = " ".join(rng.choices(fresh_words, k=rng.randint(40, 90))) + "."
        work.append(("fresh", None, candidate("bench_b", f"f{j}", text, text_fingerprint)))
    rng.shuffle(work)

    timings, commits, results = [], [], []
    store = StatementStore(db)
    for start in range(0, len(work), 100):
        batch = work[start:start + 100]
        db.execute("BEGIN")
        for label, expected, item in batch:
            t0 = time.perf_counter()
            outcome = store.save(item)
            timings.append(time.perf_counter() - t0)
            results.append((label, expected, item, outcome))
        t0 = time.perf_counter()
        db.execute("COMMIT")
        commits.append((time.perf_counter() - t0) / len(batch))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"\ningest into {n:,} stored statements: {len(timings)} saves "
          f"({len(EDITS) * PER_EDIT} planted near-duplicates, {EXACT} exact copies, {FRESH} fresh)")
    ms = sorted(t * 1000 for t in timings)
    print(f"  save() median {statistics.median(ms):.2f} ms, p95 {ms[int(len(ms) * 0.95)]:.2f} ms, "
          f"max {ms[-1]:.2f} ms; commit {statistics.mean(commits) * 1000:.3f} ms per statement (batches of 100)")
    print(f"  peak RSS of the ingesting process: {peak_mb:.0f} MB")
    for label in [f"near k={k}" for k in EDITS] + ["exact", "fresh"]:
        rows = [(expected, item, outcome) for lab, expected, item, outcome in results if lab == label]
        if label == "fresh":
            alone = sum(1 for _, item, outcome in rows if outcome == NEW and _cluster_size(db, item) == 1)
            print(f"  {label:<9} {alone}/{len(rows)} stored alone (false joins: {len(rows) - alone})")
            continue
        joined = sum(1 for expected, item, outcome in rows
                     if outcome == DUPLICATE and _cluster_of(db, item, expected))
        jaccards = [dedupe.similarity(dedupe.shingles(texts[expected]), dedupe.shingles(item["text"])).jaccard
                    for expected, item, _ in rows]
        print(f"  {label:<9} recall {joined / len(rows):.3f} ({joined}/{len(rows)}), "
              f"median 3-shingle Jaccard {statistics.median(jaccards):.2f}")
    db.close()


def _cluster_of(db, item, expected_id) -> bool:
    """The planted copy is in its original's cluster (or a mention of it)."""
    row = db.execute("SELECT cluster_id FROM statements WHERE source = ? AND record_id = ?",
                     [item["source"], item["record_id"]]).fetchone()
    (expected_cluster,) = db.execute("SELECT cluster_id FROM statements WHERE id = ?", [expected_id]).fetchone()
    if row is None:  # exact copy: a mention
        return db.execute("SELECT COUNT(*) FROM mentions WHERE statement_id = ? AND url = ?",
                          [expected_id, item["url"]]).fetchone()[0] == 1
    return row[0] == expected_cluster


def _cluster_size(db, item) -> int:
    (cluster,) = db.execute("SELECT cluster_id FROM statements WHERE source = ? AND record_id = ?",
                            [item["source"], item["record_id"]]).fetchone()
    return db.execute("SELECT COUNT(*) FROM statements WHERE cluster_id = ?", [cluster]).fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--keep", help="build (or reuse) the database at this path instead of a temporary one")
    parser.add_argument("--build-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(args.build_only, args.statements)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-dedupe-") as tmp:
        path = args.keep or str(Path(tmp) / "bench.db")
        if not Path(path).exists():
            print(f"building {args.statements:,} statements into {path}", flush=True)
            subprocess.run([sys.executable, __file__, "--statements", str(args.statements), "--build-only", path],
                           check=True)
        size_mb = sum(p.stat().st_size for p in Path(path).parent.glob(Path(path).name + "*")) / 1e6
        print(f"database: {size_mb:,.0f} MB on disk")
        ingest(path, args.statements)
    return 0


if __name__ == "__main__":
    sys.exit(main())
