"""Screenshots of the window in a light and a dark theme at two sizes, to check looks by eye.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_themes.py [--model ID|PATH] [--out DIR]

Writes ``theme-{light,dark}-{1400x900,900x600}.png`` (the Write tab with suggestions for a
sentence with two blanks; the small one with the find bar open), and
``theme-{light,dark}-{settings-general,settings-models,exercise,check}.png`` to docs/screenshots.
Each theme runs in its own process with Qt's Fusion style, so every colour comes from the
palette the way a desktop theme would set it. Config and data go to a temporary folder: the
user's settings are never touched.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SIZES = ((1400, 900), (900, 600))
WRITE_TEXT = (
    "Dear Anna,\n\nThank you for the lovely weekend. The children still talk about the ___ we "
    "built on the beach, and Tom has not stopped asking when we can ___ again.\n\n"
    "See you soon,\nMaria\n"
)
EXERCISE_TEXT = (
    "Every summer my grandmother opened her small bakery by the sea. She woke before dawn, lit the "
    "old oven and kneaded the dough while the town was still asleep. By seven o'clock the smell of "
    "fresh bread filled the narrow street, and a long queue of fishermen waited at the door."
)
CHECK_TEXT = (
    "Once upon a time there lived a king. He had three daughters, and the youngest was the most "
    "beautiful of them all. Her sisters was jealous of her. One day she lost her golden ball in the "
    "well. She sat down and began too cry. Then a frog put its head out of the water and asked "
    "what was the matter."
)
DARK = {
    "Window": "#2b2b2b",
    "WindowText": "#e6e6e6",
    "Base": "#1e1e1e",
    "AlternateBase": "#262626",
    "ToolTipBase": "#3a3a3a",
    "ToolTipText": "#e6e6e6",
    "PlaceholderText": "#8c8c8c",
    "Text": "#e6e6e6",
    "Button": "#353535",
    "ButtonText": "#e6e6e6",
    "BrightText": "#ff6b6b",
    "Light": "#4a4a4a",
    "Midlight": "#3c3c3c",
    "Mid": "#2f2f2f",
    "Dark": "#1a1a1a",
    "Shadow": "#000000",
    "Highlight": "#3d7bd9",
    "HighlightedText": "#ffffff",
    "Link": "#6fa8ff",
    "LinkVisited": "#b48ef0",
}


def dark_palette() -> object:
    """A complete dark palette (every role), like a desktop's dark theme gives Qt."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    for role, color in DARK.items():
        palette.setColor(getattr(QPalette.ColorRole, role), QColor(color))
    for role in ("Text", "WindowText", "ButtonText"):
        palette.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#7a7a7a"))
    return palette


def _changed(label: object, before: str) -> bool:
    """Whether a label's text is no longer ``before``."""
    return bool(label.text() != before)  # type: ignore[attr-defined]


def _wait(app: object, done: Callable[[], bool], timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while not done():
        app.processEvents()  # type: ignore[attr-defined]
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def _settle(app: object, seconds: float) -> None:
    _wait(app, lambda: False, seconds)


def shoot(theme: str, model_arg: str | None, out: Path) -> int:
    from PySide6.QtGui import QTextCursor
    from PySide6.QtWidgets import QApplication

    from cloze_app.core.app.settings import Settings
    from cloze_app.core.models.registry import ModelRegistry
    from cloze_app.gui.app import app_icon, install_extensions
    from cloze_app.gui.check_panel import CheckPanel
    from cloze_app.gui.exercise_panel import ExercisePanel
    from cloze_app.gui.main_window import MainWindow

    app = QApplication(["cloze", "-style", "Fusion"])
    app.setApplicationName("Cloze")
    app.setWindowIcon(app_icon())
    app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())  # type: ignore[arg-type]
    model = str(ModelRegistry().resolve(model_arg))
    window = MainWindow(settings=Settings(model=model))
    install_extensions(window)
    window.resize(*SIZES[0])
    window.show()
    if not _wait(app, lambda: window.service.status is not None):
        print("the model did not load", file=sys.stderr)
        return 1
    window.document.new_document()
    window.editor.setPlainText(WRITE_TEXT)
    cursor = window.editor.textCursor()
    cursor.setPosition(WRITE_TEXT.index("___"))
    cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, 3)
    window.editor.setTextCursor(cursor)
    window.editor.document().setModified(False)
    window.suggestions.refresh(force=True)
    _wait(app, lambda: window.panel.candidates.words.rowCount() > 0, 60)
    for _ in range(3):  # the status shows a warm answer's time, not the first (cold) one's
        answered = window.status.timing.text()
        window.suggestions.refresh(force=True)
        _wait(app, functools.partial(_changed, window.status.timing, answered), 60)
    view = window.panel.candidates
    view.setCurrentIndex(view.words.index(0))
    window.editor.setFocus()
    _settle(app, 0.5)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for width, height in SIZES:
        window.resize(width, height)
        if (width, height) == SIZES[-1]:  # the small one also shows the find bar
            window.find_bar.open_find()
            window.find_bar.find_edit.setText("beach")
            window.find_bar.find_next()
        _settle(app, 0.4)
        path = out / f"theme-{theme}-{width}x{height}.png"
        window.grab().save(str(path))
        written.append(path)

    window.find_bar.close_bar()
    window.resize(*SIZES[0])
    dialog = window.open_settings()
    dialog.resize(760, 600)
    _settle(app, 0.4)
    for index in range(dialog.tabs.count()):
        dialog.tabs.setCurrentIndex(index)
        _settle(app, 0.3)
        name = dialog.tabs.tabText(index).replace("&", "").lower()
        path = out / f"theme-{theme}-settings-{name}.png"
        dialog.grab().save(str(path))
        written.append(path)
    dialog.reject()
    panels = [window.modes.widget(i) for i in range(window.modes.count())]
    exercise = next((p for p in panels if isinstance(p, ExercisePanel)), None)
    if exercise is not None:
        window.modes.setCurrentWidget(exercise)
        exercise.source.setPlainText(EXERCISE_TEXT)
        made: list[object] = []
        exercise.exercise_ready.connect(made.append)
        exercise.make()
        _wait(app, lambda: bool(made))
        items = exercise.exercise.items if exercise.exercise else ()
        if len(items) >= 2:
            rows = exercise.practice.rows
            rows[items[0].number].set_given(items[0].answer)
            rows[items[1].number].set_given("xylophone")
            checked: list[object] = []
            exercise.answers_checked.connect(checked.append)
            exercise.practice.check_button.click()
            _wait(app, lambda: bool(checked))
        _settle(app, 0.4)
        path = out / f"theme-{theme}-exercise.png"
        window.grab().save(str(path))
        written.append(path)
    check = next((p for p in panels if isinstance(p, CheckPanel)), None)
    if check is not None:
        window.modes.setCurrentWidget(check)
        window.editor.setPlainText(CHECK_TEXT)
        finished: list[object] = []
        check.check_finished.connect(finished.append)
        check.start_check()
        _wait(app, lambda: bool(finished))
        _settle(app, 0.4)
        path = out / f"theme-{theme}-check.png"
        window.grab().save(str(path))
        written.append(path)
    print("wrote " + ", ".join(str(p) for p in written))
    window.document.editor.document().setModified(False)
    window.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="model id or folder (default: the bundled model)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument(
        "--theme", choices=("light", "dark"), help="one theme (default: both, one process each)"
    )
    parser.add_argument(
        "--readme", action="store_true", help="also copy the light window and settings to the README's images"
    )
    args = parser.parse_args()
    if args.theme:
        # Never the user's own settings and autosave (a restored text would show in the shots).
        os.environ.setdefault("CLOZE_HOME", tempfile.mkdtemp(prefix=f"cloze-shot-{args.theme}-"))
        return shoot(args.theme, args.model, args.out)
    status = 0
    for theme in ("light", "dark"):
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        env["CLOZE_HOME"] = tempfile.mkdtemp(prefix=f"cloze-shot-{theme}-")
        command = [sys.executable, __file__, "--theme", theme, "--out", str(args.out)]
        if args.model:
            command += ["--model", args.model]
        status |= subprocess.run(command, env=env, check=False).returncode
    if status == 0 and args.readme:
        for shot, name in (
            ("theme-light-1400x900", "main-window"),
            ("theme-light-settings-general", "settings"),
        ):
            shutil.copyfile(args.out / f"{shot}.png", args.out / f"{name}.png")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
