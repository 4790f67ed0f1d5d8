"""Finding blanks with a regex (cheap, safe on the UI thread) and cutting the text around one.

Tokenizing never happens here: the window only needs to know where ``___`` is typed, and which
part of a long document to hand to the engine. The engine finds blanks the same way
(two or more underscores, or the model's literal mask token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloze_app.core.text import BLANK_PATTERN
from cloze_app.core.text import blank_regex as core_blank_regex

__all__ = [
    "BLANK_PATTERN",
    "CONTEXT_CHARS",
    "SEARCH_CHARS",
    "ContextWindow",
    "blank_regex",
    "blank_spans",
    "context_window",
    "nearest_blank",
]

# The context sent for one blank: the sentence or paragraph around it. The model's cost grows
# with the length of the text it reads (every candidate row carries the whole context), so a
# few hundred characters keep answers quick; a 1 MB document never goes to the engine whole.
CONTEXT_CHARS = 360
MAX_BLANKS_PER_REQUEST = 4
# How far from the cursor the window looks for the nearest blank.
SEARCH_CHARS = 2000


def blank_regex(mask_token: str = "") -> re.Pattern[str]:
    """A regex matching a blank: ``__`` or more, or the model's mask token when given."""
    return core_blank_regex([mask_token] if mask_token else [])


def blank_spans(text: str, mask_token: str = "") -> list[tuple[int, int]]:
    """``(start, end)`` of every blank in ``text``, in order."""
    return [m.span() for m in blank_regex(mask_token).finditer(text)]


def nearest_blank(text: str, position: int, mask_token: str = "") -> tuple[int, int] | None:
    """The blank containing ``position``, else the closest one (ties go to the one before)."""
    best: tuple[int, int] | None = None
    best_distance = -1
    for start, end in blank_spans(text, mask_token):
        if start <= position <= end:
            return start, end
        distance = start - position if start > position else position - end
        if best is None or distance < best_distance:
            best, best_distance = (start, end), distance
        if start > position:
            break
    return best


@dataclass(frozen=True)
class ContextWindow:
    """The piece of the document sent to the engine for one blank.

    Attributes:
        offset: where ``text`` starts in the document.
        text: the piece itself (it contains the focused blank and maybe others).
        focus: index, among the blanks in ``text``, of the blank the user is at.
        spans: document ``(start, end)`` of each blank in ``text``.
    """

    offset: int
    text: str
    focus: int
    spans: tuple[tuple[int, int], ...]

    def to_document(self, start: int, end: int) -> tuple[int, int]:
        """Convert a span inside ``text`` to document positions."""
        return start + self.offset, end + self.offset


_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"[.!?…][\"')\]]*\s+|\n")
_SPACE = re.compile(r"\s+")


def _start_at(text: str, lo: int, start: int) -> int:
    """The first position of the window: a paragraph start, else a sentence or word start."""
    before = text[lo:start]
    for pattern in (_PARAGRAPH, _SENTENCE_END, _SPACE):
        found = list(pattern.finditer(before))
        if found and (pattern is _PARAGRAPH or lo > 0):
            return lo + found[-1].end() if pattern is _PARAGRAPH else lo + found[0].end()
    return lo


def _end_at(text: str, end: int, hi: int) -> int:
    """The end of the window: a paragraph end, else a sentence or word end."""
    after = text[end:hi]
    found = _PARAGRAPH.search(after)
    if found:
        return end + found.start()
    if hi >= len(text):
        return hi
    for pattern in (_SENTENCE_END, _SPACE):
        ends = list(pattern.finditer(after))
        if ends:
            return end + ends[-1].start() + (1 if pattern is _SENTENCE_END else 0)
    return hi


def context_window(
    text: str,
    blank: tuple[int, int],
    mask_token: str = "",
    max_chars: int = CONTEXT_CHARS,
    max_blanks: int = MAX_BLANKS_PER_REQUEST,
) -> ContextWindow:
    """The text around ``blank`` that the engine should see.

    About ``max_chars`` around the blank, never past the paragraph it is in, cut at a sentence
    (else word) boundary. When more than ``max_blanks`` blanks fall inside, the window narrows
    to the ones nearest the focused blank.
    """
    start, end = blank
    half = max(max_chars // 2, end - start)
    lo = max(0, start - half)
    hi = min(len(text), end + half)
    lo = min(_start_at(text, lo, start), start)
    hi = max(_end_at(text, end, hi), end)
    pattern = blank_regex(mask_token)
    spans = [m.span() for m in pattern.finditer(text, lo, hi)]  # absolute positions
    if (start, end) not in spans:
        spans = sorted({*spans, (start, end)})
    focus = spans.index((start, end))
    if len(spans) > max_blanks:
        first = min(max(focus - max_blanks // 2, 0), len(spans) - max_blanks)
        kept = spans[first : first + max_blanks]
        before = spans[first - 1][1] if first > 0 else lo
        after = spans[first + max_blanks][0] if first + max_blanks < len(spans) else hi
        lo, hi = max(lo, before), min(hi, after)
        spans, focus = kept, focus - first
    return ContextWindow(offset=lo, text=text[lo:hi], focus=focus, spans=tuple(spans))
