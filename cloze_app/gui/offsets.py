"""The one conversion between Qt text positions and Python string indices.

Qt counts a document's positions in UTF-16 code units: an emoji or any other character outside
the Basic Multilingual Plane (🍕, 𝔸, many CJK extension characters) takes two. Python strings,
and so the whole core (blanks, flags, candidates), count code points: one per character. Every
place where a position crosses between a ``QTextCursor``/``QTextDocument`` and the core goes
through :class:`TextOffsets`; nothing else in the GUI adds or subtracts positions of its own.

Convention: a "text offset" (what the core, autosave and the editor's public methods use) is a
code point index into ``editor.text()``; a "Qt position" only ever lives inside a QTextCursor or
is handed straight to one.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class TextOffsets:
    """Converts between code point offsets and UTF-16 positions for one text.

    Built once per version of the text: it finds the characters that take two UTF-16 units
    (a regex scan, fast even for a megabyte), then each conversion is a binary search.
    """

    __slots__ = ("_astral", "_qt_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._astral = [] if text.isascii() else [m.start() for m in _ASTRAL.finditer(text)]
        # The Qt position where the k-th astral character starts (its two units: p and p + 1).
        self._qt_starts = [index + k for k, index in enumerate(self._astral)]

    @property
    def qt_length(self) -> int:
        """The text's length in UTF-16 code units (what Qt counts)."""
        return len(self.text) + len(self._astral)

    def to_qt(self, offset: int) -> int:
        """The Qt position of code point ``offset`` (clamped into the text)."""
        offset = min(max(offset, 0), len(self.text))
        return offset + bisect_left(self._astral, offset)

    def from_qt(self, position: int) -> int:
        """The code point offset of Qt ``position`` (clamped; a position between the two halves
        of a surrogate pair counts as the start of that character)."""
        position = min(max(position, 0), self.qt_length)
        return position - bisect_right(self._qt_starts, position - 1)

    def span_to_qt(self, start: int, end: int) -> tuple[int, int]:
        """A code point span as Qt positions."""
        return self.to_qt(start), self.to_qt(end)

    def span_from_qt(self, start: int, end: int) -> tuple[int, int]:
        """A Qt span as code point offsets."""
        return self.from_qt(start), self.from_qt(end)


def utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` takes (its length as Qt counts it)."""
    return TextOffsets(text).qt_length
