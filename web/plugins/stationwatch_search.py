"""Datasette plugin: the statements table's search box finds Chinese,
Japanese and Korean words inside longer words, as the ``search`` query does.

Datasette turns ``?_search=`` (the table page's search box) into
``statements_fts MATCH escape_fts(:search)``, a function it registers on
every connection. Here the same name is given db/search.py's
``match_expression``, which quotes a search without CJK characters exactly as
Datasette's own function does and looks for CJK words in the index's bigram
column (migration m015). ``trylast``: Datasette's built-in plugin registers
its escape_fts on each connection too, and the last registration wins.

``?_search_<column>=`` (one column's search) still finds CJK words only
where unicode61 made them a token of that column: the bigrams are one column
for the three.
"""

from __future__ import annotations

from datasette import hookimpl

from db import search


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, search.match_expression, deterministic=True)
