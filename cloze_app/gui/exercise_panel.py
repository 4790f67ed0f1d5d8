"""Exercise mode: make a cloze exercise from a text, practise it, export it (Anki, CSV, HTML).

``ExercisePanel(service, editor)`` plugs into the main window with ``window.add_mode(panel,
"E&xercise")``. Every model call runs off the UI thread through the engine service: making an
exercise is a job on the ``"exercise"`` channel with a progress bar and Cancel, judging answers
a request on ``"exercise-check"``.

Signals:
    exercise_ready(Exercise): a new exercise is shown.
    answers_checked(list): the verdicts for the answers just checked.
    failed(str): making or checking failed; the message says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cloze_app.core.errors import ClozeError
from cloze_app.core.learn.answers import Verdict, check_answers
from cloze_app.core.learn.exercises import DIFFICULTIES, Exercise, ExerciseOptions, make_exercise
from cloze_app.core.learn.export import export_exercise
from cloze_app.gui.exercise_practice import ExercisePractice
from cloze_app.gui.file_dialogs import start_folder, suggested_path
from cloze_app.gui.jobs import JobControl

if TYPE_CHECKING:
    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.gui.editor import ClozeEditor
    from cloze_app.gui.worker import EngineService

FORMATS = (("Type the word", 0), ("Choose from 3", 3), ("Choose from 4", 4), ("Choose from 5", 5))
FORM_CREDIT = (("Wrong form: half a point", 0.5), ("Wrong form: no point", 0.0))
EXPORT_FILTER = "Anki deck (*.apkg);;Spreadsheet (*.csv);;Printable page (*.html)"
LEVEL_TIPS = (
    "Easy: content words the context makes clear.\n"
    "Medium: easy and hard words in turn.\n"
    "Hard: content words that need the whole passage.\n"
    "Grammar: articles, prepositions, pronouns, auxiliaries and verb forms."
)


def _judge(engine: ClozeEngine, exercise: Exercise, answers: dict[int, str]) -> list[Verdict]:
    return check_answers(engine, exercise, answers)


class ExercisePanel(QWidget):
    """The Exercise tab: a source text and options, then the practice view."""

    exercise_ready = Signal(object)
    answers_checked = Signal(object)
    failed = Signal(str)

    def __init__(
        self, service: EngineService, editor: ClozeEditor | None = None, parent: QWidget | None = None
    ) -> None:
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
        self.difficulty.setToolTip(LEVEL_TIPS)
        self.answer_format = QComboBox()
        for label, choices in FORMATS:
            self.answer_format.addItem(label, choices)
        self.form_credit = QComboBox()
        self.form_credit.setObjectName("formCredit")
        for label, credit in FORM_CREDIT:
            self.form_credit.addItem(label, credit)
        self.form_credit.setToolTip(
            "What the right word in the wrong form earns (“run” for “runs”, “went” for “gone”)."
        )
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
        self.progress = QProgressBar()
        self.progress.setObjectName("exerciseProgress")
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(12)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelExercise")
        self.cancel_button.clicked.connect(self.cancel)
        self._running = False
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        self.progress_box.setLayout(progress_row)
        progress_row.setContentsMargins(0, 0, 0, 0)
        self.progress_box.setVisible(False)

        options = QHBoxLayout()
        for label, widget in (("Level", self.difficulty), ("Answers", self.answer_format)):
            options.addWidget(QLabel(label))
            options.addWidget(widget)
        options.addWidget(self.form_credit)
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
        layout.addWidget(self.progress_box)
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

    def set_font_size(self, points: int) -> None:
        """The text size of the source box and the exercise (the font-size setting)."""
        font = QFont(self.source.font())
        font.setPointSize(points)
        self.source.setFont(font)
        self.practice.set_font_size(points)

    @Slot()
    def make(self) -> None:
        """Ask the model for an exercise from the source text (falls back to the Write text).

        Runs as a job: a progress bar and Cancel show while it runs.
        """
        text = self.source.toPlainText()
        if not text.strip() and self.editor is not None:
            self.take_editor_text()
            text = self.source.toPlainText()
        options = self.options()

        def job(engine: ClozeEngine, control: JobControl) -> Exercise:
            def progress(done: int, total: int, message: str) -> None:
                control.check()  # raises JobCancelled once Cancel was pressed
                control.progress(done, total, message)

            return make_exercise(engine, text, options, title="Cloze exercise", progress=progress)

        self._set_running(True)
        self.status.setText("Choosing the blanks…")
        self.service.run_job(
            "exercise",
            job,
            on_result=self.show_exercise,
            on_progress=self._progress,
            on_error=self._failed,
            on_cancelled=self._cancelled,
        )

    @Slot()
    def cancel(self) -> None:
        """Stop making the exercise."""
        self.service.cancel("exercise")
        self._cancelled()

    def _cancelled(self) -> None:
        self._set_running(False)
        self.status.setText("Cancelled.")

    def _progress(self, done: int, total: int, message: str) -> None:
        if not self._running:
            return
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        if message:
            self.status.setText(message)

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.make_button.setEnabled(not running)
        self.new_button.setEnabled(not running)
        self.progress.setRange(0, 0)  # busy until the first step is reported
        self.progress_box.setVisible(running)

    def show_exercise(self, exercise: Exercise) -> None:
        """Show an exercise in the practice view."""
        self.exercise = exercise
        self._set_running(False)
        self.practice.set_exercise(exercise, form_credit=float(self.form_credit.currentData()))
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

    def _checked(self, verdicts: list[Verdict]) -> None:
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
        self._set_running(False)
        self.practice.check_button.setEnabled(True)
        self.status.setText(text)
        self.failed.emit(text)
