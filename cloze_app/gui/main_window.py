"""The main window: modes in tabs (Write first), a message bar, a status bar, menus.

Hook API for other modes and settings pages
-------------------------------------------
``window = MainWindow(...)`` exposes:

- ``window.add_mode(widget, title) -> int``: add a mode as a tab beside "Write" (the tab bar
  appears once there are two). ``window.modes`` is the ``QTabWidget``.
- ``window.editor`` (:class:`~cloze_app.gui.editor.ClozeEditor`): the user's document, shared by
  every mode. ``editor.text()``, ``editor.textCursor()``, ``editor.replace_span(start, end,
  text)`` (one undo step), ``editor.set_underlines(key, [(start, end), ...], fmt=None)`` (extra
  selections under your own key; an empty list clears them), ``editor.mask_token``. Positions
  are text offsets (code points, as the core counts); ``gui/offsets.py`` converts to Qt's.
- ``window.service`` (:class:`~cloze_app.gui.worker.EngineService`): the engine, off the UI
  thread. ``request_id = service.submit(channel, fn, *args, on_result=cb, on_error=eb)`` runs
  ``fn(engine, *args)`` on the worker thread; ``cb(result)`` / ``eb(exc)`` run on the UI thread,
  only if no newer request of the same ``channel`` was submitted (stale results are dropped).
  Use your own channel name (e.g. ``"check"``, ``"exercise"``); ``service.cancel(channel)``
  drops pending ones. Signals: ``model_loaded(EngineStatus)``, ``model_failed(str)``,
  ``result_ready(channel, id, result)``, ``request_failed(channel, id, exc)``.
  ``service.status`` is the loaded model's :class:`~cloze_app.gui.worker.EngineStatus` or None.
- ``window.add_settings_page(factory, title)``: every time the settings dialog opens it calls
  ``factory(dialog) -> QWidget`` and adds the page as a tab (``SettingsDialog.add_page``). A page
  with ``apply_to(settings) -> settings`` takes part in OK/Apply.
- ``window.show_message(text, level="info", action="", action_key="", key="")``: the message
  bar; ``level`` is info/warning/error; action key ``"settings"`` opens the settings dialog;
  a message with a ``key`` replaces the previous one of that key, and
  ``window.message_bar.remove(key)`` takes it back.
- Signals on the window: ``settings_changed(Settings)``; ``window.settings`` is the current one.

``cloze_app.gui.app.install_extensions(window)`` is where the app adds the installed modes and
pages (Exercise and Check via ``exercise_modes.add_exercise_and_check_modes``, Models via
``models_page.install_models_page``); a new mode or page is one more line there.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cloze_app.core import paths
from cloze_app.core.app.autosave import AutosaveStore
from cloze_app.core.app.settings import Settings, load_settings, save_settings
from cloze_app.core.errors import ModelError
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.gui.document import FILE_FILTER, DocumentController
from cloze_app.gui.editor import ClozeEditor
from cloze_app.gui.file_dialogs import start_folder
from cloze_app.gui.find_bar import FindBar
from cloze_app.gui.menus import build_menus
from cloze_app.gui.on_demand import OnDemand
from cloze_app.gui.preload import model_folder
from cloze_app.gui.status import MessageBar, RequestFeedback, StatusWidgets
from cloze_app.gui.suggest import SUGGEST, SuggestionController
from cloze_app.gui.suggestions_panel import SuggestionsPanel
from cloze_app.gui.worker import EngineService, EngineStatus

if TYPE_CHECKING:  # imported when first opened: it brings onnxruntime (the providers' list)
    from cloze_app.gui.settings_dialog import SettingsDialog

PageFactory = Callable[["SettingsDialog"], QWidget]
MIN_FONT_SIZE, MAX_FONT_SIZE = 6, 72  # the settings dialog's range


class MainWindow(QMainWindow):
    """The Cloze window. See the module docstring for the hooks other modes use."""

    settings_changed = Signal(object)

    def __init__(
        self,
        settings: Settings | None = None,
        settings_warning: str | None = None,
        registry: ModelRegistry | None = None,
        service: EngineService | None = None,
        open_file: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if settings is None:
            settings, settings_warning = load_settings()
        self.settings = settings
        self.registry = registry or ModelRegistry()
        self.qsettings = QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)
        self.service = service or EngineService(parent=self)
        self._page_factories: list[tuple[PageFactory, str]] = []
        self.setObjectName("mainWindow")
        self.setWindowTitle("Cloze")
        self.resize(1100, 700)

        self.editor = ClozeEditor()
        self.panel = SuggestionsPanel()
        self.suggestions = SuggestionController(
            self.editor, self.panel, self.service, settings.top_k, settings.debounce_ms
        )
        self.document = DocumentController(self.editor, AutosaveStore.claim(), self.qsettings, self)
        self.message_bar = MessageBar()
        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.setObjectName("writeSplit")
        self.split.addWidget(self.editor)
        self.split.addWidget(self.panel)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)
        self.split.setChildrenCollapsible(False)
        self.find_bar = FindBar(self.editor)
        write_page = QWidget()
        write_page.setObjectName("writePage")
        write_layout = QVBoxLayout(write_page)
        write_layout.setContentsMargins(0, 0, 0, 0)
        write_layout.setSpacing(2)
        write_layout.addWidget(self.split, 1)
        write_layout.addWidget(self.find_bar)
        self.modes = QTabWidget()
        self.modes.setObjectName("modes")
        self.modes.setTabBarAutoHide(True)
        self.modes.setDocumentMode(True)
        self.add_mode(write_page, "&Write")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.modes, 1)
        self.setCentralWidget(central)
        self.status = StatusWidgets(self.statusBar())

        self.service.model_loading.connect(lambda what: self.status.set_loading(Path(what).name))
        self.service.model_loaded.connect(self._model_loaded)
        self.service.model_failed.connect(self._model_failed)
        self.service.busy_changed.connect(self.status.set_busy)
        self.suggestions.timing.connect(self._show_timing)
        self.request_feedback = RequestFeedback(self.service, self.status, self._describe_request, self)
        self.suggestions.error.connect(lambda text: self.show_message(text, "error", key="request"))
        self.document.title_changed.connect(self.setWindowTitle)
        self.document.message.connect(lambda text, level: self.show_message(text, level, key="document"))
        self.document.autosave_failed.connect(self._autosave_failed)
        self.message_bar.action_triggered.connect(self._message_action)
        self.panel.back_requested.connect(lambda: self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason))
        build_menus(self)
        self._apply_font()
        geometry = self.qsettings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)  # type: ignore[arg-type]
        split_state = self.qsettings.value("split")
        if split_state is not None:
            self.split.restoreState(split_state)  # type: ignore[arg-type]
        if open_file is not None:
            self.document.restore()
            if not self.document.open_path(open_file):
                self.show_message(f"Could not open {open_file}.", "error")
        else:
            self.document.restore(settings.last_document)
        if settings_warning:
            self.show_message(settings_warning, "warning", "Open settings", "settings", key="settings-file")
        self.show_broken_models()
        self.editor.setFocus()
        self.load_model()

    # ----- hooks
    def add_mode(self, widget: QWidget, title: str) -> int:
        """Add a mode as a tab; returns its index."""
        return self.modes.addTab(widget, title)

    def add_mode_on_demand(self, build: Callable[[], QWidget], title: str) -> int:
        """Add a mode as a tab whose widget ``build()`` makes the first time the tab is shown, so
        its imports and construction stay out of the start; returns its index.
        ``window.mode_widget(index)`` builds it at once."""
        return self.add_mode(OnDemand(build), title)

    def mode_widget(self, index: int) -> QWidget | None:
        """The widget of the mode at ``index`` (a mode added on demand is built now)."""
        widget = self.modes.widget(index)
        return widget.built() if isinstance(widget, OnDemand) else widget

    def add_settings_page(self, factory: PageFactory, title: str) -> None:
        """Have every settings dialog include ``factory(dialog)`` as a tab called ``title``."""
        self._page_factories.append((factory, title))

    def show_message(
        self, text: str, level: str = "info", action: str = "", action_key: str = "", key: str = ""
    ) -> None:
        """Show a message above the editor (errors say what to do)."""
        self.message_bar.show_message(text, level, action, action_key, key)

    # ----- model
    def show_broken_models(self) -> None:
        """Say which model folders were skipped and why (they never stop the window)."""
        broken = self.registry.broken()
        if not broken:
            self.message_bar.remove("broken-models")
            return
        reasons = "; ".join(f"{b.path.name}: {b.reason}" for b in broken[:3])
        more = f" (and {len(broken) - 3} more)" if len(broken) > 3 else ""
        self.show_message(
            f"Skipped {len(broken)} model folder(s) that cannot be used{more}. {reasons}",
            "warning",
            key="broken-models",
        )

    def load_model(self) -> None:
        """(Re)load the model the settings name, in the background (the default model, with a
        message, when the one named was removed)."""
        try:
            folder, note = model_folder(self.settings, self.registry)
        except ModelError as exc:
            self._model_failed(f"{exc}")
            return
        if note:
            self.show_message(note, "warning", key="model-gone")
        self.service.load_model(folder, self.settings.provider, self.settings.threads)

    @Slot(object)
    def _model_loaded(self, status: EngineStatus) -> None:
        self.status.set_engine(status)
        self.editor.set_mask_token(status.info.mask_token)
        self.message_bar.remove("model")
        self.message_bar.remove("request")
        if status.message:
            self.show_message(status.message, "warning", "Open settings", "settings", key="provider")
        else:
            self.message_bar.remove("provider")
        self.suggestions.refresh()

    @Slot(str)
    def _model_failed(self, message: str) -> None:
        self.status.set_failed(self.service.status)
        serving = self.service.status
        tail = (
            f" Still using {serving.info.name}." if serving else " Suggestions are off until a model loads."
        )
        self.show_message(
            f"{message.rstrip().rstrip('.')}.{tail} "
            "Choose another model in Settings (Ctrl+,) or reinstall this one.",
            "error",
            "Open settings",
            "settings",
            key="model",
        )
        if serving is None:
            self.panel.show_idle("No model is loaded. Open Settings to choose one.")

    @Slot(float)
    def _show_timing(self, ms: float) -> None:
        serving = self.service.status
        self.status.set_timing(ms, serving.info.name if serving else "")

    def _describe_request(self, channel: str) -> str | None:
        """What a slow Write-tab request does, for the status bar (other tabs show their own)."""
        if channel != SUGGEST:
            return None
        target = self.suggestions.target
        count = len(target.window.spans) if target is not None else 1
        return f"Filling {count} blanks" if count > 1 else "Finding words for the blank"

    # ----- settings
    @Slot()
    def open_settings(self) -> SettingsDialog:
        """Open the settings dialog (non-modal); returns it."""
        from cloze_app.gui.settings_dialog import SettingsDialog

        active = self.service.status.info.id if self.service.status else ""
        dialog = SettingsDialog(self.settings, self.registry, active, self)
        for factory, title in self._page_factories:
            dialog.add_page(factory(dialog), title)
        dialog.settings_applied.connect(self.apply_settings)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    @Slot(object)
    def apply_settings(self, new: Settings) -> None:
        """Use ``new`` at once and save it; the model reloads in the background if it changed."""
        new = new.validated()  # e.g. threads within the CPU count, whatever a page allowed
        old, self.settings = self.settings, new
        try:
            save_settings(new)
        except OSError as exc:
            self.show_message(f"Settings could not be saved ({exc}); they apply until you quit.", "warning")
        self._apply_font()
        self.suggestions.set_debounce(new.debounce_ms)
        self.suggestions.set_top_k(new.top_k)
        if self._engine_key(new) != self._engine_key(old) or self.service.status is None:
            self.load_model()
        self.settings_changed.emit(new)

    def update_settings(self, **changes: Any) -> None:
        """Change and save a few fields chosen outside the Settings dialog; nothing is reloaded."""
        new = replace(self.settings, **changes)
        if new == self.settings:
            return
        self.settings = new
        try:
            save_settings(new)
        except OSError as exc:
            self.show_message(f"Settings could not be saved ({exc}); they apply until you quit.", "warning")
        self.settings_changed.emit(new)

    def _engine_key(self, settings: Settings) -> tuple[str, str, int]:
        """What the loaded engine depends on ("" and the default model's id are the same model)."""
        try:
            folder = str(self.registry.resolve(settings.model or None))
        except ModelError:
            folder = settings.model
        return folder, settings.provider, settings.threads

    def _apply_font(self) -> None:
        font = QFont(self.editor.font())
        font.setPointSize(self.settings.font_size)
        self.editor.setFont(font)

    def zoom(self, steps: int) -> None:
        """Ctrl+plus / Ctrl+minus: the text's font size, kept as the font-size setting."""
        size = min(MAX_FONT_SIZE, max(MIN_FONT_SIZE, self.settings.font_size + steps))
        self.update_settings(font_size=size)
        self._apply_font()

    def zoom_reset(self) -> None:
        """Ctrl+0: the default font size."""
        self.zoom(Settings().font_size - self.settings.font_size)

    @Slot(str)
    def _message_action(self, key: str) -> None:
        if key == "settings":
            self.open_settings()

    # ----- files
    def _can_replace_document(self) -> bool:
        if not self.editor.document().isModified() or not self.editor.text().strip():
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to {self.document.display_name()} first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_document()
        return answer == QMessageBox.StandardButton.Discard

    def open_recent(self, name: str) -> None:
        """Open a file from the recent list (asking first about unsaved changes)."""
        if not Path(name).is_file():
            self.forget_recent([name])
            self.show_message(
                f"{name} was moved or deleted; it is off the recent list.", "warning", key="document"
            )
            return
        if self._can_replace_document():
            self.document.open_path(Path(name))

    def forget_recent(self, names: list[str]) -> None:
        """Take files off File ▸ Open Recent."""
        kept = [name for name in self.document.recent_files() if name not in names]
        self.qsettings.setValue("recent_files", kept)

    def new_document(self) -> None:
        if self._can_replace_document():
            self.document.new_document()

    def open_document(self) -> None:
        if not self._can_replace_document():
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Open text", str(start_folder(self.document.path)), FILE_FILTER
        )
        if name:
            self.document.open_path(Path(name))

    def save_document(self) -> bool:
        if self.document.path is None:
            return self.save_document_as()
        return self.document.save_to(self.document.path)

    def save_document_as(self) -> bool:
        start = str(self.document.path or start_folder(None) / "Untitled.txt")
        name, _ = QFileDialog.getSaveFileName(self, "Save text", start, FILE_FILTER)
        return self.document.save_to(Path(name)) if name else False

    @Slot(str)
    def _autosave_failed(self, text: str) -> None:
        if text:
            self.show_message(text, "error", key="autosave")
        else:
            self.message_bar.remove("autosave")

    def _close_without_autosave(self, reason: str) -> bool:
        """The last autosave failed: offer Save As before the text is gone. True: close now."""
        if not self.editor.document().isModified() or not self.editor.text().strip():
            return True
        answer = QMessageBox.warning(
            self,
            "Your text is not saved anywhere",
            f"Cloze could not autosave your text ({reason}), and it has unsaved changes. "
            "Save it before closing?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_document_as()
        return answer == QMessageBox.StandardButton.Discard

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        failed = self.document.final_save()
        if failed is not None and not self._close_without_autosave(failed):
            event.ignore()
            return
        self.qsettings.setValue("geometry", self.saveGeometry())
        self.qsettings.setValue("split", self.split.saveState())
        self.qsettings.sync()
        last = str(self.document.path or "")
        if last != self.settings.last_document:
            self.settings = replace(self.settings, last_document=last)
            with contextlib.suppress(OSError):  # the autosave still remembers the document
                save_settings(self.settings)
        self.document.close(final_save=False)
        self.service.shutdown()
        super().closeEvent(event)
