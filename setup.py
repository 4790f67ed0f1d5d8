"""Wheel build step: the bundled models travel inside the package (``cloze_app/bundled_models``).

Everything else is declared in pyproject.toml. In a source checkout the models stay in
``models/`` and ``cloze_app.core.paths.bundled_models_dir()`` finds them there; in a wheel each
folder of ``models/`` that has a ``cloze-model.json`` is copied, top-level files only (training
references such as ``reference/`` stay behind), to ``cloze_app/bundled_models/<id>/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE_MODELS = Path(__file__).resolve().parent / "models"
MANIFEST = "cloze-model.json"


class BuildPyWithModels(build_py):
    """``build_py`` that also copies the bundled models (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False) or not SOURCE_MODELS.is_dir():
            return
        target_root = Path(self.build_lib) / "cloze_app" / "bundled_models"
        for folder in sorted(SOURCE_MODELS.iterdir()):
            if not (folder / MANIFEST).is_file():
                continue
            target = target_root / folder.name
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            for item in sorted(folder.iterdir()):
                if item.is_file():
                    shutil.copy2(item, target / item.name)


setup(cmdclass={"build_py": BuildPyWithModels})
