"""The document behind the editor: open, save, recent files, autosave and restore."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot
from PySide6.QtGui import QTextCursor

from cloze_app.core.app.autosave import AutosavedDocument, AutosaveStore
from cloze_app.core.atomic import atomic_write_text
from cloze_app.gui.editor import ClozeEditor

EXAMPLE_TEXT = """\
Welcome to Cloze! Wherever a word is missing, type three underscores, and the panel on the \
right ranks the words that fit.

The dog barked at the ___ all night.
He read the ___ before going to bed.

Press Tab to jump to a blank, then Alt+1 to put in the top word (Ctrl+Z undoes it). \
Now write your own sentence below.

"""
FILE_FILTER = "Text files (*.txt *.md);;Markdown (*.md);;All files (*)"
MAX_RECENT = 8
AUTOSAVE_MS = 1500


def read_text_file(path: Path) -> str:
    """A text file's contents: UTF-8 (with or without BOM), else Latin-1 so nothing is refused."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class DocumentController(QObject):
    """Owns the file the editor shows and keeps an autosaved copy of it.

    Signals:
        title_changed(str): the window title should change (file name, ``*`` when modified).
        message(str, str): a message for the user and its level (info, warning, error).
        recent_changed(list): the recent files (newest first) changed.
        path_changed(str): the document now belongs to this file ("" for untitled).
    """

    title_changed = Signal(str)
    message = Signal(str, str)
    recent_changed = Signal(list)
    path_changed = Signal(str)

    def __init__(
        self, editor: ClozeEditor, store: AutosaveStore, qsettings: QSettings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.editor = editor
        self.store = store
        self.qsettings = qsettings
        self.path: Path | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.autosave)
        editor.textChanged.connect(self._changed)
        editor.document().modificationChanged.connect(lambda _m: self._emit_title())

    # ----- titles and recent files
    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def _emit_title(self) -> None:
        star = "*" if self.editor.document().isModified() else ""
        self.title_changed.emit(f"{star}{self.display_name()} — Cloze")

    def recent_files(self) -> list[str]:
        value = self.qsettings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if v]

    def _remember(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        self.qsettings.setValue("recent_files", recent[:MAX_RECENT])
        self.recent_changed.emit(recent[:MAX_RECENT])

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self.path_changed.emit(str(path or ""))
        self._emit_title()

    # ----- loading text
    def _show_text(self, text: str, cursor: int = 0, modified: bool = False) -> None:
        self.editor.setPlainText(text)
        position = QTextCursor(self.editor.document())
        position.setPosition(min(cursor, len(text)))
        self.editor.setTextCursor(position)
        self.editor.document().setModified(modified)

    def restore(self, last_document: str = "") -> None:
        """At start: the autosaved text, else the last document, else the example text."""
        snapshot = self.store.load()
        if snapshot is not None:
            path = Path(snapshot.path) if snapshot.path else None
            if snapshot.modified or path is None or not path.exists():
                self._set_path(path if path and path.exists() else None)
                self._show_text(snapshot.text, snapshot.cursor, modified=snapshot.modified)
                if not snapshot.closed_cleanly:
                    when = (
                        time.strftime("%H:%M", time.localtime(snapshot.saved_at)) if snapshot.saved_at else ""
                    )
                    self.message.emit(
                        "A Cloze window did not close properly; its text was restored from the "
                        f"autosave{' of ' + when if when else ''}. Nothing was lost.",
                        "info",
                    )
                self._emit_title()
                return
            if self.open_path(path, quiet=True):
                return
        if (
            last_document
            and Path(last_document).is_file()
            and self.open_path(Path(last_document), quiet=True)
        ):
            return
        self._set_path(None)
        self._show_text(EXAMPLE_TEXT, cursor=EXAMPLE_TEXT.index("___"))

    def open_path(self, path: Path, quiet: bool = False) -> bool:
        """Open a text file; a problem becomes a message, never an exception."""
        try:
            text = read_text_file(path)
        except OSError as exc:
            if not quiet:
                self.message.emit(
                    f"Could not open {path}: {exc.strerror or exc}. Check the file exists "
                    "and you may read it.",
                    "error",
                )
            return False
        self._set_path(path)
        self._show_text(text)
        self._remember(path)
        self.autosave()
        return True

    def new_document(self) -> None:
        """An empty untitled document (the old text stays in the autosave until replaced)."""
        self._set_path(None)
        self._show_text("")

    # ----- saving
    def save_to(self, path: Path) -> bool:
        """Write the text to ``path`` atomically; True on success."""
        try:
            atomic_write_text(path, self.editor.text())
        except OSError as exc:
            self.message.emit(
                f"Could not save {path}: {exc.strerror or exc}. Try another folder "
                "with File ▸ Save As; your text is kept in the autosave.",
                "error",
            )
            return False
        self.editor.document().setModified(False)
        self._set_path(path)
        self._remember(path)
        self.autosave()
        return True

    # ----- autosave
    @Slot()
    def _changed(self) -> None:
        # Not restarted on every key: while typing goes on, a snapshot is taken every interval.
        if not self._timer.isActive():
            self._timer.start()

    def snapshot(self, closed_cleanly: bool = False) -> AutosavedDocument:
        return AutosavedDocument(
            text=self.editor.text(),
            path=str(self.path or ""),
            modified=self.editor.document().isModified(),
            cursor=self.editor.textCursor().position(),
            closed_cleanly=closed_cleanly,
        )

    @Slot()
    def autosave(self) -> None:
        """Write a snapshot on the autosave thread."""
        self._timer.stop()
        self.store.save_in_background(self.snapshot())

    def close(self) -> None:
        """On quit: the last snapshot, marked as a clean exit, written before returning."""
        self._timer.stop()
        try:
            self.store.flush()
            self.store.save(self.snapshot(closed_cleanly=True))
        finally:
            self.store.close()
