"""Model folders are validated before loading; every error names the exact piece."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cloze_app.core.engine import digests
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.engine.manifest import read_manifest, validate_model_folder
from cloze_app.core.errors import ModelError
from cloze_app.core.models.registry import ModelRegistry


def _edit_manifest(folder: Path, **changes: object) -> None:
    path = folder / "cloze-model.json"
    data = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    path.write_text(json.dumps(data))


def test_valid_folder_loads(tiny_model_dir: Path) -> None:
    manifest = validate_model_folder(tiny_model_dir)
    assert manifest.id == "tiny-wp" and manifest.mask_token == "[MASK]"
    engine = ClozeEngine.load(tiny_model_dir)
    assert engine.info.name == manifest.name and engine.info.size_bytes > 0


@pytest.mark.parametrize("missing", ["model.onnx", "tokenizer.json", "cloze-model.json"])
def test_missing_file_is_named(tiny_model_dir: Path, missing: str) -> None:
    (tiny_model_dir / missing).unlink()
    with pytest.raises(ModelError, match=missing.replace(".", r"\.")):
        ClozeEngine.load(tiny_model_dir)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        ClozeEngine.load(tmp_path / "nowhere")


def test_changed_file_fails_its_checksum(tiny_model_dir: Path) -> None:
    with (tiny_model_dir / "model.onnx").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match=r"model\.onnx .*SHA-256"):
        ClozeEngine.load(tiny_model_dir)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mask_token", None, "no 'mask_token'"),
        ("max_length", "long", "'max_length' has the wrong type"),
        ("files", {"../model.onnx": "0" * 64, "tokenizer.json": "0" * 64}, "outside the model folder"),
        ("files", {"/etc/passwd": "0" * 64}, "outside the model folder"),
        ("format", 99, "format 99"),
    ],
)
def test_bad_manifest_fields(tiny_model_dir: Path, field: str, value: object, message: str) -> None:
    _edit_manifest(tiny_model_dir, **{field: value})
    with pytest.raises(ModelError, match=message):
        read_manifest(tiny_model_dir)


def test_corrupt_manifest_json(tiny_model_dir: Path) -> None:
    (tiny_model_dir / "cloze-model.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        ClozeEngine.load(tiny_model_dir)


def test_mask_token_missing_from_tokenizer(tiny_model_dir: Path) -> None:
    _edit_manifest(tiny_model_dir, mask_token="<mask>")
    with pytest.raises(ModelError, match="no mask token '<mask>'"):
        ClozeEngine.load(tiny_model_dir)


def test_garbage_onnx_file_is_reported(tiny_model_dir: Path) -> None:
    (tiny_model_dir / "model.onnx").write_bytes(b"this is not a model")
    with pytest.raises(ModelError, match="cannot load"):
        ClozeEngine.load(tiny_model_dir, verify_checksums=False)


def test_registry_lists_models_and_reports_broken_ones(tiny_model_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "models"
    root.mkdir()
    shutil.copytree(tiny_model_dir, root / "good")
    broken = root / "broken"
    broken.mkdir()
    (broken / "cloze-model.json").write_text("[]")
    registry = ModelRegistry([root])
    models, problems = registry.scan()
    assert [m.id for m in models] == ["tiny-wp"]
    assert problems[0].path == broken and "JSON object" in problems[0].reason
    assert registry.resolve("tiny-wp") == root / "good"
    with pytest.raises(ModelError, match="No model 'other' is installed .*tiny-wp"):
        registry.resolve("other")


# -- remembered digests (issue 14: hashing the bundled model cost every start ~30 ms) ----------


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files hashed; files count as settled at once (no 2 s wait)."""
    names: list[str] = []
    real = digests.sha256_file

    def counting(path: Path) -> str:
        names.append(path.name)
        return real(path)

    monkeypatch.setattr(digests, "sha256_file", counting)
    monkeypatch.setattr(digests, "SETTLE_NS", 0)
    return names


def test_an_unchanged_folder_is_not_hashed_again(tiny_model_dir: Path, hashed: list[str]) -> None:
    validate_model_folder(tiny_model_dir)
    assert sorted(hashed) == ["model.onnx", "tokenizer.json"]
    ClozeEngine.load(tiny_model_dir)
    validate_model_folder(tiny_model_dir)
    assert len(hashed) == 2
    assert digests.cache_path().is_file()


def test_a_file_changed_in_place_with_its_old_times_put_back_is_still_caught(
    tiny_model_dir: Path, hashed: list[str]
) -> None:
    validate_model_folder(tiny_model_dir)
    model = tiny_model_dir / "model.onnx"
    before = model.stat()
    data = bytearray(model.read_bytes())
    data[-1] ^= 0xFF
    with model.open("r+b") as handle:  # same size, same inode
        handle.write(data)
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert model.stat().st_size == before.st_size and model.stat().st_mtime_ns == before.st_mtime_ns
    with pytest.raises(ModelError, match=r"model\.onnx .*SHA-256"):
        validate_model_folder(tiny_model_dir)
    with pytest.raises(ModelError, match=r"model\.onnx .*SHA-256"):
        ClozeEngine.load(tiny_model_dir)


def test_a_damaged_or_replaced_file_is_caught_after_its_digest_was_remembered(
    tiny_model_dir: Path, hashed: list[str], tmp_path: Path
) -> None:
    validate_model_folder(tiny_model_dir)
    tokenizer = tiny_model_dir / "tokenizer.json"
    original = tokenizer.read_bytes()
    other = tmp_path / "other.json"
    other.write_bytes(original.replace(b"[MASK]", b"[MASQ]"))  # same size, another inode
    os.replace(other, tokenizer)
    with pytest.raises(ModelError, match=r"tokenizer\.json .*SHA-256"):
        validate_model_folder(tiny_model_dir)
    tokenizer.write_bytes(original)
    validate_model_folder(tiny_model_dir)
    with (tiny_model_dir / "model.onnx").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match=r"model\.onnx .*SHA-256"):
        ClozeEngine.load(tiny_model_dir)


def test_a_just_written_file_is_hashed_every_time(
    tiny_model_dir: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digests, "SETTLE_NS", 3600 * 10**9)  # "written within the hour"
    validate_model_folder(tiny_model_dir)
    validate_model_folder(tiny_model_dir)
    assert len(hashed) == 4


@pytest.mark.parametrize("content", ["{not json", '{"version": 1, "files": []}', '"x"', "[" * 100_000])
def test_a_damaged_digest_cache_is_ignored(tiny_model_dir: Path, hashed: list[str], content: str) -> None:
    digests.cache_path().parent.mkdir(parents=True, exist_ok=True)
    digests.cache_path().write_text(content, encoding="utf-8")
    validate_model_folder(tiny_model_dir)
    with (tiny_model_dir / "model.onnx").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match=r"model\.onnx .*SHA-256"):
        validate_model_folder(tiny_model_dir)
