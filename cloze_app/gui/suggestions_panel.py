"""The panel beside the editor: ranked words for the blank at the cursor, the joint best fill,
a preview of the sentence, and "choose among my words"."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cloze_app.gui.ranked_list import RankedWord, RankedWordsView

HINT = (
    "Type <b>___</b> (three underscores) where a word is missing.<br>"
    "<b>Tab</b> jumps to the next blank · <b>Alt+1</b> inserts the first word · "
    "<b>Ctrl+Z</b> undoes."
)


def split_options(text: str) -> list[str]:
    """``"their / there, they're"`` → ``["their", "there", "they're"]`` (order kept, no repeats)."""
    parts = [part.strip() for part in re.split(r"[/,;|]", text)]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return seen


class SuggestionsPanel(QWidget):
    """Shows suggestions; says what the user picked by signals, never edits the text itself.

    Signals:
        word_chosen(str): insert this word into the current blank.
        word_previewed(str): show the sentence with this word ("" clears the preview).
        fill_all_requested(): apply the best joint filling to every blank.
        options_requested(list): rank these user-typed options for the current blank.
        back_requested(): the user pressed Esc in a list (focus should go back to the text).
    """

    word_chosen = Signal(str)
    word_previewed = Signal(str)
    fill_all_requested = Signal()
    options_requested = Signal(list)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestions")
        self.setAccessibleName("Suggestions")
        self.setMinimumWidth(260)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        self.title = QLabel("Suggestions")
        self.title.setObjectName("suggestionsTitle")
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.working = QLabel("updating…")
        self.working.setObjectName("working")
        self.working.setAccessibleName("Suggestions are being updated")
        self.working.setEnabled(False)  # drawn in the muted text colour
        self.working.hide()
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.working)
        layout.addLayout(title_row)

        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.hint)

        self.preview = QLabel()
        self.preview.setObjectName("preview")
        self.preview.setAccessibleName("Preview of the sentence")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview.setMargin(6)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout.addWidget(self.preview)

        self.candidates = RankedWordsView("Suggested words")
        self.candidates.setObjectName("candidates")
        layout.addWidget(self.candidates, 3)
        self.keys_hint = QLabel(
            "Click a word or press <b>Alt+1</b>…<b>Alt+9</b> to insert it · <b>Tab</b> next blank"
        )
        self.keys_hint.setObjectName("keysHint")
        self.keys_hint.setWordWrap(True)
        self.keys_hint.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.keys_hint)

        self.joint_label = QLabel()
        self.joint_label.setObjectName("jointFill")
        self.joint_label.setAccessibleName("Best filling of all blanks")
        self.joint_label.setWordWrap(True)
        self.joint_label.setTextFormat(Qt.TextFormat.RichText)
        self.fill_all_button = QPushButton("&Fill all blanks")
        self.fill_all_button.setObjectName("fillAll")
        self.fill_all_button.setToolTip("Put the best joint filling into every blank (Ctrl+Shift+Enter)")
        self.fill_all_button.setAccessibleName("Fill all blanks")
        self.fill_all_button.clicked.connect(self.fill_all_requested)
        joint_row = QHBoxLayout()
        joint_row.addWidget(self.joint_label, 1)
        joint_row.addWidget(self.fill_all_button)
        layout.addLayout(joint_row)

        mine = QLabel("Choose among &my words:")
        self.options_edit = QLineEdit()
        self.options_edit.setObjectName("options")
        self.options_edit.setPlaceholderText("their / there / they're")
        self.options_edit.setAccessibleName("My words for this blank, separated by slashes")
        self.options_edit.setClearButtonEnabled(True)
        mine.setBuddy(self.options_edit)
        self.rank_button = QPushButton("&Rank")
        self.rank_button.setObjectName("rankOptions")
        self.rank_button.setAccessibleName("Rank my words")
        self.rank_button.clicked.connect(self._request_options)
        self.options_edit.returnPressed.connect(self._request_options)
        options_row = QHBoxLayout()
        options_row.addWidget(self.options_edit, 1)
        options_row.addWidget(self.rank_button)
        layout.addWidget(mine)
        layout.addLayout(options_row)
        self.option_scores = RankedWordsView("My words, ranked")
        self.option_scores.setObjectName("optionScores")
        self.option_scores.setMaximumHeight(130)
        self.option_scores.hide()
        layout.addWidget(self.option_scores, 1)

        for view in (self.candidates, self.option_scores):
            view.word_chosen.connect(self.word_chosen)
            view.word_previewed.connect(self.word_previewed)
            view.escape_pressed.connect(self.back_requested)
        self.show_idle()

    # ----- what the window shows
    def show_idle(self, message: str = "") -> None:
        """No blank near the cursor: explain how to make one."""
        self.title.setText("Suggestions")
        self.hint.setText(message or HINT)
        self.hint.show()
        self.candidates.set_rows([])
        self.keys_hint.hide()
        self.preview.hide()
        self.joint_label.hide()
        self.fill_all_button.hide()
        self.option_scores.set_rows([])
        self.option_scores.hide()

    def set_working(self, working: bool) -> None:
        """Say that newer suggestions are on their way (the words shown may be older)."""
        self.working.setVisible(working)

    def show_waiting(self, title: str, loading: bool = False) -> None:
        """A blank is focused and its suggestions are on their way."""
        self.title.setText(title)
        self.candidates.set_rows([])
        self.keys_hint.hide()
        self.joint_label.hide()
        self.fill_all_button.hide()
        self.option_scores.set_rows([])
        self.option_scores.hide()
        self.hint.setText("Loading the model… words appear in a moment." if loading else "Finding words…")
        self.hint.show()

    def show_candidates(self, title: str, rows: Sequence[RankedWord], context_html: str) -> None:
        """Ranked words for the focused blank; ``context_html`` is the sentence, blank marked."""
        self.title.setText(title)
        self.hint.setVisible(not rows)
        if not rows:
            self.hint.setText("The model has no suggestion for this blank.")
        self.candidates.set_rows(rows)
        self.keys_hint.setVisible(bool(rows))
        self.set_preview(context_html)

    def show_joint(self, words: Sequence[str], blank_count: int) -> None:
        """The best filling of all blanks near the cursor (shown when there are several)."""
        if blank_count < 2 or not words:
            self.joint_label.hide()
            self.fill_all_button.setVisible(blank_count == 1 and bool(words))
            return
        joined = " · ".join(f"<b>{html.escape(w)}</b>" for w in words)
        self.joint_label.setText(f"Best together: {joined}")
        self.joint_label.show()
        self.fill_all_button.show()

    def show_options(self, rows: Sequence[RankedWord]) -> None:
        """The user's own words, ranked."""
        self.option_scores.set_rows(rows)
        self.option_scores.setVisible(bool(rows))

    def set_preview(self, context_html: str) -> None:
        """Show the sentence (rich text); empty hides it."""
        self.preview.setText(context_html)
        self.preview.setVisible(bool(context_html))

    def focus_candidates(self) -> None:
        """Move keyboard focus to the list, first row current."""
        self.candidates.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.candidates.words.rowCount() and not self.candidates.currentIndex().isValid():
            self.candidates.setCurrentIndex(self.candidates.words.index(0))

    @Slot()
    def _request_options(self) -> None:
        options = split_options(self.options_edit.text())
        if options:
            self.options_requested.emit(options)
