"""An article's main text and metadata from its HTML page.

trafilatura does the work (main text without navigation, asides and
footers; title, author, date and language from the page's metadata). It won
the comparison with readability-lxml on the recorded articles: see
docs/press.md and bench/compare_extractors.py for the figures and why.

The date is the page's own (article:published_time, JSON-LD, <time>), never
the fetch date; a page without one gets the feed's date from the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import trafilatura
from lxml import html as lxml_html

_LANG_ATTR = re.compile(r"<html[^>]*\blang=[\"']?([a-zA-Z]{2})", re.IGNORECASE)
_OG_TYPE = re.compile(r"""<meta[^>]+(?:property|name)=["']og:type["'][^>]*content=["']([^"']+)|"""
                      r"""<meta[^>]+content=["']([^"']+)["'][^>]*(?:property|name)=["']og:type["']""", re.IGNORECASE)
MIN_ARTICLE_CHARS = 200  # the shortest recorded article has 639 characters of text; a video page a caption


@dataclass
class Article:
    url: str
    title: str = ""
    author: str | None = None
    published: str | None = None  # ISO date from the page's metadata
    language: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    page_type: str | None = None  # the page's og:type ("article", "video.other", "website")

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def not_an_article(self) -> str | None:
        """Why this page is not an article (a video, live or index page a
        feed links to), or None: such a page is skipped, not a layout change."""
        if self.page_type and "article" not in self.page_type.lower():
            return f"og:type is {self.page_type!r}"
        if self.paragraphs and len(self.text) < MIN_ARTICLE_CHARS:
            return f"only {len(self.text)} characters of text"
        return None


def extract_article(page_html: str, url: str) -> Article:
    """Main text (one string per paragraph) and metadata of an article page."""
    doc = trafilatura.bare_extraction(
        page_html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, deduplicate=False,
    )
    og = _OG_TYPE.search(page_html[:20000])
    page_type = (og.group(1) or og.group(2)).strip() if og else None
    if doc is None:
        return Article(url=url, language=_html_lang(page_html), page_type=page_type)
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = data.get("text") or ""
    paragraphs = [" ".join(p.split()) for p in text.split("\n") if p.strip()]
    title = data.get("title") or ""
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # trafilatura may keep the <h1>
    return Article(
        url=url,
        title=title,
        author=data.get("author") or None,
        published=(data.get("date") or None),
        language=_language(data.get("language"), page_html),
        paragraphs=paragraphs,
        page_type=page_type,
    )


def _language(detected: str | None, page_html: str) -> str | None:
    """The page's declared language first (trafilatura only guesses without a
    language detector installed), else what it found."""
    return _html_lang(page_html) or (detected[:2].lower() if detected else None)


def _html_lang(page_html: str) -> str | None:
    match = _LANG_ATTR.search(page_html[:5000])
    return match.group(1).lower() if match else None


def readability_paragraphs(page_html: str) -> list[str]:
    """The same article through readability-lxml: used only to compare
    extractors (bench/compare_extractors.py), never by the spiders."""
    from readability import Document

    summary = Document(page_html).summary(html_partial=True)
    tree = lxml_html.fromstring(summary)
    return [" ".join(p.text_content().split()) for p in tree.iter("p", "li", "h1", "h2") if p.text_content().strip()]
