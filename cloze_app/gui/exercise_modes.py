"""Plug the learner and proofreading modes (Exercise, Check) into a main window as tabs."""

from __future__ import annotations

from typing import Any

from cloze_app.gui.check_panel import CheckPanel
from cloze_app.gui.exercise_panel import ExercisePanel


def add_exercise_and_check_modes(window: Any) -> tuple[ExercisePanel, CheckPanel]:
    """Add the Exercise and Check tabs beside Write; both use the window's engine and document."""
    exercise = ExercisePanel(window.service, window.editor)
    window.add_mode(exercise, "E&xercise")
    check = CheckPanel(window.service, window.editor)
    window.add_mode(check, "&Check")
    window.exercise_panel, window.check_panel = exercise, check
    # The Sensitivity chosen in the Check tab is a setting: shown from it, saved to it.
    check.set_sensitivity(window.settings.check_sensitivity, quiet=True)
    window.settings_changed.connect(
        lambda settings: check.set_sensitivity(settings.check_sensitivity, quiet=True)
    )
    check.sensitivity_changed.connect(lambda name: window.update_settings(check_sensitivity=name))
    return exercise, check
