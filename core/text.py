"""Text folding, text fingerprints and word shingles: one definition each.

Relevance (stationwatch/topic.py), normalisation (pipelines/normalize.py)
and near-duplicate detection (db/dedupe.py) must fold text the same way, or
a statement matched by one would be missed by another. This module imports
nothing of the project.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import zlib

import numpy as np

SHINGLE_WORDS = 3

# Quotes, dashes and odd spaces that real pages use interchangeably.
_PUNCT_FOLD = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"',
        "\u00bb": '"', "\u300c": '"', "\u300d": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
        "\u3000": " ", "\u200b": " ",
    }
)
_QUOTES_DELETED = str.maketrans("", "", "\"'`")


@functools.lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """One character folded: accents dropped, case folded, quotes unified.

    Hangul syllables survive (decomposed then recomposed), so Korean terms
    still match.
    """
    decomposed = unicodedata.normalize("NFKD", ch.translate(_PUNCT_FOLD))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).casefold()


class _FoldTable(dict):
    """str.translate table that folds each code point on first sight."""

    def __missing__(self, code: int) -> str:
        self[code] = folded = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> tuple[str, list[int] | None]:
    """Fold ``text`` for matching; return it with a map back to the original.

    The map (folded index -> original index) lets excerpts quote the original
    text where folding changed a character's length (ß -> ss). It is None
    when every character folds to exactly one, the common case, which
    str.translate handles in C.
    """
    if text.isascii():
        return text.lower(), None
    if all(len(_FOLD_TABLE[ord(ch)]) == 1 for ch in set(text)):
        return text.translate(_FOLD_TABLE), None
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = _FOLD_TABLE[ord(ch)]
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


def fold_term(term: str) -> str:
    return fold(" ".join(str(term).split()))[0]


_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|[^\W_]+")
_LATIN_WORD = re.compile(r"[^\W_]+")

def words(text: str) -> list[str]:
    """Folded words; each CJK character is a word."""
    folded = fold(text or "")[0]
    # Without CJK characters the alternation's first branch never matches.
    return (_LATIN_WORD if folded.isascii() else _WORD).findall(folded)


def text_fingerprint(text: str) -> str:
    """Hash of the text with case, accents, whitespace, quotes and dashes folded:
    the same statement reformatted by another site hashes the same."""
    folded = fold(text)[0].translate(_QUOTES_DELETED)
    return hashlib.sha1(" ".join(folded.split()).encode("utf-8", "surrogatepass")).hexdigest()


# Odd 64-bit multipliers: one per word position in a shingle, so that
# "police stations closed" and "closed police stations" hash apart.
_POSITION_MULTIPLIERS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


def shingle_hashes(tokens: list[str]) -> np.ndarray:
    """32-bit hashes of a text's word 3-shingles (one for a short text), sorted and distinct.

    One CRC-32 per distinct word, combined per shingle with numpy: hashing
    each shingle string in Python cost more than the rest of the store
    together. CRC-32 is stable across processes (band keys are stored) and
    spread enough for MinHash.
    """
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    if len(tokens) < SHINGLE_WORDS:
        return np.array([zlib.crc32(" ".join(tokens).encode("utf-8", "surrogatepass"))], dtype=np.uint32)
    # Number each distinct word (a text repeats most of its words) and hash it once.
    numbering: dict[str, int] = {}
    positions = np.array([numbering.setdefault(token, len(numbering)) for token in tokens])
    distinct_hashed = np.fromiter(
        (zlib.crc32(token.encode("utf-8", "surrogatepass")) for token in numbering),
        dtype=np.uint64, count=len(numbering),
    )
    words_hashed = distinct_hashed[positions]
    n = len(tokens) - SHINGLE_WORDS + 1
    with np.errstate(over="ignore"):
        mixed = np.zeros(n, dtype=np.uint64)
        for position, multiplier in enumerate(_POSITION_MULTIPLIERS):
            mixed ^= words_hashed[position:position + n] * multiplier
            mixed ^= mixed >> np.uint64(31)
    return np.unique((mixed & np.uint64(0xFFFFFFFF)).astype(np.uint32))
