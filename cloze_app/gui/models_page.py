"""The Models page of the settings dialog: installed models, add / convert / download, remove, default.

Installing, converting, downloading and measuring run on the window's job runner
(``gui/jobs.py``, one job at a time); progress and results come back on the UI thread. Register the page with
``install_models_page(window)``, or add ``ModelsPage()`` to a dialog with ``add_page``.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cloze_app.core.app.settings import default_model_id
from cloze_app.core.errors import ClozeError
from cloze_app.core.models import store as install
from cloze_app.core.models.speed import SpeedMeasurement, measure_speed, save_speed
from cloze_app.core.types import ModelInfo
from cloze_app.gui.fit_scroll import FitScrollArea
from cloze_app.gui.jobs import JobControl, JobRunner
from cloze_app.gui.models_table import InstalledModels, catalog_tree, human_size, speed_text

if TYPE_CHECKING:
    from cloze_app.core.models.hub import DownloadProgress

CHANNEL = "models"


class JobReport:
    """What a model job reports from its thread: stages in words, download bytes.

    Both travel through the window's one job runner (``gui/jobs.py``) as progress; bytes as KiB,
    since Qt's signal carries C ints and a model may be larger than 2 GiB.
    """

    def __init__(self, control: JobControl) -> None:
        self._control = control

    def stage(self, text: str) -> None:
        self._control.progress(0, 0, text)

    def download(self, progress: DownloadProgress) -> None:
        self._control.progress(progress.done // 1024, max(progress.total // 1024, 1), "")


Work = Callable[[JobReport, threading.Event], Any]


def error_text(exc: BaseException) -> str:
    """A job's failure in words: Cloze's own errors say what to do; others name their type."""
    return str(exc) if isinstance(exc, ClozeError) else f"{type(exc).__name__}: {exc}"


class ModelsPage(QWidget):
    """Settings page for models.

    The model itself is chosen on the dialog's General tab: "Use as default" emits
    ``model_chosen`` (the dialog selects it there) and the ★ follows that tab's choice.

    Signals:
        models_changed(): a model was installed or removed (the list was reloaded).
        model_chosen(str): "Use as default" was pressed for this model id.
        job_finished(bool, str): a background job ended: success and the message shown.
        progress_changed(object): download progress, ``(done, total)`` in KiB.
    """

    models_changed = Signal()
    model_chosen = Signal(str)
    job_finished = Signal(bool, str)
    progress_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelsPage")
        self._jobs = JobRunner(threads=1, parent=self)
        self._cancel: threading.Event | None = None
        self._job: int | None = None  # the running job's id
        self._chosen_default: str | None = None
        self.confirm: Callable[[str], bool] = self._ask  # tests replace this
        self.table = InstalledModels(self)
        self.view = QTableView()
        self.view.setObjectName("installedModels")
        self.view.setAccessibleName("Installed models")
        self.view.setModel(self.table)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.details = QLabel()
        self.details.setObjectName("modelDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.add_button = self._button("&Add ONNX folder…", self._pick_folder)
        self.convert_button = self._button("&Convert checkpoint…", self._pick_checkpoint)
        self.remove_button = self._button("&Remove", self.remove_selected)
        self.default_button = self._button("Use as &default", self.make_selected_default)
        self.measure_button = self._button("&Measure speed", self.measure_selected)
        actions = QHBoxLayout()
        for button in (self.add_button, self.convert_button, self.remove_button, self.default_button,
                       self.measure_button):  # fmt: skip
            actions.addWidget(button)
        actions.addStretch(1)

        self.catalog = catalog_tree()
        self.catalog.setMinimumHeight(120)
        self.repo = QLineEdit()
        self.repo.setObjectName("repoId")
        self.repo.setPlaceholderText("or any Hub repo id, e.g. dbmdz/bert-base-italian-cased")
        self.download_button = self._button("Do&wnload", self.download_selected)
        hub_row = QHBoxLayout()
        hub_row.addWidget(self.repo, 1)
        hub_row.addWidget(self.download_button)
        hub = QGroupBox("Download from the Hugging Face Hub")
        hub_layout = QVBoxLayout(hub)
        hub_layout.addWidget(self.catalog)
        hub_layout.addLayout(hub_row)

        self.status = QLabel()
        self.status.setObjectName("jobStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("jobProgress")
        self.progress.hide()
        self.cancel_button = self._button("Cancel", self.cancel_job)
        self.cancel_button.hide()
        job_row = QHBoxLayout()
        job_row.addWidget(self.progress, 1)
        job_row.addWidget(self.cancel_button)

        content = QWidget()
        content.setObjectName("modelsPageContent")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = FitScrollArea(content)
        scroll.setObjectName("modelsPageScroll")
        outer.addWidget(scroll)
        self.view.setMinimumHeight(90)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(content)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.details)
        layout.addLayout(actions)
        layout.addWidget(hub, 2)
        layout.addWidget(self.status)
        layout.addLayout(job_row)
        self.view.selectionModel().selectionChanged.connect(self._show_details)
        self.reload()

    def _button(self, text: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(slot)
        return button

    # ----- list and details
    def reload(self, select: str | None = None) -> None:
        """Re-read the installed models; keep (or move to) the selection."""
        current = select or self.selected_id()
        self.table.reload(self._chosen_default or default_model_id())
        row = self.table.row_of(current) if current else -1
        self.view.selectRow(max(row, 0) if self.table.rowCount() else -1)
        self._show_details()

    def selected_id(self) -> str:
        """The id of the selected installed model ("" when none)."""
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        info = self.table.model_at(rows[0].row()) if rows else None
        return info.id if info else ""

    def _selected(self) -> ModelInfo | None:
        return self.table.model_at(self.table.row_of(self.selected_id()))

    @Slot()
    def _show_details(self) -> None:
        info = self._selected()
        busy = self._job is not None
        self.remove_button.setEnabled(bool(info) and not (info and info.bundled) and not busy)
        self.default_button.setEnabled(bool(info) and not busy)
        self.measure_button.setEnabled(bool(info) and not busy)
        if info is None:
            self.details.setText("No model is installed yet: add a folder or download one below.")
            return
        speed = self.table.speed(info.id)
        default = " — default" if info.id == self.table.default_id else ""
        measured = f" (measured {speed.measured_at[:10]})" if speed else ""
        lines = [
            f"Mask token {info.mask_token}, {'cased' if info.cased else 'uncased'}, up to {info.max_length} "
            f"tokens, {info.quantization}. Speed: {speed_text(speed)}{measured}.",
            f"Quality: {self.table.quality(info.id)}.",
            f"From: {info.source}",
        ]
        if "agreement_top5" in info.extra:
            lines.append(f"int8 keeps {float(info.extra['agreement_top5']):.0%} of fp32's top-5 candidates.")
        title = f"<b>{html.escape(info.name)}</b> ({html.escape(info.id)}){default}"
        self.details.setText("<br>".join([title, *(html.escape(line) for line in lines)]))

    # ----- background jobs
    def _start(self, label: str, work: Work, done: Callable[[Any], str], downloading: bool = False) -> bool:
        if self._job is not None:
            self.status.setText("Another model job is still running; wait for it or cancel it.")
            return False
        cancel = self._cancel = threading.Event()
        self.status.setText(label)
        self.progress.setRange(0, 0 if not downloading else 1000)
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        for button in (self.add_button, self.convert_button, self.download_button):
            button.setEnabled(False)
        self._job = self._jobs.start(
            CHANNEL,
            lambda control: work(JobReport(control), cancel),
            on_result=lambda result: self._finish(True, done(result)),
            on_progress=self._on_progress,
            on_error=lambda exc: self._finish(False, error_text(exc)),
        )
        self._show_details()
        return True

    def _on_progress(self, done_kib: int, total_kib: int, stage: str) -> None:
        if stage:
            self.status.setText(stage)
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(int(1000 * done_kib / total_kib))
        self.progress.setFormat(f"{done_kib * 1024 / 1e6:.1f} of {total_kib * 1024 / 1e6:.1f} MB")
        self.progress_changed.emit((done_kib, total_kib))

    def _finish(self, ok: bool, message: str) -> None:
        self._job, self._cancel = None, None
        self.progress.hide()
        self.cancel_button.hide()
        for button in (self.add_button, self.convert_button, self.download_button):
            button.setEnabled(True)
        self.status.setText(message)
        self.reload()
        if ok:
            self.models_changed.emit()
        self.job_finished.emit(ok, message)

    @Slot()
    def cancel_job(self) -> None:
        """Stop the running job (a download keeps what it fetched and resumes next time)."""
        if self._cancel is not None:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    @staticmethod
    def _installed_message(result: install.InstallResult) -> str:
        info = result.info
        text = f"Installed {info.name} ({info.quantization}, {human_size(info.size_bytes)})."
        if result.agreement is not None:
            text += f" Check: {result.agreement.describe()}."
        return " ".join([text, *result.warnings])

    def add_folder(self, folder: Path) -> bool:
        """Install an ONNX model folder in the background."""
        return self._start(
            f"Installing {folder}…",
            lambda report, cancel: install.install_folder(folder, on_stage=report.stage, cancel=cancel),
            self._installed_message,
        )

    def convert_folder(self, folder: Path) -> bool:
        """Convert a Hugging Face checkpoint to int8 ONNX and install it, in the background."""
        return self._start(
            f"Converting {folder}…",
            lambda report, cancel: install.convert_and_install(folder, on_stage=report.stage, cancel=cancel),
            self._installed_message,
        )

    def download(self, id_or_repo: str) -> bool:
        """Download a catalog model or Hub repo, convert if needed and install, in the background."""
        from cloze_app.core.models.hub import download_model

        def work(report: JobReport, cancel: threading.Event) -> install.InstallResult:
            return download_model(id_or_repo, progress=report.download, on_stage=report.stage, cancel=cancel)

        return self._start(f"Downloading {id_or_repo}…", work, self._installed_message, downloading=True)

    @Slot()
    def download_selected(self) -> None:
        """Download the repo typed in, else the catalog entry selected."""
        item = self.catalog.currentItem()
        wanted = self.repo.text().strip() or (str(item.data(0, Qt.ItemDataRole.UserRole)) if item else "")
        if not wanted:
            self.status.setText("Choose a model in the list or type a Hub repo id.")
            return
        self.download(wanted)

    @Slot()
    def measure_selected(self) -> None:
        """Time the selected model on this machine."""
        info = self._selected()
        if info is None:
            return

        def work(_report: JobReport, _cancel: threading.Event) -> SpeedMeasurement:
            measurement = measure_speed(Path(info.path))
            save_speed(measurement)
            return measurement

        self._start(
            f"Measuring {info.name}…", work, lambda m: f"{info.name}: {speed_text(m)} per run (median)."
        )

    # ----- remove and default
    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Remove model", question)
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def remove_selected(self) -> None:
        """Delete the selected model after asking."""
        info = self._selected()
        if info is None or not self.confirm(
            f"Delete {info.name} ({human_size(info.size_bytes)}) from this computer?"
        ):
            return
        try:
            install.remove_model(info.id)
        except ClozeError as exc:
            self.status.setText(str(exc))
            return
        if self._chosen_default == info.id:
            self._chosen_default = None
        self.status.setText(f"Removed {info.name}.")
        self.reload()
        self.models_changed.emit()

    @Slot()
    def make_selected_default(self) -> None:
        """Choose the selected model; it is used once the dialog is applied."""
        info = self._selected()
        if info is None:
            return
        self._chosen_default = info.id
        self.status.setText(f"{info.name} will be used after OK or Apply.")
        self.reload(select=info.id)
        self.model_chosen.emit(info.id)

    @Slot(str)
    def show_chosen_model(self, model_id: str) -> None:
        """Mark ``model_id`` with the ★ (the model the dialog's General tab selects)."""
        if model_id == (self._chosen_default or ""):
            return
        self._chosen_default = model_id or None
        self.reload()

    # ----- file pickers
    @Slot()
    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with an ONNX model and tokenizer.json")
        if folder:
            self.add_folder(Path(folder))

    @Slot()
    def _pick_checkpoint(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Hugging Face checkpoint folder (config.json, safetensors)"
        )
        if folder:
            self.convert_folder(Path(folder))


def models_page_for(dialog: Any) -> ModelsPage:
    """A Models page for a settings dialog; closing the dialog cancels the page's job."""
    page = ModelsPage()
    dialog.finished.connect(page.cancel_job)  # the dialog's add_page keeps the General tab in step
    return page


def install_models_page(window: Any) -> None:
    """Add the Models page to every settings dialog ``window`` opens; closing it cancels a job."""
    window.add_settings_page(models_page_for, "&Models")
