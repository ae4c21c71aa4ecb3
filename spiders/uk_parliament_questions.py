"""UK Parliament written questions, answers and written ministerial statements.

Source: questions-statements-api.parliament.uk (JSON, no key; Open Parliament
Licence). The API searches full text, so the spider asks it for the topic's
English search terms, from the last successful run's date, and follows its
skip/take paging to the end. List results carry a truncated answer, so each
record is fetched in full from its detail endpoint.

A question and its answer are separate statements: the answer (speaker: the
answering minister, body: the answering department) is the government's
response and points at its question.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import scrapy

from spiders.base import StationwatchSpider

API = "https://questions-statements-api.parliament.uk/api"
WEB = "https://questions-statements.parliament.uk"
PAGE_SIZE = 20
HOUSE_BODY = {"Commons": "House of Commons", "Lords": "House of Lords"}
HOUSE_ROLE = {"Commons": "MP", "Lords": "Member of the House of Lords"}


class UkParliamentQuestionsSpider(StationwatchSpider):
    name = "uk_parliament_questions"
    allowed_domains = ["questions-statements-api.parliament.uk"]
    source_kind = "parliament"
    country = "GB"

    async def start(self):
        for term in self.topic.search_terms_for("en"):
            since = self.since_for_term(term, "en").isoformat()  # this term's topics' window
            # Tabled since, and answered since: an old question answered
            # last night is news too.
            for date_filter in ("tabledWhenFrom", "answeredWhenFrom"):
                yield self.search("writtenquestions/questions", term, {date_filter: since})
            yield self.search("writtenstatements/statements", term, {"madeWhenFrom": since})

    def search(self, endpoint: str, term: str, filters: dict, skip: int = 0) -> scrapy.Request:
        params = {"searchTerm": term, **filters, "take": PAGE_SIZE, "skip": skip}
        return scrapy.Request(
            f"{API}/{endpoint}?{urlencode(params)}",
            callback=self.parse_search,
            cb_kwargs={"endpoint": endpoint, "term": term, "filters": filters, "skip": skip},
        )

    def parse_search(self, response, endpoint, term, filters, skip):
        data = self.json_or_layout_error(response, "results")
        if data is None:
            return
        for result in data["results"]:
            record_id = (result.get("value") or {}).get("id")
            if record_id is None:
                self.layout_changed(response, "a result without value.id")
                continue
            yield scrapy.Request(
                f"{API}/{endpoint}/{record_id}?expandMember=true",
                callback=self.parse_question if "questions" in endpoint else self.parse_statement,
            )
        total = data.get("totalResults") or 0
        if data["results"] and skip + PAGE_SIZE < total:
            yield self.search(endpoint, term, filters, skip + PAGE_SIZE)

    def parse_question(self, response):
        data = self.json_or_layout_error(response, "value")
        if data is None:
            return
        q = data["value"]
        if q.get("isWithdrawn"):
            return
        raw = json.dumps(q, sort_keys=True, ensure_ascii=False)
        tabled = (q.get("dateTabled") or "")[:10]
        url = f"{WEB}/written-questions/detail/{tabled}/{q['uin']}"
        house = q.get("house") or "Commons"
        asker = q.get("askingMember") or {}
        common = dict( source_kind=self.source_kind, country=self.country, url=url,
            fetch_url=response.url, title=q.get("heading") or "", language="en", raw=raw, raw_type="json",
        )
        question_record_id = f"question:{q['id']}"
        yield self.statement(
            **common,
            body=HOUSE_BODY.get(house, house),
            kind="written_question",
            published=tabled,
            text=q.get("questionText") or "",
            record_id=question_record_id,
            speaker=asker.get("name"),
            speaker_role=_member_role(asker, house),
        )
        if q.get("answerText"):
            minister = q.get("answeringMember") or {}
            yield self.statement(
                **common,
                body=q.get("answeringBodyName") or HOUSE_BODY.get(house, house),
                kind="written_answer",
                published=(q.get("dateAnswered") or "")[:10] or tabled,
                text=q["answerText"],
                record_id=f"answer:{q['id']}",
                speaker=minister.get("name"),
                speaker_role=f"Answering minister, {q['answeringBodyName']}" if q.get("answeringBodyName") else None,
                question_record_id=question_record_id,
                context=q.get("questionText"),
            )

    def parse_statement(self, response):
        data = self.json_or_layout_error(response, "value")
        if data is None:
            return
        s = data["value"]
        made = (s.get("dateMade") or "")[:10]
        member = s.get("member") or {}
        yield self.statement(
            body=s.get("answeringBodyName") or HOUSE_BODY.get(s.get("house"), "UK Parliament"),
            kind="written_statement",
            url=f"{WEB}/written-statements/detail/{made}/{s['uin']}",
            fetch_url=response.url,
            title=s.get("title") or "",
            published=made,
            language="en",
            text=s.get("text") or "",
            record_id=f"statement:{s['id']}",
            speaker=member.get("name"),
            speaker_role=s.get("memberRole"),
            raw=json.dumps(s, sort_keys=True, ensure_ascii=False),
            raw_type="json",
        )


def _member_role(member: dict, house: str) -> str | None:
    """"Conservative MP", "Labour, Member of the House of Lords"; None if unknown."""
    if not member:
        return None
    party = member.get("party")
    role = HOUSE_ROLE.get(house)
    return " ".join(p for p in (party, role) if p) or None
