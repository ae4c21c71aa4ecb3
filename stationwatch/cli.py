"""Command line: `python -m stationwatch COMMAND` (the Makefile's targets call these)."""

from __future__ import annotations

import argparse
import os
import sys

import db as database
from db import topics as topics_sql
from stationwatch import crawl, paths


def cmd_run(args) -> int:
    """Crawl every spider once (live sources) into the database; print a summary."""
    runs = crawl.crawl_all(database.db_path(args.db), spiders=args.spider or None, timeout=args.timeout,
                           jobs=args.jobs)
    print(crawl.format_summary(runs))
    db = database.connect(database.db_path(args.db))
    try:
        print(crawl.format_topics(topics_sql.statements_per_topic(db)))
    finally:
        db.close()
    return 1 if crawl.any_failed(runs) else 0


def cmd_demo(args) -> int:
    """The same crawl, offline: recorded real responses replayed from 127.0.0.1."""
    from stationwatch.replay import RECORDINGS_SINCE, ReplayServer, replay_env

    db_path = args.db or "data/demo.db"
    with ReplayServer() as server:
        print(f"replaying recorded responses from {server.url} into {db_path}")
        runs = crawl.crawl_all(db_path, spiders=args.spider or None, timeout=args.timeout,
                               jobs=args.jobs or crawl.default_jobs(replay=True),
                               env={**replay_env(server.url),
                                    # api.data.gov's documented public demo key (govinfo); a
                                    # real key from the environment wins.
                                    "GOVINFO_API_KEY": os.environ.get("GOVINFO_API_KEY") or "DEMO_KEY",
                                    # the Guardian Content API's documented public "test" key
                                    "GUARDIAN_API_KEY": os.environ.get("GUARDIAN_API_KEY") or "test"},
                               # The recordings are frozen in 2022-2024: ask from then on every
                               # demo run, so a second run shows "nothing new", not an empty window.
                               # Every topic from then: a topic's own earlier start (confucius_institutes,
                               # 2019) would walk listings back past what was recorded.
                               args=["-a", f"since={RECORDINGS_SINCE}"])
    print(crawl.format_summary(runs))
    db = database.connect(db_path)
    try:
        print(crawl.format_topics(topics_sql.statements_per_topic(db)))
    finally:
        db.close()
    return 1 if crawl.any_failed(runs) else 0


def cmd_digest(args) -> int:
    """Print the digest of what is new since the last delivered one; --deliver sends it."""
    from stationwatch import delivery, digest, subscriptions

    db_path = database.db_path(args.db)
    db = database.connect(db_path)
    try:
        try:
            config = delivery.DeliveryConfig.from_env(db_path)
            subscribers = subscriptions.watched_subscribers(config) if (args.deliver or args.subscriber) else []
        except ValueError as error:
            print(f"digest not delivered, nothing marked: {error}", file=sys.stderr)
            return 1
        if not args.deliver:
            if args.subscriber:
                chosen = [s for s in subscribers if s.name == args.subscriber]
                if not chosen:
                    print(f"no subscriber {args.subscriber!r} (subscribers: "
                          f"{', '.join(s.name for s in subscribers) or 'none'})", file=sys.stderr)
                    return 1
                subscriber = chosen[0]
                subscriptions.register(db, [subscriber])
                built = digest.build_digest(db, ledger=subscriptions.ledger(db, subscriber, subscriber.channels[0]),
                                            topics=list(subscriber.topics))
            else:
                built = digest.build_digest(db)
            print(getattr(digest.render(built), args.format), end="")
            return 0
        try:
            result = delivery.deliver(db, config)
        except delivery.DeliveryError as error:
            print(f"digest not delivered, nothing marked: {error}", file=sys.stderr)
            return 1
        sent = subscriptions.deliver_subscriptions(db, subscribers, config)
    finally:
        db.close()
    if result.digest_id is None:
        print("nothing new: no digest sent (STATIONWATCH_DIGEST_EMPTY=skip)")
    else:
        print(f"digest {result.digest_id} delivered ({', '.join(result.channels)}): "
              f"{result.digest.new_count} new, {len(result.digest.updates)} updates; {result.markdown_path}")
    for channel in sent:
        label = channel.channel.rsplit(":", 1)[0]
        if channel.error:
            print(f"subscriber {channel.subscriber}, {label}: NOT delivered, nothing marked: {channel.error}")
        elif channel.delivery_id:
            print(f"subscriber {channel.subscriber}, {label}: delivery {channel.delivery_id},"
                  f" {channel.statements} statement{'' if channel.statements == 1 else 's'}")
        else:
            print(f"subscriber {channel.subscriber}, {label}: nothing new, nothing sent")
    return 1 if any(c.error for c in sent) else 0


def cmd_archive_show(args) -> int:
    """Print a statement's archived response body, byte for byte as the server sent it."""
    from stationwatch.archive import print_archived

    return print_archived(database.db_path(args.db), args.statement_id, with_http=args.http)


def cmd_dedupe_rebuild(args) -> int:
    """Recompute the near-duplicate band table from the statements' texts."""
    from db import dedupe

    db = database.connect(database.db_path(args.db))
    try:
        print(f"{dedupe.rebuild(db)} statements indexed for near-duplicates")
    finally:
        db.close()
    return 0


def cmd_serve(args) -> int:
    """Serve the database with Datasette on 127.0.0.1:8001 (db/metadata.yml, web/)."""
    from stationwatch import serve

    return serve.serve(database.db_path(args.db), host=args.host, port=args.port, public=args.public)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stationwatch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    archive = sub.add_parser("archive", help="the WARC evidence archive").add_subparsers(dest="action", required=True)
    show = archive.add_parser("show", help=cmd_archive_show.__doc__)
    show.add_argument("statement_id", type=int)
    show.add_argument("--db", help="SQLite file (default: STATIONWATCH_DB or data/stationwatch.db)")
    show.add_argument("--http", action="store_true", help="status line and headers first")
    show.set_defaults(func=cmd_archive_show)
    dedupe_parser = sub.add_parser("dedupe", help="near-duplicate index").add_subparsers(dest="action", required=True)
    rebuild = dedupe_parser.add_parser("rebuild", help=cmd_dedupe_rebuild.__doc__)
    rebuild.add_argument("--db", help="SQLite file (default: STATIONWATCH_DB or data/stationwatch.db)")
    rebuild.set_defaults(func=cmd_dedupe_rebuild)
    for name, func in (("run", cmd_run), ("demo", cmd_demo)):
        p = sub.add_parser(name, help=func.__doc__.splitlines()[0])
        p.add_argument("--db", help="SQLite file (default: STATIONWATCH_DB or data/stationwatch.db; demo: data/demo.db)")
        p.add_argument("--spider", action="append", help="only this spider (repeatable)")
        p.add_argument("--timeout", type=float, default=crawl.DEFAULT_TIMEOUT, help="seconds per spider")
        p.add_argument("--jobs", type=int, help=f"sources crawled at once, sources of one host one after"
                       f" the other (default: STATIONWATCH_JOBS or {crawl.DEFAULT_JOBS}; demo: {crawl.REPLAY_JOBS}, one per core)")
        p.set_defaults(func=func)
    p = sub.add_parser("digest", help=cmd_digest.__doc__.splitlines()[0])
    p.add_argument("--db", help="SQLite file (default: STATIONWATCH_DB or data/stationwatch.db)")
    p.add_argument("--format", choices=("text", "markdown", "html"), default="text", help="preview format")
    p.add_argument("--deliver", action="store_true",
                   help="send it (STATIONWATCH_DIGEST_TO, STATIONWATCH_SMTP_URL) and every subscriber's"
                   " (config/subscriptions.yml, STATIONWATCH_SUBSCRIPTIONS) and mark them delivered")
    p.add_argument("--subscriber", metavar="NAME",
                   help="preview this subscriber's next digest (its topics, its first channel's record)")
    p.set_defaults(func=cmd_digest)
    p = sub.add_parser("serve", help=cmd_serve.__doc__.splitlines()[0])
    p.add_argument("--db", help="SQLite file (default: STATIONWATCH_DB or data/stationwatch.db; or data/demo.db)")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, help="default: 8001")
    p.add_argument("--public", action="store_true",
                   help="merge db/metadata-public.yml: no arbitrary SQL, no whole-file download")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths.enter_project_root(args)  # --db my.db is the user's my.db, not the project's
    try:
        return args.func(args)
    except crawl.DatabaseUnwritable as error:  # disk full, read-only file: say so, exit non-zero
        print(f"stationwatch: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
