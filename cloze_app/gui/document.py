"""The document behind the editor: open, save, recent files, autosave and restore."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal, Slot

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
        autosave_failed(str): autosaving failed, and what to do ("" once it works again).
    """

    title_changed = Signal(str)
    message = Signal(str, str)
    recent_changed = Signal(list)
    path_changed = Signal(str)
    autosave_failed = Signal(str)
    _write_result = Signal(object)  # from the autosave thread: an OSError, or None

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
        self._write_result.connect(self._autosave_written)
        store.on_error = self._write_result.emit  # runs on the writer thread; queued to this one
        self._closed = False

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
        # A lone surrogate cannot live in a Qt string: it would vanish and shift every position.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        self.editor.setPlainText(text)
        self.editor.setTextCursor(self.editor.cursor_for(cursor))  # a text offset, as autosaved
        self.editor.document().setModified(modified)

    def restore(self, last_document: str = "") -> None:
        """At start: the autosaved text, else the last document, else the example text."""
        snapshot = self.store.load()
        if self.store.problem:
            self.message.emit(self.store.problem, "warning")
        if snapshot is not None:
            path = Path(snapshot.path) if snapshot.path else None
            if snapshot.modified or path is None or not path.exists():
                self._set_path(path if path and path.exists() else None)
                self._show_text(snapshot.text, snapshot.cursor, modified=snapshot.modified)
                if not snapshot.closed_cleanly and not self.store.problem:
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
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
            if not quiet:
                self.message.emit(
                    f"Could not open {path}: {getattr(exc, 'strerror', None) or exc}. Check the file exists "
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
            kept = self._autosave_now()
            where = (
                "your text is kept in the autosave."
                if kept is None
                else f"it could not be autosaved either ({kept}), so keep Cloze open until it is saved."
            )
            self.message.emit(
                f"Could not save {path}: {exc.strerror or exc}. Try another folder with File ▸ Save As; "
                + where,
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
            cursor=self.editor.cursor_position(),
            closed_cleanly=closed_cleanly,
        )

    @Slot()
    def autosave(self) -> None:
        """Write a snapshot on the autosave thread (a failure comes back as ``autosave_failed``)."""
        self._timer.stop()
        if not self._closed:
            self.store.save_in_background(self.snapshot())

    def _autosave_now(self, closed_cleanly: bool = False) -> str | None:
        """Write a snapshot on this thread; None when it worked, else why it did not."""
        try:
            self.store.flush()
            self.store.save(self.snapshot(closed_cleanly=closed_cleanly))
        except OSError as exc:
            return str(exc.strerror or exc)
        return None

    @Slot(object)
    def _autosave_written(self, error: OSError | None) -> None:
        if error is None:
            self.autosave_failed.emit("")
            return
        self.autosave_failed.emit(
            f"Your text could not be autosaved to {self.store.path.parent} ({error.strerror or error}): "
            "a crash now would lose it. Save it with File ▸ Save As (another drive if this one is full); "
            "autosave tries again at your next edit."
        )

    def final_save(self) -> str | None:
        """On quit: the last snapshot, marked as a clean exit; None when written, else why not."""
        self._timer.stop()
        return self._autosave_now(closed_cleanly=True)

    def close(self, final_save: bool = True) -> None:
        """Stop autosaving and give the slot back (after :meth:`final_save`); never raises."""
        self._timer.stop()
        if final_save and not self._closed:
            self.final_save()
        self._closed = True
        self.store.on_error = None
        self.store.close()
