"""Reads what a model folder is: a Cloze folder, an ONNX export (transformers.js layout) or a checkpoint.

Everything the manifest needs (mask token, casing, max length, languages, license) is taken from
the files Hugging Face repos carry: ``tokenizer.json``, ``tokenizer_config.json``,
``special_tokens_map.json``, ``config.json`` and the model card's YAML header in ``README.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloze_app.core.engine.manifest import MANIFEST_NAME, TOKENIZER_FILE, read_json_file, safe_relative_path
from cloze_app.core.errors import ModelError

# Where ONNX exports keep the model, best first: int8 before fp32, never fp16 (slow on CPU).
ONNX_CANDIDATES = (
    "onnx/model_quantized.onnx",
    "onnx/model_int8.onnx",
    "onnx/model_uint8.onnx",
    "onnx/model_q8.onnx",
    "model_quantized.onnx",
    "model_int8.onnx",
    "model.onnx",
    "onnx/model.onnx",
)
CHECKPOINT_WEIGHTS = "model.safetensors"
# Pickle-based weights: loading them can run arbitrary code, so Cloze never opens them.
PICKLE_WEIGHTS = ("pytorch_model.bin", "model.pt", "pytorch_model.pt", "model.bin", "tf_model.h5")
# Small files copied along with an installed model so its details stay inspectable.
INFO_FILES = ("config.json", "tokenizer_config.json", "special_tokens_map.json", "README.md")
SAFETENSORS_INDEX = "model.safetensors.index.json"
MAX_JSON_BYTES = 64 << 20  # tokenizer.json of a 250k vocabulary is ~17 MB
_ROBERTA_LIKE = {"roberta", "xlm-roberta", "camembert", "longformer", "data2vec-text", "xmod"}
_KNOWN_MASKS = ("[MASK]", "<mask>", "[mask]", "<MASK>")


@dataclass(frozen=True)
class ModelFacts:
    """What :func:`inspect_folder` found in a folder.

    ``kind`` is ``"cloze"`` (has ``cloze-model.json``), ``"onnx"`` (an ONNX file and a
    ``tokenizer.json``) or ``"checkpoint"`` (``config.json`` + ``model.safetensors``).
    """

    folder: Path
    kind: str
    onnx_file: Path | None
    tokenizer_file: Path | None
    mask_token: str
    cased: bool
    max_length: int
    languages: tuple[str, ...]
    license: str
    architecture: str
    name: str
    quantization: str
    info_files: tuple[str, ...]
    skipped_links: tuple[str, ...] = ()  # info files that are links out of the folder: not copied


def links_outside(folder: Path, path: Path) -> bool:
    """True when ``path`` is (or passes through) a link that leads out of ``folder``."""
    try:
        return folder.resolve() not in path.resolve().parents
    except (OSError, RuntimeError):  # a link loop
        return True


def require_inside(folder: Path, path: Path) -> Path:
    """``path`` when it really lies in ``folder``; a link leading elsewhere is refused.

    Raises:
        ModelError: naming the link and what to do, so nothing outside the folder is ever read
            into the models folder (a README.md linked to /etc/shadow, say).
    """
    if links_outside(folder, path):
        raise ModelError(
            f"{path.relative_to(folder) if path.is_relative_to(folder) else path.name} in {folder} is a "
            "link to a file outside the folder; Cloze copies only files that are in the folder. Copy "
            "the real files into a folder of their own (cp -L) and add that."
        )
    return path


def check_safetensors_index(checkpoint: Path) -> None:
    """Refuse a sharded checkpoint whose index names anything but safetensors files beside it.

    Runs before torch or transformers are imported: an index pointing at ``pytorch_model.bin``
    would otherwise lead transformers to a pickle.

    Raises:
        ModelError: for an unreadable index, a weight file that is not ``*.safetensors``, a name
            leading out of the folder, or a shard that is missing.
    """
    index = checkpoint / SAFETENSORS_INDEX
    if not index.exists():
        return
    data = _read_json(index)
    weight_map = data.get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise ModelError(f"{index} has no 'weight_map' of tensor names to safetensors files.")
    for shard in sorted({str(name) for name in weight_map.values()}):
        try:
            safe_relative_path(shard)
        except ModelError as exc:
            raise ModelError(
                f"{index} names the weight file {shard!r}, outside the checkpoint; refused."
            ) from exc
        if not shard.endswith(".safetensors"):
            raise ModelError(
                f"{index} points at {shard!r}, which is not a safetensors file (pickle weights can run "
                "code when loaded; Cloze never opens them). Convert needs safetensors weights."
            )
        path = checkpoint / shard
        if not path.is_file():
            raise ModelError(f"{index} names {shard}, which is missing from {checkpoint}.")
        require_inside(checkpoint, path)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file() or (path.is_symlink() and links_outside(path.parent, path)):
        return {}  # a link out of the model's folder is never read
    data = read_json_file(path, MAX_JSON_BYTES, "a model's JSON file")
    return data if isinstance(data, dict) else {}


def _load_onnx(onnx_file: Path) -> Any:
    """The graph of ``onnx_file`` without its weights; a damaged file is a clear error."""
    import onnx

    try:
        return onnx.load(str(onnx_file), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise ModelError(
            f"{onnx_file.name} in {onnx_file.parent} is not a readable ONNX model ({type(exc).__name__}: "
            f"{str(exc)[:200]}). The file is damaged or is something else; download or export it again."
        ) from exc


def card_metadata(readme: Path) -> dict[str, Any]:
    """The ``language`` and ``license`` fields of a model card's YAML header (no YAML library needed)."""
    if not readme.is_file():
        return {}
    try:
        text = readme.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    match = re.match(r"---\s*\n(.*?)\n---", text, re.S)
    if not match:
        return {}
    found: dict[str, Any] = {}
    key: str | None = None
    for line in match.group(1).splitlines():
        item = re.match(r"\s*-\s*(\S+)\s*$", line)
        if item and key in ("language", "license"):
            found.setdefault(key, []).append(item.group(1).strip("'\""))
            continue
        field = re.match(r"(\w[\w-]*):\s*(.*)$", line)
        if field:
            key = field.group(1)
            value = field.group(2).strip().strip("'\"")
            if key in ("language", "license") and value:
                values = [v.strip().strip("'\"") for v in value.strip("[]").split(",")]
                found[key] = [v for v in values if v]
    if "license" in found:
        found["license"] = found["license"][0]
    return found


def _token_content(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("content", ""))
    return value if isinstance(value, str) else ""


def detect_mask_token(folder: Path, tokenizer_json: dict[str, Any]) -> str:
    """The mask token named by the tokenizer files, checked against the vocabulary."""
    added = {t.get("content") for t in tokenizer_json.get("added_tokens", []) if isinstance(t, dict)}
    vocab = tokenizer_json.get("model", {}).get("vocab", {})
    vocab_tokens = set(vocab) if isinstance(vocab, dict) else {entry[0] for entry in vocab}
    known = added | vocab_tokens
    for source in ("tokenizer_config.json", "special_tokens_map.json"):
        named = _token_content(_read_json(folder / source).get("mask_token"))
        if named:
            if named not in known:
                raise ModelError(
                    f"{folder / source} names the mask token {named!r}, which the vocabulary lacks."
                )
            return named
    for candidate in _KNOWN_MASKS:
        if candidate in known:
            return candidate
    raise ModelError(
        f"Cannot find a mask token in {folder}: tokenizer.json has none of {', '.join(_KNOWN_MASKS)} and "
        "there is no tokenizer_config.json naming one. Cloze needs a fill-mask (masked language) model."
    )


def _lowercases(normalizer: Any) -> bool:
    if not isinstance(normalizer, dict):
        return False
    kind = normalizer.get("type")
    if kind == "BertNormalizer":
        return bool(normalizer.get("lowercase", True))
    if kind == "Lowercase":
        return True
    if kind == "Sequence":
        return any(_lowercases(item) for item in normalizer.get("normalizers", []))
    return False


def detect_cased(folder: Path, tokenizer_json: dict[str, Any]) -> bool:
    """False when the tokenizer lowercases its input (``do_lower_case`` or a lowercasing normalizer)."""
    config = _read_json(folder / "tokenizer_config.json")
    if isinstance(config.get("do_lower_case"), bool):
        return not config["do_lower_case"]
    return not _lowercases(tokenizer_json.get("normalizer"))


def detect_max_length(folder: Path, default: int = 512) -> int:
    """The longest input in tokens, from ``config.json`` and ``tokenizer_config.json``."""
    limits = []
    config = _read_json(folder / "config.json")
    positions = config.get("max_position_embeddings")
    if isinstance(positions, int) and positions > 0:
        if config.get("model_type") in _ROBERTA_LIKE:
            # Position ids start after the padding index, so two positions are never used.
            positions -= int(config.get("pad_token_id", 1)) + 1
        limits.append(positions)
    tok_max = _read_json(folder / "tokenizer_config.json").get("model_max_length")
    if isinstance(tok_max, int) and 8 <= tok_max < 100_000:
        limits.append(tok_max)
    return min(limits) if limits else default


def detect_architecture(folder: Path, tokenizer_json: dict[str, Any]) -> str:
    """``config.json``'s ``model_type``, or a guess from the tokenizer's model kind."""
    model_type = _read_json(folder / "config.json").get("model_type")
    if isinstance(model_type, str) and model_type:
        return model_type
    kind = tokenizer_json.get("model", {}).get("type")
    return {"WordPiece": "bert", "BPE": "roberta", "Unigram": "xlm-roberta"}.get(str(kind), "bert")


def find_onnx_file(folder: Path) -> Path | None:
    """The best ONNX file of an export: quantized first (transformers.js layout), then fp32."""
    for name in ONNX_CANDIDATES:
        path = folder / name
        if path.is_file():
            return path
    return None


def quantization_of(onnx_file: Path) -> str:
    """``"int8"`` when the graph holds quantized operators, else ``"fp32"`` (by name without onnx)."""
    try:
        import onnx  # noqa: F401 (only whether it is installed)
    except ImportError:
        stem = onnx_file.stem.lower()
        return "int8" if any(tag in stem for tag in ("quantized", "int8", "uint8", "q8")) else "fp32"
    model = _load_onnx(onnx_file)
    quantized = {"DynamicQuantizeLinear", "MatMulInteger", "QLinearMatMul", "DequantizeLinear"}
    return "int8" if any(node.op_type in quantized for node in model.graph.node) else "fp32"


def external_data_of(onnx_file: Path) -> tuple[str, ...] | None:
    """The files an ONNX graph keeps its weights in, each checked to stay beside the graph.

    Returns None when the ``onnx`` package is not installed (the check then falls to onnxruntime).

    Raises:
        ModelError: when a location is absolute or climbs out of the folder (``../``).
    """
    try:
        import onnx
    except ImportError:
        return None
    from cloze_app.core.engine.manifest import safe_relative_path

    model = _load_onnx(onnx_file)
    locations: list[str] = []
    for tensor in model.graph.initializer:
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            continue
        location = next((entry.value for entry in tensor.external_data if entry.key == "location"), "")
        try:
            safe_relative_path(location)
        except ModelError as exc:
            raise ModelError(
                f"{onnx_file.name} keeps weights in {location!r}, outside its folder; refused."
            ) from exc
        if location not in locations:
            locations.append(location)
    return tuple(locations)


def inspect_folder(folder: Path) -> ModelFacts:
    """Look at a folder and say what kind of model it holds and what its manifest should say.

    Raises:
        ModelError: when the folder is no model Cloze can use, saying what is missing.
    """
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ModelError(f"{folder} is not a folder.")
    tokenizer = folder / TOKENIZER_FILE
    onnx_file = find_onnx_file(folder)
    has_checkpoint = (folder / "config.json").is_file() and (folder / CHECKPOINT_WEIGHTS).is_file()
    if (folder / MANIFEST_NAME).is_file():
        kind = "cloze"
    elif onnx_file is not None:
        kind = "onnx"
    elif has_checkpoint:
        kind = "checkpoint"
    else:
        pickles = [name for name in PICKLE_WEIGHTS if (folder / name).is_file()]
        if pickles:
            raise ModelError(
                f"{folder} holds only {pickles[0]}, a pickle file that could run code when loaded; Cloze "
                "never opens those. Use a repo that has model.safetensors or an onnx/ folder."
            )
        raise ModelError(
            f"{folder} holds no model Cloze can use: expected an ONNX file (model.onnx or "
            "onnx/model_quantized.onnx) with tokenizer.json, or a Hugging Face checkpoint "
            "(config.json + model.safetensors)."
        )
    if not tokenizer.is_file():
        raise ModelError(
            f"{folder} has no tokenizer.json (Cloze reads the fast-tokenizer file; save the tokenizer with "
            "transformers' AutoTokenizer.from_pretrained(...).save_pretrained(folder) to create it)."
        )
    for required in (tokenizer, onnx_file):
        if required is not None:
            require_inside(folder, required)
    linked = tuple(n for n in INFO_FILES if (folder / n).exists() and links_outside(folder, folder / n))
    try:
        return _facts(folder, kind, onnx_file, tokenizer, linked)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        raise ModelError(
            f"The tokenizer or config files in {folder} do not have the shape Hugging Face writes "
            f"({type(exc).__name__}: {str(exc)[:200]}); tokenizer.json may be damaged."
        ) from exc


def _facts(
    folder: Path, kind: str, onnx_file: Path | None, tokenizer: Path, linked: tuple[str, ...]
) -> ModelFacts:
    tokenizer_json = _read_json(tokenizer)
    card = {} if "README.md" in linked else card_metadata(folder / "README.md")
    languages = card.get("language", [])
    if isinstance(languages, str):
        languages = [languages]
    config = _read_json(folder / "config.json") if "config.json" not in linked else {}
    name = str(config.get("_name_or_path") or folder.name) or folder.name
    return ModelFacts(
        folder=folder,
        kind=kind,
        onnx_file=onnx_file,
        tokenizer_file=tokenizer,
        mask_token=detect_mask_token(folder, tokenizer_json),
        cased=detect_cased(folder, tokenizer_json),
        max_length=detect_max_length(folder),
        languages=tuple(str(lang) for lang in languages),
        license=str(card.get("license", "unknown")),
        architecture=detect_architecture(folder, tokenizer_json),
        name=name,
        quantization=quantization_of(onnx_file) if onnx_file is not None else "fp32",
        info_files=tuple(
            n
            for n in INFO_FILES
            if n not in linked and (folder / n).is_file() and (folder / n).stat().st_size < 1 << 20
        ),
        skipped_links=linked,
    )
