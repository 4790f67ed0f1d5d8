"""Fill all blanks in Write fills every blank of the document, far ones in batches, one undo."""

from __future__ import annotations

from cloze_app.core.text import MAX_BLANKS_PER_REQUEST, blank_regex
from cloze_app.gui.suggest import fill_windows
from tests.gui.conftest import wait_for_words


def test_fill_windows_cover_every_blank_once_in_batches() -> None:
    text = "\n\n".join(["the ___ sat on the ___ and the ___ ran ."] * 4)  # 12 blanks, 4 paragraphs
    spans = [m.span() for m in blank_regex().finditer(text)]
    windows = fill_windows(text, spans)
    covered = [span for window in windows for span in window.spans]
    assert sorted(covered) == spans  # every blank exactly once
    assert all(len(w.spans) <= MAX_BLANKS_PER_REQUEST for w in windows)
    assert len(windows) == 4  # a window never crosses a paragraph


def test_fill_all_fills_every_blank_of_a_long_document_as_one_undo_step(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    text = "\n\n".join(["the ___ sat on the ___ ."] * 3)  # six blanks, the window sees two
    window.editor.setPlainText(text)
    cursor = window.editor.textCursor()
    cursor.setPosition(5)  # in the first blank
    window.editor.setTextCursor(cursor)
    wait_for_words(qtbot, window)
    assert window.suggestions.fill_all()
    qtbot.waitUntil(lambda: "___" not in window.editor.text(), timeout=20_000)
    assert window.editor.text().count("\n\n") == 2
    window.editor.undo()
    assert window.editor.text() == text
