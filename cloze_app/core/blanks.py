"""Finding blanks and words in the user's text, and the case a filled word should take."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from cloze_app.core.types import Blank

BLANK_PATTERN = r"_{2,}"
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = frozenset(".!?…。！？")
_OPENERS = frozenset("\"'“‘«([{¿¡-—–*")


def blank_regex(mask_tokens: Iterable[str] = ()) -> re.Pattern[str]:
    """``___`` (two or more underscores) or any of the literal mask tokens."""
    alternatives = [BLANK_PATTERN] + [re.escape(tok) for tok in mask_tokens if tok]
    return re.compile("|".join(alternatives))


def find_blanks(text: str, mask_tokens: Iterable[str] = ()) -> list[Blank]:
    """Every blank in ``text``, in order."""
    return [Blank(i, m.start(), m.end()) for i, m in enumerate(blank_regex(mask_tokens).finditer(text))]


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` (letters, with inner ' and -), in order."""
    return [m.span() for m in _WORD_RE.finditer(text)]


def starts_sentence(text: str, position: int) -> bool:
    """True when a word at ``position`` begins a sentence (text start, after . ! ? or a blank line)."""
    i = position - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    newlines = 0
    while i >= 0 and text[i].isspace():
        newlines += text[i] == "\n"
        i -= 1
    if i < 0 or newlines >= 2:
        return True
    return text[i] in _SENTENCE_END or (text[i] in "\"'”’)" and i > 0 and text[i - 1] in _SENTENCE_END)


def spaced_before(text: str, position: int) -> bool:
    """True when the character before ``position`` is white space (or there is none)."""
    return position > 0 and text[position - 1].isspace()


def apply_case(word: str, *, sentence_start: bool, truecase: frozenset[str] = frozenset()) -> str:
    """Capitalise a word at a sentence start or when the model's lexicon says it is a name."""
    if not word:
        return word
    if word.lower() in truecase:
        word = word[0].upper() + word[1:]
    if sentence_start and word[0].islower():
        word = word[0].upper() + word[1:]
    return word


def fill_text(text: str, spans: Sequence[tuple[int, int]], words: Sequence[str]) -> str:
    """``text`` with each span replaced by its word; every other character is kept exactly."""
    pieces, previous = [], 0
    for (start, end), word in zip(spans, words, strict=True):
        pieces += [text[previous:start], word]
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces)
