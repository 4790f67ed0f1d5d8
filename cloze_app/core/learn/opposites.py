"""Words of opposite meaning (buy/sell, early/late, open/closed), from WordNet's antonyms.

The exercise judge refuses an opposite of the answer whatever the model says: a masked model
finds "sold" as likely as "bought" in most sentences, and its word vectors put opposites close
together, yet a teacher marks the opposite wrong. The table (``opposites.tsv``, lemmas) is built
by ``scripts/build_opposites.py`` from WordNet 3.0 (Princeton University; its license is
``LICENSE.wordnet.txt``); a word's forms are compared by their lemmas (lemminflect).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from cloze_app.core.learn import lexicon

TABLE = Path(__file__).with_name("opposites.tsv")


@functools.cache
def _table() -> Mapping[str, frozenset[str]]:
    table: dict[str, frozenset[str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, others = line.partition("\t")
            table[word] = frozenset(others.split())
    return table


def _lemmas(word: str) -> frozenset[str]:
    word = word.casefold()
    return lexicon.lemmas(word) | {word}


def opposite(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` (single words, any form: "sold", "bought") are of opposite meaning
    in some sense WordNet knows."""
    if len(a.split()) != 1 or len(b.split()) != 1:
        return False
    table = _table()
    others = _lemmas(b)
    return any(not table.get(x, frozenset()).isdisjoint(others) for x in _lemmas(a))
