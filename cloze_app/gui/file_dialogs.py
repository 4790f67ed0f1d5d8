"""Where Open, Save and Export dialogs start: the document's folder, else the user's Documents."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def documents_folder() -> Path:
    """The user's Documents folder when it exists, else the home folder."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(location) if location else Path.home()
    return folder if folder.is_dir() else Path.home()


def start_folder(document: Path | None) -> Path:
    """The folder a file dialog opens in for ``document`` (None: an untitled document)."""
    if document is not None and document.parent.is_dir():
        return document.parent
    return documents_folder()


def suggested_path(document: Path | None, name: str) -> Path:
    """``name`` in :func:`start_folder`, e.g. the default file name of an export."""
    return start_folder(document) / name
