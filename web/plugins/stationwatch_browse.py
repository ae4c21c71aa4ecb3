"""Datasette plugin (loaded with --plugins-dir web/plugins): links and the timeline chart.

- Every ``url`` cell (statements, mentions, documents, canned queries)
  becomes a link to the source, plus an "archived copy" link to the stored
  versions of the fetched page (``document_versions`` for its document).
  Only http(s) URLs are linked: a scraped ``javascript:`` URL stays text.
- ``/-/timeline`` draws statements per month and country as an SVG stacked
  bar chart, drawn on the server from the ``timeline`` canned query of
  db/metadata.yml (one query, shown both as a table and as a chart; no SQL
  here and no JavaScript needed to see it).
- The statements table page shows its rows as a person reads them
  (web/templates/_statements_rows.html): date, country, who said it and
  for which body, the excerpt, the source link; ``?_layout=table`` or a
  ``_col``/``_nocol`` choice gives Datasette's table of every column.

Every value that reaches HTML goes through Jinja's autoescape or
markupsafe: scraped text is untrusted.
"""


import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import is_url
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

TIMELINE_QUERY = "timeline"
CHART_WIDTH, CHART_HEIGHT = 960, 360
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 12, 12, 40
MAX_SERIES = 8  # countries drawn separately; the rest are summed as "other"
# Okabe-Ito, distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
OTHER_COLOUR = "#999999"


def _row_value(row, key):
    """A column of a result row, or None when the query did not select it.

    On table pages Datasette hands over foreign keys expanded to
    {"value": ..., "label": ...}; the value is what is wanted here.
    """
    try:
        value = row[key] if key in row.keys() else None
    except (AttributeError, IndexError, KeyError):
        return None
    return value.get("value") if isinstance(value, dict) else value


def archived_copy_path(datasette, database: str, document_id: int) -> str:
    """The stored versions of a fetched page, newest first.

    The archive is document_versions (raw record, WARC location); when a
    page for a single archived copy exists, this is the one place to point
    at it instead.
    """
    query = urlencode({"document_id": document_id, "_sort_desc": "fetched_at"})
    return f"{datasette.urls.table(database, 'document_versions')}?{query}"


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Source link and archived-copy link for every ``url`` cell."""
    if column != "url" or not is_url(value):
        return None
    html = Markup('<a href="{}" rel="nofollow noopener noreferrer">{}</a>').format(value, value)
    document_id = _row_value(row, "id") if table == "documents" else _row_value(row, "document_id")
    if isinstance(document_id, int):
        html += Markup('<br><a class="archived-copy" href="{}">archived copy</a>').format(
            archived_copy_path(datasette, database, document_id)
        )
    return html


READABLE_ROWS_TEMPLATE = "_statements_rows.html"


def wants_readable_rows(table: str | None, args) -> bool:
    """The statements table, unless the person asked for columns
    (``_col``/``_nocol``) or for the plain table (``_layout=table``)."""
    if table != "statements":
        return False
    return args.get("_layout") != "table" and "_col" not in args and "_nocol" not in args


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    """Why: Datasette picks the rows' template from ``custom_table_templates``
    (``_table-<db>-<table>.html``), which names the database, and the demo,
    the crawl and a user's own file each have another name. The readable
    rows template goes first for the statements table whatever the file is
    called; the default ``_table.html`` stays next in line."""
    if view_name != "table" or request is None or not wants_readable_rows(table, request.args):
        return {}
    return {"custom_table_templates": [READABLE_ROWS_TEMPLATE, "_table.html"], "topic_names": topic_names}


def topic_names(raw) -> list[str]:
    """A statement's ``topics`` column (a JSON list of names) as a list;
    anything else as no topic."""
    try:
        names = json.loads(raw or "[]")
    except (TypeError, ValueError):
        return []
    return [str(name) for name in names] if isinstance(names, list) else []


@hookimpl
def menu_links(datasette, actor, request):
    return [{"href": datasette.urls.path("/-/timeline"), "label": "Timeline chart"}]


@hookimpl
def register_routes(datasette):
    return [(r"^/-/timeline$", timeline_page)]


@dataclass
class Series:
    name: str
    colour: str
    total: int = 0
    counts: dict = field(default_factory=dict)  # month -> statements


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last ('YYYY-MM'), so gaps show as gaps."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def nice_ceiling(value: int) -> int:
    """The y axis top: 1, 2, 5 or 10 times a power of ten, at least value."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def build_series(rows) -> tuple[list[str], list[Series]]:
    """Months and one series per country (the largest MAX_SERIES, then "other")."""
    rows = [r for r in rows if r["month"] and len(r["month"]) == 7]
    if not rows:
        return [], []
    months = month_range(min(r["month"] for r in rows), max(r["month"] for r in rows))
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["country"] or "?"] = totals.get(r["country"] or "?", 0) + r["statements"]
    ranked = sorted(totals, key=lambda c: (-totals[c], c))
    shown = ranked[:MAX_SERIES] if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
    series = {c: Series(c, PALETTE[i]) for i, c in enumerate(shown)}
    other = Series("other", OTHER_COLOUR)
    for r in rows:
        target = series.get(r["country"] or "?", other)
        target.counts[r["month"]] = target.counts.get(r["month"], 0) + r["statements"]
        target.total += r["statements"]
    ordered = list(series.values()) + ([other] if other.total else [])
    return months, ordered


def chart_geometry(months: list[str], series: list[Series]) -> dict:
    """Rectangles, axis ticks and labels of a stacked bar chart, in SVG units."""
    plot_w = CHART_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    month_totals = [sum(s.counts.get(m, 0) for s in series) for m in months]
    top = nice_ceiling(max(month_totals))
    slot = plot_w / len(months)
    bar_w = max(slot * 0.8, 1.0)
    bars = []
    for i, month in enumerate(months):
        stacked = 0
        for s in series:
            count = s.counts.get(month, 0)
            if not count:
                continue
            height = count / top * plot_h
            y = MARGIN_TOP + plot_h - (stacked + count) / top * plot_h
            bars.append(Bar(round(MARGIN_LEFT + i * slot + (slot - bar_w) / 2, 2), round(y, 2),
                            round(bar_w, 2), round(height, 2), s.colour, f"{month} · {s.name}: {count}"))
            stacked += count
    tick_values = sorted({0, top // 2, top}) if top % 2 == 0 else [0, top]
    y_ticks = [(round(MARGIN_TOP + plot_h - v / top * plot_h, 2), v) for v in tick_values]
    # Label January of each year (or the first month), at most ~16 labels.
    every = max(1, len(months) // 16)
    x_labels = [
        (round(MARGIN_LEFT + i * slot + slot / 2, 2), m if m.endswith("-01") or i == 0 else m[5:])
        for i, m in enumerate(months) if i % every == 0
    ]
    return {
        "width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars, "y_ticks": y_ticks,
        "x_labels": x_labels, "plot_left": MARGIN_LEFT, "plot_right": CHART_WIDTH - MARGIN_RIGHT,
        "plot_bottom": MARGIN_TOP + plot_h, "label_y": MARGIN_TOP + plot_h + 16,
    }


async def _statements_database(datasette, requested: str | None) -> str:
    """The database to chart: the one asked for, else the first with statements."""
    names = [requested] if requested else [n for n in datasette.databases if not n.startswith("_")]
    for name in names:
        if name in datasette.databases and await datasette.get_database(name).table_exists("statements"):
            return name
    raise NotFound("No database with a statements table")


async def _topics(db) -> list[str]:
    """The topics the database holds statements about (the chart's choice)."""
    if not await db.table_exists("statement_topics"):
        return []
    return [row[0] for row in (await db.execute("SELECT DISTINCT topic FROM statement_topics ORDER BY topic")).rows]


async def timeline_page(datasette, request):
    """Statements per month and country (one topic's, or all), as a chart
    and a legend with totals."""
    database = await _statements_database(datasette, request.args.get("database"))
    await datasette.ensure_permissions(
        request.actor,
        [("view-query", (database, TIMELINE_QUERY)), ("view-database", database), "view-instance"],
    )
    query = await datasette.get_canned_query(database, TIMELINE_QUERY, request.actor)
    if query is None:
        raise NotFound("The timeline canned query is not configured (db/metadata.yml)")
    country = (request.args.get("country") or "").strip()
    topic = (request.args.get("topic") or "").strip()
    db = datasette.get_database(database)
    topics = await _topics(db)
    try:
        result = await db.execute(query["sql"], {"country": country, "topic": topic})
    except QueryInterrupted:
        # Over Datasette's sql_time_limit_ms (a big archive without the
        # m020 timeline index): say so on the page instead of a 500.
        result, timed_out = None, True
    else:
        timed_out = False
    months, series = build_series(result.rows if result else [])
    query_params = urlencode({"country": country, "topic": topic})
    context = {
        "timed_out": timed_out,
        "database": database,
        "country": country,
        "topic": topic,
        "topics": topics,
        "months": months,
        "series": series,
        "chart": chart_geometry(months, series) if months else None,
        "total": sum(s.total for s in series),
        "query_url": f"{datasette.urls.query(database, TIMELINE_QUERY)}?{query_params}",
        "csv_url": f"{datasette.urls.query(database, TIMELINE_QUERY, format='csv')}?{query_params}",
    }
    return Response.html(await datasette.render_template("timeline.html", context, request=request))
