"""Each response once: exact and near-duplicate statements, and their clusters.

The labelled pairs are built from real recorded statements
(tests/fixtures/dedupe/PROVENANCE.md): true duplicates (the same text
reformatted), near duplicates (a word changed, a sentence dropped, a press
attribution around a quote), different statements on the same topic that
share many words, and translations. Precision and recall are printed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from scrapy import Selector

from db import dedupe
from db.store import DUPLICATE, NEW, UNCHANGED, UPDATED, StatementStore
from pipelines.normalize import html_to_text, text_fingerprint

FIXTURES = Path(__file__).parent / "fixtures" / "dedupe"  # the translations made for this test
# The real texts are the spiders' own recorded fixtures (their PROVENANCE.md says where each came from).
SAMPLES = Path(__file__).parent / "fixtures"


def _json(source, name):
    return json.loads((SAMPLES / source / name).read_text(encoding="utf-8"))


def _paragraphs(name):
    return html_to_text(_json("govuk", name)["details"]["body"]).split("\n\n")


def _sentences(text):
    return re.split(r"(?<=[.!?])\s+", text)


# --- the real texts ---------------------------------------------------------

_mfa = _json("china_mfa", "mfa-presser-qa_overseas-police-stations_text.VERBATIM-TEXT.json")
MFA_QUESTION = _mfa["question"]
MFA_ANSWER = _mfa["answer"].removeprefix("Wang Wenbin: ")
_hansard = html_to_text(_json(
    "uk_parliament_questions", "writtenstatements_statements_searchTerm-police-service-stations.RECONSTRUCTED.json")["results"][0]["value"]["text"])
HANSARD_P1, HANSARD_P2, HANSARD_P3 = _hansard.split("\n\n")
HANSARD = " ".join((HANSARD_P1, HANSARD_P2, HANSARD_P3))
_question = _json("uk_parliament_questions", "writtenquestions_question_1679416.TRANSCRIBED.json")["value"]
UK_QUESTION = _question["questionText"]
UK_ANSWER = html_to_text(_question["answerText"]).replace("\n\n", " ")
ORAL = _paragraphs("content-api_speech-oral-statement-parliament.json")
ORAL_OPENING = " ".join(ORAL[0:2])
PHE = _paragraphs("content-api_news_article_press_release.json")
SCHOOLS = _paragraphs("content-api_speech-written-statement-parliament.json")
_oireachtas = [r["question"] for r in _json("oireachtas", "api_v1_questions_date_start-2010-01-01.TRIMMED.json")["results"]]
OIREACHTAS = [(" ".join(q["showAs"].split()), q["by"]["showAs"]) for q in _oireachtas]
_govie = Selector(text=(SAMPLES / "ireland_gov" / "govie-2021_press-release_detail.TRIMMED.html").read_text(encoding="utf-8"))
GOVIE = [" ".join(p.split()) for p in _govie.css("p::text").getall() if len(p.split()) > 30]
GOVIE_RELEASE, VARADKAR_QUOTE = GOVIE[0], GOVIE[1].strip('"')
VARADKAR_QUOTE_START = " ".join(_sentences(VARADKAR_QUOTE)[:4])
ENGLISH = {
    "mfa_answer": MFA_ANSWER, "hansard_p1": HANSARD_P1, "hansard_p2": HANSARD_P2, "hansard_p3": HANSARD_P3,
    "varadkar_quote_start": VARADKAR_QUOTE_START, "oral_opening": ORAL_OPENING, "phe_p0": PHE[0],
    "schools_p0": SCHOOLS[0],
}
TRANSLATIONS = yaml.safe_load((FIXTURES / "translations.DERIVED.yml").read_text(encoding="utf-8"))


# --- variants, each a named edit ------------------------------------------


def replace_word(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def drop_last_sentence(text):
    return " ".join(_sentences(text)[:-1])


def first_sentences(text, n):
    return " ".join(_sentences(text)[:n])


def swap_sentences(text, i, j):
    parts = _sentences(text)
    parts[i], parts[j] = parts[j], parts[i]
    return " ".join(parts)


def quoted_by(attribution, text):
    return f'{attribution} "{text}"'


def reformat(text):
    """What another site's markup does to a text: case, spaces, quotes, dashes."""
    return (text.upper().replace(" ", "  ").replace("“", '"').replace("”", '"')
            .replace("’", "'").replace("—", "-").replace("–", "-"))


# --- pairs ----------------------------------------------------------------


@dataclass
class Side:
    text: str
    language: str = "en"
    source_kind: str = "parliament"
    speaker: str | None = None

    def item(self):
        return {"text": self.text, "language": self.language, "source_kind": self.source_kind,
                "speaker": self.speaker}


def official(text, speaker=None, kind="ministry"):
    return Side(text, source_kind=kind, speaker=speaker)


def press(text, speaker=None):
    return Side(text, source_kind="press", speaker=speaker)


def translated(key):
    return [(Side(ENGLISH[t["of"]], source_kind="ministry"), Side(t["text"], language=t["language"],
                                                                  source_kind="embassy"))
            for t in TRANSLATIONS if t["of"] == key]


WANG = "Wang Wenbin"
TUGENDHAT = "Tom Tugendhat"
PAIRS: list[tuple[str, Side, Side, bool]] = [
    # True duplicates: the same text, reformatted by another site.
    ("duplicate", official(MFA_ANSWER, WANG), Side(reformat(MFA_ANSWER), source_kind="embassy"), True),
    ("duplicate", official(HANSARD, TUGENDHAT), press(reformat(HANSARD)), True),
    ("duplicate", official(HANSARD_P2, TUGENDHAT), press(HANSARD_P2.replace("—", " – ")), True),
    ("duplicate", official(HANSARD_P3), official(HANSARD_P3.replace("“", "'").replace("”", "'")), True),
    ("duplicate", official(VARADKAR_QUOTE), press(VARADKAR_QUOTE.replace("’", "'").replace(" ", "\u00a0", 5)), True),
    ("duplicate", official(" ".join(ORAL[4:6])), official("\n\n".join(ORAL[4:6])), True),
    ("duplicate", official(PHE[2]), press(PHE[2].lower()), True),
    ("duplicate", official(SCHOOLS[3]), official("  ".join(SCHOOLS[3].split(" "))), True),
    ("duplicate", official(UK_ANSWER), official(UK_ANSWER), True),
    ("duplicate", official(OIREACHTAS[0][0], OIREACHTAS[0][1]), official(OIREACHTAS[0][0]), True),
    ("duplicate", official(MFA_QUESTION), press(MFA_QUESTION.replace("’", "'")), True),
    ("duplicate", official(GOVIE_RELEASE), press(GOVIE_RELEASE.replace("Tánaiste", "Tanaiste")), True),
    # Near duplicates: edited copies, quotes of most of a statement.
    ("near", official(MFA_ANSWER, WANG), press(replace_word(MFA_ANSWER, "disinformation", "misinformation")), True),
    ("near", official(MFA_ANSWER, WANG), Side(drop_last_sentence(MFA_ANSWER), source_kind="embassy"), True),
    ("near", official(MFA_ANSWER, WANG), press(quoted_by("Foreign ministry spokesman Wang Wenbin told reporters:",
                                                         MFA_ANSWER)), True),
    ("near", official(MFA_ANSWER, WANG), press(swap_sentences(MFA_ANSWER, 2, 4)), True),
    ("near", official(MFA_ANSWER, WANG),
     press(replace_word(replace_word(replace_word(MFA_ANSWER, "pandemic", "Covid pandemic"), "strictly", "fully"),
                        "smearing", "slandering")), True),
    ("near", official(HANSARD, TUGENDHAT),
     press(replace_word(replace_word(HANSARD, "organisation", "organization"), "UK—in", "UK, in")), True),
    ("near", official(HANSARD, TUGENDHAT), press(" ".join((HANSARD_P2, HANSARD_P3)), "Home Office minister"), True),
    ("near", official(HANSARD, TUGENDHAT), press(" ".join((HANSARD_P1, HANSARD_P2)), "Tom Tugendhat"), True),
    ("near", official(HANSARD_P3, TUGENDHAT), press(replace_word(HANSARD_P3, "harass", "intimidate")), True),
    ("near", official(" ".join((HANSARD_P1, HANSARD_P2)), TUGENDHAT),
     press(replace_word(" ".join((HANSARD_P1, HANSARD_P2)), "Last November", "In November")), True),
    ("near", official(VARADKAR_QUOTE, "Leo Varadkar"),
     press(replace_word(VARADKAR_QUOTE, "highly anticipated", "eagerly awaited")), True),
    ("near", official(GOVIE_RELEASE), press(replace_word(replace_word(GOVIE_RELEASE, "€1.6m", "€1.6 million"),
                                                          " today", "")), True),
    ("near", official(GOVIE_RELEASE), press(GOVIE_RELEASE + " The hub is expected to open next year."), True),
    ("near", official(" ".join(ORAL[4:13])), press(" ".join(ORAL[4:8] + ORAL[9:13])), True),
    ("near", official(" ".join(ORAL[24:33]), "David Lidington"),
     press(replace_word(" ".join(ORAL[24:33]), "We are modernising", "The government is modernising")), True),
    ("near", official(" ".join(PHE[0:4])), press(replace_word(" ".join(PHE[0:4]), "PHE’s", "Public Health England’s")),
     True),
    ("near", official(" ".join(SCHOOLS[0:4])), official(replace_word(" ".join(SCHOOLS[0:4]), "£130 million", "£130m")),
     True),
    ("near", official(UK_ANSWER), press(first_sentences(UK_ANSWER, 4)), True),
    ("near", official(" ".join(ORAL[33:38])), press(quoted_by("The Justice Secretary told MPs:",
                                                                " ".join(ORAL[33:38])), "Justice Secretary"), True),
    # Different statements on the same topic, sharing many words.
    ("same topic", official(OIREACHTAS[0][0], OIREACHTAS[0][1], "parliament"),
     official(OIREACHTAS[1][0], OIREACHTAS[1][1], "parliament"), False),
    ("same topic", official(OIREACHTAS[0][0], OIREACHTAS[0][1], "parliament"),
     official(OIREACHTAS[2][0], OIREACHTAS[2][1], "parliament"), False),
    ("same topic", official(OIREACHTAS[1][0], OIREACHTAS[1][1], "parliament"),
     official(OIREACHTAS[2][0], OIREACHTAS[2][1], "parliament"), False),
    ("same topic", official(MFA_QUESTION), official(MFA_ANSWER, WANG), False),
    ("same topic", official(MFA_ANSWER, WANG), official(HANSARD, TUGENDHAT), False),
    ("same topic", official(HANSARD_P1), official(HANSARD_P2), False),
    ("same topic", official(HANSARD_P2), official(HANSARD_P3), False),
    ("same topic", official(HANSARD_P1), official(HANSARD_P3), False),
    ("same topic", official(HANSARD_P3), press(MFA_ANSWER), False),
    ("same topic", official(" ".join(ORAL[4:8])), official(" ".join(ORAL[8:13])), False),
    ("same topic", official(" ".join(ORAL[18:23])), official(" ".join(ORAL[24:29])), False),
    ("same topic", official(PHE[9] + " " + PHE[10]), official(PHE[12] + " " + PHE[13]), False),
    ("same topic", official(PHE[15] + " " + PHE[16]), official(PHE[18]), False),
    ("same topic", official(PHE[0]), official(PHE[2]), False),
    ("same topic", official(SCHOOLS[1]), official(SCHOOLS[3]), False),
    ("same topic", official(SCHOOLS[2]), official(SCHOOLS[4]), False),
    ("same topic", official(GOVIE_RELEASE), official(VARADKAR_QUOTE), False),
    ("same topic", official(UK_QUESTION), official(UK_ANSWER), False),
    ("same topic", official(" ".join(ORAL[33:36])), official(" ".join(ORAL[15:17])), False),
    # Translations: the same answer in another language is another statement.
    *[("translation", a, b, False) for key in ENGLISH for a, b in translated(key)],
]


def same_statement(a: Side, b: Side) -> bool:
    """What the store decides: the same normalised text, or a near-duplicate."""
    if text_fingerprint(a.text) == text_fingerprint(b.text):
        return True
    return dedupe.near_duplicate(a.item(), b.item())


def test_labelled_pairs_precision_and_recall(capsys):
    assert len(PAIRS) >= 60
    counts = {kind: sum(1 for k, *_ in PAIRS if k == kind) for kind in ("duplicate", "near", "same topic", "translation")}
    assert min(counts.values()) >= 10, counts
    decisions = [(kind, expected, same_statement(a, b), a, b) for kind, a, b, expected in PAIRS]
    tp = sum(1 for _, e, d, *_ in decisions if e and d)
    fp = sum(1 for _, e, d, *_ in decisions if not e and d)
    fn = sum(1 for _, e, d, *_ in decisions if e and not d)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    # Without the language rule, shingles alone must still keep translations apart.
    text_only = sum(
        dedupe.near_duplicate_text(dedupe.shingles(a.text), dedupe.shingles(b.text))
        for kind, a, b, _ in PAIRS if kind == "translation"
    )
    with capsys.disabled():
        print(f"\ndedupe labelled pairs: {len(PAIRS)} ({counts}); "
              f"precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn}); "
              f"translations similar on shingles alone: {text_only}")
        for kind, expected, decided, a, b in decisions:
            if expected != decided:
                sim = dedupe.similarity(dedupe.shingles(a.text), dedupe.shingles(b.text))
                print(f"  wrong ({kind}): expected {expected}, jaccard {sim.jaccard:.2f}: {a.text[:60]!r} / {b.text[:60]!r}")
    assert precision >= 0.95 and recall >= 0.95
    assert text_only == 0


def test_same_words_from_two_named_speakers_are_two_statements():
    (text_a, deputy_a), (text_b, deputy_b) = OIREACHTAS[0], OIREACHTAS[1]
    a, b = official(text_a, deputy_a, "parliament"), official(text_b, deputy_b, "parliament")
    assert dedupe.similarity(dedupe.shingles(text_a), dedupe.shingles(text_b)).jaccard > 0.3  # many shared words
    assert not dedupe.near_duplicate(a.item(), b.item())
    # The same speaker under a longer title is the same speaker.
    assert dedupe.same_statement_possible(official(MFA_ANSWER, "Wang Wenbin").item(),
                                          official(MFA_ANSWER, "Foreign Ministry Spokesperson Wang Wenbin").item())


def test_band_keys_are_stable_and_one_per_band():
    keys = dedupe.statement_band_keys(HANSARD)
    assert len(keys) == dedupe.BANDS
    assert keys == dedupe.statement_band_keys(reformat(HANSARD))  # folded like text_hash
    assert dedupe.statement_band_keys("Too short to judge.") == []
    assert all(-2**63 <= k < 2**63 for k in keys)


# --- the store: outcomes, clusters, canonical statements ------------------


def candidate(record_id, text, source="uk_parliament_questions", source_kind="parliament", published="2023-06-06",
              language="en", speaker=None, **fields):
    item = {
        "source": source, "source_kind": source_kind, "country": "GB", "body": "Home Office",
        "kind": "written_statement" if source_kind != "press" else "quoted_statement",
        "published": published, "speaker": speaker, "speaker_role": None, "title": f"Title {record_id}",
        "text": text, "excerpt": None, "url": f"https://example.org/{source}/{record_id}", "fetch_url": None,
        "language": language, "record_id": record_id, "question_record_id": None, "outlet": None,
        "matched_terms": [], "raw": None, "raw_type": None,
    }
    item.update(fields)
    item["text_hash"] = text_fingerprint(item["text"])
    return item


def save(db, *items):
    store = StatementStore(db)
    with db.atomic():
        outcomes = [store.save(item) for item in items]
    return outcomes, store.details


def rows(db, sql, params=()):
    return [dict(r) for r in db.query(sql, params)]


def test_exact_copy_from_another_source_is_a_mention(db):
    outcomes, details = save(db, candidate("s1", HANSARD, speaker=TUGENDHAT),
                             candidate("a1", reformat(HANSARD), source="press_feeds", source_kind="press"))
    assert outcomes == [NEW, DUPLICATE] and details["exact"] == 1
    (statement,) = rows(db, "SELECT id, cluster_id FROM statements")
    assert statement["cluster_id"] == statement["id"]
    assert [m["source"] for m in rows(db, "SELECT source FROM mentions ORDER BY id")] == [
        "uk_parliament_questions", "press_feeds"]


def test_press_quote_of_most_of_a_statement_joins_its_cluster(db):
    quote = " ".join((HANSARD_P2, HANSARD_P3))
    outcomes, details = save(
        db,
        candidate("s1", HANSARD, speaker=TUGENDHAT),
        candidate("q1", quote, source="press_feeds", source_kind="press", published="2023-06-07",
                  speaker="Home Office minister", outlet="BBC News"),
    )
    assert outcomes == [NEW, DUPLICATE] and details["near"] == 1
    official_row, quote_row = rows(db, "SELECT id, cluster_id, source_kind FROM statements ORDER BY id")
    assert quote_row["cluster_id"] == official_row["id"] == official_row["cluster_id"]


def test_official_statement_arriving_after_the_press_leads_the_cluster(db):
    edited = replace_word(HANSARD, "organisation", "organization")
    outcomes, _ = save(db, candidate("q1", edited, source="press_feeds", source_kind="press", published="2023-06-06"))
    assert outcomes == [NEW]
    # Same text word for word, and an edited copy: both ways, the official one is canonical.
    outcomes, details = save(db, candidate("s1", HANSARD, speaker=TUGENDHAT, published="2023-06-07"),
                             candidate("s9", edited, source="govuk", source_kind="ministry", published="2023-06-08"))
    assert outcomes == [NEW, DUPLICATE]
    assert details == {"near": 1, "official_over_press": 1}
    statements = rows(db, "SELECT id, source, cluster_id FROM statements ORDER BY id")
    official_id = next(s["id"] for s in statements if s["source"] == "uk_parliament_questions")
    assert {s["cluster_id"] for s in statements} == {official_id}


def test_earliest_official_statement_is_canonical(db):
    save(db, candidate("late", HANSARD, source="govuk", source_kind="ministry", published="2023-06-09"))
    outcomes, _ = save(db, candidate("early", replace_word(HANSARD, "harass", "intimidate"), published="2023-06-06"))
    assert outcomes == [NEW]  # it became the canonical statement of the cluster
    late, early = rows(db, "SELECT id, cluster_id FROM statements ORDER BY id")
    assert late["cluster_id"] == early["cluster_id"] == early["id"]


def test_translations_and_other_speakers_stay_apart(db):
    french = next(t["text"] for t in TRANSLATIONS if t["of"] == "mfa_answer" and t["language"] == "fr")
    (text_a, deputy_a), (text_b, deputy_b) = OIREACHTAS[0], OIREACHTAS[1]
    outcomes, details = save(
        db,
        candidate("mfa-en", MFA_ANSWER, source="china_mfa", source_kind="ministry", speaker=WANG),
        candidate("mfa-fr", french, source="china_embassy", source_kind="embassy", language="fr", speaker=WANG),
        candidate("pq1", text_a, source="oireachtas", speaker=deputy_a),
        candidate("pq2", text_b, source="oireachtas", speaker=deputy_b),
    )
    assert outcomes == [NEW] * 4 and not details
    assert rows(db, "SELECT COUNT(DISTINCT cluster_id) AS n FROM statements")[0]["n"] == 4


def test_changed_text_moves_its_bands_and_rebuild_gives_the_same_table(db):
    save(db, candidate("s1", HANSARD), candidate("s2", MFA_ANSWER, source="china_mfa"))
    outcomes, _ = save(db, candidate("s1", HANSARD_P3 + " " + HANSARD_P1))
    assert outcomes == [UPDATED]
    table = lambda: sorted(tuple(r) for r in db.execute("SELECT band_key, statement_id FROM statement_bands"))  # noqa: E731
    incremental = table()
    assert len(incremental) == 2 * dedupe.BANDS
    assert set(dedupe.statement_band_keys(HANSARD_P3 + " " + HANSARD_P1)) == {k for k, s in incremental if s == 1}
    assert dedupe.rebuild(db) == 2
    assert table() == incremental
    assert save(db, candidate("s1", HANSARD_P3 + " " + HANSARD_P1))[0] == [UNCHANGED]


def test_rebuild_command(db_path, capsys):
    import db as database
    from stationwatch.cli import main

    conn = database.connect(db_path)
    save(conn, candidate("s1", HANSARD))
    conn.execute("DELETE FROM statement_bands")
    conn.close()
    assert main(["dedupe", "rebuild", "--db", str(db_path)]) == 0
    assert "1 statements indexed" in capsys.readouterr().out
    conn = database.connect(db_path)
    assert conn.execute("SELECT COUNT(*) FROM statement_bands").fetchone()[0] == dedupe.BANDS
    conn.close()


@pytest.mark.parametrize("published", ["2023-06-06", None])
def test_near_duplicate_within_one_source_by_the_same_speaker_clusters(db, published):
    """A written answer repeating the minister's written statement: one line, two records."""
    outcomes, _ = save(db, candidate("statement:1", HANSARD, speaker=TUGENDHAT, published=published),
                       candidate("answer:2", first_sentences(HANSARD, 5), speaker=TUGENDHAT, published=published))
    assert outcomes == [NEW, DUPLICATE]


def test_profile_cache_is_bounded_and_gives_what_a_fresh_profile_gives(monkeypatch):
    """Profiles are cached by text (a statement is profiled again each time it
    is a candidate); the cache must stay bounded and never change an answer."""
    monkeypatch.setattr(dedupe, "_PROFILE_CACHE_SIZE", 3)
    monkeypatch.setattr(dedupe, "_profile_cache", dedupe.OrderedDict())
    texts = [f"Statement number {n} on the police service stations run from Fuzhou abroad" for n in range(6)]
    first = [dedupe.profile(t) for t in texts]
    assert len(dedupe._profile_cache) == 3
    again = [dedupe.profile(t) for t in texts]
    for a, b in zip(first, again):
        assert a.word_count == b.word_count and (a.shingles == b.shingles).all()
    assert first[0].word_count == len(dedupe.words(texts[0]))
    assert not first[0].shingles.flags.writeable


def test_band_keys_are_stable_across_versions():
    """Band keys are stored (statement_bands): a change to the hashing would
    silently split every stored statement from its new near-duplicates. The
    values are pinned for stability: recorded from db/dedupe.py's signature
    when it replaced datasketch (a one-off comparison then, not repeated here:
    datasketch is no longer a dependency). Change them only with a migration
    that recomputes statement_bands."""
    english = ("The Chinese Embassy rejected reports of overseas police service stations in Dublin as untrue"
               " and said the centres help citizens renew driving licences.")
    chinese = "中国驻外使馆表示所谓海外警察服务站纯属捏造，这些中心只是帮助海外侨胞办理驾照更新等事务。"
    assert dedupe.statement_band_keys(english)[:4] == [
        -4342478727109145658, 8617730840216525167, 2692683713279914388, 3200277588531907033]
    assert dedupe.statement_band_keys(chinese)[:4] == [
        -4030692695691896634, 5262054844675025070, -1917463307322261191, -1950508494533382611]
    assert len(dedupe.statement_band_keys(english)) == dedupe.BANDS
    assert dedupe.statement_band_keys("Short text") == []
