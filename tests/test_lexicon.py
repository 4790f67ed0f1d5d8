"""Word forms for exercises and proofreading: lemmas, inflections, classes, form tags, frequency."""

from __future__ import annotations

from cloze_app.core.learn import lexicon


def test_inflections_join_every_form_of_a_word_irregular_ones_too() -> None:
    assert {"go", "goes", "going", "went", "gone"} <= lexicon.inflections("went")
    assert {"run", "runs", "ran", "running"} <= lexicon.inflections("Runs")
    assert {"child", "children"} <= lexicon.inflections("children")
    assert lexicon.inflections("blorptastic") == frozenset({"blorptastic"})


def test_same_lemma_tells_a_wrong_form_from_another_word() -> None:
    assert lexicon.same_lemma("went", "gone")
    assert lexicon.same_lemma("run", "runs")
    assert not lexicon.same_lemma("run", "walk")
    assert lexicon.lemma("went") == "go"
    assert lexicon.lemma("children") == "child"


def test_form_tags_give_class_and_form_past_participles_included() -> None:
    assert lexicon.form_tags("walked") == {"VBD", "VBN"}
    assert lexicon.form_tags("went") == {"VBD"}
    assert lexicon.form_tags("runs") == {"NNS", "VBZ"}
    assert lexicon.form_tag("runs", context=["VBZ"]) == "VBZ"
    assert lexicon.form_tag("bakeries") == "NNS"
    assert lexicon.word_class("bakery") == lexicon.NOUN
    assert lexicon.word_class("quickly") == lexicon.ADV
    assert lexicon.inflect("go", "VBN") == ("gone",)


def test_closed_class_words_are_function_words_even_when_also_content_words() -> None:
    for word, cls in (("the", "DET"), ("while", "CONJ"), ("like", "ADP"), ("she", "PRON"), ("must", "AUX")):
        assert lexicon.is_function_word(word)
        assert lexicon.word_class(word) == cls
    assert not lexicon.is_function_word("bakery")
    assert "NOUN" in lexicon.word_classes("while")


def test_zipf_orders_common_over_rare_words() -> None:
    assert lexicon.zipf("the") > lexicon.zipf("table") > lexicon.zipf("bakery") > 0.0
    assert lexicon.zipf("blorptastic") == 0.0


def test_the_slot_votes_for_the_reading_of_an_ambiguous_word() -> None:
    verbs = [("flows", 0.3), ("passing", 0.2), ("passed", 0.1), ("and", 0.4)]
    assert lexicon.vote_tag("runs", verbs) == "VBZ"
    assert lexicon.vote_tag("runs", [("points", 0.2), ("goals", 0.1), ("people", 0.1)]) == "NNS"
    assert lexicon.vote_tag("runs", []) == "NNS"  # no evidence: the commonest reading


def test_common_words_by_form_come_commonest_first_without_function_words() -> None:
    past = lexicon.common_words("VBD")
    assert len(past) > 500
    assert all("VBD" in lexicon.form_tags(w) for w, _ in past[:50])
    assert [z for _, z in past] == sorted((z for _, z in past), reverse=True)
    assert not any(lexicon.is_function_word(w) for w, _ in lexicon.common_words("NN"))
    assert lexicon.zipf("went") == dict(past)["went"]


def test_nearest_common_words_are_the_nearest_in_frequency_of_those_accepted() -> None:
    def by_scan(tag: str, target: float, accept: object) -> list[str]:
        near = [(w, abs(z - target)) for w, z in lexicon.common_words(tag) if abs(z - target) <= 1.0]
        return [w for w, _ in sorted((p for p in near if accept(p[0])), key=lambda p: p[1])[:120]]  # type: ignore[operator]

    for tag in ("NN", "VBD", "JJ"):
        for target in (2.5, 3.0, 4.2, 6.0, 9.0):
            for accept in (lambda w: True, lambda w: "e" in w, lambda w: w.endswith("zz")):
                found = lexicon.nearest_common_words(tag, target, 1.0, 120, accept)
                assert found == by_scan(tag, target, accept)
                assert all(accept(w) for w in found)
    assert len(lexicon.nearest_common_words("NN", 4.0, 1.0, 120, lambda w: True)) == 120
