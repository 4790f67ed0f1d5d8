"""The words of several pieces an English model may suggest: dictionary words and the model's names.

A model proposes a word of several pieces one piece at a time, and most piece pairs it likes are not
words: with two masks in a blank after "the end", the bundled model's best first pieces are "of",
"in" and "and", and "of" + "##ing" scored high enough to come second among the words for that
blank ("ofing"). On the 500 held-out sentences, 79 top-10 lists held such a non-word
(``python -m bench.known_words``). A word of one piece is a word of the vocabulary; a word of
several pieces is suggested only when it is a known English word, a name the model writes with a
capital (its ``truecase.txt``), or holds a digit ("1990s", "19th"). The known words are the
``frequency_dictionary_en_82_765.txt`` that the ``symspellpy`` wheel ships (82,765 words with
their inflections: SCOWL, MIT-like, intersected with Google Books Ngram counts, CC BY 3.0;
``learn/spelling.py`` reads the same list) and wordfreq's English words of Zipf 3 or more (data
CC BY-SA 4.0), which add American spellings the list lacks (favorite, traveled).

The search uses the list as it goes: a first piece is tried for a two-piece word only when some
listed word is that piece and one continuation piece, split exactly so by the tokenizer, and only
those continuation pieces are read from its row. So the beam's places go to pieces that make words.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import importlib.util
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from cloze_app.core import paths
from cloze_app.core.atomic import atomic_write_bytes
from cloze_app.core.engine.vocab import WORDPIECE, TokenInfo

WORD_LIST = "frequency_dictionary_en_82_765.txt"
WORD_LIST_PACKAGE = "symspellpy"
SORTED_VERSION = "3"  # in the sorted copy's name: bump when what it holds changes
# wordfreq's English words this common or more are known too: the word list lacks American
# spellings of inflected forms (favorite, analyzed, theater, traveled, neighbors, jewelry: Zipf 3.9
# to 5.0), while the model's non-words that reach its top 10 are rarer (kmt 2.9, aslan 2.7, therm
# 2.0, most 0: ofing, wayus, coffeees).
WORDFREQ_ZIPF = 3.0
# First pieces whose two-piece words are remembered (a request asks for a handful).
REMEMBERED_PREFIXES = 4096


def _package_file(package: str, name: str) -> Path | None:
    """A file of an installed package, found without importing it (an import loads modules the
    engine does not need); None when the package or the file is missing."""
    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def _wordfreq_words() -> set[str]:
    """wordfreq's English words of at least :data:`WORDFREQ_ZIPF`, letters only (~0.3 s)."""
    # wordfreq's list holds its words in buckets by frequency, bucket i at -i centibels: Zipf (log10
    # of a frequency per billion words) z is bucket 100 * (9 - z). Faster than its frequency dict.
    buckets = round(100 * (9.0 - WORDFREQ_ZIPF)) + 1
    try:
        import wordfreq

        found = wordfreq.get_frequency_list("en", wordlist="best")[:buckets]
    except Exception:  # noqa: BLE001 - a missing or broken wordfreq only costs its words
        return set()
    return {w for bucket in found for w in bucket if w.isascii() and w.isalpha()}


@functools.lru_cache(maxsize=4)
def _sorted_words(key: str, sources: tuple[Path, ...]) -> tuple[str, ...]:
    """The sorted words of ``sources`` (the word list, wordfreq's package file, a names file), read
    from the copy in the cache folder when there is one (its first line is a digest of the rest: a
    damaged copy is built again); once per process and ``key``."""
    digest = hashlib.sha256(f"{key}|{SORTED_VERSION}".encode()).hexdigest()[:16]
    kept = paths.cache_dir() / "words" / f"en-{digest}.txt"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        check, _, body = kept.read_text(encoding="utf-8").partition("\n")
        if check == _digest(body):  # else damaged: built again
            return tuple(body.split("\n"))
    word_list, wordfreq_file, names = sources
    try:
        # Lines are "word count": every other item of the split text is a word.
        words = set(word_list.read_text(encoding="utf-8").lower().split()[0::2])
        if names != word_list:
            words.update(names.read_text(encoding="utf-8").lower().split())
    except (OSError, UnicodeDecodeError):
        return ()
    if wordfreq_file != word_list:
        words |= _wordfreq_words()
    ordered = tuple(sorted(words))
    with contextlib.suppress(OSError):  # a read-only cache only costs the work next time
        body = "\n".join(ordered)
        atomic_write_bytes(kept, f"{_digest(body)}\n{body}".encode())
    return ordered


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def dictionary_words(names_file: Path | None = None) -> Sequence[str]:
    """The known English words, lower case and sorted: symspellpy's word list, wordfreq's words of
    Zipf 3 or more, and the names in ``names_file`` (one a line). Empty when the word list is missing
    (then multi-piece words are not filtered). The sorted copy is kept in the cache folder: building
    it costs ~0.7 s, reading it ~10 ms."""
    word_list = _package_file(WORD_LIST_PACKAGE, WORD_LIST)
    if word_list is None:
        return ()
    wordfreq_file = _package_file("wordfreq", "__init__.py") or word_list
    names = names_file if names_file is not None and names_file.is_file() else word_list
    sources = (word_list, wordfreq_file, names)
    key = "|".join(f"{p.resolve()}|{p.stat().st_size}|{p.stat().st_mtime_ns}" for p in sources)
    return _sorted_words(key, sources)


def _has(ordered: Sequence[str], word: str) -> bool:
    at = bisect.bisect_left(ordered, word)
    return at < len(ordered) and ordered[at] == word


def _longer(ordered: Sequence[str], start: str) -> Sequence[str]:
    """The items of a sorted sequence that start with ``start`` and are longer."""
    at = bisect.bisect_right(ordered, start)
    end = bisect.bisect_left(ordered, start + "\U0010ffff", at)
    return ordered[at:end]


class KnownWords:
    """Membership of multi-piece words, and the continuation pieces that complete a known word.

    ``pieces(word, spaced)`` is the tokenizer's split of a word at a place with (or without) a space
    before it (the decoder's remembered ``tokens_for``) and ``token_id`` its lookup of one token: a
    pair counts only when it is the split the tokenizer makes, as the decoder keeps only such words.
    The word list loads on first use (~10 ms from its sorted copy), not while a model loads.
    """

    def __init__(
        self,
        info: TokenInfo,
        pieces: Callable[[str, bool], tuple[int, ...]],
        token_id: Callable[[str], int | None],
        words: Callable[[], Sequence[str]] = dictionary_words,
    ) -> None:
        """``words``: the known words, lower case and sorted (read on first use)."""
        self.info = info
        self.pieces = pieces
        self.token_id = token_id
        self._source = words
        self._words: Sequence[str] | None = None
        # A continuation piece's text in lower case -> its ids and texts (a cased vocabulary: several).
        self._continuations: dict[str, list[tuple[int, str]]] = {}
        self._ends: dict[tuple[int, bool], np.ndarray] = {}
        self._lock = threading.Lock()

    def _loaded(self) -> Sequence[str]:
        if self._words is None:
            with self._lock:
                if self._words is None:
                    for i in np.flatnonzero(self.info.continuation).tolist():
                        text = self.info.pieces[i].decode("utf-8", "replace")
                        if text:
                            self._continuations.setdefault(text.lower(), []).append((i, text))
                    self._words = self._source()
        return self._words

    @property
    def active(self) -> bool:
        """False when no word list could be read: multi-piece words are then not filtered."""
        return bool(self._loaded())

    def known(self, word: str) -> bool:
        """A word of several pieces that may be suggested."""
        if not self.active or any(ch.isdigit() for ch in word):
            return True
        return _has(self._loaded(), word.lower())

    def endings(self, first: int, spaced: bool) -> np.ndarray:
        """Continuation pieces that make ``first`` a known two-piece word, split as the tokenizer
        splits it (every continuation piece when the list is missing or the piece is a number)."""
        key = (first, spaced)
        found = self._ends.get(key)
        if found is not None:
            return found
        head = self.info.pieces[first].decode("utf-8", "replace")
        if not self.active or any(ch.isdigit() for ch in head):
            every = (i for same in self._continuations.values() for i, _ in same)
            found = np.array(sorted(every), dtype=np.int64)
        else:
            lowered, ids = head.lower(), []
            for word in _longer(self._loaded(), lowered):
                for i, text in self._continuations.get(word[len(lowered) :], ()):
                    if self._split_so(head, text, first, i, spaced):
                        ids.append(i)
            found = np.array(sorted(ids), dtype=np.int64)
        if len(self._ends) >= REMEMBERED_PREFIXES:
            self._ends.clear()
        self._ends[key] = found
        return found

    def _split_so(self, head: str, text: str, first: int, piece: int, spaced: bool) -> bool:
        """Whether the tokenizer splits ``head + text`` into exactly ``first`` and ``piece``."""
        if self.info.family == WORDPIECE:
            # Greedy longest match: the word is not one piece, and no start longer than ``head`` fits
            # (``tests/test_known_words.py`` checks this against the tokenizer on the bundled model).
            word = head + text
            return not any(self._starts_word(word[:k]) for k in range(len(head) + 1, len(word) + 1))
        return self.pieces(head + text, spaced) == (first, piece)

    def _starts_word(self, text: str) -> bool:
        found = self.token_id(text)
        return found is not None and bool(self.info.first_spaced[found])
