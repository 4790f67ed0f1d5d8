"""The practice view of an exercise: the passage with numbered blanks, one answer row per blank."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
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

from cloze_app.core.learn.answers import (
    ALSO_FITS,
    CORRECT,
    EMPTY,
    WRONG,
    WRONG_FORM,
    ExerciseSession,
    Verdict,
)
from cloze_app.core.learn.exercises import Exercise, ExerciseItem

# Verdict colours for a light and a dark background; each reads at 4.5:1 or more on its own
# background (WCAG AA), checked by tests/gui/test_exercise_panel.py.
LIGHT = {CORRECT: "#1b7f3b", ALSO_FITS: "#7a5c00", WRONG_FORM: "#9a4a00", WRONG: "#b3261e"}
DARK = {CORRECT: "#7ddc9b", ALSO_FITS: "#f0c75e", WRONG_FORM: "#ffb570", WRONG: "#ff8f85"}
NO_CHOICE = "—"
PLACEHOLDER = "type the missing word"


def is_dark(palette: QPalette) -> bool:
    """True when the palette draws text on a dark background."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def verdict_colours(palette: QPalette) -> dict[str, str]:
    """Colours of the verdicts for this palette; an unanswered blank takes the text colour."""
    colours = dict(DARK if is_dark(palette) else LIGHT)
    colours[EMPTY] = palette.color(QPalette.ColorRole.Text).name()
    return colours


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


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
            self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            field: QWidget = self.combo
        else:
            self.edit = QLineEdit()
            self.edit.setObjectName(f"answer{item.number}")
            self.edit.setPlaceholderText(PLACEHOLDER)
            # Wide enough for the placeholder (and a long word) whatever the font size.
            self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance(PLACEHOLDER + "MM") + 16)
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
        colour = verdict_colours(self.verdict.palette())[verdict.status]
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
        self.font_size = 13
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

    def set_font_size(self, points: int) -> None:
        """The passage's text size (the font-size setting)."""
        self.font_size = points
        self.render_passage()

    def set_exercise(self, exercise: Exercise, form_credit: float = 0.5) -> None:
        """Show a new exercise with empty answers; a right word in the wrong form earns
        ``form_credit`` points."""
        self.session = ExerciseSession(exercise, form_credit=form_credit)
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
        colours = verdict_colours(self.passage.palette())
        for seg in self.session.exercise.segments():
            if isinstance(seg, str):
                parts.append(html.escape(seg).replace("\n", "<br>"))
                continue
            verdict = self.session.verdicts.get(seg.number)
            if verdict is None or verdict.status == EMPTY:
                shown, colour = "&nbsp;" * 12, colours[EMPTY]  # the blank line in the text colour
            else:
                shown, colour = html.escape(verdict.given), colours[verdict.status]
            style = f"color:{colour}; text-decoration: underline"
            parts.append(f'<sup>{seg.number}</sup><span style="{style}">{shown}</span>')
        size = self.font_size
        self.passage.setHtml(f'<div style="font-size: {size}pt; line-height: 150%">{"".join(parts)}</div>')

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
