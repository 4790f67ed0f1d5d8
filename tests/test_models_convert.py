"""Converting Hugging Face checkpoints (tiny BERT and RoBERTa) to int8 ONNX, and its safety checks."""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from cloze_app.core.engine.manifest import MODEL_FILE, read_manifest, sha256_file  # noqa: E402
from cloze_app.core.engine.session import mask_logits, open_session  # noqa: E402
from cloze_app.core.errors import ModelError  # noqa: E402
from cloze_app.core.models.convert import ConversionCancelled, MissingConvertTools  # noqa: E402
from cloze_app.core.models.registry import ModelRegistry  # noqa: E402
from cloze_app.core.models.store import convert_and_install, install_folder  # noqa: E402
from tests.hf_fixtures import (  # noqa: E402
    write_bert_checkpoint,
    write_roberta_checkpoint,
    write_transformers_js_folder,
)


@pytest.fixture(scope="module")
def bert_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bert_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-bert")


@pytest.fixture(scope="module")
def roberta_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_roberta_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-roberta")


def installed_ids() -> list[str]:
    return [model.id for model in ModelRegistry().models() if not model.bundled]


def top_tokens(folder: Path, text: str, k: int = 3) -> list[str]:
    from tokenizers import Tokenizer

    manifest = read_manifest(folder)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    mask_id = tokenizer.token_to_id(manifest.mask_token)
    logits = mask_logits(open_session(folder / MODEL_FILE), tokenizer, text, mask_id, manifest.max_length)
    return [tokenizer.id_to_token(int(i)) for i in np.argsort(-logits[0])[:k]]


def test_bert_checkpoint_becomes_an_int8_model_that_agrees_with_fp32(bert_checkpoint: Path) -> None:
    result = convert_and_install(bert_checkpoint)

    info, folder = result.info, Path(result.info.path)
    assert (info.id, info.quantization, info.mask_token, info.cased) == ("tiny-bert", "int8", "[MASK]", False)
    assert (info.languages, info.license, info.max_length) == (("en",), "apache-2.0", 64)
    assert result.agreement is not None and result.agreement.top5 == 1.0
    assert float(info.extra["agreement_top5"]) == 1.0
    session = open_session(folder / MODEL_FILE)
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask", "token_type_ids"]
    assert [o.name for o in session.get_outputs()] == ["logits"]
    assert top_tokens(folder, "the [MASK] sat on the mat .") == ["cat", "dog", "mat"]


def test_roberta_checkpoint_keeps_its_bpe_tokenizer_and_has_no_token_types(roberta_checkpoint: Path) -> None:
    result = convert_and_install(roberta_checkpoint, model_id="rob")

    info, folder = result.info, Path(result.info.path)
    assert (info.mask_token, info.cased, info.languages, info.license) == (
        "<mask>",
        True,
        ("en", "de"),
        "mit",
    )
    assert read_manifest(folder).architecture == "roberta"
    assert [i.name for i in open_session(folder / MODEL_FILE).get_inputs()] == ["input_ids", "attention_mask"]
    assert top_tokens(folder, "The <mask> sat on the mat.") == ["Ġcat", "Ġdog", "Ġmat"]


def test_the_installed_model_fills_blanks_with_the_engine(bert_checkpoint: Path) -> None:
    engine_module = pytest.importorskip("cloze_app.core.engine.engine")
    folder = Path(convert_and_install(bert_checkpoint).info.path)

    engine = engine_module.ClozeEngine.load(folder)
    try:
        result = engine.fill("the ___ sat on the mat.", top_k=3)
    finally:
        engine.close()
    assert result.blanks[0].best == "cat"


def test_poor_agreement_is_refused_unless_forced(bert_checkpoint: Path) -> None:
    with pytest.raises(ModelError, match="disagrees with the original"):
        convert_and_install(bert_checkpoint, min_agreement=1.01)
    assert installed_ids() == []

    forced = convert_and_install(bert_checkpoint, min_agreement=1.01, force=True)
    assert forced.info.quantization == "int8"


def test_fp32_can_be_kept(bert_checkpoint: Path) -> None:
    result = convert_and_install(bert_checkpoint, quantize=False)
    assert result.info.quantization == "fp32"
    assert result.agreement is None and "fp32" in result.warnings[0]


def test_missing_conversion_tools_name_the_install_command(
    bert_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError

    with pytest.raises(MissingConvertTools, match=r"pip install 'cloze\[convert\]'"):
        convert_and_install(bert_checkpoint)
    assert installed_ids() == []


def test_pickle_checkpoint_is_never_loaded(bert_checkpoint: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pickled"
    shutil.copytree(bert_checkpoint, folder)
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")

    with pytest.raises(ModelError, match="pickle"):
        convert_and_install(folder)
    assert installed_ids() == []


def test_cancelled_conversion_installs_nothing(bert_checkpoint: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ConversionCancelled):
        convert_and_install(bert_checkpoint, cancel=cancel)
    assert installed_ids() == []


def test_transformers_js_export_uses_int8_and_is_compared_with_its_fp32(
    bert_checkpoint: Path, tmp_path: Path
) -> None:
    export = write_transformers_js_folder(tmp_path / "Xenova-tiny-bert", bert_checkpoint)

    result = install_folder(export, model_id="js-bert")

    folder = Path(result.info.path)
    assert result.info.quantization == "int8"
    assert sha256_file(folder / MODEL_FILE) == sha256_file(export / "onnx" / "model_quantized.onnx")
    assert result.agreement is not None and result.agreement.top5 == 1.0
    assert top_tokens(folder, "the [MASK] sat .")[0] == "cat"


def test_fp32_onnx_folder_is_quantized_on_install(bert_checkpoint: Path, tmp_path: Path) -> None:
    export = write_transformers_js_folder(tmp_path / "export", bert_checkpoint)
    (export / "onnx" / "model_quantized.onnx").unlink()

    result = install_folder(export, model_id="fp32-export")

    assert result.info.quantization == "int8"
    assert result.agreement is not None and result.agreement.top5 == 1.0
    assert (export / "onnx" / "model.onnx").stat().st_size > (
        Path(result.info.path) / MODEL_FILE
    ).stat().st_size
