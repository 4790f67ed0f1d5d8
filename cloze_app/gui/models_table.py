"""The installed models as a Qt table model, and the catalogue of models to download (Models page)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from cloze_app.core.models.catalog import CATALOG
from cloze_app.core.models.quality import quality_line
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.core.models.speed import SpeedMeasurement, read_speed
from cloze_app.core.types import ModelInfo

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Model", "Languages", "Size", "Quantization", "License", "Speed", "Quality")


def human_size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def speed_text(measurement: SpeedMeasurement | None) -> str:
    if measurement is None:
        return "not measured"
    ms = measurement.median_ms
    return f"{ms:.1f} ms" if ms >= 1 else f"{ms:.2f} ms"


class InstalledModels(QAbstractTableModel):
    """The installed models as a table; the default one is shown in bold with a ★."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._models: list[ModelInfo] = []
        self._speeds: dict[str, SpeedMeasurement | None] = {}
        self._quality: dict[str, str] = {}
        self._quality_short: dict[str, str] = {}
        self.default_id = ""

    def reload(self, default_id: str) -> None:
        """Read the models from disk again."""
        self.beginResetModel()
        self._models = ModelRegistry().models()
        self._speeds = {m.id: read_speed(m.id) for m in self._models}
        self._quality = {m.id: quality_line(Path(m.path), m.extra) for m in self._models}
        self._quality_short = {m.id: quality_line(Path(m.path), m.extra, short=True) for m in self._models}
        self.default_id = default_id
        self.endResetModel()

    def model_at(self, row: int) -> ModelInfo | None:
        """The model in ``row`` (None outside the table)."""
        return self._models[row] if 0 <= row < len(self._models) else None

    def row_of(self, model_id: str) -> int:
        """The row of a model id, or -1."""
        return next((row for row, m in enumerate(self._models) if m.id == model_id), -1)

    def quality(self, model_id: str) -> str:
        """The model's quality line (from its eval.json), or "not evaluated"."""
        return self._quality.get(model_id, "not evaluated")

    def speed(self, model_id: str) -> SpeedMeasurement | None:
        """The stored speed measurement of a model."""
        return self._speeds.get(model_id)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._models)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        info = self.model_at(index.row()) if index.isValid() else None
        if info is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            star = " ★" if info.id == self.default_id else ""
            values = (
                info.name + (" (bundled)" if info.bundled else "") + star,
                ", ".join(info.languages) or "?",
                human_size(info.size_bytes),
                info.quantization,
                info.license,
                speed_text(self._speeds.get(info.id)),
                self._quality_short.get(info.id, ""),
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == COLUMNS.index("Quality"):
                return self._quality.get(info.id, "")
            return f"{info.id}\n{info.path}"
        if role == Qt.ItemDataRole.UserRole:
            return info.id
        return None


def catalog_tree() -> QTreeWidget:
    """The models one can download (``core.models.catalog``), one row each; the id is UserRole."""
    tree = QTreeWidget()
    tree.setObjectName("catalog")
    tree.setAccessibleName("Models to download")
    tree.setRootIsDecorated(False)
    tree.setHeaderLabels(["Model", "Languages", "Download", "License", "How"])
    for entry in CATALOG:
        how = "ready, int8" if entry.ready_onnx else "converted here"
        langs = "about 100 languages" if "mul" in entry.languages else ", ".join(entry.languages)
        item = QTreeWidgetItem([entry.name, langs, f"~{entry.download_mb} MB", entry.license, how])
        item.setData(0, Qt.ItemDataRole.UserRole, entry.id)
        item.setToolTip(0, f"{entry.repo}\n{entry.description}")
        item.setToolTip(1, ", ".join(entry.languages))
        item.setToolTip(
            4,
            "The repo holds an int8 ONNX model: nothing to convert."
            if entry.ready_onnx
            else "Downloaded as a checkpoint and converted to int8 here (pip install 'cloze[convert]').",
        )
        tree.addTopLevelItem(item)
    for column in range(5):
        tree.resizeColumnToContents(column)
    return tree
