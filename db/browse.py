"""SQL for browsing in Datasette that Datasette does not write itself.

Kept here with the rest of the SQL; web/plugins/ calls it. No scraped text
ever reaches these strings: they are built from SQL Datasette wrote, column
names checked against the table, and numbers. Search words and filter
values stay bound parameters of Datasette's own SQL.
"""

from __future__ import annotations

# Read connections' page cache, in KiB: a search that matches 30,000 of a
# million statements looks each of them up by rowid; with SQLite's default
# 2 MB cache most lookups go back to the file (bench/bench_datasette.py:
# 33 -> 18 ms per pass over those rows).
READ_CACHE_KIB = 65_536


def quote_identifier(name: str) -> str:
    """A column name as an SQL identifier (double quotes, inner quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def facet_count_sql(rows_sql: str, column: str, limit: int) -> str:
    """The most frequent values of one column of the rows ``rows_sql``
    selects, as Datasette's own column facet counts them: SQLite flattens
    the subquery, so a filter on an indexed column and the count read an
    index (m002, m020) instead of the table."""
    quoted = quote_identifier(column)
    return (f"select {quoted} as value, count(*) as count from ({rows_sql}) where {quoted} is not null"
            f" group by {quoted} order by count desc, value limit {int(limit)}")


def facet_counts_sql(rows_sql: str, columns: list[str], limit: int) -> str:
    """One query giving the most frequent values of several columns of the
    rows ``rows_sql`` selects: rows of (facet index, value, count), at most
    ``limit`` per column, each column's in Datasette's order (count
    descending, then value).

    Datasette counts each facet with a query of its own over the page's
    rows. On a search matching 30,000 of a million statements each of those
    looks the 30,000 rows up again (about 40 ms each, five facets by
    default); here they are looked up once into a materialized table and
    each column is counted from that. Only for rows picked by rowid (a
    search): materializing every row of a table page would forgo the
    indexes ``facet_count_sql`` reads (200 ms -> 1 s at a million rows).
    """
    if not columns:
        raise ValueError("no columns to count")
    quoted = [quote_identifier(column) for column in columns]
    counts = " union all ".join(
        f"select * from (select {index} as facet, {column} as value, count(*) as count from facet_rows"
        f" where {column} is not null group by {column} order by count desc, value limit {int(limit)})"
        for index, column in enumerate(quoted)
    )
    return f"with facet_rows as materialized (select {', '.join(quoted)} from ({rows_sql})) {counts}"
