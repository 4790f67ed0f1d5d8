"""Finds installed models: the bundled ``models/`` folder and the user's data dir.

A folder that cannot be used (a manifest of the wrong shape, unreadable, too deep, a duplicate
id) is listed in :meth:`ModelRegistry.scan`'s broken list with the reason, and skipped: one bad
folder never stops the window, ``fill`` or ``models list``.
"""

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
            try:
                children = sorted(root.iterdir()) if root.is_dir() else []
            except OSError:  # an unreadable models folder holds no usable model
                continue
            for child in children:
                try:
                    if child.is_dir() and (child / MANIFEST_NAME).exists():
                        found.append((child, index == 0))
                except OSError:
                    continue
        return found

    def scan(self) -> tuple[list[ModelInfo], list[BrokenModel]]:
        """Every usable model (manifest valid; checksums are checked at load) and every broken one."""
        models: list[ModelInfo] = []
        broken: list[BrokenModel] = []
        seen: set[str] = set()
        for folder, bundled in self._folders():
            try:
                manifest = read_manifest(folder)
                info = manifest.info(folder, bundled=bundled)
            except (ModelError, OSError, ValueError, RecursionError) as exc:
                broken.append(BrokenModel(folder, str(exc)[:500] or type(exc).__name__))
                continue
            if manifest.id in seen:
                broken.append(BrokenModel(folder, f"another model already has the id {manifest.id!r}"))
                continue
            seen.add(manifest.id)
            models.append(info)
        return models, broken

    def broken(self) -> list[BrokenModel]:
        """The folders skipped, each with the reason (for the window, ``fill`` and ``models list``)."""
        return self.scan()[1]

    def models(self) -> list[ModelInfo]:
        """The usable models, bundled ones first."""
        return self.scan()[0]

    def default_id(self, preferred: str = "") -> str:
        """The model to use when none is named: ``preferred`` (the user's choice, passed in by
        :func:`cloze_app.core.app.settings.default_model_id`) when installed, else the bundled
        default, else the first model found."""
        ids = [model.id for model in self.models()]
        if preferred and preferred in ids:
            return preferred
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
            try:
                is_model = candidate.is_dir() and (candidate / MANIFEST_NAME).exists()
            except (OSError, ValueError) as exc:  # a 5,000-character path, a NUL byte
                raise ModelError(f"{id_or_path[:80]!r}… is no model id or folder ({exc}).") from exc
            if is_model or "/" in id_or_path:
                return candidate
        wanted = id_or_path or self.default_id()
        models = self.models()
        for model in models:
            if model.id == wanted:
                return Path(model.path)
        names = ", ".join(model.id for model in models) or "none"
        raise ModelError(f"No model {wanted!r} is installed (installed: {names}).")
