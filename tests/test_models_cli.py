"""``python -m cloze_app models ...``: every action, in text and with --json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloze_app.cli import run_cli
from cloze_app.core.engine.manifest import MANIFEST_NAME
from tests.hub_server import HubServer, running_hub


@pytest.fixture(autouse=True)
def _no_bundled_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bundled").mkdir()
    monkeypatch.setenv("CLOZE_BUNDLED_MODELS", str(tmp_path / "bundled"))


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    capsys.readouterr()
    assert run_cli(["models", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_add_list_default_info_remove(tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    added = cli_json(capsys, "add", str(tiny_model_dir), "--id", "wp")
    assert isinstance(added, dict) and added["installed"]["id"] == "wp"

    listing = cli_json(capsys, "list")
    assert isinstance(listing, dict)
    assert [m["id"] for m in listing["models"]] == ["wp"] and listing["broken"] == []
    assert listing == cli_json(capsys)  # bare `models` lists too

    assert cli_json(capsys, "default", "wp") == {"default": "wp"}
    info = cli_json(capsys, "info", "wp", "--measure")
    assert isinstance(info, dict) and info["default"] is True and info["speed_ms"] > 0
    assert cli_json(capsys, "list")["models"][0]["speed_ms"] == info["speed_ms"]  # type: ignore[index]

    assert run_cli(["models"]) == 0
    text = capsys.readouterr().out
    assert "* wp" in text and "ms" in text

    assert cli_json(capsys, "remove", "wp")["removed"] == "wp"  # type: ignore[index]
    assert cli_json(capsys, "list")["models"] == []  # type: ignore[index]


def test_refused_folder_exits_2_with_the_reason(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tiny_model_dir / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    data["files"]["../../etc/passwd"] = "0" * 64
    manifest.write_text(json.dumps(data))

    assert run_cli(["models", "add", str(tiny_model_dir)]) == 2
    assert "outside the model folder" in capsys.readouterr().err


def test_unknown_model_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for action in ("remove", "default", "info"):
        assert run_cli(["models", action, "ghost"]) == 2
        assert "ghost" in capsys.readouterr().err


def test_catalog_lists_license_size_and_languages(capsys: pytest.CaptureFixture[str]) -> None:
    catalog = cli_json(capsys, "catalog")
    assert isinstance(catalog, list)
    chinese = next(e for e in catalog if e["id"] == "bert-base-chinese")
    assert chinese["languages"] == ["zh"] and chinese["license"] == "apache-2.0"
    assert chinese["download_mb"] > 0 and chinese["installed"] is False


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    with running_hub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


def test_download_from_the_hub(
    hub: HubServer, tiny_bpe_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("huggingface_hub")
    (tiny_bpe_model_dir / MANIFEST_NAME).unlink()  # a plain ONNX repo: model.onnx + tokenizer.json
    hub.add_folder("someone/tiny-bpe", tiny_bpe_model_dir)

    planned = cli_json(capsys, "download", "someone/tiny-bpe", "--dry-run")
    assert isinstance(planned, dict) and planned["layout"] == "onnx"
    assert [f["name"] for f in planned["files"]] == ["model.onnx", "tokenizer.json"]
    assert planned["total_bytes"] == sum(
        (tiny_bpe_model_dir / f["name"]).stat().st_size for f in planned["files"]
    )
    assert [p for _m, p, _r in hub.requests if "/resolve/" in p] == []  # nothing downloaded yet

    result = cli_json(capsys, "download", "someone/tiny-bpe", "--default")

    assert isinstance(result, dict) and result["installed"]["id"] == "tiny-bpe"
    assert cli_json(capsys, "default") == {"default": "tiny-bpe"}


def test_convert_a_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("torch")
    from tests.hf_fixtures import write_roberta_checkpoint

    checkpoint = write_roberta_checkpoint(tmp_path / "tiny-roberta")
    result = cli_json(capsys, "convert", str(checkpoint), "--language", "en")

    assert isinstance(result, dict)
    assert result["installed"]["quantization"] == "int8" and result["installed"]["languages"] == ["en"]
    assert result["agreement"]["top5"] == 1.0


def test_models_default_changes_what_fill_uses(
    tiny_model_dir: Path, tiny_bpe_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cloze_app.core.app.settings import load_settings
    from cloze_app.core.models.registry import ModelRegistry

    cli_json(capsys, "add", str(tiny_model_dir))
    cli_json(capsys, "add", str(tiny_bpe_model_dir))
    names = {m.id: m.name for m in ModelRegistry().models()}
    for chosen in ("tiny-bpe", "tiny-wp"):
        assert cli_json(capsys, "default", chosen) == {"default": chosen}
        assert load_settings()[0].model == chosen  # saved through the settings, their one writer
        assert run_cli(["fill", "The ___ sat."]) == 0
        assert f"({names[chosen]} on" in capsys.readouterr().err
    assert cli_json(capsys, "remove", "tiny-wp") == {"removed": "tiny-wp", "default": "tiny-bpe"}
    assert load_settings()[0].model == ""
