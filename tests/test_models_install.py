"""Installing ONNX model folders, refusing unsafe or damaged ones, removing and choosing models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cloze_app.core import paths
from cloze_app.core.app.settings import default_model_id, load_settings, settings_path
from cloze_app.core.engine.manifest import MANIFEST_NAME, read_manifest, validate_model_folder
from cloze_app.core.errors import ModelError
from cloze_app.core.models.inspect import card_metadata, inspect_folder
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.core.models.speed import measure_speed, read_speed, save_speed
from cloze_app.core.models.store import (
    check_default_candidate,
    install_folder,
    model_id_for,
    remove_model,
)
from tests.tinymodels import WORDPIECE, build_graph, wordpiece_tokenizer, write_model_folder


@pytest.fixture(autouse=True)
def _no_bundled_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Only the models a test installs are visible (the real bundled model would change defaults)."""
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    monkeypatch.setenv("CLOZE_BUNDLED_MODELS", str(bundled))
    return bundled


def installed_ids() -> list[str]:
    return [model.id for model in ModelRegistry().models()]


def test_cloze_folder_is_copied_into_the_data_dir_and_listed(tiny_model_dir: Path) -> None:
    result = install_folder(tiny_model_dir)

    target = paths.user_models_dir() / "tiny-wp"
    assert Path(result.info.path) == target
    assert installed_ids() == ["tiny-wp"]
    shutil.rmtree(tiny_model_dir)  # the install is a copy: it outlives its source
    assert validate_model_folder(target).id == "tiny-wp"
    assert not list((paths.data_dir() / ".incoming").iterdir())  # no staging folder left behind


def test_bpe_folder_installs_under_a_new_id(tiny_bpe_model_dir: Path) -> None:
    result = install_folder(tiny_bpe_model_dir, model_id="my-roberta")

    assert result.info.id == "my-roberta"
    assert read_manifest(Path(result.info.path)).id == "my-roberta"
    assert result.info.mask_token == "<mask>"
    relabelled = install_folder(tiny_bpe_model_dir, model_id="de-bpe", languages=["de"], name="Mein Modell")
    assert (relabelled.info.languages, relabelled.info.name) == (("de",), "Mein Modell")
    assert relabelled.info.license == "CC0-1.0"  # not given: kept


def write_transformers_js_layout(folder: Path) -> Path:
    """onnx/model_quantized.onnx + tokenizer files + config + model card, no cloze-model.json."""
    tok = wordpiece_tokenizer(["der", "die", "das", "hund", "katze"], cased=True)
    (folder / "onnx").mkdir(parents=True)
    import onnx

    onnx.save(build_graph(tok, max_length=40), str(folder / "onnx" / "model_quantized.onnx"))
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"mask_token": "[MASK]", "do_lower_case": False})
    )
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "max_position_embeddings": 40}))
    (folder / "README.md").write_text("---\nlanguage: de\nlicense: mit\n---\n# Ein Modell\n")
    return folder


def test_transformers_js_layout_gets_a_manifest_from_its_files(tmp_path: Path) -> None:
    source = write_transformers_js_layout(tmp_path / "german-bert")

    info = install_folder(source).info

    assert (info.id, info.mask_token, info.cased, info.max_length) == ("german-bert", "[MASK]", True, 40)
    assert (info.languages, info.license, info.source) == (("de",), "mit", str(source))
    manifest = validate_model_folder(Path(info.path))
    assert {"model.onnx", "tokenizer.json", "config.json", "README.md"} <= set(manifest.files)
    assert manifest.architecture == "bert"


def test_manifest_with_a_path_outside_the_folder_is_refused(tiny_model_dir: Path) -> None:
    manifest_path = tiny_model_dir / MANIFEST_NAME
    data = json.loads(manifest_path.read_text())
    (tiny_model_dir.parent / "secret.txt").write_text("not a model file")
    data["files"]["../secret.txt"] = "0" * 64
    manifest_path.write_text(json.dumps(data))

    with pytest.raises(ModelError, match="outside the model folder"):
        install_folder(tiny_model_dir)
    assert installed_ids() == []
    assert not (paths.user_models_dir().parent / "secret.txt").exists()


def test_file_that_does_not_match_its_checksum_is_refused(tiny_model_dir: Path) -> None:
    with (tiny_model_dir / "model.onnx").open("ab") as handle:
        handle.write(b"\0")

    with pytest.raises(ModelError, match="SHA-256"):
        install_folder(tiny_model_dir)
    assert installed_ids() == []


def test_installed_model_changed_later_fails_its_checks(tiny_model_dir: Path) -> None:
    target = Path(install_folder(tiny_model_dir).info.path)
    with (target / "tokenizer.json").open("a") as handle:
        handle.write(" ")

    with pytest.raises(ModelError, match="does not match its SHA-256"):
        validate_model_folder(target)
    with pytest.raises(ModelError, match="does not match its SHA-256"):
        check_default_candidate("tiny-wp")


def test_checkpoint_folder_is_sent_to_convert(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "checkpoint"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "model.safetensors").write_bytes(b"\0" * 16)
    shutil.copy2(tiny_model_dir / "tokenizer.json", folder / "tokenizer.json")

    with pytest.raises(ModelError, match="models convert"):
        install_folder(folder)


def test_pickle_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "old-checkpoint"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x02}q\x00.")

    with pytest.raises(ModelError, match="pickle"):
        install_folder(folder)


def test_same_id_twice_is_refused_unless_replacing(tiny_model_dir: Path) -> None:
    install_folder(tiny_model_dir)
    with pytest.raises(ModelError, match="already installed"):
        install_folder(tiny_model_dir)

    again = install_folder(tiny_model_dir, replace_existing=True)
    assert installed_ids() == ["tiny-wp"]
    assert validate_model_folder(Path(again.info.path)).id == "tiny-wp"


def test_the_store_never_writes_the_settings_and_a_removed_default_falls_back(
    tiny_model_dir: Path, tiny_bpe_model_dir: Path
) -> None:
    install_folder(tiny_model_dir)
    result = install_folder(tiny_bpe_model_dir, make_default=True)
    assert result.make_default  # the caller saves it through the settings (their one writer)
    assert not settings_path().exists()

    removed = remove_model("tiny-bpe")

    assert not Path(removed.path).exists()
    assert installed_ids() == ["tiny-wp"]
    assert not settings_path().exists()
    assert load_settings()[0].model == ""
    assert default_model_id() == "tiny-wp"
    with pytest.raises(ModelError, match="No model 'tiny-bpe'"):
        remove_model("tiny-bpe")


def test_unknown_default_is_refused(tiny_model_dir: Path) -> None:
    install_folder(tiny_model_dir)
    with pytest.raises(ModelError, match="installed: tiny-wp"):
        check_default_candidate("nope")


def test_bundled_models_cannot_be_removed_or_shadowed(_no_bundled_models: Path, tiny_model_dir: Path) -> None:
    shutil.copytree(tiny_model_dir, _no_bundled_models / "tiny-wp")

    with pytest.raises(ModelError, match="bundled"):
        remove_model("tiny-wp")
    with pytest.raises(ModelError, match="bundled"):
        install_folder(tiny_model_dir)


def test_speed_is_measured_remembered_and_forgotten(tiny_model_dir: Path) -> None:
    info = install_folder(tiny_model_dir).info
    measurement = measure_speed(Path(info.path), runs=3)
    save_speed(measurement)

    assert measurement.median_ms > 0
    assert read_speed("tiny-wp") == measurement
    assert read_speed("tiny-wp", model_sha256="f" * 64) is None  # the model file changed since
    remove_model("tiny-wp")
    assert read_speed("tiny-wp") is None


def test_casing_and_mask_are_read_from_the_tokenizer(
    tiny_sp_model_dir: Path, tiny_bpe_model_dir: Path, tmp_path: Path
) -> None:
    for folder in (tiny_sp_model_dir, tiny_bpe_model_dir):
        (folder / MANIFEST_NAME).unlink()
    sp, bpe = inspect_folder(tiny_sp_model_dir), inspect_folder(tiny_bpe_model_dir)
    assert (sp.kind, sp.mask_token, sp.cased, sp.architecture) == ("onnx", "<mask>", False, "xlm-roberta")
    assert (bpe.mask_token, bpe.cased, bpe.architecture) == ("<mask>", True, "roberta")
    uncased = write_model_folder(tmp_path / "wp", wordpiece_tokenizer(["x"]), WORDPIECE)
    (uncased / MANIFEST_NAME).unlink()
    assert inspect_folder(uncased).cased is False


def test_model_card_header_in_both_yaml_forms(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: apache-2.0\nlanguage:\n- zh\n- 'en'\ntags:\n- fill-mask\n---\ntext\n")
    assert card_metadata(card) == {"license": "apache-2.0", "language": ["zh", "en"]}
    card.write_text("---\nlanguage: [de, fr]\nlicense: mit\n---\n")
    assert card_metadata(card) == {"license": "mit", "language": ["de", "fr"]}


def test_model_ids_are_folder_safe() -> None:
    assert model_id_for("dbmdz/bert-base-german-cased") == "bert-base-german-cased"
    assert model_id_for("My Model (v2)") == "My-Model-v2"
    with pytest.raises(ModelError):
        model_id_for("../..")


def test_onnx_weights_stored_outside_the_folder_are_refused(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx.external_data_helper import set_external_data

    tok = wordpiece_tokenizer(["cat"])
    graph = build_graph(tok)
    prior = next(t for t in graph.graph.initializer if t.name == "PRIOR")
    set_external_data(prior, location="../../weights.bin")
    prior.ClearField("raw_data")
    folder = tmp_path / "sneaky"
    folder.mkdir()
    onnx.save(graph, str(folder / "model.onnx"))
    tok.save(str(folder / "tokenizer.json"))

    with pytest.raises(ModelError, match="outside its folder"):
        install_folder(folder)
    assert installed_ids() == []
