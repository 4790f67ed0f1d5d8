"""What people expect of a text window: Edit menu, find and replace, zoom, recent files, shortcuts."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QTextCursor
from PySide6.QtWidgets import QApplication, QMenu

from cloze_app.core.app.settings import Settings, load_settings
from cloze_app.gui.app import install_extensions
from cloze_app.gui.file_dialogs import documents_folder, start_folder
from cloze_app.gui.main_window import MainWindow
from cloze_app.gui.menus import fill_recent, shortcut_rows
from cloze_app.gui.suggest import SUGGEST
from tests.gui.conftest import LOAD_TIMEOUT_MS


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def menu_texts(window: MainWindow, title: str) -> list[str]:
    for entry in window.menuBar().actions():
        if entry.text().replace("&", "") == title and isinstance(entry.menu(), QMenu):
            return [a.text().replace("&", "") for a in entry.menu().actions() if not a.isSeparator()]
    raise AssertionError(f"no {title} menu")


def test_the_edit_menu_has_what_every_editor_has(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    texts = menu_texts(window, "Edit")
    for wanted in ("Undo", "Redo", "Cut", "Copy", "Paste", "Select all", "Find…", "Replace…", "Find next"):
        assert wanted in texts


def test_cut_and_paste_from_the_menu_act_on_the_text(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.editor.setPlainText("one two")
    window.editor.setFocus()
    action(window, "edit_selectAll").trigger()
    assert window.editor.textCursor().selectedText() == "one two"
    action(window, "edit_cut").trigger()
    assert window.editor.toPlainText() == ""
    action(window, "edit_paste").trigger()
    action(window, "edit_paste").trigger()
    assert window.editor.toPlainText() == "one twoone two"
    action(window, "edit_undo").trigger()
    assert window.editor.toPlainText() == "one two"


def test_find_selects_each_match_and_wraps(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.editor.setPlainText("The cat sat. A Cat ran. the end")
    action(window, "find").trigger()
    bar = window.find_bar
    assert bar.isVisible() and bar.find_edit.hasFocus()
    qtbot.keyClicks(bar.find_edit, "cat")  # found while typing
    cursor = window.editor.textCursor()
    assert (cursor.selectionStart(), cursor.selectedText()) == (4, "cat")
    assert bar.count.text() == "1 of 2"
    action(window, "findNext").trigger()
    assert window.editor.textCursor().selectedText() == "Cat"
    action(window, "findNext").trigger()  # past the last: back to the first
    assert window.editor.textCursor().selectionStart() == 4
    bar.match_case.setChecked(True)
    assert bar.count.text() == "1 of 1"
    qtbot.keyClick(bar.find_edit, Qt.Key.Key_Escape)
    assert not bar.isVisible() and window.editor.hasFocus()


def test_replace_one_and_replace_all_in_one_undo_step(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.editor.setPlainText("red fish, red boat, RED sky")
    action(window, "replace").trigger()
    bar = window.find_bar
    assert bar.replace_edit.isVisible()
    bar.find_edit.setText("red")
    bar.replace_edit.setText("blue")
    assert bar.replace_one()
    assert window.editor.toPlainText() == "blue fish, red boat, RED sky"
    assert bar.replace_all() == 2
    assert window.editor.toPlainText() == "blue fish, blue boat, blue sky"
    window.editor.undo()
    assert window.editor.toPlainText() == "blue fish, red boat, RED sky"


def test_zoom_changes_the_font_and_is_remembered(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    start = window.editor.font().pointSize()
    action(window, "zoomIn").trigger()
    action(window, "zoomIn").trigger()
    assert window.editor.font().pointSize() == start + 2
    assert load_settings()[0].font_size == start + 2
    assert "Ctrl+=" in [k.toString() for k in action(window, "zoomIn").shortcuts()]
    action(window, "zoomOut").trigger()
    assert window.editor.font().pointSize() == start + 1
    action(window, "zoomReset").trigger()
    assert window.editor.font().pointSize() == Settings().font_size
    for _ in range(100):
        action(window, "zoomOut").trigger()
    assert window.editor.font().pointSize() == 6  # never unreadably small


def test_ctrl_wheel_over_the_text_zooms_the_same_way(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    window = make_window()
    start = window.editor.font().pointSize()
    viewport = window.editor.viewport()

    def wheel(delta: int, modifiers: Qt.KeyboardModifier) -> None:
        centre = QPointF(viewport.rect().center())
        event = QWheelEvent(
            centre, viewport.mapToGlobal(centre), QPoint(), QPoint(0, delta), Qt.MouseButton.NoButton,
            modifiers, Qt.ScrollPhase.NoScrollPhase, False,
        )  # fmt: skip
        QApplication.sendEvent(viewport, event)

    wheel(120, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.font().pointSize() == start + 1
    assert load_settings()[0].font_size == start + 1
    wheel(-240, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.font().pointSize() == start - 1
    wheel(120, Qt.KeyboardModifier.NoModifier)  # a plain wheel scrolls, it does not zoom
    assert window.editor.font().pointSize() == start - 1


def test_recent_files_survive_a_restart_and_missing_ones_are_handled(
    qtbot, make_window, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    kept, gone = tmp_path / "kept.txt", tmp_path / "gone.txt"
    kept.write_text("kept ___", encoding="utf-8")
    gone.write_text("gone ___", encoding="utf-8")
    window = make_window()
    assert window.document.open_path(gone) and window.document.open_path(kept)
    window.close()
    gone.unlink()

    again = make_window()
    menu = again.findChild(QMenu, "recentMenu")
    fill_recent(again, menu)
    entries = {a.text(): a.isEnabled() for a in menu.actions() if not a.isSeparator()}
    assert entries[f"&1 {kept}"] is True
    assert entries[f"&2 {gone} (not found)"] is False
    assert "Remove &missing files" in entries

    again.open_recent(str(gone))  # e.g. deleted while the menu was open
    assert str(gone) not in again.document.recent_files()
    assert "moved or deleted" in again.message_bar.text()
    again.open_recent(str(kept))
    assert again.editor.toPlainText() == "kept ___"


def test_keyboard_shortcuts_list_the_tabs_and_the_new_commands(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    install_extensions(window)
    rows = dict(shortcut_rows(window))
    assert rows["Alt+W"] == "the Write tab"
    assert rows["Alt+X"] == "the Exercise tab" and rows["Alt+C"] == "the Check tab"
    described = " | ".join(f"{keys}: {what}" for keys, what in rows.items())
    for wanted in ("Ctrl+F: Edit ▸ Find", "Ctrl+H: Edit ▸ Replace", "Ctrl+0: View ▸ Actual size", "F6:"):
        assert wanted in described
    assert "Alt+1 … Alt+9" in rows
    assert "File ▸ Quit" in rows.values()  # Ctrl+Q even where the platform names no Quit key


def test_file_dialogs_start_in_the_documents_folder(tmp_path: Path) -> None:
    document = tmp_path / "notes" / "story.txt"
    document.parent.mkdir()
    assert start_folder(document) == document.parent
    assert start_folder(None) == documents_folder()
    assert str(documents_folder()) != str(Path(__file__).resolve().parents[2])  # never the repo folder


def test_save_and_open_dialogs_start_in_the_documents_folder_or_beside_the_document(
    qtbot, make_window, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QFileDialog

    asked: list[str] = []

    def fake_dialog(_parent, _title, start, _filter):  # type: ignore[no-untyped-def]
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_dialog)
    documents = Path.home() / "Documents"
    documents.mkdir(exist_ok=True)
    window = make_window()
    window.document.new_document()
    window.save_document_as()
    window.open_document()
    assert asked == [str(documents / "Untitled.txt"), str(documents)]
    story = tmp_path / "drafts" / "story.txt"
    story.parent.mkdir()
    story.write_text("The ___ sat.", encoding="utf-8")
    assert window.document.open_path(story)
    window.save_document_as()
    window.open_document()
    assert asked[2:] == [str(story), str(story.parent)]


def test_the_status_bar_names_the_model_that_answered(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.editor.setPlainText("the ___ sat")
    cursor = window.editor.textCursor()
    cursor.setPosition(5)
    window.editor.setTextCursor(cursor)
    window.suggestions.refresh(force=True)
    qtbot.waitUntil(lambda: "answered in" in window.status.timing.text(), timeout=LOAD_TIMEOUT_MS)
    assert window.status.timing.text().startswith("Tiny wordpiece model answered in ")
    assert window.status.timing.text().endswith(" ms")


def test_a_slow_request_shows_what_runs_in_the_status_bar(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.editor.setPlainText("The ___ sat on the ___ by the ___.")
    cursor = window.editor.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.Start)
    window.editor.setTextCursor(cursor)
    window.suggestions.refresh(force=True)
    qtbot.waitUntil(lambda: window.suggestions.target is not None, timeout=LOAD_TIMEOUT_MS)
    release: list[bool] = []

    def slow(engine, text):  # type: ignore[no-untyped-def]
        while not release:  # runs until the test has seen the feedback
            time.sleep(0.02)
        return engine.fill(text)

    window.service.submit(SUGGEST, slow, "The ___ sat.")
    qtbot.waitUntil(lambda: window.status.activity.text().startswith("Filling 3 blanks… "), timeout=10_000)
    assert window.status.busy.isVisible()
    release.append(True)
    qtbot.waitUntil(lambda: window.status.activity.text() == "", timeout=LOAD_TIMEOUT_MS)
    assert not window.status.busy.isVisible()
    QApplication.processEvents()


def _luminance(color) -> float:  # type: ignore[no-untyped-def]
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def _contrast(one, two) -> float:  # type: ignore[no-untyped-def]
    light, dark = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_message_bar_colours_come_from_the_palette_in_light_and_dark_themes(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QPalette

    window = make_window()
    dark = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Highlight, "#3d7bd9"),
    ):
        dark.setColor(role, QColor(color))
    light = QApplication.style().standardPalette()
    for level in ("info", "warning", "error"):
        window.show_message(f"A {level} message.", level, key="looks")
        for palette in (light, dark, light):  # the theme changes while the message is shown
            window.setPalette(palette)
            bar = window.message_bar.palette()
            background = bar.color(QPalette.ColorRole.Window)
            text = bar.color(QPalette.ColorRole.WindowText)
            assert _contrast(background, text) >= 4.5, (level, background.name(), text.name())
            is_dark = _luminance(palette.color(QPalette.ColorRole.Window)) < 0.2
            assert (_luminance(background) < 0.2) == is_dark  # the bar follows the theme
    window.message_bar.remove("looks")
