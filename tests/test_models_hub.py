"""Downloading models from a local stand-in for the Hugging Face Hub (127.0.0.1, never the internet)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("huggingface_hub")

from cloze_app.core import paths  # noqa: E402
from cloze_app.core.engine.manifest import MODEL_FILE, sha256_file  # noqa: E402
from cloze_app.core.errors import ModelError  # noqa: E402
from cloze_app.core.models.catalog import CATALOG, find_entry  # noqa: E402
from cloze_app.core.models.hub import DownloadCancelled, DownloadProgress, download_model, list_remote  # noqa: E402
from cloze_app.core.models.registry import ModelRegistry  # noqa: E402
from tests.hub_server import HubServer, running_hub  # noqa: E402

JS_REPO = "Xenova/distilbert-base-uncased"  # a catalog entry, served with a tiny model
ONNX_NAME = "onnx/model_quantized.onnx"


@pytest.fixture(scope="module")
def bert_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tests.hf_fixtures import write_bert_checkpoint

    return write_bert_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-bert")


@pytest.fixture(scope="module")
def js_export(tmp_path_factory: pytest.TempPathFactory, bert_checkpoint: Path) -> Path:
    from tests.hf_fixtures import write_transformers_js_folder

    folder = write_transformers_js_folder(tmp_path_factory.mktemp("js") / "export", bert_checkpoint)
    (folder / "onnx" / "model.onnx").unlink()  # like most Xenova repos: the int8 file is what we want
    return folder


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    with running_hub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server


def installed_ids() -> list[str]:
    return [model.id for model in ModelRegistry().models() if not model.bundled]


def test_catalog_entries_say_language_size_and_license() -> None:
    ids = [entry.id for entry in CATALOG]
    assert len(ids) == len(set(ids)) >= 6
    languages = {lang for entry in CATALOG for lang in entry.languages}
    assert {"en", "mul", "zh", "de", "fr"} <= languages
    for entry in CATALOG:
        assert entry.license and entry.download_mb > 0 and "/" in entry.repo
    assert find_entry("XENOVA/XLM-ROBERTA-BASE") is find_entry("xlm-roberta-base")


def test_catalog_model_with_int8_onnx_downloads_and_installs(hub: HubServer, js_export: Path) -> None:
    hub.add_folder(JS_REPO, js_export)
    seen: list[DownloadProgress] = []

    result = download_model("distilbert-base-uncased", progress=seen.append)

    info = result.info
    entry = find_entry("distilbert-base-uncased")
    assert entry is not None
    assert (info.id, info.name, info.license, info.languages) == (entry.id, entry.name, "apache-2.0", ("en",))
    assert info.quantization == "int8"
    assert info.extra["hub_repo"] == JS_REPO and info.source.startswith(hub.url)
    assert sha256_file(Path(info.path) / MODEL_FILE) == sha256_file(js_export / ONNX_NAME)
    assert seen[-1].done == seen[-1].total == list_remote(JS_REPO).total_bytes
    assert not any(p.endswith("safetensors") for _m, p, _r in hub.requests)
    assert not list((paths.cache_dir() / "downloads").iterdir())  # the download folder is cleaned up


def test_interrupted_download_resumes_and_matches_the_checksum(hub: HubServer, js_export: Path) -> None:
    hub.add_folder("someone/tiny-bert-onnx", js_export)
    size = (js_export / ONNX_NAME).stat().st_size
    assert size > 100_000
    hub.drop_after[ONNX_NAME] = 100_000  # the first GET breaks off after 100 kB

    result = download_model("someone/tiny-bert-onnx")

    ranges = hub.gets(ONNX_NAME)
    assert len(ranges) == 2 and ranges[0] is None
    assert ranges[1] is not None and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    served = hashlib.sha256((js_export / ONNX_NAME).read_bytes()).hexdigest()
    assert sha256_file(Path(result.info.path) / MODEL_FILE) == served
    assert result.info.id == "tiny-bert-onnx" and result.info.name == "someone/tiny-bert-onnx"


def test_cancelled_download_keeps_its_bytes_and_resumes(hub: HubServer, bert_checkpoint: Path) -> None:
    hub.add_folder("someone/tiny-bert", bert_checkpoint)
    cancel = threading.Event()

    def stop_in_weights(progress: DownloadProgress) -> None:
        if progress.file == "model.safetensors" and 0 < progress.file_done < progress.file_total:
            cancel.set()

    with pytest.raises(DownloadCancelled, match="resumes"):
        download_model("someone/tiny-bert", progress=stop_in_weights, cancel=cancel)
    assert installed_ids() == []
    parts = list((paths.cache_dir() / "downloads").rglob("model.safetensors.part"))
    assert len(parts) == 1 and parts[0].stat().st_size > 0
    kept = parts[0].stat().st_size

    result = download_model("someone/tiny-bert")  # a checkpoint: downloaded, then converted to int8

    assert hub.gets("model.safetensors")[-1] == f"bytes={kept}-"
    assert result.info.quantization == "int8" and result.agreement is not None
    assert installed_ids() == ["tiny-bert"]


def test_corrupt_download_is_refused_and_deleted(hub: HubServer, js_export: Path) -> None:
    hub.add_folder("someone/broken", js_export)
    good = (js_export / "tokenizer.json").read_bytes()
    hub.serve_instead["tokenizer.json"] = good.replace(b"[MASK]", b"[MOSK]")

    with pytest.raises(ModelError, match="checksum"):
        download_model("someone/broken")
    assert installed_ids() == []
    assert not list((paths.cache_dir() / "downloads").rglob("tokenizer.json*"))


def test_pickle_only_repo_is_refused_before_downloading(hub: HubServer, tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x02}q\x00.")
    hub.add_folder("someone/old", folder)

    with pytest.raises(ModelError, match="pickle"):
        download_model("someone/old")
    assert hub.gets("pytorch_model.bin") == []


def test_unknown_repo_says_so(hub: HubServer) -> None:
    with pytest.raises(ModelError, match="There is no model 'nobody/nothing'"):
        download_model("nobody/nothing")


def test_offline_gives_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")

    with pytest.raises(ModelError, match="offline") as caught:
        download_model("bert-base-chinese")
    assert "models add FOLDER" in str(caught.value)


def test_the_server_speaks_the_hubs_protocol(hub: HubServer, js_export: Path, tmp_path: Path) -> None:
    """huggingface_hub's own downloaders work against the stand-in, so it is a faithful one."""
    from huggingface_hub import hf_hub_download, snapshot_download

    hub.add_folder("someone/tiny", js_export)
    path = hf_hub_download("someone/tiny", "tokenizer.json", local_dir=tmp_path / "one", endpoint=hub.url)
    assert Path(path).read_bytes() == (js_export / "tokenizer.json").read_bytes()
    snapshot = snapshot_download("someone/tiny", local_dir=tmp_path / "all", endpoint=hub.url)
    assert sha256_file(Path(snapshot) / ONNX_NAME) == sha256_file(js_export / ONNX_NAME)


def test_missing_huggingface_hub_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(ModelError, match=r"pip install 'cloze\[hub\]'"):
        download_model("bert-base-chinese")
