"""The topic file and matcher: which texts are about the stations, and why."""

import pytest

from stationwatch.topic import Topic, fold, load_topic

TOPIC = load_topic()

# (text, expected decision). Positives are phrased as real sources phrase
# them (see ../shared/topic-vocabulary.md); negatives share words with them.
CASES = [
    # English
    ("Chinese police station in Croydon", True),
    ("Croydon police station to close", False),
    ("Chinese 'Overseas Police Service Stations'", True),
    ("Reports by Safeguard Defenders claimed that there were three Chinese “police service stations” in the UK.", True),
    ("The RCMP is investigating undeclared 'police service stations' in Quebec.", True),
    ("Two men were arrested for operating an illegal overseas police station in Manhattan.", True),
    ("The 110 Overseas network spans 21 countries.", True),
    ("A Chinese restaurant next to the police station was burgled.", False),
    ("The police station closed early. China announced new tariffs on Friday.", False),
    ("The Chinatown police station reopened after refurbishment.", False),
    ("Service station opening hours on the M6 will change.", False),
    ("Questions on police station closures in rural Lincolnshire.", False),
    ("", False),
    # Dutch
    ("Hoekstra: illegale Chinese politiebureaus moeten per direct dicht", True),
    ("Het kabinet spreekt van «overzeese politie service stations».", True),
    ("Het politiebureau in Utrecht gaat dicht wegens verbouwing.", False),
    # German
    ("Die Bundesregierung äußert sich zu Übersee-Polizeistationen (ÜPS).", True),
    ("Chinesische Polizeistationen in Deutschland: Hessen prüft Hinweise", True),
    ("Die Polizeistation in Kassel bleibt am Wochenende geschlossen.", False),
    # French
    ("Des postes de police chinois clandestins en France ?", True),
    ("Le commissariat de Lyon fermé pour travaux.", False),
    # Spanish, Italian, Portuguese
    ("Las comisarías chinas en Madrid y Barcelona", True),
    ("La comisaría de Valencia amplía su horario.", False),
    ("Stazioni di polizia cinesi a Prato e Milano", True),
    ("Esquadras ilegais chinesas em Lisboa, diz a imprensa", True),
    ("A esquadra de Faro mudou de instalações.", False),
    # Chinese (simplified and traditional), Japanese, Korean: no word boundaries
    ("外交部发言人汪文斌：所谓“海外警察站”根本不存在", True),
    ("福州警僑事務海外服務站在多倫多設立", True),
    ("中国の海外警察拠点をめぐる質問主意書", True),
    ("중국 비밀경찰서 의혹 식당 대표 기자회견", True),
    ("北京市公安局发布交通管理通告", False),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_relevance_table(text, expected):
    assert TOPIC.judge(text).relevant is expected


def test_matched_terms_say_why():
    judgement = TOPIC.judge("Reports of Chinese “police service stations” in Glasgow")
    assert judgement.matched_terms == ["chinese", "chinese police service station", "police service station"]
    assert judgement.reason == "matched"


def test_excerpt_quotes_the_original_text_around_the_match():
    padding = "Unrelated words about budgets and schools. " * 20
    text = padding + "The Minister said Chinese “police service stations” were unacceptable. " + padding
    excerpt = TOPIC.judge(text).excerpt
    assert "Chinese “police service stations” were unacceptable" in excerpt  # original quotes, not folded
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert len(excerpt) < 600


def test_excerpt_maps_back_through_length_changing_folds():
    # ß folds to "ss": the excerpt must still cut the original at the right place.
    text = "Straße " * 3 + "Übersee-Polizeistationen in Deutschland"
    assert "Übersee-Polizeistationen" in TOPIC.judge(text).excerpt


def test_fold_is_case_accent_and_quote_insensitive():
    assert fold("Comisarías “Chinas” — ÜBERSEE")[0] == 'comisarias "chinas" - ubersee'


def test_a_topic_file_is_data(tmp_path):
    path = tmp_path / "topic.yml"
    path.write_text(
        "topic: fisheries\nwindow: 50\nlanguages:\n  en:\n    strong: [illegal fishing]\n"
        "    weak: [trawler]\n    context: [chinese]\nsearch:\n  en: [illegal fishing]\n",
        encoding="utf-8",
    )
    topic = Topic.load(path)
    assert topic.judge("Chinese trawler seized").relevant
    assert not topic.judge("Chinese police station").relevant
    assert topic.search_terms_for("en") == ["illegal fishing"]


def test_a_topic_file_without_terms_is_an_error(tmp_path):
    path = tmp_path / "empty.yml"
    path.write_text("topic: nothing\nlanguages: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no strong or weak terms"):
        Topic.load(path)


# Question Period, House of Commons of Canada, 6 October 2022, as transcribed by
# Public Safety Canada (securitepublique.gc.ca/cnt/trnsprnc/brfng-mtrls/prlmntry-bndrs/20230623/04-en.aspx):
# China is named in one sentence, "police stations" in the next, a paragraph later.
CHONG_QUESTION = (
    "Mr. Speaker, the government's priorities are descending into farce. It will not allow U.S. officers into "
    "Canada to reopen NEXUS offices even though we have an agreement and the United States is an ally. Meanwhile, "
    "Iranian officers freely come to this country to intimidate Canadians because it will not list the IRGC, and "
    "now we find out that police officers from the People's Republic of China are operating out of three offices "
    "illegally opened in Canada, intimidating Canadians.\n\n"
    "What is the government doing about these illegal police stations in Toronto?"
)


def test_context_in_the_previous_sentence_reaches_the_weak_term():
    judgement = TOPIC.judge(CHONG_QUESTION)
    assert judgement.relevant
    assert judgement.matched_terms == ["china", "police station"]
    assert "these illegal police stations in Toronto" in judgement.excerpt


def test_context_reaches_back_one_sentence_only():
    assert TOPIC.judge("China was mentioned. What about the police station?").relevant
    assert not TOPIC.judge("China was mentioned. Then budgets. What about the police station?").relevant
    # Not forward: a later sentence does not tell what the weak term meant.
    assert not TOPIC.judge("The police station closed early. China announced new tariffs on Friday.").relevant
    # Still within the window: a sentence before, but far away, is out of reach.
    far = "China was mentioned " + "and then many other words were said " * 6 + ". What about the police station?"
    assert not TOPIC.judge(far).relevant


def test_excerpt_quotes_the_statement_not_its_question():
    question = "What is the Government doing about Chinese police stations?\n\n"
    answer = "Any attempt to coerce individuals to return is unacceptable. " * 20
    judgement = TOPIC.judge(question + answer, excerpt_from=len(question))
    assert judgement.relevant
    assert judgement.excerpt.startswith("Any attempt to coerce") and judgement.excerpt.endswith("…")
    closed = "We closed the Chinese police station."
    assert TOPIC.judge(question + closed, excerpt_from=len(question)).excerpt == closed


# --- one pass for all term groups ------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from stationwatch.topic import _QUOTES_TO_SPACE  # noqa: E402

_GROUPS = {"strong": TOPIC.strong, "weak": TOPIC.weak, "context": TOPIC.context}
_TERMS = sorted({t for p in [*_GROUPS.values(), TOPIC.exclude] for t in [*p.latin_names.values(), *p.cjk]})
_NOISE = ["the", "police", "station", "chinese", "service", "overseas", "in", "a", "stations", "-", ".", ",",
          "\n\n", "  ", "policia", "xx", "s", "es", "ing", "中国", "警察"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_TERMS), st.sampled_from(_NOISE)), max_size=40),
       st.lists(st.sampled_from([" ", "", "-", "s", "en", "'", "x"]), max_size=40))
def test_one_pass_finds_what_each_group_finds_alone(pieces, joints):
    """TermGroups (one scan) must give each group exactly its own TermPattern's
    matches after the exclusions are blanked: terms glued to each other,
    inflected, hyphenated, overlapping, inside exclusions."""
    text = "".join(piece + (joints[i] if i < len(joints) else " ") for i, piece in enumerate(pieces))
    folded = fold(text)[0].translate(_QUOTES_TO_SPACE)
    blanked, together = TOPIC.terms.find(folded)
    folded = TOPIC.exclude.blank(folded)
    assert blanked == folded
    for name, pattern in _GROUPS.items():
        assert together[name] == pattern.find(folded), name


def test_one_pass_on_real_texts():
    """The same on the recorded fixtures (every language the spiders read)."""
    from pathlib import Path

    checked = 0
    for path in sorted((Path(__file__).parent / "fixtures").rglob("*")):
        if not path.is_file() or path.suffix not in (".json", ".html", ".xml", ".txt", ".rss", ".atom"):
            continue
        folded = fold(path.read_text(encoding="utf-8", errors="replace"))[0].translate(_QUOTES_TO_SPACE)
        blanked, together = TOPIC.terms.find(folded)
        folded = TOPIC.exclude.blank(folded)
        assert blanked == folded, path.name
        for name, pattern in _GROUPS.items():
            assert together[name] == pattern.find(folded), (path.name, name)
        checked += 1
    assert checked > 50


def test_blanked_cjk_exclusion_leaves_latin_term_at_a_word_start():
    """A CJK character is a word character: "餐馆police" has no word start
    before "police" until the exclusion 中国餐馆 is blanked. The one-pass
    matcher must look again after blanking, as separate passes would."""
    topic = Topic({"languages": {"en": {"strong": ["police station"]}, "zh": {"strong": ["海外警察"]}},
                   "exclude": ["中国餐馆", "petrol station"]})
    judgement = topic.judge("中国餐馆police station")
    assert judgement.relevant and judgement.matched_terms == ["police station"]
    assert not topic.judge("a petrol station").relevant
