"""The settings dialog: a tab per page; the General page holds model, provider and numbers.

Other pages join with :meth:`SettingsDialog.add_page`. Accepting (OK or Apply) emits
``settings_applied(Settings)``; the window applies them at once, without a restart. The model
is chosen in one place, the General tab's list: a page that picks one too (Settings → Models,
"Use as default") moves that list's selection, so the last choice wins whichever tab it was on.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cloze_app.core.app.settings import Settings
from cloze_app.core.engine.manifest import read_manifest
from cloze_app.core.engine.providers import not_local_providers, provider_choices
from cloze_app.core.errors import ModelError
from cloze_app.core.models.quality import quality_line
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.core.models.speed import read_speed
from cloze_app.core.types import ModelInfo

MODEL_COLUMNS = ("Model", "Size", "Speed", "Quality", "Languages", "License")


def human_size(size: int) -> str:
    """``23.4 MB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


class GeneralPage(QWidget):
    """Model, provider, number of suggestions, threads, font size.

    Signals:
        model_chosen(str): the model selected in the list changed (its id or folder).
    """

    model_chosen = Signal(str)

    def __init__(
        self,
        settings: Settings,
        registry: ModelRegistry,
        active_model: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        model_label = QLabel("&Model:")
        layout.addWidget(model_label)
        self.models = QTreeWidget()
        self.models.setObjectName("models")
        self.models.setAccessibleName("Installed models")
        self.models.setHeaderLabels(list(MODEL_COLUMNS))
        self.models.setRootIsDecorated(False)
        self.models.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        model_label.setBuddy(self.models)
        layout.addWidget(self.models, 1)
        self._settings = settings
        self._registry = registry
        self._active_model = active_model
        self.reload_models()
        self.models.currentItemChanged.connect(lambda *_: self.model_chosen.emit(self.chosen_model()))

        form = QFormLayout()
        self.provider = QComboBox()
        self.provider.setObjectName("provider")
        self.provider.setAccessibleName("Execution provider")
        items = QStandardItemModel(self.provider)
        for choice in provider_choices():
            label = choice.label if choice.available else f"{choice.label} (not available)"
            entry = QStandardItem(label)
            entry.setData(choice.name, Qt.ItemDataRole.UserRole)
            entry.setToolTip(choice.reason)
            entry.setEnabled(choice.available)
            items.appendRow(entry)
        self.provider.setModel(items)
        index = self.provider.findData(settings.provider)
        if index < 0:
            unknown = QStandardItem(f"{settings.provider} (unknown)")
            unknown.setData(settings.provider, Qt.ItemDataRole.UserRole)
            items.appendRow(unknown)
            index = items.rowCount() - 1
        self.provider.setCurrentIndex(index)
        self.provider_reason = QLabel()
        self.provider_reason.setObjectName("providerReason")
        self.provider_reason.setWordWrap(True)
        self.provider.currentIndexChanged.connect(self._show_reason)
        self._show_reason()
        form.addRow("&Provider:", self.provider)
        form.addRow("", self.provider_reason)
        hidden = not_local_providers()
        if hidden:
            note = QLabel(" ".join(f"{p.label} is not offered: {p.reason}" for p in hidden))
            note.setObjectName("providersNotOffered")
            note.setWordWrap(True)
            note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            form.addRow("", note)

        self.top_k = self._spin("topK", "Number of suggestions", 1, 50, settings.top_k)
        form.addRow("&Suggestions:", self.top_k)
        self.threads = self._spin("threads", "Threads", 0, 256, settings.threads)
        self.threads.setSpecialValueText("Automatic")
        form.addRow("&Threads:", self.threads)
        self.font_size = self._spin("fontSize", "Font size", 6, 72, settings.font_size)
        self.font_size.setSuffix(" pt")
        form.addRow("&Font size:", self.font_size)
        layout.addLayout(form)

    @Slot()
    def reload_models(self) -> None:
        """(Re)fill the model list, keeping the current choice when it is still installed."""
        current = self.models.currentItem()
        chosen = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        self.models.clear()
        usable, broken = self._registry.scan()
        wanted = chosen or self._settings.model or self._active_model or self._registry.default_id()
        for info in usable:
            row = self._add_model(info)
            if wanted in (info.id, info.path):
                self.models.setCurrentItem(row)
        for bad in broken:
            item = QTreeWidgetItem([bad.path.name + " (broken)"] + [""] * (len(MODEL_COLUMNS) - 1))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled & ~Qt.ItemFlag.ItemIsSelectable)
            item.setToolTip(0, bad.reason)
            self.models.addTopLevelItem(item)
        if self._settings.model and self.models.currentItem() is None:
            # A folder named in the settings file: keep it unless the user picks another.
            try:
                item = self._add_model(
                    read_manifest(Path(self._settings.model)).info(Path(self._settings.model))
                )
            except (ModelError, OSError) as exc:
                item = QTreeWidgetItem(
                    [f"{self._settings.model} (cannot be read)"] + [""] * (len(MODEL_COLUMNS) - 1)
                )
                item.setToolTip(0, str(exc))
                self.models.addTopLevelItem(item)
            item.setData(0, Qt.ItemDataRole.UserRole, self._settings.model)
            self.models.setCurrentItem(item)
        for column in range(len(MODEL_COLUMNS)):
            self.models.resizeColumnToContents(column)
        self.models.setColumnWidth(0, max(self.models.columnWidth(0), 220))

    def _add_model(self, info: ModelInfo) -> QTreeWidgetItem:
        speed = read_speed(info.id)
        quality = quality_line(Path(info.path), info.extra)
        item = QTreeWidgetItem(
            [
                info.name + (" (bundled)" if info.bundled else ""),
                f"{human_size(info.size_bytes)} {info.quantization}",
                f"{speed.median_ms:.0f} ms" if speed else "not measured",
                quality_line(Path(info.path), info.extra, short=True),
                ", ".join(info.languages),
                info.license,
            ]
        )
        item.setData(0, Qt.ItemDataRole.UserRole, info.id)
        item.setToolTip(0, f"{info.id}\n{info.path}\n{info.description}".strip())
        item.setToolTip(2, "Median time of one run on a probe sentence (Settings → Models → Measure speed).")
        item.setToolTip(3, quality)
        self.models.addTopLevelItem(item)
        return item

    def chosen_model(self) -> str:
        """The id (or folder) of the model selected in the list ("" when none)."""
        item = self.models.currentItem()
        return str(item.data(0, Qt.ItemDataRole.UserRole) or "") if item else ""

    @Slot(str)
    def select_model(self, model_id: str) -> None:
        """Select a model by id (the Models tab's "Use as default" calls this)."""
        for index in range(self.models.topLevelItemCount()):
            item = self.models.topLevelItem(index)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == model_id:
                self.models.setCurrentItem(item)
                return

    @staticmethod
    def _spin(name: str, accessible: str, lo: int, hi: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setObjectName(name)
        spin.setAccessibleName(accessible)
        spin.setRange(lo, hi)
        spin.setValue(value)
        return spin

    @Slot()
    def _show_reason(self) -> None:
        self.provider_reason.setText(str(self.provider.currentData(Qt.ItemDataRole.ToolTipRole) or ""))

    def select_provider(self, name: str) -> None:
        """Choose a provider by onnxruntime name (even one shown as unavailable)."""
        index = self.provider.findData(name)
        if index >= 0:
            self.provider.setCurrentIndex(index)

    def apply_to(self, settings: Settings) -> Settings:
        """``settings`` with what this page shows."""
        model = self.chosen_model() if self.models.currentItem() else settings.model
        return replace(
            settings,
            model=model,
            provider=str(self.provider.currentData() or settings.provider),
            top_k=self.top_k.value(),
            threads=self.threads.value(),
            font_size=self.font_size.value(),
        )


class SettingsDialog(QDialog):
    """Tabbed settings; ``add_page(widget, title)`` adds a tab.

    Signals:
        settings_applied(Settings): OK or Apply was pressed with these settings.
    """

    settings_applied = Signal(object)

    def __init__(
        self,
        settings: Settings,
        registry: ModelRegistry | None = None,
        active_model: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cloze settings")
        self.setObjectName("settingsDialog")
        self.resize(760, 600)
        self._settings = settings
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.general = GeneralPage(settings, registry or ModelRegistry(), active_model)
        self.tabs.addTab(self.general, "&General")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Apply).clicked.connect(self.apply)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

    def add_page(self, widget: QWidget, title: str) -> int:
        """Add a tab; returns its index.

        A page with ``apply_to(settings) -> settings`` takes part in OK/Apply. A page with a
        ``model_chosen(str)`` signal selects the model on the General tab (the one place the
        model is chosen), ``show_chosen_model(str)`` is told what that tab selects, and a
        ``models_changed()`` signal makes the General tab re-read the installed models.
        """
        model_chosen = getattr(widget, "model_chosen", None)
        if model_chosen is not None:
            model_chosen.connect(self.general.select_model)
        show_chosen = getattr(widget, "show_chosen_model", None)
        if callable(show_chosen):
            self.general.model_chosen.connect(show_chosen)
            show_chosen(self.general.chosen_model())
        models_changed = getattr(widget, "models_changed", None)
        if models_changed is not None:
            models_changed.connect(self.general.reload_models)
        return self.tabs.addTab(widget, title)

    def settings(self) -> Settings:
        """The settings as the dialog shows them now."""
        result = self._settings
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            apply_to = getattr(page, "apply_to", None)
            if callable(apply_to):
                result = apply_to(result)
        return result.validated()

    @Slot()
    def apply(self) -> None:
        """Emit ``settings_applied`` with the current choices."""
        self._settings = self.settings()
        self.settings_applied.emit(self._settings)

    def accept(self) -> None:
        self.apply()
        super().accept()
