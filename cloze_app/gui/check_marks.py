"""Flags tied to the live document: a text cursor per flag, moving old spans past new edits, and
keeping the Check view's copy of the text in step with the Write editor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtGui import QTextCursor, QTextDocument

from cloze_app.core.learn.checker import Flag
from cloze_app.gui.offsets import TextOffsets


@dataclass(frozen=True)
class Edit:
    """One change of the document: ``removed`` characters at ``position`` replaced by ``added``."""

    position: int
    removed: int
    added: int


def shift_span(start: int, end: int, edits: Sequence[Edit]) -> tuple[int, int] | None:
    """Where ``[start, end)`` of an older text lies after ``edits`` (None: an edit touched it)."""
    for edit in edits:
        if edit.position >= end:
            continue
        if edit.position + edit.removed <= start and not (edit.removed == 0 and edit.position == start):
            delta = edit.added - edit.removed
            start, end = start + delta, end + delta
            continue
        return None
    return start, end


class Mark:
    """A flag on the document; its cursor follows edits, so its span stays right."""

    def __init__(self, cursor: QTextCursor, flag: Flag) -> None:
        self.cursor = cursor
        self.flag = flag

    @property
    def span(self) -> tuple[int, int]:
        """The flagged word's current ``(start, end)`` in Qt positions (``editor.span_of(mark.cursor)``
        gives text offsets)."""
        return self.cursor.selectionStart(), self.cursor.selectionEnd()

    @property
    def valid(self) -> bool:
        """False once the word was edited (the flag no longer applies)."""
        return self.cursor.selectedText() == self.flag.word


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix (binary search over slice comparisons: fast on long texts)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def sync_text(source: QTextDocument, target: QTextDocument) -> bool:
    """Make ``target``'s text equal ``source``'s by replacing only the part that differs (one
    edit, so the target's cursors, marks and undo history follow). Returns True if it changed."""
    new, old = source.toPlainText(), target.toPlainText()
    if new == old:
        return False
    prefix = _common_prefix(new, old)
    limit = min(len(new), len(old)) - prefix
    suffix = _common_prefix(new[::-1][:limit], old[::-1][:limit])
    offsets = TextOffsets(old)  # prefix and suffix count code points; the cursor counts UTF-16
    cursor = QTextCursor(target)
    cursor.setPosition(offsets.to_qt(prefix))
    cursor.setPosition(offsets.to_qt(len(old) - suffix), QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(new[prefix : len(new) - suffix])
    return True
