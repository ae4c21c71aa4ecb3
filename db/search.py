"""Full-text search of statements, in every script: what is indexed and how
a search becomes an FTS5 query.

SQLite's unicode61 tokenizer splits text at spaces and punctuation. Chinese
and Japanese have neither between words, so a whole run of characters is one
token: ``警察`` is not found in "中国の海外警察拠点に関する質問主意書", and the
Korean ``경찰`` only as a word of its own, not in ``비밀경찰서`` nor in
``경찰서는`` (a noun with its particle). The ``trigram`` tokenizer finds
substrings, but only of three characters or more, and the commonest
searches here are two-character words (警察, 경찰, 拠点).

So ``statements_fts`` (migration m015) indexes a fourth column beside
title, text and speaker: ``cjk``, the words of those three that contain
Han, Hiragana, Katakana or Hangul, written as overlapping bigrams of each
such run of characters, then its last character alone ("海外警察" -> 海外
外警 警察 察); a run of one character is that character. Latin letters or
digits written against such a run are kept as tokens of their own there
("110番" -> 110 番). Any two-character string of a run is then one token, a
longer one a phrase of consecutive bigrams, and one character a prefix
search of the tokens starting with it. The index text is made by one
function, ``search_text`` (SQL: ``cjk_search_text``), in the triggers and
in the view the index reads, and a search is turned into the same tokens by
``match_expression`` (SQL: ``search_match``; and Datasette's
``escape_fts``, web/plugins/stationwatch_search.py), so the two cannot
drift apart. A search without CJK characters gives exactly the expression
Datasette's own ``escape_fts`` gives.

The title, text and speaker columns stay as they were, so ``snippet()``
shows the text as written and Latin-script search ranks as before; a
bigram column of whole texts (or a tokenizer written in C) was not needed.
Every connection that writes ``statements`` needs ``register()`` (as
``db.connect()`` does): the triggers call ``cjk_search_text``.

This module imports nothing of the project.
"""

from __future__ import annotations

import functools
import re

CJK_COLUMN = "cjk"
# Han (unified, extension A, compatibility, extensions B..), the iteration
# and closing marks 々〆〇, Hiragana and Katakana (with the prolonged sound
# mark ー; the middle dot ・ is punctuation and never inside a word), halfwidth
# Katakana, Hangul syllables and jamo.
_CJK_CHARS = ("\u1100-\u11ff\u3005-\u3007\u3040-\u309f\u30a0-\u30ff\u3130-\u318f\u31f0-\u31ff"
              "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff"
              "\uff66-\uff9f\U00020000-\U0003134f")
_HAS_CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUN = re.compile(f"([{_CJK_CHARS}]+)")
_WORD = re.compile(r"\w+")
# Datasette's escape_fts splits a search this way (datasette/utils: bare words and "quoted phrases").
_BITS = re.compile(r'\s+|(".*?")')

SNIPPET_BEFORE, SNIPPET_AFTER = 40, 80  # characters of context around a CJK match


def _run_tokens(run: str, open_end: bool) -> list[str]:
    """Bigrams of a CJK run, then its last character (the index's form).

    ``open_end``: the run ends a search, and the text may go on after it,
    so the last character alone is not asked for."""
    if len(run) == 1:
        return [run]
    bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
    return bigrams if open_end else bigrams + [run[-1]]


def _word_tokens(word: str, open_end: bool = False) -> list[str]:
    """A word containing CJK characters as index tokens: each CJK run's
    bigrams and last character, and what is written against it (letters,
    digits) as it is."""
    pieces = [piece for piece in _CJK_RUN.split(word) if piece]
    tokens = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        if _HAS_CJK.match(piece):
            tokens += _run_tokens(piece, open_end and last)
        else:
            tokens.append(piece)
    return tokens


def search_text(*texts: str | None) -> str:
    """The ``cjk`` column of the full-text index for a statement's title,
    text and speaker: '' when none has a CJK character (most statements),
    so the column costs nothing for them."""
    tokens = []
    for text in texts:
        if text and _HAS_CJK.search(text):
            for word in _WORD.findall(text):
                if _HAS_CJK.search(word):
                    tokens += _word_tokens(word)
    return " ".join(tokens)


def _cjk_phrase(words: list[str]) -> str:
    """An FTS5 phrase, in the ``cjk`` column, for consecutive words that all
    contain CJK characters: their tokens in order; the text may go on before
    the first and after the last, and a one-character end becomes a prefix."""
    tokens = []
    for index, word in enumerate(words):
        tokens += _word_tokens(word, open_end=index == len(words) - 1)
    last_piece = [piece for piece in _CJK_RUN.split(words[-1]) if piece][-1]
    prefix = "*" if len(last_piece) == 1 and _HAS_CJK.match(last_piece) else ""
    return f'{CJK_COLUMN} : "{" ".join(tokens)}"{prefix}'


def _bits(query: str) -> list[str]:
    """A search split as Datasette's escape_fts splits it: bare words and
    "quoted phrases" (an unbalanced quote closed at the end)."""
    if query.count('"') % 2:
        query += '"'
    return [bit for bit in _BITS.split(query) if bit and bit != '""']


@functools.lru_cache(maxsize=256)
def match_expression(query: str | None) -> str:
    """The FTS5 MATCH expression for what a user typed: every word must
    match, quotes and operators taken literally. A word or phrase with CJK
    characters is looked for in the ``cjk`` column as consecutive tokens
    (any substring of a run of CJK characters is found); anything else is
    quoted exactly as Datasette's escape_fts quotes it."""
    if not query:
        return ""
    out = []
    for bit in _bits(query):
        words = _WORD.findall(bit)
        if not any(_HAS_CJK.search(word) for word in words):
            out.append(bit if bit.startswith('"') else f'"{bit}"')
            continue
        if all(_HAS_CJK.search(word) for word in words):
            out.append(_cjk_phrase(words))
        else:  # "Xi 習近平": the Latin word is not in the cjk column; each word must match
            out += [_cjk_phrase([word]) if _HAS_CJK.search(word) else f'"{word}"' for word in words]
    return " ".join(out)


@functools.lru_cache(maxsize=256)
def _cjk_words_pattern(query: str) -> re.Pattern | None:
    words = sorted({word for bit in _bits(query) for word in _WORD.findall(bit) if _HAS_CJK.search(word)},
                   key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None


def snippet(text: str | None, query: str | None) -> str | None:
    """The passage of ``text`` around the first CJK word of ``query``, every
    CJK word of the query in it marked [like this], cut ends marked ' … ';
    None when the query has no CJK word or the text does not contain one
    (FTS5's own snippet() marks tokens of the text column, and a CJK match
    is in the cjk column)."""
    if not text or not query:
        return None
    pattern = _cjk_words_pattern(query)
    first = pattern.search(text) if pattern else None
    if first is None:
        return None
    start = max(0, first.start() - SNIPPET_BEFORE)
    end = min(len(text), first.end() + SNIPPET_AFTER)
    passage = pattern.sub(lambda m: f"[{m.group(0)}]", " ".join(text[start:end].split()))
    return ("… " if start else "") + passage + (" …" if end < len(text) else "")


def register(conn) -> None:
    """The SQL functions of search, on a sqlite3 connection."""
    conn.create_function("cjk_search_text", -1, search_text, deterministic=True)
    conn.create_function("search_match", 1, match_expression, deterministic=True)
    conn.create_function("search_snippet", 2, snippet, deterministic=True)


def rebuild(conn) -> None:
    """Re-index every statement (after a bulk load without the triggers)."""
    conn.execute("INSERT INTO statements_fts (statements_fts) VALUES ('rebuild')")
