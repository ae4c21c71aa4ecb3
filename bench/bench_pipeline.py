"""Benchmark: the full pipeline against bare Scrapy on the same pages.

Serves a few thousand written-question detail records (the shape of the real
record 1679416, about half of them on topic) from the local replay server,
then crawls them twice with the same spider and settings: once with the item
pipelines off (bare Scrapy: download + parse), once with normalize ->
relevance -> store into a fresh SQLite file. Prints pages/s, CPU seconds and
peak memory of each crawl process, and the ratio (target: >= 0.7).

    .venv/bin/python bench/bench_pipeline.py [--records 3000] [--rounds 5]

Both crawls run with AutoThrottle off and 8 requests per domain: the point
is the cost of our pipelines, not of politeness delays. The two crawls
alternate for --rounds rounds and each figure is the median of its rounds:
one pair of crawls on this 2-core machine varies by about +-0.03 in ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stationwatch.replay import Entry, ReplayServer, replay_env  # noqa: E402

API = "questions-statements-api.parliament.uk"
PAGE_SIZE = 20
RECORD = json.loads((ROOT / "tests/fixtures/uk_parliament_questions/writtenquestions_question_1679416.TRANSCRIBED.json").read_text())
ON_TOPIC = ("To ask the Secretary of State for the Home Department, what assessment she has made of reports "
            "of Chinese police service stations operating in the UK; and if she will make a statement.")


_WORDS = re.findall(r"[A-Za-z]+", RECORD["value"]["answerText"] + " " + ON_TOPIC)


def _sentences(rng: random.Random, count: int) -> str:
    """Distinct text in the record's own vocabulary: real answers differ from
    each other, and identical texts would measure the near-duplicate check's
    worst case instead of a crawl."""
    return " ".join(" ".join(rng.choices(_WORDS, k=rng.randint(12, 30))).capitalize() + "." for _ in range(count))


def detail_record(n: int) -> bytes:
    rng = random.Random(n)
    value = dict(RECORD["value"], id=n, uin=str(10000 + n))
    value["questionText"] = (ON_TOPIC if n % 2 == 0 else RECORD["value"]["questionText"]) + " " + _sentences(rng, 2)
    # A few KB of answer HTML, as real answers have.
    value["answerText"] = "".join(f"<p>{_sentences(rng, 4)}</p>" for _ in range(6))
    return json.dumps({"value": value, "links": RECORD["links"]}).encode()


def entries(records: int) -> list[Entry]:
    json_headers = {"Content-Type": "application/json; charset=utf-8"}
    out = []
    ids = list(range(1, records + 1))
    for skip in range(0, records, PAGE_SIZE):
        page = {"totalResults": records,
                "results": [{"value": {"id": i}} for i in ids[skip:skip + PAGE_SIZE]]}
        out.append(Entry("https", API, "/api/writtenquestions/questions", [("skip", str(skip))],
                         json.dumps(page).encode(), headers=json_headers))
    out.append(Entry("https", API, "/api/writtenstatements/statements", [],
                     b'{"totalResults": 0, "results": []}', headers=json_headers))
    for i in ids:
        out.append(Entry("https", API, f"/api/writtenquestions/questions/{i}", [], detail_record(i), headers=json_headers))
    return out


def crawl(server_url: str, db_path: Path, topic_path: Path, pipelines: bool) -> dict:
    """One crawl process; its wall time, CPU time and peak RSS from wait4()."""
    args = [sys.executable, "-m", "scrapy", "crawl", "uk_parliament_questions",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
            "-s", "LOG_LEVEL=WARNING"]
    if not pipelines:
        args += ["-s", "ITEM_PIPELINES={}"]
    env = {**os.environ, "STATIONWATCH_DB": str(db_path), **replay_env(server_url),
           "STATIONWATCH_TOPIC": str(topic_path)}
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"crawl failed: {process.stderr.read().decode()[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ReplayServer(manifests=[], entries=entries(args.records)) as server:
        tmp = Path(tmp)
        topic = tmp / "topic.yml"
        # The project's topic with one search term, so each page is fetched once per filter.
        import yaml

        spec = yaml.safe_load((ROOT / "topics/overseas_police_stations.yml").read_text(encoding="utf-8"))
        spec["search"] = {"en": ["police service stations"]}
        topic.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        pages = args.records + 2 * ((args.records + PAGE_SIZE - 1) // PAGE_SIZE) + 1
        runs = {"bare": [], "full": []}
        for round_number in range(args.rounds):
            runs["bare"].append(crawl(server.url, tmp / f"bare{round_number}.db", topic, pipelines=False))
            runs["full"].append(crawl(server.url, tmp / f"full{round_number}.db", topic, pipelines=True))
        import sqlite3

        stored = sqlite3.connect(tmp / "full0.db").execute("SELECT COUNT(*) FROM statements").fetchone()[0]

    bare, full = ({key: statistics.median(r[key] for r in runs[name]) for key in ("wall", "cpu", "rss_mb")}
                  for name in ("bare", "full"))
    print(f"{pages} pages per crawl ({args.records} detail records, half on topic); {stored} statements stored")
    print(f"median of {args.rounds} alternating rounds")
    print(f"{'crawl':<22} {'pages/s':>8} {'wall s':>7} {'CPU s':>6} {'peak MB':>8}")
    for name, r in (("bare Scrapy", bare), ("full pipeline", full)):
        print(f"{name:<22} {pages / r['wall']:>8.0f} {r['wall']:>7.2f} {r['cpu']:>6.2f} {r['rss_mb']:>8.0f}")
    ratios = ", ".join(f"{b['wall'] / f['wall']:.2f}" for b, f in zip(runs["bare"], runs["full"]))
    print(f"full / bare pages/s: {bare['wall'] / full['wall']:.2f} (target >= 0.70; rounds: {ratios})")


if __name__ == "__main__":
    main()
