"""Cold start: what a start imports before its first prediction (issue 14).

The command line imports only the subcommand that runs; reading the settings never imports the
checker (and with it numpy and onnxruntime); the window imports neither numpy nor onnxruntime
on the UI thread before it starts loading the model.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint(','.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    return set(out.stdout.strip().splitlines()[-1].split(","))


def test_reading_the_settings_imports_neither_the_checker_nor_numpy() -> None:
    loaded = _modules_after(
        "from cloze_app.core.app.settings import Settings, load_settings\n"
        "load_settings()\nSettings().validated()"
    )
    assert "cloze_app.core.app.settings" in loaded
    assert not loaded & {"numpy", "onnxruntime", "cloze_app.core.learn.checker"}


def test_the_command_line_imports_only_the_subcommand_that_runs() -> None:
    loaded = _modules_after("from cloze_app.cli import build_parser\nbuild_parser('fill')")
    assert "cloze_app.cli.fill" in loaded
    assert not loaded & {"cloze_app.cli.models", "cloze_app.cli.check", "cloze_app.cli.exercise"}
    assert not loaded & {"cloze_app.core.learn.checker", "cloze_app.core.models.store"}


def test_help_still_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    from cloze_app.cli import SUBCOMMANDS, run_cli

    with pytest.raises(SystemExit):
        run_cli(["--help"])
    shown = capsys.readouterr().out
    assert all(command in shown for command in SUBCOMMANDS)


def test_the_window_modules_leave_numpy_and_onnxruntime_to_the_model_thread() -> None:
    # Imported on the UI thread while the preload thread imports them: it would wait for it.
    loaded = _modules_after("import cloze_app.gui.app")
    assert "cloze_app.gui.main_window" in loaded
    assert not loaded & {"numpy", "onnxruntime", "tokenizers", "cloze_app.gui.check_panel"}


def test_numpy_gets_one_blas_thread_unless_the_user_chose(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cloze_app.entry import limit_blas_threads

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "")  # (so that monkeypatch restores the original)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    limit_blas_threads()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    limit_blas_threads()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


def test_every_start_limits_them_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from cloze_app.entry import main

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "")  # (so that monkeypatch restores the original)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    with pytest.raises(SystemExit):
        main(["--version"])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"


def test_the_command_line_path_leaves_logging_unimported() -> None:
    loaded = _modules_after(
        "import numpy, onnxruntime, tokenizers\n"
        "import cloze_app.cli._common, cloze_app.cli.fill, cloze_app.core.engine.engine\n"
        "from cloze_app.core import paths\npaths.cache_dir(), paths.config_dir()"
    )
    assert "cloze_app.core.paths" in loaded and "logging" not in loaded


def test_a_folder_that_cannot_be_created_is_still_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from cloze_app.core import paths

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CLOZE_CACHE_DIR", str(blocker / "cache"))
    with caplog.at_level("WARNING"):
        assert paths.cache_dir() == blocker / "cache"
    assert "Cannot create" in caplog.text and str(blocker / "cache") in caplog.text
