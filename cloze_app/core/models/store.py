"""Installs and removes models in the user's data dir (``paths.user_models_dir()/<id>``).

An install is built in a staging folder next to the models folder, validated (checksums
included), then renamed into place: a crash or a cancel never leaves a half-installed model.

The store never touches settings.json: which model is the default is the settings' business
(:func:`cloze_app.core.app.settings.default_model_id`); an install asked to become the default
says so in :attr:`InstallResult.make_default`, and the caller saves it through the settings.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cloze_app.core import paths
from cloze_app.core.engine.manifest import (
    MANIFEST_NAME,
    MODEL_FILE,
    TOKENIZER_FILE,
    manifest_for_files,
    read_manifest,
    safe_relative_path,
    validate_model_folder,
    write_manifest,
)
from cloze_app.core.engine.session import mask_logits, open_session
from cloze_app.core.errors import ModelError
from cloze_app.core.models.convert import (
    MIN_AGREEMENT,
    Agreement,
    ConversionCancelled,
    MissingConvertTools,
    StageFn,
    convert_checkpoint,
    judge_agreement,
    measure_agreement,
    quantize_checked,
)
from cloze_app.core.models.inspect import (
    ModelFacts,
    check_safetensors_index,
    external_data_of,
    inspect_folder,
    quantization_of,
    require_inside,
)
from cloze_app.core.models.registry import ModelRegistry
from cloze_app.core.models.speed import forget_speed
from cloze_app.core.types import ModelInfo


@dataclass(frozen=True)
class InstallResult:
    """What an install produced: the model, its int8/fp32 agreement when measured, and warnings."""

    info: ModelInfo
    agreement: Agreement | None = None
    warnings: tuple[str, ...] = ()
    make_default: bool = False  # asked to become the default: the caller saves it in the settings


def model_id_for(name: str) -> str:
    """A folder-safe model id from a name or a Hub repo id (``org/name`` becomes ``name``)."""
    base = name.rstrip("/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.")
    if not cleaned:
        raise ModelError(f"Cannot make a model id from {name!r}; pass one with --id.")
    return cleaned


def _staging_dir() -> Path:
    root = paths.data_dir() / ".incoming"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="model-", dir=root))


def check_free_id(model_id: str, replace_existing: bool) -> Path:
    """The folder a model with this id goes to; raise when the id is unusable or taken."""
    model_id_ok = model_id_for(model_id) == model_id
    if not model_id_ok:
        raise ModelError(f"{model_id!r} is not a usable model id (letters, digits, '.', '_', '-').")
    bundled = ModelRegistry([paths.bundled_models_dir()]).models()
    if any(model.id == model_id for model in bundled):
        raise ModelError(f"{model_id!r} is the id of a model bundled with Cloze; choose another id.")
    target = paths.user_models_dir() / model_id
    if target.exists() and not replace_existing:
        raise ModelError(
            f"A model with the id {model_id!r} is already installed; remove it first, replace it, or "
            "choose another id."
        )
    return target


def _commit(staging: Path, target: Path) -> None:
    """Move a validated staging folder into place (replacing an older install of the same id)."""
    trash = None
    if target.exists():
        trash = paths.data_dir() / ".incoming" / f"old-{target.name}-{staging.name}"
        target.rename(trash)
    staging.rename(target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def _copy_cloze_folder(source: Path, staging: Path, model_id: str, overrides: dict[str, Any]) -> None:
    """Copy exactly the files a valid manifest lists; apply the id, name, languages, license given."""
    manifest = validate_model_folder(source, verify_checksums=True)
    for name in manifest.files:
        relative = safe_relative_path(name)
        (staging / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, staging / relative)
    changes = {key: value for key, value in overrides.items() if value}
    write_manifest(staging, replace(manifest, id=model_id, **changes))


def _check_runs(staging: Path, mask_token: str, max_length: int) -> None:
    """Load the graph and fill one blank: right inputs, a ``logits`` output covering the vocabulary."""
    from tokenizers import Tokenizer

    listed = set(read_manifest(staging).files)
    for name in external_data_of(staging / MODEL_FILE) or ():
        if name not in listed:
            raise ModelError(f"model.onnx keeps weights in {name}, which the manifest does not list.")
    try:
        tokenizer = Tokenizer.from_file(str(staging / TOKENIZER_FILE))
    except Exception as exc:  # the tokenizers library raises a bare Exception
        raise ModelError(
            f"tokenizer.json cannot be read by the tokenizers library ({str(exc)[:200]}); the file is "
            "damaged or not a fast-tokenizer file."
        ) from exc
    mask_id = tokenizer.token_to_id(mask_token)
    if mask_id is None:
        raise ModelError(f"The tokenizer has no id for the mask token {mask_token!r}.")
    try:
        session = open_session(staging / MODEL_FILE, threads=1)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"model.onnx cannot be opened by onnxruntime ({str(exc)[:200]}).") from exc
    try:
        logits = mask_logits(session, tokenizer, f"This is a {mask_token} test.", mask_id, max_length)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"The model failed on a test sentence: {exc}") from exc
    if logits.ndim != 2 or logits.shape[0] != 1 or logits.shape[1] <= mask_id:
        raise ModelError(
            f"The model's logits have shape {logits.shape} at the mask; a fill-mask model gives one score "
            "per vocabulary entry. Is this a masked language model (…ForMaskedLM)?"
        )


def _stage_onnx_folder(
    facts: ModelFacts,
    staging: Path,
    *,
    quantize: bool,
    min_agreement: float,
    force: bool,
    on_stage: StageFn,
) -> tuple[str, Agreement | None, list[str]]:
    """Copy an ONNX export into ``staging``; quantize fp32 to int8 when asked. Returns quantization."""
    assert facts.onnx_file is not None and facts.tokenizer_file is not None
    notes = [
        f"{name} was not copied: it is a link to a file outside {facts.folder}."
        for name in facts.skipped_links
    ]
    shutil.copy2(facts.tokenizer_file, staging / TOKENIZER_FILE)
    for name in facts.info_files:
        shutil.copy2(facts.folder / name, staging / name)
    external = external_data_of(facts.onnx_file)
    if external is None:  # without the onnx package: the names exporters use
        external = tuple(
            facts.onnx_file.name + s
            for s in ("_data", ".data")
            if facts.onnx_file.with_name(facts.onnx_file.name + s).is_file()
        )
    for name in external:  # weights stored beside the graph keep the name the graph refers to
        source = facts.onnx_file.parent / safe_relative_path(name)
        if not source.is_file():
            raise ModelError(
                f"{facts.onnx_file.name} needs {name}, which is missing from {facts.onnx_file.parent}."
            )
        require_inside(facts.folder, source)
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, staging / name)
    quantization, agreement = facts.quantization, None
    if quantization == "fp32" and quantize:
        on_stage("Quantizing to int8 and comparing with fp32")
        try:
            agreement, judged = quantize_checked(
                facts.onnx_file,
                staging / MODEL_FILE,
                staging / TOKENIZER_FILE,
                mask_token=facts.mask_token,
                languages=facts.languages,
                max_length=facts.max_length,
                min_agreement=min_agreement,
                force=force,
            )
            notes += judged
            quantization = quantization_of(staging / MODEL_FILE)
        except MissingConvertTools as exc:
            notes.append(f"Installed as fp32 (larger, slower): {exc}")
    if quantization == "fp32" or not (staging / MODEL_FILE).exists():
        shutil.copy2(facts.onnx_file, staging / MODEL_FILE)
    reference = facts.onnx_file.with_name(MODEL_FILE)
    if quantization == "int8" and agreement is None and reference.is_file() and reference != facts.onnx_file:
        # A ready-made int8 export beside its fp32 original: measure what quantization cost.
        on_stage("Comparing the int8 model with fp32")
        agreement = measure_agreement(
            reference,
            staging / MODEL_FILE,
            staging / TOKENIZER_FILE,
            facts.mask_token,
            facts.languages,
            facts.max_length,
        )
        notes += judge_agreement(agreement, min_agreement=min_agreement, force=force)
    return quantization, agreement, notes


def install_folder(
    source: Path,
    *,
    model_id: str | None = None,
    name: str | None = None,
    languages: Sequence[str] | None = None,
    license: str | None = None,
    description: str = "",
    source_label: str | None = None,
    quantize: bool = True,
    min_agreement: float = MIN_AGREEMENT,
    force: bool = False,
    replace_existing: bool = False,
    make_default: bool = False,
    extra_fields: Mapping[str, Any] | None = None,
    on_stage: StageFn | None = None,
    cancel: threading.Event | None = None,
    _agreement: Agreement | None = None,
) -> InstallResult:
    """Install a Cloze model folder or an ONNX export (e.g. a transformers.js repo) for this user.

    Raises:
        ModelError: when the folder is no usable model, the id is taken, checksums fail, or a
            checkpoint was given (those go through :func:`convert_and_install`).
    """
    stage = on_stage or (lambda _message: None)
    source = Path(source).expanduser().resolve()
    stage("Checking the model folder")
    facts = inspect_folder(source) if not (source / MANIFEST_NAME).is_file() else None
    if facts is not None and facts.kind == "checkpoint":
        raise ModelError(
            f"{source} is a Hugging Face checkpoint (config.json + model.safetensors), not an ONNX model. "
            f"Convert it first: python -m cloze_app models convert {source}"
        )
    staging = _staging_dir()
    try:
        agreement, notes = _agreement, list[str]()
        if facts is None:
            model_id = model_id or read_manifest(source).id
            target = check_free_id(model_id, replace_existing)
            overrides = {
                "name": name,
                "languages": tuple(languages or ()),
                "license": license,
                "description": description,
            }
            _copy_cloze_folder(source, staging, model_id, overrides)
        else:
            model_id = model_id or model_id_for(facts.name if "/" in facts.name else source.name)
            target = check_free_id(model_id, replace_existing)
            quantization, measured, notes = _stage_onnx_folder(
                facts,
                staging,
                quantize=quantize,
                min_agreement=min_agreement,
                force=force,
                on_stage=stage,
            )
            agreement = agreement or measured
            extra: dict[str, Any] = dict(extra_fields or {})
            if agreement is not None:
                extra["agreement_top5"] = round(agreement.top5, 4)
                extra["agreement_top1"] = round(agreement.top1, 4)
            stored = [
                p.relative_to(staging).as_posix()
                for p in staging.rglob("*")
                if p.is_file() and p.name not in (MODEL_FILE, TOKENIZER_FILE)
            ]
            manifest = manifest_for_files(
                staging,
                id=model_id,
                name=name or facts.name,
                languages=list(languages or facts.languages),
                mask_token=facts.mask_token,
                max_length=facts.max_length,
                cased=facts.cased,
                quantization=quantization,
                license=license or facts.license,
                source=source_label or str(source),
                architecture=facts.architecture,
                description=description,
                extra_files=sorted(stored),
                **extra,
            )
            write_manifest(staging, manifest)
            if not manifest.languages:
                notes.append(
                    "The model's languages are unknown: its folder has no model card (README.md) naming them."
                )
        if cancel is not None and cancel.is_set():
            raise ConversionCancelled("Install cancelled; nothing was installed.")
        stage("Verifying the installed files")
        manifest = validate_model_folder(staging, verify_checksums=True)
        _check_runs(staging, manifest.mask_token, manifest.max_length)
        _commit(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    forget_speed(manifest.id)
    return InstallResult(manifest.info(target), agreement, tuple(notes), make_default)


def convert_and_install(
    checkpoint: Path,
    *,
    quantize: bool = True,
    min_agreement: float = MIN_AGREEMENT,
    force: bool = False,
    on_stage: StageFn | None = None,
    cancel: threading.Event | None = None,
    **install_options: Any,
) -> InstallResult:
    """Convert a Hugging Face checkpoint folder to int8 ONNX and install it (see :func:`install_folder`)."""
    checkpoint = Path(checkpoint).expanduser().resolve()
    check_safetensors_index(checkpoint)  # before torch or transformers are imported
    work = Path(tempfile.mkdtemp(prefix="convert-", dir=paths.cache_dir()))
    try:
        result = convert_checkpoint(
            checkpoint,
            work / "model",
            quantize=quantize,
            min_agreement=min_agreement,
            force=force,
            on_stage=on_stage,
            cancel=cancel,
        )
        install_options.setdefault("model_id", model_id_for(checkpoint.name))
        install_options.setdefault("name", checkpoint.name)
        install_options.setdefault("source_label", f"converted from {checkpoint}")
        installed = install_folder(
            result.folder,
            quantize=False,
            on_stage=on_stage,
            cancel=cancel,
            _agreement=result.agreement,
            min_agreement=min_agreement,
            force=force,
            **install_options,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return InstallResult(
        installed.info, result.agreement, result.warnings + installed.warnings, installed.make_default
    )


def _installed(model_id: str) -> ModelInfo:
    models = ModelRegistry().models()
    for model in models:
        if model.id == model_id:
            return model
    names = ", ".join(model.id for model in models) or "none"
    raise ModelError(f"No model {model_id!r} is installed (installed: {names}).")


def check_default_candidate(model_id: str) -> ModelInfo:
    """The installed model ``model_id``, its files verified: fit to become the default (which
    the caller then saves through the settings).

    Raises:
        ModelError: when it is not installed or its files are damaged.
    """
    info = _installed(model_id)
    validate_model_folder(Path(info.path), verify_checksums=True)
    return info


def remove_model(model_id: str) -> ModelInfo:
    """Delete a user-installed model (a default that names it falls back to the bundled model:
    :func:`cloze_app.core.app.settings.default_model_id` only picks installed models)."""
    info = _installed(model_id)
    folder = Path(info.path).resolve()
    if info.bundled or folder.parent != paths.user_models_dir().resolve():
        raise ModelError(f"{model_id!r} is bundled with Cloze and cannot be removed.")
    trash = paths.data_dir() / ".incoming" / f"removed-{folder.name}"
    trash.parent.mkdir(parents=True, exist_ok=True)
    if trash.exists():
        shutil.rmtree(trash, ignore_errors=True)
    folder.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)
    with contextlib.suppress(OSError):
        forget_speed(model_id)
    return info
