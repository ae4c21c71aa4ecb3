"""Run health: every Scrapy stats key stationwatch sets, every store outcome
and every run status, defined here and nowhere else.

A crawl's parts talk to the run recorder (stationwatch/runs.py) through
Scrapy's stats; a key misspelt in one of them would be a count silently
lost. So each key is a member of ``Stat`` (a ``str``: Scrapy's stats and the
JSON in the ``runs`` table see the plain string), and tests/test_structure.py
fails on any "stationwatch/..." string literal outside this module.
"""

from __future__ import annotations

from enum import StrEnum

_PREFIX = "stationwatch/"


class Stat(StrEnum):
    RUN_ID = _PREFIX + "run_id"
    # Set by spiders/base.py when a record is made (relevant or not): zero
    # of them is how a silent site redesign shows up.
    RECORDS = _PREFIX + "records"
    LAYOUT_ERRORS = _PREFIX + "layout_errors"  # field checks failed: markup changed?
    SKIPPED = _PREFIX + "skipped"  # why the spider asked nothing (no API key)
    # Records whose text could not be fetched (an answer page 404s): the
    # run is an error and the next run's window does not move past them.
    LOST_RECORDS = _PREFIX + "lost_records"
    # stationwatch/middlewares.py
    EMPTY = _PREFIX + "empty_responses"  # 200s without a body, each attempt (judge discounts them)
    NOT_TEXT = _PREFIX + "skipped_not_text"  # PDFs, images... skipped before any callback
    UNREACHABLE_SKIPPED = _PREFIX + "unreachable_skipped"  # requests not sent to a host found unreachable
    TOO_LARGE = _PREFIX + "dropped_too_large"  # bodies over DOWNLOAD_MAXSIZE once decompressed
    # stationwatch/conditional.py
    NOT_MODIFIED = _PREFIX + "not_modified"
    CONDITIONAL = _PREFIX + "conditional_requests"
    # stationwatch/archive.py
    ARCHIVED = _PREFIX + "archived_responses"
    # pipelines/store.py: a batch that could not be written
    STORE_ERRORS = _PREFIX + "store_errors"
    # press quotes nobody could be named for, newly kept for review (unattributed_quotes)
    UNATTRIBUTED_KEPT = _PREFIX + "unattributed_quotes_kept"
    # pages a source took down since an earlier run (china_mfa)
    REMOVED_PAGES = _PREFIX + "removed_pages"
    # What the store did with each candidate (one per Outcome)
    NEW = _PREFIX + "new"
    UPDATED = _PREFIX + "updated"
    UNCHANGED = _PREFIX + "unchanged"
    DUPLICATE = _PREFIX + "duplicate"


class Outcome(StrEnum):
    """What the store did with one candidate (db/store.py returns these)."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"

    @property
    def stat(self) -> Stat:
        return Stat(_PREFIX + self.value)


def not_text_stat(content_type: str) -> str:
    """Per content type count under Stat.NOT_TEXT ("…/application/pdf")."""
    return f"{Stat.NOT_TEXT}/{content_type}"


def not_text_types(stats: dict) -> list[str]:
    """The content types counted by ``not_text_stat``."""
    prefix = f"{Stat.NOT_TEXT}/"
    return sorted(str(k)[len(prefix):] for k in stats if str(k).startswith(prefix))


def dedupe_stat(how: str) -> str:
    """How duplicates were found: exact, near, official_over_press."""
    return f"{_PREFIX}dedupe/{how}"


def press_stat(what: str) -> str:
    """Counts of the press reader: articles, official_quotes, unattributed_quotes..."""
    return f"{_PREFIX}press/{what}"


class Status(StrEnum):
    """A run's status in the ``runs`` table (decided by stationwatch/runs.judge)."""

    RUNNING = "running"  # opened, not finished (or killed: the next run marks it failed)
    OK = "ok"  # fine, something new or updated
    NO_NEW = "no_new"  # fine, nothing new
    ERRORS = "errors"  # finished with some errors (some pages or records lost)
    SKIPPED = "skipped"  # could not ask the source (a required setting missing) and said why
    FAILED = "failed"  # did not finish, or no page answered at all
    LAYOUT_CHANGED = "layout_changed"  # pages came but the spider's field checks failed
    EMPTY_UNUSUAL = "empty_unusual"  # no records where the source usually has some


SUCCESS_STATUSES = (Status.OK, Status.NO_NEW, Status.ERRORS)
FAILURE_STATUSES = (Status.FAILED, Status.LAYOUT_CHANGED, Status.EMPTY_UNUSUAL)
# A complete run: everything asked was fetched, so the next run may start
# from its date. A run with errors lost something: its date is not used.
COMPLETE_STATUSES = (Status.OK, Status.NO_NEW)
# "skipped" is neither success nor failure: reported, and the next run
# (with the setting supplied) starts from the last complete run.
