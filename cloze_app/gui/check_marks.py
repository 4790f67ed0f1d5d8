"""Flags tied to the live document: a text cursor per flag, and moving old spans past new edits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtGui import QTextCursor

from cloze_app.core.checker import Flag


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
        """The flagged word's current ``(start, end)``."""
        return self.cursor.selectionStart(), self.cursor.selectionEnd()

    @property
    def valid(self) -> bool:
        """False once the word was edited (the flag no longer applies)."""
        return self.cursor.selectedText() == self.flag.word
