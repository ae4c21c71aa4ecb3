# stationwatch: `make run` (live crawl) and `make test` (the suite) on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run demo test bench clean schedule digest serve

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Crawl every source once (live) into data/stationwatch.db and print a summary.
run: $(STAMP)
	$(PY) -m stationwatch run

## The same crawl offline, from recorded responses on 127.0.0.1, into data/demo.db.
demo: $(STAMP)
	$(PY) -m stationwatch demo

## The nightly job in the foreground (crawl every source, then deliver the
## digest); `.venv/bin/python scheduler.py --once` runs one cycle now.
schedule: $(STAMP)
	$(PY) scheduler.py

## Preview the digest of what is new since the last one (nothing is sent):
## `make digest DB=data/demo.db` after `make demo`.
DB ?= $(or $(STATIONWATCH_DB),data/stationwatch.db)
digest: $(STAMP)
	$(PY) -m stationwatch digest --db $(DB)

## Browse and query the database with Datasette on http://127.0.0.1:8001/
## (db/metadata.yml, web/): `make serve DB=data/demo.db` after `make demo`.
serve: $(STAMP)
	$(PY) -m stationwatch serve --db $(DB)

## The whole test suite.
test: $(STAMP)
	$(PY) -m pytest

## Benchmarks (print their figures; never part of the test suite).
bench: $(STAMP)
	$(PY) bench/bench_pipeline.py
	$(PY) bench/bench_incremental.py
	$(PY) bench/bench_dedupe.py
	$(PY) bench/bench_datasette.py
	$(PY) bench/bench_cycle.py --quiet  # the longest: ~20 min, every source twice with real waits

clean:
	rm -rf $(VENV) data/demo.db* .pytest_cache
