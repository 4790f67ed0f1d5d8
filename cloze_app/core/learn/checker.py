"""Check my text: flag words a writer probably did not mean, with the likely fix first.

Each word is compared with its confusion set (``confusion``: its other forms, spelling
neighbours, commonly confused words, other members of its closed class), and the gaps and
function words with a missing or an extra word (``proofread`` scores them all with the model,
PLL over all pieces, in the word's sentence). A word is flagged when a candidate is more likely
than the written word by the margin of that candidate's kind, counting what the candidate does
to its neighbours' PLL for the kinds in ``proofread.CONTEXT_KINDS`` ("She go": "She" fits goes
better than go); a word that is not in the
dictionary and rarer than ``rare_zipf`` is a spelling error whatever the model says. This is
Bryant & Briscoe's (2018) method with a masked language model in place of their n-gram model.

Only rows that can matter are run (``proofread.Pruning``): a log-probability is at most 0, so
a candidate cannot gain more than the written word lacks (and its neighbours no more than
``proofread.CONTEXT_CAP``), and one that could not clear the smallest margin of any preset is
not scored; what any preset flags is unchanged.

The margins are tuned by ``scripts/tune_checker.py`` on a generated error set (BLiMP measured too)
(``docs/checker-tuning.md``) and live in ``checker_presets.json``: three Sensitivity presets,
nested (every margin of Careful is at least Balanced's, which is at least Eager's), so what
Careful flags the others flag too.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache, partial
from importlib import resources
from typing import Protocol

from cloze_app.core.engine.candidates import CandidateEngine
from cloze_app.core.errors import EmptyTextError
from cloze_app.core.learn import agreement, confusion, lexicon, spelling
from cloze_app.core.learn.proofread import (
    CONTEXT_CAP,
    CONTEXT_FLOOR,
    CONTEXT_KINDS,
    DELETE_CEILING,
    INSERT_FLOOR,
    AltScore,
    Pruning,
    WordScores,
    score_text_words,
    weighed_pieces,
)
from cloze_app.core.text import WordSpan, match_case, starts_sentence, word_spans
from cloze_app.core.types import WordCheck

MIN_SHARE = 0.01  # a runner-up less likely than this (of the flag's options) is not listed
CHUNK_WORDS = 100  # words per batch of sentences: batched runs, with progress between them
PRESETS_FILE = "checker_presets.json"
# A capitalised non-word opening a sentence this common as written is a word the spelling list
# lacks (oh 5.4, ok 5.1, ah 4.6, ay 3.6), not a misspelling (becuase 2.6, childrens 3.0)
OPENING_ZIPF = 3.5
EDIT_COST = 1.0  # a misspelt word's suggestions: log-probability given up per edit
_PLAIN_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENTENCE_END = re.compile(r"[.!?]")

# What each kind of candidate is called in a flag.
SPELLING, GRAMMAR, WORD_CHOICE, MISSING_WORD, EXTRA_WORD = (
    "spelling",
    "grammar",
    "word choice",
    "missing word",
    "extra word",
)
LABELS = {
    confusion.SPELLING: SPELLING,
    confusion.INFLECTION: GRAMMAR,
    confusion.PARTICIPLE: GRAMMAR,
    confusion.BASE: GRAMMAR,
    confusion.PERFECT: GRAMMAR,
    confusion.PAST: GRAMMAR,
    confusion.GERUND: GRAMMAR,
    confusion.AGREEMENT: GRAMMAR,
    confusion.NUMBER: GRAMMAR,
    confusion.REFERENCE: GRAMMAR,
    confusion.CONFUSABLE: WORD_CHOICE,
    confusion.HOMOPHONE: WORD_CHOICE,
    confusion.CLOSED: WORD_CHOICE,
    confusion.MISSING: MISSING_WORD,
    confusion.EXTRA: EXTRA_WORD,
}
# How near a word with a sure fix of its own must be to take away a neighbour's fix that leans on
# the context (``_no_vouching``): the next two words either side, where a wrong word weighs most
# ("began too cry"), though the context reads four ("She go to school every days": goes stays).
VOUCH_WORDS = 2
# Commonly confused words: a swap that clears its margin outranks deleting the word ("to late")
_SWAPS = frozenset((confusion.CONFUSABLE, confusion.HOMOPHONE))
# A verb form that never follows a subject pronoun right before it ("he don't", "they was",
# "I has"): its agreement candidates that do follow it are fixes whatever the model says (the
# small model reads "he don't" as likely as "he doesn't"). Not "it" and "you", which may be an
# object before a bare verb ("let it have", "make you do"), nor "were" ("if he were").
_THIRD = frozenset(("am", "are", "have", "do", "don't", "aren't", "haven't"))
_PLURAL = frozenset(("is", "am", "has", "does", "doesn't", "was", "isn't", "hasn't", "wasn't"))
WRONG_AFTER = {
    "i": frozenset(("is", "are", "has", "does", "doesn't", "isn't", "aren't", "hasn't")),
    "he": _THIRD,
    "she": _THIRD,
    "we": _PLURAL,
    "they": _PLURAL,
}
_AUXILIARY_FORMS = frozenset(
    ("am", "is", "are", "was", "were", "have", "has", "do", "does")
    + ("isn't", "aren't", "wasn't", "weren't", "haven't", "hasn't", "don't", "doesn't")
)
# Words that must agree and do not (``agreement``): a determiner and its noun ("those dancer"), a
# subject and its verb ("The teacher were"), a reflexive and its subject ("The girls discovered
# herself"). One of the two is wrong whatever the model says (the small model reads "those
# dancer" nearly as likely as "those dancers", and "The results of the test was" likelier than
# "were"), so the change of either to the other's number (or the reflexive its subject binds) is
# a fix whatever the margins if it is no less likely than AGREEMENT_FLOOR (natural log) below
# the text as written; the floor keeps a misread pair quiet where every change reads much worse.
# Chosen on the tune half of BLiMP and the clean text (scripts/checker_eval.py): from 0 to -3
# flags more of BLiMP's bad words and no clean text; below it, no more.
AGREEMENT_FLOOR = -3.0
_LAST_WORD = re.compile(r"(?<![\w'\u2019])([\w'\u2019]+)$")
# A margin this high switches its kind off (Careful's number margin)
OFF = 99.0


class CheckEngine(Protocol):
    """The engine primitive exercises use to judge words in place (``ClozeEngine.check_words``)."""

    def check_words(
        self,
        text: str,
        spans: Sequence[tuple[int, int]] | None = None,
        top_k: int = 5,
        right_context: bool = True,
    ) -> list[WordCheck]: ...


@dataclass(frozen=True)
class CheckerThresholds:
    """When a word is flagged: one margin (natural log) per kind of candidate.

    A candidate of kind K (``inflection``: another form of the word; ``participle``: a verb's
    simple past for its past participle or back, went/gone, broke/broken; ``base``: a verb's base
    form after a modal or a form of do, didn't went -> go, can swims -> swim; ``perfect``: its
    past participle after a form of have, has live -> lived, have ate -> eaten; ``past``: its
    simple past in a sentence that says it happened in the past, yesterday I go -> went;
    ``gerund``: its -ing form after a preposition, look forward to meet -> meeting;
    ``agreement``: a
    closed-class form of another number, person, gender or case, this/these, he/him, is/are;
    ``number``: a content word's form of another number or person, go/goes, child/children;
    ``reference``: a reflexive of another person or an object pronoun's reflexive,
    himself/herself, him -> himself; and ``spelling``, ``confusable``, ``homophone``: a confusable
    that sounds or looks alike, its/it's, ``closed``) is a fix
    when its log-probability beats the written word's by at least ``K`` plus ``per_piece`` for
    each tokenizer piece the written word has beyond the candidate's (a word's PLL sums over its
    pieces, so more pieces score lower). ``missing``: an inserted word's log-probability plus
    what it adds to the next word's; ``extra``: what deleting a word adds to the next word's,
    less the word's own. ``unknown``: the margin for a word not in the dictionary but at least
    ``rare_zipf`` common (a new word: "blockchain"); a rarer one is flagged as spelling whatever
    the model says, if it has a dictionary word near it or is rarer than ``bare_zipf`` (a rare
    word with no neighbour is mostly a real rare word: "bioregion").
    """

    spelling: float = 4.0
    inflection: float = 3.0
    participle: float = 3.0
    base: float = 3.0
    perfect: float = 3.0
    past: float = 3.0
    gerund: float = 3.0
    agreement: float = 3.0
    number: float = 3.0
    reference: float = 3.0
    confusable: float = 3.0
    homophone: float = 3.0
    closed: float = 4.0
    missing: float = 3.0
    extra: float = 3.0
    unknown: float = 2.0
    rare_zipf: float = 3.0
    bare_zipf: float = 1.0
    per_piece: float = 1.0
    max_suggestions: int = 5

    def margin(self, kind: str) -> float:
        """The margin of a candidate kind (``confusion.KINDS``)."""
        return float(getattr(self, kind))

    @classmethod
    def tuned(cls) -> CheckerThresholds:
        """The default preset's thresholds."""
        return find_preset(default_preset_name()).thresholds

    @classmethod
    def preset(cls, name: str) -> CheckerThresholds:
        """The thresholds of a Sensitivity preset ("Careful", "Balanced", "Eager"; any case);
        an unknown name gives the default preset."""
        return find_preset(name).thresholds


# The margins by name: one per kind of candidate (``confusion.KINDS``), then the unknown word's.
MARGIN_FIELDS = (*confusion.KINDS, "unknown")


@dataclass(frozen=True)
class CheckerPreset:
    """A named sensitivity and what it did on the held-out half of the generated error set.

    ``precision``, ``recall`` and ``false_alarms_per_100`` (flags per 100 words of clean text)
    come from ``scripts/tune_checker.py``.
    """

    name: str
    thresholds: CheckerThresholds
    precision: float
    recall: float
    false_alarms_per_100: float

    def describe(self) -> str:
        """One line for a tooltip, e.g. ``finds about 40% of errors, 0.8 false alarms per 100 words``."""
        return (
            f"finds about {self.recall:.0%} of errors ({self.precision:.0%} of its flags right), "
            f"{self.false_alarms_per_100:.1f} false alarms per 100 words of correct text"
        )


@lru_cache(maxsize=1)
def _preset_data() -> dict:  # type: ignore[type-arg]
    text = resources.files("cloze_app.core.learn").joinpath(PRESETS_FILE).read_text(encoding="utf-8")
    data: dict = json.loads(text)  # type: ignore[type-arg]
    return data


def checker_presets() -> tuple[CheckerPreset, ...]:
    """The Sensitivity presets from ``checker_presets.json``, quietest first."""
    names = {f.name for f in fields(CheckerThresholds)}
    presets = []
    for p in _preset_data()["presets"]:
        values = {k: v for k, v in p["thresholds"].items() if k in names}
        measured = p.get("measured", {})
        presets.append(
            CheckerPreset(
                name=str(p["name"]),
                thresholds=CheckerThresholds(**values),
                precision=float(measured.get("precision", 0.0)),
                recall=float(measured.get("recall", 0.0)),
                false_alarms_per_100=float(measured.get("false_alarms_per_100", 0.0)),
            )
        )
    return tuple(presets)


def default_preset_name() -> str:
    """The preset a first start uses."""
    return str(_preset_data()["default"])


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
    """A fix: ``word`` replaces the flag's span. ``probability`` is its share against the
    written text and the other fixes; ``gain`` how much more likely than the written text
    (natural log); ``kind`` what it fixes (``LABELS``)."""

    word: str
    probability: float
    gain: float
    kind: str

    @property
    def percent(self) -> str:
        """The probability as shown: ``71%``, or ``<1%`` (never a misleading ``0%``)."""
        return "<1%" if self.probability < 0.005 else f"{self.probability:.0%}"


@dataclass(frozen=True)
class Flag:
    """A flagged span ``text[start:end]`` (a word, or a word and its neighbour for a missing or
    extra word) with ranked fixes, best first; ``kind`` is the best fix's, or spelling."""

    start: int
    end: int
    word: str
    kind: str
    suggestions: tuple[Suggestion, ...]

    @property
    def best(self) -> str:
        """The top suggestion ("" when there is none: a misspelling nothing explains)."""
        return self.suggestions[0].word if self.suggestions else ""

    def message(self) -> str:
        """One line, e.g. ``grammar: “go”: try goes (71%), went (20%)``."""
        if not self.suggestions:
            return f"{self.kind}: “{self.word}” is not in the dictionary"
        words = ", ".join(f"{s.word} ({s.percent})" for s in self.suggestions)
        return f"{self.kind}: “{self.word}”: try {words}"


@dataclass(frozen=True)
class CheckReport:
    """The result of checking a text: flags in text order; ``cancelled`` when stopped early.

    ``scores`` are the model's numbers behind the flags: ``rejudge`` applies other thresholds
    to them without running the model again.
    """

    text: str
    flags: tuple[Flag, ...]
    words_checked: int
    words_total: int
    calls: int
    cancelled: bool = False
    scores: tuple[WordScores, ...] = ()

    def apply(self, flag: Flag, suggestion: str) -> str:
        """The text with ``flag``'s span replaced by ``suggestion``."""
        return self.text[: flag.start] + suggestion + self.text[flag.end :]


_WORD_LISTS = threading.Lock()
_word_lists_loaded = False


def warm_up() -> None:
    """Load what the first check would otherwise load on the way (the dictionary, spelling
    neighbours, word forms and frequencies: about 1.3 s here), so that check is as quick as the
    next. Safe from any thread, does no model work; the window calls it in the background when
    the Check tab is first shown. Once only, under a lock: a check that starts meanwhile waits
    for it (``check_text`` calls it first) instead of loading the same lists beside it."""
    global _word_lists_loaded
    with _WORD_LISTS:
        if _word_lists_loaded:
            return
        for word in ("house", "went", "their"):
            confusion.alternatives(word)  # dictionary, neighbours, forms, confusables
        lexicon.zipf("house")
        _word_lists_loaded = True


def checkable(word: WordSpan) -> bool:
    """Whether the checker looks at a word: English letters (maybe one apostrophe), not a name or
    number. A word with other letters is quoted from another language or script ("東京", "Москва",
    "café", "schön"): the word list, the dictionary and the fixes are English, so it is left alone."""
    return (
        _PLAIN_WORD_RE.fullmatch(word.word) is not None
        and _english_letters(word.word)
        and not word.is_name
        and not word.is_number
    )


def _english_letters(word: str) -> bool:
    """Whether every letter of ``word`` is one of the 26 of English (either case)."""
    return all(ch.isascii() for ch in word if ch.isalpha())


def checkable_words(text: str) -> list[WordSpan]:
    """The words of ``text`` the checker looks at: the ``checkable`` ones, and a misspelling that
    opens a sentence ("Unfortunatly, ...", "Becuase ..."), which ``word_spans`` takes for a name
    since the text has it nowhere in lower case (``_misspelt_opening``)."""
    words = word_spans(text)
    inside = {w.word.lower() for w in words if w.word[:1].isupper() and not w.sentence_start}
    return [
        w
        for w in words
        if checkable(w) or (w.sentence_start and w.word.lower() not in inside and _misspelt_opening(w.word))
    ]


def _misspelt_opening(word: str) -> bool:
    """Whether a capitalised word opening a sentence is a misspelling, not a name: written as a
    word is at a sentence start ("Unfortunatly", not "McKay"), no word of the spelling list (which
    holds most names: Selim, Diana, Ahmed) and one edit from a word of the dictionary's tables or
    a function word ("Unfortunatly": unfortunately; not "Xiaoming"), and not common as written
    (``OPENING_ZIPF``: "Oh", "Ah", "Ok" are words the list lacks)."""
    if _PLAIN_WORD_RE.fullmatch(word) is None or not _english_letters(word) or not word[1:].islower():
        return False
    if spelling.is_known(word):
        return False
    if lexicon.zipf(word) >= OPENING_ZIPF:
        return False
    return any(
        cost <= 1.0 and (lexicon.form_tags(near) or lexicon.function_class(near))
        for near, cost in spelling.neighbours(word.lower())
    )


@dataclass(frozen=True)
class _Fix:
    start: int
    end: int
    replacement: str
    gain: float
    rank: float  # how fixes are ordered: the gain (a misspelling's: log-probability less edits)
    kind: str
    clears: bool = True  # False: a weaker suggestion that did not clear its margin (ranked last)
    leans: bool = False  # it cleared its margin only with its neighbours' context


def _scored(log_prob: float | None) -> bool:
    """A real score: not missing, not -inf (a place the tokenizer did not line up), not the
    tuning cache's stand-in for -inf."""
    return log_prob is not None and math.isfinite(log_prob) and log_prob > -1e8


def _gains(s: WordScores, a: AltScore) -> tuple[float, float]:
    """A candidate's gain in the slot over the written word, and what it adds to its neighbours'
    PLL (``proofread.CONTEXT_CAP``; not for a non-word, whose neighbours' scores as written are
    read next to a garbled word)."""
    slot_gain = a.log_prob - s.log_prob
    with_context = s.known and a.kind in CONTEXT_KINDS and slot_gain > CONTEXT_FLOOR
    return slot_gain, min(a.context, CONTEXT_CAP) if with_context else 0.0


def _word_fixes(text: str, s: WordScores, t: CheckerThresholds) -> tuple[list[_Fix], bool]:
    """A word's fixes, and whether it is a misspelling in any case.

    Once one fix clears its margin, the word's other candidates that are still more likely than
    the written word come along as weaker suggestions (ranked after it).
    """
    fixes: list[_Fix] = []
    weaker: list[_Fix] = []
    near = any(_scored(a.log_prob) for a in s.alternatives)
    misspelt = not s.known and s.zipf < (t.rare_zipf if near else min(t.rare_zipf, t.bare_zipf))
    written = text[s.start : s.end]
    wrong_after = _subject_before(text, s.start)
    agrees: set[str] = set()
    for a in s.alternatives:
        if not _scored(a.log_prob) or not _scored(s.log_prob) or _out_of_place(text, s, a):
            continue
        slot_gain, context = _gains(s, a)
        gain = slot_gain + context
        kind = confusion.SPELLING if a.kind != confusion.INFLECTION and not s.known else a.kind
        if misspelt:
            fixes.append(_Fix(s.start, s.end, a.word, gain, a.log_prob + context - EDIT_COST * a.cost, kind))
            continue
        # A known word's PLL runs lower for each extra piece; an unknown word's pieces are a
        # symptom of its misspelling, not a bias to correct for.
        extra_pieces = weighed_pieces(s.word, s.pieces) - weighed_pieces(a.word, a.pieces)
        needed = t.unknown if not s.known else t.margin(a.kind) + t.per_piece * extra_pieces
        if (
            a.kind == confusion.AGREEMENT
            and needed < OFF
            and _apostrophe(written).lower() in wrong_after
            and a.word in _AUXILIARY_FORMS
            and a.word not in wrong_after
        ):
            # "he don't": doesn't, whatever the model says (ranked first, below)
            needed = -math.inf
            agrees.add(a.word)
        if a.kind == confusion.NUMBER and needed < OFF:
            needed += _uncued_number(text, s.start, s.word, a.word)
        if a.kind == confusion.PERFECT and needed < OFF and lexicon.past_only(s.word):
            # a simple past right after "have" is never right ("I have ate", "had went"): any
            # gain of its participle flags it (the small model reads "have ate" as nearly as
            # likely as "have eaten")
            needed = min(needed, 0.0)
        # a non-word's spelling neighbours rank as a misspelling's do: less their edits
        rank = gain - EDIT_COST * a.cost if not s.known and kind == confusion.SPELLING else gain
        if gain >= needed:
            fixes.append(_Fix(s.start, s.end, a.word, gain, rank, kind, leans=slot_gain < needed))
        elif gain > 0:
            weaker.append(_Fix(s.start, s.end, a.word, gain, rank, kind, clears=False))
    if fixes:
        fixes += weaker
    if agrees:  # the form the subject pronoun wants comes first, shown as at least as likely
        top = max(0.0, *(f.gain for f in fixes)) + 0.01
        fixes = [replace(f, gain=top, rank=top, leans=False) if f.replacement in agrees else f for f in fixes]
    fixes = [replace_case(f, written) for f in fixes]
    if _scored(s.next_log_prob) and s.next_log_prob is not None:
        next_word = text[s.end : s.next_end].lstrip()
        deletable = _scored(s.log_prob) and s.log_prob <= DELETE_CEILING
        if _scored(s.deleted_next) and s.deleted_next is not None and deletable:
            gain = s.deleted_next - s.next_log_prob - s.log_prob
            if gain >= t.extra:
                # a commonly confused word that clears its margin is the likelier slip ("to
                # late": too late, not "late"; a learner writes "to" for "too" far more often
                # than a stray "to"): ranked after it
                swaps = [f.rank for f in fixes if f.clears and f.kind in _SWAPS]
                # (and shown as no likelier, so the list reads best first)
                rank = min(gain, min(swaps) - 1e-3) if swaps else gain
                fix = _Fix(s.start, s.next_end, match_case(next_word, written), rank, rank, confusion.EXTRA)
                fixes.append(fix)
    return fixes, misspelt


INTERJECTION_ZIPF = 4.0  # wordfreq: wow 5.0, yea 4.3, yep 4.4; fist 3.9, whit 3.1
# What may follow a clause that ends: "too" there means also ("real time too.", "it can stink
# too because ..."), never the preposition or the number.
_CLAUSE_END = re.compile(r"\s*(?:$|[,.;:!?)]|(?:and|but|because|so|or|when|if)\b)", re.IGNORECASE)


def _out_of_place(text: str, s: WordScores, a: AltScore) -> bool:
    """Candidates the words around rule out, whatever the model says: "to" or "two" for a "too"
    that ends its clause; another spelling for a dictionary word that is a sentence of its own
    ("Wow!") or, if common as written (``INTERJECTION_ZIPF``), opens one before a comma ("Yea, now
    that ..."; a rarer "Fist, we ..." may still be First): an interjection, where everyday chat
    held most of these false alarms."""
    after = text[s.end : s.end + 16]
    if s.word.lower() == "too" and a.word in ("to", "two"):
        return _CLAUSE_END.match(after) is not None
    if a.kind == confusion.SPELLING and s.known and starts_sentence(text, s.start):
        mark = after.lstrip(" ")[:1]
        return mark in ("!", ".", "?") or (mark == "," and lexicon.zipf(s.word) >= INTERJECTION_ZIPF)
    return False


# A noun's other number with nothing in the sentence to ask for it (a determiner or numeral that
# does is ``agreement``'s) is mostly the writer's choice ("repeat the stories", "the masters
# program"): it needs this much more than the number margin, unless the written plural is far
# rarer than its singular (``MASS_PLURAL_GAP`` on wordfreq's scale: advices, furnitures,
# equipments, researches are 2.0-3.0 below their singulars; stories, days, wars 0.3-0.9).
NOUN_NUMBER_EXTRA = 3.5
MASS_PLURAL_GAP = 1.8
# Words before a noun that ask for one number, maybe with one adjective between: "two brother",
# "many good friend", "one of my friend", "this public parks" (not "the", "some", "all" or a
# possessive, which take either).
_NUMERALS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty")
_NUMBER_CUE = re.compile(
    r"(?:\b(?:"
    + "|".join((*_NUMERALS, "hundred", "thousand", *agreement.NUMBER_DETERMINERS))
    + r"|\d+)|\bone\s+of(?:\s+[\w'’-]+)?)\s+(?:[\w'’-]+\s+)?$",
    re.IGNORECASE,
)
_VERB_TAGS = frozenset(("VB", "VBP", "VBZ", "VBD"))


def _uncued_number(text: str, start: int, written: str, candidate: str) -> float:
    """What a noun's change of number at ``text[start:]`` adds to the number margin: 0.0 for
    other number pairs (a word that may be a verb too: "scare"/"scares"), for a mass noun's
    plural ("advices") and after a word that asks for one number (``_NUMBER_CUE``)."""
    tags, other = lexicon.form_tags(written.lower()), lexicon.form_tags(candidate.lower())
    if tags & _VERB_TAGS and other & _VERB_TAGS:
        return 0.0
    written_plural = "NNS" in tags and "NN" in other
    if not written_plural and not ("NN" in tags and "NNS" in other):
        return 0.0
    if written_plural and lexicon.zipf(candidate) - lexicon.zipf(written) >= MASS_PLURAL_GAP:
        return 0.0
    if _NUMBER_CUE.search(text[max(0, start - 40) : start]):
        return 0.0
    return NOUN_NUMBER_EXTRA


def _apostrophe(word: str) -> str:
    return word.replace("\u2019", "'")


def _subject_before(text: str, start: int) -> frozenset[str]:
    """The verb forms that cannot follow the subject pronoun right before ``start`` (spaces only
    between; ``WRONG_AFTER``), or none. Not a capital "I" after a capitalised word inside a
    sentence, a numeral ("World War I is", "Henry I has"; "Yesterday I has" is a pronoun), nor
    a pronoun after "and" or "or", one of a coordinated subject ("My friend and I are")."""
    head = text[max(0, start - 60) : start]
    stripped = head.rstrip(" \t")
    found = _LAST_WORD.search(stripped)
    if stripped == head or found is None:
        return frozenset()
    pronoun = found.group(1)
    rest = stripped[: found.start(1)].rstrip(" \t")
    previous = _LAST_WORD.search(rest)
    if previous is not None and previous.group(1).lower() in ("and", "or", "nor"):
        return frozenset()  # one of a coordinated subject ("My friend and I are")
    if pronoun == "I" and previous and previous.end() == len(rest) and previous.group(1)[:1].isupper():
        opening = rest[: previous.start(1)].rstrip()
        if opening and not _SENTENCE_END.search(opening[-1]):
            return frozenset()
    return WRONG_AFTER.get(pronoun.lower(), frozenset())


def replace_case(fix: _Fix, written: str) -> _Fix:
    """The fix written with the case of the word it replaces ("She"/"he" -> "He")."""
    return replace(fix, replacement=match_case(fix.replacement, written))


def _insert_fixes(text: str, s: WordScores, t: CheckerThresholds) -> list[_Fix]:
    fixes: list[_Fix] = []
    if not _scored(s.log_prob):
        return fixes
    written = text[s.start : s.end]
    for ins in s.insertions:
        if not _scored(ins.next_log_prob) or ins.log_prob < INSERT_FLOOR:
            continue
        gain = ins.log_prob + ins.next_log_prob - s.log_prob
        if gain >= t.missing:
            word = (
                match_case(ins.word, written)
                + " "
                + (written.lower() if written[:1].isupper() and _lower_ok(written) else written)
            )
            fixes.append(_Fix(s.start, s.end, word, gain, gain, confusion.MISSING))
    return fixes


def _lower_ok(word: str) -> bool:
    return word[1:] == word[1:].lower()


def judge(
    text: str,
    scores: Iterable[WordScores],
    thresholds: CheckerThresholds,
    ignored: Iterable[str] = (),
) -> tuple[Flag, ...]:
    """The flags for scored words under ``thresholds``; words in ``ignored`` (any case) are never
    flagged. Overlapping fixes (an extra "have" and "went" -> "gone"), and neighbours that are
    both fixed by another of their forms ("this books": these, or book), become one flag."""
    skip = {w.casefold() for w in ignored}
    judged: list[tuple[WordScores, list[_Fix], list[_Fix], bool]] = []
    for s in scores:
        if s.word.casefold() in skip:
            continue
        fixes, misspelt = _word_fixes(text, s, thresholds)
        judged.append((s, fixes, _insert_fixes(text, s, thresholds), misspelt))
    _agreement(text, judged, thresholds)
    _one_explanation(text, judged)
    _keep_auxiliary(text, judged)
    _no_vouching(text, judged)
    spans = [
        (s.start, s.end, s.word, fixes + inserts, misspelt, not s.known)
        for s, fixes, inserts, misspelt in judged
        if fixes or inserts or misspelt
    ]
    return tuple(_merge(text, spans, thresholds.max_suggestions))


def _agreement(
    text: str, judged: list[tuple[WordScores, list[_Fix], list[_Fix], bool]], t: CheckerThresholds
) -> None:
    """Words that must agree and do not (``agreement``) get fixes whatever the margins (in place):
    a determiner and its noun, or a noun and its verb, are one flag over both words, whose fixes
    are the phrase with either word in the other's number ("those dancer": that dancer, those
    dancers); a pronoun's verb its other number ("She go": goes); a reflexive the one its subject
    binds ("The girls discovered herself": themselves). Each is offered if it gains
    ``AGREEMENT_FLOOR`` over the text as written and its kind is not switched off. Every preset
    flags the same words: a fix that clears its own margin joins the flag."""
    spans = word_spans(text)
    at = {s.start: k for k, (s, _, _, _) in enumerate(judged)}

    def scored(i: int) -> WordScores | None:
        k = at.get(spans[i].start)
        return judged[k][0] if k is not None else None

    dets = agreement.NUMBER_DETERMINERS.get
    for m in agreement.determiner_mismatches(text, spans):
        det, noun = scored(m.first), scored(m.second)
        if det is None or noun is None:
            continue
        wanted = partial(_of_number, dets, not m.plural)
        # "these" for "this" (agreement), "many" for "much" (a confusable)
        options = [
            o
            for k in (confusion.AGREEMENT, confusion.CONFUSABLE)
            for o in _options(text, det, noun, t, k, wanted)
        ]
        if m.noun_may_change:
            nouns = partial(_of_number, agreement.noun_number, m.plural)
            options += _options(text, noun, det, t, confusion.NUMBER, nouns)
        _add_agreement(judged[at[det.start]][1], options)
    for m in agreement.reflexive_mismatches(text, spans):
        reflexive = scored(m.second)
        if reflexive is not None:
            options = _options(text, reflexive, reflexive, t, confusion.REFERENCE, m.binds.__contains__)
            _add_agreement(judged[at[reflexive.start]][1], options)
    for m in agreement.subject_mismatches(text, spans):
        verb = scored(m.second)
        if verb is None:
            continue
        verbs = partial(_same_tense, verb.word, partial(_of_number, agreement.verb_number, m.plural))
        # one flag over the noun and its verb, whichever changes ("teachers were", "teacher was")
        pair = spans[m.head] if m.noun_may_change else verb
        options = [
            o
            for kind in (confusion.AGREEMENT, confusion.NUMBER)
            for o in _options(text, verb, pair, t, kind, verbs)
        ]
        noun = scored(m.head) if m.noun_may_change else None
        if noun is not None:
            nouns = partial(_of_number, agreement.noun_number, not m.plural)
            options += _options(text, noun, verb, t, confusion.NUMBER, nouns)
        _add_agreement(judged[at[verb.start]][1], options)


def _options(
    text: str,
    s: WordScores,
    other: WordScores | WordSpan,
    t: CheckerThresholds,
    kind: str,
    wanted: Callable[[str], bool],
) -> list[tuple[int, int, str, float]]:
    """``s``'s candidates of ``kind`` that are ``wanted`` and gain ``AGREEMENT_FLOOR``, each as the text
    from the first to the last of ``s`` and ``other`` with it in place: (start, end, phrase,
    gain). Nothing if ``kind`` is switched off or ``s`` was not scored."""
    if t.margin(kind) >= OFF or not _scored(s.log_prob):
        return []
    lo, hi = min(s.start, other.start), max(s.end, other.end)
    out = []
    for a in s.alternatives:
        if a.kind != kind or not _scored(a.log_prob) or not wanted(a.word):
            continue
        gain = sum(_gains(s, a))
        if gain >= AGREEMENT_FLOOR:
            phrase = text[lo : s.start] + match_case(a.word, s.word) + text[s.end : hi]
            out.append((lo, hi, phrase, gain))
    return out


def _of_number(number_of: Callable[[str], bool | None], plural: bool, word: str) -> bool:
    return number_of(word) == plural


def _same_tense(written: str, wanted: Callable[[str], bool], word: str) -> bool:
    """``wanted``, and of the tense of ``written``: "friends was" -> were, not are."""
    return wanted(word) and agreement.is_past(word) == agreement.is_past(written)


def _add_agreement(fixes: list[_Fix], options: list[tuple[int, int, str, float]]) -> None:
    """Add an agreement slip's fixes to a word's ``fixes`` (in place), each as likely as the
    model finds it (one may be less likely than the text as written: its share says so)."""
    fixes[:0] = [_Fix(lo, hi, phrase, gain, gain, confusion.AGREEMENT) for lo, hi, phrase, gain in options]


def _no_vouching(text: str, judged: list[tuple[WordScores, list[_Fix], list[_Fix], bool]]) -> None:
    """A wrong word does not vouch for its neighbour: a fix that cleared its margin only with its
    neighbours' context is dropped (in place) when a word within ``VOUCH_WORDS`` of it in its
    sentence has a fix of its own that needs no context ("began too cry": too -> to, and not also
    cry -> crying because "too crying" reads better than "too cry"). Only another form of a word
    next to another form that needs no context stays ("those child": that, leaning on child, and
    children): the two are one agreement slip, one flag with both fixes (``_merge``)."""
    sure = [any(f.clears and not f.leans for f in fixes + inserts) for _, fixes, inserts, _ in judged]
    forms = [
        any(f.clears and not f.leans and f.kind in confusion.FORM_KINDS for f in fixes)
        for _, fixes, _, _ in judged
    ]
    for i, (s, fixes, _, _) in enumerate(judged):
        if not any(f.leans for f in fixes):
            continue
        lo, hi = max(0, i - VOUCH_WORDS), min(len(judged), i + VOUCH_WORDS + 1)
        near = [
            j
            for j in range(lo, hi)
            if j != i
            and sure[j]
            and not _SENTENCE_END.search(
                text[min(s.end, judged[j][0].end) : max(s.start, judged[j][0].start)]
            )
        ]
        if not near:
            continue
        one_slip = all(
            forms[j]
            and abs(j - i) == 1
            and not text[min(s.end, judged[j][0].end) : max(s.start, judged[j][0].start)].strip()
            for j in near
        )
        fixes[:] = [
            replace(f, clears=False, leans=False)
            if f.leans and not (one_slip and f.kind in confusion.FORM_KINDS)
            else f
            for f in fixes
        ]
        if all(not f.clears for f in fixes if f.kind != confusion.EXTRA):
            fixes[:] = [f for f in fixes if f.kind == confusion.EXTRA]


def _one_explanation(text: str, judged: list[tuple[WordScores, list[_Fix], list[_Fix], bool]]) -> None:
    """One error, one flag: a word X missing before a word, and the word before it replaced by X
    ("began too cry": too -> to, or "to" inserted before "cry"), explain the same slip; only the
    likelier explanation is kept (in place)."""
    for (prev, fixes, _, _), (s, _, inserts, _) in zip(judged, judged[1:], strict=False):
        if not inserts or text[prev.end : s.start].strip():
            continue
        for ins in list(inserts):
            inserted = ins.replacement.split(" ", 1)[0].casefold()
            rivals = [f for f in fixes if f.kind != confusion.EXTRA and f.replacement.casefold() == inserted]
            if not rivals:
                continue
            if max(f.gain for f in rivals) >= ins.gain:
                inserts.remove(ins)
            else:
                fixes[:] = [f for f in fixes if f not in rivals]
                if all(not f.clears for f in fixes if f.kind != confusion.EXTRA):
                    fixes[:] = [f for f in fixes if f.kind == confusion.EXTRA]


def _keep_auxiliary(text: str, judged: list[tuple[WordScores, list[_Fix], list[_Fix], bool]]) -> None:
    """An auxiliary is not taken out when the verb after it has its own fix of the form the
    auxiliary wants ("She has live": has lived, not "She live"; "It will rains": will rain): the
    verb's slip, not the auxiliary's (in place)."""
    for (prev, fixes, _, _), (s, verb_fixes, _, _) in zip(judged, judged[1:], strict=False):
        if text[prev.end : s.start].strip():
            continue
        if any(f.clears and f.kind in confusion.SLOT_KINDS for f in verb_fixes):
            fixes[:] = [f for f in fixes if f.kind != confusion.EXTRA]


def _order(fix: _Fix) -> tuple[bool, float]:
    """Fixes that cleared their margin first, then by gain (most likely first)."""
    return fix.clears, fix.rank


_Span = tuple[int, int, str, list[_Fix], bool, bool]  # start, end, word, fixes, misspelt, not a word


def _merge(text: str, spans: list[_Span], limit: int) -> list[Flag]:
    spans.sort(key=lambda x: x[0])
    groups: list[list[_Span]] = []
    end = -1
    for item in spans:
        lo = min([item[0], *(f.start for f in item[3])])
        agreeing = bool(groups) and _form_fix(groups[-1][-1]) and _form_fix(item)
        # "this books" (these books, or this book) is one slip: one flag
        if groups and (lo < end or (agreeing and not text[end:lo].strip())):
            groups[-1].append(item)
        else:
            groups.append([item])
        end = max(end, item[1], *(f.end for f in item[3]))
    flags = []
    for group in groups:
        fixes = [f for item in group for f in item[3]]
        start = min([g[0] for g in group] + [f.start for f in fixes])
        stop = max([g[1] for g in group] + [f.end for f in fixes])
        best: dict[str, _Fix] = {}
        for f in fixes:
            word = text[start : f.start] + f.replacement + text[f.end : stop]
            if word != text[start:stop] and (word not in best or _order(f) > _order(best[word])):
                best[word] = f
        ranked = sorted(best.items(), key=lambda kv: _order(kv[1]), reverse=True)[: max(1, limit)]
        misspelt = any(g[4] for g in group)
        non_word = any(g[5] for g in group)
        shares = _shares([f for _, f in ranked], non_word)
        suggestions = tuple(
            Suggestion(word, share, f.gain, LABELS[f.kind])
            for (word, f), share in zip(ranked, shares, strict=True)
            if share >= MIN_SHARE or non_word or word == ranked[0][0]
        )
        kind = suggestions[0].kind if suggestions else SPELLING
        if misspelt and kind not in (SPELLING, GRAMMAR):
            kind = SPELLING
        flags.append(Flag(start, stop, text[start:stop], kind, suggestions))
    return flags


def _form_fix(item: _Span) -> bool:
    """Whether a flagged word has another of its forms (inflection or agreement) among the fixes
    that cleared their margin (a more eager preset keeps it, so presets stay nested)."""
    return any(f.clears and f.kind in confusion.FORM_KINDS for f in item[3])


def fix_kinds(report: CheckReport, thresholds: CheckerThresholds) -> dict[str, int]:
    """How many words of ``report`` have a fix that clears its margin under ``thresholds``, by
    the kind of their best such fix (``confusion.KINDS``): what raises the flags (a word's fixes
    before flags merge them, so a slip over two words may count twice)."""
    counts: dict[str, int] = {}
    for s in report.scores:
        fixes, _ = _word_fixes(report.text, s, thresholds)
        cleared = [f for f in fixes if f.clears]
        if cleared:
            kind = max(cleared, key=_order).kind
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def pruning_for(thresholds: CheckerThresholds) -> Pruning:
    """What the model need not score: candidates that cannot clear the smallest margin of
    ``thresholds`` and of every preset (so a sensitivity change re-judges the same scores)."""
    every = [thresholds, *(p.thresholds for p in checker_presets())]
    margins = {kind: min(t.margin(kind) for t in every) for kind in confusion.KINDS}
    per_piece = [t.per_piece for t in every]
    return Pruning(margins, (min(per_piece), max(per_piece)))


def _shares(fixes: Sequence[_Fix], non_word: bool) -> list[float]:
    """How likely each fix is. A word not in the dictionary shares among its fixes by their rank
    (a misspelling's: the word's likelihood less its edits; the non-word written is no option);
    other fixes share with the written text by their gain over it.

    A runner-up that did not clear its margin is shown as no likelier than the weakest fix that
    did: the list reads best first ("She go": goes first; went, which the slot alone prefers but
    which its own kind's margin refuses, is not shown as the likelier of the two)."""
    floor = min((f.rank if non_word else f.gain for f in fixes if f.clears), default=math.inf)

    def score(f: _Fix) -> float:
        value = f.rank if non_word else f.gain
        return value if f.clears else min(value, floor)

    if non_word and fixes:
        top = max(score(f) for f in fixes)
        weights = [math.exp(max(-50.0, score(f) - top)) for f in fixes]
        return [w / sum(weights) for w in weights]
    total = 1.0 + sum(math.exp(min(50.0, score(f))) for f in fixes)
    return [math.exp(min(50.0, score(f))) / total for f in fixes]


def check_text(
    engine: CandidateEngine,
    text: str,
    thresholds: CheckerThresholds | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    chunk_words: int = CHUNK_WORDS,
    ignored: Iterable[str] = (),
) -> CheckReport:
    """Check every word of ``text``.

    Sentences go to the model about ``chunk_words`` words at a time (each batch in two batched
    runs); ``progress(done, total)`` is called after each and ``should_stop()`` before each,
    which ends the check early with what is done.

    Raises:
        EmptyTextError: the text is empty.
    """
    if not text.strip():
        raise EmptyTextError()
    warm_up()  # the word lists, loaded once (not beside a background warm-up)
    thresholds = thresholds or CheckerThresholds.tuned()
    words = checkable_words(text)
    scores, calls, cancelled = score_text_words(
        engine,
        text,
        words,
        chunk_words=chunk_words,
        progress=progress,
        should_stop=should_stop,
        pruning=pruning_for(thresholds),
    )
    flags = judge(text, scores, thresholds, ignored)
    return CheckReport(text, flags, len(scores), len(words), calls, cancelled, tuple(scores))


def rejudge(report: CheckReport, thresholds: CheckerThresholds, ignored: Iterable[str] = ()) -> CheckReport:
    """The same check under other thresholds (or more ignored words), without the model."""
    flags = judge(report.text, report.scores, thresholds, ignored)
    return CheckReport(
        report.text,
        flags,
        report.words_checked,
        report.words_total,
        report.calls,
        report.cancelled,
        report.scores,
    )
