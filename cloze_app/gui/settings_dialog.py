"""The settings dialog: a tab per page; the General page holds model, provider and numbers.

Other pages join with :meth:`SettingsDialog.add_page`. Accepting (OK or Apply) emits
``settings_applied(Settings)``; the window applies them at once, without a restart.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
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
from cloze_app.core.engine.providers import provider_choices
from cloze_app.core.errors import ModelError
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.core.types import ModelInfo


def human_size(size: int) -> str:
    """``23.4 MB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


class GeneralPage(QWidget):
    """Model, provider, number of suggestions, threads, font size."""

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
        self.models.setHeaderLabels(["Model", "Languages", "Size", "Quantization", "License"])
        self.models.setRootIsDecorated(False)
        self.models.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        model_label.setBuddy(self.models)
        layout.addWidget(self.models, 1)
        self._settings = settings
        self._registry = registry
        self._active_model = active_model
        self.reload_models()

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
        self.provider_reason.setWordWrap(True)
        self.provider.currentIndexChanged.connect(self._show_reason)
        self._show_reason()
        form.addRow("&Provider:", self.provider)
        form.addRow("", self.provider_reason)

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
            item = QTreeWidgetItem([bad.path.name + " (broken)", "", "", "", ""])
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
                item = QTreeWidgetItem([f"{self._settings.model} (cannot be read)", "", "", "", ""])
                item.setToolTip(0, str(exc))
                self.models.addTopLevelItem(item)
            item.setData(0, Qt.ItemDataRole.UserRole, self._settings.model)
            self.models.setCurrentItem(item)
        for column in range(1, 5):
            self.models.resizeColumnToContents(column)
        self.models.resizeColumnToContents(0)
        self.models.setColumnWidth(0, max(self.models.columnWidth(0), 220))

    def _add_model(self, info: ModelInfo) -> QTreeWidgetItem:
        item = QTreeWidgetItem(
            [
                info.name + (" (bundled)" if info.bundled else ""),
                ", ".join(info.languages),
                human_size(info.size_bytes),
                info.quantization,
                info.license,
            ]
        )
        item.setData(0, Qt.ItemDataRole.UserRole, info.id)
        item.setToolTip(0, f"{info.id}\n{info.path}\n{info.description}".strip())
        self.models.addTopLevelItem(item)
        return item

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
        item = self.models.currentItem()
        model = str(item.data(0, Qt.ItemDataRole.UserRole) or "") if item else settings.model
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
        self.resize(640, 480)
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
        """Add a tab; returns its index. A page with ``apply_to(settings) -> settings`` takes part
        in OK/Apply."""
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
