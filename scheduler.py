"""The nightly job: crawl every source, then deliver the digest.

    python scheduler.py                 # foreground, logs to stderr; a cycle every night
    python scheduler.py --once          # one cycle now, then exit
    python scheduler.py --at 06:15 --timezone Europe/Dublin

Each cycle takes a lock (stationwatch/lock.py: one cycle at a time, a
crashed holder's lock is taken over), crawls each spider in its own process
with a time limit (stationwatch/crawl.py: one failing or hanging spider does
not stop the others and its failure is recorded in `runs`), then builds and
delivers the digest with the health of this cycle's runs
(stationwatch/delivery.py, configured by STATIONWATCH_DIGEST_* and
STATIONWATCH_SMTP_URL) and each subscriber's digest of its topics
(stationwatch/subscriptions.py, config/subscriptions.yml).

APScheduler 3 (PITFALLS): coalesce=True, max_instances=1 and a misfire grace
of hours set through job_defaults (the default of one second silently skips
a late wake-up). Its memory job store forgets everything at exit, so a cycle
missed while the machine was off is found from the `cycles` table: if a
scheduled time passed since the last finished cycle, one cycle (not one per
missed night) runs at start-up.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import sys
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

import db as database
from db import cycles as cycles_sql
from stationwatch import crawl, delivery, paths, subscriptions
from stationwatch.lock import CycleLock

log = logging.getLogger("stationwatch.scheduler")

DEFAULT_AT = "05:30"  # early enough for a morning digest; clear of the 01:00-02:00 DST jumps
DEFAULT_TIMEZONE = "Europe/London"
MISFIRE_GRACE = 6 * 3600  # a wake-up up to 6 hours late still runs the cycle
EXIT_LOCKED = 75  # EX_TEMPFAIL: another cycle holds the lock; try later


def nightly_trigger(at: str = DEFAULT_AT, timezone: str = DEFAULT_TIMEZONE) -> CronTrigger:
    """Every day at ``at`` (HH:MM) wall-clock time in ``timezone``."""
    hour, _, minute = at.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ValueError(f"--at must be HH:MM, not {at!r}")
    return CronTrigger(hour=int(hour), minute=int(minute), timezone=ZoneInfo(timezone))


def fire_times(trigger: CronTrigger, after: dt.datetime, count: int) -> list[dt.datetime]:
    """The next ``count`` times the trigger fires after ``after`` (aware datetime)."""
    times, previous, now = [], None, after
    for _ in range(count):
        next_time = trigger.get_next_fire_time(previous, now)
        if next_time is None:
            break
        times.append(next_time)
        previous, now = next_time, next_time + dt.timedelta(microseconds=1)
    return times


def latest_fire_time(trigger: CronTrigger, now: dt.datetime) -> dt.datetime | None:
    """The scheduled time a cycle starting at ``now`` belongs to."""
    times = [t for t in fire_times(trigger, now - dt.timedelta(days=2), 3) if t <= now]
    return times[-1] if times else None


def missed_cycle(trigger: CronTrigger, last_cycle_started: dt.datetime | None,
                 now: dt.datetime) -> dt.datetime | None:
    """The first scheduled time that passed since the last finished cycle
    started, or None. Only one catch-up follows, however many nights were missed."""
    if last_cycle_started is None:
        return None  # never ran here: wait for the schedule (`--once` runs one now)
    due = trigger.get_next_fire_time(None, last_cycle_started + dt.timedelta(seconds=1))
    return due if due is not None and due <= now else None


@dataclass
class CycleResult:
    cycle_id: int
    runs: list[dict]
    digest_id: int | None
    status: str  # ok, sources_failed, delivery_failed
    message: str | None = None
    subscriptions: list = field(default_factory=list)  # subscriptions.ChannelResult, one per subscriber and channel


def run_cycle(db_path: str, spiders: list[str] | None = None, timeout: float = crawl.DEFAULT_TIMEOUT,
              env: dict | None = None, config: delivery.DeliveryConfig | None = None,
              scheduled_for: str | None = None, jobs: int | None = None,
              subscribers: list | None = None) -> CycleResult | None:
    """One cycle under the lock; None when another cycle holds it.
    ``subscribers``: default, those of the subscriptions file."""
    lock = CycleLock(db_path)
    if not lock.acquire():
        holder = lock.holder or {}
        log.warning("another cycle is running (pid %s on %s since %s): not starting a second one",
                    holder.get("pid"), holder.get("host"), holder.get("acquired_at"))
        return None
    try:
        return _cycle(db_path, spiders, timeout, env, config, scheduled_for, jobs, subscribers)
    finally:
        lock.release()


def _cycle(db_path, spiders, timeout, env, config, scheduled_for, jobs, subscribers) -> CycleResult:
    config = config or delivery.DeliveryConfig.from_env(db_path)  # a bad config fails before the crawl
    if subscribers is None:
        subscribers = subscriptions.watched_subscribers(config)
    db = database.connect(db_path)
    try:
        subscriptions.register(db, subscribers)  # a new subscriber's news starts with this cycle
        cycle_id = cycles_sql.start_cycle(db, scheduled_for)
        before = cycles_sql.last_run_id(db)
    finally:
        db.close()
    log.info("cycle %d: crawling %s", cycle_id, ", ".join(spiders) if spiders else "every spider")
    message = None
    try:
        crawl.crawl_all(db_path, spiders=spiders, env=env, timeout=timeout, jobs=jobs)
    except Exception as error:  # the runs that did happen are still reported below
        log.exception("cycle %d: the crawl stopped early", cycle_id)
        message = f"crawl stopped early: {type(error).__name__}: {error}"
    db = database.connect(db_path)
    try:
        runs = sorted(cycles_sql.runs_after(db, before), key=lambda r: (r["spider"], r["id"]))  # sources run at once
        log.info("cycle %d: crawl finished\n%s", cycle_id, crawl.format_summary(runs))
        digest_id = None
        try:
            result = delivery.deliver(db, config, run_ids=[r["id"] for r in runs])
            digest_id = result.digest_id
            status = "sources_failed" if crawl.any_failed(runs) or message else "ok"
        except delivery.DeliveryError as error:
            log.error("cycle %d: digest not delivered, nothing marked; retried next cycle: %s", cycle_id, error)
            status, message = "delivery_failed", str(error)
        sent = subscriptions.deliver_subscriptions(db, subscribers, config, run_ids=[r["id"] for r in runs])
        failed = [f"{r.subscriber} ({r.channel.rsplit(':', 1)[0]}): {r.error}" for r in sent if r.error]
        if failed:
            status = "delivery_failed"
            message = "; ".join(([message] if message else []) + ["not delivered to " + ", ".join(failed)])
        cycles_sql.finish_cycle(db, cycle_id, status, digest_id, message)
    finally:
        db.close()
    log.info("cycle %d: %s", cycle_id, status)
    return CycleResult(cycle_id, runs, digest_id, status, message, sent)


def last_cycle_started(db_path: str) -> dt.datetime | None:
    db = database.connect(db_path)
    try:
        cycle = cycles_sql.last_finished_cycle(db)
    finally:
        db.close()
    if cycle is None:
        return None
    return dt.datetime.fromisoformat(cycle["started_at"].replace("Z", "+00:00"))


def create_scheduler(trigger: CronTrigger, job, last_started: dt.datetime | None,
                     now: dt.datetime | None = None, scheduler_class=BlockingScheduler):
    """A scheduler with the nightly job; if a scheduled time passed since
    ``last_started``, the job's first run is now (one catch-up)."""
    scheduler = scheduler_class(
        timezone=trigger.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
    )
    now = now or dt.datetime.now(trigger.timezone)
    missed = missed_cycle(trigger, last_started, now)
    options = {}
    if missed is not None:
        log.warning("the cycle due at %s did not run (machine off?): running one now", missed.isoformat())
        options["next_run_time"] = now
    scheduler.add_job(job, trigger, id="nightly_cycle", name="crawl and digest", replace_existing=True, **options)

    def on_event(event):
        if event.code == EVENT_JOB_MISSED:
            log.warning("cycle due at %s was missed (woke up later than the grace time)", event.scheduled_run_time)
        elif event.exception is not None:
            log.error("cycle failed: %s", event.exception, exc_info=event.exception)

    scheduler.add_listener(on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    return scheduler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scheduler.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="run one cycle now and exit")
    parser.add_argument("--at", default=os.environ.get("STATIONWATCH_SCHEDULE_AT", DEFAULT_AT),
                        help=f"time of the nightly cycle, HH:MM (default {DEFAULT_AT}; STATIONWATCH_SCHEDULE_AT)")
    parser.add_argument("--timezone", default=os.environ.get("STATIONWATCH_TIMEZONE", DEFAULT_TIMEZONE),
                        help=f"time zone of --at (default {DEFAULT_TIMEZONE}; STATIONWATCH_TIMEZONE)")
    parser.add_argument("--db", help="SQLite file (default: STATIONWATCH_DB or data/stationwatch.db)")
    parser.add_argument("--spider", action="append", help="only this spider (repeatable)")
    parser.add_argument("--timeout", type=float, default=crawl.DEFAULT_TIMEOUT,
                        help="seconds a spider may run before it is stopped and recorded as failed")
    parser.add_argument("--jobs", type=int, help="sources crawled at once, sources of one host one after the"
                        f" other (default: STATIONWATCH_JOBS or {crawl.DEFAULT_JOBS}; --replay: {crawl.REPLAY_JOBS}, one per core)")
    parser.add_argument("--replay", action="store_true",
                        help="crawl recorded responses from a local replay server (the offline demo)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    paths.enter_project_root(args)  # --db my.db is the user's my.db, not the project's
    db_path = database.db_path(args.db)
    trigger = nightly_trigger(args.at, args.timezone)
    try:  # a bad configuration fails now, not at 05:30
        subscriptions.watched_subscribers(delivery.DeliveryConfig.from_env(db_path))
    except ValueError as error:
        print(f"scheduler.py: {error}", file=sys.stderr)
        return 2

    with contextlib.ExitStack() as stack:
        env = None
        if args.replay:
            from stationwatch.replay import RECORDINGS_SINCE, ReplayServer, replay_env

            server = stack.enter_context(ReplayServer())
            # Each topic keeps its own window, none earlier than the recordings.
            env = {**replay_env(server.url), "STATIONWATCH_EARLIEST_SINCE": RECORDINGS_SINCE}
            log.info("replaying recorded responses from %s", server.url)

        def job(scheduled: bool = True):
            due = latest_fire_time(trigger, dt.datetime.now(trigger.timezone)) if scheduled else None
            return run_cycle(db_path, spiders=args.spider, timeout=args.timeout, env=env,
                             scheduled_for=due.isoformat() if due else None,
                             jobs=args.jobs or (crawl.default_jobs(replay=True) if args.replay else None))

        if args.once:
            result = job(scheduled=False)
            if result is None:
                return EXIT_LOCKED
            return 0 if result.status == "ok" else 1

        scheduler = create_scheduler(trigger, job, last_cycle_started(db_path))
        log.info("next cycles (%s): %s", args.timezone,
                 ", ".join(t.isoformat() for t in fire_times(trigger, dt.datetime.now(trigger.timezone), 3)))
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
