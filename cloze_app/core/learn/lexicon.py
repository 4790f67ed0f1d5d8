"""The one owner of English word forms: lemmas, inflections, word class, form tag and frequency.

Inflection tables and lemmas come from ``lemminflect`` (MIT, offline data); frequencies from
``wordfreq`` (code Apache-2.0, data CC BY-SA 4.0). Both load lazily on first use (about a second
each), so importing this module costs nothing; call :func:`warm` off the UI thread to pay it early.
Closed-class words (articles, pronouns, prepositions, auxiliaries, conjunctions...) come from a
small table here plus ``core.text.FUNCTION_WORDS``.

Tags are Penn Treebank tags: NN NNS (nouns), VB VBP VBZ VBD VBN VBG (verbs), JJ JJR JJS
(adjectives), RB RBR RBS (adverbs). Word classes are NOUN, VERB, ADJ, ADV for content words and
DET, PRON, ADP, AUX, CONJ, PART for closed-class words. Every function takes any casing and
answers in lower case.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from cloze_app.core.text import FUNCTION_WORDS

NOUN, VERB, ADJ, ADV = "NOUN", "VERB", "ADJ", "ADV"
CONTENT_CLASSES = (NOUN, VERB, ADJ, ADV)
CLASS_OF_TAG = {
    "NN": NOUN,
    "NNS": NOUN,
    "VB": VERB,
    "VBP": VERB,
    "VBZ": VERB,
    "VBD": VERB,
    "VBN": VERB,
    "VBG": VERB,
    "JJ": ADJ,
    "JJR": ADJ,
    "JJS": ADJ,
    "RB": ADV,
    "RBR": ADV,
    "RBS": ADV,
}
COMMON_WORDS_FILE = "common_words.tsv"
_VERB_TAGS = ("VB", "VBP", "VBZ", "VBD", "VBN", "VBG")
# Without context, the reading to assume when a word has several (roughly how common each is).
_TAG_PRIOR = ("NN", "VB", "JJ", "NNS", "VBD", "VBN", "VBZ", "VBG", "VBP", "RB", "JJR", "JJS", "RBR", "RBS")

# Closed classes. A word may sit in several ("that": DET and CONJ); the first listed wins.
_CLOSED = {
    "DET": """a an the this that these those some any each every no all both either neither
        another other others such what which whose my your his her its our their much many few little several
        enough half""",
    "PRON": """i me mine you yours he him she hers it we us ours they them theirs myself
        yourself himself herself itself ourselves yourselves themselves who whom whoever
        whatever whichever someone somebody something anyone anybody anything everyone
        everybody everything nobody nothing none one ones""",
    "ADP": """of to in on at by with from into onto upon about above below over under between
        among amongst through throughout during before after since until till against without
        within along across behind beyond near off out up down around toward towards via per
        despite except inside outside beside besides beneath underneath like unlike past
        versus amid""",
    "AUX": """is am are was were be been being have has had having do does did done doing
        will would shall should can could may might must ought 'll 'd 's 're 've 'm""",
    "CONJ": """and or but nor yet so for if then than as because although though while whilst
        whereas unless whether once when where why how whenever wherever lest""",
    "PART": """not n't no yes there here very too also just only even still already again
        ever never perhaps maybe quite rather almost""",
}
CLOSED_CLASSES = tuple(_CLOSED)
_CLOSED_CLASS: dict[str, str] = {}
for _cls, _words in _CLOSED.items():
    for _w in _words.split():
        _CLOSED_CLASS.setdefault(_w, _cls)


def _key(word: str) -> str:
    return word.strip().replace("’", "'").lower()


def _lemminflect() -> Any:
    import lemminflect  # lazy: its tables take about a second to load

    return lemminflect


def function_class(word: str) -> str:
    """The closed class of ``word`` (DET, PRON, ADP, AUX, CONJ, PART), or "" for other words."""
    key = _key(word)
    if key in _CLOSED_CLASS:
        return _CLOSED_CLASS[key]
    return "PART" if key in FUNCTION_WORDS else ""


def closed_class_words(cls: str) -> tuple[str, ...]:
    """The words of closed class ``cls`` (DET, PRON, ADP, AUX, CONJ, PART), in table order."""
    return tuple(w for w, c in _CLOSED_CLASS.items() if c == cls)


def is_function_word(word: str) -> bool:
    """An article, pronoun, preposition, auxiliary, conjunction or particle ("and", "while", "like").

    Words that are also content words ("like", "while", "since") count as function words: a
    learner's exercise never offers them as a content word's distractor.
    """
    return bool(function_class(word))


@lru_cache(maxsize=65536)
def _lemmas_by_class(key: str) -> Mapping[str, tuple[str, ...]]:
    if not key.isalpha() and not key.replace("-", "").replace("'", "").isalpha():
        return {}
    found: dict[str, tuple[str, ...]] = _lemminflect().getAllLemmas(key)
    return {upos: tuple(lem.lower() for lem in lemmas) for upos, lemmas in found.items()}


@lru_cache(maxsize=65536)
def _table(lemma_: str, upos: str) -> Mapping[str, tuple[str, ...]]:
    lib = _lemminflect()
    found: dict[str, tuple[str, ...]] = dict(lib.getAllInflections(lemma_, upos=upos))
    if upos == VERB and found:  # the table leaves out a past participle equal to the past ("walked")
        for tag in _VERB_TAGS:
            if tag not in found:
                found[tag] = lib.getInflection(lemma_, tag)
    return {tag: tuple(f.lower() for f in forms) for tag, forms in found.items()}


@lru_cache(maxsize=65536)
def form_tags(word: str) -> frozenset[str]:
    """Every Penn tag ``word`` can have as a content word ("runs": NNS and VBZ); empty if unknown."""
    key = _key(word)
    tags: set[str] = set()
    for upos, lemmas in _lemmas_by_class(key).items():
        if upos not in CONTENT_CLASSES:
            continue
        for lem in lemmas:
            table = _table(lem, upos)
            for tag, forms in table.items():
                # lemminflect lists a mass noun's lemma among its plurals ("ocean": oceans, ocean);
                # only a plural that is the lemma alone ("sheep") counts as one.
                if key in forms and not (tag == "NNS" and key == lem and len(forms) > 1):
                    tags.add(tag)
            if not table and key == lem:  # a lemma without a table (an adverb, an uncountable noun)
                tags.add({NOUN: "NN", VERB: "VB", ADJ: "JJ", ADV: "RB"}[upos])
    return frozenset(tags)


def form_tag(word: str, context: Iterable[str] = ()) -> str:
    """The likeliest Penn tag of ``word`` ("" if unknown or a function word).

    ``context`` may give tags the slot is known or voted to have; the first of those the word
    can take wins, else the commonest reading of the word.
    """
    tags = form_tags(word)
    for tag in context:
        if tag in tags:
            return tag
    return next((t for t in _TAG_PRIOR if t in tags), "")


def word_classes(word: str) -> frozenset[str]:
    """Every class ``word`` can belong to: closed classes and/or NOUN, VERB, ADJ, ADV."""
    classes = {CLASS_OF_TAG[t] for t in form_tags(word)}
    closed = function_class(word)
    if closed:
        classes.add(closed)
    return frozenset(classes)


def word_class(word: str, context: Iterable[str] = ()) -> str:
    """The likeliest class of ``word``: its closed class if it has one, else the class of
    :func:`form_tag` ("" if unknown)."""
    closed = function_class(word)
    if closed:
        return closed
    tag = form_tag(word, context)
    return CLASS_OF_TAG.get(tag, "")


@lru_cache(maxsize=65536)
def lemmas(word: str) -> frozenset[str]:
    """Every lemma of ``word`` ("went": go; "better": good, well, better); the word itself if unknown."""
    key = _key(word)
    found = {lem for lems in _lemmas_by_class(key).values() for lem in lems}
    return frozenset(found or {key})


def lemma(word: str) -> str:
    """The likeliest lemma of ``word`` (that of its commonest reading)."""
    key = _key(word)
    by_class = _lemmas_by_class(key)
    tag = form_tag(key)
    cls = CLASS_OF_TAG.get(tag, "")
    for upos in (cls, VERB, NOUN, ADJ, ADV, "AUX"):
        if by_class.get(upos):
            return by_class[upos][0]
    return key


def inflect(lemma_: str, tag: str) -> tuple[str, ...]:
    """The forms of ``lemma_`` with Penn tag ``tag`` ("go", "VBD": went); empty if none."""
    upos = CLASS_OF_TAG.get(tag, "")
    if not upos:
        return ()
    return _table(_key(lemma_), upos).get(tag, ())


@lru_cache(maxsize=65536)
def inflections(word: str) -> frozenset[str]:
    """Every form of every lemma of ``word``, the word included ("went": go goes going gone went).

    Auxiliaries count ("is": be am are was were been being). Unknown words give just themselves.
    """
    key = _key(word)
    forms = {key}
    for upos, lems in _lemmas_by_class(key).items():
        for lem in lems:
            forms.add(lem)
            for tag_forms in _table(lem, upos if upos in CONTENT_CLASSES else VERB).values():
                forms.update(tag_forms)
    return frozenset(forms)


# Tags of two forms of one word that differ only in number or person.
_NUMBER_TAGS = (frozenset({"NN", "NNS"}), frozenset({"VBZ", "VBP"}))


def number_forms(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one noun's singular and plural ("child"/"children") or one
    verb's third person singular and another present form ("goes"/"go", "has"/"have"), by
    lemminflect's tables (so "does"/"doing" are not: a doe's plural, a verb's -ing form)."""
    ka, kb = _key(a), _key(b)
    for upos, lems in _lemmas_by_class(ka).items():
        if upos not in (NOUN, VERB):
            continue
        for lem in lems:
            table = _table(lem, upos)
            tags_a = {tag for tag, forms in table.items() if ka in forms}
            tags_b = {tag for tag, forms in table.items() if kb in forms}
            if any(frozenset({x, y}) in _NUMBER_TAGS for x in tags_a for y in tags_b):
                return True
    return False


_PAST_TAGS = frozenset({"VBD", "VBN"})


def participle_forms(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one verb's simple past and its past participle, spelt
    differently ("went"/"gone", "broke"/"broken", "hid"/"hidden"), by lemminflect's tables: a
    learner's "I have went", "the broke plate". Not a verb whose two are alike ("walked")."""
    ka, kb = _key(a), _key(b)
    if ka == kb:
        return False
    for lem in {lem for upos, lems in _lemmas_by_class(ka).items() if upos in (VERB, "AUX") for lem in lems}:
        table = _table(lem, VERB)
        tags_a = {tag for tag, forms in table.items() if ka in forms} & _PAST_TAGS
        tags_b = {tag for tag, forms in table.items() if kb in forms} & _PAST_TAGS
        if tags_a and tags_b and tags_a | tags_b == _PAST_TAGS and tags_a != tags_b:
            return True
    return False


def same_lemma(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are forms of one word ("run"/"runs", "went"/"gone")."""
    ka, kb = _key(a), _key(b)
    return ka == kb or kb in inflections(ka) or ka in inflections(kb)


@lru_cache(maxsize=1)
def _common() -> tuple[dict[str, float], dict[str, tuple[tuple[str, float], ...]]]:
    """``common_words.tsv`` (built by scripts/build_wordlist.py): Zipf by word, words by tag."""
    lines = resources.files("cloze_app.core.learn").joinpath(COMMON_WORDS_FILE).read_text(encoding="utf-8")
    freq: dict[str, float] = {}
    by_tag: dict[str, list[tuple[str, float]]] = {}
    for line in lines.splitlines():
        if not line or line.startswith("#"):
            continue
        word, value, tags = line.split("\t")
        freq[word] = float(value)
        for tag in tags.split():
            by_tag.setdefault(tag, []).append((word, float(value)))
    return freq, {tag: tuple(words) for tag, words in by_tag.items()}


def common_words(tag: str) -> tuple[tuple[str, float], ...]:
    """Common English content words that can have Penn tag ``tag``, with their Zipf frequency,
    commonest first (about 15,000 words in all; no profanity)."""
    return _common()[1].get(tag, ())


@lru_cache(maxsize=64)
def _rarity(tag: str) -> tuple[float, ...]:
    """Minus the Zipf frequency of each of ``common_words(tag)``: ascending, for bisection."""
    return tuple(-z for _, z in common_words(tag))


def nearest_common_words(
    tag: str, zipf_value: float, span: float, count: int, accept: Callable[[str], bool]
) -> list[str]:
    """The ``count`` words of ``common_words(tag)`` nearest in Zipf frequency to ``zipf_value``
    (at most ``span`` away) that ``accept`` takes, nearest first, ties in the list's order.

    The list is sorted by frequency, so the search walks out from ``zipf_value`` and stops once
    ``count`` words are found, instead of testing every word of the tag (thousands).
    """
    words, rarity = common_words(tag), _rarity(tag)
    up, down = bisect.bisect_left(rarity, -zipf_value) - 1, bisect.bisect_left(rarity, -zipf_value)
    found: list[tuple[float, int]] = []  # (distance, index) of accepted words, in walk order
    while True:
        d_up = words[up][1] - zipf_value if up >= 0 else math.inf
        d_down = zipf_value - words[down][1] if down < len(words) else math.inf
        distance = min(d_up, d_down)
        if distance > span or (len(found) >= count and distance > found[-1][0]):
            break
        if d_up <= d_down:
            index, up = up, up - 1
        else:
            index, down = down, down + 1
        if accept(words[index][0]):
            found.append((distance, index))
    found.sort()
    return [words[index][0] for _, index in found[:count]]


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common ``word`` is on the Zipf scale (about 7 for "the", 3 for "bakery", 0 unknown)."""
    key = _key(word)
    known = _common()[0].get(key)
    if known is not None:
        return known
    import wordfreq  # lazy: its tables take about half a second to load

    return float(wordfreq.zipf_frequency(key, "en"))


def warm() -> None:
    """Load the inflection and frequency tables now (about 2 s), e.g. on a worker thread at start."""
    form_tags("warming")
    inflections("warmed")
    common_words("NN")
    zipf("warmth")


def tag_votes(word: str, evidence: Iterable[tuple[str, float]]) -> dict[str, float]:
    """How strongly the slot's words support each reading of ``word`` (Penn tag -> votes).

    ``evidence`` is (word, probability) pairs the model proposes for the slot. Each votes with
    its probability, shared among the classes it can have, for the class of ``word`` (NOUN,
    VERB...); a reading gets its class's votes plus, to part readings of one class, the votes of
    words with that exact form.
    """
    tags = form_tags(word)
    classes = {CLASS_OF_TAG[t] for t in tags}
    class_votes = dict.fromkeys(classes, 0.0)
    tag_votes_ = dict.fromkeys(tags, 0.0)
    for other, prob in evidence:
        other_tags = form_tags(other)
        other_classes = {CLASS_OF_TAG[t] for t in other_tags}
        for cls in other_classes & classes:
            class_votes[cls] += prob / len(other_classes)
        for tag in other_tags & tags:
            tag_votes_[tag] += prob / len(other_tags)
    return {t: class_votes[CLASS_OF_TAG[t]] + 1e-3 * tag_votes_[t] for t in tags}


def vote_tag(word: str, evidence: Iterable[tuple[str, float]]) -> str:
    """The tag ``word`` most likely has in a slot, from words the model proposes for that slot
    (see :func:`tag_votes`); ties and no votes go to the word's commonest reading. This is the
    app's tagger: the model knows the context."""
    votes = tag_votes(word, evidence)
    if not votes:
        return ""
    best = max(votes.values())
    if best <= 0.0:
        return form_tag(word)
    return next(t for t in _TAG_PRIOR if votes.get(t, -1.0) == best)


_NOT_BASE_TAGS = frozenset({"VBD", "VBN", "VBZ", "VBG"})


def verb_bases(word: str) -> tuple[str, ...]:
    """The base forms of the verbs ``word`` is another form of ("went": go; "swims": swim;
    "finished": finish), by lemminflect's tables: what a modal or "do" wants after it (a
    learner's "didn't went", "can swims"). Empty for a word that is itself a verb's base form,
    of this verb or another ("put", "read"; "bore", "saw", "found", "lay": bear, see, find and
    lie's past, but "should bore", "can saw", "will found", "will lay" are right), and for a word
    that is no verb."""
    return _verb_forms(word, _NOT_BASE_TAGS, frozenset({"VB"}), "VB", modals=True)


# Modal verbs are no verbs with a past here ("can": lemminflect's "canned" is another verb's)
_MODAL_LEMMAS = frozenset(("can", "will", "shall", "may", "must", "might", "could", "would", "should"))
# The past of "be" that agrees with the present written: is/am -> was, are -> were
_BE_PASTS = {"is": ("was",), "am": ("was",), "are": ("were",), "be": ("was", "were")}


def _verb_forms(
    word: str, written: frozenset[str], refuse: frozenset[str], want: str, modals: bool = False
) -> tuple[str, ...]:
    """The ``want`` forms of the verbs ``word`` is a ``written`` form of; empty when ``word`` can
    be a ``refuse`` form of any verb (then it may be right as it stands). Modal verbs count only
    with ``modals`` (a modal's base, "could": can; not its past, "can": canned)."""
    key = _key(word)
    found: list[str] = []
    for upos, lems in _lemmas_by_class(key).items():
        if upos not in (VERB, "AUX"):
            continue
        for lem in lems:
            if lem in _MODAL_LEMMAS and not modals:
                continue
            table = _table(lem, VERB)
            tags = {tag for tag, forms in table.items() if key in forms}
            if tags & refuse:
                return ()
            if tags & written:
                found += [f for f in table.get(want, ()) if f != key and f not in found]
    return tuple(found)


_PERFECT_FROM = frozenset({"VB", "VBP", "VBZ", "VBD", "VBG"})


def past_only(word: str) -> bool:
    """Whether ``word`` can only be a simple past ("ate", "went", "took"; not "broke", an
    adjective too, nor "walked", a participle too): never right after "have" or "be"."""
    return form_tags(word) == frozenset({"VBD"})


_PRESENT = frozenset({"VB", "VBP", "VBZ"})


def verb_participles(word: str) -> tuple[str, ...]:
    """The past participles of the verbs ``word`` is another form of ("ate": eaten, "live":
    lived, "went": gone): what "have" wants after it (a learner's "I have ate", "she has live").
    Empty for a word that can itself be a past participle ("put", "come", "walked") and for a
    word that is no verb."""
    return _verb_forms(word, _PERFECT_FROM, frozenset({"VBN"}), "VBN")


def verb_pasts(word: str) -> tuple[str, ...]:
    """The simple pasts of the verbs ``word`` is a present form of ("go": went, "visits":
    visited, "is": was): what a sentence that says it happened yesterday wants. Empty for a word
    that can itself be a past form ("put", "read", "saw") and for a word that is no verb."""
    key = _key(word)
    if key in _BE_PASTS:
        return _BE_PASTS[key]
    return _verb_forms(word, _PRESENT, frozenset({"VBD", "VBN"}), "VBD")


def forms_like(word: str, other: str, tag_prefix: str = "") -> frozenset[str]:
    """The forms of ``other`` (a lemma) that have a tag ``word`` has as a form of its own lemma
    ("effects", affect: affects; "learned", teach: taught; "loosing", lose: losing; "chips",
    chip: chips): the same slip made on an inflected word. ``tag_prefix``: only tags that start
    with it ("VB": as a verb)."""
    key = _key(word)
    tags: set[tuple[str, str]] = set()
    for upos, lems in _lemmas_by_class(key).items():
        if upos not in CONTENT_CLASSES:
            continue
        for lem in lems:
            tags.update(
                (upos, tag)
                for tag, forms in _table(lem, upos).items()
                if key in forms
                and tag.startswith(tag_prefix)
                # a mass noun's lemma among its plurals ("business": businesses, business), as
                # in form_tags
                and not (tag == "NNS" and key == lem and len(forms) > 1)
            )
    found: set[str] = set()
    by_class = _lemmas_by_class(_key(other))
    for upos, tag in tags:
        for lem in by_class.get(upos, ()):
            found.update(_table(lem, upos).get(tag, ()))
    return frozenset(found)


def in_forms(word: str, target: str, tag_prefix: str = "") -> tuple[str, ...]:
    """``word`` (a word or a short phrase) in each form ``target`` can have ("investigate" for
    "checking": investigating; "request" for "asked": requested; "computer chip" for "chips":
    computer chips), best guesses first: a phrase is inflected on its verb (first word) or, as a
    noun (``tag_prefix`` "NN"), on its last word. Empty when ``word`` has no such form (another
    class) or is in one already."""
    words = word.split()
    if not words:
        return ()
    at = len(words) - 1 if tag_prefix == "NN" else 0
    found = []
    for form in sorted(forms_like(target, words[at], tag_prefix)):
        if words[at][:1].isupper():
            form = form[:1].upper() + form[1:]
        phrase = " ".join([*words[:at], form, *words[at + 1 :]])
        if phrase.casefold() != word.casefold():
            found.append(phrase)
    return tuple(found)


def verb_gerunds(word: str) -> tuple[str, ...]:
    """The -ing forms of the verbs ``word`` is the base form of ("meet": meeting, "learn":
    learning): what a preposition wants after it ("look forward to meet", "interested in learn").
    Empty for a word that can itself be an -ing form and for a word that is no verb."""
    return _verb_forms(word, frozenset({"VB", "VBP"}), frozenset({"VBG"}), "VBG")
