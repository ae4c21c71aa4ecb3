"""Quote attribution on labelled quotes from real articles, per language.

tests/fixtures/press-eval/ (PROVENANCE.md there): 1,194 quotes from 516 stored
copies of real news pages in 13 languages, labelled by hand, split by URL
hash (twelve batches, each on its own) into dev.yml (the rules were developed
on it) and heldout.yml (never tuned on: the figures that count). The issue's target is precision >= 0.95,
recall >= 0.85 and body-and-country accuracy >= 0.95; the test prints the
figures per language and the target either way, and fails below FLOOR.

precision: stored (official) quotes that hold a labelled official quote / stored
           quotes (a stored quote matching no label, or only non-official
           labels, counts against)
recall:    labelled official quotes extracted as official / labelled official
attribution: of the labelled official quotes extracted as official, those with
           the labelled body and country
"""

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from stationwatch.press.quotes import QuoteReader

EVAL = Path(__file__).parent / "fixtures" / "press-eval"


def _norm(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").split()).casefold()


def evaluate(part: str):
    articles = yaml.safe_load((EVAL / f"{part}.yml").read_text(encoding="utf-8"))
    reader = QuoteReader()
    stats = defaultdict(lambda: defaultdict(int))
    problems = []
    for article in articles:
        lang = article["language"]
        found = reader.read(article["paragraphs"], lang, outlet_country=article.get("outlet_country"))
        quotes = [s for s in found.statements if s.kind == "quoted_statement"]
        official = [s for s in quotes if s.official]
        labels = article["quotes"]
        s = stats[lang]
        s["labelled"] += len(labels)
        s["labelled_official"] += sum(1 for q in labels if q["official"])
        s["extracted_official"] += len(official)
        used = set()
        for q in labels:
            hit = next((i for i, x in enumerate(official) if _norm(q["starts"]) in _norm(x.text)), None)
            if q["official"]:
                if hit is None:
                    any_hit = next((x for x in quotes if _norm(q["starts"]) in _norm(x.text)), None)
                    problems.append((lang, "missed", article["url"], q["starts"],
                                     any_hit and (any_hit.status, any_hit.speaker, any_hit.body)))
                    continue
                used.add(hit)
                s["true_pos"] += 1
                x = official[hit]
                if (x.body, x.country) == (q["body"], q["country"]):
                    s["attribution_right"] += 1
                else:
                    problems.append((lang, "wrong body", article["url"], q["starts"], (x.body, x.country),
                                     (q["body"], q["country"])))
            elif hit is not None:
                used.add(hit)
                problems.append((lang, "non-official stored", article["url"], q["starts"], official[hit].speaker))
        for x in official:
            matching = [q for q in labels if _norm(q["starts"]) in _norm(x.text)]
            if matching and any(q["official"] for q in matching):
                s["stored_right"] += 1
            elif not matching:
                problems.append((lang, "unlabelled stored", article["url"], x.text[:40], x.speaker))
    return stats, problems


def figures(stats):
    total = defaultdict(int)
    rows = []
    for lang in sorted(stats):
        s = stats[lang]
        for k, v in s.items():
            total[k] += v
        rows.append((lang, s))
    rows.append(("all", total))
    lines = ["lang  labelled  official  stored  precision  recall  body+country"]
    for lang, s in rows:
        p = s["stored_right"] / s["extracted_official"] if s["extracted_official"] else 1.0
        r = s["true_pos"] / s["labelled_official"] if s["labelled_official"] else 1.0
        a = s["attribution_right"] / s["true_pos"] if s["true_pos"] else 1.0
        lines.append(f"{lang:4}  {s['labelled']:8}  {s['labelled_official']:8}  {s['extracted_official']:6}  "
                     f"{p:9.3f}  {r:6.3f}  {a:12.3f}")
    return lines, total


# The target (#18): precision, recall, body-and-country accuracy.
TARGET = (0.95, 0.85, 0.95)
# What each part must keep. dev: the target. heldout: a floor below the
# target where the rules fall short on new articles. Last measured (4 Dec
# 2026, twelve batches, 674 held-out quotes): held-out
# precision 0.903, recall 0.769, body+country 0.806, short of the target on
# all three. Each new batch's held-out half, read by rules never tuned on it,
# met them at recall 0.59 to 0.77 on arrival (PROVENANCE.md has the figures
# per batch).
# The floor guards against regression at those figures, rounded down, until
# the rules reach the target (issue #18 stays open for it); the printed line
# says BELOW TARGET meanwhile.
FLOOR = {"dev": TARGET, "heldout": (0.90, 0.76, 0.80)}


@pytest.mark.parametrize("part", ["dev", "heldout"])
def test_attribution_figures(part, capsys):
    stats, problems = evaluate(part)
    lines, total = figures(stats)
    precision = total["stored_right"] / total["extracted_official"]
    recall = total["true_pos"] / total["labelled_official"]
    attribution = total["attribution_right"] / total["true_pos"]
    with capsys.disabled():
        print(f"\nquote attribution on {part}.yml:")
        for line in lines:
            print("  " + line)
        print("  target (issue #18): precision {:.2f}, recall {:.2f}, body+country {:.2f}".format(*TARGET))
        print(f"  {part}: precision {precision:.3f}, recall {recall:.3f}, body+country {attribution:.3f}"
              + ("" if all(v >= t for v, t in zip((precision, recall, attribution), TARGET)) else "  (BELOW TARGET)"))
        if part == "dev":  # held-out mistakes are never shown: nobody tunes on them
            for problem in problems:
                print("  -", problem)
    floor = FLOOR[part]
    assert precision >= floor[0] and recall >= floor[1] and attribution >= floor[2], (precision, recall, attribution)


def test_both_parts_are_real_and_cover_twelve_languages():
    languages, quotes = set(), 0
    for part in ("dev", "heldout"):
        for article in yaml.safe_load((EVAL / f"{part}.yml").read_text(encoding="utf-8")):
            assert article["url"].startswith("http")
            languages.add(article["language"])
            quotes += len(article["quotes"])
            for q in article["quotes"]:
                assert any(q["starts"] in p for p in article["paragraphs"]), q["starts"]
    assert quotes >= 150 and len(languages) >= 12
