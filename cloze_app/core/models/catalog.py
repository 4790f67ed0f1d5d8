"""A short list of known fill-mask models on the Hugging Face Hub, shown before anything is downloaded.

Repos under ``Xenova/`` already hold an int8 ONNX export (``onnx/model_quantized.onnx``) and
download ready to use; the others are safetensors checkpoints that Cloze converts to int8
after downloading (this needs ``pip install 'cloze[convert]'``). Sizes are approximate: for
converted models they were measured on the same architectures (``python -m tests.hf_fixtures``);
for ready repos they are estimates (one byte per parameter). The exact download size comes from
the Hub's file list when a download starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloze_app.core.errors import ModelError


@dataclass(frozen=True)
class CatalogEntry:
    """One downloadable model: where it lives, what it speaks, its license and its size."""

    id: str  # the id it is installed under
    repo: str  # Hugging Face Hub repo id
    name: str
    languages: tuple[str, ...]
    license: str
    download_mb: int  # approximate bytes fetched
    installed_mb: int  # approximate size once installed (int8)
    ready_onnx: bool  # True: the repo holds int8 ONNX; False: downloaded and converted here
    description: str

    @property
    def needs_conversion(self) -> bool:
        """Whether installing needs the conversion tools (torch, transformers)."""
        return not self.ready_onnx


CATALOG: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "distilbert-base-uncased",
        "Xenova/distilbert-base-uncased",
        "DistilBERT base (uncased)",
        ("en",),
        "apache-2.0",
        70,
        68,
        True,
        "Small, fast English model; a good first choice on slow machines.",
    ),
    CatalogEntry(
        "bert-base-uncased",
        "Xenova/bert-base-uncased",
        "BERT base (uncased)",
        ("en",),
        "apache-2.0",
        112,
        110,
        True,
        "The original English BERT; lowercase only.",
    ),
    CatalogEntry(
        "distilroberta-base",
        "Xenova/distilroberta-base",
        "DistilRoBERTa base",
        ("en",),
        "apache-2.0",
        85,
        83,
        True,
        "Cased English model with a byte-level tokenizer (keeps capitals and punctuation).",
    ),
    CatalogEntry(
        "xlm-roberta-base",
        "Xenova/xlm-roberta-base",
        "XLM-RoBERTa base",
        ("mul", "en", "de", "fr", "es", "it", "nl", "pt", "zh", "ja", "ru", "ar"),
        "mit",
        285,
        280,
        True,
        "One model for about 100 languages; larger and slower than the English models.",
    ),
    CatalogEntry(
        "bert-base-multilingual-cased",
        "Xenova/bert-base-multilingual-cased",
        "Multilingual BERT (cased)",
        ("mul", "en", "de", "fr", "es", "it", "nl", "pt", "zh", "ja", "ru", "ar"),
        "apache-2.0",
        180,
        178,
        True,
        "BERT trained on Wikipedia in 104 languages.",
    ),
    CatalogEntry(
        "bert-base-chinese",
        "google-bert/bert-base-chinese",
        "BERT base Chinese",
        ("zh",),
        "apache-2.0",
        409,
        119,
        False,
        "Chinese (simplified and traditional), one character per token. Converted to int8 here.",
    ),
    CatalogEntry(
        "bert-base-german-cased",
        "google-bert/bert-base-german-cased",
        "German BERT (cased)",
        ("de",),
        "mit",
        436,
        133,
        False,
        "German model by deepset. Converted to int8 here.",
    ),
    CatalogEntry(
        "camembert-base",
        "almanach/camembert-base",
        "CamemBERT base",
        ("fr",),
        "mit",
        443,
        136,
        False,
        "French RoBERTa-style model. Converted to int8 here.",
    ),
)


def find_entry(id_or_repo: str) -> CatalogEntry | None:
    """The catalog entry with this id or repo (case-insensitive), if any."""
    wanted = id_or_repo.strip().lower()
    for entry in CATALOG:
        if wanted in (entry.id.lower(), entry.repo.lower()):
            return entry
    return None


def entry_or_error(id_or_repo: str) -> CatalogEntry:
    """Like :func:`find_entry` but raise a ModelError listing the catalog."""
    entry = find_entry(id_or_repo)
    if entry is None:
        ids = ", ".join(e.id for e in CATALOG)
        raise ModelError(f"{id_or_repo!r} is not in the catalog ({ids}).")
    return entry
