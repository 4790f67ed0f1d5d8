"""The words of several pieces an English model may suggest: dictionary words and the model's names.

A model proposes a word of several pieces one piece at a time, and most piece pairs it likes are not
words: with two masks in a blank after "the end", the bundled model's best first pieces are "of",
"in" and "and", and "of" + "##ing" scored high enough to come second among the words for that
blank ("ofing"). On the 500 held-out sentences, 79 top-10 lists held such a non-word
(``python -m bench.known_words``). A word of one piece is a word of the vocabulary; a word of
several pieces is suggested only when it is in the English word list (82,765 words with their
inflections: the ``frequency_dictionary_en_82_765.txt`` that the ``symspellpy`` wheel ships, SCOWL
(MIT-like) intersected with Google Books Ngram counts (CC BY 3.0); ``learn/spelling.py`` reads the
same list), is a name the model writes with a capital (its ``truecase.txt``), or holds a digit
("1990s", "19th").

The search uses the list as it goes: a first piece is tried for a two-piece word only when some
listed word is that piece and one continuation piece, split exactly so by the tokenizer, and only
those continuation pieces are read from its row. So the beam's places go to pieces that make words.
"""

from __future__ import annotations

import bisect
import contextlib
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
SORTED_VERSION = "1"  # in the sorted copy's name: bump when its layout changes
# First pieces whose two-piece words are remembered (a request asks for a handful).
REMEMBERED_PREFIXES = 4096


def _word_list() -> Path | None:
    """The installed word list, found without importing its package (its import loads modules the
    engine does not need); None when the ``symspellpy`` wheel or its list is missing."""
    spec = importlib.util.find_spec(WORD_LIST_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / WORD_LIST
        if path.is_file():
            return path
    return None


def dictionary_words(names_file: Path | None = None) -> list[str]:
    """The English word list and the names in ``names_file`` (one a line), in lower case and sorted;
    empty when the list is missing (then multi-piece words are not filtered). The sorted copy is
    kept in the cache folder: sorting ~94,000 words costs ~80 ms, reading the copy ~10 ms."""
    path = _word_list()
    if path is None:
        return []
    sources = [path, *([names_file] if names_file is not None and names_file.is_file() else [])]
    key = "|".join(f"{p.resolve()}|{p.stat().st_size}|{p.stat().st_mtime_ns}" for p in sources)
    digest = hashlib.sha256(f"{key}|{SORTED_VERSION}".encode()).hexdigest()[:16]
    kept = paths.cache_dir() / "words" / f"en-{digest}.txt"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return kept.read_text(encoding="utf-8").split("\n")
    try:
        # Lines are "word count": every other item of the split text is a word.
        words = set(path.read_text(encoding="utf-8").lower().split()[0::2])
        if len(sources) > 1:
            words.update(sources[1].read_text(encoding="utf-8").lower().split())
    except (OSError, UnicodeDecodeError):
        return []
    ordered = sorted(words)
    with contextlib.suppress(OSError):  # a read-only cache only costs the sort next time
        atomic_write_bytes(kept, "\n".join(ordered).encode("utf-8"))
    return ordered


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
        words: Callable[[], list[str]] = dictionary_words,
    ) -> None:
        """``words``: the known words, lower case and sorted (read on first use)."""
        self.info = info
        self.pieces = pieces
        self.token_id = token_id
        self._source = words
        self._words: list[str] | None = None
        # A continuation piece's text in lower case -> its ids and texts (a cased vocabulary: several).
        self._continuations: dict[str, list[tuple[int, str]]] = {}
        self._ends: dict[tuple[int, bool], np.ndarray] = {}
        self._lock = threading.Lock()

    def _loaded(self) -> list[str]:
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
