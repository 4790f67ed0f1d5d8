"""Plain frozen data that crosses the engine's boundary (no Qt, no numpy in the fields)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Blank:
    """A blank in the user's text: characters ``text[start:end]`` are replaced by the word."""

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class Candidate:
    """One whole-word candidate for a blank.

    ``score`` is a probability (the candidates shown for one blank sum to at most 1);
    ``log_prob`` is the model's PLL-word-l2r log-probability of the word's pieces.
    """

    word: str
    score: float
    log_prob: float
    token_ids: tuple[int, ...]


@dataclass(frozen=True)
class BlankResult:
    """Ranked candidates for one blank, given the best joint fill of the other blanks."""

    blank: Blank
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> str:
        """The top candidate's word ("" when the model proposed nothing)."""
        return self.candidates[0].word if self.candidates else ""


@dataclass(frozen=True)
class Filling:
    """One complete filling of every blank, with its joint log-probability."""

    words: tuple[str, ...]
    text: str
    log_prob: float


@dataclass(frozen=True)
class FillResult:
    """Everything the engine says about one text: per-blank candidates and best fillings."""

    text: str
    blanks: tuple[BlankResult, ...]
    fillings: tuple[Filling, ...]
    elapsed_ms: float
    session_runs: int

    @property
    def filled(self) -> str:
        """The text with the best joint filling applied."""
        return self.fillings[0].text if self.fillings else self.text


@dataclass(frozen=True)
class OptionScore:
    """A user-supplied option for a blank; ``score`` is its share among the options given."""

    option: str
    score: float
    log_prob: float
    text: str


@dataclass(frozen=True)
class WordCheck:
    """How likely a word already in the text is, and what the model would rather put there."""

    start: int
    end: int
    word: str
    log_prob: float
    rank: int | None
    alternatives: tuple[Candidate, ...]
    pieces: int = 1  # tokenizer pieces of the word: each one more piece lowers its log-probability


@dataclass(frozen=True)
class ProviderReport:
    """Which execution provider was asked for, which one really runs, and why they differ."""

    requested: str | None
    active: str
    available: tuple[str, ...]
    fallback_reason: str | None = None

    @property
    def fell_back(self) -> bool:
        """True when the provider asked for is not the one running."""
        return self.fallback_reason is not None


@dataclass(frozen=True)
class ModelInfo:
    """What a user sees about an installed model, read from its manifest."""

    id: str
    name: str
    path: str
    languages: tuple[str, ...]
    mask_token: str
    max_length: int
    cased: bool
    quantization: str
    license: str
    source: str
    description: str = ""
    size_bytes: int = 0
    bundled: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
