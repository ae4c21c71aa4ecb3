"""South Korea's Ministry of Foreign Affairs: the spokesperson's regular
briefings (대변인 정례브리핑).

Source: www.mofa.go.kr, the "외교부 브리핑" board (``/www/brd/m_4078/``),
HTML only, no API (data.go.kr's MOFA services are travel alerts). The
spider walks the board's list (``list.do?page=N``) back to ``self.since``
and reads each briefing it lists (``view.do?seq=N``).

A briefing transcript has the opening remarks ("I. 모두 발언") and the
questions and answers ("II. 질의 및 응답"), each question marked
``<질문>`` (ending with the reporter's outlet and name) and each answer
``<답변>``. One candidate per answer, its question as ``context``; the
opening remarks are one candidate of their own. The transcript names no
person: the briefer is the spokesperson, unless the title says otherwise
("(12.29 브리퍼 : 부대변인)", the deputy), so the speaker is the office as
Korean reports name it ("외교부 대변인").

Pages are decoded strictly (declared charset, then UTF-8, then EUC-KR as
cp949), never leniently into mojibake.

Verified on real text: the title, 작성일 and body of the briefings of
2022-12-22 (opening remarks) and 2022-12-29 (opening and three questions
and answers), from stored copies of the pages. Only on RECONSTRUCTED markup:
every selector (the list table, .bo_con, the info list) and the 2022-12-22
question and answer about the "secret police stations", rebuilt from the
press's direct quotes (tests/fixtures/kr_mofa/PROVENANCE.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy import Selector
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

from core.text import text_fingerprint
from spiders.base import StationwatchSpider

LIST_URL = "https://www.mofa.go.kr/www/brd/m_4078/list.do"
MAX_LIST_PAGES = 400  # about 20 briefings a page; the board goes back to 2010s
FALLBACK_ENCODINGS = ("utf-8", "cp949")
DATE = re.compile(r"(20\d{2})[-.](\d{1,2})[-.](\d{1,2})")
SECTION = re.compile(r"^(?:I{1,3}|Ⅰ|Ⅱ|Ⅲ)\s*\.\s*(?P<name>.+)$")
QUESTION = re.compile(r"^(?:[<〈《\[]\s*질\s*문\s*[>〉》\]]|질문\s*[:：])\s*")
ANSWER = re.compile(r"^(?:[<〈《\[]\s*답\s*변\s*[>〉》\]]|답변\s*[:：])\s*")
DEPUTY = re.compile(r"브리퍼\s*[:：]\s*부대변인")
END_OF_TEXT = ("목록", "이전글", "다음글")
BODY_CONTAINERS = (".bo_con", ".board_view .view_con", ".board_view", "#contents", "body")


@dataclass
class Exchange:
    """A question and the spokesperson's answer to it."""

    question: list[str] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)

    @property
    def question_text(self) -> str:
        return "\n\n".join(self.question)


class KrMofaSpider(StationwatchSpider):
    name = "kr_mofa"
    allowed_domains = ["www.mofa.go.kr"]
    source_kind = "ministry"
    country = "KR"
    body = "Ministry of Foreign Affairs"
    language = "ko"
    slow_site = True  # a government board; one request at a time

    async def start(self):
        yield self.list_page(1)

    def list_page(self, page: int) -> scrapy.Request:
        return scrapy.Request(f"{LIST_URL}?page={page}", callback=self.parse_list, cb_kwargs={"page": page},
                              meta={"dont_conditional": True})  # the list is the walk: always read it

    def parse_list(self, response, page: int):
        rows = Selector(text=decoded_html(response)).xpath("//tr[.//a[contains(@href, 'view.do')]]")
        if not rows:
            if page == 1:
                self.layout_changed(response, "no briefings (links to view.do) on the first list page")
            return
        recent = 0
        for row in rows:
            href = row.xpath(".//a[contains(@href, 'view.do')]/@href").get().strip()
            listed = row_date(" ".join(row.xpath(".//text()").getall()))
            if listed is not None and listed < self.since:
                self.count_passed_over()
                continue
            recent += 1
            yield scrapy.Request(briefing_url(response.urljoin(href)), callback=self.parse_briefing)
        if recent and page < MAX_LIST_PAGES:
            yield self.list_page(page + 1)

    def parse_briefing(self, response):
        page = Selector(text=decoded_html(response))
        region = next((found[0] for css in BODY_CONTAINERS if (found := page.css(css))), None)
        lines = transcript_lines(region) if region is not None else []
        if not lines:
            self.layout_changed(response, "no briefing text")
            return
        title = page_title(page)
        published = briefing_date(page)
        seq = parse_qs(urlsplit(response.url).query).get("seq", [response.url])[0]
        deputy = bool(DEPUTY.search(title))
        common = dict(
            kind="briefing", url=response.url, title=title, published=published.isoformat() if published else None,
            speaker="외교부 부대변인" if deputy else "외교부 대변인",
            speaker_role="Deputy Spokesperson" if deputy else "Spokesperson",
        )
        opening, exchanges = split_briefing(lines)
        if opening:
            yield self.statement(**common, text="\n\n".join(opening), record_id=f"{seq}:opening")
        seen: dict[str, int] = {}
        for exchange in exchanges:
            if not exchange.answer:
                continue  # a question the briefer took away: no statement yet
            key = text_fingerprint(exchange.question_text)[:16]
            seen[key] = seen.get(key, 0) + 1  # the same question twice in one briefing
            record_id = f"{seq}:{key}" if seen[key] == 1 else f"{seq}:{key}:{seen[key]}"
            yield self.statement(**common, text="\n\n".join(exchange.answer), record_id=record_id,
                                 context=exchange.question_text)


def decoded_html(response) -> str:
    """The page as text, decoded strictly with each plausible encoding in turn
    (older Korean government pages are EUC-KR, resolved to cp949)."""
    body = response.body
    header = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    candidates = [http_content_type_encoding(header), html_body_declared_encoding(body), *FALLBACK_ENCODINGS]
    for encoding in dict.fromkeys(resolve_encoding(c) or c for c in candidates if c):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return response.text


def briefing_url(url: str) -> str:
    """The view URL with only its ``seq``: the list adds search and page
    parameters that change from page to page, and one briefing is one URL."""
    parts = urlsplit(url)
    seq = parse_qs(parts.query).get("seq")
    return f"{parts.scheme}://{parts.netloc}{parts.path}?seq={seq[0]}" if seq else url


def row_date(text: str) -> dt.date | None:
    match = DATE.search(text)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def page_title(page: Selector) -> str:
    for query in ('//meta[@property="og:title"]/@content', "//h4[contains(@class, 'title')]//text()",
                  "//title//text()"):
        text = " ".join(" ".join(page.xpath(query).getall()).split())
        if text:
            return re.sub(r"\s*\|\s*외교부.*$", "", text)
    return ""


def briefing_date(page: Selector) -> dt.date | None:
    """The 작성일 (date written) the page shows beside its title."""
    for label in page.xpath("//*[normalize-space(text())='작성일']"):
        date = row_date(" ".join(label.xpath("following::text()[normalize-space()][position() <= 2]").getall()))
        if date:
            return date
    return None


def transcript_lines(region: Selector) -> list[str]:
    """The transcript's paragraphs, from "I. 모두 발언" to the board's 목록/이전글."""
    lines = []
    for p in region.xpath(".//p[not(ancestor::p)] | .//li[not(ancestor::p)]"):
        text = " ".join(" ".join(p.xpath(".//text()").getall()).split())
        if text:
            lines.append(text)
    if not lines:  # a transcript set with <br> only
        lines = [t for t in (" ".join(s.split()) for s in region.xpath(".//text()").getall()) if t]
    start = next((i for i, line in enumerate(lines) if "모두 발언" in line or QUESTION.match(line)), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(lines)) if lines[i] in END_OF_TEXT), len(lines))
    return lines[start:end]


def split_briefing(lines: list[str]) -> tuple[list[str], list[Exchange]]:
    """(the opening remarks, the questions and answers) of a transcript.

    A ``<질문>`` line opens a question and a ``<답변>`` line its answer; the
    lines after either continue it. Section headings ("I. 모두 발언",
    "II. 질의 및 응답") are dropped.
    """
    opening: list[str] = []
    exchanges: list[Exchange] = []
    in_answer = False
    for line in lines:
        if SECTION.match(line) and ("발언" in line or "질의" in line or "응답" in line):
            continue
        if QUESTION.match(line):
            if not exchanges or exchanges[-1].answer:
                exchanges.append(Exchange())
            exchanges[-1].question.append(QUESTION.sub("", line))  # a follow-up before any answer joins it
            in_answer = False
        elif ANSWER.match(line) and exchanges:
            exchanges[-1].answer.append(ANSWER.sub("", line))
            in_answer = True
        elif exchanges:
            (exchanges[-1].answer if in_answer else exchanges[-1].question).append(line)
        else:
            opening.append(line)
    return opening, exchanges
