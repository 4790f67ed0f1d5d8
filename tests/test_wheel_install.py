"""The package installs as a wheel that works outside the checkout (offline, as CI runs it).

A copy of the source tree is built into a wheel (no build isolation, no network), installed
into a fresh venv whose only link to this one is a ``.pth`` line naming our site-packages for
the dependencies, and ``cloze-cli fill`` runs from a folder outside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO, bundled_model_available

SKIP = shutil.ignore_patterns(
    ".git", ".venv", "data", "runs", ".device", "build", "dist", "*.egg-info", "__pycache__",
    ".*_cache", "reference", "node_modules",
)  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.bundled,
    pytest.mark.skipif(not bundled_model_available(), reason="the bundled model is not in models/"),
]


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("src") / "cloze"
    shutil.copytree(REPO, source, ignore=SKIP, symlinks=True)
    dist = source.parent / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(dist)],
        cwd=source,
    )  # fmt: skip
    (found,) = dist.glob("cloze-*.whl")
    return found


def test_the_wheel_holds_the_icon_the_bundled_model_and_py_typed(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "cloze_app/py.typed" in names
    assert "cloze_app/assets/cloze.svg" in names
    model = "cloze_app/bundled_models/cloze-minilm-en/"
    assert {model + name for name in ("cloze-model.json", "model.onnx", "tokenizer.json")} <= names
    assert not any(name.startswith(model + "reference/") for name in names)  # training data stays out
    assert not any(name.startswith(("tests/", "models/")) for name in names)


def test_the_wheel_holds_every_data_file_of_the_package(wheel: Path) -> None:
    """A data file committed in cloze_app/ but missing from package-data breaks installs only."""
    tracked = subprocess.run(
        ["git", "ls-files", "cloze_app"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    data = {
        name for name in tracked if not name.endswith(".py") and not name.startswith("cloze_app/training/")
    }
    names = set(zipfile.ZipFile(wheel).namelist())
    assert data <= names, f"not in the wheel (add them to [tool.setuptools.package-data]): {data - names}"


def test_installed_wheel_fills_blanks_from_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    site = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path).strip()
    )
    # Dependencies (PySide6, onnxruntime, ...) come from this venv; cloze_app only from the wheel.
    (site / "deps-from-test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
         str(wheel)], cwd=tmp_path)  # fmt: skip
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CLOZE_BUNDLED_MODELS")}
    env["HOME"] = str(tmp_path / "home")

    probe = (
        "import cloze_app.core.paths as p; print(p.__file__); print(p.bundled_models_dir()); "
        "print(p.asset_path('cloze.svg')); print(p.asset_path('cloze.svg').is_file()); "
        "print((p.bundled_models_dir() / 'cloze-minilm-en' / 'cloze-model.json').is_file())"
    )
    module, models, icon, icon_found, model_found = run([str(python), "-c", probe], outside, env).split()
    for found in (module, models, icon):
        assert found.startswith(str(venv)), found  # from the installed package, not the checkout
    assert icon_found == model_found == "True"

    out = run(
        [str(venv / "bin" / "cloze-cli"), "fill", "I drink a cup of ___ every morning.", "--json"],
        outside,
        env,
    )
    result = json.loads(out)
    words = [c["word"] for c in result["blanks"][0]["candidates"]]
    assert {"coffee", "tea"} & set(words[:5]), words
