"""The one owner of text rules: blanks, words, sentences, context windows and casing.

Every surface (the engine, the checker, exercises, the window) asks this module where words,
blanks and sentences are, so Write, Check and Exercise never disagree on them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cloze_app.core.types import Blank

BLANK_PATTERN = r"_{2,}"
# A word: letters (any script), with inner apostrophes or hyphens ("don't", "well-known"); or a
# number with its inner separators and unit ("3.5", "10:30", "5km").
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+(?:[.,:/]\d+)*[^\W_]*")
# Ends a sentence (Latin and CJK full stops); closing quotes and brackets may follow.
SENTENCE_END = frozenset(".!?…。！？")
_CLOSERS = frozenset("\"'”’)]»")
# May stand between a sentence end and the first word of the next sentence.
_OPENERS = frozenset("\"'“‘«([{¿¡-—–*")

# Function words: easy to blank, never "content words" for the hard level.
FUNCTION_WORDS = frozenset(
    """
    a an the this that these those some any each every no all both either neither
    i me my mine you your yours he him his she her hers it its we us our ours they them their theirs
    myself yourself himself herself itself ourselves yourselves themselves
    who whom whose which what where when why how whether if then than so as
    and or but nor yet for of to in on at by with from into onto upon about above below over under
    between among through during before after since until till against without within along across
    behind beyond near off out up down around
    is am are was were be been being have has had having do does did done doing
    will would shall should can could may might must ought
    not n't no yes there here very too also just only even still already
    """.split()  # noqa: SIM905
)

# The words an English contraction's ending can follow, where they are few: a blank right before
# "'t", "'re", "'m" or "'ve" can hold only these ("don't", "they're", "I'm", "could've"). A WordPiece
# or BPE model splits the ending off ("don't": don ' t; "can't": can ' t; "won't": won ' t).
# "'s", "'ll" and "'d" also follow nouns and names ("Anna's", "John'll"), so they are not limited.
CONTRACTION_HOSTS = {
    "t": frozenset(
        """don doesn didn won can ain isn aren wasn weren hasn haven hadn couldn wouldn shouldn mustn
        needn mightn shan daren oughtn""".split()  # noqa: SIM905
    ),
    "re": frozenset("you we they who what there here where when why how these those".split()),  # noqa: SIM905
    "m": frozenset(("i",)),
    "ve": frozenset(
        "i you we they who what there would could should might must".split()  # noqa: SIM905
    ),
}
_CONTRACTION = re.compile(r"['\u2019](t|re|m|ve)(?![A-Za-z])", re.IGNORECASE)


def contraction_hosts(text: str, end: int) -> frozenset[str] | None:
    """The words that can come before the contraction ending at ``end`` ("___'t go": don, can, won...),
    or None when no such ending follows."""
    found = _CONTRACTION.match(text, end)
    return CONTRACTION_HOSTS[found.group(1).lower()] if found else None


_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion dozen"
)
NUMBER_WORDS = frozenset(_NUMBERS.split())


# The context sent for one blank: the sentence or paragraph around it. The model's cost grows
# with the length of the text it reads, so a few hundred characters keep answers quick; a 1 MB
# document never goes to the engine whole.
CONTEXT_CHARS = 360
MAX_BLANKS_PER_REQUEST = 4


# -- blanks -------------------------------------------------------------------------------------
def blank_regex(mask_token: str = "") -> re.Pattern[str]:
    """``___`` (two or more underscores) or the model's literal mask token when given."""
    alternatives = [BLANK_PATTERN] + ([re.escape(mask_token)] if mask_token else [])
    return re.compile("|".join(alternatives))


def find_blanks(text: str, mask_token: str = "") -> list[Blank]:
    """Every blank in ``text``, in order."""
    return [Blank(i, m.start(), m.end()) for i, m in enumerate(blank_regex(mask_token).finditer(text))]


def blank_spans(text: str, mask_token: str = "") -> list[tuple[int, int]]:
    """``(start, end)`` of every blank in ``text``, in order."""
    return [m.span() for m in blank_regex(mask_token).finditer(text)]


def nearest_blank(text: str, position: int, mask_token: str = "") -> tuple[int, int] | None:
    """The blank containing ``position``, else the closest one (ties go to the one before)."""
    best: tuple[int, int] | None = None
    best_distance = -1
    for start, end in blank_spans(text, mask_token):
        if start <= position <= end:
            return start, end
        distance = start - position if start > position else position - end
        if best is None or distance < best_distance:
            best, best_distance = (start, end), distance
        if start > position:
            break
    return best


# -- sentences ----------------------------------------------------------------------------------
def starts_sentence(text: str, position: int) -> bool:
    """True when a word at ``position`` begins a sentence.

    That is at the start of the text, after a sentence end (``. ! ? …`` and the CJK stops, with
    any closing quotes or brackets), or at the start of a line: a title, a list item or a line
    of dialogue starts afresh. Opening quotes and dashes before the word are skipped.
    """
    i = position - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    while i >= 0 and text[i].isspace():
        if text[i] == "\n":
            return True
        i -= 1
    if i < 0:
        return True
    if text[i] in _CLOSERS and i > 0 and text[i - 1] in SENTENCE_END:
        return True
    return text[i] in SENTENCE_END


# Verbs of saying that open an inverted dialogue tag: '"Are you serious?" cried Mary.'
SPEECH_VERBS = frozenset(
    """said says asked asks cried cries replied replies answered answers exclaimed exclaims added
    adds repeated repeats whispered whispers shouted shouts continued continues returned returns
    rejoined observed remarked called calls inquired enquired demanded demands murmured muttered
    laughed sighed interrupted insisted protested suggested retorted""".split()  # noqa: SIM905
)


def capital_expected(text: str, position: int, word: str) -> bool:
    """Whether ``word`` at ``position`` is written with a capital as the start of a sentence.

    Like :func:`starts_sentence`, except a verb of saying right after a question or exclamation
    that closes a quotation: it opens the dialogue tag, inside the sentence ('"Are you serious?"
    cried Mary', not 'Cried Mary').
    """
    if not starts_sentence(text, position):
        return False
    if word.lower() not in SPEECH_VERBS:
        return True
    i = position - 1
    while i >= 0 and text[i].isspace() and text[i] != "\n":
        i -= 1
    return not (i > 0 and text[i] in _CLOSERS and text[i - 1] in "?!")


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence around ``[start, end)``: from after the previous sentence end or
    line break to the next one (inclusive, with closing quotes), stripped of white space."""
    stops = SENTENCE_END | {"\n"}
    lo = start
    while lo > 0 and text[lo - 1] not in stops:
        lo -= 1
    hi = end
    while hi < len(text) and text[hi] not in stops:
        hi += 1
    while hi < len(text) and (text[hi] in SENTENCE_END or text[hi] in _CLOSERS):
        hi += 1
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    return lo, hi


# -- words --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WordSpan:
    """One word of a text: ``text[start:end] == word``."""

    start: int
    end: int
    word: str
    sentence_start: bool
    name: bool = False

    @property
    def is_number(self) -> bool:
        """Digits anywhere in the word (years, prices, times), or a number written out ("seven")."""
        return any(ch.isdigit() for ch in self.word) or self.word.lower() in NUMBER_WORDS

    @property
    def is_name(self) -> bool:
        """Probably a name (see :func:`word_spans`); names are never blanked nor checked."""
        return self.name

    @property
    def is_function_word(self) -> bool:
        """An article, pronoun, preposition, auxiliary and the like."""
        return self.word.lower() in FUNCTION_WORDS

    @property
    def is_content_word(self) -> bool:
        """A word carrying meaning: not a function word, name or number."""
        return not (self.is_function_word or self.is_name or self.is_number)

    @property
    def is_lettered(self) -> bool:
        """Written in letters (not digits): a word the model can be asked about."""
        return not self.word[:1].isdigit()


def word_spans(text: str) -> list[WordSpan]:
    """Every word and number of ``text`` in order, with its span and whether it opens a sentence.

    A capitalised word is taken for a name when it does not open a sentence ("Anna", "I"), or
    when it opens one but is written capitalised elsewhere in the text, or is no function word
    and never appears in lower case in the text: better to leave a word alone than blank a name.
    """
    found = [
        (m.start(), m.end(), m.group(), starts_sentence(text, m.start())) for m in _WORD_RE.finditer(text)
    ]
    capital_inside = {w.lower() for _, _, w, first in found if w[:1].isupper() and not first}
    lower_seen = {w for _, _, w, _ in found if w.islower()}
    spans = []
    for start, end, word, first in found:
        low = word.lower()
        name = word[:1].isupper() and (
            not first or low in capital_inside or (low not in FUNCTION_WORDS and low not in lower_seen)
        )
        spans.append(WordSpan(start, end, word, first, name))
    return spans


def lettered_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words written in letters (not numbers), in order."""
    return [(w.start, w.end) for w in word_spans(text) if w.is_lettered]


# -- casing -------------------------------------------------------------------------------------
def match_case(word: str, model: str) -> str:
    """``word`` written with the capitalisation of ``model`` ("the", "Cat" -> "The")."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def apply_case(word: str, *, sentence_start: bool, truecase: frozenset[str] = frozenset()) -> str:
    """Capitalise a word at a sentence start or when the model's lexicon says it is a name."""
    if not word:
        return word
    if word.lower() in truecase:
        word = word[0].upper() + word[1:]
    if sentence_start and word[0].islower():
        word = word[0].upper() + word[1:]
    return word


# -- editing ------------------------------------------------------------------------------------
def spaced_before(text: str, position: int) -> bool:
    """True when the character before ``position`` is white space (or there is none)."""
    return position > 0 and text[position - 1].isspace()


def fill_text(text: str, spans: Sequence[tuple[int, int]], words: Sequence[str]) -> str:
    """``text`` with each span replaced by its word; every other character is kept exactly."""
    pieces, previous = [], 0
    for (start, end), word in zip(spans, words, strict=True):
        pieces += [text[previous:start], word]
        previous = end
    pieces.append(text[previous:])
    return "".join(pieces)


# -- windows ------------------------------------------------------------------------------------
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_SENTENCE_BREAK = re.compile(r"[.!?…。！？][\"')\]”’»]*\s+|\n")
_SPACE = re.compile(r"\s+")


def _window_start(text: str, lo: int, start: int) -> int:
    """The first position of a window: a paragraph start, else a sentence or word start."""
    before = text[lo:start]
    for pattern in (_PARAGRAPH, _SENTENCE_BREAK, _SPACE):
        found = list(pattern.finditer(before))
        if found and (pattern is _PARAGRAPH or lo > 0):
            return lo + found[-1].end() if pattern is _PARAGRAPH else lo + found[0].end()
    return lo


def _window_end(text: str, end: int, hi: int) -> int:
    """The end of a window: a paragraph end, else a sentence or word end."""
    after = text[end:hi]
    found = _PARAGRAPH.search(after)
    if found:
        return end + found.start()
    if hi >= len(text):
        return hi
    for pattern in (_SENTENCE_BREAK, _SPACE):
        ends = list(pattern.finditer(after))
        if ends:
            return end + ends[-1].start() + (1 if pattern is _SENTENCE_BREAK else 0)
    return hi


def window_bounds(text: str, start: int, end: int, max_chars: int = CONTEXT_CHARS) -> tuple[int, int]:
    """``(lo, hi)`` of about ``max_chars`` around ``[start, end)``: never past its paragraph,
    cut at a sentence (else word) boundary, so no word is ever split."""
    half = max(max_chars // 2, end - start)
    lo = max(0, start - half)
    hi = min(len(text), end + half)
    return min(_window_start(text, lo, start), start), max(_window_end(text, end, hi), end)


def context_window(text: str, start: int, end: int, max_chars: int = 700) -> tuple[str, int]:
    """A piece of ``text`` around ``[start, end)`` of about ``max_chars`` (see :func:`window_bounds`).

    Returns the piece and its offset in ``text``.
    """
    if len(text) <= max_chars:
        return text, 0
    lo, hi = window_bounds(text, start, end, max_chars)
    return text[lo:hi], lo


@dataclass(frozen=True)
class BlankWindow:
    """The piece of a document sent to the engine for one blank.

    Attributes:
        offset: where ``text`` starts in the document.
        text: the piece itself (it contains the focused blank and maybe others).
        focus: index, among the blanks in ``text``, of the blank the user is at.
        spans: document ``(start, end)`` of each blank in ``text``.
    """

    offset: int
    text: str
    focus: int
    spans: tuple[tuple[int, int], ...]

    def to_document(self, start: int, end: int) -> tuple[int, int]:
        """Convert a span inside ``text`` to document positions."""
        return start + self.offset, end + self.offset


def blank_window(
    text: str,
    blank: tuple[int, int],
    mask_token: str = "",
    max_chars: int = CONTEXT_CHARS,
    max_blanks: int = MAX_BLANKS_PER_REQUEST,
) -> BlankWindow:
    """The text around ``blank`` that the engine should see.

    About ``max_chars`` around the blank, never past the paragraph it is in, cut at a sentence
    (else word) boundary. When more than ``max_blanks`` blanks fall inside, the window narrows
    to the ones nearest the focused blank.
    """
    start, end = blank
    lo, hi = window_bounds(text, start, end, max_chars)
    pattern = blank_regex(mask_token)
    spans = [m.span() for m in pattern.finditer(text, lo, hi)]  # absolute positions
    if (start, end) not in spans:
        spans = sorted({*spans, (start, end)})
    focus = spans.index((start, end))
    if len(spans) > max_blanks:
        first = min(max(focus - max_blanks // 2, 0), len(spans) - max_blanks)
        kept = spans[first : first + max_blanks]
        before = spans[first - 1][1] if first > 0 else lo
        after = spans[first + max_blanks][0] if first + max_blanks < len(spans) else hi
        lo, hi = max(lo, before), min(hi, after)
        spans, focus = kept, focus - first
    return BlankWindow(offset=lo, text=text[lo:hi], focus=focus, spans=tuple(spans))
