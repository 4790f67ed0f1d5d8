"""Shared fixtures: every test gets fresh config/data dirs, and tiny models built in code."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The suite never writes under the user's home: before anything is imported (huggingface_hub,
# torch and fontconfig read these once), HOME and every cache, config and data variable point
# into one temporary folder, removed at exit. Each test then gets its own (``_fresh_dirs``).
REAL_HOME = Path.home()
SESSION_HOME = Path(tempfile.mkdtemp(prefix="cloze-tests-home-"))
atexit.register(shutil.rmtree, SESSION_HOME, ignore_errors=True)
HOME_VARIABLES = {
    "HOME": "",
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_CACHE_HOME": ".cache",
    "XDG_STATE_HOME": ".local/state",
    "HF_HOME": ".cache/huggingface",
    "HF_HUB_CACHE": ".cache/huggingface/hub",
    "HF_DATASETS_CACHE": ".cache/huggingface/datasets",
    "TORCH_HOME": ".cache/torch",
}


def point_home_variables(root: Path, setenv: object = os.environ.__setitem__) -> None:
    """Set HOME, XDG_* and the Hugging Face/torch cache variables to folders under ``root``."""
    for name, sub in HOME_VARIABLES.items():
        folder = root / sub if sub else root
        folder.mkdir(parents=True, exist_ok=True)
        setenv(name, str(folder))  # type: ignore[operator]


point_home_variables(SESSION_HOME)
os.environ.pop("CLOZE_BUNDLED_MODELS", None)

from tests.tinymodels import (  # noqa: E402
    BYTELEVEL,
    SENTENCEPIECE,
    WORDPIECE,
    bytelevel_tokenizer,
    sentencepiece_tokenizer,
    wordpiece_tokenizer,
    write_model_folder,
)

REPO = Path(__file__).resolve().parent.parent
BUNDLED_MODEL = REPO / "models" / "cloze-minilm-en"

WORDS = [
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
    "barked",
    "foot",
    "paris",
    "is",
    "in",
    "france",
    "capital",
    "of",
    "drink",
    "tea",
    "coffee",
    "i",
    "every",
    "morning",
    "went",
    "home",
]
PIECES = ["ball", "s", "ing"]


@pytest.fixture(autouse=True)
def _fresh_dirs(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Config, data and cache live in the test's tmp dir; the bundled models stay visible."""
    home = tmp_path / "cloze-home"
    monkeypatch.setenv("CLOZE_HOME", str(home))
    # HOME and the XDG folders beside tmp_path, not in it: tests may list tmp_path.
    point_home_variables(tmp_path_factory.mktemp("home"), monkeypatch.setenv)
    for name in ("CLOZE_CONFIG_DIR", "CLOZE_DATA_DIR", "CLOZE_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def tiny_model_dir(tmp_path: Path) -> Path:
    """A WordPiece model: at a [MASK] it prefers cat > foot(ball) > dog > mat; after 'foot'
    it predicts '##ball'; 'barked' anywhere in the text favours 'dog'."""
    tok = wordpiece_tokenizer(WORDS, PIECES)
    return write_model_folder(
        tmp_path / "tiny-wp",
        tok,
        WORDPIECE,
        model_id="tiny-wp",
        prior={"[MASK]": {"cat": 3.0, "foot": 2.5, "dog": 2.0, "mat": 1.0}},
        after={"foot": {"##ball": 9.0}},
        context={"barked": {"dog": 4.0}},
    )


@pytest.fixture
def tiny_sp_model_dir(tmp_path: Path) -> Path:
    """The same preferences in an XLM-R-style SentencePiece model (<mask>, ▁ word starts)."""
    tok = sentencepiece_tokenizer(WORDS, PIECES)
    return write_model_folder(
        tmp_path / "tiny-sp",
        tok,
        SENTENCEPIECE,
        model_id="tiny-sp",
        prior={"<mask>": {"▁cat": 3.0, "▁foot": 2.5, "▁dog": 2.0, "▁mat": 1.0}},
        after={"▁foot": {"ball": 9.0}},
        context={"▁barked": {"▁dog": 4.0}},
    )


@pytest.fixture
def tiny_bpe_model_dir(tmp_path: Path) -> Path:
    """The same preferences in a RoBERTa-style byte-level BPE model (<mask>, Ġ word starts)."""
    tok = bytelevel_tokenizer(WORDS, PIECES)
    return write_model_folder(
        tmp_path / "tiny-bpe",
        tok,
        BYTELEVEL,
        model_id="tiny-bpe",
        prior={"<mask>": {"Ġcat": 3.0, "Ġfoot": 2.5, "Ġdog": 2.0, "Ġmat": 1.0}},
        after={"Ġfoot": {"ball": 9.0}},
        context={"Ġbarked": {"Ġdog": 4.0}},
    )


def bundled_model_available() -> bool:
    """True once the trained default model is committed in models/."""
    return (BUNDLED_MODEL / "cloze-model.json").is_file()
