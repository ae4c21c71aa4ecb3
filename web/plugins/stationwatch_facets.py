"""Datasette plugin: column facets counted in one query, and a bigger page cache.

The statements table shows five facets on every page (db/metadata.yml).
Datasette's own column facet runs one query per column, each going through
all the rows the page selects. That is right for a table page, where each
reads an index, but on a full-text search matching 3% of a million
statements it made five passes of ~40 ms over the same 30,000 rows, looked
up by rowid (bench/bench_datasette.py). The ``columns`` facet type here
counts a search's facets from one pass (db.browse.facet_counts_sql) and
other pages' facets one query each, as Datasette does.

Configured in metadata as ``facets: [{columns: country}, ...]``, or asked
for with ``?_facet_columns=speaker``. ``?_facet=speaker`` still works: that
is Datasette's own column facet.
"""

from __future__ import annotations

from collections import defaultdict

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import path_with_added_args, path_with_removed_args

import db as database
from db import browse


@hookimpl
def prepare_connection(conn):
    """Every read connection Datasette opens gets a bigger page cache and
    the project's SQL functions (``is_official``)."""
    conn.execute(f"PRAGMA cache_size = -{browse.READ_CACHE_KIB}")
    database.register_functions(conn)


@hookimpl
def register_facet_classes():
    return [ColumnsFacet]


class ColumnsFacet(Facet):
    """Column facets: on a search all counted by one query, elsewhere one
    query each. Each result looks exactly like one of Datasette's column
    facets (type "column"), so pages and JSON are unchanged."""

    type = "columns"

    async def facet_results(self):
        wanted = await self._wanted_columns()
        if not wanted:
            return [], []
        facet_size = self.get_facet_size()
        if self._is_search():
            return await self._counted_together(wanted, facet_size)
        results, timed_out = [], []
        for column, source in wanted:
            try:
                counted = await self._execute(browse.facet_count_sql(self.sql, column, facet_size + 1), 1)
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append(await self._facet_info(column, source, counted.rows, facet_size))
        return results, timed_out

    def _is_search(self) -> bool:
        """A full-text search: the page's rows are picked by rowid from the FTS index."""
        return any((key == "_search" or key.startswith("_search_")) and value.strip()
                   for key, value in self.get_querystring_pairs())

    async def _counted_together(self, wanted: list[tuple[str, str]], facet_size: int):
        try:
            counted = await self._execute(
                browse.facet_counts_sql(self.sql, [column for column, _ in wanted], facet_size + 1), len(wanted))
        except QueryInterrupted:
            return [], [column for column, _ in wanted]
        rows_by_facet = defaultdict(list)
        for row in counted.rows:
            rows_by_facet[row["facet"]].append(row)
        results = []
        for index, (column, source) in enumerate(wanted):
            results.append(await self._facet_info(column, source, rows_by_facet[index], facet_size))
        return results, []

    async def _execute(self, sql: str, facets: int):
        """Run a facet query within the time Datasette gives each facet (times the facets it counts)."""
        return await self.ds.execute(self.database, sql, self.params, truncate=False,
                                     custom_time_limit=self.ds.setting("facet_time_limit_ms") * facets)

    async def _wanted_columns(self) -> list[tuple[str, str]]:
        """(column, "metadata" or "request") for each configured column that
        the page's rows have; a name that is not a column is left out."""
        columns = set(await self.get_columns(self.sql, self.params))
        wanted, seen = [], set()
        for entry in self.get_configs():
            config = entry["config"]
            column = (config.get("column") or config.get("simple")) if isinstance(config, dict) else None
            if column in columns and column not in seen:
                seen.add(column)
                wanted.append((column, entry["source"]))
        return wanted

    async def _facet_info(self, column: str, source: str, rows: list, facet_size: int) -> dict:
        shown = rows[:facet_size]
        expanded = {}
        if self.table:  # foreign keys shown by their labels, as Datasette does
            expanded = await self.ds.expand_foreign_keys(self.database, self.table, column,
                                                         [row["value"] for row in shown])
        selected_pairs = set(self.get_querystring_pairs())
        arg = f"{column}__exact" if column.startswith("_") else column
        values = []
        for row in shown:
            selected = (arg, str(row["value"])) in selected_pairs
            toggle_path = (path_with_removed_args(self.request, {arg: str(row["value"])}) if selected
                           else path_with_added_args(self.request, {arg: row["value"]}))
            values.append({
                "value": row["value"],
                "label": expanded.get((column, row["value"]), row["value"]),
                "count": row["count"],
                "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle_path)),
                "selected": selected,
            })
        return {
            "name": column,
            "type": "column",
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {f"_facet_{self.type}": column})),
            "results": values,
            "truncated": len(rows) > facet_size,
        }
