"""The engine's numbered behaviours, asserted exactly on tiny models with chosen logits."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from cloze_app.core.engine.decoding import BeamWidths
from cloze_app.core.engine.engine import ClozeEngine
from cloze_app.core.errors import EmptyTextError, NoBlankError, TooManyBlanksError
from tests.conftest import PIECES, WORDS
from tests.tinymodels import WORDPIECE, wordpiece_tokenizer, write_model_folder

EXPECTED_ORDER = ["cat", "foot", "football", "dog", "mat"]


@pytest.fixture(params=["tiny_model_dir", "tiny_sp_model_dir", "tiny_bpe_model_dir"])
def engine(request: pytest.FixtureRequest) -> ClozeEngine:
    """The same preferences in each tokenizer family (one thread: runs are counted exactly)."""
    return ClozeEngine.load(request.getfixturevalue(request.param), threads=1)


def words(result_blank) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.word for c in result_blank.candidates]


def test_blanks_are_underscores_and_the_mask_token(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    found = engine.find_blanks("a __ b ____ c _ d [MASK] e")
    assert [(b.start, b.end) for b in found] == [(2, 4), (7, 11), (18, 24)]
    result = engine.fill("the [MASK] sat on the ___ .")
    assert len(result.blanks) == 2


def test_ranking_merges_multi_piece_words_in_every_family(engine: ClozeEngine) -> None:
    result = engine.fill("i saw the ___ there", top_k=5)
    assert words(result.blanks[0]) == EXPECTED_ORDER
    football = result.blanks[0].candidates[2]
    assert len(football.token_ids) == 2  # generated piece by piece, not only the first piece


def test_candidates_are_whole_words_with_probabilities(engine: ClozeEngine) -> None:
    result = engine.fill("i saw the ___ there", top_k=50)
    shown = result.blanks[0].candidates
    assert sum(c.score for c in shown) <= 1.0 + 1e-9
    assert [c.score for c in shown] == sorted((c.score for c in shown), reverse=True)
    texts = [c.word for c in shown]
    assert len(texts) == len(set(texts))
    info = engine.token_info
    for candidate in shown:
        assert candidate.word.isalpha(), candidate  # no punctuation or special tokens
        assert candidate.word not in ("ball", "ing", "s")  # continuation pieces are never words
        first, *rest = candidate.token_ids
        assert info.first_spaced[first] and all(info.continuation[i] for i in rest)
    assert "football" in texts


def test_candidate_score_is_pll_word_l2r(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    football = next(
        c for c in engine.fill("i saw the ___ there", top_k=10).blanks[0].candidates if c.word == "football"
    )
    # foot with two masks in place, then ##ball with foot filled: both from the tiny graph's tables.
    vocab = len(engine.tokenizer.get_vocab())
    prior = {"cat": 3.0, "foot": 2.5, "dog": 2.0, "mat": 1.0, "[MASK]": 1.0}
    base = sum(math.exp(v) for v in prior.values()) + (vocab - len(prior))
    lp_foot = 2.5 - math.log(base)
    lp_ball = 9.0 - math.log(base - 1 + math.exp(9.0))
    assert football.log_prob == pytest.approx(lp_foot + lp_ball, abs=1e-4)


def test_several_blanks_are_decoded_jointly(tmp_path: Path) -> None:
    tok = wordpiece_tokenizer(WORDS, PIECES)
    folder = write_model_folder(
        tmp_path / "joint",
        tok,
        WORDPIECE,
        prior={"[MASK]": {"dog": 5.0, "barked": 1.0, "sat": 0.5}},
        context={"dog": {"dog": -6.0, "barked": 3.0}},
    )
    engine = ClozeEngine.load(folder)
    alone = engine.fill("___ .")
    assert alone.blanks[0].best == "Dog"
    result = engine.fill("___ ___ .", top_k=3, n_fillings=3)
    assert [b.best for b in result.blanks] == ["Dog", "barked"]
    assert result.filled == "Dog barked ."
    texts = [f.text for f in result.fillings]
    assert texts[0] == "Dog barked ." and len(texts) == len(set(texts)) == 3
    assert [f.log_prob for f in result.fillings] == sorted(
        (f.log_prob for f in result.fillings), reverse=True
    )


def test_user_options_of_any_length_are_ranked(engine: ClozeEngine) -> None:
    scores = engine.score_options("i saw the ___ there", ["dog", "football", "cat", "cats", "mat on the"])
    ranked = [s.option for s in scores]
    assert ranked[:3] == ["cat", "football", "dog"]
    assert sum(s.score for s in scores) == pytest.approx(1.0)
    assert scores[0].text == "i saw the cat there"
    assert {s.option for s in scores} == {"dog", "football", "cat", "cats", "mat on the"}


def test_unknown_word_option_is_scored_not_rejected(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    scores = engine.score_options("the ___ sat", ["zebra", "cat"])
    assert [s.option for s in scores] == ["cat", "zebra"]
    assert math.isfinite(scores[1].log_prob)


def test_options_use_one_batched_run(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    before = engine.session_runs
    engine.score_options("the ___ sat", ["cat", "football", "dog", "on the mat"])
    assert engine.session_runs - before == 1


def test_rows_with_the_same_tokens_run_once_and_read_what_each_asks(engine: ClozeEngine) -> None:
    """One-piece options all read the same one-mask row; joint filling asks one row per blank
    while the others hold masks. Each row is run once and every ask gets its own positions."""
    _, doc = engine._blanks_doc("the ___ sat on the foot ___ there")
    info, runner = engine.token_info, engine.decoder.runner
    masks = [[info.mask_id], [info.mask_id]]
    first, second = (doc.row(info, masks, t, [0], 16) for t in (0, 1))
    assert first.ids == second.ids and first.positions != second.positions
    alone = [runner.log_probs([row])[0] for row in (first, second)]
    cells = runner.tokens_run
    together = runner.log_probs([first, second, first])
    assert runner.tokens_run - cells == len(first.ids)  # one row of work
    for got, want in zip(together, [*alone, alone[0]], strict=True):
        assert got.shape == want.shape == (1, info.size)
        assert got == pytest.approx(want, abs=1e-6)
    assert not np.allclose(together[0], together[1], atol=1e-3)  # each read its own blank


def test_a_requests_runs_spread_over_threads_give_what_one_thread_gives(tiny_model_dir: Path) -> None:
    """On CPU, ``threads`` runs of a request go at once, each on one thread of the session."""
    import threading

    from cloze_app.core.engine.session import MAX_WORKERS, physical_cores

    one = ClozeEngine.load(tiny_model_dir, threads=1)
    two = ClozeEngine.load(tiny_model_dir, threads=2)
    assert (one.decoder.runner.workers, two.decoder.runner.workers) == (1, 2)
    assert ClozeEngine.load(tiny_model_dir).decoder.runner.workers == min(physical_cores(), MAX_WORKERS)
    threads: set[str] = set()
    original = two.decoder.runner._run

    def running(batch, attention, positions):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        return original(batch, attention, positions)

    two.decoder.runner._run = running  # type: ignore[method-assign]
    for text in ("i saw the ___ there", "the ___ sat on the ___ with the ___ ."):
        alone, spread = one.fill(text, top_k=8), two.fill(text, top_k=8)
        for a, b in zip(alone.blanks, spread.blanks, strict=True):
            assert [(c.word, round(c.log_prob, 5)) for c in a.candidates] == [
                (c.word, round(c.log_prob, 5)) for c in b.candidates
            ]
    options = ["cat", "football", "dog", "on the mat"]
    assert [(s.option, round(s.log_prob, 5)) for s in one.score_options("the ___ sat", options)] == [
        (s.option, round(s.log_prob, 5)) for s in two.score_options("the ___ sat", options)
    ]
    assert len(threads) == 2  # the caller's thread and a helper


def test_a_long_texts_one_mask_row_runs_beside_the_rest_with_the_same_words(tmp_path: Path) -> None:
    """In a long text the one-mask row costs more than the two-mask row and its continuations
    together: it runs on a helper thread meanwhile, and the words are those of one thread."""
    folder = write_model_folder(
        tmp_path / "long",
        wordpiece_tokenizer(WORDS, PIECES),
        WORDPIECE,
        max_length=256,
        prior={"[MASK]": {"cat": 3.0, "foot": 2.5, "dog": 2.0, "mat": 1.0}},
        after={"foot": {"##ball": 9.0}},
    )
    one = ClozeEngine.load(folder, threads=1)
    two = ClozeEngine.load(folder, threads=2)
    beside: list[int] = []
    original = two.decoder.runner.run_beside

    def spying(rows):  # type: ignore[no-untyped-def]
        beside.append(len(rows))
        return original(rows)

    two.decoder.runner.run_beside = spying  # type: ignore[method-assign]
    text = "the cat sat on the mat . " * 40 + "i saw the ___ there ."
    alone, spread = one.fill(text, top_k=8).blanks[0], two.fill(text, top_k=8).blanks[0]
    assert beside == [1]
    assert "football" in words(spread)
    assert [(c.word, round(c.log_prob, 5)) for c in alone.candidates] == [
        (c.word, round(c.log_prob, 5)) for c in spread.candidates
    ]
    two.fill("i saw the ___ there .")  # a short text: its rows are split instead
    assert beside == [1]


def test_generation_makes_one_run_per_step(engine: ClozeEngine) -> None:
    _, doc = engine._blanks_doc("the ___ sat")
    before = engine.session_runs
    engine.decoder.generate(doc, [[engine.token_info.mask_id]], [0], keep=0)  # no pruning
    assert engine.session_runs - before == 2  # 1 and 2 masks; then second pieces
    assert engine.fill("the ___ sat").session_runs <= 2
    engine.decoder.beam = BeamWidths(first3=2)  # three-piece words too: a third step
    before = engine.session_runs
    engine.decoder.generate(doc, [[engine.token_info.mask_id]], [0], keep=0)
    assert engine.session_runs - before == 3


def test_three_piece_words_are_searched_only_when_the_beam_asks(tiny_model_dir: Path) -> None:
    """By default a blank's first run holds rows of one and two masks (a three-mask row and its
    continuations cost a third of the work for a top 10 that is nearly always the same)."""
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    mask = engine.token_info.mask_id
    runner = engine.decoder.runner
    runs: list[list[int]] = []
    original = runner._run

    def spying(batch, attention, positions):  # type: ignore[no-untyped-def]
        runs.append(sorted(int((row == mask).sum()) for row in batch))
        return original(batch, attention, positions)

    runner._run = spying  # type: ignore[method-assign]
    found = words(engine.fill("i saw the ___ there").blanks[0])
    assert runs[0] == [1, 2]
    assert "football" in found  # two-piece words are still there
    engine.decoder.beam = BeamWidths(first3=2)
    before = len(runs)
    engine.fill("i saw the ___ there .")
    assert runs[before] == [1, 2, 3]


def test_pruned_generation_keeps_the_words_asked_for(engine: ClozeEngine) -> None:
    """Prefixes that cannot reach the best ``keep`` words are not continued; those words stay."""
    _, doc = engine._blanks_doc("i saw the ___ there")
    mask = [[engine.token_info.mask_id]]
    full = engine.decoder.generate(doc, mask, [0], keep=0)[0]
    for keep in (1, 3, 5):
        pruned = engine.decoder.generate(doc, mask, [0], keep=keep)[0]
        assert [s.word for s in pruned[:keep]] == [s.word for s in full[:keep]]


def test_joint_filling_reuses_searches_whose_context_did_not_change(tiny_model_dir: Path) -> None:
    """Three blanks: fewer runs than searching every blank in every round, same fillings."""
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    result = engine.fill("the ___ sat on the ___ with the ___ .", top_k=3)
    assert all(b.candidates for b in result.blanks)
    assert result.session_runs <= 12


def test_joint_rounds_that_fix_a_blank_run_one_row_per_open_blank(tiny_model_dir: Path) -> None:
    """Before the last round, a blank's word only holds its place for the others: one-piece words
    only (one row each); the final candidates still hold multi-piece words."""
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    runner = engine.decoder.runner
    asked: list[int] = []
    run: list[int] = []
    original_ask, original_run = runner.log_probs_grouped, runner._run

    def counting(rows, groups, **options):  # type: ignore[no-untyped-def]
        asked.append(len(rows))
        return original_ask(rows, groups, **options)

    def running(batch, attention, positions):  # type: ignore[no-untyped-def]
        run.append(len(batch))
        return original_run(batch, attention, positions)

    runner.log_probs_grouped = counting  # type: ignore[method-assign]
    runner._run = running  # type: ignore[method-assign]
    result = engine.fill("the ___ sat on the ___ with the ___ .", top_k=5)
    assert asked[:2] == [3, 2]  # three open blanks, then two: one one-mask row each
    assert run[:2] == [1, 1]  # the other blanks hold masks: the open blanks' rows are one row
    assert all("football" in words(b) for b in result.blanks)


def test_case_follows_the_text(tiny_model_dir: Path) -> None:
    (tiny_model_dir / "truecase.txt").write_text("paris\n", encoding="utf-8")
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    assert engine.fill("___ sat.").blanks[0].best == "Cat"
    assert engine.fill("It rained. ___ sat.").blanks[0].best == "Cat"
    assert engine.fill('He said: "___ sat."').blanks[0].best == "cat"
    assert engine.fill("the ___ sat").blanks[0].best == "cat"
    scores = engine.score_options("i saw ___ there", ["paris", "cat"])
    assert {s.option for s in scores} == {"paris", "cat"}


def test_truecase_lexicon_capitalises_names(tmp_path: Path) -> None:
    tok = wordpiece_tokenizer(WORDS, PIECES)
    folder = write_model_folder(tmp_path / "tc", tok, WORDPIECE, prior={"[MASK]": {"paris": 4.0, "i": 3.0}})
    (folder / "truecase.txt").write_text("paris\n", encoding="utf-8")
    engine = ClozeEngine.load(folder)
    assert words(engine.fill("we saw ___ there", top_k=2).blanks[0]) == ["Paris", "I"]


def test_a_verb_of_saying_after_a_quoted_question_opens_the_tag_in_lower_case(tmp_path: Path) -> None:
    tok = wordpiece_tokenizer([*WORDS, "said", "mary"], PIECES)
    folder = write_model_folder(tmp_path / "tag", tok, WORDPIECE, prior={"[MASK]": {"said": 4.0, "cat": 3.0}})
    engine = ClozeEngine.load(folder, threads=1)
    assert words(engine.fill('"is it?" ___ mary.', top_k=2).blanks[0]) == ["said", "Cat"]
    assert engine.fill("\u201cis it!\u201d ___ mary.").fillings[0].text == "\u201cis it!\u201d said mary."
    assert words(engine.fill("it is. ___ mary.", top_k=1).blanks[0]) == ["Said"]  # a new sentence
    assert words(engine.fill('"is it?"\n___ mary.', top_k=1).blanks[0]) == ["Said"]  # a new line
    assert words(engine.fill('"it is." ___ mary.', top_k=1).blanks[0]) == ["Said"]


def test_before_a_contraction_only_the_words_it_follows(tmp_path: Path) -> None:
    """ "i ___'t go": don, can, won (not dog, however likely), and "don" is not the name Don; "___'re":
    you, they; "___'m": I. "___'s" follows nouns and names: every word."""
    tok = wordpiece_tokenizer([*WORDS, "don", "can", "won", "you", "they"], PIECES)
    prior = {"[MASK]": {"dog": 3.0, "don": 2.0, "you": 1.8, "can": 1.5, "they": 1.2}}
    folder = write_model_folder(tmp_path / "nt", tok, WORDPIECE, prior=prior)
    (folder / "truecase.txt").write_text("don\n", encoding="utf-8")
    engine = ClozeEngine.load(folder, threads=1)
    assert words(engine.fill("i ___'t go", top_k=5).blanks[0]) == ["don", "can", "won"]
    assert words(engine.fill("i ___\u2019T go", top_k=5).blanks[0]) == ["don", "can", "won"]
    assert words(engine.fill("___'t go", top_k=1).blanks[0]) == ["Don"]  # a sentence start
    assert words(engine.fill("so ___'re here", top_k=5).blanks[0]) == ["you", "they"]
    assert words(engine.fill("so ___'m here", top_k=5).blanks[0]) == ["I"]
    assert words(engine.fill("so ___'ve gone", top_k=5).blanks[0]) == ["you", "they", "I"]
    assert words(engine.fill("i ___ go", top_k=2).blanks[0]) == ["dog", "Don"]
    assert words(engine.fill("the ___'s tail", top_k=1).blanks[0]) == ["dog"]
    assert words(engine.fill("i ___'tis go", top_k=1).blanks[0]) == ["dog"]  # not a contraction


def test_filled_text_keeps_spacing_and_punctuation(engine: ClozeEngine) -> None:
    text = "  i saw the ___ there,\n\tand\u00a0the ____ !  "
    result = engine.fill(text)
    words_ = [b.best for b in result.blanks]
    assert result.filled == f"  i saw the {words_[0]} there,\n\tand\u00a0the {words_[1]} !  "


def test_long_text_is_windowed_around_each_blank(tmp_path: Path) -> None:
    tok = wordpiece_tokenizer(WORDS, PIECES)
    folder = write_model_folder(
        tmp_path / "short",
        tok,
        WORDPIECE,
        max_length=16,
        prior={"[MASK]": {"cat": 3.0}},
        context={"barked": {"dog": 9.0}},
    )
    engine = ClozeEngine.load(folder)
    filler = " ".join(["the cat sat on the mat ."] * 30)
    # The graph cannot run more than 16 positions: these only work if each blank gets a window.
    start = engine.fill("___ sat " + filler)
    end = engine.fill(filler + " the ___")
    near = engine.fill(filler + " the ___ barked . " + filler)
    assert start.blanks[0].best == "Cat"
    assert end.blanks[0].best == "cat"
    assert near.blanks[0].best == "dog"  # the context next to the blank is inside its window


def test_a_long_texts_multi_mask_rows_are_shorter_and_run_apart(tmp_path: Path) -> None:
    """A word's first piece carries its meaning (the whole window for one-piece words); the rows for
    words of 2 and 3 pieces read a shorter window, and they run apart from the long row instead of
    being padded to its length."""
    from cloze_app.core.engine.decoding import MULTI_WINDOW

    tok = wordpiece_tokenizer(WORDS, PIECES)
    folder = write_model_folder(
        tmp_path / "long", tok, WORDPIECE, max_length=128, prior={"[MASK]": {"cat": 3.0}}
    )
    engine = ClozeEngine.load(folder, gather_head=False)
    engine.decoder.beam = BeamWidths(first3=2)  # rows of 2 and 3 masks
    runner = engine.decoder.runner
    shapes: list[tuple[int, ...]] = []
    original = runner._run

    def recording(batch, attention, positions):  # type: ignore[no-untyped-def]
        shapes.append(batch.shape)
        return original(batch, attention, positions)

    runner._run = recording  # type: ignore[method-assign]
    _, doc = engine._blanks_doc(" ".join(["the cat sat on the mat ."] * 20) + " the ___ sat")
    engine.decoder.generate(doc, [[engine.token_info.mask_id]], [0], keep=0)
    first_step = shapes[:2]
    assert sorted(first_step) == [(1, 128), (2, MULTI_WINDOW)]  # not 3 rows padded to 128


def test_check_words_scores_every_word_in_batched_runs(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    text = " ".join(["the dog sat on the mat ."] * 43)  # 258 words
    before = engine.session_runs
    checks = engine.check_words(text, top_k=3)
    assert len(checks) == 258
    assert engine.session_runs - before <= 6  # batched, not one run per word
    dog = checks[1]
    assert (dog.word, dog.rank) == ("dog", 3)  # behind cat and foot
    assert [a.word for a in dog.alternatives] == ["cat", "foot", "mat"]


def test_check_words_left_context_only(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    text = "the dog sat . it barked"
    with_right = engine.check_words(text, [(4, 7)])[0]
    left_only = engine.check_words(text, [(4, 7)], right_context=False)[0]
    assert with_right.rank == 1  # 'barked' later in the text supports 'dog'
    assert left_only.rank == 3
    assert left_only.log_prob < with_right.log_prob


@pytest.mark.parametrize(
    ("text", "error"),
    [("", EmptyTextError), ("   \n", EmptyTextError), ("no blank here", NoBlankError)],
)
def test_input_errors_are_clear(tiny_model_dir: Path, text: str, error: type[Exception]) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    with pytest.raises(error):
        engine.fill(text)


def test_too_many_blanks_states_the_limit(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    with pytest.raises(TooManyBlanksError, match=f"at most {engine.max_blanks}") as info:
        engine.fill("___ " * 10_000)
    assert "10000 blanks" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        "the ___ sat 😀🎉 on the mat",
        "东京是日本的首都，___ 很大。",
        "مرحبا ___ بالعالم",
        "the ___ sat " + "x" * 5000,
        "ünïcödé ___ naïve café",
    ],
)
def test_unusual_text_does_not_crash(engine: ClozeEngine, text: str) -> None:
    result = engine.fill(text)
    assert len(result.blanks) == 1
    assert result.filled.replace(result.blanks[0].best, "___", 1) == text


def test_one_megabyte_input(tiny_model_dir: Path) -> None:
    engine = ClozeEngine.load(tiny_model_dir, threads=1)
    text = ("the cat sat on the mat . " * 42_000) + "the ___ barked ."
    assert len(text) > 1_000_000
    result = engine.fill(text)
    assert result.blanks[0].best == "dog"
    assert result.filled.endswith("the dog barked .")


@pytest.mark.parametrize("folder", ["tiny_model_dir", "tiny_sp_model_dir", "tiny_bpe_model_dir"])
def test_a_second_load_reads_the_saved_vocabulary_analysis(
    folder: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tokenizer is analysed once per file; later starts read the same facts from the cache."""
    from cloze_app.core.engine import loading

    path = request.getfixturevalue(folder)
    first = ClozeEngine.load(path)
    monkeypatch.setattr(loading, "analyse_tokenizer", lambda *a: pytest.fail("analysed again"))
    second = ClozeEngine.load(path)
    a, b = first.token_info, second.token_info
    assert (a.family, a.size, a.pieces, a.mask_id, a.pad_id, a.prefix, a.suffix) == (
        b.family, b.size, b.pieces, b.mask_id, b.pad_id, b.prefix, b.suffix,
    )  # fmt: skip
    for name in ("has_marker", "first_spaced", "first_glued", "continuation", "special"):
        assert (getattr(a, name) == getattr(b, name)).all(), name
    assert [c.word for c in second.fill("i saw the ___ there").blanks[0].candidates] == [
        c.word for c in first.fill("i saw the ___ there").blanks[0].candidates
    ]


def test_a_later_session_opens_the_kept_optimized_graph(tiny_model_dir: Path) -> None:
    """The optimized graph is written once and reused; it predicts exactly what the model does,
    and a damaged copy is dropped (the model still loads)."""
    from cloze_app.core import paths
    from cloze_app.core.engine.session import OPTIMIZED_DIR

    first = ClozeEngine.load(tiny_model_dir, gather_head=False)
    kept = list((paths.cache_dir() / OPTIMIZED_DIR).glob("*.onnx"))
    assert len(kept) == 1
    written = kept[0].stat().st_ino
    second = ClozeEngine.load(tiny_model_dir, gather_head=False)
    assert kept[0].stat().st_ino == written  # opened, not optimized and written again
    text = "i saw the ___ there"
    assert [(c.word, c.log_prob) for c in second.fill(text).blanks[0].candidates] == [
        (c.word, c.log_prob) for c in first.fill(text).blanks[0].candidates
    ]
    kept[0].write_bytes(b"not a graph")
    third = ClozeEngine.load(tiny_model_dir, gather_head=False)
    assert words(third.fill(text).blanks[0]) == words(first.fill(text).blanks[0])
    assert not kept[0].exists()
