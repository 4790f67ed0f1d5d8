"""Which words must agree in number (``agreement``): read from the dictionary, no model."""

from __future__ import annotations

from cloze_app.core.learn import agreement
from cloze_app.core.text import word_spans


def _determiners(text: str) -> list[tuple[str, str]]:
    words = word_spans(text)
    return [(words[m.first].word, words[m.second].word) for m in agreement.determiner_mismatches(text, words)]


def _subjects(text: str) -> list[tuple[str, str, bool, bool]]:
    words = word_spans(text)
    return [
        (words[m.head].word, words[m.second].word, m.plural, m.noun_may_change)
        for m in agreement.subject_mismatches(text, words)
    ]


def _reflexives(text: str) -> list[tuple[str, str, frozenset[str]]]:
    words = word_spans(text)
    return [
        (words[m.head].word, words[m.second].word, m.binds)
        for m in agreement.reflexive_mismatches(text, words)
    ]


def test_a_determiner_is_paired_with_its_noun_past_adjectives_and_a_noun_before_it() -> None:
    assert _determiners("Marie left those dancer behind.") == [("those", "dancer")]
    assert _determiners("I read every books twice.") == [("every", "books")]
    assert _determiners("Dana lifted these new college campus.") == [("these", "campus")]
    assert _determiners("Many book were sold.") == [("Many", "book")]
    assert _determiners("I have much friends here.") == [("much", "friends")]  # many


def test_pairs_that_agree_or_are_not_a_determiner_and_its_noun_are_left_alone() -> None:
    for text in (
        "Marie left those dancers behind.",
        "He said that prices rose.",  # a conjunction
        "The books that pupils read are old.",  # a relative
        "The organization that fired actresses is small.",
        "So this makes sense.",  # a pronoun
        "I think this works.",  # a pronoun where a clause may start
        "He says these help a lot.",
        "What this shows is that we were right.",
        "We meet every two weeks.",  # a number between
        "These sheep graze here.",  # either number
        "These people are kind.",
        "This aircraft is new.",
        "As when a giant dies, the ground shakes.",  # "giant" may be the noun, "dies" its verb
        "They sent much needed supplies.",  # "much" an adverb of "needed"
        "How much money do you have?",
    ):
        assert _determiners(text) == [], text


def test_a_subject_and_the_verb_right_after_it_are_paired() -> None:
    # the noun may change when its determiner has no number of its own
    assert _subjects("The teacher were falling asleep.") == [("teacher", "were", False, True)]
    assert _subjects("All mirrors disgusts Suzanne.") == [("mirrors", "disgusts", True, True)]
    assert _subjects("Every crisis haven't scared David.") == [("crisis", "haven't", False, False)]
    # pronouns and names, an adverb between, after a subordinating word or a comma
    assert _subjects("She always go to school.") == [("She", "go", False, False)]
    assert _subjects("Sara aren't irritating Nancy.") == [("Sara", "aren't", False, False)]
    assert _subjects("I stayed home because it rain.") == [("it", "rain", False, False)]
    assert _subjects("When I arrived, the dogs was barking.") == [("dogs", "was", True, True)]
    # "everyone" is singular, "there is" agrees with the noun after it
    assert _subjects("Everyone in the office have a computer.") == [("Everyone", "have", False, False)]
    assert _subjects("There is many reasons to learn English.") == [("reasons", "is", True, False)]
    assert _subjects("There was two cats in the garden.") == [("cats", "was", True, False)]
    assert _subjects("There are a problem.") == [("problem", "are", False, False)]
    # a clause without "that" after a verb such as "think"
    assert _subjects("I think he go there every day.") == [("he", "go", False, False)]
    # a prepositional phrase between the noun and its verb
    assert _subjects("The shows about Monet doesn't confuse Andrea.") == [("shows", "doesn't", True, True)]
    assert _subjects("The paintings of Matt isn't lost.") == [("paintings", "isn't", True, True)]


def test_subjects_and_verbs_that_agree_or_may_be_read_otherwise_are_left_alone() -> None:
    for text in (
        "The teacher was falling asleep.",
        "She goes to school.",
        "I was late, and I am sorry.",
        "If he were rich, he would travel.",  # a subjunctive
        "I wish it were true.",
        "The fission process produces neutrons.",  # a noun before a noun, not a verb
        "Sales figures show a rise.",
        "The drawings of this dress shop are old.",  # "dress shop", not "dress" and its verb
        "The number of students are rising.",  # a noun of quantity before "of"
        "A lot of boxes have arrived.",
        "The cat and the dog are asleep.",  # not a clause's start
        "Cats and dogs are friends.",
        "The sheep eat grass.",  # either number
        "Americans love baseball.",  # a plural name
        "Wales is beautiful.",  # a name far commoner than its singular ("wale")
        "Theh often have blotches.",  # a misspelling, not a name
        "He must go now.",  # a modal
        "They put it there.",  # a past or a present
        "Who would that senator realize she was listening to?",
        "I know it well.",
        "There is a lot of people here.",  # "a lot of": its noun decides, loosely
        "There have been many changes.",
        "Is there any milk?",  # "it" and "you" after "know" may be its object
        "She told you was the best.",
        "I think the process works.",
    ):
        assert _subjects(text) == [], text


def test_a_reflexive_must_fit_the_subject_of_its_clause() -> None:
    assert _reflexives("He hurt herself.") == [("He", "herself", frozenset({"himself"}))]
    assert _reflexives("The girls discovered herself.") == [("girls", "herself", frozenset({"themselves"}))]
    assert _reflexives("The teachers couldn't really talk to himself.") == [
        ("teachers", "himself", frozenset({"themselves"}))
    ]
    # the subject of a clause after "said", not the subject of "said"
    assert _reflexives("Wayne said associations aggravated himself.") == [
        ("associations", "himself", frozenset({"themselves"}))
    ]
    for text in (
        "He hurt himself.",
        "The boys said Mary hurt herself.",
        "The girls discovered themselves.",
        "Dawn could worry themselves.",  # a name's gender is not known; "they" may be singular
        "The man hurt herself.",  # nor a singular noun's
        "She gave him a picture of himself.",  # not right after its verb
    ):
        assert _reflexives(text) == [], text
