"""Where things are: the project root, and paths a user gives, made absolute.

The commands run Scrapy from the project root (scrapy.cfg, topics/, config/
and the default data/ live there), so they change into it. A path the user
typed (``--db my.db``, ``STATIONWATCH_DB=../x.db``) means a file relative to
where they typed it: resolve_user_paths() fixes every such path before the
change of directory, in one place for the CLI and the scheduler.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Environment variables holding a path (stationwatch/settings.py, delivery.py).
PATH_VARIABLES = ("STATIONWATCH_DB", "STATIONWATCH_TOPIC", "STATIONWATCH_TOPICS_DIR", "STATIONWATCH_DIGEST_DIR",
                  "STATIONWATCH_SUBSCRIPTIONS")
# Command-line options holding a path.
PATH_OPTIONS = ("db",)


def resolve_user_paths(args, environ=os.environ) -> None:
    """Make ``args``' path options and the path variables in ``environ``
    absolute, relative to the current directory (call before any chdir)."""
    for option in PATH_OPTIONS:
        value = getattr(args, option, None)
        if value:
            setattr(args, option, os.path.abspath(value))
    for name in PATH_VARIABLES:
        if environ.get(name):
            environ[name] = os.path.abspath(environ[name])


def enter_project_root(args, environ=os.environ) -> None:
    """Resolve the user's paths, then change into the project root."""
    resolve_user_paths(args, environ)
    os.chdir(PROJECT_ROOT)
