"""A run is judged from Scrapy's stats, never from the exit code."""

import pytest

from stationwatch.runs import judge, reasons_from_stats

FINE = {"downloader/response_count": 5, "downloader/response_status_count/200": 5,
        "stationwatch/records": 4, "item_scraped_count": 2, "stationwatch/new": 1}


@pytest.mark.parametrize("stats,reason,usually,expected", [
    (FINE, "finished", True, "ok"),
    ({**FINE, "stationwatch/new": 0, "stationwatch/unchanged": 2}, "finished", True, "no_new"),
    ({**FINE, "downloader/exception_count": 1}, "finished", True, "errors"),
    ({"downloader/response_count": 0, "downloader/exception_count": 3}, "finished", True, "failed"),
    ({"downloader/response_count": 2, "downloader/response_status_count/503": 2, "retry/max_reached": 2},
     "finished", True, "failed"),
    (FINE, "shutdown", True, "failed"),
    ({**FINE, "stationwatch/layout_errors": 1}, "finished", True, "layout_changed"),
    ({**FINE, "stationwatch/records": 0, "stationwatch/new": 0}, "finished", True, "empty_unusual"),
    ({**FINE, "stationwatch/records": 0, "stationwatch/new": 0}, "finished", False, "no_new"),
    ({"stationwatch/skipped": "no key"}, "finished", False, "skipped"),
])
def test_status_from_stats(stats, reason, usually, expected):
    assert judge(stats, reason, usually)["status"] == expected


def test_pages_answering_an_error_status_are_a_reason():
    """An `errors` run whose listing pages answered 404 (Scrapy logs that at
    INFO) says so in its error messages."""
    stats = {**FINE, "httperror/response_ignored_count": 4, "httperror/response_ignored_status_count/404": 3,
             "httperror/response_ignored_status_count/500": 1}
    assert judge(stats, "finished", True)["status"] == "errors"
    assert "4 response(s) not read, HTTP 404 x 3, 500 x 1" in reasons_from_stats(stats)
    assert not any("not read" in r for r in reasons_from_stats(FINE))


def test_counts_come_from_stats():
    summary = judge({**FINE, "downloader/response_bytes": 1234, "item_dropped_count": 3}, "finished", True)
    assert (summary["pages"], summary["bytes"], summary["records"], summary["new"], summary["dropped"]) == (5, 1234, 4, 1, 3)


def test_the_next_run_resumes_from_the_last_complete_run(db):
    from db import runs as runs_table

    for started, status in (("2026-11-01T01:00:00Z", "ok"), ("2026-11-10T01:00:00Z", "errors"),
                            ("2026-11-12T01:00:00Z", "failed")):
        db.execute("INSERT INTO runs (spider, started_at, status) VALUES ('s', ?, ?)", [started, status])
    assert str(runs_table.last_success_date(db, "s")) == "2026-11-01"
    assert runs_table.last_success_date(db, "other") is None
