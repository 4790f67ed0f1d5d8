"""The practice view of an exercise: the passage with numbered blanks, one answer row per blank."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cloze_app.core.learn.answers import ALSO_FITS, CORRECT, EMPTY, ExerciseSession, Verdict
from cloze_app.core.learn.exercises import Exercise, ExerciseItem

COLOURS = {CORRECT: "#1b7f3b", ALSO_FITS: "#8a6d00", "wrong": "#b3261e", EMPTY: "#666666"}
NO_CHOICE = "—"


class AnswerRow:
    """The widgets of one blank: number, answer box (line edit or choices), hint button, verdict."""

    def __init__(
        self,
        item: ExerciseItem,
        grid: QGridLayout,
        row: int,
        on_hint: Callable[[int], None],
        on_enter: Callable[[], None],
    ) -> None:
        self.item = item
        self.number = QLabel(f"<b>{item.number}</b>")
        self.edit: QLineEdit | None = None
        self.combo: QComboBox | None = None
        if item.is_multiple_choice:
            self.combo = QComboBox()
            self.combo.setObjectName(f"choice{item.number}")
            self.combo.addItems([NO_CHOICE, *item.choices])
            self.combo.setAccessibleName(f"Choice for blank {item.number}")
            field: QWidget = self.combo
        else:
            self.edit = QLineEdit()
            self.edit.setObjectName(f"answer{item.number}")
            self.edit.setPlaceholderText("type the missing word")
            self.edit.setAccessibleName(f"Answer for blank {item.number}")
            self.edit.returnPressed.connect(on_enter)
            field = self.edit
        self.hint_button = QPushButton("Hint")
        self.hint_button.setToolTip("First letter, then the length of the word")
        self.hint_button.clicked.connect(lambda _checked=False: on_hint(item.number))
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.number, row, 0)
        grid.addWidget(field, row, 1)
        grid.addWidget(self.hint_button, row, 2)
        grid.addWidget(self.verdict, row, 3)

    def given(self) -> str:
        """What the learner entered ("" when nothing yet)."""
        if self.combo is not None:
            text = self.combo.currentText()
            return "" if text == NO_CHOICE else text
        assert self.edit is not None
        return self.edit.text().strip()

    def set_given(self, text: str) -> None:
        """Enter an answer as the learner would."""
        if self.combo is not None:
            index = self.combo.findText(text, Qt.MatchFlag.MatchFixedString)
            self.combo.setCurrentIndex(max(0, index))
        elif self.edit is not None:
            self.edit.setText(text)

    def show_verdict(self, verdict: Verdict) -> None:
        colour = COLOURS.get(verdict.status, "#000000")
        text = html.escape(verdict.message().split(". ", 1)[-1])
        self.verdict.setText(f'<span style="color:{colour}">{text}</span>')


class ExercisePractice(QWidget):
    """Shows one exercise and collects answers; the panel asks the model to judge them.

    Signals:
        hint_requested(int): the Hint button of blank ``n`` was pressed.
        check_requested(dict): Check was pressed; ``{number: given}`` for the answered blanks.
    """

    hint_requested = Signal(int)
    check_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ExerciseSession | None = None
        self.rows: dict[int, AnswerRow] = {}
        self.passage = QTextBrowser()
        self.passage.setObjectName("exercisePassage")
        self.passage.setAccessibleName("Exercise text")
        self.answer_area = QScrollArea()
        self.answer_area.setWidgetResizable(True)
        self.check_button = QPushButton("Check answers")
        self.check_button.setObjectName("checkAnswers")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self._check_clicked)
        self.score = QLabel("")
        self.score.setObjectName("exerciseScore")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.passage)
        split.addWidget(self.answer_area)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split, 1)
        layout.addWidget(self.score)
        layout.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignRight)
        self.hint_requested.connect(self.show_hint)

    def set_exercise(self, exercise: Exercise) -> None:
        """Show a new exercise with empty answers."""
        self.session = ExerciseSession(exercise)
        self.rows.clear()
        box = QWidget()
        grid = QGridLayout(box)
        grid.setColumnStretch(3, 1)
        for row, item in enumerate(exercise.items):
            self.rows[item.number] = AnswerRow(item, grid, row, self.hint_requested.emit, self._check_clicked)
        grid.setRowStretch(len(exercise.items), 1)
        self.answer_area.setWidget(box)
        self.score.setText(f"{len(exercise.items)} blanks. Fill them in, then press Check answers.")
        self.render_passage()

    def render_passage(self) -> None:
        """The text with numbered blanks; judged blanks show the answer given, in colour."""
        if self.session is None:
            return
        parts = []
        for seg in self.session.exercise.segments():
            if isinstance(seg, str):
                parts.append(html.escape(seg).replace("\n", "<br>"))
                continue
            verdict = self.session.verdicts.get(seg.number)
            if verdict is None or verdict.status == EMPTY:
                shown, colour = "&nbsp;" * 12, "#000000"
            else:
                shown, colour = html.escape(verdict.given), COLOURS[verdict.status]
            style = f"color:{colour}; text-decoration: underline"
            parts.append(f'<sup>{seg.number}</sup><span style="{style}">{shown}</span>')
        self.passage.setHtml(f'<div style="font-size: 13pt; line-height: 150%">{"".join(parts)}</div>')

    def answers(self) -> dict[int, str]:
        """``{number: given}`` for every blank with an answer."""
        return {n: row.given() for n, row in self.rows.items() if row.given()}

    @Slot(int)
    def show_hint(self, number: int) -> None:
        """Show the next hint for blank ``number`` in its row."""
        if self.session is None:
            return
        self.rows[number].verdict.setText(html.escape("Hint: " + self.session.hint(number)))

    def _check_clicked(self) -> None:
        self.check_requested.emit(self.answers())

    def show_verdicts(self, verdicts: list[Verdict]) -> None:
        """Record and show the model's verdicts, then the score."""
        if self.session is None:
            return
        for verdict in verdicts:
            self.session.record(verdict)
            if verdict.number in self.rows:
                self.rows[verdict.number].show_verdict(verdict)
        self.render_passage()
        self.score.setText(self.session.score().summary())
