"""Spelling: an English word list with frequencies, and the dictionary words near a word.

The word list is ``frequency_dictionary_en_82_765.txt`` shipped in the ``symspellpy`` wheel
(code MIT; the list is the intersection of SCOWL, whose license is MIT-like, and Google Books
Ngram counts, CC BY 3.0): 82,765 English words, inflected forms included, with a count each.
It installs from PyPI on every platform (pure Python), so no system dictionary is needed.

Neighbours are found with SymSpell's deletion index (Wolf Garbe's method: two words are within
two edits when deleting letters from each meets), then measured with an edit distance; only a
word that is not in the list gets neighbours two edits away. A replacement by a key next
to the intended one on a QWERTY keyboard counts as half an edit: the commonest typo.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from cloze_app.core.engine.known_words import WORD_LIST, WORD_LIST_PACKAGE

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Contraction endings: "don't" is known when "do" is.
_ENDINGS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")
MAX_NEIGHBOURS = 12
MIN_COUNT = 1_000_000  # suggestions are common words: rarer ones are mostly names and jargon


@lru_cache(maxsize=1)
def _counts() -> dict[str, int]:
    data = resources.files(WORD_LIST_PACKAGE).joinpath(WORD_LIST).read_text(encoding="utf-8")
    counts: dict[str, int] = {}
    for line in data.splitlines():
        word, _, count = line.partition(" ")
        if word and count.strip().isdigit():
            counts[word] = int(count)
    return counts


def count(word: str) -> int:
    """How often ``word`` occurs in the list's source (0: not an English word the list knows)."""
    return _counts().get(_key(word), 0)


def _key(word: str) -> str:
    return word.strip().replace("’", "'").lower()


def is_known(word: str) -> bool:
    """Whether ``word`` is spelt as an English word: in the list, a contraction of a listed word
    ("don't", "she'll"), a possessive, or a hyphenated compound of listed words."""
    key = _key(word)
    if not key:
        return False
    counts = _counts()
    if key in counts or key in ("a", "i", "o"):
        return True
    for ending in _ENDINGS:
        if key.endswith(ending) and len(key) > len(ending):
            stem = key[: -len(ending)]
            return stem in counts or stem in ("ca", "wo", "sha", "ai")  # can't, won't, shan't, ain't
    if "-" in key:
        return all(part in counts for part in key.split("-") if part)
    return False


def _adjacent() -> dict[str, str]:
    near: dict[str, set[str]] = {c: set() for c in _LETTERS}
    for r, row in enumerate(_KEYBOARD_ROWS):
        for i, c in enumerate(row):
            for dr in (-1, 0, 1):
                if 0 <= r + dr < len(_KEYBOARD_ROWS):
                    other = _KEYBOARD_ROWS[r + dr]
                    for j in (i - 1, i, i + 1):
                        if 0 <= j < len(other) and other[j] != c:
                            near[c].add(other[j])
    return {c: "".join(sorted(s)) for c, s in near.items()}


KEYBOARD_NEIGHBOURS = _adjacent()


@lru_cache(maxsize=1)
def _pool() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """The words suggestions come from (count >= MIN_COUNT) and, for each string one deletion
    away from one of them, the words it comes from (SymSpell's index, one deletion deep)."""
    pool = frozenset(w for w, n in _counts().items() if n >= MIN_COUNT and w.isalpha())
    index: dict[str, list[str]] = {}
    for word in pool:
        for i in range(len(word)):
            index.setdefault(word[:i] + word[i + 1 :], []).append(word)
    return pool, {k: tuple(v) for k, v in index.items()}


def _deletes(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _doubled(word: str, i: int) -> bool:
    """Whether ``word[i]`` is one of a doubled letter ("writting", "beginning")."""
    return (i > 0 and word[i - 1] == word[i]) or (i + 1 < len(word) and word[i + 1] == word[i])


def edit_distance(a: str, b: str) -> float:
    """Edits from ``a`` to ``b`` (optimal string alignment). The commonest slips cost half an
    edit: a key next to the intended one, and a letter doubled or undoubled ("writting" for
    writing, "begining" for beginning, "occured" for occurred)."""
    rows = [[0.0]]
    for j in range(1, len(b) + 1):
        rows[0].append(rows[0][j - 1] + (0.5 if _doubled(b, j - 1) else 1.0))
    for i in range(1, len(a) + 1):
        drop = 0.5 if _doubled(a, i - 1) else 1.0  # deleting a[i - 1]
        row = [rows[i - 1][0] + drop] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            sub = (
                0.0
                if a[i - 1] == b[j - 1]
                else (0.5 if b[j - 1] in KEYBOARD_NEIGHBOURS.get(a[i - 1], "") else 1.0)
            )
            add = 0.5 if _doubled(b, j - 1) else 1.0  # inserting b[j - 1]
            row[j] = min(rows[i - 1][j] + drop, row[j - 1] + add, rows[i - 1][j - 1] + sub)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


@lru_cache(maxsize=4096)
def neighbours(word: str, limit: int = MAX_NEIGHBOURS) -> tuple[tuple[str, float], ...]:
    """Common listed words within two edits of ``word`` with their cost, nearest and commonest first.

    A word in the list gets only words one edit away (a real-word slip: form/from, then/than);
    an unknown word also gets words two edits away.
    """
    key = _key(word)
    if not key.isalpha() or len(key) > 24:
        return ()
    pool, index = _pool()
    counts = _counts()
    known = key in counts
    found: dict[str, float] = {}
    for deleted in _deletes(key, 1 if known else 2):
        for cand in (*index.get(deleted, ()), deleted):
            if cand in pool and cand != key and cand not in found:
                cost = edit_distance(key, cand)
                if cost <= (1.0 if known else 2.0):
                    found[cand] = cost
    ranked = sorted(found.items(), key=lambda kv: (kv[1], -counts[kv[0]]))
    return tuple(ranked[:limit])


# British spellings and their American forms (Oxford -ize aside): colour/color, recognise/recognize,
# analyse/analyze, centre/center, travelled/traveled, catalogue/catalog, defence/defense,
# programme/program. Each pattern is rewritten to the American form; two words that come out
# alike are one word spelt two ways.
_VARIANTS = (
    (re.compile(r"(?<=[a-z]{2})our"), "or"),
    (re.compile(r"is(e|es|ed|ing|ation|ations|er|ers|able)$"), r"iz\1"),
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),
    (re.compile(r"([bcgt])re(s?)$"), r"\1er\2"),
    (re.compile(r"ll(ed|ing|er|ers|or|ors)$"), r"l\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
    (re.compile(r"ence(s?)$"), r"ense\1"),
    (re.compile(r"amme(s?)$"), r"am\1"),
)


def _american(word: str) -> str:
    for pattern, replacement in _VARIANTS:
        word = pattern.sub(replacement, word, count=1)
    return word


def variants(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one word in British and American spelling ("colour"/"color",
    "recognisable"/"recognizable"): neither is a misspelling of the other."""
    ka, kb = _key(a), _key(b)
    return ka != kb and _american(ka) == _american(kb)
