"""Text offsets where the window meets the core: Qt counts UTF-16 units (an emoji is two), the
core counts code points. Property tests over any Unicode text, and the cases users hit: emoji or
CJK before a blank (Alt+1, the underline) and edits in the Check tab."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor, QTextDocument

from cloze_app.core.learn.checker import CheckReport, Flag
from cloze_app.gui.check_marks import sync_text
from cloze_app.gui.check_panel import CheckPanel
from cloze_app.gui.editor import ClozeEditor
from cloze_app.gui.offsets import TextOffsets
from tests.gui.conftest import wait_for_words

# Any character a user can have in a document: every plane, combining marks, ZWJ sequences, RTL.
# Lone surrogates cannot exist in a Qt string (the window replaces them on load).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
WIDE = st.sampled_from(["🍕", "👩‍👩‍👧", "𝔸", "𠀋", "中文", "é", "\u0301", "\u200d", "ﷺ", "\U0010fffd"])
MIXED = st.lists(st.one_of(WIDE, st.text(max_size=3)), max_size=12).map("".join)
# No example database: nothing is written into the checkout (or anywhere outside tmp dirs).
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def qt_text(selection: str) -> str:
    """Qt's selectedText() writes paragraph breaks as U+2029; toPlainText() as newlines."""
    return selection.replace("\u2029", "\n").replace("\u2028", "\n").replace("\u00a0", " ")


@given(text=st.one_of(ANY_TEXT, MIXED), data=st.data())
@settings(max_examples=300, deadline=None, database=None)
def test_conversion_matches_utf16_and_round_trips(text: str, data: Any) -> None:
    offsets = TextOffsets(text)
    assert offsets.qt_length == utf16(text)
    for index in range(len(text) + 1):
        assert offsets.to_qt(index) == utf16(text[:index])
        assert offsets.from_qt(offsets.to_qt(index)) == index
    position = data.draw(st.integers(-3, offsets.qt_length + 3))
    index = offsets.from_qt(position)
    assert 0 <= index <= len(text) and offsets.to_qt(index) <= max(position, 0)


@given(text=st.one_of(ANY_TEXT, MIXED), data=st.data())
@PROPERTY
def test_spans_select_the_same_text_in_a_qt_document(qapp, text: str, data: Any) -> None:  # type: ignore[no-untyped-def]
    document = QTextDocument()
    document.setPlainText(text)
    plain = document.toPlainText()
    offsets = TextOffsets(plain)
    assert offsets.qt_length == document.characterCount() - 1
    start = data.draw(st.integers(0, len(plain)))
    end = data.draw(st.integers(start, len(plain)))
    cursor = QTextCursor(document)
    cursor.setPosition(offsets.to_qt(start))
    cursor.setPosition(offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
    assert qt_text(cursor.selectedText()) == qt_text(plain[start:end])


# Text around the one blank: no underscores, which could make a second blank before it.
PLAIN = MIXED.map(lambda text: text.replace("_", "-"))


@given(before=PLAIN, after=PLAIN, word=st.sampled_from(["cat", "猫", "🐈", "chat"]))
@PROPERTY
def test_a_word_replaces_the_blank_wherever_it_is(qapp, before: str, after: str, word: str) -> None:  # type: ignore[no-untyped-def]
    editor = ClozeEditor()
    text = f"{before} ___ {after}"
    editor.setPlainText(text)
    plain = editor.text()
    start = plain.index(" ___ ") + 1
    assert editor.find_blank(0) == (start, start + 3)
    editor.replace_span(start, start + 3, word)
    assert editor.text() == plain[:start] + word + plain[start + 3 :]
    assert editor.cursor_position() == start + len(word)


@given(old=st.one_of(ANY_TEXT, MIXED), new=st.one_of(ANY_TEXT, MIXED))
@PROPERTY
def test_sync_text_makes_the_copy_equal_whatever_the_text(qapp, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    source, target = QTextDocument(), QTextDocument()
    target.setPlainText(old)
    source.setPlainText(new)
    sync_text(source, target)
    assert target.toPlainText() == source.toPlainText()


def test_check_tab_edits_after_emoji_never_garble_the_document(qapp) -> None:  # type: ignore[no-untyped-def]
    """The reported case: 'X🍕🍕 The dog barked at the ca more wordst.ds' must never happen."""
    editor = ClozeEditor()
    editor.setPlainText("🍕🍕 The dog barked at the cat.")
    panel = CheckPanel(service=None, editor=editor)
    panel.show()
    view = panel.view
    view.replace_span(0, 0, "X")
    end = view.text().index("cat") + 3
    view.replace_span(end, end, " more words")
    assert editor.text() == "X🍕🍕 The dog barked at the cat more words."
    panel.close()


class _Service:
    """Runs nothing: hands the check's callbacks to the test."""

    def run_job(self, _channel: str, _job: Any, *, on_result: Any, **_callbacks: Any) -> int:
        self.on_result = on_result
        return 1


def test_flags_after_emoji_underline_and_replace_the_right_word(qapp) -> None:  # type: ignore[no-untyped-def]
    text = "🍕 中文 𝔸 The dog barkd at the cat."
    editor = ClozeEditor()
    editor.setPlainText(text)
    service = _Service()
    panel = CheckPanel(service=service, editor=editor)
    panel.start_check()
    start = text.index("barkd")
    flag = Flag(start, start + 5, "barkd", "spelling", ())
    panel.view.replace_span(0, 0, "🍕")  # an edit while the check runs, before the flag
    report = CheckReport(text=text, flags=(flag,), words_checked=7, words_total=7, calls=1)
    service.on_result(report)
    assert [panel.view.span_text(*panel.view.span_of(m.cursor)) for m in panel.marks] == ["barkd"]
    underlined = [s.cursor.selectedText() for s in panel.view.extraSelections()]  # type: ignore[attr-defined]
    assert underlined == ["barkd"]
    panel.apply(panel.marks[0], "barked")
    assert editor.text() == "🍕" + text.replace("barkd", "barked")


@pytest.mark.parametrize("before", ["🍕🍕 ", "中文，", "👩‍👩‍👧 𝔸𝔹 ", "é\u0301 "])
def test_alt_1_after_emoji_or_cjk_inserts_the_top_word_in_the_blank(  # type: ignore[no-untyped-def]
    qtbot, make_window, before: str
) -> None:
    window = make_window()
    text = f"{before}The dog barked at the ___ all night.\n{before}Tab finds ___ too."
    window.editor.setPlainText(text)
    window.editor.setFocus()
    qtbot.keyClick(window.editor, Qt.Key.Key_Tab)  # Tab selects the first blank, after the emoji
    start = text.index("___")
    assert window.editor.span_of(window.editor.textCursor()) == (start, start + 3)
    window.suggestions.refresh()
    words = wait_for_words(qtbot, window)
    active = [
        s.cursor.selectedText()  # type: ignore[attr-defined]
        for s in window.editor.extraSelections()
    ]
    assert active == ["___"]  # the underline sits on the blank, not beside it
    qtbot.keyClick(window.editor, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.editor.text() == text.replace("___", words[0], 1)
