"""Near-duplicate statements: MinHash LSH over word shingles, kept in SQLite.

The same government line travels with small edits: a syndicated release with
a word changed, a newspaper quoting most of a minister's answer. Exact copies
are caught by ``text_hash`` (db/store.py); this module finds the near ones.

How:

- A text becomes a set of word 3-shingles (after the same folding as
  ``text_hash``: case, accents, quotes and dashes), kept as 32-bit hashes.
  Chinese, Japanese and Korean characters count as one word each, having no
  spaces between words.
- A MinHash signature of NUM_PERM values (``signature``) is cut into BANDS bands
  of ROWS values; each band is hashed to one 64-bit ``band_key``. Two texts
  with Jaccard similarity J share at least one band key with probability
  1 - (1 - J**ROWS)**BANDS: 0.93 at J=0.5, 0.99 at J=0.6, 0.36 at J=0.3.
- The band keys live in the ``statement_bands`` table (primary key
  band_key, statement_id): a new statement's candidates are a handful of
  primary-key lookups, the same cost at a million statements as at ten, and
  no index is held in memory (an in-memory MinHash LSH index such as
  datasketch's costs ~3.6 KB a document, 3.6 GB at a million; what is kept
  is a bounded cache of recent texts' shingles, ``profile``).
- Candidates are then checked exactly on their shingle sets
  (``near_duplicate``): LSH only decides whom to compare with.

What is not a near-duplicate, whatever the words (``same_statement_possible``):
texts in two different languages (a translation is another statement of the
same position, shown as such, not a copy), and two official statements by two
different named speakers (two deputies asking the Taoiseach the same
question in the same words asked two questions).

Not handled: a press quote that is a short slice (one sentence) of a long
official text. Its Jaccard similarity with the whole text is about the
slice's share of it, below what LSH retrieves; only quotes that are most of
the official statement (``CONTAINED_SHARE``) join its cluster.

The table is derived data: ``rebuild()`` (``python -m stationwatch dedupe
rebuild``) recomputes it from the statements' texts, e.g. after the
parameters below change.
"""

from __future__ import annotations

import functools
import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from core.vocab import is_official
from core.text import shingle_hashes, words  # noqa: F401  (words: part of dedupe's API)

BANDS = 20
ROWS = 3
NUM_PERM = BANDS * ROWS
SEED = 1
# Fewer words than this: too few shingles to judge; only exact copies count.
MIN_WORDS = 8
# Decision on exact shingle sets (tests/test_dedupe.py measures them on
# labelled pairs from recorded statements):
JACCARD_THRESHOLD = 0.5
# A quote that is most of an official statement: nearly all of the shorter
# text's shingles are in the longer one, and it is at least half as long.
CONTAINMENT_THRESHOLD = 0.8
CONTAINED_SHARE = 0.5
# Candidates checked exactly per new statement (most shared bands first).
MAX_CANDIDATES = 20

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


@dataclass(frozen=True)
class Profile:
    """What the near-duplicate check needs of a text: its word count and the
    sorted, distinct 32-bit hashes of its word 3-shingles (all words as one
    shingle for a text shorter than three words)."""

    word_count: int
    shingles: np.ndarray


# Profiles of recently seen texts, by a digest of the text: a statement is
# profiled when stored and again each time it is a candidate for a later one
# (statements sharing boilerplate meet often in one crawl). ~1.2 KB each.
_PROFILE_CACHE_SIZE = 4096
_profile_cache: OrderedDict[bytes, Profile] = OrderedDict()


def profile(text: str) -> Profile:
    """The text's Profile, from the cache when the same text was seen lately."""
    text = text or ""
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    found = _profile_cache.get(key)
    if found is not None:
        _profile_cache.move_to_end(key)
        return found
    tokens = words(text)
    found = Profile(len(tokens), shingle_hashes(tokens))
    found.shingles.flags.writeable = False  # shared through the cache
    _profile_cache[key] = found
    if len(_profile_cache) > _PROFILE_CACHE_SIZE:
        _profile_cache.popitem(last=False)
    return found


def shingles(text: str) -> np.ndarray:
    """The text's word 3-shingles, as sorted distinct 32-bit hashes.

    Hashes instead of the shingle strings: comparing two texts is then an
    intersection of two sorted integer arrays. Two different shingles of a
    pair share a hash with probability ~2e-5 at 300 shingles a text, which
    moves a similarity by a fraction of a percent at worst.
    """
    return profile(text).shingles


def _draw_permutations(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random affine maps h -> a*h + b (mod 2**32), a odd so that
    each map is a bijection: the MinHash "permutations". Drawn from numpy's
    legacy RandomState, whose stream never changes, because the band keys
    they lead to are stored (the same draws as datasketch 2's "affine32"
    scheme, which stationwatch used before).
    """
    draw = np.random.RandomState(seed)
    a = draw.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, count, dtype=np.uint32)
    return a, b


_PERMUTATION_A, _PERMUTATION_B = _draw_permutations(SEED, NUM_PERM)


def _murmur_finalizer(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (an avalanching bijection), applied
    before the affine maps so that structure in the input hashes cannot
    line up with them."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * np.uint32(0x85EBCA6B)
        values = values ^ (values >> np.uint32(13))
        values = values * np.uint32(0xC2B2AE35)
        return values ^ (values >> np.uint32(16))


def signature(hashes: np.ndarray) -> np.ndarray:
    """MinHash values (uint32 array of NUM_PERM) of a text's 32-bit shingle hashes:
    for each permutation, the smallest permuted hash (all ones for no shingles)."""
    if not len(hashes):
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    mixed = _murmur_finalizer(np.asarray(hashes, dtype=np.uint32))
    with np.errstate(over="ignore"):
        permuted = mixed[:, np.newaxis] * _PERMUTATION_A + _PERMUTATION_B  # wraps: mod 2**32
    return permuted.min(axis=0)


def band_keys(hashvalues: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (band number mixed in, so equal values
    in different bands do not collide)."""
    values = np.asarray(hashvalues, dtype=np.uint64).reshape(BANDS, ROWS)
    return band_keys_matrix(values[np.newaxis, :, :])[0].tolist()


def band_keys_matrix(values: np.ndarray) -> np.ndarray:
    """Band keys for many signatures at once: (n, BANDS, ROWS) uint64 -> (n, BANDS) int64.

    A multiply-xorshift mix (splitmix64's constants) over the band number and
    its values; numpy's uint64 arithmetic wraps, which is what a hash wants.
    """
    with np.errstate(over="ignore"):
        key = np.broadcast_to(
            (np.arange(BANDS, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15),
            values.shape[:2],
        ).copy()
        for row in range(values.shape[2]):
            key ^= values[:, :, row]
            key *= np.uint64(0xBF58476D1CE4E5B9)
            key ^= key >> np.uint64(31)
            key *= np.uint64(0x94D049BB133111EB)
            key ^= key >> np.uint64(29)
    return (key & _MASK64).view(np.int64)


def statement_band_keys(text: str) -> list[int]:
    """Band keys of a text, or [] when it is too short to compare."""
    return keys_for(profile(text))


def keys_for(text_profile: Profile) -> list[int]:
    """Band keys of a profiled text, or [] when it is too short to compare."""
    if text_profile.word_count < MIN_WORDS:
        return []
    return band_keys(signature(text_profile.shingles))


@dataclass
class Similarity:
    jaccard: float
    containment: float  # share of the shorter text's shingles found in the longer
    share: float  # shorter text's shingle count over the longer's


def similarity(a: np.ndarray, b: np.ndarray) -> Similarity:
    """Similarity of two shingle sets (``shingles()``: sorted, distinct)."""
    if not len(a) or not len(b):
        return Similarity(0.0, 0.0, 0.0)
    common = len(np.intersect1d(a, b, assume_unique=True))
    small, large = sorted((len(a), len(b)))
    return Similarity(common / (len(a) + len(b) - common), common / small, small / large)


def near_duplicate_text(a: np.ndarray, b: np.ndarray) -> bool:
    """Nearly the same text: most shingles shared, or the shorter one is most
    of the longer one nearly word for word (a quote of most of a statement)."""
    return near_duplicate_similarity(a, b) is not None


def near_duplicate_similarity(a: np.ndarray, b: np.ndarray) -> Similarity | None:
    """The pair's similarity if it makes them near-duplicates, else None."""
    small, large = sorted((len(a), len(b)))
    # Jaccard is at most small/large, and a quote must be half the text:
    # sizes this far apart rule the pair out before comparing any shingle.
    if not small or small / large < min(JACCARD_THRESHOLD, CONTAINED_SHARE):
        return None
    sim = similarity(a, b)
    if sim.jaccard >= JACCARD_THRESHOLD or (sim.containment >= CONTAINMENT_THRESHOLD and sim.share >= CONTAINED_SHARE):
        return sim
    return None


@functools.lru_cache(maxsize=1024)
def _speaker_words(name: str | None) -> frozenset[str]:
    """A speaker's words (names recur: the same minister answers hundreds of questions)."""
    return frozenset(words(name or ""))


def same_statement_possible(a: dict, b: dict) -> bool:
    """Metadata that rules a pair out whatever its words: two languages, or
    two official statements by two different named speakers ("Wang Wenbin"
    and "Foreign Ministry Spokesperson Wang Wenbin" are the same speaker).
    Press quotes name speakers their own way, so the speaker rule is for
    official pairs only."""
    lang_a, lang_b = (a.get("language") or "").lower()[:2], (b.get("language") or "").lower()[:2]
    if lang_a and lang_b and lang_a != lang_b:
        return False
    if is_official(a.get("source_kind")) and is_official(b.get("source_kind")):
        sa, sb = _speaker_words(a.get("speaker")), _speaker_words(b.get("speaker"))
        if sa and sb and not (sa <= sb or sb <= sa):
            return False
    return True


def near_duplicate(a: dict, b: dict) -> bool:
    """The pairwise decision: may be the same statement, and nearly the same text.
    ``a`` and ``b`` carry text, language, source_kind and speaker."""
    if not same_statement_possible(a, b):
        return False
    profile_a, profile_b = profile(a["text"]), profile(b["text"])
    if profile_a.word_count < MIN_WORDS or profile_b.word_count < MIN_WORDS:
        return False
    return near_duplicate_text(profile_a.shingles, profile_b.shingles)


# --- the band table -------------------------------------------------------

CANDIDATE_FIELDS = ("id", "text", "language", "source_kind", "speaker", "cluster_id")


def candidates(db, keys: list[int], exclude_id: int | None = None) -> list[dict]:
    """Statements sharing at least one band key, most shared bands first."""
    if not keys:
        return []
    placeholders = ", ".join("?" for _ in keys)
    rows = db.execute(
        f"SELECT statement_id, COUNT(*) AS shared FROM statement_bands WHERE band_key IN ({placeholders})"
        " GROUP BY statement_id ORDER BY shared DESC, statement_id LIMIT ?",
        [*keys, MAX_CANDIDATES + 1],
    ).fetchall()
    ids = [row[0] for row in rows if row[0] != exclude_id][:MAX_CANDIDATES]
    if not ids:
        return []
    columns = ", ".join(CANDIDATE_FIELDS)
    found = db.execute(
        f"SELECT {columns} FROM statements WHERE id IN ({', '.join('?' for _ in ids)})", ids
    ).fetchall()
    by_id = {row[0]: dict(zip(CANDIDATE_FIELDS, row)) for row in found}
    return [by_id[i] for i in ids if i in by_id]


def find_near_duplicate(db, item: dict, keys: list[int], exclude_id: int | None = None) -> dict | None:
    """The stored statement ``item`` nearly duplicates (the most similar), or None."""
    found = candidates(db, keys, exclude_id)
    if not found:
        return None
    mine = shingles(item["text"])
    best, best_score = None, 0.0
    for candidate in found:
        if not same_statement_possible(item, candidate):
            continue
        sim = near_duplicate_similarity(mine, shingles(candidate["text"]))
        if sim is not None and sim.jaccard > best_score:
            best, best_score = candidate, sim.jaccard
    return best


def add(db, statement_id: int, keys: list[int]) -> None:
    if keys:
        db.conn.executemany(
            "INSERT OR IGNORE INTO statement_bands (band_key, statement_id) VALUES (?, ?)",
            [(key, statement_id) for key in keys],
        )


def remove(db, statement_id: int, keys: list[int]) -> None:
    """Drop a statement's bands (computed from its old text: the primary key
    is (band_key, statement_id), so no second index is needed)."""
    if keys:
        db.conn.executemany(
            "DELETE FROM statement_bands WHERE band_key = ? AND statement_id = ?",
            [(key, statement_id) for key in keys],
        )


def rebuild(db, batch: int = 2000) -> int:
    """Recompute every statement's bands from its text; return how many
    statements have bands. The table is derived: this loses nothing."""
    count = 0
    with db.atomic():
        db.execute("DELETE FROM statement_bands")
        last_id = 0
        while True:
            rows = db.execute(
                "SELECT id, text FROM statements WHERE id > ? ORDER BY id LIMIT ?", [last_id, batch]
            ).fetchall()
            if not rows:
                break
            pairs = []
            for statement_id, text in rows:
                keys = statement_band_keys(text)
                pairs.extend((key, statement_id) for key in keys)
                count += bool(keys)
            db.conn.executemany("INSERT OR IGNORE INTO statement_bands (band_key, statement_id) VALUES (?, ?)", pairs)
            last_id = rows[-1][0]
    return count
