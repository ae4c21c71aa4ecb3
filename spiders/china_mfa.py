"""China's Ministry of Foreign Affairs: regular press conferences (English and
Chinese) and the spokesperson's remarks.

Source: fmprc.gov.cn / mfa.gov.cn, HTML only (TRS WCM pages, no API). The
spider walks each section's listing (``index.html``, then ``index_1.html``,
``index_2.html``, ...; Chinese pages end in ``.shtml``; the page count is in
the script variable ``countPage``) back to ``since`` and reads every
transcript it lists.

One candidate per question and answer: the spokesperson's answer is the
statement (speaker "Wang Wenbin", role "Foreign Ministry Spokesperson") and
the journalist's question is its ``context``, which the relevance pipeline
reads with it. An answer with no question before it (the opening
announcements) is a candidate of its own. A remarks page without a Q&A
structure is one candidate. An answer's record id is the transcript's
t-number and a hash of its speaker, question and answer, never its position
in the transcript: a page split differently keeps its answers' ids.

The speaker is as the page writes it ("汪文斌" on Chinese pages, "Wang
Wenbin" on English ones); the normalize pipeline makes both the one
canonical name of config/speakers.yml and keeps the spelling beside it
(``speaker_as_written``), so one spokesperson is one speaker in any language.

Gotchas handled here:
- removed pages answer 200 with a "系统维护" (system maintenance) page, or
  redirect to ``/web/system/`` or ``index_17321``: detected by final URL and
  body, counted under ``stationwatch/removed_pages``, never stored;
- pages come in UTF-8, GB2312 and GBK, sometimes with a charset header that
  disagrees with the bytes: the body is decoded strictly with each plausible
  encoding in turn (GB2312 and GBK read as their superset GB18030);
- old transcripts were republished under new URLs dated years later, so the
  date is the conference date in the title, then the page's PubDate, and only
  then the ``tYYYYMMDD`` in the URL.

Politeness: one request at a time, STATIONWATCH_SLOW_SITE_DELAY seconds apart
(public collectors use 5 s per host; robots.txt on both hosts has no rules).

Verified against real text: the EN and ZH question and answer of Wang
Wenbin's reply about Canada (15 May 2023), republished verbatim by third
parties; the EN title pattern; the Q&A layout (outlet: question / name:
answer; 记者： / 汪文斌：); that the EN and ZH answers of that reply give one
speaker after normalisation. Only against RECONSTRUCTED pages: every
selector (listing links, countPage, ArticleTitle/PubDate metas, body
containers, News_Body_* ids), the maintenance page, and the URLs'
t-numbers. No real saved MFA page was found (2026 search: a real article
URL in a public probe script, t20260728_11993800, without its page).
"""

from __future__ import annotations

import datetime as dt
import re

import scrapy
from scrapy import Selector
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

from core.health import Stat
from core.text import text_fingerprint
from spiders.base import StationwatchSpider

BODY = "Ministry of Foreign Affairs"
SPOKESPERSON_ROLE = "Foreign Ministry Spokesperson"
MAX_LISTING_PAGES = 200  # EN listings stop at 143 pages, ZH at 29 (reported 2026)

# (language, kind of its candidates, listing folder, page extension)
LISTINGS = (
    ("en", "briefing", "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/", "html"),
    ("en", "statement", "https://www.fmprc.gov.cn/eng/xw/fyrbt/fyrbt/", "html"),
    ("zh", "briefing", "https://www.mfa.gov.cn/web/fyrbt_673021/jzhsl_673025/", "shtml"),
)

ARTICLE_LINK = re.compile(r"^(?:\./)?\d{6}/t\d{8}_\d+\.s?html?$|^(?:\./)?t\d+\.s?html?$")
COUNT_PAGE = re.compile(r"countPage\s*=\s*(\d+)")
URL_DATE = re.compile(r"/t(\d{4})(\d{2})(\d{2})_\d+\.s?html?$")
T_NUMBER = re.compile(r"/(t\d{8}_\d+|t\d+)\.s?html?$")
REMOVED_URL = re.compile(r"/web/system/|index_17321")
MAINTENANCE_WORDS = ("系统维护", "系統維護")
TITLE_SUFFIX = re.compile(r"\s*(?:[_|-]|\s-\s)\s*(?:Ministry of Foreign Affairs.*|中华人民共和国外交部.*)$")
EN_TITLE_DATE = re.compile(r"\bon\s+([A-Z][a-z]+)\s+(\d{1,2}),?\s+(\d{4})")
ZH_TITLE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
EN_TITLE_SPEAKER = re.compile(r"Spokesperson\s+([A-Z][a-z]+(?:\s[A-Z][a-z]+){1,2})['’]s\b")
ZH_TITLE_SPEAKER = re.compile(r"发言人\s*([\u4e00-\u9fff]{2,4}?)\s*(?:主持|答)")
MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December"), start=1)}
# "Reuters: ...", "汪文斌：...", "总台央视记者：...": who speaks, then a colon.
EN_PREFIX = re.compile(r"^(?P<who>[A-Z][^:：?!.。]{0,60}?)\s*[:：]\s*(?P<rest>.+)$", re.S)
ZH_PREFIX = re.compile(r"^(?P<who>[^:：，。？！\s]{1,20}?)\s*[:：]\s*(?P<rest>.+)$", re.S)
ANSWER_MARKS = {"A", "答"}
QUESTION_MARKS = {"Q", "问"}
# Spokespeople since 2012, so that a page whose title omits the name still
# tells answers from questions.
SPOKESPEOPLE = {
    "Wang Wenbin": "汪文斌", "Zhao Lijian": "赵立坚", "Hua Chunying": "华春莹", "Mao Ning": "毛宁",
    "Lin Jian": "林剑", "Guo Jiakun": "郭嘉昆", "Geng Shuang": "耿爽", "Lu Kang": "陆慷",
    "Hong Lei": "洪磊", "Qin Gang": "秦刚",
}
SPOKESPEOPLE_ZH = {zh: en for en, zh in SPOKESPEOPLE.items()}
BOILERPLATE = re.compile(r"^(?:\[\s*Print\s*\]|【打印】|\[\s*Close\s*\]|【关闭】|[\s\[\]【】]|Print|Close)+$", re.I)
BODY_CONTAINERS = ("#News_Body_Txt_A", "div.content_text", "div.TRS_UEDITOR", "div.TRS_Editor",
                   "div.news_content", "div.content")


class ChinaMfaSpider(StationwatchSpider):
    name = "china_mfa"
    allowed_domains = ["fmprc.gov.cn", "mfa.gov.cn"]
    source_kind = "ministry"
    country = "CN"

    slow_site = True  # public collectors use 5 s per host

    async def start(self):
        for language, kind, folder, ext in LISTINGS:
            yield self.listing(language, kind, folder, ext, page=0)

    def listing(self, language, kind, folder, ext, page: int) -> scrapy.Request:
        name = f"index.{ext}" if page == 0 else f"index_{page}.{ext}"
        return scrapy.Request(folder + name, callback=self.parse_listing,
                              cb_kwargs={"language": language, "kind": kind, "folder": folder, "ext": ext, "page": page})

    def parse_listing(self, response, language, kind, folder, ext, page):
        html = decoded_html(response)
        if is_removed(response.url, html):
            self.crawler.stats.inc_value(Stat.REMOVED_PAGES)
            self.logger.warning("listing page removed (maintenance page): %s", response.url)
            return
        selector = Selector(text=html)
        links = [href for href in selector.xpath("//a/@href").getall() if ARTICLE_LINK.match(href.strip())]
        if not links:
            if page == 0:
                self.layout_changed(response, "no transcript links on the first listing page")
            return
        recent = 0
        for href in dict.fromkeys(links):
            # Each listed transcript is a record seen, new or not: a quiet
            # night must not look like a listing that lost its links.
            url = response.urljoin(href.strip())
            listed = url_date(url)
            if listed is not None and listed < self.since:
                self.count_passed_over()
                continue  # a URL's date is never earlier than the conference it holds
            recent += 1
            yield scrapy.Request(url, callback=self.parse_article, cb_kwargs={"language": language, "kind": kind})
        match = COUNT_PAGE.search(html)
        pages = int(match.group(1)) if match else MAX_LISTING_PAGES
        if recent and page + 1 < min(pages, MAX_LISTING_PAGES):
            yield self.listing(language, kind, folder, ext, page + 1)

    def parse_article(self, response, language, kind):
        html = decoded_html(response)
        if is_removed(response.url, html):
            self.crawler.stats.inc_value(Stat.REMOVED_PAGES)
            self.logger.info("removed page (maintenance page answered instead): %s", response.url)
            return
        page = Selector(text=html)
        region = next((found[0] for css in BODY_CONTAINERS if (found := page.css(css))), None)
        if region is None:
            self.layout_changed(response, "no transcript body")
            return
        title = page_title(page)
        spokesperson = title_speaker(title, language)
        published = title_date(title, language) or meta_date(page) or url_date(response.url)
        paragraphs = body_paragraphs(region)
        t_match = T_NUMBER.search(response.url)
        t_number = t_match.group(1) if t_match else response.url  # the CMS's document number
        common = dict( source_kind=self.source_kind, country=self.country, body=BODY, url=response.url,
            title=title, published=published.isoformat() if published else None, language=language,
        )
        pairs = split_questions_and_answers(paragraphs, spokesperson, language)
        if not pairs:
            # A statement or remarks page without questions: one candidate.
            yield self.statement(**common, kind=kind, text="\n\n".join(p.text for p in paragraphs),
                            record_id=t_number, speaker=spokesperson, speaker_role=SPOKESPERSON_ROLE,
                            raw=region.get(), raw_type="html")
            return
        seen: set[str] = set()
        for pair in pairs:
            speaker = pair.speaker or spokesperson
            record_id = pair_record_id(t_number, speaker, pair)
            if record_id in seen:
                continue  # the same question and answer printed twice on one page: one statement
            seen.add(record_id)
            yield self.statement(
                **common, kind=kind, text=pair.answer, record_id=record_id,
                speaker=speaker, speaker_role=SPOKESPERSON_ROLE,
                context=pair.question, raw=pair.raw, raw_type="html",
            )


class Paragraph:
    """One paragraph of a transcript: its text, its HTML, and whether it is all bold
    (the current design sets questions in <strong>)."""

    def __init__(self, text: str, html: str, bold: bool):
        self.text, self.html, self.bold = text, html, bold


class Pair:
    def __init__(self, question: str | None, answer: str, speaker: str | None, raw: str):
        self.question, self.answer, self.speaker, self.raw = question, answer, speaker, raw


def pair_record_id(t_number: str, speaker: str | None, pair: Pair) -> str:
    """The transcript's number and a hash of who answered what to which question.

    Not the pair's position: a transcript re-split (a question found where
    there was none, an answer removed) would give every later answer a new
    id, and the store would take the same answers for new statements. The
    hash folds case, accents, quotes and spacing (core.text.text_fingerprint),
    so a page re-rendered with other markup keeps its ids.
    """
    content = "\n".join((speaker or "", pair.question or "", pair.answer))
    return f"{t_number}:{text_fingerprint(content)[:16]}"


def decoded_html(response) -> str:
    """The page as text, decoded strictly with each plausible encoding in turn.

    Chinese government pages declare GB2312 but use GBK characters, or send a
    UTF-8 header over GBK bytes; Scrapy's lenient decoding would then store
    mojibake. GB2312 and GBK resolve to GB18030, their superset.
    """
    body = response.body
    header = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    candidates = [http_content_type_encoding(header), html_body_declared_encoding(body), "utf-8", "gb18030"]
    for encoding in dict.fromkeys(resolve_encoding(c) or c for c in candidates if c):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return response.text


def is_removed(url: str, html: str) -> bool:
    """A removed page: redirected to the system page, or a maintenance page with no transcript."""
    if REMOVED_URL.search(url):
        return True
    has_body = "News_Body_Txt_A" in html or "TRS_" in html or "content_text" in html
    return not has_body and any(word in html for word in MAINTENANCE_WORDS)


def page_title(page: Selector) -> str:
    for query in ('//meta[@name="ArticleTitle"]/@content', '//*[@id="News_Body_Title"]//text()',
                  "//h1//text()", '//div[@class="title"]//text()', "//title//text()"):
        text = " ".join(" ".join(page.xpath(query).getall()).split())
        if text:
            return TITLE_SUFFIX.sub("", text)
    return ""


def title_speaker(title: str, language: str) -> str | None:
    pattern = EN_TITLE_SPEAKER if language == "en" else ZH_TITLE_SPEAKER
    match = pattern.search(title)
    return match.group(1) if match else None


def title_date(title: str, language: str) -> dt.date | None:
    """The conference date a presser's title states ("... on May 15, 2023", "2023年5月15日...")."""
    try:
        if language == "en" and (m := EN_TITLE_DATE.search(title)) and m.group(1) in MONTHS:
            return dt.date(int(m.group(3)), MONTHS[m.group(1)], int(m.group(2)))
        if m := ZH_TITLE_DATE.search(title):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def meta_date(page: Selector) -> dt.date | None:
    for query in ('//meta[@name="PubDate"]/@content', '//*[@id="News_Body_Time"]//text()',
                  '//p[@class="time"]//text()', '//span[@class="time"]//text()'):
        match = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", " ".join(page.xpath(query).getall()))
        if match:
            try:
                return dt.date(*map(int, match.groups()))
            except ValueError:
                continue
    return None


def url_date(url: str) -> dt.date | None:
    match = URL_DATE.search(url)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def body_paragraphs(region: Selector) -> list[Paragraph]:
    """The transcript's paragraphs, without empty ones and the [Print] [Close] links."""
    paragraphs = []
    for p in region.xpath(".//p[not(ancestor::p)]"):
        text = " ".join(" ".join(p.xpath(".//text()").getall()).split())
        if not text or BOILERPLATE.match(text):
            continue
        bold = " ".join(" ".join(p.xpath(".//strong//text() | .//b//text()").getall()).split())
        paragraphs.append(Paragraph(text, p.get(), bold == text))
    if not paragraphs:  # older pages separate paragraphs with <br> only
        for line in region.xpath(".//text()").getall():
            text = " ".join(line.split())
            if text and not BOILERPLATE.match(text):
                paragraphs.append(Paragraph(text, text, False))
    return paragraphs


def _answerer(who: str, spokesperson: str | None) -> str | None:
    """The spokesperson's name if ``who`` is the one answering, "" for a bare "A"/"答"."""
    if who in ANSWER_MARKS:
        return ""
    if spokesperson and who == spokesperson:
        return who
    if who in SPOKESPEOPLE or who in SPOKESPEOPLE_ZH:
        return who
    return None


def _is_question(paragraph: Paragraph, who: str, rest: str, language: str) -> bool:
    if who in QUESTION_MARKS or paragraph.bold:
        return True
    if language == "zh":
        return who.endswith("记者") or who.endswith("記者")
    # An outlet's name (a few words) and a question: "Reuters: ... ?"
    return len(who.split()) <= 6 and ("?" in rest or "？" in rest)


def split_questions_and_answers(paragraphs: list[Paragraph], spokesperson: str | None,
                                language: str) -> list[Pair]:
    """Pair each answer of the spokesperson with the question before it.

    A paragraph that starts with the spokesperson's name (or "A:"/"答：") opens an
    answer, one that starts with an outlet (or "Q:"/"记者：") opens a question;
    the paragraphs after either continue it. A follow-up question before any
    answer joins the question. Text before the first question or answer is skipped.
    """
    prefix = EN_PREFIX if language == "en" else ZH_PREFIX
    pairs: list[Pair] = []
    question: list[Paragraph] = []
    answer: list[Paragraph] = []
    speaker: str | None = None
    answer_question: list[Paragraph] = []
    first_answer_text = ""

    def close_answer():
        if answer:
            texts = [first_answer_text] + [p.text for p in answer[1:]]
            pairs.append(Pair(
                question="\n\n".join(p.text for p in answer_question) or None,
                answer="\n\n".join(texts),
                speaker=speaker or None,
                raw="\n".join(p.html for p in answer_question + answer),
            ))

    for paragraph in paragraphs:
        match = prefix.match(paragraph.text)
        who, rest = (match.group("who").strip(), match.group("rest").strip()) if match else ("", paragraph.text)
        answering = _answerer(who, spokesperson) if match else None
        if answering is not None and not paragraph.bold:
            close_answer()
            answer, answer_question, question = [paragraph], question, []
            speaker, first_answer_text = answering or spokesperson, rest
        elif (match and _is_question(paragraph, who, rest, language)) or (paragraph.bold and not answer):
            if answer:
                close_answer()
                answer, answer_question = [], []
            question.append(paragraph)
        elif answer:
            answer.append(paragraph)
        elif question:
            question.append(paragraph)
    close_answer()
    return pairs
