"""The checker's candidates: the dictionary, spelling neighbours (keyboard slips cost less),
confusion sets, and scoring given words at given places with only the rows they need."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cloze_app.core.engine.candidates import AfterEdit, SlotQuery, score_candidates
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.learn import confusion, spelling
from cloze_app.core.learn.proofread import word_slots
from cloze_app.core.text import word_spans
from tests.checker_models import SURE, learner_model


def test_the_dictionary_knows_words_contractions_and_compounds_not_misspellings() -> None:
    for word in ("the", "went", "information", "colour", "don't", "She'll", "well-known", "I"):
        assert spelling.is_known(word), word
    for word in ("informations", "recieve", "thier", "teached", "alot", ""):
        assert not spelling.is_known(word), word


def test_spelling_neighbours_are_common_words_nearest_first() -> None:
    assert spelling.neighbours("recieve")[0] == ("receive", 1.0)
    assert ("problem", 1.0) in spelling.neighbours("promblem")
    assert spelling.neighbours("tommorow")[0][0] == "tomorrow"  # two edits away
    assert spelling.edit_distance("cat", "cst") == 0.5  # s is next to a on the keyboard
    assert spelling.edit_distance("cat", "cpt") == 1.0
    assert spelling.edit_distance("form", "from") == 1.0  # one transposition
    # a letter doubled or undoubled is the commonest slip after a neighbouring key: half an edit
    assert (
        spelling.edit_distance("writting", "writing")
        == spelling.edit_distance("begining", "beginning")
        == 0.5
    )
    assert spelling.neighbours("writting")[0] == ("writing", 0.5)  # before waiting, as near by letters
    assert spelling.edit_distance("cat", "cats") == 1.0
    # a known word gets only real words one edit away: a real-word slip
    assert {"from", "for"} <= {w for w, _ in spelling.neighbours("form")}
    assert all(cost <= 1.0 for _, cost in spelling.neighbours("form"))


def test_a_british_or_american_spelling_is_no_misspelling_of_the_other() -> None:
    for british, american in (
        ("colour", "color"),
        ("recognisable", "recognizable"),
        ("centre", "center"),
        ("travelled", "traveled"),
        ("defence", "defense"),
        ("programme", "program"),
    ):
        assert spelling.variants(british, american) and spelling.variants(american, british)
    for a, b in (("four", "for"), ("form", "from"), ("then", "than"), ("practise", "practice")):
        assert not spelling.variants(a, b), (a, b)  # real slips stay candidates
    assert "color" in {w for w, _ in spelling.neighbours("colour")}  # one edit away, but
    assert "color" not in {a.word for a in confusion.alternatives("colour")}
    assert "recognizable" not in {a.word for a in confusion.alternatives("recognisable")}
    assert "for" in {a.word for a in confusion.alternatives("form")}


def test_confusion_sets_hold_forms_confusables_class_members_and_spellings() -> None:
    def kinds(word: str) -> dict[str, str]:
        return {a.word: a.kind for a in confusion.alternatives(word)}

    def base_kinds(text: str, word: str) -> dict[str, str]:
        """The candidates of ``word`` in ``text``, where the words around it may want a form of it."""
        words = word_spans(text)
        slot = dict(zip((w.word for w in words), word_slots(text, words), strict=True))[word]
        return {a.word: a.kind for a in confusion.alternatives(word, slot=slot)}

    # a content word's form of another number or person is a number slip, an auxiliary's an
    # agreement slip; another tense is another form
    assert {"goes": "number", "went": "inflection", "gone": "inflection"}.items() <= kinds("go").items()
    assert kinds("children")["child"] == "number" and kinds("has")["have"] == "agreement"
    assert kinds("were")["was"] == "agreement" and kinds("is")["was"] == "inflection"
    assert kinds("does")["doing"] == "inflection"  # "does" is also a doe's plural, not doing's
    assert kinds("informations")["information"] == "number"  # a wrongly made plural
    assert kinds("teached")["taught"] == "inflection"
    assert kinds("their")["there"] == "homophone" and kinds("their")["theirs"] == "agreement"
    # words that sound or look alike are homophones (a margin of their own); other confusables not
    assert kinds("its")["it's"] == "homophone" and kinds("loose")["lose"] == "homophone"
    assert kinds("effects")["affects"] == "homophone"  # by their lemmas, affect/effect
    assert kinds("much")["many"] == "confusable" and kinds("make")["do"] == "confusable"
    # closed-class forms that differ only in agreement: number, person, gender, case
    assert kinds("this")["these"] == "agreement" and kinds("this")["those"] == "closed"
    assert kinds("him")["he"] == "agreement"
    assert kinds("herself")["she"] == "agreement" and kinds("they")["themselves"] == "agreement"
    # a reflexive of another person, and an object pronoun's reflexive: what it refers to decides
    assert {"himself", "themselves"} <= {w for w, k in kinds("herself").items() if k == "reference"}
    assert kinds("them")["themselves"] == "reference" and kinds("me")["myself"] == "reference"
    assert "her" not in kinds("herself")  # the model prefers the commoner pronoun where both fit
    # a learner's ever/never/every/even and even/only
    assert {"never", "every", "even"} <= {w for w, k in kinds("ever").items() if k == "confusable"}
    assert kinds("only")["even"] == "confusable"
    assert kinds("don't")["doesn't"] == "agreement" and kinds("wasn't")["weren't"] == "agreement"
    # a contraction of another tense is another form, not an agreement slip
    assert kinds("hasn't")["hadn't"] == "inflection" and kinds("isn't")["wasn't"] == "inflection"
    assert kinds("wasn't")["aren't"] == "inflection" and kinds("hasn't")["haven't"] == "agreement"
    # a verb's simple past for its past participle and back: "I have went", "the broke plate"
    assert kinds("went")["gone"] == "participle" and kinds("gone")["went"] == "participle"
    assert kinds("broke")["broken"] == "participle" and kinds("hid")["hidden"] == "participle"
    assert kinds("went")["go"] == "inflection" and kinds("gone")["going"] == "inflection"
    assert "participle" not in kinds("walked").values()  # its past and participle are one word
    # after a modal or "do" only a verb's base form fits: "didn't went", "can swims", "Did you finished"
    assert kinds("went")["go"] == "inflection" and kinds("swims")["swim"] == "number"  # elsewhere
    for text, word, base in (
        ("I didn't went there.", "went", "go"),
        ("She can swims well.", "swims", "swim"),
        ("He doesn't really likes it.", "likes", "like"),
        ("Did you finished it?", "finished", "finish"),
        ("It will not rains today.", "rains", "rain"),
        ("They must left early.", "left", "leave"),
    ):
        assert base_kinds(text, word)[base] == "base", text
    for text, word in (
        ("I look forward to going home.", "going"),  # "to" the preposition takes -ing
        ("You should to go.", "to"),  # "to" is left out
        ("Do cats eat fish?", "cats"),  # a plural noun right after "do"
        ("We can put it here.", "put"),  # already its base form
        ("Some stairs would bore these men.", "bore"),  # a base form, though also bear's past
        ("I did it, went home.", "went"),  # not across a comma
        ("The children went home.", "went"),  # no modal or do before it
        ("Can they see? Lived here.", "Lived"),  # nor from the sentence before
    ):
        assert "base" not in base_kinds(text, word).values(), text
    # after "have" only a past participle fits: "I have ate", "she has live", "Have you ever ate"
    for text, word, form in (
        ("I have ate it.", "ate", "eaten"),
        ("She has live here for years.", "live", "lived"),
        ("Have you ever ate sushi?", "ate", "eaten"),
        ("He had went home.", "went", "gone"),
        ("They've already took it.", "took", "taken"),
        ("The letter was wrote by hand.", "wrote", "written"),  # a passive's participle
    ):
        assert base_kinds(text, word)[form] == "perfect", text
    for text, word in (
        ("You had better go.", "better"),  # "had better" wants a base form after it
        ("I have come home.", "come"),  # already its participle
        ("We have walked home.", "walked"),  # its past and participle are one word
        ("I took it, ate it.", "ate"),  # no "have" before it
        ("The window was broke.", "broke"),  # after "be", a past that is also an adjective
        ("The door was open.", "open"),  # after "be", no simple past
    ):
        assert "perfect" not in base_kinds(text, word).values(), text
    assert "ate" not in base_kinds("I have already eaten.", "eaten")  # no simple past after "have"
    assert base_kinds("The dog has eaten.", "eaten")["eat"] == "inflection"
    # after a preposition a verb's -ing form: "look forward to meet", "interested in learn"
    for text, word, form in (
        ("I look forward to meet you.", "meet", "meeting"),
        ("She is interested in learn English.", "learn", "learning"),
        ("Thank you for help me.", "help", "helping"),
        ("He left without say goodbye.", "say", "saying"),
        ("I'm used to get up early.", "get", "getting"),
    ):
        assert base_kinds(text, word)[form] == "gerund", text
    for text, word in (
        ("I used to play football.", "play"),  # "used to" without be or get: the infinitive
        ("I want to go home.", "go"),  # "to" the infinitive's
        ("She is good at swimming.", "swimming"),  # already its -ing form
    ):
        assert "gerund" not in base_kinds(text, word).values(), text
    assert "is" not in base_kinds("I used to play football.", "I")  # no real-word slip of "I"
    # where the sentence says when, in the past, a present form's simple past: "Yesterday I go"
    for text, word, form in (
        ("Yesterday I go to school.", "go", "went"),
        ("He goes to London yesterday.", "goes", "went"),
        ("Two years ago we move here.", "move", "moved"),
        ("Last week she is ill.", "is", "was"),
    ):
        assert base_kinds(text, word)[form] == "past", text
    for text, word in (
        ("I go to school every day.", "go"),  # nothing says when
        ("Yesterday I wanted to go.", "go"),  # an infinitive
        ("Last year the visit was short.", "visit"),  # a noun after its determiner
        ("Last year was good.", "Last"),  # the words that say when
        ("I go there. Yesterday I went.", "go"),  # another sentence says when
        ("Yesterday I put it here.", "put"),  # its present and past are one word
    ):
        assert "past" not in base_kinds(text, word).values(), text
    assert base_kinds("Yesterday I didn't went.", "went")["go"] == "base"  # "do" wants its base form
    # an emphatic do is grammatical before any bare verb: never tried deleted, unlike "have"
    assert {"do", "does", "did"}.isdisjoint(confusion.DELETABLE) and "have" in confusion.DELETABLE
    # an auxiliary making a verb group with the next word is another tense, voice or mood, not an
    # extra word; a learner's "am agree", "was went", "have went" are
    for aux, after in (("has", "brightened"), ("was", "ripening"), ("is", "boasted"), ("been", "easier")):
        assert not confusion.deletable(aux, after), (aux, after)
    assert not confusion.deletable("will", "reference") and not confusion.deletable("do", "go")
    for aux, after in (("are", "agree"), ("was", "went"), ("have", "went"), ("the", "work"), ("to", "home")):
        assert confusion.deletable(aux, after), (aux, after)
    assert kinds("a")["an"] == "agreement" and kinds("a")["the"] == "closed"
    assert kinds("is")["are"] == "agreement"  # lemminflect's forms of "be" come first
    assert {"each", "all", "some"} <= set(kinds("every")) and kinds("no")["some"] == "closed"  # quantifiers
    assert kinds("what")["that"] == "confusable"
    assert {"on", "at", "to"} <= set(kinds("in")) and kinds("in")["on"] == "closed"
    assert kinds("recieve")["receive"] == "spelling"
    assert "go" not in kinds("go")  # never the word itself
    assert "dave" not in kinds("have")  # a name is no candidate


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> ClozeEngine:
    return ClozeEngine.load(learner_model(tmp_path_factory.mktemp("learner")))


def test_candidates_are_scored_in_place_and_one_piece_words_share_one_row(engine: ClozeEngine) -> None:
    text = "she go to school every days ."
    engine.decoder.reads.clear()  # nothing remembered from other tests' questions
    rows = engine.decoder.runner.rows_run
    (go,), _ = score_candidates(engine, text, [SlotQuery(4, 6, ("goes", "went", "gone", "going"))])
    assert engine.decoder.runner.rows_run - rows == 1  # the written word and 4 candidates: one row
    assert (
        go.words[0] == "goes" and go.log_probs[0] > -1.0 and go.written < -SURE + 1
    )  # "she" wants goes or is
    assert go.pieces == (1, 1, 1, 1) and go.written_pieces == 1


def test_a_written_word_already_scored_is_not_run_again(engine: ClozeEngine) -> None:
    """The checker's second question about a word asks only for new candidates: the written
    word's own rows (scored by the first question) are not run again."""
    text = "she go to school every days ."
    engine.decoder.reads.clear()  # nothing remembered from other tests' questions
    rows = engine.decoder.runner.rows_run
    (first,), _ = score_candidates(engine, text, [SlotQuery(4, 6, ("goes",))])
    assert engine.decoder.runner.rows_run - rows == 1
    engine.decoder.reads.clear()
    rows = engine.decoder.runner.rows_run
    (again,), _ = score_candidates(engine, text, [SlotQuery(4, 6, ("goes",), written=False)])
    assert engine.decoder.runner.rows_run - rows == 1  # the candidate's row only (it is shared)
    assert math.isnan(again.written) and again.log_probs[0] == pytest.approx(first.log_probs[0], abs=1e-4)
    rows = engine.decoder.runner.rows_run
    (remembered,), _ = score_candidates(engine, text, [SlotQuery(4, 6, ("goes",), written=False)])
    assert engine.decoder.runner.rows_run - rows == 0  # asked before: its row's values are remembered
    assert remembered.log_probs == again.log_probs
    rows = engine.decoder.runner.rows_run
    (place,), _ = score_candidates(engine, text, [SlotQuery(4, 6, (), written=False)])
    assert engine.decoder.runner.rows_run - rows == 0  # nothing new asked: no row at all
    assert math.isnan(place.written) and place.words == ()


def test_an_insertion_place_between_adjacent_words_sees_its_own_neighbours(engine: ClozeEngine) -> None:
    """Each of several adjacent places is scored where it is (the gap before "house" follows
    "in", not the sentence start)."""
    text = "she is in house ."
    queries = [SlotQuery(0, 3, ("he",)), SlotQuery(0, 0, ("the",)), SlotQuery(10, 10, ("the", "a"))]
    (she, start_gap, gap), (house_after,) = score_candidates(
        engine, text, queries, [AfterEdit(10, 10, "the", 10, 15)]
    )
    assert gap.written == 0.0 and gap.log_probs[0] > -0.01  # "in" wants "the"
    assert start_gap.log_probs[0] < -SURE + 1  # the sentence start does not
    assert house_after > -1.0  # and "the" wants "house"
    (house,), _ = score_candidates(engine, text, [SlotQuery(10, 15, ())])
    assert house.written < -SURE + 1  # as written, "house" after "in" is unlikely


def test_a_deletion_rescoring_reads_the_next_word_without_the_deleted_one(engine: ClozeEngine) -> None:
    text = "she is a the cat ."
    _, (cat_without_the,) = score_candidates(engine, text, [], [AfterEdit(9, 12, "", 13, 16)])
    (cat,), _ = score_candidates(engine, text, [SlotQuery(13, 16, ())])
    assert cat_without_the > cat.written + 0.5  # after "a", "cat" is what the model wants


def test_a_place_inside_a_longer_token_is_not_scored(engine: ClozeEngine, tmp_path: Path) -> None:
    (inside,), _ = score_candidates(engine, "she goes .", [SlotQuery(1, 2, ("x",))])
    assert inside.written == float("-inf") and inside.log_probs == (float("-inf"),)
