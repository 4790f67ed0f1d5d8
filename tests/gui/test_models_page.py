"""The Models settings page, offscreen: list, add, remove, default, download with progress and cancel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from cloze_app.core import paths  # noqa: E402
from cloze_app.core.app.settings import Settings  # noqa: E402
from cloze_app.core.engine.manifest import MANIFEST_NAME  # noqa: E402
from cloze_app.core.models.store import install_folder  # noqa: E402
from cloze_app.gui.models_page import ModelsPage  # noqa: E402
from cloze_app.gui.models_table import COLUMNS  # noqa: E402
from cloze_app.gui.settings_dialog import SettingsDialog  # noqa: E402
from tests.hub_server import HubServer, running_hub  # noqa: E402
from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder  # noqa: E402

JOB_TIMEOUT_MS = 60_000


@pytest.fixture(autouse=True)
def _no_bundled_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bundled").mkdir()
    monkeypatch.setenv("CLOZE_BUNDLED_MODELS", str(tmp_path / "bundled"))


@pytest.fixture
def page(qtbot) -> ModelsPage:  # type: ignore[no-untyped-def]
    widget = ModelsPage()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    with running_hub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server
        server.release.set()


def shown_rows(page: ModelsPage) -> list[list[str]]:
    table = page.table
    return [[table.index(r, c).data() for c in range(len(COLUMNS))] for r in range(table.rowCount())]


def test_lists_installed_models_with_their_details(qtbot, qtmodeltester, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    install_folder(tiny_model_dir)
    widget = ModelsPage()
    qtbot.addWidget(widget)

    qtmodeltester.check(widget.table)
    assert shown_rows(widget) == [
        ["Tiny wordpiece model ★", "en", "37 kB", "fp32", "CC0-1.0", "not measured", "not evaluated"]
    ]
    assert widget.selected_id() == "tiny-wp"
    assert "[MASK]" in widget.details.text() and "uncased" in widget.details.text()
    assert widget.catalog.topLevelItemCount() >= 6


def test_add_folder_runs_in_the_background_and_lists_the_model(
    qtbot, page: ModelsPage, tiny_bpe_model_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT_MS) as finished:
        assert page.add_folder(tiny_bpe_model_dir)
        assert not page.add_button.isEnabled()  # one job at a time

    assert finished.args[0] is True, finished.args[1]
    assert page.table.row_of("tiny-bpe") == 0
    assert page.add_button.isEnabled() and page.progress.isHidden()


def test_a_refused_folder_shows_why(qtbot, page: ModelsPage, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = tiny_model_dir / MANIFEST_NAME
    manifest.write_text(manifest.read_text().replace('"model.onnx"', '"../model.onnx"'))

    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT_MS) as finished:
        page.add_folder(tiny_model_dir)

    assert finished.args[0] is False
    assert "outside the model folder" in page.status.text()
    assert page.table.rowCount() == 0


def test_remove_asks_first_and_default_applies_through_the_dialog(
    qtbot, tiny_model_dir: Path, tiny_bpe_model_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    install_folder(tiny_model_dir)
    install_folder(tiny_bpe_model_dir)
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    page = ModelsPage()
    dialog.add_page(page, "Models")

    page.view.selectRow(page.table.row_of("tiny-bpe"))
    page.make_selected_default()
    assert dialog.settings().model == "tiny-bpe"
    assert page.table.index(page.table.row_of("tiny-bpe"), 0).data().endswith("★")

    questions: list[str] = []
    page.confirm = lambda question: questions.append(question) or False
    page.remove_selected()
    assert page.table.row_of("tiny-bpe") >= 0  # the user said no
    page.confirm = lambda question: True
    with qtbot.waitSignal(page.models_changed, timeout=5000):
        page.remove_selected()
    assert "Delete" in questions[0]
    assert page.table.row_of("tiny-bpe") == -1
    assert dialog.settings().model != "tiny-bpe"  # the removed model is no longer chosen


def test_the_model_is_chosen_in_one_place_whatever_the_tab_order(
    qtbot, tiny_model_dir: Path, tiny_bpe_model_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    install_folder(tiny_model_dir)
    install_folder(tiny_bpe_model_dir)
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    page = ModelsPage()
    dialog.add_page(page, "Models")

    page.view.selectRow(page.table.row_of("tiny-bpe"))
    page.make_selected_default()  # Models tab first ...
    assert dialog.general.chosen_model() == "tiny-bpe"
    dialog.general.select_model("tiny-wp")  # ... then the General tab: the last choice wins
    assert dialog.settings().model == "tiny-wp"
    assert page.table.index(page.table.row_of("tiny-wp"), 0).data().endswith("★")
    page.view.selectRow(page.table.row_of("tiny-bpe"))
    page.make_selected_default()  # and the other way round
    assert dialog.settings().model == "tiny-bpe"


def test_a_long_error_never_draws_the_repo_box_over_the_catalogue(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from cloze_app.gui.models_page import install_models_page

    window = make_window()
    install_models_page(window)
    dialog = window.open_settings()
    dialog.resize(640, 480)  # small: the page must scroll rather than overlap
    titles = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
    page = dialog.tabs.widget(titles.index("Models"))
    dialog.tabs.setCurrentWidget(page)
    offline = "Could not reach https://huggingface.co: [Errno -3] Temporary failure in name resolution. " * 4
    page._finish(False, offline + "Check your connection, or set HF_ENDPOINT to a mirror.")

    def separate(first: QWidget, second: QWidget) -> bool:
        one = QRect(first.mapTo(page, QPoint(0, 0)), first.size())
        two = QRect(second.mapTo(page, QPoint(0, 0)), second.size())
        return not one.intersects(two)

    widgets = [page.view, page.details, page.catalog, page.repo, page.status]
    qtbot.waitUntil(
        lambda: all(separate(a, b) for i, a in enumerate(widgets) for b in widgets[i + 1 :]), timeout=5000
    )
    assert page.catalog.height() >= page.catalog.minimumHeight()
    dialog.reject()


def test_measure_speed_shows_it_in_the_list(qtbot, page: ModelsPage, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    install_folder(tiny_model_dir)
    page.reload()
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT_MS) as finished:
        page.measure_selected()
    assert finished.args[0] is True
    assert shown_rows(page)[0][5].endswith(" ms")
    assert shown_rows(page)[0][6] == "not evaluated"  # the tiny model has no eval.json
    assert "Speed:" in page.details.text() and "measured" in page.details.text()


def test_download_shows_progress_and_installs(
    qtbot, page: ModelsPage, hub: HubServer, tiny_model_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    (tiny_model_dir / MANIFEST_NAME).unlink()
    hub.add_folder("someone/tiny-wp", tiny_model_dir)
    seen: list[object] = []
    page.progress_changed.connect(seen.append)
    page.repo.setText("someone/tiny-wp")

    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT_MS) as finished:
        page.download_selected()

    assert finished.args[0] is True, finished.args[1]
    done, total = seen[-1]  # type: ignore[misc]
    assert total > 0 and done == total
    assert page.table.row_of("tiny-wp") == 0
    assert "Installed" in page.status.text()


def test_cancel_stops_a_download_and_keeps_what_arrived(
    qtbot, page: ModelsPage, hub: HubServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = write_model_folder(
        tmp_path / "big", wordpiece_tokenizer(["cat", "dog"]), WORDPIECE, max_length=2048
    )
    (folder / MANIFEST_NAME).unlink()
    assert (folder / "model.onnx").stat().st_size > 100_000  # several download chunks
    hub.add_folder("someone/tiny-wp", folder)
    hub.hold_at["model.onnx"] = 70_000  # the server pauses mid-file until released

    with qtbot.waitSignal(page.progress_changed, timeout=JOB_TIMEOUT_MS):
        page.download("someone/tiny-wp")
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT_MS) as finished:
        page.cancel_job()
        hub.release.set()

    assert finished.args[0] is False and "cancelled" in finished.args[1]
    assert page.table.rowCount() == 0
    assert list((paths.cache_dir() / "downloads").rglob("model.onnx.part"))


def test_convert_a_checkpoint_from_the_page(qtbot, page: ModelsPage, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("torch")
    from tests.hf_fixtures import write_bert_checkpoint

    checkpoint = write_bert_checkpoint(tmp_path / "tiny-bert")
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT_MS) as finished:
        page.convert_folder(checkpoint)

    assert finished.args[0] is True, finished.args[1]
    assert shown_rows(page)[0][3] == "int8"
    assert "int8 keeps 100%" in page.status.text()


def test_the_settings_dialog_of_the_window_has_the_models_page(qtbot, make_window) -> None:  # type: ignore[no-untyped-def]
    from cloze_app.gui.models_page import install_models_page

    window = make_window()
    install_models_page(window)
    dialog = window.open_settings()

    titles = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
    assert "Models" in titles
    page = dialog.tabs.widget(titles.index("Models"))
    assert isinstance(page, ModelsPage)
    dialog.reject()


def test_the_general_tab_follows_installs_and_removals(qtbot, make_window, tiny_bpe_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from cloze_app.gui.models_page import install_models_page

    window = make_window()
    install_models_page(window)
    dialog = window.open_settings()
    titles = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
    page = dialog.tabs.widget(titles.index("Models"))

    def general_ids() -> list[str]:
        tree = dialog.general.models
        return [
            tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) for i in range(tree.topLevelItemCount())
        ]

    assert "tiny-bpe" not in general_ids()
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT_MS):
        page.add_folder(tiny_bpe_model_dir)
    assert "tiny-bpe" in general_ids()  # no reopening of the dialog needed
    page.view.selectRow(page.table.row_of("tiny-bpe"))
    page.confirm = lambda question: True
    with qtbot.waitSignal(page.models_changed, timeout=5000):
        page.remove_selected()
    assert "tiny-bpe" not in general_ids()
    dialog.reject()
