"""The nightly scheduler: when it fires, the lock, catching up a missed
cycle, and whole cycles (real `scrapy crawl` processes against the replay
server on 127.0.0.1, the digest delivered to a real SMTP server)."""

import datetime as dt
import os
import subprocess
import sys
import threading
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

import db as database
import scheduler
from db import cycles as cycles_sql
from stationwatch import delivery
from stationwatch.lock import CycleLock, process_start_time
from stationwatch.replay import Entry, ReplayServer, replay_env
from tests.helpers import FIXTURES, ROOT

LONDON = ZoneInfo("Europe/London")
UTC = dt.timezone.utc
SOURCE = "uk_parliament_questions"


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


# When it fires -------------------------------------------------------------

def test_nightly_at_local_time_across_the_clock_change():
    trigger = scheduler.nightly_trigger("05:30", "Europe/London")
    # British Summer Time starts on Sunday 29 March 2026: 05:30 local is 05:30 UTC, then 04:30 UTC.
    times = scheduler.fire_times(trigger, utc(2026, 3, 27, 12, 0), 3)
    assert [t.astimezone(UTC) for t in times] == [utc(2026, 3, 28, 5, 30), utc(2026, 3, 29, 4, 30), utc(2026, 3, 30, 4, 30)]
    assert {t.astimezone(LONDON).strftime("%H:%M") for t in times} == {"05:30"}
    # ... and ends on 25 October 2026.
    times = scheduler.fire_times(trigger, utc(2026, 10, 24, 12, 0), 2)
    assert [t.astimezone(UTC) for t in times] == [utc(2026, 10, 25, 5, 30), utc(2026, 10, 26, 5, 30)]


def test_time_and_zone_are_configurable():
    trigger = scheduler.nightly_trigger("06:15", "America/New_York")
    (first,) = scheduler.fire_times(trigger, utc(2026, 11, 26, 23, 0), 1)
    assert first.astimezone(UTC) == utc(2026, 11, 27, 11, 15)  # 06:15 EST
    # A clock already past today's time fires tomorrow.
    (next_one,) = scheduler.fire_times(scheduler.nightly_trigger(), utc(2026, 11, 26, 6, 0), 1)
    assert next_one.astimezone(UTC) == utc(2026, 11, 27, 5, 30)
    with pytest.raises(ValueError, match="HH:MM"):
        scheduler.nightly_trigger("25:00")


def test_a_cycle_belongs_to_the_latest_scheduled_time():
    trigger = scheduler.nightly_trigger()
    assert scheduler.latest_fire_time(trigger, utc(2026, 11, 26, 5, 31)) == utc(2026, 11, 26, 5, 30)
    assert scheduler.latest_fire_time(trigger, utc(2026, 11, 26, 5, 29)) == utc(2026, 11, 25, 5, 30)


# Catching up ----------------------------------------------------------------

def test_missed_cycle_is_found_once_however_many_nights_passed():
    trigger = scheduler.nightly_trigger()
    now = utc(2026, 11, 26, 9, 0)
    # The last cycle ran four nights ago: one catch-up, due at the first missed time.
    assert scheduler.missed_cycle(trigger, utc(2026, 11, 22, 5, 30, 2), now) == utc(2026, 11, 23, 5, 30)
    # This morning's cycle ran: nothing missed.
    assert scheduler.missed_cycle(trigger, utc(2026, 11, 26, 5, 30, 1), now) is None
    # Yesterday's ran, this morning's is not due yet at 05:00.
    assert scheduler.missed_cycle(trigger, utc(2026, 11, 25, 5, 30), utc(2026, 11, 26, 5, 0)) is None
    # Never ran on this machine: wait for the schedule.
    assert scheduler.missed_cycle(trigger, None, now) is None


def start_with(last_started, now):
    calls, ran = [], threading.Event()

    def job():
        calls.append(dt.datetime.now(UTC))
        ran.set()

    sched = scheduler.create_scheduler(scheduler.nightly_trigger(), job, last_started, now=now,
                                       scheduler_class=BackgroundScheduler)
    return sched, calls, ran


def test_start_up_after_missed_nights_runs_one_cycle_then_keeps_the_schedule():
    now = dt.datetime.now(UTC)
    sched, calls, ran = start_with(now - dt.timedelta(days=4), now)
    sched.start()
    try:
        assert ran.wait(30), "the catch-up cycle did not run"
        (job,) = sched.get_jobs()
        assert job.next_run_time > now  # back on the nightly schedule
        assert job.next_run_time.astimezone(LONDON).strftime("%H:%M") == "05:30"
    finally:
        sched.shutdown(wait=True)
    assert len(calls) == 1  # one catch-up, not one per missed night


def test_start_up_without_a_missed_cycle_waits_for_the_schedule():
    now = dt.datetime.now(UTC)
    previous = scheduler.latest_fire_time(scheduler.nightly_trigger(), now)
    sched, calls, _ = start_with(previous + dt.timedelta(seconds=5), now)
    sched.start(paused=True)
    try:
        (job,) = sched.get_jobs()
        assert job.next_run_time == scheduler.fire_times(scheduler.nightly_trigger(), now, 1)[0]
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, scheduler.MISFIRE_GRACE)
    finally:
        sched.shutdown(wait=False)
    assert calls == []


def test_last_finished_cycle_is_what_counts(db_path):
    db = database.connect(db_path)
    try:
        assert scheduler.last_cycle_started(str(db_path)) is None
        done = cycles_sql.start_cycle(db, None)
        cycles_sql.finish_cycle(db, done, "ok", None, None)
        cycles_sql.start_cycle(db, None)  # a cycle killed half-way: never finished
        started = db.execute("SELECT started_at FROM cycles WHERE id = ?", [done]).fetchone()[0]
    finally:
        db.close()
    assert scheduler.last_cycle_started(str(db_path)) == dt.datetime.fromisoformat(started.replace("Z", "+00:00"))


# The lock -------------------------------------------------------------------

@pytest.fixture
def sleeper():
    """A live process that is not us (stopped at the end)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def hold_lock(db_path, pid, host=None, acquired_at=None, started="from-proc"):
    db = database.connect(db_path)
    try:
        started = process_start_time(pid) if started == "from-proc" else started
        assert cycles_sql.try_insert_lock(db, "nightly_cycle", "their-token", pid, host or os.uname().nodename, started)
        if acquired_at:
            db["locks"].update("nightly_cycle", {"acquired_at": acquired_at})
    finally:
        db.close()


def holder(db_path):
    db = database.connect(db_path)
    try:
        return cycles_sql.lock_holder(db, "nightly_cycle")
    finally:
        db.close()


def test_one_holder_at_a_time(db_path):
    first, second = CycleLock(str(db_path)), CycleLock(str(db_path))
    assert first.acquire()
    assert not second.acquire()  # same live process, another cycle: refused
    assert second.holder["pid"] == os.getpid()
    first.release()
    assert holder(db_path) is None
    with second as acquired:
        assert acquired
    assert holder(db_path) is None


def test_a_lock_held_by_a_live_process_is_respected(db_path, sleeper):
    hold_lock(db_path, sleeper.pid)
    assert not CycleLock(str(db_path)).acquire()
    assert scheduler.run_cycle(str(db_path), spiders=["never_run"]) is None
    # The same from the command line: exit 75 (try later), nothing crawled.
    result = subprocess.run([sys.executable, "scheduler.py", "--once", "--db", str(db_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == scheduler.EXIT_LOCKED
    assert f"another cycle is running (pid {sleeper.pid}" in result.stderr
    db = database.connect(db_path)
    assert db["runs"].count == 0 and db["cycles"].count == 0
    db.close()


def test_a_crashed_holder_is_taken_over(db_path, sleeper, caplog):
    hold_lock(db_path, sleeper.pid)
    sleeper.kill()
    sleeper.wait()  # the holder died without releasing
    lock = CycleLock(str(db_path))
    assert lock.acquire()
    assert holder(db_path)["pid"] == os.getpid() and holder(db_path)["token"] == lock.token
    assert f"took over a stale lock held by pid {sleeper.pid}" in caplog.text
    lock.release()


def test_a_reused_pid_does_not_keep_a_stale_lock(db_path):
    # Our own pid, but recorded with another start time: the holder was an
    # earlier process (before a reboot) whose pid we now happen to have.
    hold_lock(db_path, os.getpid(), started="1")
    assert CycleLock(str(db_path)).acquire()


def test_a_lock_from_another_host_expires(db_path):
    recent = (dt.datetime.now(UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    hold_lock(db_path, 1, host="other-host", acquired_at=recent, started=None)
    assert not CycleLock(str(db_path)).acquire()
    old = (dt.datetime.now(UTC) - dt.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    db = database.connect(db_path)
    db["locks"].update("nightly_cycle", {"acquired_at": old})
    db.close()
    assert CycleLock(str(db_path)).acquire()


# Whole cycles -----------------------------------------------------------------

@pytest.fixture
def replay():
    with ReplayServer(manifests=[FIXTURES / SOURCE / "replay.yml"]) as server:
        yield server


def cycle_config(tmp_path, port):
    return delivery.DeliveryConfig.from_env(str(tmp_path / "s.db"), {
        "STATIONWATCH_DIGEST_DIR": str(tmp_path / "digests"),
        "STATIONWATCH_DIGEST_TO": "desk@example.org",
        "STATIONWATCH_SMTP_URL": f"smtp://127.0.0.1:{port}",
    })


def test_one_spider_failing_does_not_stop_the_others(db_path, tmp_path, replay, inbox):
    """The crashing spider runs first; the next one still crawls, and the
    digest names the failure with its reason."""
    result = scheduler.run_cycle(str(db_path), spiders=["no_such_spider", SOURCE], timeout=120,
                                 env=replay_env(replay.url), config=cycle_config(tmp_path, inbox.port))
    assert result.status == "sources_failed"
    assert [(r["spider"], r["status"]) for r in result.runs] == [("no_such_spider", "failed"), (SOURCE, "ok")]
    (_, _, message), = inbox.messages
    # The police-stations statement and the Confucius Institutes search's two questions with their answers.
    assert message["Subject"].endswith(": 5 new, 0 updates, 1 source failed")
    text = message.get_body(("plain",)).get_content()
    assert "* Chinese 'Overseas Police Service Stations'" in text  # the statement the second spider stored
    assert "! no_such_spider               FAILED: crawl process exited with code 1" in text
    assert f"  {SOURCE:<28} ok: 5 new, 0 updated" in text
    db = database.connect(db_path)
    try:
        (cycle,) = db.query("SELECT * FROM cycles")
        assert (cycle["status"], cycle["digest_id"]) == ("sources_failed", result.digest_id)
        assert db.execute("SELECT COUNT(*) FROM statements WHERE digest_id IS NULL").fetchone()[0] == 0
        assert db["locks"].count == 0  # released
    finally:
        db.close()


def test_a_hanging_spider_is_stopped_at_its_time_limit_and_reported(db_path, tmp_path, replay, inbox):
    # The statements search never answers in time.
    replay.add(Entry("https", "questions-statements-api.parliament.uk", "/api/writtenstatements/statements",
                     [("skip", "0")], b"{}", headers={"Content-Type": "application/json"}, delay=60))
    result = scheduler.run_cycle(str(db_path), spiders=[SOURCE], timeout=8,
                                 env=replay_env(replay.url), config=cycle_config(tmp_path, inbox.port))
    (run,) = result.runs
    assert run["status"] == "failed"
    text = inbox.messages[0][2].get_body(("plain",)).get_content()
    assert f"! {SOURCE:<28} FAILED: timed out after 8s and was stopped" in text


def test_a_refused_digest_is_delivered_whole_by_the_next_cycle(db_path, tmp_path, replay, inbox):
    env = replay_env(replay.url)
    inbox.refuse = True
    first = scheduler.run_cycle(str(db_path), spiders=[SOURCE], env=env, config=cycle_config(tmp_path, inbox.port))
    assert (first.status, first.digest_id) == ("delivery_failed", None)
    assert "554" in first.message
    inbox.refuse = False
    second = scheduler.run_cycle(str(db_path), spiders=[SOURCE], env=env, config=cycle_config(tmp_path, inbox.port))
    assert second.runs[0]["status"] == "no_new"  # the crawl found nothing new ...
    (_, _, message), = inbox.messages
    assert message["Subject"].endswith(": 5 new, 0 updates")  # ... but the undelivered statements come now
    third = scheduler.run_cycle(str(db_path), spiders=[SOURCE], env=env, config=cycle_config(tmp_path, inbox.port))
    assert third.status == "ok"
    assert inbox.messages[1][2]["Subject"].endswith(": nothing new")
    db = database.connect(db_path)
    try:
        assert [c["status"] for c in db.query("SELECT status FROM cycles ORDER BY id")] == ["delivery_failed", "ok", "ok"]
    finally:
        db.close()
