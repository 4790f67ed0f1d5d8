"""Confusion sets: the few words a writer plausibly meant instead of the word written.

Bryant & Briscoe (2018, "Language Model Based Grammatical Error Correction without Annotated
Training Data") check a word against its confusion set, not the whole vocabulary: its other
inflections (lemminflect, through ``core.learn.lexicon``; a content word's form of another
number or person, goes/go, child/children, is a number candidate, an auxiliary's, is/are, an
agreement candidate, and a verb's simple past for its past participle, went/gone, a participle
candidate), spelling neighbours (``core.learn.spelling``), commonly confused
words, the forms of a closed-class paradigm that differ only in agreement (this/these,
he/him/his, doesn't/don't), a reflexive's other persons and an object pronoun's reflexive
(himself/herself/themselves, him -> himself: what the pronoun refers to decides), and for
closed-class words the other members of the class. Missing and extra words are insertion and
deletion candidates: an article, preposition or auxiliary added before a word, or a
closed-class word taken out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cloze_app.core.learn import lexicon, spelling

SPELLING = "spelling"  # a spelling neighbour (of a non-word, or a real-word slip: form/from)
INFLECTION = "inflection"  # another form of the same word (go/went/gone, information/informations)
# a verb's simple past for its past participle or back (went/gone, broke/broken, hid/hidden:
# ``lexicon.participle_forms``): a learner's "I have went", "the broke plate". Apart from other
# forms, whose tense is often the writer's free choice (walks/walked), where only one of these two
# fits the words around it (after "have", before a noun)
PARTICIPLE = "participle"
# a verb's base form after a modal or a form of "do" (``base_slot``), for another form of it
# ("didn't went", "can swims", "Did you finished": go, swim, finish; ``lexicon.verb_bases``): there only
# the base form is grammatical, where elsewhere the verb's tense or person is the writer's choice
BASE = "base"
# a verb's past participle after a form of "have" (``perfect_slot``), for another form of it ("I
# have ate", "she has live", "had went": eaten, lived, gone; ``lexicon.verb_participles``): there
# only the participle is grammatical
PERFECT = "perfect"
# a verb's simple past for its present in a sentence that says when, in the past (``past_slot``:
# "Yesterday I go", "two years ago we move": went, moved; ``lexicon.verb_pasts``): the tense is
# not the writer's free choice there
PAST = "past"
# a verb's -ing form for its base form after a preposition (``gerund_slot``: "look forward to
# meet", "interested in learn", "without say": meeting, learning, saying; ``lexicon.verb_gerunds``)
GERUND = "gerund"
# a form of another number, person, gender or case of a closed-class paradigm (this/these,
# he/him, is/are, has/have: ``AGREEMENT_SETS``): the words around it decide
AGREEMENT = "agreement"
# a content word's form of another number or person (go/goes, child/children: ``number_forms``):
# apart from agreement, since a noun's number is often the writer's free choice (forest/forests)
# where a determiner's or an auxiliary's is fixed by its noun or subject
NUMBER = "number"
# a reflexive of another person, gender or number, or an object pronoun's reflexive
# (herself/himself, him -> himself): what the pronoun refers to decides, often a subject further back, so its
# neighbours are not asked (``proofread.CONTEXT_KINDS``)
REFERENCE = "reference"
CONFUSABLE = "confusable"  # a commonly confused word of another meaning (make/do, say/tell, much/many)
# a commonly confused word that sounds or looks like the written one (their/there/they're,
# its/it's, lose/loose, affect/effect: ``HOMOPHONE_SETS``): a slip of the pen rather than of word
# choice, which the words around it nearly always decide, with a margin of its own; a learner's
# "The dog wagged it's tail" or "Don't loose your keys" gains 4.7 and 5.5 nats with its fix, under
# the margin that keeps word-choice swaps such as who/that from flagging BLiMP's good sentences
HOMOPHONE = "homophone"
CLOSED = "closed"  # another member of a closed class (in/on/at, a/the, is/are)
MISSING = "missing"  # a word inserted before this one
EXTRA = "extra"  # this word deleted
KINDS = (
    SPELLING,
    INFLECTION,
    PARTICIPLE,
    BASE,
    PERFECT,
    PAST,
    GERUND,
    AGREEMENT,
    NUMBER,
    REFERENCE,
    CONFUSABLE,
    HOMOPHONE,
    CLOSED,
    MISSING,
    EXTRA,
)
# What the words before a verb may want of it (``word_slot``)
SLOT_KINDS = (BASE, PERFECT, PAST, GERUND)
# Another form of the written word: its neighbours decide (``proofread.CONTEXT_KINDS``), and two
# neighbours with such fixes are one slip ("this books")
FORM_KINDS = (INFLECTION, PARTICIPLE, *SLOT_KINDS, AGREEMENT, NUMBER)

# Commonly confused words (learner corpora, usage guides); every word of a set is a candidate
# for every other. "~": its words sound or look alike (HOMOPHONE, a margin of its own).
_CONFUSED_LINES = """
    ~ their there they're
    ~ its it's
    ~ your you're
    ~ whose who's
    ~ then than
    ~ affect effect
    ~ accept except
    ~ to too two
    ~ lose loose
    ~ quiet quite
    ~ knew new
    ~ weather whether
    ~ through threw
    ~ advice advise
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
    ~ later latter
    ~ past passed
    been being
    ~ of off
    ~ were where we're
    ever never
    ever every
    ever even
    even only
    """.strip().splitlines()
CONFUSABLE_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(line.split()) - {"~"} for line in _CONFUSED_LINES
)
# The sets whose words sound or look alike (HOMOPHONE candidates), marked "~" above.
HOMOPHONE_SETS: tuple[frozenset[str], ...] = tuple(
    frozenset(line.split()) - {"~"} for line in _CONFUSED_LINES if line.lstrip().startswith("~")
)


# Closed-class paradigms: forms of one function word that differ only in agreement (number,
# person, gender, case), as a noun's or a verb's inflections do: a learner's "this books",
# "she hurt himself", "he don't". Every word of a row is a candidate for every other. A
# reflexive and its subject pronoun are, since only one of them can be a subject ("said that
# himself/he left", "myself and John went"); the reflexives among themselves are reference
# candidates (``REFLEXIVES``).
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
    i myself
    he himself
    she herself
    we ourselves
    they themselves
    is are was were am
    has have had
    does do did
    isn't aren't wasn't weren't
    hasn't haven't hadn't
    doesn't don't didn't
    """.strip().splitlines()
)

# An object pronoun's reflexive: a learner's "I enjoyed me", "she looked at her in the mirror"
# (one person). Both are mostly grammatical and differ in what they refer to, so they have a
# margin of their own (``REFERENCE``), as the reflexives of another person have. Not the other
# way round (a reflexive's object pronoun, "leave himself" -> him): the model prefers the commoner
# pronoun where the reflexive is right, and on BLiMP dev's tune half it flagged more good "kissed
# herself", "hurt itself" (her, it) than bad "will leave himself" (him).
REFLEXIVES = frozenset(
    ("myself", "yourself", "himself", "herself", "itself", "ourselves", "yourselves", "themselves")
)
REFLEXIVES_OF: dict[str, tuple[str, ...]] = {
    "me": ("myself",),
    "you": ("yourself", "yourselves"),
    "him": ("himself",),
    "her": ("herself",),
    "it": ("itself",),
    "us": ("ourselves",),
    "them": ("themselves",),
}
_PARADIGMS = frozenset(w for group in AGREEMENT_SETS for w in group)
# The contractions of the past: one of the present for it ("hasn't" for "hadn't") is another
# tense, not another number or person, so it is an inflection (tense is often the writer's
# choice), not an agreement candidate (on BLiMP dev, good "haven't", "hasn't", "isn't" were
# flagged for hadn't, wasn't at the agreement margin).
_PAST_CONTRACTIONS = frozenset(("wasn't", "weren't", "hadn't", "didn't"))

# Closed classes whose members replace each other (a learner's usual slips are within one).
# Articles and demonstratives are kept apart from the quantifiers: tried as one class of
# determiners, correct "that teacher", "some couch", "each waiter" in BLiMP dev's good sentences
# were flagged for the commoner "a" and "the".
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
# Not "that": a complementizer or relative "that" is mostly optional ("conceal (that) some person
# bikes"), so taking it out is no fix (BLiMP dev's good sentences were flagged for it). Nor
# "do", "does", "did": before a bare verb they are an emphatic "do", always grammatical ("they do
# describe it"; BLiMP dev's good "do describe", "does yawn" were flagged), and a learner's "did
# went" is the verb's slip, not the auxiliary's.
DELETABLE: frozenset[str] = frozenset(
    (*ARTICLES, *PREPOSITIONS, *(a for a in AUXILIARIES if a not in ("do", "does", "did")), "it")
)
_HAVE = frozenset(("have", "has", "had"))
_BE = frozenset(("is", "are", "was", "were", "be", "been"))
# What "be" makes a verb group with (a participle, an -ing form) or a copula with (an adjective).
_AFTER_BE = frozenset(("VBN", "VBG", "JJ", "JJR", "JJS"))


def deletable(word: str, next_word: str) -> bool:
    """Whether ``word`` may be an extra word before ``next_word`` (``DELETABLE``), unless it is an
    auxiliary that makes a well-formed verb group with it: then taking it out gives another tense,
    voice or mood, not a fix ("It has brightened" / "It brightened", "was ripening", "been easier",
    "will reference"; in everyday chat and BLiMP's good sentences these were most of the extra-word
    false alarms). A bare or past verb after "be" ("I am agree", "I was went") and a past form
    after "have" ("have went") stay deletable: a learner's slips."""
    key = word.lower()
    if key not in DELETABLE:
        return False
    tags = lexicon.form_tags(next_word.lower())
    if key in _HAVE:
        return "VBN" not in tags
    if key in _BE:
        return bool(tags & {"VB", "VBD"}) and not tags & _AFTER_BE
    if key == "will":
        return "VB" not in tags
    return True


# What wants a verb's base form after it, and what may stand between: a learner's "didn't went",
# "She can swims", "It will not rains", "Did you finished it?". Not "to": "to" the preposition takes
# an -ing form or a noun ("look forward to going").
_MODALS = """can could will would shall should may might must cannot can't couldn't won't wouldn't
shan't shouldn't mightn't mustn't"""
MODALS = frozenset(_MODALS.split())
_DO_FORMS = "do does did don't doesn't didn't"
DO_FORMS = frozenset(_DO_FORMS.split())
# Adverbs between the auxiliary and its verb ("did not go", "will never know", "can also see")
_BASE_ADVERBS = "not never really also always just still ever even only probably certainly already"
BASE_ADVERBS = frozenset(_BASE_ADVERBS.split())
# A question's subject between them ("Did you see", "Can she swim")
SUBJECT_PRONOUNS = frozenset(("i", "you", "he", "she", "it", "we", "they"))


def base_slot(before: Sequence[str], word: str) -> bool:
    """Whether ``word`` after ``before`` (the words just before it in its sentence, nearest last,
    with nothing but spaces between) must be a verb's base form: right after a modal or a form of
    "do", or after one and a subject pronoun ("Did you"), with at most one adverb before it
    ("didn't really", "did you ever"). Not a word that can be a plural noun right after "do"
    ("Do cats eat?", "they do drugs")."""
    words, subject = _before_verb(before)
    if not words:
        return False
    if words[-1] in MODALS:
        return True
    return words[-1] in DO_FORMS and (subject or "NNS" not in lexicon.form_tags(word))


# The forms of "have" that make a perfect ("I have ate", "Have you ever ate", "she's live" is not
# one: 's is mostly "is")
HAVE_FORMS = frozenset(("have", "has", "had", "having", "i've", "you've", "we've", "they've"))
# Words after "have" that are no verb of a perfect ("had better go", "have to go")
_NOT_PERFECT = frozenset(("better", "best", "to"))


def _lowered(words: Sequence[str]) -> list[str]:
    """``words`` in lower case, with a typographic apostrophe as a plain one."""
    return [w.replace("\u2019", "'").lower() for w in words]


def _before_verb(before: Sequence[str]) -> tuple[list[str], bool]:
    """The words before a verb, nearest last, without one adverb and a question's subject
    pronoun between the auxiliary and the verb ("did you ever", "will not"); and whether a
    subject was taken out."""
    words = _lowered(before[-3:])
    if words and words[-1] in BASE_ADVERBS:
        words.pop()
    subject = len(words) >= 2 and words[-1] in SUBJECT_PRONOUNS
    if subject:
        words.pop()
    return words, subject


# The forms of "be" before a passive ("was took": taken)
BE_FORMS = frozenset(("is", "are", "am", "was", "were", "be", "been", "being"))


def perfect_slot(before: Sequence[str], word: str) -> bool:
    """Whether ``word`` after ``before`` (as in ``base_slot``) must be a past participle: right
    after a form of "have", or after one and a question's subject pronoun ("Have you"), with at
    most one adverb between ("has never", "have you ever"); not "had better", "have to". Also a
    simple past and nothing else after a form of "be" ("was took", "were wrote": a passive's
    participle; not "was broke", an adjective too, nor "is open")."""
    words, _ = _before_verb(before)
    (key,) = _lowered([word])
    if not words or key in _NOT_PERFECT:
        return False
    if words[-1] in HAVE_FORMS:
        return True
    return words[-1] in BE_FORMS and lexicon.past_only(key)


# What says a sentence happened in the past: "yesterday", "two years ago", "last week"
PAST_TIME_RE = re.compile(
    r"\b(?:yesterday|ago|last\s+(?:night|week|weekend|month|year|summer|winter|spring|autumn|"
    r"fall|time|century|decade|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.IGNORECASE,
)
# After these a present form is a noun ("the visit", "my work") or an infinitive ("to go")
_NOT_PAST_AFTER = frozenset(
    [
        *("a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its"),
        *("our", "their", "whose", "some", "any", "each", "every", "no", "to"),
    ]
)


def past_slot(before: Sequence[str], word: str) -> bool:
    """Whether ``word`` after ``before`` (as in ``base_slot``), in a sentence that says when in
    the past it happened (``PAST_TIME_RE``), stands where its simple past is wanted: not after a
    determiner or "to", nor after an auxiliary (``base_slot`` and ``perfect_slot`` say what
    those want)."""
    words = _lowered(before[-1:])
    if words and (words[-1] in _NOT_PAST_AFTER or words[-1] in MODALS or words[-1] in DO_FORMS):
        return False
    return not perfect_slot(before, word)


# Prepositions after which a verb takes its -ing form ("interested in learning", "before going",
# "thank you for helping"); "to" only in "look forward to" and "be/get used to" (elsewhere it is
# mostly the infinitive's)
GERUND_PREPOSITIONS = frozenset(
    ("of", "in", "for", "about", "without", "before", "after", "at", "on", "by", "from")
    + ("besides", "despite", "instead")
)
_USED_TO_AFTER = frozenset(
    ("am", "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "getting")
    + ("i'm", "you're", "we're", "they're")
)


def gerund_slot(before: Sequence[str], word: str) -> bool:
    """Whether ``word`` after ``before`` (as in ``base_slot``) is a verb's base form where a
    preposition wants its -ing form: right after one of ``GERUND_PREPOSITIONS``, after "look
    forward to", or after "used to" that follows a form of be or get ("I'm used to get up")."""
    words = _lowered(before[-3:])
    if not words:
        return False
    if words[-1] == "to":
        after_used = len(words) >= 3 and words[-2] == "used" and words[-3] in _USED_TO_AFTER
        if not (len(words) >= 2 and words[-2] == "forward") and not after_used:
            return False
    elif words[-1] not in GERUND_PREPOSITIONS:
        return False
    return bool(lexicon.verb_gerunds(word))


def word_slot(before: Sequence[str], word: str, *, past_time: bool = False) -> str:
    """What the words before ``word`` want of it: ``BASE``, ``PERFECT``, ``GERUND``, ``PAST``
    (only in a sentence with ``past_time``) or "" (the writer's choice)."""
    if base_slot(before, word):
        return BASE
    if perfect_slot(before, word):
        return PERFECT
    if gerund_slot(before, word):
        return GERUND
    if past_time and past_slot(before, word):
        return PAST
    return ""


@dataclass(frozen=True)
class Alternative:
    """A word the writer may have meant, and why it is a candidate (one of ``KINDS``)."""

    word: str
    kind: str
    cost: float = 0.0  # spelling: the edit distance (a keyboard slip is 0.5)


# Forms of "be" that differ only in number or person (lemminflect tags both of each pair alike).
_NUMBER_PAIRS = (frozenset({"was", "were"}), frozenset({"am", "are"}), frozenset({"am", "is"}))


def number_forms(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are forms of one word of another number or person only (goes/go,
    is/are, has/have, was/were, child/children): an agreement slip, as this/these is, not another
    tense or part of speech (go/went, broke/broken)."""
    return frozenset({a, b}) in _NUMBER_PAIRS or lexicon.number_forms(a, b)


def _confusables(key: str) -> set[str]:
    """The words confused with ``key``; for an inflected word not in a set itself, the same
    forms of the words confused with its lemma ("effects": affects, "learned": taught)."""
    found = {w for group in CONFUSABLE_SETS if key in group for w in group}
    if found:
        return found
    for lem in lexicon.lemmas(key) - {key}:
        for group in CONFUSABLE_SETS:
            if lem in group:
                for other in group - {lem}:
                    found |= {f for f in lexicon.forms_like(key, other) if spelling.is_known(f)}
    return found


def _confusable_kind(key: str, other: str) -> str:
    """HOMOPHONE when ``key`` and ``other`` (or their lemmas: effects/affects) share a set of
    ``HOMOPHONE_SETS``, else CONFUSABLE."""
    for a in {key} | lexicon.lemmas(key):
        for b in {other} | lexicon.lemmas(other):
            if any(a in group and b in group for group in HOMOPHONE_SETS):
                return HOMOPHONE
    return CONFUSABLE


def _closed(key: str) -> set[str]:
    return {w for group in CLOSED_SETS if key in group for w in group}


def _agreement(key: str) -> set[str]:
    return {w for group in AGREEMENT_SETS if key in group for w in group}


def _form_kind(key: str, form: str) -> str:
    """The kind of another form of ``key``: number (a content word's number or person),
    agreement (an auxiliary's: is/are, has/have), participle (a verb's simple past for its past
    participle or back: went/gone) or inflection (another tense or part of speech)."""
    if lexicon.participle_forms(key, form):
        return PARTICIPLE
    if not number_forms(key, form):
        return INFLECTION
    return AGREEMENT if key in _PARADIGMS else NUMBER


def _paradigm_kind(key: str, other: str) -> str:
    """The kind of another word of ``key``'s closed-class paradigm (``AGREEMENT_SETS``):
    reference between two reflexives, inflection between contractions of two tenses
    (hasn't/hadn't), else agreement."""
    if key in REFLEXIVES and other in REFLEXIVES:
        return REFERENCE
    if (
        key.endswith("n't")
        and other.endswith("n't")
        and (key in _PAST_CONTRACTIONS) != (other in _PAST_CONTRACTIONS)
    ):
        return INFLECTION
    return AGREEMENT


def alternatives(word: str, *, max_spelling: int = 8, slot: str = "") -> list[Alternative]:
    """The confusion set of ``word`` (lower case, without the word itself), one entry per word.

    ``slot`` says what the words around the word want (``word_slot``): in a ``BASE`` slot the
    base forms of the verbs it is another form of come first, as base candidates; in a
    ``PERFECT`` slot their past participles, in a ``PAST`` slot their simple pasts. A word in
    several sets keeps its first kind, in this order: the slot's, inflection (or participle, number
    or agreement), agreement (reference between two reflexives, inflection between two tenses'
    contractions), reference, confusable, closed class, spelling. A word not in the dictionary
    gets up to ``max_spelling`` spelling neighbours up to two edits away; a known word only the
    commonest one edit away.
    """
    key = word.strip().replace("’", "'").lower()
    found: dict[str, Alternative] = {}
    blocked: set[str] = set()

    def add(candidate: str, kind: str, cost: float = 0.0) -> None:
        if candidate != key and candidate not in found and candidate and candidate not in blocked:
            found[candidate] = Alternative(candidate, kind, cost)

    slot_forms = {
        BASE: lexicon.verb_bases,
        PERFECT: lexicon.verb_participles,
        PAST: lexicon.verb_pasts,
        GERUND: lexicon.verb_gerunds,
    }
    for form in slot_forms[slot](key) if slot in slot_forms else ():
        if spelling.is_known(form):
            add(form, slot)
    if slot == PERFECT:  # after "have" a simple past is never the fix ("have eaten": not ate)
        blocked.update(f for f in lexicon.inflections(key) if lexicon.past_only(f))
    for form in sorted(lexicon.inflections(key)):
        if spelling.is_known(form):  # lemminflect also invents regular forms ("informations")
            add(form, _form_kind(key, form))
    for other in sorted(_agreement(key)):
        add(other, _paradigm_kind(key, other))
    for other in REFLEXIVES_OF.get(key, ()):
        add(other, REFERENCE)
    for other in sorted(_confusables(key)):
        add(other, _confusable_kind(key, other))
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
    if known and len(key) < 3:
        # a known word of one or two letters has many words one edit away, nearly all function
        # words its closed class or confusables already offer ("I": is, it, in; "I used to" was
        # flagged for "Is"): no real-word slips
        limit = 0
    for other, cost in spelling.neighbours(key, limit=3 * limit):
        if limit <= 0:
            break
        if spelling.variants(key, other):  # one word spelt two ways: colour/color, recognise/recognize
            continue
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
