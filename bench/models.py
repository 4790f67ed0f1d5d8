"""The three systems the bench compares, all from committed files: Cloze int8, Cloze fp32, transformers.

- Cloze int8: the shipped model folder (``models/cloze-minilm-en``).
- transformers: the same weights as a ``BertForMaskedLM`` folder (``reference/``, made by
  ``bench.make_reference``), run by the fill-mask pipeline in PyTorch fp32.
- Cloze fp32: that reference exported to ONNX at bench time into a cache folder (never committed),
  with the int8 folder's tokenizer and manifest.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from cloze_app.core.engine.manifest import MANIFEST_NAME, MODEL_FILE, TOKENIZER_FILE, sha256_file

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO / "models" / "cloze-minilm-en"
REFERENCE_NAME = "reference"
EXPORT_STAMP = "bench-export.json"


@dataclass(frozen=True)
class BenchModels:
    """Folders of the three systems."""

    int8: Path  # a Cloze model folder (int8 ONNX)
    fp32: Path  # a Cloze model folder (fp32 ONNX exported from the reference)
    reference: Path  # a transformers BertForMaskedLM folder with the same weights


def default_cache() -> Path:
    """Where the fp32 export is kept between runs (the Cloze cache folder, ``bench/``)."""
    from cloze_app.core.paths import cache_dir

    return cache_dir() / "bench"


def reference_weights(reference: Path) -> Path:
    """The reference's safetensors file, or a clear error naming the command that makes it."""
    weights = reference / "model.safetensors"
    if not weights.is_file():
        raise SystemExit(
            f"bench: {reference} has no model.safetensors. Make the transformers reference with "
            "`python -m bench.make_reference --checkpoint runs/cloze-minilm-en/ckpt-best.pt`."
        )
    return weights


def export_fp32(int8: Path, reference: Path, cache: Path) -> Path:
    """A Cloze fp32 folder for ``reference`` in ``cache`` (exported once per reference weights)."""
    stamp = {"reference_sha256": sha256_file(reference_weights(reference))}
    folder = cache / f"fp32-{stamp['reference_sha256'][:16]}"
    if (folder / EXPORT_STAMP).is_file() and json.loads((folder / EXPORT_STAMP).read_text()) == stamp:
        return folder
    from cloze_app.core.models.convert import export_onnx

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"bench: exporting the fp32 ONNX model from {reference} (once) ...", flush=True)
    export_onnx(reference, folder / MODEL_FILE)
    shutil.copy2(int8 / TOKENIZER_FILE, folder / TOKENIZER_FILE)
    manifest = json.loads((int8 / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["id"] = f"{manifest['id']}-fp32"
    manifest["name"] = f"{manifest.get('name', manifest['id'])} (fp32, bench)"
    manifest["quantization"] = "fp32"
    manifest["files"] = {name: sha256_file(folder / name) for name in (MODEL_FILE, TOKENIZER_FILE)}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (folder / EXPORT_STAMP).write_text(json.dumps(stamp) + "\n", encoding="utf-8")
    return folder


def reference_is_stale(int8: Path, reference: Path) -> str | None:
    """Why the reference may not hold the int8 model's weights (None when it was made for it)."""
    info = reference / "reference.json"
    if not info.is_file():
        return None
    made_for = json.loads(info.read_text(encoding="utf-8")).get("int8_model_sha256")
    if made_for and made_for != sha256_file(int8 / MODEL_FILE):
        return (
            f"{reference} was made for another {MODEL_FILE} than the one in {int8}; re-run "
            "`python -m bench.make_reference` with the checkpoint the model was exported from."
        )
    return None


def prepare(
    int8: Path = DEFAULT_MODEL, reference: Path | None = None, cache: Path | None = None
) -> BenchModels:
    """Resolve the three systems, exporting the fp32 model when the cache lacks it."""
    int8 = int8.resolve()
    if not (int8 / MANIFEST_NAME).is_file():
        raise SystemExit(f"bench: {int8} is not a Cloze model folder (no {MANIFEST_NAME}).")
    reference = (reference or int8 / REFERENCE_NAME).resolve()
    stale = reference_is_stale(int8, reference)
    if stale:
        print(f"bench: WARNING: {stale}", flush=True)
    fp32 = export_fp32(int8, reference, cache or default_cache())
    return BenchModels(int8=int8, fp32=fp32, reference=reference)


def load_pipeline(reference: Path, threads: int) -> object:
    """The transformers fill-mask pipeline on the reference weights, PyTorch fp32 on CPU."""
    import torch
    from transformers import pipeline

    if threads > 0:
        torch.set_num_threads(threads)
    return pipeline(
        "fill-mask", model=str(reference), tokenizer=str(reference), dtype=torch.float32, device="cpu"
    )
