"""Finding blanks with a regex (cheap, safe on the UI thread) and cutting the text around one.

Tokenizing never happens here: the window only needs to know where ``___`` is typed, and which
part of a long document to hand to the engine. The engine finds blanks the same way
(two or more underscores, or the model's literal mask token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloze_app.core.blanks import BLANK_PATTERN
from cloze_app.core.blanks import blank_regex as core_blank_regex

__all__ = ["BLANK_PATTERN", "ContextWindow", "blank_regex", "blank_spans", "context_window", "nearest_blank"]

# The context sent for one blank: enough for the model's window, small for a 1 MB document.
CONTEXT_CHARS = 1500
MAX_BLANKS_PER_REQUEST = 8


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


def _cut_points(text: str, lo: int, hi: int) -> tuple[int, int]:
    """Move ``lo``/``hi`` inward to a paragraph or sentence boundary so no word is cut."""
    if lo > 0:
        head = text[lo:]
        for pattern in (r"\n\s*\n", r"\n", r"[.!?]\s", r"\s"):
            found = re.search(pattern, head[: max(len(head) // 2, 1)])
            if found:
                lo += found.end()
                break
    if hi < len(text):
        tail = text[lo:hi]
        for pattern in (r"\n\s*\n", r"\n", r"[.!?]\s", r"\s"):
            matches = list(re.finditer(pattern, tail[len(tail) // 2 :]))
            if matches:
                hi = lo + len(tail) // 2 + matches[-1].start() + (1 if pattern == r"[.!?]\s" else 0)
                break
    return lo, hi


def context_window(
    text: str,
    blank: tuple[int, int],
    mask_token: str = "",
    max_chars: int = CONTEXT_CHARS,
    max_blanks: int = MAX_BLANKS_PER_REQUEST,
) -> ContextWindow:
    """The text around ``blank`` that the engine should see.

    Starts from the paragraph holding the blank, grows to ``max_chars`` around it, then cuts at
    a paragraph/sentence/word boundary. When more than ``max_blanks`` blanks fall inside, the
    window narrows to the ones nearest the focused blank.
    """
    start, end = blank
    half = max(max_chars // 2, end - start)
    lo = max(0, start - half)
    hi = min(len(text), end + half)
    lo, hi = _cut_points(text, lo, hi)
    lo = min(lo, start)
    hi = max(hi, end)
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
