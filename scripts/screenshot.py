"""Launch Cloze under Xvfb and save screenshots of the window with suggestions showing.

    python scripts/screenshot.py                 # docs/screenshots/main-window.png (+ settings.png)
    python scripts/screenshot.py --model PATH    # another model folder
    python scripts/screenshot.py --dark          # a dark palette, to check contrast

Needs Xvfb (``apt-get install xvfb``) unless a display is already there (``--no-xvfb``).
Config and data go to a temporary folder, so the user's own settings are never touched; the
window therefore shows the first-start example text. Without the bundled model the script
builds a tiny test model (labelled as such), useful only to check the layout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
OUT_DIR = REPO / "docs" / "screenshots"


def start_xvfb(size: str) -> subprocess.Popen[bytes]:
    """Start Xvfb on a free display number and point DISPLAY at it."""
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is not installed: sudo apt-get install xvfb (or pass --no-xvfb).")
    for number in range(99, 140):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                os.environ["DISPLAY"] = f":{number}"
                return proc
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        proc.kill()
    raise SystemExit("Could not start Xvfb on displays :99 to :139.")


def tiny_model(folder: Path) -> Path:
    from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder

    words = ["the", "cat", "sat", "on", "mat", "dog", "window", "door", "floor", "bed", "chair"]
    return write_model_folder(
        folder,
        wordpiece_tokenizer(words),
        WORDPIECE,
        model_id="tiny-layout",
        prior={"[MASK]": {"mat": 3.0, "floor": 2.4, "bed": 2.0, "chair": 1.5, "window": 2.6, "door": 2.2}},
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="model folder or id (default: the bundled model)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the PNG files")
    parser.add_argument("--size", default="1280x800", help="Xvfb screen size")
    parser.add_argument("--no-xvfb", action="store_true", help="use the current display")
    parser.add_argument("--dark", action="store_true", help="dark palette (saves *-dark.png)")
    args = parser.parse_args()

    xvfb = None if args.no_xvfb else start_xvfb(args.size)
    home = Path(tempfile.mkdtemp(prefix="cloze-shot-"))
    os.environ["CLOZE_HOME"] = str(home)
    if not args.no_xvfb:
        os.environ["QT_QPA_PLATFORM"] = "xcb"
    try:
        return shoot(args, home)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


def shoot(args: argparse.Namespace, home: Path) -> int:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication

    from cloze_app.core.app.settings import Settings
    from cloze_app.core.models.registry import DEFAULT_MODEL_ID, ModelRegistry
    from cloze_app.gui.app import app_icon, install_extensions
    from cloze_app.gui.main_window import MainWindow

    app = QApplication(["cloze"])
    app.setApplicationName("Cloze")
    app.setWindowIcon(app_icon())
    if args.dark:
        app.setStyle("Fusion")
        palette = QPalette()
        for role, color in (
            (QPalette.ColorRole.Window, "#2b2b2b"),
            (QPalette.ColorRole.Base, "#1e1e1e"),
            (QPalette.ColorRole.Text, "#e6e6e6"),
            (QPalette.ColorRole.WindowText, "#e6e6e6"),
            (QPalette.ColorRole.Button, "#353535"),
            (QPalette.ColorRole.ButtonText, "#e6e6e6"),
            (QPalette.ColorRole.Highlight, "#3d7bd9"),
            (QPalette.ColorRole.HighlightedText, "#ffffff"),
        ):
            palette.setColor(role, QColor(color))
        app.setPalette(palette)
    model = args.model
    if model is None:
        ids = [info.id for info in ModelRegistry().models()]
        if DEFAULT_MODEL_ID in ids:
            model = DEFAULT_MODEL_ID
        else:
            print("The bundled model is not installed: using a tiny layout-only test model.", file=sys.stderr)
            model = str(tiny_model(home / "tiny-layout"))

    def wait(condition: object, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if callable(condition) and condition():
                return True
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.02)
        return False

    window = MainWindow(settings=Settings(model=model))
    install_extensions(window)
    window.resize(1100, 640)
    window.show()
    if not wait(lambda: window.service.status is not None, 120):
        print("The model did not load within 120 s.", file=sys.stderr)
        return 1
    window.suggestions.refresh(force=True)
    if not wait(lambda: window.panel.candidates.words.rowCount() > 0, 60):
        print("No suggestions appeared within 60 s.", file=sys.stderr)
        return 1
    wait(lambda: False, 1.0)  # let every answer in flight arrive
    view = window.panel.candidates
    view.setCurrentIndex(view.words.index(0))  # shows the preview of the top word
    wait(lambda: False, 0.3)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "-dark" if args.dark else ""
    main_png = args.out / f"main-window{suffix}.png"
    window.grab().save(str(main_png))
    dialog = window.open_settings()
    dialog.resize(680, 480)
    wait(lambda: False, 0.5)
    settings_png = args.out / f"settings{suffix}.png"
    dialog.grab().save(str(settings_png))
    dialog.reject()
    print(f"Saved {main_png} and {settings_png}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
