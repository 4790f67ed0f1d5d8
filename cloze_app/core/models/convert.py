"""Turns a Hugging Face checkpoint into an int8 ONNX model, and checks int8 against fp32.

Export uses ``torch.onnx.export`` on ``AutoModelForMaskedLM`` (weights from safetensors only:
pickle checkpoints are refused), quantization ``onnxruntime.quantization.quantize_dynamic``
(int8, per channel). torch, transformers and onnx come with ``pip install 'cloze[convert]'``
and are imported only here, only when a conversion runs.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cloze_app.core.engine import rowquant
from cloze_app.core.engine.manifest import MODEL_FILE, TOKENIZER_FILE
from cloze_app.core.engine.session import mask_logits, open_session, probe_texts
from cloze_app.core.errors import ModelError
from cloze_app.core.models.inspect import (
    CHECKPOINT_WEIGHTS,
    INFO_FILES,
    PICKLE_WEIGHTS,
    check_safetensors_index,
    inspect_folder,
    links_outside,
)

INSTALL_HINT = "pip install 'cloze[convert]'"
# Mean share of the fp32 top-5 that int8 keeps, over the probe sentences.
WARN_AGREEMENT = 0.8
MIN_AGREEMENT = 0.5
StageFn = Callable[[str], None]


class MissingConvertTools(ModelError):
    """torch, transformers or onnx is not installed; the message names the pip command."""


class ConversionCancelled(ModelError):
    """The user cancelled a conversion; nothing was installed."""


@dataclass(frozen=True)
class Agreement:
    """How well the int8 model agrees with fp32 on the probe sentences."""

    top5: float  # mean |top5(fp32) ∩ top5(int8)| / 5
    top1: float  # share of mask positions with the same best token
    probes: int

    def describe(self) -> str:
        """One line for a person: ``int8 keeps 96% of fp32's top-5 (top-1 same in 100%) on 6 probes``."""
        return (
            f"int8 keeps {self.top5:.0%} of fp32's top-5 candidates (top-1 same in {self.top1:.0%}) "
            f"on {self.probes} probe sentences"
        )


@dataclass(frozen=True)
class ConversionResult:
    """A folder ready for :func:`cloze_app.core.models.store.install_folder`, with the agreement found."""

    folder: Path
    agreement: Agreement | None
    warnings: tuple[str, ...]


def require(*modules: str) -> dict[str, Any]:
    """Import optional modules or say exactly what to install."""
    loaded = {}
    for name in modules:
        try:
            loaded[name] = importlib.import_module(name)
        except ImportError as exc:
            raise MissingConvertTools(
                f"Converting models needs {name}, which is not installed. Install the conversion "
                f"tools with: {INSTALL_HINT}  (they are large: torch, transformers, onnx)."
            ) from exc
    return loaded


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ConversionCancelled("Conversion cancelled; nothing was installed.")


def quantize_int8(fp32_file: Path, int8_file: Path) -> Path:
    """Dynamic int8 quantization of every MatMul/Gemm weight, one scale per output channel."""
    require("onnx")
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    root.addFilter(_drop_preprocess_advice)
    try:
        quantize_dynamic(str(fp32_file), str(int8_file), per_channel=True, weight_type=QuantType.QInt8)
        rowquant.rewrite_file(int8_file)  # activations per token: a row's scores never depend on its batch
    except Exception as exc:
        raise ModelError(f"Quantizing {fp32_file.name} to int8 failed: {exc}") from exc
    finally:
        root.removeFilter(_drop_preprocess_advice)
    return int8_file


def _drop_preprocess_advice(record: logging.LogRecord) -> bool:
    # onnxruntime advises shape pre-processing for static quantization; dynamic int8 does not need it.
    return "pre-processing before quantization" not in record.getMessage()


def measure_agreement(
    fp32_file: Path,
    int8_file: Path,
    tokenizer_file: Path,
    mask_token: str,
    languages: Sequence[str] = (),
    max_length: int = 512,
) -> Agreement:
    """Compare the top-5 candidates of both models at the mask of each probe sentence."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    mask_id = tokenizer.token_to_id(mask_token)
    if mask_id is None:
        raise ModelError(f"The tokenizer has no id for the mask token {mask_token!r}.")
    fp32, int8 = open_session(fp32_file, threads=1), open_session(int8_file, threads=1)
    overlaps: list[float] = []
    same: list[bool] = []
    texts = probe_texts(languages, mask_token)
    for text in texts:
        reference = mask_logits(fp32, tokenizer, text, mask_id, max_length)
        quantized = mask_logits(int8, tokenizer, text, mask_id, max_length)
        for ref_row, q_row in zip(reference, quantized, strict=True):
            ref_top = np.argsort(-ref_row, kind="stable")[:5]
            q_top = np.argsort(-q_row, kind="stable")[:5]
            overlaps.append(len(set(ref_top.tolist()) & set(q_top.tolist())) / 5)
            same.append(int(ref_top[0]) == int(q_top[0]))
    if not overlaps:
        raise ModelError(
            "No probe sentence kept its mask token after tokenizing; cannot compare int8 with fp32."
        )
    return Agreement(float(np.mean(overlaps)), float(np.mean(same)), len(texts))


def judge_agreement(
    agreement: Agreement, *, min_agreement: float = MIN_AGREEMENT, force: bool = False
) -> tuple[str, ...]:
    """Warnings for a mediocre agreement; raise ModelError below ``min_agreement`` unless ``force``."""
    if agreement.top5 < min_agreement and not force:
        raise ModelError(
            f"The int8 model disagrees with the original: {agreement.describe()}, below the "
            f"{min_agreement:.0%} Cloze accepts. Keep the fp32 model (--no-quantize) or force it (--force)."
        )
    if agreement.top5 < WARN_AGREEMENT:
        return (f"Int8 quantization changed this model's suggestions noticeably: {agreement.describe()}.",)
    return ()


def quantize_checked(
    fp32_file: Path,
    int8_file: Path,
    tokenizer_file: Path,
    *,
    mask_token: str,
    languages: Sequence[str],
    max_length: int,
    min_agreement: float = MIN_AGREEMENT,
    force: bool = False,
) -> tuple[Agreement, tuple[str, ...]]:
    """Quantize ``fp32_file`` into ``int8_file`` and check the agreement (raises when it is poor)."""
    quantize_int8(fp32_file, int8_file)
    agreement = measure_agreement(fp32_file, int8_file, tokenizer_file, mask_token, languages, max_length)
    return agreement, judge_agreement(agreement, min_agreement=min_agreement, force=force)


class _MaskedLMLogits:
    """Wraps a transformers model so the exported graph has named inputs and one ``logits`` output."""

    @staticmethod
    def build(torch: Any, model: Any, with_token_types: bool) -> Any:
        class Wrapper(torch.nn.Module):  # type: ignore[misc, name-defined]
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
                extra = {"token_type_ids": token_type_ids} if with_token_types else {}
                return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits

        return Wrapper().eval()


def _ensure_tokenizer_json(source: Path, target: Path) -> None:
    """Copy tokenizer.json, or build it from vocab files with transformers' fast-tokenizer converter."""
    if (source / TOKENIZER_FILE).is_file():
        shutil.copy2(source / TOKENIZER_FILE, target / TOKENIZER_FILE)
        return
    transformers = require("transformers")["transformers"]
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(source), use_fast=True)
        tokenizer.save_pretrained(str(target))
    except Exception as exc:
        raise ModelError(f"Cannot build tokenizer.json from the files in {source}: {exc}") from exc
    if not (target / TOKENIZER_FILE).is_file():
        raise ModelError(f"{source} has no tokenizer.json and transformers could not create one.")


def export_onnx(checkpoint: Path, fp32_file: Path) -> Path:
    """Export a masked-LM checkpoint to ONNX (fp32) and check its logits against PyTorch."""
    mods = require("torch", "transformers", "onnx")
    torch, transformers = mods["torch"], mods["transformers"]
    transformers.utils.logging.disable_progress_bar()  # Cloze reports its own stages
    if (
        not (checkpoint / CHECKPOINT_WEIGHTS).is_file()
        and not (checkpoint / "model.safetensors.index.json").is_file()
    ):
        pickles = [n for n in PICKLE_WEIGHTS if (checkpoint / n).is_file()]
        what = f"only {pickles[0]}, a pickle file Cloze never loads" if pickles else "no model.safetensors"
        raise ModelError(f"{checkpoint} has {what}. Convert needs safetensors weights.")
    try:
        model = transformers.AutoModelForMaskedLM.from_pretrained(
            str(checkpoint), use_safetensors=True, attn_implementation="eager", dtype=torch.float32
        ).eval()
    except Exception as exc:
        raise ModelError(f"transformers cannot load {checkpoint} as a fill-mask model: {exc}") from exc
    config = model.config
    import inspect as pyinspect

    takes_types = "token_type_ids" in pyinspect.signature(model.forward).parameters
    with_types = takes_types and int(getattr(config, "type_vocab_size", 0) or 0) > 1
    wrapper = _MaskedLMLogits.build(torch, model, with_types)
    pad = int(config.pad_token_id if config.pad_token_id is not None else 0)
    low, high = 5, max(6, min(int(config.vocab_size), 1000))
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(low, high, (2, 8), generator=generator)
    mask = torch.ones_like(ids)
    ids[1, 5:], mask[1, 5:] = pad, 0  # trace with padding so the attention mask is never folded away
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
    inputs = (ids, mask) + ((torch.zeros_like(ids),) if with_types else ())
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "logits"]}
    with warnings.catch_warnings():
        # The TorchScript exporter warns about its own deprecation and traced branches; the logits
        # are compared with PyTorch below, which is the check that matters.
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                wrapper,
                inputs,
                str(fp32_file),
                input_names=names,
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=17,
                do_constant_folding=True,
                dynamo=False,
            )
        except Exception as exc:
            raise ModelError(f"Exporting {checkpoint} to ONNX failed: {exc}") from exc
    _compare_with_torch(torch, wrapper, fp32_file, names, pad)
    return fp32_file


def _compare_with_torch(torch: Any, wrapper: Any, fp32_file: Path, names: list[str], pad: int) -> None:
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(5, 50, (3, 11), generator=generator).clamp(max=wrapper.model.config.vocab_size - 1)
    mask = torch.ones_like(ids)
    ids[1, 7:], mask[1, 7:] = pad, 0
    ids[2, 3:], mask[2, 3:] = pad, 0
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}
    with torch.no_grad():
        expected = wrapper(*[feeds[n] for n in names]).numpy()
    session = open_session(fp32_file, threads=1)
    got = session.run(["logits"], {n: feeds[n].numpy() for n in names})[0]
    keep = mask.numpy().astype(bool)
    diff = float(np.abs(got[keep] - expected[keep]).max())
    scale = float(np.abs(expected[keep]).max()) or 1.0
    if diff > 1e-3 * max(scale, 1.0):
        raise ModelError(
            f"The exported ONNX graph does not reproduce PyTorch's logits (max difference {diff:.3g})."
        )


def convert_checkpoint(
    checkpoint: Path,
    work_dir: Path,
    *,
    quantize: bool = True,
    min_agreement: float = MIN_AGREEMENT,
    force: bool = False,
    on_stage: StageFn | None = None,
    cancel: threading.Event | None = None,
) -> ConversionResult:
    """Export ``checkpoint`` to ONNX in ``work_dir`` (created), quantize to int8, check agreement.

    The result folder holds ``model.onnx``, ``tokenizer.json`` and the checkpoint's small info
    files (config, tokenizer config, model card): an ONNX folder ready to install.
    """
    stage = on_stage or (lambda _message: None)
    checkpoint = Path(checkpoint).expanduser()
    check_safetensors_index(checkpoint)  # before torch or transformers are imported
    work_dir.mkdir(parents=True, exist_ok=True)
    _check(cancel)
    stage("Reading the tokenizer")
    _ensure_tokenizer_json(checkpoint, work_dir)
    for name in INFO_FILES:
        source = checkpoint / name
        if source.is_file() and not links_outside(checkpoint, source) and not (work_dir / name).exists():
            shutil.copy2(source, work_dir / name)  # a link out of the checkpoint is never copied
    _check(cancel)
    stage("Exporting to ONNX (fp32)")
    model_file = work_dir / MODEL_FILE
    export_onnx(checkpoint, model_file)
    facts = inspect_folder(work_dir)
    _check(cancel)
    if not quantize:
        return ConversionResult(work_dir, None, ("Kept the fp32 model: it is larger and slower than int8.",))
    stage("Quantizing to int8 and comparing with fp32")
    int8_file = work_dir / "model-int8.onnx"
    agreement, notes = quantize_checked(
        model_file,
        int8_file,
        work_dir / TOKENIZER_FILE,
        mask_token=facts.mask_token,
        languages=facts.languages,
        max_length=facts.max_length,
        min_agreement=min_agreement,
        force=force,
    )
    int8_file.replace(model_file)
    _check(cancel)
    return ConversionResult(work_dir, agreement, notes)
