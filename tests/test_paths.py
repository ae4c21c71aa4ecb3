"""A path the user types is relative to where they typed it (issue #19 item 6)."""

import os
import subprocess
import sys
from argparse import Namespace

from stationwatch import paths


def test_db_option_and_path_variables_are_made_absolute_from_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = Namespace(db="my.db", spider=None)
    environ = {"STATIONWATCH_DB": "sub/x.db", "STATIONWATCH_TOPIC": "", "STATIONWATCH_DIGEST_DIR": "/abs/digests",
               "STATIONWATCH_TIMEZONE": "Europe/London"}
    paths.resolve_user_paths(args, environ)
    assert args.db == str(tmp_path / "my.db")
    assert environ == {"STATIONWATCH_DB": str(tmp_path / "sub" / "x.db"), "STATIONWATCH_TOPIC": "",
                       "STATIONWATCH_DIGEST_DIR": "/abs/digests", "STATIONWATCH_TIMEZONE": "Europe/London"}


def test_a_command_run_from_another_folder_writes_the_database_there(tmp_path):
    """`python -m stationwatch dedupe rebuild --db my.db` from elsewhere: the
    file appears in that folder, not in the project root."""
    env = {k: v for k, v in os.environ.items() if k != "STATIONWATCH_DB"}
    result = subprocess.run([sys.executable, "-m", "stationwatch", "dedupe", "rebuild", "--db", "my.db"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "my.db").exists()
    assert not (paths.PROJECT_ROOT / "my.db").exists()


def test_the_scheduler_runs_from_another_folder_without_a_path_hack(tmp_path):
    """scheduler.py imports the project as installed; --help needs no sys.path edit."""
    result = subprocess.run([sys.executable, str(paths.PROJECT_ROOT / "scheduler.py"), "--help"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "--once" in result.stdout
