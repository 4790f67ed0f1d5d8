"""Confusion sets: the few words a writer plausibly meant instead of the word written.

Bryant & Briscoe (2018, "Language Model Based Grammatical Error Correction without Annotated
Training Data") check a word against its confusion set, not the whole vocabulary: its other
inflections (lemminflect, through ``core.learn.lexicon``), spelling neighbours
(``core.learn.spelling``), commonly confused words, the forms of a closed-class paradigm that
differ only in agreement (this/these, himself/herself/themselves, doesn't/don't), and for
closed-class words the other members of the class. Missing and extra words are insertion and
deletion candidates: an article, preposition or auxiliary added before a word, or a
closed-class word taken out.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloze_app.core.learn import lexicon, spelling

SPELLING = "spelling"  # a spelling neighbour (of a non-word, or a real-word slip: form/from)
INFLECTION = "inflection"  # another form of the same word (go/goes/went, information/informations)
AGREEMENT = "agreement"  # a closed-class form of another number, person, gender, case (this/these)
CONFUSABLE = "confusable"  # a commonly confused word (their/there, affect/effect, make/do)
CLOSED = "closed"  # another member of a closed class (in/on/at, a/the, is/are)
MISSING = "missing"  # a word inserted before this one
EXTRA = "extra"  # this word deleted
KINDS = (SPELLING, INFLECTION, AGREEMENT, CONFUSABLE, CLOSED, MISSING, EXTRA)

# Commonly confused words (learner corpora, usage guides); every word of a set is a candidate
# for every other.
CONFUSABLE_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(line.split())
    for line in """
    their there they're
    its it's
    your you're
    whose who's
    then than
    affect effect
    accept except
    to too two
    lose loose
    quiet quite
    advice advise
    lay lie
    rise raise
    much many
    few little
    fewer less
    make do
    say tell
    speak talk
    hear listen
    see look watch
    borrow lend
    bring take
    learn teach
    who which that what
    since for
    among between
    each every
    other another
    already yet
    also too
    although despite
    during while
    almost most
    economic economical
    sensible sensitive
    especially specially
    fun funny
    bored boring
    interested interesting
    excited exciting
    tired tiring
    surprised surprising
    worried worrying
    later latter
    past passed
    been being
    of off
    were where we're
    """.strip().splitlines()
)

# Closed-class paradigms: forms of one function word that differ only in agreement (number,
# person, gender, case), as a noun's or a verb's inflections do: a learner's "this books",
# "she hurt himself", "he don't". Every word of a row is a candidate for every other. A
# reflexive and its personal pronoun are not (both are mostly grammatical: "thought about
# him/himself" differ in meaning, and the model prefers the commoner "him").
AGREEMENT_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(line.split())
    for line in """
    a an
    this these
    that those
    i me my mine
    he him his
    she her hers
    we us our ours
    they them their theirs
    it its
    myself yourself himself herself itself ourselves yourselves themselves
    is are was were am
    has have had
    does do did
    isn't aren't wasn't weren't
    hasn't haven't hadn't
    doesn't don't didn't
    """.strip().splitlines()
)

# Closed classes whose members replace each other (a learner's usual slips are within one).
CLOSED_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(line.split())
    for line in """
    a an the
    this that these those
    all both each every either neither some any no few many much most several
    in on at to for of with from by about into onto over under through during
    is are was were am be
    has have had
    do does did
    will would can could shall should may might must
    """.strip().splitlines()
)

# Words a writer leaves out or puts in too many, tried as insertions and deletions.
ARTICLES = ("the", "a", "an")
PREPOSITIONS = ("to", "of", "in", "for", "on", "at", "with", "about", "from")
AUXILIARIES = ("is", "are", "was", "were", "be", "been", "have", "has", "had", "do", "does", "did", "will")
INSERTABLE: tuple[str, ...] = (*ARTICLES, *PREPOSITIONS, "is", "are", "was", "be", "have", "has", "will")
DELETABLE: frozenset[str] = frozenset((*ARTICLES, *PREPOSITIONS, *AUXILIARIES, "that", "it"))


@dataclass(frozen=True)
class Alternative:
    """A word the writer may have meant, and why it is a candidate (one of ``KINDS``)."""

    word: str
    kind: str
    cost: float = 0.0  # spelling: the edit distance (a keyboard slip is 0.5)


def _confusables(key: str) -> set[str]:
    return {w for group in CONFUSABLE_SETS if key in group for w in group}


def _closed(key: str) -> set[str]:
    return {w for group in CLOSED_SETS if key in group for w in group}


def _agreement(key: str) -> set[str]:
    return {w for group in AGREEMENT_SETS if key in group for w in group}


def alternatives(word: str, *, max_spelling: int = 8) -> list[Alternative]:
    """The confusion set of ``word`` (lower case, without the word itself), one entry per word.

    A word in several sets keeps its first kind, in this order: inflection, agreement,
    confusable, closed class, spelling. A word not in the dictionary gets up to ``max_spelling`` spelling
    neighbours up to two edits away; a known word only the commonest one edit away.
    """
    key = word.strip().replace("’", "'").lower()
    found: dict[str, Alternative] = {}

    def add(candidate: str, kind: str, cost: float = 0.0) -> None:
        if candidate != key and candidate not in found and candidate:
            found[candidate] = Alternative(candidate, kind, cost)

    for form in sorted(lexicon.inflections(key)):
        if spelling.is_known(form):  # lemminflect also invents regular forms ("informations")
            add(form, INFLECTION)
    for other in sorted(_agreement(key)):
        add(other, AGREEMENT)
    for other in sorted(_confusables(key)):
        add(other, CONFUSABLE)
    for other in sorted(_closed(key)):
        add(other, CLOSED)
    known = spelling.is_known(key)
    if not known:
        # A wrongly made form ("teached", "childs", "informations"): the forms of its stem.
        for stem in _stems(key):
            for form in sorted(lexicon.inflections(stem)):
                if spelling.is_known(form):
                    add(form, INFLECTION)
    limit = max_spelling if not known else max(2, max_spelling // 2)
    for other, cost in spelling.neighbours(key, limit=3 * limit):
        if limit <= 0:
            break
        if lexicon.word_classes(other):  # a word, not a name or an abbreviation ("dave", "tue")
            add(other, SPELLING, cost)
            limit -= 1
    return list(found.values())


_SUFFIXES = (
    ("ies", "y"),
    ("ied", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("ed", "e"),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
)


def _stems(key: str) -> list[str]:
    """Known words that ``key`` is a regular form of by its spelling ("teached": teach)."""
    stems = []
    for suffix, base in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            stem = key[: -len(suffix)] + base
            if stem not in stems and spelling.is_known(stem):
                stems.append(stem)
    return stems
