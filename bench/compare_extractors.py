"""Compare trafilatura and readability-lxml on the recorded press articles.

For each article in tests/fixtures/articles/ it measures, against the
paragraphs the stored copy of the page holds (the <p> of its <article>):
how much of the article text each extractor keeps (recall of words), how much
of what it returns is not article text (navigation, asides, footers), whether
the metadata (title, date, author, language) comes out, and the time per
page. Prints one line per extractor; never part of the test suite.

    .venv/bin/python bench/compare_extractors.py
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stationwatch.press.extract import extract_article, readability_paragraphs  # noqa: E402

ARTICLES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "articles"
WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> Counter:
    return Counter(w.casefold() for w in WORD.findall(text))


def truth(page: str) -> str:
    tree = lxml_html.fromstring(page)
    return "\n".join(p.text_content() for p in tree.xpath("//article/p[not(@class)]"))


def score(expected: Counter, got: Counter) -> tuple[float, float]:
    common = sum((expected & got).values())
    return common / max(sum(expected.values()), 1), common / max(sum(got.values()), 1)


def main() -> None:
    pages = sorted(ARTICLES.glob("*.html"))
    rows = {"trafilatura": [], "readability-lxml": []}
    meta = Counter()
    with_author = 0
    for path in pages:
        page = path.read_text(encoding="utf-8")
        expected = words(truth(page))
        start = time.perf_counter()
        article = extract_article(page, "https://example.org/")
        t_traf = time.perf_counter() - start
        meta["title"] += bool(article.title)
        meta["date"] += bool(article.published)
        meta["language"] += bool(article.language)
        if 'name="author"' in page:
            with_author += 1
            meta["author"] += bool(article.author)
        rows["trafilatura"].append((*score(expected, words("\n".join(article.paragraphs))), t_traf))
        start = time.perf_counter()
        paragraphs = readability_paragraphs(page)
        t_read = time.perf_counter() - start
        rows["readability-lxml"].append((*score(expected, words("\n".join(paragraphs))), t_read))
    print(f"{len(pages)} recorded articles")
    print(f"{'extractor':18} {'text kept':>10} {'clean':>8} {'exact pages':>12} {'ms/page':>8}")
    for name, values in rows.items():
        kept = sum(v[0] for v in values) / len(values)
        clean = sum(v[1] for v in values) / len(values)
        exact = sum(1 for v in values if v[0] > 0.999 and v[1] > 0.999)
        ms = 1000 * sum(v[2] for v in values) / len(values)
        print(f"{name:18} {kept:10.3f} {clean:8.3f} {exact:>8}/{len(values):<3} {ms:8.1f}")
    print("trafilatura metadata found: " + ", ".join(
        f"{k} {v}/{with_author if k == 'author' else len(pages)}" for k, v in meta.items()) + " (pages naming one)")
    print("readability-lxml gives no date, author or language (title only).")


if __name__ == "__main__":
    main()
