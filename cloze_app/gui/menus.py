"""The menu bar of the main window: every command with its shortcut, in one place."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QMessageBox, QPlainTextEdit, QTextEdit, QWidget

if TYPE_CHECKING:
    from cloze_app.gui.main_window import MainWindow

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None
TextWidget = QLineEdit | QPlainTextEdit | QTextEdit
# Keys no menu entry shows; the tab keys and every menu shortcut are added when the list opens.
KEYS_WITHOUT_MENU = [
    ("___", "a blank (two or more underscores)"),
    ("Tab / Shift+Tab", "next / previous blank"),
    ("Alt+1 … Alt+9", "insert suggestion 1 … 9"),
    ("Enter / Esc", "in the suggestions: insert the word / back to the text"),
    ("Enter / Shift+Enter", "in the find bar: next / previous match (Esc closes it)"),
]


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


class _TextTarget:
    """The text field Edit ▸ Cut/Copy/Paste act on: the focused one, else the last one, else the text.

    (While a menu is open it has the focus, so the field is remembered as focus moves.)
    """

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.last: TextWidget | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, TextWidget) and self.window.isAncestorOf(new):
            self.last = new

    def widget(self) -> TextWidget:
        focused = QApplication.focusWidget()
        if isinstance(focused, TextWidget) and self.window.isAncestorOf(focused):
            return focused
        if self.last is not None and shiboken6.isValid(self.last) and self.last.isVisible():
            return self.last
        return self.window.editor

    def call(self, method: str) -> None:
        getattr(self.widget(), method)()


def build_menus(window: MainWindow) -> None:
    """File, Edit, View, Suggest and Help menus."""
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
    quit_keys = QKeySequence.keyBindings(key.Quit)  # none on some platforms: then Ctrl+Q
    act(file_menu, "&Quit", window.close, quit_keys[0] if quit_keys else "Ctrl+Q", "quit")

    edit = bar.addMenu("&Edit")
    target = _TextTarget(window)
    for text, method, shortcut in (
        ("&Undo", "undo", key.Undo),
        ("&Redo", "redo", key.Redo),
        (None, "", None),
        ("Cu&t", "cut", key.Cut),
        ("&Copy", "copy", key.Copy),
        ("&Paste", "paste", key.Paste),
        ("Select &all", "selectAll", key.SelectAll),
    ):
        if text is None:
            edit.addSeparator()
        else:
            act(edit, text, functools.partial(target.call, method), shortcut, f"edit_{method}")
    edit.addSeparator()
    act(edit, "&Find…", lambda: open_find(window), key.Find, "find")
    act(edit, "R&eplace…", lambda: open_find(window, replace=True), "Ctrl+H", "replace")
    act(edit, "Find &next", lambda: find_again(window), key.FindNext, "findNext")
    act(edit, "Find pre&vious", lambda: find_again(window, backward=True), key.FindPrevious, "findPrevious")
    edit.addSeparator()
    act(edit, "&Settings…", window.open_settings, "Ctrl+,", "openSettings")

    view = bar.addMenu("&View")
    zoom_in = act(view, "Zoom &in", lambda: window.zoom(1), key.ZoomIn, "zoomIn")
    zoom_in.setShortcuts([QKeySequence(key.ZoomIn), QKeySequence("Ctrl+=")])  # "+" without Shift
    act(view, "Zoom &out", lambda: window.zoom(-1), key.ZoomOut, "zoomOut")
    act(view, "&Actual size", window.zoom_reset, "Ctrl+0", "zoomReset")
    window.editor.viewport().installEventFilter(_WheelZoom(window))

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


class _WheelZoom(QObject):
    """Ctrl+wheel over the text zooms like Ctrl+plus/minus (and is remembered the same way)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() != QEvent.Type.Wheel or not isinstance(event, QWheelEvent):
            return False
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return False
        steps = event.angleDelta().y() // 120
        if steps:
            self.window.zoom(steps)
        return True


def open_find(window: MainWindow, replace: bool = False) -> None:
    """Ctrl+F / Ctrl+H: the find bar of the Write tab (switching to it)."""
    window.modes.setCurrentIndex(0)
    window.find_bar.open_find(replace)


def find_again(window: MainWindow, backward: bool = False) -> None:
    """F3 / Shift+F3: the next or previous match of what the find bar holds."""
    if not window.find_bar.find_edit.text():
        open_find(window)
        return
    window.modes.setCurrentIndex(0)
    window.find_bar.show()
    window.find_bar.find_next(backward=backward)


def fill_recent(window: MainWindow, menu: QMenu) -> None:
    """List the recent files (newest first) when the menu opens; missing ones are greyed out."""
    menu.clear()
    recent = window.document.recent_files()
    missing = [name for name in recent if not Path(name).is_file()]
    for index, name in enumerate(recent, start=1):
        label = f"&{index} {name}" + (" (not found)" if name in missing else "")
        action = add_action(window, menu, label, functools.partial(window.open_recent, name))
        if name in missing:
            action.setEnabled(False)
            action.setToolTip("This file was moved or deleted.")
    if not recent:
        menu.addAction("No recent files").setEnabled(False)
        return
    menu.addSeparator()
    if missing:
        add_action(
            window, menu, "Remove &missing files", lambda: window.forget_recent(missing), name="forgetMissing"
        )
    add_action(window, menu, "&Clear list", lambda: window.forget_recent(recent), name="clearRecent")


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


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    """Every keyboard shortcut with what it does: fixed keys, the tabs' Alt keys, every menu entry."""
    rows = list(KEYS_WITHOUT_MENU)
    for index in range(window.modes.count()):
        title = window.modes.tabText(index)
        if "&" in title:
            letter = title[title.index("&") + 1].upper()
            rows.append((f"Alt+{letter}", f"the {title.replace('&', '')} tab"))

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path}{action.text().replace('&', '')} ▸ ")
                continue
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            if keys and not action.objectName().startswith("insert"):  # Alt+1…9 are one row above
                text = action.text().split("\t")[0].replace("&", "").rstrip("…")
                rows.append((" / ".join(keys), f"{path}{text}"))

    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu):
            walk(menu, f"{action.text().replace('&', '')} ▸ ")
    return rows


def show_shortcuts(window: MainWindow) -> QMessageBox:
    """Help ▸ Keyboard shortcuts: the table from :func:`shortcut_rows` (non-modal); returns the box."""
    cells = "".join(
        f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td><td>{html.escape(what)}</td></tr>"
        for keys, what in shortcut_rows(window)
    )
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{cells}</table>", parent=window)
    box.setObjectName("shortcutsBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open()
    return box


def show_about(window: MainWindow) -> None:
    from cloze_app import __version__

    QMessageBox.about(
        window,
        "About Cloze",
        f"<b>Cloze {__version__}</b><br>Offline fill-in-the-blank with "
        "a local masked language model. Your text never leaves this computer.",
    )
