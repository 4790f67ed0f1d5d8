"""Check my text: flag words the model finds much less likely than an alternative, with suggestions.

For every word the model gives its log-probability in context, its rank among the model's own
candidates and the top alternatives (``engine.check_words``, batched by the engine). A word is
flagged when an alternative is at least ``margin`` (natural log) more likely, plus
``margin_per_piece`` for each tokenizer piece of the word beyond the first (a word of several
pieces is scored piece by piece, so its log-probability runs lower than a one-piece
alternative's), and the word itself is not among the model's top ``keep_rank`` candidates.
Names and numbers are never checked. The thresholds were tuned on BLiMP
(``scripts/tune_checker.py``, ``docs/checker-tuning.md``) and live in ``checker_tuned.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cloze_app.core.errors import EmptyTextError
from cloze_app.core.text import WordSpan, match_case, word_spans
from cloze_app.core.types import Candidate, WordCheck

CHUNK_WORDS = 100  # words per check_words call: batched runs, with progress between calls
_PLAIN_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


class CheckEngine(Protocol):
    """The engine primitive the checker uses (``ClozeEngine.check_words``)."""

    def check_words(
        self,
        text: str,
        spans: Sequence[tuple[int, int]] | None = None,
        top_k: int = 5,
        right_context: bool = True,
    ) -> list[WordCheck]: ...


@dataclass(frozen=True)
class CheckerThresholds:
    """When a word is flagged.

    ``keep_rank``: a word the model ranks this high or higher is never flagged.
    ``margin``: an alternative must be at least this much more likely (natural log).
    ``min_alternative_log_prob``: and at least this likely itself (the model must mean it).
    ``margin_per_piece``: added to ``margin`` for each piece of the word beyond the first.
    """

    keep_rank: int = 3
    margin: float = 3.0
    min_alternative_log_prob: float = -6.0
    top_k: int = 10
    max_suggestions: int = 5
    margin_per_piece: float = 0.0

    @classmethod
    def tuned(cls) -> CheckerThresholds:
        """The thresholds chosen on BLiMP by ``scripts/tune_checker.py``: the default preset's."""
        return find_preset(default_preset_name()).thresholds

    @classmethod
    def preset(cls, name: str) -> CheckerThresholds:
        """The thresholds of a Sensitivity preset ("Careful", "Balanced", "Eager"; any case).

        An unknown name gives the default preset (the tuned thresholds).
        """
        return find_preset(name).thresholds


@dataclass(frozen=True)
class CheckerPreset:
    """A named sensitivity and what it did on BLiMP (tune split, ``docs/checker-tuning.md``).

    ``hit_rate``: share of errors (the bad word of a pair) flagged; ``false_alarms_per_word``:
    share of the words of correct sentences flagged; ``max_false_alarms``: the budget it was
    tuned for.
    """

    name: str
    thresholds: CheckerThresholds
    max_false_alarms: float
    hit_rate: float
    false_alarms_per_word: float

    def describe(self) -> str:
        """One line for a tooltip, e.g. ``flags about 6% of errors, about 4% false alarms per word``."""
        return (
            f"flags about {self.hit_rate:.0%} of errors, "
            f"about {self.false_alarms_per_word:.0%} false alarms per word"
        )


def checker_presets() -> tuple[CheckerPreset, ...]:
    """The Sensitivity presets from ``checker_tuned.py``, quietest first (the first is the default)."""
    from cloze_app.core.learn import checker_tuned

    return tuple(
        CheckerPreset(
            name=str(p["name"]),
            thresholds=CheckerThresholds(
                keep_rank=int(p["keep_rank"]),
                margin=float(p["margin"]),
                min_alternative_log_prob=float(p["min_alternative_log_prob"]),
                margin_per_piece=float(p.get("margin_per_piece", 0.0)),
            ),
            max_false_alarms=float(p["max_false_alarms"]),
            hit_rate=float(p["hit_rate"]),
            false_alarms_per_word=float(p["false_alarms_per_word"]),
        )
        for p in checker_tuned.PRESETS
    )


def default_preset_name() -> str:
    """The preset a first start uses ("Careful": the tuned thresholds)."""
    from cloze_app.core.learn import checker_tuned

    return checker_tuned.DEFAULT_PRESET


def find_preset(name: str) -> CheckerPreset:
    """The preset called ``name`` (any case); the default one for an unknown name."""
    presets = checker_presets()
    wanted = name.strip().casefold()
    default = default_preset_name()
    return next(
        (p for p in presets if p.name.casefold() == wanted),
        next(p for p in presets if p.name == default),
    )


@dataclass(frozen=True)
class Suggestion:
    """A word the model would rather see; ``gain`` is how much more likely (natural log)."""

    word: str
    log_prob: float
    gain: float


@dataclass(frozen=True)
class Flag:
    """A flagged word ``text[start:end]`` with ranked suggestions (best first)."""

    start: int
    end: int
    word: str
    log_prob: float
    rank: int | None
    suggestions: tuple[Suggestion, ...]

    @property
    def best(self) -> str:
        """The top suggestion."""
        return self.suggestions[0].word

    def message(self) -> str:
        """One line, e.g. ``"itself": try herself, himself``."""
        words = ", ".join(s.word for s in self.suggestions)
        rank = f"ranked #{self.rank}" if self.rank else "not in the model's top words"
        return f"“{self.word}” ({rank}): try {words}"


@dataclass(frozen=True)
class CheckReport:
    """The result of checking a text: flags in text order; ``cancelled`` when stopped early."""

    text: str
    flags: tuple[Flag, ...]
    words_checked: int
    words_total: int
    calls: int
    cancelled: bool = False

    def apply(self, flag: Flag, suggestion: str) -> str:
        """The text with ``flag``'s word replaced by ``suggestion``."""
        return self.text[: flag.start] + suggestion + self.text[flag.end :]


def checkable(word: WordSpan) -> bool:
    """Whether the checker looks at a word: letters (maybe one apostrophe), not a name or number."""
    return _PLAIN_WORD_RE.fullmatch(word.word) is not None and not word.is_name and not word.is_number


def suggestible(check: WordCheck) -> list[Candidate]:
    """The alternatives that could be suggested for a word: other plain words, best first.

    A word is flagged exactly when the first of these clears the thresholds (so the tuning
    script only needs the best one).
    """
    own = check.word.casefold()
    usable = [a for a in check.alternatives if a.word.casefold() != own and _PLAIN_WORD_RE.fullmatch(a.word)]
    return sorted(usable, key=lambda a: -a.log_prob)


def judge(check: WordCheck, thresholds: CheckerThresholds) -> Flag | None:
    """The flag for one word's check, or None when the word is fine."""
    if check.rank is not None and check.rank <= thresholds.keep_rank:
        return None
    suggestions = []
    margin = thresholds.margin + thresholds.margin_per_piece * max(0, check.pieces - 1)
    for alt in suggestible(check):
        gain = alt.log_prob - check.log_prob
        if gain < margin or alt.log_prob < thresholds.min_alternative_log_prob:
            break  # the rest are less likely still
        suggestions.append(Suggestion(match_case(alt.word, check.word), alt.log_prob, gain))
    if not suggestions:
        return None
    return Flag(
        check.start,
        check.end,
        check.word,
        check.log_prob,
        check.rank,
        tuple(suggestions[: thresholds.max_suggestions]),
    )


def check_text(
    engine: CheckEngine,
    text: str,
    thresholds: CheckerThresholds | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_words: int = CHUNK_WORDS,
) -> CheckReport:
    """Check every word of ``text``.

    The words go to ``engine.check_words`` ``chunk_words`` at a time (the engine batches each
    call), so a 300-word text takes three calls; ``progress(done, total)`` is called after each
    and ``should_stop()`` before each, which ends the check early with what is done.

    Raises:
        EmptyTextError: the text is empty.
    """
    if not text.strip():
        raise EmptyTextError()
    thresholds = thresholds or CheckerThresholds.tuned()
    words = [w for w in word_spans(text) if checkable(w)]
    flags: list[Flag] = []
    done = calls = 0
    for lo in range(0, len(words), max(1, chunk_words)):
        if should_stop is not None and should_stop():
            return CheckReport(text, tuple(flags), done, len(words), calls, cancelled=True)
        chunk = words[lo : lo + chunk_words]
        checks = engine.check_words(text, spans=[(w.start, w.end) for w in chunk], top_k=thresholds.top_k)
        calls += 1
        flags.extend(f for f in (judge(c, thresholds) for c in checks) if f is not None)
        done += len(chunk)
        if progress is not None:
            progress(done, len(words))
    return CheckReport(text, tuple(flags), done, len(words), calls)
