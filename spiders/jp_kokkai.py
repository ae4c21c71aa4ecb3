"""Japan's Diet: speeches in the minutes of both Houses (国会会議録検索システム).

Source: the National Diet Library's minutes search API,
``https://kokkai.ndl.go.jp/api/speech`` (JSON with ``recordPacking=json``,
no key). It searches full text (``any``) from a date (``from``), so the
spider asks it for each of the topic's Japanese search terms from
``self.since`` and follows ``nextRecordPosition`` to the end. One candidate
per speech (``speechRecord``): speaker, their group and position, the
meeting, the date and the speech's own page (``speechURL``).

The written questions (質問主意書) are not in the minutes: jp_sangiin reads
them. The NDL asks machine users for no parallel requests and a few seconds
between them (``slow_site``).

Verified on a RECORDED response (a 2022 speech on another topic, kept by a
public API client's test): the envelope, every field and the paging. No
recorded response with a speech about the stations was found.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import scrapy

from spiders.base import StationwatchSpider

API = "https://kokkai.ndl.go.jp/api/speech"
PAGE_SIZE = 100  # the API's maximum for speech records
HOUSES = {"衆議院": "House of Representatives", "参議院": "House of Councillors", "両院": "National Diet"}
SPEAKER_MARK = re.compile(r"^○\S+\s+")  # "○井林委員　" opens every speech


class JpKokkaiSpider(StationwatchSpider):
    name = "jp_kokkai"
    allowed_domains = ["kokkai.ndl.go.jp"]
    source_kind = "parliament"
    country = "JP"
    body = "National Diet"
    language = "ja"
    slow_site = True

    async def start(self):
        for term in self.topic.search_terms_for("ja"):
            yield self.search(term, start=1)

    def search(self, term: str, start: int) -> scrapy.Request:
        params = {"any": term, "from": self.since_for_term(term, "ja").isoformat(), "recordPacking": "json",
                  "maximumRecords": PAGE_SIZE, "startRecord": start}
        return scrapy.Request(f"{API}?{urlencode(params)}", callback=self.parse_search,
                              cb_kwargs={"term": term, "start": start})

    def parse_search(self, response, term: str, start: int):
        data = self.json_or_layout_error(response, "numberOfRecords")
        if data is None:
            return
        for record in data.get("speechRecord") or []:
            if not record.get("speechID") or not record.get("speech"):
                self.layout_changed(response, "a speech record without speechID or speech")
                continue
            yield self.speech(record, response.url)
        following = data.get("nextRecordPosition")
        if following and data.get("numberOfReturn") and int(following) > start:
            yield self.search(term, int(following))

    def speech(self, record: dict, fetch_url: str):
        house = record.get("nameOfHouse") or ""
        meeting = " ".join(p for p in (house, record.get("nameOfMeeting"), record.get("issue")) if p)
        role = record.get("speakerPosition") or record.get("speakerRole")
        group = record.get("speakerGroup")
        return self.statement(
            kind="debate_contribution", body=HOUSES.get(house, house or self.body),
            url=record.get("speechURL") or record.get("meetingURL") or fetch_url, fetch_url=fetch_url,
            title=meeting, published=record.get("date"), text=SPEAKER_MARK.sub("", record["speech"]).strip(),
            record_id=record["speechID"], speaker=record.get("speaker"),
            speaker_role=", ".join(p for p in (role, group) if p) or None, raw=_raw(record), raw_type="json",
        )


def _raw(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True)
