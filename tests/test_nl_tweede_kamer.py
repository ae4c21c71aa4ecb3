"""nl_tweede_kamer: the Zaak search (RECONSTRUCTED responses: no real Zaak
response was found), and the answers read from the answer file, on the real
text of three answers (tests/fixtures/nl_tweede_kamer/PROVENANCE.md)."""

import io
import json
import textwrap
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from spiders.nl_tweede_kamer import (NlTweedeKamerSpider, Paragraph, answer_signatories, document_paragraphs,
                                     numbered_answers, signatory_roles)
from stationwatch.items import Statement
from stationwatch.topic import load_topic
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "nl_tweede_kamer"
API = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0"
ANSWER_GUID = "00000000-0000-0000-0000-000000000022"
RESOURCE = f"{API}/Document({ANSWER_GUID})/resource"
ANSWER_PDF = "Document_answer_2022Z20802.RECONSTRUCTED.pdf"
MINISTERS = [  # the case's "Gericht aan" actors, as in Zaak_page1.RECONSTRUCTED.json
    {"ActorNaam": "W.B. Hoekstra", "Functie": "minister van Buitenlandse Zaken", "Relatie": "Gericht aan"},
    {"ActorNaam": "D. Yeşilgöz-Zegerius", "Functie": "minister van Justitie en Veiligheid", "Relatie": "Gericht aan"},
]

# The answer of 20 December 2022 to Kamervragen 2022Z20802: questions and
# answers 1 to 4 word for word as openkamer.org shows them (its source:
# zoek.officielebekendmakingen.nl/ah-tk-20222023-1107). The two heading
# sentences are RECONSTRUCTED in the house style of the real answers
# 2024D18824 and 2020D19385; their facts (askers, ministers, dates) are real.
ANSWER_2022Z20802 = [
    "Vragen van de leden Van der Werf en Sjoerdsma (beiden D66) aan de Ministers van Buitenlandse Zaken en van "
    "Justitie en Veiligheid over het bericht dat er Chinese politiebureaus in Nederland zijn (ingezonden 2 november 2022).",
    "Antwoord van Minister Hoekstra (Buitenlandse Zaken), mede namens de Minister van Justitie en Veiligheid "
    "(ontvangen 20 december 2022).",
    "Vraag 1",
    "Bent u bekend met het bericht «China heeft illegale politiebureaus in Nederland: aanwijzingen voor intimidatie»?1",
    "Antwoord 1", "Ja.",
    "Vraag 2", "Hoe oordeelt u over dit bericht?",
    "Antwoord 2",
    "Het bericht is verontrustend. De vestiging in Nederland van dergelijke «overzeese politie service stations» is "
    "onacceptabel. Het kabinet heeft dan ook direct stappen genomen en de stations zijn inmiddels gesloten.",
    "Vraag 3", "Hoe lang bent u al op de hoogte van deze Chinese politiebureaus op Nederlands grondgebied?",
    "Antwoord 3",
    "Het bestaan van dergelijke Chinese overseas police service stations werd begin september 2022 gesignaleerd. "
    "Nader onderzoek is direct ingesteld.",
    "Vraag 4", "Hoe worden deze politiebureaus gefinancierd?",
    "Antwoord 4",
    "Dat is niet bekend. Nader onderzoek naar de opzet van deze stations en de activiteiten die zij hebben uitgevoerd, "
    "loopt nog.",
]
ANSWER_2 = ANSWER_2022Z20802[9]


def reconstructed_answer_pdf(paragraphs=ANSWER_2022Z20802, lines_per_page=14) -> bytes:
    """The answer as a PDF, built here (the committed fixture is exactly this):
    lines wrapped at 85 characters as the real answers' are, a page number at
    the foot of each page, Helvetica in WinAnsi with "ş" added, uncompressed."""
    lines = [line for p in paragraphs for line in textwrap.wrap(p, 85, break_on_hyphens=False)]
    pages = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)]

    def pdf_string(text: str) -> bytes:
        out = bytearray(b"(")
        for ch in text:
            code = 0x81 if ch == "ş" else ch.encode("cp1252")[0]  # 0x81: unused in WinAnsi, mapped to /scedilla
            out += b"\\" + bytes([code]) if ch in "()\\" else (b"\\%03o" % code if code > 126 else bytes([code]))
        return bytes(out + b")")

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding"
               b" /BaseEncoding /WinAnsiEncoding /Differences [129 /scedilla] >> >>"]
    for number, page in enumerate(pages, start=1):
        text = b" ".join(pdf_string(line) + b" Tj T*" for line in page)
        content = b"BT /F1 10 Tf 13 TL 56 790 Td " + text + b" ET BT /F1 9 Tf 290 40 Td (%d) Tj ET" % number
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
                       b" /Contents %d 0 R >>" % (len(objects) + 2))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def reconstructed_answer_docx(paragraphs=ANSWER_2022Z20802) -> bytes:
    """The same answer as a Word file (python-docx writes it), one paragraph each."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def page_text_paragraphs(name: str) -> list[Paragraph]:
    """A real answer's text as tweedekamer.nl shows it: lines wrapped mid-sentence, as a PDF's are."""
    return [Paragraph(line, wrapped=True) for line in fixture_path(SOURCE, name).read_text().splitlines() if line]


@pytest.fixture
def spider():
    return make_spider(NlTweedeKamerSpider)


def parse(spider, name, url=f"{API}/Zaak?$filter=x"):
    return list(spider.parse_cases(response_for(SOURCE, name, url)))


def answer_request(spider):
    (request,) = [r for r in parse(spider, "Zaak_page1.RECONSTRUCTED.json") if isinstance(r, Request) and "resource" in r.url]
    return request


def answers_from(spider, body: bytes, content_type=b"application/pdf"):
    request = answer_request(spider)
    response = Response(request.url, body=body, headers={"Content-Type": content_type}, request=request)
    return list(request.callback(response, **request.cb_kwargs))


# The search ------------------------------------------------------------------

def test_start_asks_for_written_questions_by_dutch_subject_term(spider):
    requests = collect(spider.start())
    terms = spider.topic.search_terms_for("nl")
    assert "Chinese politiebureau" in terms and len(requests) == len(terms)
    query = parse_qs(urlsplit(requests[terms.index("Chinese politiebureaus")].url).query)
    assert query["$filter"] == ["Soort eq 'Schriftelijke vragen' and Verwijderd eq false"
                                " and contains(tolower(Onderwerp),'chinese politiebureaus')"
                                " and GewijzigdOp ge 2022-09-01T00:00:00Z"]
    assert query["$expand"] == ["ZaakActor,Document"]
    assert "%20" in requests[terms.index("Chinese politiebureaus")].url and "$filter=" in requests[0].url  # $ kept, spaces encoded


def test_quote_in_a_term_is_escaped_the_odata_way(spider):
    assert "contains(tolower(Onderwerp),'d''hondt')" in parse_qs(urlsplit(spider.search_url("D'Hondt")).query)["$filter"][0]


def test_a_case_gives_its_question_and_asks_for_each_answer_file(spider):
    out = parse(spider, "Zaak_page1.RECONSTRUCTED.json")
    (question,) = [i for i in out if isinstance(i, Statement)]
    assert question.kind == "written_question"
    assert question.record_id == "question:2022Z20802"
    assert question.body == "Tweede Kamer"
    assert question.speaker == "H.M. van der Werf"
    assert question.speaker_role == "Tweede Kamerlid, D66"
    assert question.published == "2022-11-02"
    assert question.text == ("Vragen van de leden Van der Werf en Sjoerdsma over het bericht dat er Chinese "
                             "politiebureaus in Nederland zijn")
    assert question.url == "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2022Z20802&did=2022D00000"
    assert question.country == "NL" and question.language == "nl" and question.raw_type == "json"
    # The answer is no longer its subject line: its file is asked for (the
    # soft-deleted answer document is not).
    request = answer_request(spider)
    assert request.url == RESOURCE
    assert request.meta["allow_binary"]  # or the project's middleware skips the PDF unread
    assert request.cb_kwargs["answer"]["DocumentNummer"] == "2022D00001"
    assert [a["ActorNaam"] for a in request.cb_kwargs["case"].addressees] == ["W.B. Hoekstra", "D. Yeşilgöz-Zegerius"]


def test_soft_deleted_rows_are_left_out(spider):
    assert not any("000000000023" in r.url for r in parse(spider, "Zaak_page1.RECONSTRUCTED.json") if isinstance(r, Request))
    (question,) = [i for i in parse(spider, "Zaak_page2.RECONSTRUCTED.json") if isinstance(i, Statement)]
    assert question.record_id == "question:2023Z00000"  # the Verwijderd case 2023Z00001 is gone
    assert question.speaker == "PLACEHOLDER Tweede Lid"  # not the Verwijderd actor


def test_paging_follows_next_link_to_the_end(spider):
    (next_page,) = [r for r in parse(spider, "Zaak_page1.RECONSTRUCTED.json") if isinstance(r, Request) and "Zaak" in r.url]
    assert next_page.url == f"{API}/Zaak?$skip=250"
    assert [r for r in parse(spider, "Zaak_page2.RECONSTRUCTED.json", next_page.url) if isinstance(r, Request)] == []


def test_empty_result_yields_nothing(spider):
    assert parse(spider, "Zaak_empty.DERIVED.json") == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") is None


def test_missing_fields_are_tolerated(spider):
    url = f"{API}/Zaak"
    body = json.dumps({"value": [{"Nummer": "2024Z1", "Onderwerp": "Vragen over Chinese politiebureaus"}]}).encode()
    (item,) = spider.parse_cases(TextResponse(url, body=body, request=Request(url)))
    assert (item.speaker, item.speaker_role, item.published) == (None, None, "")
    assert item.url == "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2024Z1"


def test_case_without_number_or_changed_shape_is_a_layout_change(spider):
    url = f"{API}/Zaak"
    assert list(spider.parse_cases(TextResponse(url, body=b'{"value": [{"Soort": "x"}]}', request=Request(url)))) == []
    assert list(spider.parse_cases(TextResponse(url, body=b'{"d": []}', request=Request(url)))) == []
    assert spider.crawler.stats.get_value("stationwatch/layout_errors") == 2


# The answer file -------------------------------------------------------------

def test_committed_pdf_is_the_one_built_here():
    assert fixture_path(SOURCE, ANSWER_PDF).read_bytes() == reconstructed_answer_pdf()


def test_pdf_answer_gives_one_statement_per_numbered_answer(spider):
    answers = answers_from(spider, fixture_path(SOURCE, ANSWER_PDF).read_bytes())
    assert [a.record_id for a in answers] == [f"answer:2022Z20802:2022D00001:{n}" for n in (1, 2, 3, 4)]
    one, two, three, four = answers
    assert two.text == ANSWER_2  # wrapped lines joined again, across the page break too
    assert one.text == "Ja."
    assert four.text.endswith("die zij hebben uitgevoerd, loopt nog.") and "\n" not in four.text
    assert two.kind == "written_answer" and two.published == "2022-12-20"
    assert two.question_record_id == "question:2022Z20802"
    assert two.url == "https://www.tweedekamer.nl/kamerstukken/kamervragen/detail?id=2022Z20802&did=2022D00001"
    assert two.fetch_url == RESOURCE
    # Both signing ministers: the one who answers, and the one answered for.
    assert two.speaker == "W.B. Hoekstra"
    assert two.speaker_role == ("minister van Buitenlandse Zaken; mede namens D. Yeşilgöz-Zegerius, "
                                "minister van Justitie en Veiligheid")
    assert two.body == "Minister van Buitenlandse Zaken"
    # The context is the case's subject and the numbered question.
    assert four.context == ("Vragen van de leden Van der Werf en Sjoerdsma over het bericht dat er Chinese "
                            "politiebureaus in Nederland zijn\n\nHoe worden deze politiebureaus gefinancierd?")
    assert two.raw_type == "text" and "Vraag 3" in two.raw and two.raw == one.raw


def test_an_answer_is_judged_on_topic_with_its_question_and_subject(spider):
    topic = load_topic()
    answers = answers_from(spider, fixture_path(SOURCE, ANSWER_PDF).read_bytes())
    judged = {a.record_id[-1]: topic.judge(f"{a.context}\n\n{a.text}").relevant for a in answers}
    assert judged == {"1": True, "2": True, "3": True, "4": True}
    assert not topic.judge("Hoe worden deze politiebureaus gefinancierd?\n\nDat is niet bekend.").relevant


def test_word_answer_gives_the_same_statements(spider):
    from_pdf = answers_from(spider, fixture_path(SOURCE, ANSWER_PDF).read_bytes())
    from_word = answers_from(spider, reconstructed_answer_docx(),
                             b"application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert [(a.record_id, a.text, a.context, a.speaker, a.speaker_role) for a in from_word] == \
           [(a.record_id, a.text, a.context, a.speaker, a.speaker_role) for a in from_pdf]


def test_an_answer_keeps_its_id_when_another_is_removed(spider):
    without_answer_1 = ANSWER_2022Z20802[:2] + ANSWER_2022Z20802[6:]
    answers = answers_from(spider, reconstructed_answer_pdf(without_answer_1))
    assert [a.record_id[-1] for a in answers] == ["2", "3", "4"]
    assert answers[0].text == ANSWER_2


def test_unreadable_file_falls_back_to_the_subject_line(spider):
    (answer,) = answers_from(spider, b"\xd0\xcf\x11\xe0 an old binary .doc", b"application/msword")
    assert answer.record_id == "answer:2022Z20802:2022D00001"
    assert answer.text.startswith("Antwoord op vragen van de leden Van der Werf en Sjoerdsma")
    assert answer.speaker == "W.B. Hoekstra"  # the addressed ministers stand in for the heading
    assert answer.speaker_role == "minister van Buitenlandse Zaken; en D. Yeşilgöz-Zegerius, minister van Justitie en Veiligheid"
    assert document_paragraphs(b"%PDF-1.4 truncated") is None


def test_answer_without_numbers_is_one_statement(spider):
    whole = ANSWER_2022Z20802[:2] + ["Het bericht is verontrustend.", "De stations zijn inmiddels gesloten."]
    (answer,) = answers_from(spider, reconstructed_answer_docx(whole), b"application/vnd.openxmlformats")
    assert answer.record_id == "answer:2022Z20802:2022D00001"
    assert answer.text == "Het bericht is verontrustend.\n\nDe stations zijn inmiddels gesloten."


def test_a_file_that_cannot_be_fetched_is_a_lost_record(spider):
    request = answer_request(spider)
    failure = Failure(ConnectionRefusedError("404 or timeout"))
    failure.request = request
    assert list(request.errback(failure) or []) == []
    assert spider.crawler.stats.get_value("stationwatch/lost_records") == 1


# The real answers' text ------------------------------------------------------

def test_real_answer_with_a_state_secretary_answered_for():
    paragraphs = page_text_paragraphs("answer_2024D18824_page-text.VERBATIM.TRIMMED.txt")
    one, two = numbered_answers(paragraphs)
    assert (one.label, one.text) == ("1", "Ja.")
    assert one.question == ("Bent u bekend met het bericht «waarom voor- en tegenstanders van het Eritrese regime "
                            "met elkaar botsen»?1")
    assert two.label == "2"
    assert two.text.startswith("Wij veroordelen elke vorm van geweld, temeer wanneer dit zich richt tegen onze "
                               "hulpverleners. Politie en andere hulpverleners")
    assert two.text.endswith("een strafeis van +200 procent van toepassing.")
    signatories = answer_signatories("\n".join(p.text for p in paragraphs), [])
    assert [(s.name, s.role, s.on_behalf) for s in signatories] == [
        ("Yeşilgöz-Zegerius", "Minister (Justitie en Veiligheid)", False),
        (None, "Staatssecretaris van Justitie en Veiligheid", True),
    ]


def test_real_answer_by_two_ministers():
    paragraphs = page_text_paragraphs("answer_2020D19385_page-text.VERBATIM.TRIMMED.txt")
    answers = numbered_answers(paragraphs)
    assert [a.label for a in answers] == ["1", "2", "3"]
    assert answers[1].text == "Ja, daar zijn wij het mee eens."
    assert answers[2].question.endswith("Zo nee, waarom niet?")
    # Made-up actors (the real case's were not recorded), to show the match by surname.
    actors = [{"ActorNaam": "F.B.J. Grapperhaus", "Functie": "minister van Justitie en Veiligheid"},
              {"ActorNaam": "S. Dekker", "Functie": "minister voor Rechtsbescherming"}]
    signatories = answer_signatories("\n".join(p.text for p in paragraphs), actors)
    assert signatory_roles(signatories) == "minister van Justitie en Veiligheid; en S. Dekker, minister voor Rechtsbescherming"
    assert signatories[0].name == "F.B.J. Grapperhaus"


def test_grouped_and_unnumbered_answers_are_labelled_by_their_questions():
    lines = ["Vraag 2", "Wat weet u?", "Vraag 3", "En wat nog meer?", "Antwoord 2 en 3", "Niets.",
             "Vraag 4", "Waarom?", "Antwoord", "Daarom."]
    answers = numbered_answers([Paragraph(line, wrapped=False) for line in lines])
    assert [(a.label, a.text, a.question) for a in answers] == [
        ("2-3", "Niets.", "Wat weet u?\n\nEn wat nog meer?"), ("4", "Daarom.", "Waarom?")]


# End to end ------------------------------------------------------------------

def test_end_to_end_replay(tmp_path):
    crawled = replay_crawl(SOURCE, tmp_path / "t.db")
    statements = {r["record_id"]: r for r in crawled.statements}
    (run,) = crawled.runs
    assert sorted(statements) == [f"answer:2022Z20802:2022D00001:{n}" for n in (1, 2, 3, 4)] + [
        "question:2022Z20802", "question:2023Z00000"]
    answer = statements["answer:2022Z20802:2022D00001:2"]
    assert answer["question_id"] == statements["question:2022Z20802"]["id"]
    assert answer["text"] == ANSWER_2
    # The Kamer's "W.B. Hoekstra" is the one Wopke Hoekstra of every other source (config/speakers.yml).
    assert (answer["speaker"], answer["speaker_as_written"]) == ("Wopke Hoekstra", "W.B. Hoekstra")
    assert "D. Yeşilgöz-Zegerius" in answer["speaker_role"]
    assert answer["published"] == "2022-12-20"
    assert any(path.endswith(f"Document({ANSWER_GUID})/resource") for path, _ in crawled.requests)
    assert run["status"] == "ok" and run["new"] == 6
