"""Plug the learner and proofreading modes (Exercise, Check) into a main window as tabs."""

from __future__ import annotations

from cloze_app.core.app.settings import Settings
from cloze_app.gui.check_panel import CheckPanel
from cloze_app.gui.exercise_panel import ExercisePanel
from cloze_app.gui.main_window import MainWindow


def add_exercise_and_check_modes(window: MainWindow) -> tuple[ExercisePanel, CheckPanel]:
    """Add the Exercise and Check tabs beside Write; both use the window's engine and document."""
    exercise = ExercisePanel(window.service, window.editor)
    window.add_mode(exercise, "E&xercise")
    check = CheckPanel(window.service, window.editor)
    window.add_mode(check, "&Check")
    # The font-size setting (and Ctrl+plus/minus) sizes the Exercise text as it does the editor.
    exercise.set_font_size(window.settings.font_size)
    # The Sensitivity chosen in the Check tab is a setting: shown from it, saved to it.
    check.set_sensitivity(window.settings.check_sensitivity, quiet=True)

    def settings_changed(settings: Settings) -> None:
        exercise.set_font_size(settings.font_size)
        check.set_sensitivity(settings.check_sensitivity, quiet=True)

    window.settings_changed.connect(settings_changed)
    check.sensitivity_changed.connect(lambda name: window.update_settings(check_sensitivity=name))
    return exercise, check
