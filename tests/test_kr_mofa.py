"""kr_mofa (Korean foreign ministry's regular briefings) on pages rebuilt
around the real text of the 2022-12-22 and 2022-12-29 briefings
(tests/fixtures/kr_mofa/PROVENANCE.md)."""

import pytest
from scrapy.http import HtmlResponse, Request

from core.text import text_fingerprint
from spiders.kr_mofa import KrMofaSpider, decoded_html, split_briefing
from stationwatch.items import Statement
from stationwatch.topic import load_topic
from tests.helpers import collect, fixture_path, make_spider, replay_crawl, response_for

SOURCE = "kr_mofa"
LIST = "https://www.mofa.go.kr/www/brd/m_4078/list.do"
VIEW = "https://www.mofa.go.kr/www/brd/m_4078/view.do"
DEC_22, DEC_29 = "view_seq-368497_2022-12-22.RECONSTRUCTED.html", "view_seq-368499_2022-12-29.RECONSTRUCTED.html"


@pytest.fixture
def spider():
    return make_spider(KrMofaSpider)


def stat(spider, name):
    return spider.crawler.stats.get_value(f"stationwatch/{name}") or 0


def briefing(spider, name, seq):
    return list(spider.parse_briefing(response_for(SOURCE, name, f"{VIEW}?seq={seq}")))


def test_start_reads_the_first_list_page(spider):
    (request,) = collect(spider.start())
    assert request.url == f"{LIST}?page=1"
    assert request.meta["dont_conditional"] is True


def test_list_page_leads_to_each_briefing_and_the_next_page(spider):
    out = list(spider.parse_list(response_for(SOURCE, "list_page-1.RECONSTRUCTED.html", f"{LIST}?page=1"), 1))
    # One URL per briefing: the list's search and page parameters are dropped.
    assert [r.url for r in out] == [f"{VIEW}?seq=368499", f"{VIEW}?seq=368497", f"{LIST}?page=2"]


def test_the_walk_stops_at_briefings_older_than_the_start(spider):
    out = list(spider.parse_list(response_for(SOURCE, "list_page-2.RECONSTRUCTED.html", f"{LIST}?page=2"), 2))
    assert out == []
    assert stat(spider, "records") == 1  # the 8.30 briefing, passed over


def test_a_list_without_briefings_is_a_layout_change_on_the_first_page_only(spider):
    empty = HtmlResponse(f"{LIST}?page=1", body="<html><body><p>점검 중</p></body></html>".encode(),
                         headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(f"{LIST}?page=1"))
    assert list(spider.parse_list(empty, 1)) == []
    assert stat(spider, "layout_errors") == 1
    assert list(spider.parse_list(empty.replace(url=f"{LIST}?page=9"), 9)) == []
    assert stat(spider, "layout_errors") == 1


def test_briefing_gives_the_opening_remarks_and_one_statement_per_answer(spider):
    items = briefing(spider, DEC_29, 368499)
    assert all(isinstance(i, Statement) for i in items)
    assert len(items) == 4
    opening, first, second, third = items
    assert opening.record_id == "368499:opening"
    assert opening.text.startswith("안녕하십니까? 1229일 목요일 외교부 정례브리핑을 시작하겠습니다.")
    assert opening.context is None
    assert first.text == "질문 주신 사항과 관련해서는 질병청, 중대본 등 방역당국에 문의해 주시기 바랍니다."
    assert first.context == ("중국 정부의 여권 발급 정상화로 세계 각국이 방역 규제를 강화하고 있는데요. "
                             "우리 외교부에서도 관련 계획이 있으신지 궁금합니다. (미디어펜 김소정 기자)")
    assert third.text.startswith("저희가 보도자료를 통해서도 발표드렸는데요.")
    for item in items:
        assert (item.kind, item.source_kind, item.country, item.language) == ("briefing", "ministry", "KR", "ko")
        assert item.body == "Ministry of Foreign Affairs"
        assert item.published == "2022-12-29"
        assert item.title == "대변인 정례브리핑 (12.29 브리퍼 : 부대변인)"
        assert item.url == f"{VIEW}?seq=368499"
        # The title names the deputy as the briefer.
        assert (item.speaker, item.speaker_role) == ("외교부 부대변인", "Deputy Spokesperson")


def test_record_ids_come_from_the_question_not_its_position(spider):
    items = briefing(spider, DEC_29, 368499)
    second = items[2]
    assert second.record_id == "368499:" + text_fingerprint(second.context)[:16]
    # The same transcript with its first exchange removed keeps the others' ids.
    html = fixture_path(SOURCE, DEC_29).read_text(encoding="utf-8")
    start = html.index("<p>&lt;질문&gt; 중국 정부의")
    end = html.index("<p>&lt;질문&gt; 서민정")
    url = f"{VIEW}?seq=368499"
    shorter = HtmlResponse(url, body=(html[:start] + html[end:]).encode(), headers={"Content-Type": "text/html"},
                           request=Request(url))
    assert [i.record_id for i in spider.parse_briefing(shorter)] == [items[0].record_id, items[2].record_id,
                                                                     items[3].record_id]


def test_the_answer_about_the_secret_police_stations(spider):
    opening, answer = briefing(spider, DEC_22, 368497)
    assert (answer.speaker, answer.speaker_role) == ("외교부 대변인", "Spokesperson")
    assert answer.published == "2022-12-22"
    assert answer.context == "중국의 비밀 경찰서 개설 의혹에 대해 정부 차원에서 조사가 이뤄지고 있습니까?"
    assert answer.text.startswith("현 시점에서 외교부 차원에서 특별하게 언급할 사항이 없다.")
    assert "국내 법령과 국제규범에 따라" in answer.text
    topic = load_topic()
    assert topic.judge(f"{answer.context}\n\n{answer.text}").relevant
    assert not topic.judge(opening.text).relevant  # the export task force is not the topic


def test_split_handles_follow_ups_and_unanswered_questions():
    opening, exchanges = split_briefing([
        "I. 모두 발언", "안녕하십니까?", "II. 질의 및 응답",
        "<질문> 첫 질문입니다. (가 기자)", "<질문> 추가로 여쭙겠습니다.", "<답변> 답변 첫 문단.", "답변 둘째 문단.",
        "<질문> 답이 없는 질문.",
    ])
    assert opening == ["안녕하십니까?"]
    assert [e.question for e in exchanges] == [["첫 질문입니다. (가 기자)", "추가로 여쭙겠습니다."], ["답이 없는 질문."]]
    assert exchanges[0].answer == ["답변 첫 문단.", "답변 둘째 문단."]
    assert exchanges[1].answer == []


def test_a_briefing_without_text_is_a_layout_change(spider):
    url = f"{VIEW}?seq=1"
    response = HtmlResponse(url, body="<html><body><div class='bo_con'></div></body></html>".encode(),
                            headers={"Content-Type": "text/html; charset=utf-8"}, request=Request(url))
    assert list(spider.parse_briefing(response)) == []
    assert stat(spider, "layout_errors") == 1


@pytest.mark.parametrize("header, encoding, declared", [
    ("text/html", "cp949", "EUC-KR"),  # declared in the page only
    ("text/html; charset=utf-8", "cp949", "EUC-KR"),  # the header lies
    ("text/html", "utf-8", "UTF-8"),
])
def test_pages_in_any_korean_encoding_read_as_text(spider, header, encoding, declared):
    html = fixture_path(SOURCE, DEC_22).read_text(encoding="utf-8").replace('charset="UTF-8"', f'charset="{declared}"')
    url = f"{VIEW}?seq=368497"
    response = HtmlResponse(url, body=html.encode(encoding), headers={"Content-Type": header}, request=Request(url))
    assert "비밀 경찰서" in decoded_html(response)
    assert "비밀 경찰서" in list(spider.parse_briefing(response))[1].context


def test_real_korean_sentences_are_on_topic_and_a_distractor_is_not():
    topic = load_topic()
    # Newsis (2022-12-22), reporting the briefing:
    assert topic.judge("중국이 반체제 인사를 감시하고 정보 수집 활동을 하는 이른바 '비밀 경찰서'를 한국에서도 운영했다는 보도와 관련").relevant
    # The PRC embassy in Seoul (2022-12-23):
    assert topic.judge("관련 보도는 전혀 사실무근이며, 이른바 ‘해외경찰서’는 전혀 존재하지 않습니다.").relevant
    # YTN's headline (2022-12-20):
    assert topic.judge("정부, '中 비밀경찰' 의혹에 \"외국 기관, 국제 규범 내 활동해야\"").relevant
    # A Korean police station in a sentence about Chinese tourists is not the topic.
    assert not topic.judge("중국인 관광객이 종로경찰서에 분실한 지갑을 신고했다.").relevant


def test_end_to_end_replay(tmp_path):
    # Every topic from 2022-09-01, where the recordings start (a first run would ask the
    # Confucius Institutes topic from its own 2019-01-01, past what was recorded).
    crawled = replay_crawl(SOURCE, tmp_path / "t.db", "-a", "since=2022-09-01")
    asked = [path for path, _ in crawled.requests]
    (row,) = crawled.statements  # only the answer about the stations is on topic
    assert row["record_id"].startswith("368497:") and row["record_id"] != "368497:opening"
    assert (row["speaker"], row["published"], row["language"], row["country"]) == ("외교부 대변인", "2022-12-22", "ko", "KR")
    assert "국내 법령과 국제규범에 따라" in row["text"]  # Korean stored as text
    assert any("list.do?page=2" in p for p in asked)
    assert not any("page=3" in p for p in asked)  # page 2 reached the start date
    run = next(r for r in crawled.runs if r["spider"] == SOURCE)
    assert run["status"] == "ok" and run["new"] == 1
