"""The model folder format: ``cloze-model.json`` beside ``model.onnx`` and ``tokenizer.json``."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cloze_app.core.atomic import atomic_write_text
from cloze_app.core.engine.digests import cached_sha256, sha256_file
from cloze_app.core.errors import ModelError
from cloze_app.core.types import ModelInfo

MANIFEST_NAME = "cloze-model.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
REQUIRED_FILES = (MODEL_FILE, TOKENIZER_FILE)
FORMAT_VERSION = 1
MAX_MANIFEST_BYTES = 1 << 20  # a manifest is a few hundred bytes; anything this big is not one
MAX_LENGTH_LIMIT = 1 << 20
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

_REQUIRED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "name": str,
    "languages": list,
    "mask_token": str,
    "max_length": int,
    "cased": bool,
    "quantization": str,
    "license": str,
    "source": str,
    "files": dict,
}


@dataclass(frozen=True)
class ModelManifest:
    """The parsed contents of ``cloze-model.json``."""

    id: str
    name: str
    languages: tuple[str, ...]
    mask_token: str
    max_length: int
    cased: bool
    quantization: str
    license: str
    source: str
    files: dict[str, str]
    architecture: str = "bert"
    description: str = ""
    format: int = FORMAT_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """Serialise in the on-disk shape (stable key order, readable)."""
        data = asdict(self)
        extra = data.pop("extra")
        data["languages"] = list(self.languages)
        data.update(extra)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def info(self, folder: Path, *, bundled: bool = False) -> ModelInfo:
        """The user-facing summary of this model installed at ``folder``."""
        size = sum((folder / name).stat().st_size for name in self.files if (folder / name).exists())
        return ModelInfo(
            id=self.id,
            name=self.name,
            path=str(folder),
            languages=self.languages,
            mask_token=self.mask_token,
            max_length=self.max_length,
            cased=self.cased,
            quantization=self.quantization,
            license=self.license,
            source=self.source,
            description=self.description,
            size_bytes=size,
            bundled=bundled,
            # Plain extra manifest fields (source repo, revision, int8 agreement) for display.
            extra={k: str(v) for k, v in self.extra.items() if isinstance(v, (str, int, float, bool))},
        )


def safe_relative_path(name: str) -> PurePosixPath:
    """Check that a file name from a manifest stays inside the model folder.

    Raises:
        ModelError: for absolute paths, ``..`` parts, drive letters or backslashes.
    """
    if not name or "\\" in name or ":" in name:
        raise ModelError(f"Manifest file name {name!r} is not a plain relative path.")
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("..", "") for part in path.parts):
        raise ModelError(f"Manifest file name {name!r} points outside the model folder.")
    return path


def parse_manifest(data: Any, where: str) -> ModelManifest:
    """Validate a decoded manifest and return it; ``where`` names the file in errors."""
    if not isinstance(data, dict):
        raise ModelError(f"{where} must hold a JSON object.")
    for key, kind in _REQUIRED_FIELDS.items():
        if key not in data:
            raise ModelError(f"{where} has no {key!r} field.")
        if not isinstance(data[key], kind) or (kind is int and isinstance(data[key], bool)):
            raise ModelError(f"{where}: field {key!r} has the wrong type ({type(data[key]).__name__}).")
    version = data.get("format", FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelError(f"{where}: field 'format' must be a whole number, not {str(version)[:40]!r}.")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{where} uses manifest format {data['format']}; this Cloze reads format "
            f"{FORMAT_VERSION}. Update Cloze."
        )
    if not data["id"].strip() or "/" in data["id"] or data["id"] in (".", ".."):
        raise ModelError(f"{where}: 'id' must be a non-empty name without '/'.")
    if not 8 <= data["max_length"] <= MAX_LENGTH_LIMIT:
        shown = str(data["max_length"])[:40]
        raise ModelError(f"{where}: 'max_length' must be between 8 and {MAX_LENGTH_LIMIT}, not {shown}.")
    if not all(isinstance(lang, str) for lang in data["languages"]):
        raise ModelError(f"{where}: 'languages' must be a list of language codes (strings).")
    if not data["mask_token"]:
        raise ModelError(f"{where}: 'mask_token' is empty.")
    files = data["files"]
    for name, digest in files.items():
        safe_relative_path(name)
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise ModelError(f"{where}: the SHA-256 of {name!r} is not a 64-digit hex string.")
    for name in REQUIRED_FILES:
        if name not in files:
            raise ModelError(f"{where}: 'files' does not list {name}.")
    known = set(_REQUIRED_FIELDS) | {"architecture", "description", "format"}
    return ModelManifest(
        id=data["id"],
        name=data["name"],
        languages=tuple(str(lang) for lang in data["languages"]),
        mask_token=data["mask_token"],
        max_length=data["max_length"],
        cased=data["cased"],
        quantization=data["quantization"],
        license=data["license"],
        source=data["source"],
        files=dict(files),
        architecture=str(data.get("architecture", "bert")),
        description=str(data.get("description", "")),
        format=int(data.get("format", FORMAT_VERSION)),
        extra={k: v for k, v in data.items() if k not in known},
    )


def read_manifest(folder: Path) -> ModelManifest:
    """Read and validate ``folder/cloze-model.json`` (checksums not verified here)."""
    if not folder.is_dir():
        raise ModelError(f"Model folder {folder} does not exist.")
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ModelError(f"Model folder {folder} has no {MANIFEST_NAME}.")
    data = read_json_file(path, MAX_MANIFEST_BYTES, "a model manifest")
    return parse_manifest(data, str(path))


def read_json_file(path: Path, max_bytes: int, what: str) -> Any:
    """The JSON in ``path``, refused with a clear :class:`ModelError` when it is larger than
    ``max_bytes``, nests too deeply, holds absurd numbers or is not JSON. ``what`` names the file
    in messages ("a model manifest")."""
    try:
        if path.stat().st_size > max_bytes:
            raise ModelError(f"{path} is {path.stat().st_size:,} bytes: too big to be {what}.")
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError as exc:
        raise ModelError(f"{path} is not usable as {what}: its JSON nests too deeply.") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: bad JSON, 5,000-digit numbers
        raise ModelError(f"{path} is not valid JSON: {str(exc)[:200]}") from exc


def validate_model_folder(folder: Path, *, verify_checksums: bool = True) -> ModelManifest:
    """Check a model folder completely: manifest, every listed file, and their SHA-256.

    A file's SHA-256 is remembered from an earlier check while the file is unchanged (same path,
    size, inode, modification and change time: :mod:`cloze_app.core.engine.digests`).

    Raises:
        ModelError: naming the exact missing or wrong piece.
    """
    manifest = read_manifest(folder)
    for name, expected in manifest.files.items():
        path = folder / safe_relative_path(name)
        if not path.is_file():
            raise ModelError(f"Model folder {folder} has no {name}.")
        if path.resolve().parent != folder.resolve() and folder.resolve() not in path.resolve().parents:
            raise ModelError(f"{name} in {folder} is a link that points outside the model folder.")
        if verify_checksums:
            actual = cached_sha256(path)
            if actual != expected.lower():
                raise ModelError(
                    f"{name} in {folder} does not match its SHA-256 in {MANIFEST_NAME} "
                    f"(expected {expected[:12]}…, found {actual[:12]}…): the file is damaged or "
                    "was changed; reinstall the model."
                )
    return manifest


def write_manifest(folder: Path, manifest: ModelManifest) -> Path:
    """Write ``cloze-model.json`` atomically and return its path."""
    path = folder / MANIFEST_NAME
    atomic_write_text(path, manifest.to_json())
    return path


def manifest_for_files(folder: Path, **fields: Any) -> ModelManifest:
    """Build a manifest for the required files in ``folder``, computing their checksums."""
    files = {name: sha256_file(folder / name) for name in REQUIRED_FILES}
    extra_files = fields.pop("extra_files", ())
    for name in extra_files:
        files[name] = sha256_file(folder / safe_relative_path(name))
    data = {"files": files, **fields}
    data.setdefault("format", FORMAT_VERSION)
    return parse_manifest(data, f"manifest for {folder}")
