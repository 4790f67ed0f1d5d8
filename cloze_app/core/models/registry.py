"""Finds installed models: the bundled ``models/`` folder and the user's data dir."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cloze_app.core import paths
from cloze_app.core.engine.manifest import MANIFEST_NAME, read_manifest
from cloze_app.core.errors import ModelError
from cloze_app.core.types import ModelInfo

DEFAULT_MODEL_ID = "cloze-minilm-en"


@dataclass(frozen=True)
class BrokenModel:
    """A folder that looks like a model but cannot be used, and why."""

    path: Path
    reason: str


class ModelRegistry:
    """Lists models in a set of folders; the first folder is the bundled one."""

    def __init__(self, roots: Sequence[Path] | None = None) -> None:
        if roots is None:
            roots = (paths.bundled_models_dir(), paths.user_models_dir())
        self.roots = tuple(Path(root) for root in roots)

    def _folders(self) -> list[tuple[Path, bool]]:
        found = []
        for index, root in enumerate(self.roots):
            if not root.is_dir():
                continue
            for child in sorted(root.iterdir()):
                if child.is_dir() and (child / MANIFEST_NAME).exists():
                    found.append((child, index == 0))
        return found

    def scan(self) -> tuple[list[ModelInfo], list[BrokenModel]]:
        """Every usable model (manifest valid; checksums are checked at load) and every broken one."""
        models: list[ModelInfo] = []
        broken: list[BrokenModel] = []
        seen: set[str] = set()
        for folder, bundled in self._folders():
            try:
                manifest = read_manifest(folder)
            except ModelError as exc:
                broken.append(BrokenModel(folder, str(exc)))
                continue
            if manifest.id in seen:
                broken.append(BrokenModel(folder, f"another model already has the id {manifest.id!r}"))
                continue
            seen.add(manifest.id)
            models.append(manifest.info(folder, bundled=bundled))
        return models, broken

    def models(self) -> list[ModelInfo]:
        """The usable models, bundled ones first."""
        return self.scan()[0]

    def default_id(self) -> str:
        """The bundled default when present, else the first model found."""
        models = self.models()
        ids = [model.id for model in models]
        if DEFAULT_MODEL_ID in ids or not ids:
            return DEFAULT_MODEL_ID
        return ids[0]

    def resolve(self, id_or_path: str | None) -> Path:
        """The folder of a model given by id or by path (``None``: the default model).

        Raises:
            ModelError: when no such model is installed, listing the ones that are.
        """
        if id_or_path:
            candidate = Path(id_or_path).expanduser()
            if candidate.is_dir() and (candidate / MANIFEST_NAME).exists() or "/" in id_or_path:
                return candidate
        wanted = id_or_path or self.default_id()
        models = self.models()
        for model in models:
            if model.id == wanted:
                return Path(model.path)
        names = ", ".join(model.id for model in models) or "none"
        raise ModelError(f"No model {wanted!r} is installed (installed: {names}).")
