"""Corrupt model folders: one bad manifest never stops the window, ``fill`` or ``models list``;
it is skipped with a visible reason. ``models add`` of corrupt files says what is wrong, links out
of an export are never followed, and ``convert`` refuses pickle weights before torch is loaded."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from cloze_app.cli import run_cli
from cloze_app.core import paths
from cloze_app.core.engine.manifest import MANIFEST_NAME, read_manifest
from cloze_app.core.errors import ModelError
from cloze_app.core.models.registry import ModelRegistry


def manifest_of(folder: Path) -> dict[str, object]:
    data = json.loads((folder / MANIFEST_NAME).read_text())
    assert isinstance(data, dict)
    return data


def with_fields(**changes: object) -> object:
    def make(good: dict[str, object]) -> bytes:
        return json.dumps({**good, **changes}).encode()

    return make


DEEP = b'{"id": "deep", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
# Each case: what the folder's cloze-model.json holds (bytes, or built from a good manifest).
CORRUPT_MANIFESTS: dict[str, object] = {
    "format as a string": with_fields(format="1"),
    "format from the future": with_fields(format=2),
    "format true": with_fields(format=True),
    "deep nesting": DEEP,
    "a 5,000-digit number": lambda good: (
        json.dumps(good).replace('"max_length": 64', '"max_length": ' + "9" * 5000).encode()
    ),
    "a huge max_length": with_fields(max_length=10**30),
    "not JSON": b"\x00\xff\xfe garbage",
    "a list": b"[1, 2, 3]",
    "empty": b"",
    "languages of numbers": with_fields(languages=[1, 2]),
    "files with a bad checksum": with_fields(files={"model.onnx": "zz" * 32, "tokenizer.json": "0" * 64}),
    "files leading outside": with_fields(files={"../../etc/passwd": "0" * 64, "model.onnx": "0" * 64}),
    "an id with a slash": with_fields(id="../evil"),
    "files as a list": with_fields(files=["model.onnx"]),
    "two megabytes": lambda good: json.dumps({**good, "description": "x" * (2 << 20)}).encode(),
}


def make(case: str, good: dict[str, object]) -> bytes:
    spec = CORRUPT_MANIFESTS[case]
    return spec if isinstance(spec, bytes) else spec(good)  # type: ignore[operator]


@pytest.fixture
def installed(tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny model installed by copying, and no bundled models."""
    (tmp_path / "bundled").mkdir()
    monkeypatch.setenv("CLOZE_BUNDLED_MODELS", str(tmp_path / "bundled"))
    target = paths.user_models_dir() / "tiny-wp"
    shutil.copytree(tiny_model_dir, target)
    return target


def add_broken(good: Path, case: str) -> Path:
    folder = paths.user_models_dir() / "broken-model"
    shutil.copytree(good, folder)
    (folder / MANIFEST_NAME).write_bytes(make(case, manifest_of(good)))
    return folder


@pytest.mark.parametrize("case", sorted(CORRUPT_MANIFESTS))
def test_a_corrupt_manifest_is_a_model_error_never_a_crash(tiny_model_dir: Path, case: str) -> None:
    (tiny_model_dir / MANIFEST_NAME).write_bytes(make(case, manifest_of(tiny_model_dir)))
    with pytest.raises(ModelError):
        read_manifest(tiny_model_dir)


@pytest.mark.parametrize("case", sorted(CORRUPT_MANIFESTS))
def test_a_corrupt_model_folder_is_skipped_with_its_reason(installed: Path, case: str) -> None:
    broken = add_broken(installed, case)
    models, skipped = ModelRegistry().scan()
    assert [m.id for m in models] == ["tiny-wp"]
    assert [b.path for b in skipped] == [broken] and skipped[0].reason


def test_models_list_and_fill_go_on_and_name_the_broken_folder(  # noqa: D103
    installed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = add_broken(installed, "deep nesting")
    assert run_cli(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "tiny-wp" in out and f"! {broken}" in out
    assert run_cli(["models", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["broken"][0]["path"] == str(broken)
    assert run_cli(["fill", "--model", "tiny-wp", "The ___ sat on the mat."]) == 0
    captured = capsys.readouterr()
    assert "Best:" in captured.out and str(broken) in captured.err


CORRUPT_FILES = {
    "model.onnx of garbage": ("model.onnx", b"\x08\x01\x12\x04this is not what it claims" * 10),
    "model.onnx cut in half": ("model.onnx", None),
    "tokenizer.json of garbage": ("tokenizer.json", b"\x00\xff garbage"),
    "tokenizer.json of another shape": ("tokenizer.json", b'{"model": "x", "added_tokens": 5}'),
    "tokenizer.json nested deeply": ("tokenizer.json", b"[" * 100_000),
}


@pytest.mark.parametrize("case", sorted(CORRUPT_FILES))
def test_models_add_of_a_corrupt_file_is_a_clear_message(
    installed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    victim, content = CORRUPT_FILES[case]
    export = tmp_path / "export"
    export.mkdir()
    for name in ("model.onnx", "tokenizer.json"):
        shutil.copy2(installed / name, export / name)
    if content is None:
        content = (export / victim).read_bytes()[: (export / victim).stat().st_size // 2]
    (export / victim).write_bytes(content)
    assert run_cli(["models", "add", str(export), "--id", "corrupt"]) == 2
    err = capsys.readouterr().err
    assert "cloze: error:" in err and "Traceback" not in err
    assert victim in err or "tokenizer" in err
    assert not (paths.user_models_dir() / "corrupt").exists()


def test_a_link_out_of_an_export_is_never_followed(installed: Path, tmp_path: Path) -> None:
    from cloze_app.core.models.store import install_folder

    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret")
    export = tmp_path / "export"
    export.mkdir()
    for name in ("model.onnx", "tokenizer.json"):
        shutil.copy2(installed / name, export / name)
    (export / "README.md").symlink_to(secret)
    (export / "config.json").symlink_to(tmp_path / "nowhere.json")
    result = install_folder(export, model_id="linked")
    copied = [p for p in Path(result.info.path).rglob("*")]
    assert all("secret" not in p.read_text(errors="replace") for p in copied if p.is_file())
    assert not (Path(result.info.path) / "README.md").exists()
    assert any("README.md" in warning for warning in result.warnings)


def test_a_required_file_that_links_outside_the_export_is_refused(installed: Path, tmp_path: Path) -> None:
    from cloze_app.core.models.store import install_folder

    export = tmp_path / "export"
    export.mkdir()
    shutil.copy2(installed / "model.onnx", export / "model.onnx")
    (export / "tokenizer.json").symlink_to(installed / "tokenizer.json")
    with pytest.raises(ModelError, match="link"):
        install_folder(export, model_id="linked")


@pytest.mark.parametrize(
    "weight_map",
    [
        {"a": "pytorch_model.bin"},
        {"a": "model-00001.safetensors", "b": "../../elsewhere.safetensors"},
        {"a": "/etc/model.safetensors"},
        "not a map",
    ],
)
def test_convert_refuses_an_index_pointing_at_pickles_before_torch(
    tmp_path: Path, weight_map: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cloze_app.core.models.store import convert_and_install

    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text('{"model_type": "bert"}')
    (checkpoint / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    (checkpoint / "pytorch_model.bin").write_bytes(b"\x80\x04pickle")
    monkeypatch.setitem(sys.modules, "torch", None)  # importing torch now would fail the test
    with pytest.raises(ModelError, match="safetensors"):
        convert_and_install(checkpoint, model_id="pickled")
