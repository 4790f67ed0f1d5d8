"""The menu bar of the main window: every command with its shortcut, in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

if TYPE_CHECKING:
    from cloze_app.gui.main_window import MainWindow

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None
SHORTCUTS_HELP = """<table>
<tr><td><b>___</b></td><td>a blank (two or more underscores)</td></tr>
<tr><td><b>Tab</b> / <b>Shift+Tab</b></td><td>next / previous blank</td></tr>
<tr><td><b>Alt+1</b> … <b>Alt+9</b></td><td>insert suggestion 1 … 9</td></tr>
<tr><td><b>Ctrl+Enter</b></td><td>suggest now</td></tr>
<tr><td><b>Ctrl+Shift+Enter</b></td><td>fill all blanks with the best joint filling</td></tr>
<tr><td><b>F6</b></td><td>move between the text and the suggestions (Enter inserts, Esc goes back)</td></tr>
<tr><td><b>Alt+M</b></td><td>choose among my words</td></tr>
<tr><td><b>Ctrl+Z</b></td><td>undo an insertion like any edit</td></tr>
</table>"""


def add_action(
    parent: QWidget,
    menu: QMenu,
    text: str,
    slot: Callable[[], object],
    shortcut: Shortcut = None,
    name: str = "",
) -> QAction:
    """A menu entry that calls ``slot``; its shortcut works anywhere in the window."""
    action = QAction(text, parent)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if name:
        action.setObjectName(name)
    action.triggered.connect(lambda _checked=False: slot())
    menu.addAction(action)
    return action


def build_menus(window: MainWindow) -> None:
    """File, Edit, Suggest and Help menus."""
    bar = window.menuBar()
    act = functools.partial(add_action, window)
    key = QKeySequence.StandardKey
    file_menu = bar.addMenu("&File")
    act(file_menu, "&New", window.new_document, key.New)
    act(file_menu, "&Open…", window.open_document, key.Open)
    recent = file_menu.addMenu("Open &Recent")
    recent.setObjectName("recentMenu")
    recent.aboutToShow.connect(lambda: fill_recent(window, recent))
    act(file_menu, "&Save", window.save_document, key.Save)
    act(file_menu, "Save &As…", window.save_document_as, key.SaveAs)
    file_menu.addSeparator()
    act(file_menu, "&Quit", window.close, key.Quit)

    edit = bar.addMenu("&Edit")
    act(edit, "&Undo", window.editor.undo, key.Undo)
    act(edit, "&Redo", window.editor.redo, key.Redo)
    edit.addSeparator()
    act(edit, "&Settings…", window.open_settings, "Ctrl+,", "openSettings")

    suggest = bar.addMenu("&Suggest")
    act(suggest, "Suggest &now", lambda: window.suggestions.refresh(force=True), "Ctrl+Return", "suggestNow")
    act(suggest, "&Fill all blanks", window.suggestions.fill_all, "Ctrl+Shift+Return", "fillAll")
    act(suggest, "Next blank\tTab", lambda: window.editor.go_to_blank(False))
    act(suggest, "Previous blank\tShift+Tab", lambda: window.editor.go_to_blank(True))
    act(suggest, "Go to suggestions / back", lambda: toggle_focus(window), "F6", "toggleFocus")
    act(suggest, "Choose among &my words", lambda: focus_options(window), "Alt+M")
    insert_menu = suggest.addMenu("&Insert suggestion")
    for rank in range(1, 10):
        insert = functools.partial(window.suggestions.insert_rank, rank)
        act(insert_menu, f"Suggestion {rank}", insert, f"Alt+{rank}", f"insert{rank}")

    help_menu = bar.addMenu("&Help")
    act(help_menu, "&Keyboard shortcuts", lambda: show_shortcuts(window), key.HelpContents)
    act(help_menu, "&About Cloze", lambda: show_about(window))


def fill_recent(window: MainWindow, menu: QMenu) -> None:
    """List the recent files (newest first) when the menu opens."""
    menu.clear()
    recent = window.document.recent_files()
    for index, name in enumerate(recent, start=1):
        add_action(window, menu, f"&{index} {name}", functools.partial(window.open_recent, name))
    if not recent:
        menu.addAction("No recent files").setEnabled(False)


def toggle_focus(window: MainWindow) -> None:
    """F6: from the text to the suggestions and back."""
    if window.editor.hasFocus():
        window.panel.focus_candidates()
    else:
        window.editor.setFocus()


def focus_options(window: MainWindow) -> None:
    """Alt+M: type your own words for the blank."""
    window.panel.options_edit.setFocus()
    window.panel.options_edit.selectAll()


def show_shortcuts(window: MainWindow) -> None:
    QMessageBox.information(window, "Keyboard shortcuts", SHORTCUTS_HELP)


def show_about(window: MainWindow) -> None:
    from cloze_app import __version__

    QMessageBox.about(
        window,
        "About Cloze",
        f"<b>Cloze {__version__}</b><br>Offline fill-in-the-blank with "
        "a local masked language model. Your text never leaves this computer.",
    )
