"""Distractors for multiple-choice exercises: the answer's word class and form, wrong in this context.

For each blank the slot's form comes from the model (``lexicon.vote_tag``: the words it proposes
there vote for the answer's reading), then candidates of exactly that form are gathered, best
teaching value first:

1. words the model proposes for the blank without the text to its right (plausible as you read);
2. the same words' lemmas inflected to the slot's form ("walk" proposed for "went" gives "walked");
3. common words of that form with a frequency close to the answer's (``lexicon.common_words``).

A content answer never gets a function word, and nothing among the slot's best words (in the
full context) or another form of the answer is ever offered. In the *grammar* level a function
word gets other words of its closed class ("in": on, at, of) and a verb form the other forms of
its verb ("went": go, gone, going). Every candidate shown is scored against the answer in its
context and kept only when it scores at least ``distractor_margin`` below the answer, so a
distractor is never a second right answer; the blanks of an exercise are verified together, in
one to ``TRIES`` batched runs of the model (``items.score_in_place``).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from cloze_app.core.learn import lexicon
from cloze_app.core.learn.items import (
    Exercise,
    ExerciseEngine,
    ExerciseItem,
    ExerciseOptions,
    PlaceQuery,
    score_in_place,
)
from cloze_app.core.text import match_case
from cloze_app.core.types import WordCheck

LEFT_POOL = 60  # words asked for per blank without the right-hand context
TOP_WORDS = 10  # a distractor is never among the slot's this many best words (the promise)
SLOT_TOP = 10  # the slot's best words asked for in full context (see ExerciseOptions.slot_top)
FREQ_SPAN = 1.0  # Zipf units: candidates at most this much more or less common than the answer
TRIES = 3  # batched scoring runs (each over every blank still short of choices) at most
SPARE = 2  # candidates scored beyond the number needed, for those the model refuses
NEAREST = 120  # words of the answer's class and form nearest in frequency, shuffled for a choice
FREE = 100  # one-piece candidates scored on the first try (all read from one row per blank)
# Extra margin (natural log) between how the blanks are verified (rows of the exercise's own
# reading) and how the judge later scores the learner's choice (each blank in its full window).
# It was set for per-batch int8 noise, which per-token activations removed (``rowquant``); the
# two views still differ. Over 304 items of held-out text (``scripts/eval_exercises.py
# distractors``), 1.5 leaves 3 distractors within 20x of the answer in the judge's view, 0 leaves
# 14 (none in the slot's top 10 either way).
WINDOW_SLACK = 1.5
# More margin for a word verified from the rows of the exact check (``known``: check_words' 96-token
# window) instead of the judge's full window (128) when the text is longer than 96 tokens: on
# held-out blanks the gap between a word and the answer moved by 1.2 nats (standard deviation)
# between the two windows.
KNOWN_SLACK = 1.0
_WORD_RE = re.compile(r"[a-z]{2,}")
ProgressFn = Callable[[int, int, str], None]
Span = tuple[int, int]


def _fold(word: str) -> str:
    return word.strip().casefold()


def _evidence(check: WordCheck | None) -> list[tuple[str, float]]:
    return [(a.word, math.exp(a.log_prob)) for a in check.alternatives] if check else []


def slot_tag(answer: str, check: WordCheck | None) -> str:
    """The answer's Penn tag in its slot, voted by the model's best words there ("" if unknown)."""
    return lexicon.vote_tag(answer, _evidence(check))


def slot_tags(answer: str, check: WordCheck | None) -> tuple[str, ...]:
    """The answer's likely readings in its slot, the winner first: every tag with at least half
    the winner's votes. A distractor must be able to take all of them, so a close vote (which a
    re-run of the model may tip) never lets a word of another class through."""
    votes = lexicon.tag_votes(answer, _evidence(check))
    tag = lexicon.vote_tag(answer, _evidence(check))
    if not tag:
        return ()
    best = votes[tag]
    return (tag, *sorted(t for t, v in votes.items() if t != tag and best > 0.0 and v >= best / 2))


def _closed_class(answer: str) -> list[str]:
    cls = lexicon.function_class(answer)
    return [w for w in lexicon.closed_class_words(cls) if _WORD_RE.fullmatch(w)] if cls else []


def candidates(
    answer: str,
    tags: Sequence[str],
    left: Sequence[str],
    forbidden: set[str],
    grammar: bool = False,
    seed: str = "",
) -> list[str]:
    """Distractor candidates for ``answer`` with Penn tags ``tags`` (the slot's reading first,
    then any other reading the vote found close), best first, lower case; each candidate can
    take every one of them.

    Args:
        left: what the model proposes for the blank without the right-hand context, best first.
        forbidden: casefolded words never offered (the slot's best words, the answer).
        grammar: a function word gets its closed class, a verb form its verb's other forms.
        seed: makes the choice among equally common words repeatable.
    """
    answer_key = _fold(answer)
    tag = tags[0] if tags else ""
    forms = lexicon.inflections(answer_key)
    out: list[str] = []
    seen = set(forbidden) | {answer_key}

    def take(word: str, same_word_ok: bool = False) -> None:
        key = _fold(word)
        if key in seen or not _WORD_RE.fullmatch(key):
            return
        if not same_word_ok and key in forms:
            return
        seen.add(key)
        out.append(key)

    if lexicon.is_function_word(answer_key):
        pool = _closed_class(answer_key)
        for word in left:
            if _fold(word) in pool:
                take(word)
        for word in pool:
            take(word)
        return out
    if grammar and tag.startswith("VB"):
        for form in sorted(forms):
            if tag not in lexicon.form_tags(form) and not lexicon.is_function_word(form):
                take(form, same_word_ok=True)
        return out
    if not tag:
        return out
    target = lexicon.zipf(answer_key)

    def fits(word: str) -> bool:
        return (
            not lexicon.is_function_word(word)
            and set(tags) <= lexicon.form_tags(word)
            and abs(lexicon.zipf(word) - target) <= FREQ_SPAN + 0.5
        )

    for word in left:
        if _WORD_RE.fullmatch(_fold(word)) and fits(word):
            take(word)
    for word in left:
        for lem in sorted(lexicon.lemmas(word)) if _WORD_RE.fullmatch(_fold(word)) else ():
            for form in lexicon.inflect(lem, tag):
                if fits(form):
                    take(form)
    nearest = lexicon.nearest_common_words(
        tag, target, FREQ_SPAN, NEAREST, lambda w: set(tags) <= lexicon.form_tags(w)
    )
    random.Random(f"{seed}:{answer_key}").shuffle(nearest)
    for word in nearest:
        take(word)
    return out


def _pieces(engine: ExerciseEngine, word: str, spaced: bool) -> int:
    return len(engine.decoder.pieces(word, spaced))


def verify(
    engine: ExerciseEngine,
    exercise: Exercise,
    pools: Mapping[int, Sequence[str]],
    options: ExerciseOptions,
    progress: ProgressFn | None = None,
    known: Mapping[int, tuple[float, np.ndarray]] | None = None,
    known_slack: float = KNOWN_SLACK,
) -> dict[int, tuple[list[tuple[str, float]], float]]:
    """For each item number in ``pools``: up to ``options.choices - 1`` of its words the model
    finds clearly wrong in the blank, with their scores, and the answer's score.

    All blanks are verified together: each try is one batched :func:`score_in_place` over every
    blank still short of choices (the words in place, the rest of the text as written, the
    model's window, as ``score_options`` sees a blank); ``TRIES`` tries at most. The first asks
    every one-piece word of the pool (``FREE`` at most: they are all read from one row per
    blank; a word of more pieces needs rows of its own), the next ones the next few words of the
    pool (longer ones too). A word passes when it scores at least ``distractor_margin`` (and
    ``WINDOW_SLACK``) below the answer; the first passing words in the pool's order are kept (in
    *hard*, the closest to the answer).
    """
    needed = options.choices - 1
    passing: dict[int, list[tuple[str, float]]] = {n: [] for n in pools}
    answer_lp = {n: exercise.item(n).answer_log_prob for n in pools}
    shown = {n: [match_case(w, exercise.item(n).answer) for w in pool] for n, pool in pools.items()}
    asked: dict[int, set[str]] = {n: set() for n in pools}
    for n, (written, dist) in (known or {}).items():
        # This blank's row already ran: its one-piece words are read from it, no new run.
        item = exercise.item(n)
        spaced = item.start > 0 and exercise.text[item.start - 1].isspace()
        answer_lp[n] = written
        limit = written - options.distractor_margin - WINDOW_SLACK - known_slack
        for word in shown[n][: FREE * 2]:
            pieces = engine.decoder.pieces(word, spaced)
            if len(pieces) == 1:
                asked[n].add(word)
                if float(dist[pieces[0]]) <= limit:
                    passing[n].append((word, float(dist[pieces[0]])))
    for attempt in range(TRIES):
        queries, numbers = [], []
        for n in pools:
            if len(passing[n]) >= needed:
                continue
            rest = [w for w in shown[n] if w not in asked[n]]
            want = needed + SPARE - len(passing[n])
            batch = rest[:want]
            if attempt == 0:  # every one-piece word (they share one row), longer ones if too few
                item = exercise.item(n)
                spaced = item.start > 0 and exercise.text[item.start - 1].isspace()
                single = [w for w in rest if _pieces(engine, w, spaced) == 1][:FREE]
                batch = (
                    single
                    if len(single) >= want
                    else [*single, *[w for w in rest if w not in single][: want - len(single)]]
                )
            asked[n].update(batch)
            if batch:
                item = exercise.item(n)
                queries.append(PlaceQuery(item.start, item.end, tuple(batch)))
                numbers.append(n)
        if not queries:
            break
        for n, scored in zip(numbers, score_in_place(engine, exercise.text, queries), strict=True):
            if scored is None:
                continue
            answer_lp[n] = scored.written
            limit = scored.written - options.distractor_margin - WINDOW_SLACK
            passing[n] += [(w, lp) for w, lp in scored.log_probs.items() if lp <= limit]
        if progress is not None:
            progress(attempt + 1, TRIES, "Choosing distractors…")
    for n, found in passing.items():  # best teaching value first, as the pool is ordered
        place = {w: k for k, w in enumerate(shown[n])}
        found.sort(key=lambda pair: place[pair[0]])
    out = {}
    for n, found in passing.items():
        if options.difficulty == "hard":  # the closest to the answer while still clearly wrong
            found.sort(key=lambda pair: -pair[1])
        out[n] = (found[:needed], answer_lp[n])
    return out


def likely_short(
    engine: ExerciseEngine,
    check: WordCheck,
    left: WordCheck | None,
    single: np.ndarray,
    spaced: bool,
    options: ExerciseOptions,
) -> bool:
    """Whether a blank will probably get fewer than ``options.choices - 1`` distractors: fewer
    one-piece words of its pool than that score clearly below the answer in ``single`` (the
    one-piece words' scores in the blank from a cheap reading of the text, ``blanks.scan``).
    Exercises choose another word instead, before any model run on the blank's candidates (a
    word the model finds unlikely, "werewolf" at rank 15,000, has no clearly worse word of its
    kind)."""
    needed = options.choices - 1
    forbidden = {_fold(a.word) for a in check.alternatives[: options.slot_top]}
    left_words = [a.word for a in left.alternatives] if left else []
    pool = candidates(
        check.word,
        slot_tags(check.word, check),
        left_words,
        forbidden,
        options.difficulty == "grammar",
        seed=str(options.seed),
    )
    limit = check.log_prob - options.distractor_margin - WINDOW_SLACK
    found = 0
    for word in pool:
        pieces = engine.decoder.pieces(match_case(word, check.word), spaced)
        if len(pieces) == 1 and single[pieces[0]] <= limit:
            found += 1
            if found >= needed:
                return False
    return True


def add_distractors(
    engine: ExerciseEngine,
    exercise: Exercise,
    options: ExerciseOptions,
    full: Mapping[Span, WordCheck] | None = None,
    progress: ProgressFn | None = None,
    left: Mapping[Span, WordCheck] | None = None,
    known: Mapping[Span, np.ndarray] | None = None,
    known_slack: float = KNOWN_SLACK,
) -> Exercise:
    """The exercise with ``options.choices`` choices per item (fewer only when too few words of
    the answer's form are clearly wrong).

    ``full``: the model's check of each answer in full context (its best words), and ``left``
    without the text to its right (``LEFT_POOL`` words), if the caller has them already;
    otherwise one batched ``check_words`` call gets each. ``known``: the single-mask
    log-probabilities of a blank read as ``score_in_place`` reads it (``blanks.slot_views``;
    ``full`` then holds the answer's score from the same rows): its one-piece candidates are
    verified from them without a new run, ``known_slack`` further below the answer (0 where
    those rows hold the whole text, as the judge's do).
    """
    if not exercise.items:
        return exercise
    text = exercise.text
    spans = [(item.start, item.end) for item in exercise.items]
    if full is None or any(span not in full for span in spans):
        top = max(SLOT_TOP, options.slot_top)
        full = {(c.start, c.end): c for c in engine.check_words(text, spans=spans, top_k=top)}
    if left is None or any(span not in left for span in spans):
        left = {
            (c.start, c.end): c
            for c in engine.check_words(text, spans=spans, top_k=LEFT_POOL, right_context=False)
        }
    grammar = options.difficulty == "grammar"
    pools = {}
    for item in exercise.items:
        span = (item.start, item.end)
        check = full.get(span)
        forbidden = {_fold(a.word) for a in (check.alternatives[: options.slot_top] if check else ())}
        left_words = [a.word for a in left[span].alternatives] if span in left else []
        tags = slot_tags(item.answer, check)
        pools[item.number] = candidates(
            item.answer, tags, left_words, forbidden, grammar, seed=str(options.seed)
        )
    read = {
        item.number: (full[(item.start, item.end)].log_prob, known[(item.start, item.end)])
        for item in exercise.items
        if known is not None and (item.start, item.end) in known
    }
    verified = verify(engine, exercise, pools, options, progress, read, known_slack)
    items = []
    for item in exercise.items:
        picked, answer_lp = verified[item.number]
        choices = [item.answer, *(word for word, _ in picked)]
        random.Random(f"{options.seed}:{item.number}:{item.answer}").shuffle(choices)
        lp_of = dict(picked)
        items.append(
            replace(
                item,
                choices=tuple(choices) if picked else (),  # none found: an open answer
                answer_log_prob=answer_lp,
                distractor_log_probs=tuple(lp_of[c] for c in choices if c != item.answer),
            )
        )
    return replace(exercise, items=tuple(items))


def drop_top_words(
    engine: ExerciseEngine,
    text: str,
    items: Sequence[ExerciseItem],
    exact: Sequence[WordCheck] | None = None,
) -> tuple[ExerciseItem, ...]:
    """A distractor among the slot's 10 best words in one batched check of every blank goes
    (int8 scores move a little with what shares a batch). ``exact``: that check of these very
    blanks, when it already ran; else it runs now."""
    if exact is None:
        exact = engine.check_words(text, spans=[(i.start, i.end) for i in items], top_k=TOP_WORDS)
    top = {(c.start, c.end): {a.word.casefold() for a in c.alternatives[:TOP_WORDS]} for c in exact}
    out = []
    for item in items:
        bad = {d for d in item.distractors if d.casefold() in top.get((item.start, item.end), set())}
        if bad:
            kept = [
                (d, lp)
                for d, lp in zip(item.distractors, item.distractor_log_probs, strict=True)
                if d not in bad
            ]
            choices = tuple(c for c in item.choices if c not in bad) if kept else ()
            item = replace(item, choices=choices, distractor_log_probs=tuple(lp for _, lp in kept))
        out.append(item)
    return tuple(out)
