"""Serve the database with Datasette: `python -m stationwatch serve` (`make serve`).

Datasette names a database after its file (data/demo.db is "demo"), while
db/metadata.yml describes one database, "stationwatch". So the metadata is
loaded here, its block given the served file's name, optionally merged with
db/metadata-public.yml, and handed to Datasette with the templates, static
files and plugin under web/. The same function builds the Datasette the
tests and the benchmark use, so they exercise what `make serve` serves.

The file is opened read-only but not immutable (PITFALLS: never -i on a file
a crawl writes): WAL mode lets Datasette read while a crawl writes.
"""

from __future__ import annotations

import copy
import json
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

import db as database
from stationwatch import settings

ROOT = Path(__file__).resolve().parent.parent
METADATA = ROOT / "db" / "metadata.yml"
PUBLIC_METADATA = ROOT / "db" / "metadata-public.yml"
WEB = ROOT / "web"
TEMPLATES, STATIC, PLUGINS = WEB / "templates", WEB / "static", WEB / "plugins"
STATIC_MOUNT = "assets"  # /assets/stationwatch.css; not a database name
METADATA_DATABASE = "stationwatch"


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(db_path).stem


def merged(base: dict, overlay: dict) -> dict:
    """``overlay`` over ``base``, dictionaries merged key by key."""
    out = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_metadata(db_path: str | Path, public: bool = False) -> dict:
    """db/metadata.yml for the file at ``db_path`` (and the public overlay)."""
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    if public:
        metadata = merged(metadata, yaml.safe_load(PUBLIC_METADATA.read_text(encoding="utf-8")))
    databases = metadata.get("databases", {})
    if METADATA_DATABASE in databases:
        databases[database_name(db_path)] = databases.pop(METADATA_DATABASE)
    return metadata


def datasette_settings(public: bool = False) -> dict:
    return {**settings.DATASETTE_SETTINGS, **(settings.DATASETTE_PUBLIC_SETTINGS if public else {})}


def build_datasette(db_path: str | Path, public: bool = False, settings: dict | None = None,
                    metadata: dict | None = None):
    """A Datasette over ``db_path`` configured as `make serve` configures it
    (``settings`` replaces the Datasette settings: the benchmark's defaults;
    ``metadata`` replaces db/metadata.yml's: a test's changed query)."""
    from datasette.app import Datasette

    return Datasette(
        files=[str(db_path)],
        metadata=load_metadata(db_path, public) if metadata is None else metadata,
        template_dir=str(TEMPLATES),
        plugins_dir=str(PLUGINS),
        static_mounts=[(STATIC_MOUNT, str(STATIC))],
        settings=datasette_settings(public) if settings is None else settings,
    )


def datasette_command(db_path: str | Path, metadata_path: str | Path, host: str, port: int,
                      public: bool = False) -> list[str]:
    """The `datasette serve` command line (printed, so it can be run by hand)."""
    command = [
        sys.executable, "-m", "datasette", "serve", str(db_path),
        "--metadata", str(metadata_path),
        "--template-dir", str(TEMPLATES),
        "--plugins-dir", str(PLUGINS),
        "--static", f"{STATIC_MOUNT}:{STATIC}",
        "--host", host, "--port", str(port),
    ]
    for name, value in datasette_settings(public).items():
        if isinstance(value, bool):
            value = "on" if value else "off"
        command += ["--setting", name, str(value)]
    return command


def serve(db_path: str | Path, host: str | None = None, port: int | None = None, public: bool = False) -> int:
    """Run Datasette until interrupted; the database is migrated first.

    Migrating first matters: indexes that keep the facet pages fast arrive
    as migrations, and Datasette opens the file read-only.
    """
    db_path = Path(db_path)
    host, port = host or settings.DATASETTE_HOST, port or settings.DATASETTE_PORT
    if not db_path.exists():
        print(f"no database at {db_path}: run `make demo` (data/demo.db) or `make run` first", file=sys.stderr)
        return 2
    database.connect(db_path).close()
    with tempfile.TemporaryDirectory(prefix="stationwatch-serve-") as tmp:
        metadata_path = Path(tmp) / "metadata.json"
        metadata_path.write_text(json.dumps(load_metadata(db_path, public), ensure_ascii=False), encoding="utf-8")
        command = datasette_command(db_path, metadata_path, host, port, public)
        print(f"Datasette on http://{host}:{port}/ over {db_path}" + (" (public: no arbitrary SQL)" if public else ""))
        print("datasette " + shlex.join(command[3:]), flush=True)
        # SIGTERM (a service manager, the tests) exits like Ctrl-C: subprocess.run
        # then stops Datasette and the temporary metadata file is removed.
        previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            return subprocess.run(command, cwd=ROOT).returncode
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt
