"""Take the README screenshots of the Exercise and Check modes (offscreen, with a real model).

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_modes.py [--model ID|PATH] [--out docs/screenshots]

Writes ``exercise.png`` (a multiple-choice exercise with two answers checked) and ``check.png``
(a text with flagged words underlined and listed with suggestions).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("CLOZE_HOME", tempfile.mkdtemp(prefix="cloze-shots-"))

EXERCISE_TEXT = (
    "Every summer my grandmother opened her small bakery by the sea. She woke before dawn, lit the "
    "old oven and kneaded the dough while the town was still asleep. By seven o'clock the smell of "
    "fresh bread filled the narrow street, and a long queue of fishermen waited at the door. "
    "Children pressed their noses against the window to watch her shape the loaves."
)
CHECK_TEXT = (
    "Once upon a time there lived a king. He had three daughters, and the youngest was the most "
    "beautiful of them all. Her sisters was jealous of her. Every morning she walked in the garden "
    "with her dog. One day she lost her golden ball in the well. She sat down and began too cry. "
    "Then a frog put its head out of the water and asked what was the matter."
)


def _wait(app: object, done: Callable[[], bool], timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        app.processEvents()  # type: ignore[attr-defined]
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model id or folder (default: the bundled model)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from cloze_app.core.app.settings import Settings
    from cloze_app.core.models.registry import ModelRegistry
    from cloze_app.gui.exercise_modes import add_exercise_and_check_modes
    from cloze_app.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["cloze"])
    model = str(ModelRegistry().resolve(args.model))
    window = MainWindow(settings=Settings(model=model))
    exercise, check = add_exercise_and_check_modes(window)
    window.resize(1180, 760)
    window.show()
    _wait(app, lambda: window.service.status is not None)
    args.out.mkdir(parents=True, exist_ok=True)

    window.modes.setCurrentWidget(exercise)
    exercise.source.setPlainText(EXERCISE_TEXT)
    exercise.answer_format.setCurrentIndex(exercise.answer_format.findData(4))
    made: list[object] = []
    exercise.exercise_ready.connect(made.append)
    exercise.make()
    _wait(app, lambda: bool(made))
    items = exercise.exercise.items if exercise.exercise else ()
    rows = exercise.practice.rows
    if len(items) >= 3:
        rows[items[0].number].set_given(items[0].answer)
        rows[items[1].number].set_given(items[1].distractors[0] if items[1].distractors else "bread")
        exercise.practice.show_hint(items[2].number)
        checked: list[object] = []
        exercise.answers_checked.connect(checked.append)
        exercise.practice.check_button.click()
        _wait(app, lambda: bool(checked))
    app.processEvents()
    window.grab().save(str(args.out / "exercise.png"))

    window.modes.setCurrentWidget(check)
    window.editor.setPlainText(CHECK_TEXT)
    finished: list[object] = []
    check.check_finished.connect(finished.append)
    check.start_check()
    _wait(app, lambda: bool(finished))
    if check.marks:
        check.view.select_span(*check.marks[0].span)
        cursor = check.view.textCursor()
        cursor.clearSelection()
        check.view.setTextCursor(cursor)
    app.processEvents()
    window.grab().save(str(args.out / "check.png"))
    print(f"wrote {args.out / 'exercise.png'} and {args.out / 'check.png'} with {model}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
