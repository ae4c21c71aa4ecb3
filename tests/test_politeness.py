"""Politeness and secrets: robots.txt obeyed, an identifying User-Agent with
the contact URL from the environment, at most two requests at a time per
site with AutoThrottle on, and API keys or the SMTP password nowhere in the
logs, the database, the archive or the digest.

Crawls run against the replay server on 127.0.0.1 (stationwatch/replay.py),
which sends robots.txt requests to the real robots.txt location of each site.
"""

import gzip
import json
import os
import subprocess
import sys
from urllib.parse import quote

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from stationwatch.replay import Entry, ReplayServer
from stationwatch.topic import load_topics
from tests.faults import HOST, SOURCE, latest_run, many_questions, messages, uk_server
from tests.helpers import FIXTURES, ROOT, run_scrapy, start_smtp
from tests.test_delivery import PASSWORD, Inbox


def test_a_disallowing_robots_txt_is_obeyed_and_the_user_agent_names_a_contact(db_path):
    contact = "https://watch.example.org/about-our-crawler"
    with uk_server(robots=b"User-agent: *\nDisallow: /\n") as server:
        run_scrapy(SOURCE, db_path, server.url, env={"STATIONWATCH_CONTACT_URL": contact})
    ((path, headers),) = server.requests  # robots.txt, and nothing else
    assert path == f"/https/{HOST}/robots.txt"
    assert headers["User-Agent"].startswith("stationwatch/") and f"+{contact}" in headers["User-Agent"]
    run = latest_run(db_path)
    # Reported, not hidden as "nothing new": the source is not being watched.
    assert run["status"] == "failed"
    searches = 3 * len(load_topics(single="", names="").search_terms_for("en"))  # questions tabled, answered; statements
    assert f"robots.txt forbids {searches} request(s): not sent" in messages(run)


def project_settings_without_replay() -> dict:
    """The settings a live crawl gets (the replay server's speed-ups are off)."""
    env = {k: v for k, v in os.environ.items() if k not in ("STATIONWATCH_REPLAY_URL", "SCRAPY_SETTINGS_MODULE")}
    names = ["ROBOTSTXT_OBEY", "CONCURRENT_REQUESTS_PER_DOMAIN", "AUTOTHROTTLE_ENABLED",
             "AUTOTHROTTLE_TARGET_CONCURRENCY", "DOWNLOAD_DELAY", "STATIONWATCH_RETRY_BACKOFF_BASE", "USER_AGENT"]
    code = f"import json; from stationwatch import settings as s; print(json.dumps({{n: getattr(s, n) for n in {names}}}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_live_settings_are_polite():
    settings = project_settings_without_replay()
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["CONCURRENT_REQUESTS_PER_DOMAIN"] in (1, 2)
    assert settings["AUTOTHROTTLE_ENABLED"] is True and settings["AUTOTHROTTLE_TARGET_CONCURRENCY"] <= 2
    assert settings["DOWNLOAD_DELAY"] >= 1 and settings["STATIONWATCH_RETRY_BACKOFF_BASE"] >= 1
    assert settings["USER_AGENT"].startswith("stationwatch/") and "(+https://" in settings["USER_AGENT"]


def test_no_spider_loosens_the_politeness_settings():
    project = get_project_settings()
    loader = SpiderLoader.from_settings(project)
    assert len(loader.list()) >= 15
    for name in loader.list():
        settings = Settings(project.copy_to_dict())
        loader.load(name).update_settings(settings)
        assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") in (1, 2), name
        assert settings.getbool("AUTOTHROTTLE_ENABLED") and settings.getbool("ROBOTSTXT_OBEY"), name


def test_no_more_than_two_requests_at_a_time(db_path):
    with uk_server() as server:
        many_questions(server, 24)
        for entry in server.entries:
            entry.delay = 0.05  # long enough for requests to overlap if they were allowed to
        run_scrapy(SOURCE, db_path, server.url)
    assert len(server.requests) > 24
    # Observed with Scrapy 2.19 here: with AutoThrottle off and no download
    # delay, 5 to 7 requests went out at once despite the per-domain limit of
    # 2; a delay above zero (AutoThrottle's, DOWNLOAD_DELAY's) is what keeps
    # it (test_live_settings_are_polite checks both are on).
    assert 1 <= server.max_in_flight <= 2
    # 24 questions and their answers, the statement, and the Confucius
    # Institutes search's two recorded questions with their answers.
    assert latest_run(db_path)["new"] == 2 * 24 + 1 + 4


# Secrets --------------------------------------------------------------------------

API_KEY = "gdn-key-7f1c03b9d5e24a68"


def test_api_keys_and_the_smtp_password_never_reach_logs_database_archive_or_digest(tmp_path):
    db_path = tmp_path / "data" / "stationwatch.db"
    inbox = Inbox()
    smtp = start_smtp(inbox, authenticator=inbox.authenticate, auth_require_tls=False)
    secrets_env = {
        "GUARDIAN_API_KEY": API_KEY,  # sent in the query string: the Content API wants it there
        "STATIONWATCH_SMTP_URL": f"smtp://watch:{quote(PASSWORD, safe='')}@127.0.0.1:{smtp.port}",
        "STATIONWATCH_DIGEST_TO": "desk@example.org",
        "STATIONWATCH_DIGEST_DIR": str(tmp_path / "digests"),
    }
    try:
        with ReplayServer(manifests=[FIXTURES / "guardian" / "replay.yml"], validators=True) as server:
            # One search fails: its URL, key included, is in the run's error message. A first run asks
            # one OR query per topic window: the police stations' (from 2022-09-01) fails, the
            # Confucius Institutes' (from 2019-01-01) is answered.
            police = load_topics(single="", names="overseas_police_stations").search_terms_for("en")
            server.add(Entry("https", "content.guardianapis.com", "/search",
                             [("q", " OR ".join(f'"{t}"' for t in police)), ("page", "1")], b"error", status=500))
            crawl = run_scrapy("guardian", db_path, server.url, "-s", "RETRY_TIMES=0",
                               env={**secrets_env, "STATIONWATCH_LOG_LEVEL": "DEBUG"})
        digest = subprocess.run([sys.executable, "-m", "stationwatch", "digest", "--deliver", "--db", str(db_path)],
                                cwd=ROOT, env={**os.environ, **secrets_env}, capture_output=True, text=True,
                                timeout=120)
    finally:
        smtp.stop()
    assert digest.returncode == 0, digest.stderr
    assert any(API_KEY in path for path, _ in server.requests)  # the key was sent ...
    assert "api-key=[redacted]" in crawl.stderr  # ... and logged redacted
    assert latest_run(db_path)["status"] == "errors"  # one search of two lost
    (_, _, message), = inbox.messages
    assert "500 Internal Server Error" in message.get_body(("plain",)).get_content()  # the digest names the loss

    secrets = [API_KEY, PASSWORD, quote(PASSWORD, safe="")]
    outputs = crawl.stdout + crawl.stderr + digest.stdout + digest.stderr + message.as_string()
    assert "DEBUG" in crawl.stderr  # every log line was there to leak
    assert not [s for s in secrets if s in outputs]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".db", ".md", ".atom"}  # the database and the digest files
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        leaked = [s for s in secrets if s.encode() in data]
        assert not leaked, f"{path} holds {leaked}"
