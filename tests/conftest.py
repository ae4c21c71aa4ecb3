import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.chdir(ROOT)  # scrapy.cfg and the settings module are found from here


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "stationwatch.db"


@pytest.fixture
def db(db_path):
    import db as database

    conn = database.connect(db_path)
    yield conn
    conn.close()


@pytest.fixture(autouse=True)
def no_local_subscriptions(monkeypatch, tmp_path_factory):
    """A developer's own config/subscriptions.yml (not committed) never
    reaches a test: only the subscriptions a test writes do."""
    from stationwatch import subscriptions

    monkeypatch.setattr(subscriptions, "DEFAULT_FILE", tmp_path_factory.getbasetemp() / "no-subscriptions.yml")
    monkeypatch.delenv("STATIONWATCH_SUBSCRIPTIONS", raising=False)


@pytest.fixture
def hook():
    """An HTTP endpoint on 127.0.0.1 for apprise's json:// (tests.helpers.Hook)."""
    from tests.helpers import Hook

    server = Hook()
    yield server
    server.close()


@pytest.fixture
def inbox():
    """An SMTP server (aiosmtpd) on 127.0.0.1 keeping what it receives; its port as .port."""
    from tests.helpers import start_smtp
    from tests.test_delivery import Inbox

    box = Inbox()
    controller = start_smtp(box)
    box.port = controller.port
    yield box
    controller.stop()
