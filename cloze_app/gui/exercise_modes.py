"""Plug the learner and proofreading modes (Exercise, Check) into a main window as tabs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloze_app.core.app.settings import Settings
from cloze_app.gui.main_window import MainWindow

if TYPE_CHECKING:  # imported when a panel is built: they bring the checker, numpy, onnxruntime
    from cloze_app.gui.check_panel import CheckPanel
    from cloze_app.gui.exercise_panel import ExercisePanel

EXERCISE_TITLE, CHECK_TITLE = "E&xercise", "&Check"


def add_exercise_and_check_modes(window: MainWindow) -> tuple[ExercisePanel, CheckPanel]:
    """Add the Exercise and Check tabs beside Write; both use the window's engine and document."""
    exercise = exercise_panel(window)
    window.add_mode(exercise, EXERCISE_TITLE)
    check = check_panel(window)
    window.add_mode(check, CHECK_TITLE)
    return exercise, check


def add_exercise_and_check_modes_on_demand(window: MainWindow) -> None:
    """The same tabs, each panel built (and its modules imported) the first time it is shown:
    what the app does, so that neither delays the first suggestions."""
    window.add_mode_on_demand(lambda: exercise_panel(window), EXERCISE_TITLE)
    window.add_mode_on_demand(lambda: check_panel(window), CHECK_TITLE)


def exercise_panel(window: MainWindow) -> ExercisePanel:
    """The Exercise panel on the window's engine and document; the font-size setting (and
    Ctrl+plus/minus) sizes its text as it does the editor."""
    from cloze_app.gui.exercise_panel import ExercisePanel

    exercise = ExercisePanel(window.service, window.editor)
    exercise.set_font_size(window.settings.font_size)

    def settings_changed(settings: Settings) -> None:
        exercise.set_font_size(settings.font_size)

    window.settings_changed.connect(settings_changed)
    return exercise


def check_panel(window: MainWindow) -> CheckPanel:
    """The Check panel on the window's engine and document; the Sensitivity chosen in it is a
    setting: shown from it, saved to it."""
    from cloze_app.gui.check_panel import CheckPanel

    check = CheckPanel(window.service, window.editor)
    check.set_sensitivity(window.settings.check_sensitivity, quiet=True)

    def settings_changed(settings: Settings) -> None:
        check.set_sensitivity(settings.check_sensitivity, quiet=True)

    window.settings_changed.connect(settings_changed)
    check.sensitivity_changed.connect(lambda name: window.update_settings(check_sensitivity=name))
    return check
