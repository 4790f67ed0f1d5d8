"""Which words of a sentence must agree in number, and where they do not.

Two pairs are read from the words' dictionary tags (``lexicon.form_tags``), without the model:

* a determiner and its noun ("this books", "every students", "those new college campus"):
  ``determiner_mismatches``;
* a subject at the start of a clause and the verb right after it ("The teacher were", "All
  mirrors disgusts", "Sara aren't", "She go"): ``subject_mismatches``.

Only what is sure is read: a word that may be either number ("sheep", "put"), a subject that
is not right before its verb ("The number of students are") or a clause that does not start
plainly is left alone. The checker (``checker``) decides with the model which of the two words
to change, and whether either change reads better than the text as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cloze_app.core.learn import lexicon, spelling
from cloze_app.core.text import WordSpan

# Determiners that want a noun of one number (plural?): "a books", "every students", "many book"
DEMONSTRATIVES = {"this": False, "that": False, "these": True, "those": True}
NUMBER_DETERMINERS = {
    **DEMONSTRATIVES,
    **dict.fromkeys(("a", "an", "another", "each", "every"), False),
    **dict.fromkeys(("many", "several", "few", "both"), True),
}
OTHER_NUMBER = {"this": "these", "these": "this", "that": "those", "those": "that"}
# Determiners of a mass noun, before a plural noun right after them ("much friends": many;
# not "much needed supplies", an adverb): the determiner is the slip, the noun stays
MASS_DETERMINERS = frozenset(("much",))
# Determiners that leave a subject's number to its noun ("the book is", "the books are")
_OPEN_DETERMINERS = frozenset(
    ("the", "my", "your", "his", "her", "its", "our", "their", "all", "no", "some", "any", "most")
)
_DETERMINERS = frozenset(NUMBER_DETERMINERS) | _OPEN_DETERMINERS
# Nouns of plural meaning without a plural tag in lemminflect's tables ("these people"); not
# collective nouns with a plural of their own (team, family) nor nouns of either number (staff,
# aircraft, offspring)
_PLURAL_NOUNS = frozenset(
    ("people", "police", "cattle", "clergy", "personnel", "folk", "livestock", "poultry", "vermin")
)
_EITHER_NUMBER = frozenset(("aircraft", "spacecraft", "hovercraft", "offspring", "staff", "crew"))
# Words read between a determiner and its noun: adjectives and nouns before a noun ("these ill
# patients", "this new college campus")
MODIFIERS_BEFORE_NOUN = 2
_ADJECTIVE_TAGS = frozenset(("JJ", "JJR", "JJS", "VBG", "VBN"))
# Subject pronouns and the verb number they take (plural?). "I" takes the plural's forms (I go, I
# have) but "was" and "am" too; "you" is a subject only where a clause starts ("make you do").
SUBJECT_PRONOUNS = {"he": False, "she": False, "it": False, "they": True, "we": True, "you": True, "i": True}
# Pronouns that take a singular verb ("Everyone in the office has")
INDEFINITE_PRONOUNS = frozenset(
    ("everyone", "everybody", "everything", "someone", "somebody", "something", "anyone", "anybody")
    + ("anything", "nobody", "nothing", "no-one")
)
_PAST_AUXILIARIES = frozenset(("was", "were", "wasn't", "weren't"))
_VERBS_OF_EITHER = {"i": frozenset(("was", "wasn't", "am"))}
# A finite form of be, have or do and its number (plural?)
_AUXILIARY_NUMBER = {
    **dict.fromkeys(("is", "was", "has", "does", "doesn't", "isn't", "wasn't", "hasn't"), False),
    **dict.fromkeys(("are", "were", "have", "do", "don't", "aren't", "weren't", "haven't"), True),
}
# The reflexives a subject pronoun, or a plural noun, binds in its own clause ("He hurt himself",
# "The girls hurt themselves"); a name's or a singular noun's gender is not known, and "they" may
# be singular ("Dawn could worry themselves"), so they are left to the model
REFLEXIVES = frozenset(
    (
        "himself",
        "herself",
        "itself",
        "themselves",
        "themself",
        "myself",
        "yourself",
        "ourselves",
        "yourselves",
    )
)
_REFLEXIVE_OF = {
    "he": frozenset(("himself",)),
    "she": frozenset(("herself",)),
    "it": frozenset(("itself",)),
    "they": frozenset(("themselves", "themself")),
    "we": frozenset(("ourselves",)),
    "i": frozenset(("myself",)),
    "you": frozenset(("yourself", "yourselves")),
}
_PLURAL_REFLEXIVES = frozenset(("themselves",))
# Words between a subject and the reflexive of its clause: auxiliaries and adverbs, one verb, one
# preposition ("The girls couldn't really talk to herself")
_MAX_BETWEEN = 6
# A subject's noun may have a prepositional phrase before its verb ("The shows about Monet
# doesn't"): the verb agrees with the noun before it. Not after a noun of quantity or kind, whose
# verb may agree with the noun after "of" ("a lot of boxes have", "the number of cases is")
_POSTMODIFIERS = frozenset(
    ("of", "about", "in", "on", "with", "from", "for", "at", "by", "near", "behind", "under", "without")
)
_QUANTITY_NOUNS = frozenset(
    ("number", "lot", "lots", "majority", "minority", "percent", "half", "rest", "part", "kind", "type")
    + ("sort", "group", "couple", "bunch", "series", "pair", "total", "variety", "range", "set", "plenty")
    + ("amount", "quarter", "third", "fraction", "bulk", "portion", "proportion", "share", "handful")
    + ("dozen", "none", "one", "each", "most", "some", "any", "all", "many", "few", "several")
)
# Nouns of a group, whose verb may be plural when its members are meant ("a growing minority
# are", "the team are", British "the government were"): a plural verb after them is left alone
_COLLECTIVE_NOUNS = _QUANTITY_NOUNS | frozenset(
    ("government", "team", "family", "staff", "crew", "committee", "council", "company", "class")
    + ("audience", "public", "jury", "board", "party", "army", "band", "club", "management", "union")
    + ("firm", "press", "enemy", "crowd", "community", "population", "generation", "faculty", "choir")
)
_NAME_WORDS = 3
# A capitalised plural this much commoner (zipf) than its singular may be a name: wales 4.6 /
# wale 2.7; mirrors 3.8 / mirror 4.5, children 5.5 / child 5.3 are plurals
_NAME_ZIPF_GAP = 1.0
_CONJUNCTIONS = frozenset(
    ("and", "but", "or", "so", "then", "yet", "because", "since", "as")
)  # words of a name in a prepositional phrase ("about Winston Churchill")
# Words after which a demonstrative may be a pronoun subject ("What this shows is")
_WH_WORDS = frozenset(("what", "whatever", "how", "why", "who", "which", "whether"))
# "were" after a singular subject is a subjunctive after these ("if he were", "I wish it were")
_SUBJUNCTIVE = frozenset(("if", "wish", "though", "suppose", "imagine", "unless", "whether"))
# Words after which a clause, and so a subject, starts (besides a sentence's start and , ; :)
_CLAUSE_OPENERS = frozenset(
    ("because", "when", "if", "although", "though", "while", "since", "unless", "whether", "that")
    + ("where", "after", "before", "until", "once", "whereas")
)
# Names ending in s that are singular (Dennis, Lucas, Thomas, Chris), unlike plurals (Americans)
_SINGULAR_NAME_ENDINGS = ("is", "us", "as", "os")
# Verbs whose object may be a clause without "that" ("I think he go", "Wayne said associations
# aggravated himself"): a subject may start after them, though "it" and "you" there may be their
# object ("I know it well"), and the verb of such a subject must be a verb only
_CLAUSE_VERBS = frozenset(
    ("say", "says", "said", "think", "thinks", "thought", "believe", "believes", "believed", "know")
    + ("knows", "knew", "hope", "hopes", "hoped", "guess", "guesses", "guessed", "suppose", "supposes")
    + ("supposed", "imagine", "imagines", "imagined", "realize", "realizes", "realized", "realise")
    + ("realises", "realised", "feel", "feels", "felt", "claim", "claims", "claimed", "explain")
    + ("explains", "explained", "notice", "notices", "noticed")
)
_OBJECT_TOO = frozenset(("it", "you"))
# Plural nouns that often come before another noun ("sales figures", "sports cars")
_PLURAL_MODIFIERS = frozenset(
    ("sales", "sports", "arms", "customs", "goods", "savings", "earnings", "clothes", "news", "glasses")
    + ("communications", "operations", "systems", "services", "materials", "arts", "parts", "animals")
)
_VERB_TAGS = frozenset(("VB", "VBP", "VBZ", "VBD", "VBN", "VBG"))
_CLAUSE_PUNCTUATION = frozenset('.!?;:,"\u201c(')
_SENTENCE_START = re.compile(r"[.!?]")


@dataclass(frozen=True)
class Mismatch:
    """Two words of different numbers that must agree: ``words[first]`` (a determiner, or a
    subject) wants the number ``plural`` of ``words[second]`` (its noun, or its verb).
    ``head`` is the subject's noun (or pronoun, or name), ``first`` for a determiner's pair;
    ``noun_may_change``: the subject's noun may take the verb's number instead (its determiner
    has no number of its own: "the teacher were" -> "the teachers were"), or a determiner's noun
    the determiner's (not after "much": "much friends" -> many friends, not "much friend")."""

    first: int
    second: int
    head: int
    plural: bool
    noun_may_change: bool = False
    # a reflexive's pair: the reflexives its subject binds (``reflexive_mismatches``)
    binds: frozenset[str] = frozenset()


def _key(word: str) -> str:
    return word.replace("\u2019", "'").lower()


def noun_number(word: str) -> bool | None:
    """True for a plural noun, False for a singular one, None for a word that is not a noun or
    may be either ("sheep", "news", "data")."""
    key = _key(word)
    if key in _PLURAL_NOUNS:
        return True
    if key in _EITHER_NUMBER:
        return None
    noun = lexicon.form_tags(key) & {"NN", "NNS"}
    if len(noun) != 1:
        return None
    return "NNS" in noun


def verb_number(word: str) -> bool | None:
    """True for a verb form of a plural subject (are, have, go), False for one of a singular
    subject (is, has, goes), None for a word that is neither or may be either (went, put, can)."""
    key = _key(word)
    if key in _AUXILIARY_NUMBER:
        return _AUXILIARY_NUMBER[key]
    if lexicon.function_class(key):
        return None
    tags = lexicon.form_tags(key)
    if "VBZ" in tags:
        return False
    if "VBP" in tags and not tags & {"VBD", "VBN", "VBG"}:
        return True
    return None


def is_past(word: str) -> bool:
    """Whether a verb of either number is a past form ("was", "weren't"), not a present one."""
    return _key(word) in _PAST_AUXILIARIES


def _can_be_noun(word: str) -> bool:
    return _key(word) in _PLURAL_NOUNS or bool(lexicon.form_tags(_key(word)) & {"NN", "NNS"})


def _auxiliary(word: str) -> bool:
    key = _key(word)
    stem = key[:-3] if key.endswith("n't") else key
    return (
        key in _AUXILIARY_NUMBER
        or key in ("can't", "won't", "shan't")
        or lexicon.function_class(stem) == "AUX"
    )


def _is_verb_like(word: str) -> bool:
    key = _key(word)
    return lexicon.function_class(key) == "AUX" or any(t.startswith("VB") for t in lexicon.form_tags(key))


def _next(text: str, words: Sequence[WordSpan], i: int) -> int | None:
    """The index of the word after ``words[i]`` when only spaces are between, else None."""
    if i + 1 < len(words) and not text[words[i].end : words[i + 1].start].strip():
        return i + 1
    return None


def _noun_phrase(
    text: str, words: Sequence[WordSpan], first: int, verb_may_follow: bool = True
) -> int | None:
    """The index of the noun of a noun phrase starting at ``words[first]``: that word, or the noun
    after at most ``MODIFIERS_BEFORE_NOUN`` adjectives or nouns ("ill patients", "new college
    campus"), with only spaces between; None if there is none. ``verb_may_follow``: a noun before
    a word that may be a verb is the head ("the dog barks"), not where no verb can follow
    ("there are some newspaper articles")."""
    run = [first]
    while len(run) <= MODIFIERS_BEFORE_NOUN:  # the noun and the words before it
        k = _next(text, words, run[-1])
        if k is None or not words[k].word.isalpha():
            break
        run.append(k)
    for n, j in enumerate(run):
        word = words[j].word
        if not word.isalpha() or lexicon.function_class(_key(word)) or words[j].is_number:
            return None
        following = words[run[n + 1]].word if n + 1 < len(run) else None
        if following and _can_be_noun(following) and not lexicon.function_class(_key(following)):
            # an adjective or a noun before a noun ("new campus", "college campus"), not a noun
            # before a word that may be its verb ("the dog barks")
            if lexicon.form_tags(_key(word)) & _ADJECTIVE_TAGS:
                continue
            if noun_number(word) is False and not (verb_may_follow and _is_verb_like(following)):
                continue
        return j if _can_be_noun(word) else None
    return None


def _determined_noun(
    text: str, words: Sequence[WordSpan], i: int, verb_may_follow: bool = True
) -> int | None:
    k = _next(text, words, i)
    return None if k is None else _noun_phrase(text, words, k, verb_may_follow)


def determiner_mismatches(text: str, words: Sequence[WordSpan]) -> list[Mismatch]:
    """Each determiner of ``NUMBER_DETERMINERS`` whose noun is of the other number ("those
    dancer", "every students"), and a determiner of ``MASS_DETERMINERS`` right before a plural
    noun ("much friends"; ``noun_may_change`` False: only the determiner changes). "that" counts
    only before a noun that ends its phrase, not a conjunction or a relative ("said that prices
    rose", "the books that pupils read")."""
    found = []
    for i, det in enumerate(words):
        mass = _key(det.word) in MASS_DETERMINERS
        plural = False if mass else NUMBER_DETERMINERS.get(_key(det.word))
        j = None if plural is None else _determined_noun(text, words, i)
        if mass and j != i + 1:
            continue
        if plural is None or j is None or noun_number(words[j].word) in (None, plural):
            continue
        if _key(det.word) == "that" and _relative_that(text, words, i, j):
            continue
        if _is_verb_like(words[j].word) and any(
            noun_number(words[m].word) == plural for m in range(i + 1, j)
        ):
            continue  # "a giant dies": "giant" may be the noun and "dies" its verb
        if _pronoun_and_verb(text, words, i, j, plural):
            continue
        found.append(Mismatch(i, j, i, plural, noun_may_change=not mass))
    return found


def _pronoun_and_verb(text: str, words: Sequence[WordSpan], i: int, j: int, plural: bool) -> bool:
    """Whether a demonstrative at ``words[i]`` that starts a clause (or may: "I think this works")
    is a pronoun and the word after it its verb ("So this makes sense", "and those look nice";
    not "These book are mine", where a verb follows the noun)."""
    if j != i + 1 or _key(words[i].word) not in DEMONSTRATIVES or verb_number(words[j].word) != plural:
        return False
    before = _word_before(text, words, i)
    if before in _WH_WORDS:
        return True  # "What this shows is": the verb after is the main clause's
    after = _next(text, words, j)
    following = "" if after is None else words[after].word
    if verb_number(following) is not None and not lexicon.form_tags(_key(following)) - _VERB_TAGS:
        return False
    return bool(_clause_start(text, words, i)) or before in _CONJUNCTIONS


def _relative_that(text: str, words: Sequence[WordSpan], i: int, j: int) -> bool:
    """Whether "that" at ``words[i]`` is a conjunction or a relative, not the determiner of the
    noun at ``j``: a finite verb right after it ("the man that fired actresses"), or a verb, a
    pronoun or a determiner right after the noun ("said that prices rose", "the books that
    pupils read")."""
    if lexicon.form_tags(_key(words[i + 1].word)) & {"VBD", "VBZ", "VBP"}:
        return True
    after = _next(text, words, j)
    if after is None:
        return False
    following = words[after].word
    return _is_verb_like(following) or lexicon.function_class(_key(following)) in ("PRON", "DET")


def _clause_start(text: str, words: Sequence[WordSpan], k: int) -> str:
    """Whether a clause starts at ``words[k]``: "yes" at a sentence's start, after , ; : or an
    opening quote, or after a subordinating word ("because", "when", "that"); "maybe" after a
    verb that may take a clause without "that" (``_CLAUSE_VERBS``); "" elsewhere."""
    between = text[words[k - 1].end if k else 0 : words[k].start].strip()
    if between:
        return "yes" if between[-1] in _CLAUSE_PUNCTUATION else ""
    if k == 0:
        return "yes"
    key = _key(words[k - 1].word)
    return "yes" if key in _CLAUSE_OPENERS else "maybe" if key in _CLAUSE_VERBS else ""


def _name(word: WordSpan) -> bool:
    """A singular name ("Sara", "Dennis"; not a plural such as "Americans", "the Alps"): a name
    inside a sentence (``text.word_spans``) or a capitalised word the dictionary does not know
    and the spelling list does ("Diana" opening one; not "Children", nor "Theh" for "They")."""
    key = word.word.lower()
    plural = key.endswith("s") and not key.endswith(_SINGULAR_NAME_ENDINGS)
    if not word.word.isalpha() or plural or lexicon.function_class(key):
        return False
    if word.is_name and not word.sentence_start:
        return True
    return word.word[:1].isupper() and not lexicon.form_tags(key) and spelling.is_known(key)


def _adverb(word: str) -> bool:
    """An adverb that may stand between a subject and its verb ("always", "never", "also"), not
    "not", "to" or a conjunction ("then", "so")."""
    key = _key(word)
    tags = lexicon.form_tags(key)
    return (
        "RB" in tags and tags <= {"RB", "JJ"} and key != "not" and lexicon.function_class(key) in ("", "PART")
    )


def _subject(text: str, words: Sequence[WordSpan], k: int) -> tuple[int, bool, bool, bool] | None:
    """The subject starting at ``words[k]``: its head's index, its number (plural?), whether its
    noun may change number and whether its head is a noun (not a pronoun or a name); None when
    none is sure."""
    key = _key(words[k].word)
    if key in SUBJECT_PRONOUNS and (key != "i" or words[k].word == "I"):
        return k, SUBJECT_PRONOUNS[key], False, False
    if key in INDEFINITE_PRONOUNS:
        return k, False, False, False
    fixed = NUMBER_DETERMINERS.get(key)
    if fixed is not None or key in _OPEN_DETERMINERS:
        j = _determined_noun(text, words, k)
        number = None if j is None else noun_number(words[j].word)
        if j is None or number is None or (fixed is not None and fixed != number):
            return None  # no noun, either number, or a determiner's own mismatch
        return j, number, fixed is None, True
    if _name(words[k]):
        after = _next(text, words, k)
        head = after if after is not None and _name(words[after]) else k  # "Sara Smith"
        return head, False, False, False
    if lexicon.function_class(key):
        return None
    # a bare noun: "Mirrors disgust", "Information is"; not a verb after a relative "that" ("the
    # man that fired actresses is"), nor a singular noun after "that", its determiner ("would
    # that senator realize")
    if _is_verb_like(key) and not words[k].sentence_start:
        return None
    j = _noun_phrase(text, words, k)
    number = None if j is None else noun_number(words[j].word)
    if j is None or number is None or (number is False and _word_before(text, words, k) == "that"):
        return None
    if number and _plural_name(words[j].word):
        return None
    return j, number, True, True


def _plural_name(word: str) -> bool:
    """Whether a capitalised plural may be a name: far commoner than its singular ("Wales is",
    "Woods was"; not "Mirrors disgust": mirror is the commoner)."""
    return (
        word[:1].isupper() and lexicon.zipf(word) > lexicon.zipf(lexicon.lemma(_key(word))) + _NAME_ZIPF_GAP
    )


def _word_before(text: str, words: Sequence[WordSpan], k: int) -> str:
    if k == 0 or text[words[k - 1].end : words[k].start].strip():
        return ""
    return _key(words[k - 1].word)


def _phrase_object(text: str, words: Sequence[WordSpan], p: int) -> int | None:
    """The index of the last word of the object of the preposition at ``words[p]``: a name of up
    to ``_NAME_WORDS`` capitalised words, or a noun phrase after a determiner or none ("about
    Monet", "about the Balkans", "of this dress"); None if it is anything else."""
    k = _next(text, words, p)
    if k is not None and _key(words[k].word) in _DETERMINERS:
        k = _next(text, words, k)
    if k is None or not words[k].word.isalpha():
        return None
    if words[k].word[:1].isupper():
        end = k
        for _ in range(_NAME_WORDS - 1):
            after = _next(text, words, end)
            if after is None or not words[after].word[:1].isupper() or not words[after].word.isalpha():
                break
            end = after
        return end
    return _noun_phrase(text, words, k)


def _may_be_noun_compound(head: str, verb: str, plural: bool) -> bool:
    """Whether a noun and the "verb" after it may be a noun before a noun: a singular noun and a
    word that may be a noun ("the fission process", "my brother care"), or a plural noun that
    often comes before a noun and a plural "verb" ("sales figures"). "The children plays" is a
    noun and its verb."""
    others = lexicon.form_tags(verb) - _VERB_TAGS
    return bool(others) and (not plural or _key(head) in _PLURAL_MODIFIERS or "NNS" not in others)


def _object(head: str, verb: str) -> bool:
    """Whether a name or noun after a verb such as "know" may be its object, not a subject: the
    word after it is not a verb only ("I know Sara well")."""
    return _key(head) not in SUBJECT_PRONOUNS and bool(lexicon.form_tags(verb) - _VERB_TAGS)


def _clause_subjects(
    text: str, words: Sequence[WordSpan]
) -> Iterator[tuple[int, int, bool, bool, bool, bool]]:
    """Each subject that starts a clause: the index of its first word and of its head, its number
    (plural?), whether its noun may change number, whether its head is a noun, and whether the
    clause only may start there (after ``_CLAUSE_VERBS``)."""
    for k, w in enumerate(words):
        start = _clause_start(text, words, k)
        if not start or (start == "maybe" and _key(w.word) in _OBJECT_TOO):
            continue
        subject = _subject(text, words, k)
        if subject is not None:
            yield (k, *subject, start == "maybe")


def subject_mismatches(text: str, words: Sequence[WordSpan]) -> list[Mismatch]:
    """Each subject at the start of a clause whose verb, right after it (or after one adverb:
    "She always go"), is of the other number. Not "were" after a singular subject where the
    sentence has said "if" or "wish" before ("if he were")."""
    found = []
    for k, head, plural, noun_may_change, noun, maybe in _clause_subjects(text, words):
        v = _next(text, words, head)
        modified = noun or _key(words[head].word) in INDEFINITE_PRONOUNS  # "Everyone in the office"
        if modified and v is not None and _key(words[v].word) in _POSTMODIFIERS:
            if _key(words[v].word) == "of" and _key(words[head].word) in _QUANTITY_NOUNS:
                continue
            end = _phrase_object(text, words, v)
            v = None if end is None else _next(text, words, end)
        if v is not None and _adverb(words[v].word):
            v = _next(text, words, v)  # one adverb: "She always go", "He often forget"
        if v is None:
            continue
        verb = _key(words[v].word)
        number = verb_number(verb)
        if number is None or number == plural or verb in _VERBS_OF_EITHER.get(_key(words[head].word), ()):
            continue
        head_word = words[head].word
        if number and noun and _key(head_word) in _COLLECTIVE_NOUNS:
            continue
        if _may_be_noun_compound(head_word, verb, plural) if noun else maybe and _object(head_word, verb):
            continue
        if not plural and verb in ("were", "weren't"):
            opening = _SENTENCE_START.split(text[max(0, words[k].start - 200) : words[k].start])[-1]
            if {_key(x) for x in re.findall(r"[\w']+", opening)} & _SUBJUNCTIVE:
                continue
        found.append(Mismatch(k, v, head, plural, noun_may_change))
    return found + _existential_mismatches(text, words)


def _existential_mismatches(text: str, words: Sequence[WordSpan]) -> list[Mismatch]:
    """Each "there is" or "there are" whose noun, right after it (after a determiner, adjectives
    or a number), is of the other number ("There is many reasons", "There are a problem", "There
    was two cats"). ``first`` is "there", ``head`` the noun, ``second`` the verb, which is the
    one to change."""
    found = []
    for k, w in enumerate(words):
        if _key(w.word) != "there" or _clause_start(text, words, k) != "yes":
            continue
        v = _next(text, words, k)
        number = None if v is None else _AUXILIARY_NUMBER.get(_key(words[v].word))
        if v is None or number is None or _key(words[v].word) in ("do", "does", "don't", "doesn't"):
            continue
        if _key(words[v].word) in ("have", "has", "haven't", "hasn't"):
            continue  # "there have been": the participle's noun comes later
        start = _next(text, words, v)
        if start is None:
            continue
        key = _key(words[start].word)
        fixed = NUMBER_DETERMINERS.get(key)
        if words[start].is_number:  # "two cats": plural, and the noun may not change
            j = _next(text, words, start)
            j = None if j is None else _noun_phrase(text, words, j, verb_may_follow=False)
            plural = key not in ("one", "1") if j is not None else None
        elif fixed is not None or key in _OPEN_DETERMINERS:
            j = _determined_noun(text, words, start, verb_may_follow=False)
            plural = None if j is None else noun_number(words[j].word)
            if plural is not None and fixed is not None and fixed != plural:
                continue  # the determiner's own slip
        elif lexicon.form_tags(key) & {"VBG", "VBN"}:
            continue  # "There were failing to be", "There were bound to be"
        else:
            j = _noun_phrase(text, words, start, verb_may_follow=False)
            plural = None if j is None else noun_number(words[j].word)
        if j is None or plural is None or plural == number:
            continue
        if _key(words[j].word) in _QUANTITY_NOUNS and _next(text, words, j) is not None:
            continue  # "There is a lot of people", "There is a number of ways"
        found.append(Mismatch(k, v, j, plural))  # the verb changes ("There is cat" is no fix)
    return found


def _bound_reflexive(text: str, words: Sequence[WordSpan], head: int) -> int | None:
    """The index of the reflexive that the subject at ``words[head]`` binds in its clause: after
    its auxiliaries, adverbs, one verb and at most one preposition, spaces only between ("The
    girls couldn't really talk to herself"); None if there is none."""
    verb = preposition = False
    k: int | None = head
    for _ in range(_MAX_BETWEEN + 1):
        k = None if k is None else _next(text, words, k)
        if k is None:
            return None
        key = _key(words[k].word)
        if key in REFLEXIVES:
            return k if verb else None
        if preposition:
            return None
        if _auxiliary(key) or key == "not" or _adverb(key):
            if verb and not _adverb(key):
                return None
            continue
        if not verb and _is_verb_like(key) and not lexicon.function_class(key):
            verb = True
        elif verb and lexicon.function_class(key) == "ADP":
            preposition = True
        else:
            return None
    return None


def reflexive_mismatches(text: str, words: Sequence[WordSpan]) -> list[Mismatch]:
    """Each reflexive that its clause's subject cannot bind: another person's or gender's after a
    subject pronoun ("He hurt herself": himself), a singular one after a plural noun ("The girls
    discovered herself": themselves). ``binds`` holds the reflexives that fit."""
    found = []
    for k, head, plural, _, noun, _ in _clause_subjects(text, words):
        key = _key(words[head].word)
        binds = _PLURAL_REFLEXIVES if noun and plural else _REFLEXIVE_OF.get(key) if not noun else None
        r = None if binds is None else _bound_reflexive(text, words, head)
        if binds is None or r is None or _key(words[r].word) in binds:
            continue
        found.append(Mismatch(k, r, head, plural, binds=binds))
    return found
