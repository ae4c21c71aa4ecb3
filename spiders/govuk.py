"""GOV.UK: news, press releases, speeches and statements of every department.

Source: GOV.UK's Search API (www.gov.uk/api/search.json, JSON, no key) finds
the records: it is asked each of the topic's English search terms as a
quoted phrase, for the document types that carry official statements, from
``self.since``, newest first, paging by ``start``. Organisations are not
filtered by default because the Home Office, the FCDO, the Security Minister
and the territorial offices have all spoken on the stations; ``-a
organisations=home-office,foreign-commonwealth-development-office`` narrows
a run to named departments (the API's ``filter_organisations``).

Search results carry a summary only, so each record is fetched in full from
the Content API (www.gov.uk/api/content<link>). Its ``first_published_at``
is the statement date: the search's ``public_timestamp`` is the last major
update, not publication.

One record is one candidate. The speaker comes from the record's linked
speaker (speeches and statements) or its single linked person; the role from
its linked government role ("Minister of State (Security)") when it has one.

Verification (see tests/fixtures/govuk/PROVENANCE.md):
- verified on real recorded responses: Search API envelope and result fields
  (``results``, ``total``, ``start``, ``link``, ``title``, ``public_timestamp``,
  ``organisations``; GDS's documented ``q=taxes`` output); Content API fields
  ``content_id``, ``locale``, ``base_path``, ``title``, ``description``,
  ``document_type``, ``schema_name``, ``first_published_at``, ``details.body``,
  ``details.emphasised_organisations``, ``links.organisations``,
  ``links.speaker``, ``links.people``, ``links.worldwide_organisations``
  (GDS's published frontend examples of real 2016 content);
- only on RECONSTRUCTED samples: a search result for a news record with
  ``content_store_document_type``, ``links.roles`` (the schema names it; no
  recorded example carries one), ``withdrawn_notice``, and every on-topic
  record (no recorded GOV.UK response about the stations was found).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import scrapy

from spiders.base import StationwatchSpider

WEB = "https://www.gov.uk"
SEARCH_API = f"{WEB}/api/search.json"
CONTENT_API = f"{WEB}/api/content"
PAGE_SIZE = 100
# Document types that carry what a government says (the Search API's
# content_store_document_type values); guidance, forms and statistics do not.
STATEMENT_TYPES = (
    "press_release",
    "news_story",
    "world_news_story",
    "government_response",
    "speech",
    "oral_statement",
    "written_statement",
    "authored_article",
    "speaking_notes",
    "transcript",
)
SEARCH_FIELDS = ("title", "link", "description", "public_timestamp", "content_store_document_type", "organisations")
# Content items that are no longer a page: their text is gone, not changed.
REMOVED_SCHEMAS = ("gone", "redirect", "vanish")


class GovukSpider(StationwatchSpider):
    name = "govuk"
    allowed_domains = ["www.gov.uk"]
    source_kind = "ministry"
    country = "GB"

    def __init__(self, *args, organisations: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = [o.strip() for o in (organisations or "").split(",") if o.strip()]

    async def start(self):
        for term in self.topic.search_terms_for("en"):
            yield self.search(term)

    def search(self, term: str, start: int = 0) -> scrapy.Request:
        """One page of the Search API. Repeated parameters, not comma lists:
        the API answers 422 to anything it does not know."""
        params = [("q", f'"{term}"')]
        params += [("filter_organisations", org) for org in self.organisations]
        params += [("filter_content_store_document_type", t) for t in STATEMENT_TYPES]
        params += [
            ("filter_public_timestamp", f"from:{self.since_for_term(term, 'en').isoformat()}"),
            ("order", "-public_timestamp"),
            ("count", PAGE_SIZE),
            ("start", start),
        ]
        params += [("fields", f) for f in SEARCH_FIELDS]
        return scrapy.Request(
            f"{SEARCH_API}?{urlencode(params)}",
            callback=self.parse_search,
            cb_kwargs={"term": term, "start": start},
        )

    def parse_search(self, response, term: str, start: int):
        data = self.json_or_layout_error(response, "results")
        if data is None:
            return
        for result in data["results"]:
            link = result.get("link")
            if not link:
                self.layout_changed(response, "a search result without link")
                continue
            if not link.startswith("/"):
                continue  # an external link (http...): not a GOV.UK page, no content item
            yield scrapy.Request(
                f"{CONTENT_API}{link}",
                callback=self.parse_content,
                meta={"handle_httpstatus_list": [404, 410]},
            )
        total = data.get("total") or 0
        if data["results"] and start + PAGE_SIZE < total:
            yield self.search(term, start + PAGE_SIZE)

    def parse_content(self, response):
        if response.status in (404, 410):
            # Unpublished or withdrawn from the content store since it was
            # indexed: nothing to store, and not a failure of the crawl.
            self.logger.info("removed from GOV.UK (%s): %s", response.status, response.url)
            return
        item = self.json_or_layout_error(response, "base_path")
        if item is None:
            return
        if item.get("schema_name") in REMOVED_SCHEMAS:
            self.logger.info("GOV.UK page is a %s now: %s", item["schema_name"], response.url)
            return
        body_html = (item.get("details") or {}).get("body")
        if not isinstance(body_html, str):
            self.layout_changed(response, "a content item without details.body")
            return
        speaker, role = _speaker_and_role(item)
        body, source_kind = _speaking_body(item)
        locale = item.get("locale") or "en"
        yield self.statement(
            source_kind=source_kind,
            body=body,
            kind=govuk_kind(item.get("document_type") or item.get("schema_name")),
            url=f"{WEB}{item['base_path']}",
            fetch_url=response.url,
            title=item.get("title") or "",
            published=_first_published(item),
            language=locale.split("-")[0],
            text=body_html,
            record_id=f"{item.get('content_id') or item['base_path']}:{locale}",
            speaker=speaker,
            speaker_role=role,
            context=item.get("description") or None,
            raw=json.dumps(item, sort_keys=True, ensure_ascii=False),
            raw_type="json",
        )


def _first_published(item: dict) -> str | None:
    """First publication, not the last update (README gotcha)."""
    details = item.get("details") or {}
    for value in (item.get("first_published_at"), details.get("first_public_at"), item.get("public_updated_at")):
        if value:
            return value[:10]
    return None


def _speaking_body(item: dict) -> tuple[str, str]:
    """The organisation that speaks, and whether it is a ministry or an embassy.

    GOV.UK lists every tagged organisation; ``emphasised_organisations`` names
    the lead one(s). Embassy news is tagged with worldwide organisations only.
    """
    links = item.get("links") or {}
    orgs = links.get("organisations") or []
    lead_ids = (item.get("details") or {}).get("emphasised_organisations") or []
    for org in orgs:
        if org.get("content_id") in lead_ids and org.get("title"):
            return org["title"], "ministry"
    if orgs and orgs[0].get("title"):
        return orgs[0]["title"], "ministry"
    worldwide = links.get("worldwide_organisations") or []
    if worldwide and worldwide[0].get("title"):
        return worldwide[0]["title"], "embassy"
    return "HM Government", "government"


def _speaker_and_role(item: dict) -> tuple[str | None, str | None]:
    """Named speaker and role, where GOV.UK names them; (None, None) otherwise."""
    links = item.get("links") or {}
    details = item.get("details") or {}
    speaker = None
    if links.get("speaker"):
        speaker = links["speaker"][0].get("title")
    elif details.get("speaker_without_profile"):
        speaker = details["speaker_without_profile"]
    elif len(links.get("people") or []) == 1:
        speaker = links["people"][0].get("title")
    roles = links.get("roles") or []
    role = roles[0].get("title") if len(roles) == 1 else None
    return speaker, role


# GOV.UK's document types (the Content API's document_type) -> Statement.kind.
GOVUK_KINDS = {
    "news_story": "news_article", "world_news_story": "news_article", "press_release": "press_release",
    "speech": "speech", "authored_article": "news_article", "oral_statement": "oral_statement",
    "written_statement": "written_statement", "correspondence": "correspondence",
    "government_response": "government_response", "policy_paper": "policy_paper",
    "statement_to_parliament": "oral_statement", "news_article": "news_article",
}


def govuk_kind(document_type: str | None) -> str:
    """A GOV.UK document type as a Statement.kind ("document" when unknown)."""
    return GOVUK_KINDS.get(document_type or "", "document")
