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
