"""Exercise mode: make a cloze exercise from a text, practise it, export it (Anki, CSV, HTML).

``ExercisePanel(service, editor)`` plugs into the main window with ``window.add_mode(panel,
"E&xercise")``. Every model call goes through ``service.submit`` on the channels
``"exercise"`` (making) and ``"exercise-check"`` (judging answers), off the UI thread.

Signals:
    exercise_ready(Exercise): a new exercise is shown.
    answers_checked(list): the verdicts for the answers just checked.
    failed(str): making or checking failed; the message says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cloze_app.core.errors import ClozeError
from cloze_app.core.learn.answers import check_answers
from cloze_app.core.learn.exercises import DIFFICULTIES, Exercise, ExerciseOptions, make_exercise
from cloze_app.core.learn.export import export_exercise
from cloze_app.gui.exercise_practice import ExercisePractice
from cloze_app.gui.file_dialogs import start_folder, suggested_path

FORMATS = (("Type the word", 0), ("Choose from 3", 3), ("Choose from 4", 4), ("Choose from 5", 5))
EXPORT_FILTER = "Anki deck (*.apkg);;Spreadsheet (*.csv);;Printable page (*.html)"


def _make(engine: Any, text: str, options: ExerciseOptions, title: str) -> Exercise:
    return make_exercise(engine, text, options, title=title)


def _judge(engine: Any, exercise: Exercise, answers: dict[int, str]) -> list[Any]:
    return check_answers(engine, exercise, answers)


class ExercisePanel(QWidget):
    """The Exercise tab: a source text and options, then the practice view."""

    exercise_ready = Signal(object)
    answers_checked = Signal(object)
    failed = Signal(str)

    def __init__(self, service: Any, editor: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exercisePanel")
        self.service = service
        self.editor = editor
        self.exercise: Exercise | None = None
        self.pages = QStackedWidget()

        self.source = QPlainTextEdit()
        self.source.setObjectName("exerciseSource")
        self.source.setAccessibleName("Text for the exercise")
        self.source.setPlaceholderText(
            "Paste a text you care about, open a file, or take the text from the Write tab. "
            "The model chooses which words to blank."
        )
        self.difficulty = QComboBox()
        for level in DIFFICULTIES:
            self.difficulty.addItem(level.capitalize(), level)
        self.difficulty.setCurrentIndex(1)
        self.difficulty.setToolTip(
            "Easy: words the model predicts confidently from the context.\n"
            "Hard: content words the context supports less."
        )
        self.answer_format = QComboBox()
        for label, choices in FORMATS:
            self.answer_format.addItem(label, choices)
        self.selection = QComboBox()
        self.selection.addItems(["Words chosen by the model", "Every n-th word"])
        self.every = QSpinBox()
        self.every.setRange(2, 30)
        self.every.setValue(7)
        self.every.setPrefix("n = ")
        self.every.setEnabled(False)
        self.selection.currentIndexChanged.connect(lambda i: self.every.setEnabled(i == 1))
        self.use_write = QPushButton("Use Write text")
        self.use_write.setEnabled(editor is not None)
        self.use_write.clicked.connect(self.take_editor_text)
        self.open_button = QPushButton("Open…")
        self.open_button.clicked.connect(self._open_file)
        self.make_button = QPushButton("Make exercise")
        self.make_button.setObjectName("makeExercise")
        self.make_button.clicked.connect(self.make)

        self.practice = ExercisePractice()
        self.practice.check_requested.connect(self.check)
        self.back_button = QPushButton("← Text and options")
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Anki (.apkg), CSV or a printable page with an answer key")
        self.export_button.clicked.connect(self._export_clicked)
        self.new_button = QPushButton("New exercise")
        self.new_button.clicked.connect(self.make)
        self.status = QLabel("")
        self.status.setObjectName("exerciseStatus")
        self.status.setWordWrap(True)

        options = QHBoxLayout()
        for label, widget in (("Difficulty", self.difficulty), ("Answers", self.answer_format)):
            options.addWidget(QLabel(label))
            options.addWidget(widget)
        options.addWidget(self.selection)
        options.addWidget(self.every)
        options.addStretch(1)
        options.addWidget(self.use_write)
        options.addWidget(self.open_button)
        options.addWidget(self.make_button)
        setup = QWidget()
        setup_layout = QVBoxLayout(setup)
        setup_layout.setContentsMargins(0, 0, 0, 0)
        setup_layout.addLayout(options)
        setup_layout.addWidget(self.source, 1)

        practice_bar = QHBoxLayout()
        practice_bar.addWidget(self.back_button)
        practice_bar.addStretch(1)
        practice_bar.addWidget(self.new_button)
        practice_bar.addWidget(self.export_button)
        practice_page = QWidget()
        practice_layout = QVBoxLayout(practice_page)
        practice_layout.setContentsMargins(0, 0, 0, 0)
        practice_layout.addLayout(practice_bar)
        practice_layout.addWidget(self.practice, 1)

        self.pages.addWidget(setup)
        self.pages.addWidget(practice_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)

    # ----- making
    def options(self) -> ExerciseOptions:
        """The options the controls show."""
        return ExerciseOptions(
            difficulty=self.difficulty.currentData(),
            choices=int(self.answer_format.currentData()),
            every_n=self.every.value() if self.selection.currentIndex() == 1 else 0,
        )

    @Slot()
    def take_editor_text(self) -> None:
        """Copy the Write tab's text into the source box."""
        if self.editor is not None:
            self.source.setPlainText(self.editor.text())

    def _open_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open a text", str(start_folder(None)), "Text (*.txt *.md);;All files (*)"
        )
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path) -> None:
        """Put a UTF-8 text file into the source box."""
        try:
            self.source.setPlainText(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            self._fail(f"Could not read {path.name}: {exc}")

    @Slot()
    def make(self) -> None:
        """Ask the model for an exercise from the source text (falls back to the Write text)."""
        text = self.source.toPlainText()
        if not text.strip() and self.editor is not None:
            self.take_editor_text()
            text = self.source.toPlainText()
        self.make_button.setEnabled(False)
        self.new_button.setEnabled(False)
        self.status.setText("Choosing the blanks…")
        self.service.submit(
            "exercise",
            _make,
            text,
            self.options(),
            "Cloze exercise",
            on_result=self.show_exercise,
            on_error=self._failed,
        )

    def show_exercise(self, exercise: Exercise) -> None:
        """Show an exercise in the practice view."""
        self.exercise = exercise
        self.make_button.setEnabled(True)
        self.new_button.setEnabled(True)
        self.practice.set_exercise(exercise)
        self.pages.setCurrentIndex(1)
        kind = "multiple choice" if any(i.is_multiple_choice for i in exercise.items) else "open answers"
        self.status.setText(f"{len(exercise.items)} blanks, {exercise.difficulty}, {kind}.")
        self.exercise_ready.emit(exercise)

    # ----- checking
    @Slot(object)
    def check(self, answers: dict[int, str]) -> None:
        """Ask the model to judge the answers given so far."""
        if self.exercise is None or not answers:
            self.status.setText("Type at least one answer first.")
            return
        self.practice.check_button.setEnabled(False)
        self.status.setText("Checking…")
        self.service.submit(
            "exercise-check", _judge, self.exercise, answers, on_result=self._checked, on_error=self._failed
        )

    def _checked(self, verdicts: list[Any]) -> None:
        self.practice.check_button.setEnabled(True)
        self.practice.show_verdicts(verdicts)
        self.status.setText("")
        self.answers_checked.emit(verdicts)

    # ----- export
    def _export_clicked(self) -> None:
        start = str(suggested_path(None, "exercise.apkg"))  # the Documents folder, not the cwd
        name, _ = QFileDialog.getSaveFileName(self, "Export exercise", start, EXPORT_FILTER)
        if name:
            self.export(Path(name))

    def export(self, path: Path) -> bool:
        """Write the exercise to ``path`` (.apkg, .csv or .html); the status says what happened."""
        if self.exercise is None:
            return False
        try:
            self.status.setText(export_exercise(self.exercise, path))
        except (ClozeError, OSError) as exc:
            self._fail(str(exc))
            return False
        return True

    # ----- errors
    def _failed(self, error: BaseException) -> None:
        text = str(error) if isinstance(error, ClozeError) else f"{type(error).__name__}: {error}"
        self._fail(text)

    def _fail(self, text: str) -> None:
        self.make_button.setEnabled(True)
        self.new_button.setEnabled(True)
        self.practice.check_button.setEnabled(True)
        self.status.setText(text)
        self.failed.emit(text)
