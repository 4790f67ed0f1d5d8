"""Distractors for multiple-choice exercises: plausible in form, wrong in this context.

Candidates are words the model ranks high for the blank when it cannot see the text to the
right, then words it proposes for the neighbouring positions, then other words of the text.
Every candidate is scored against the answer in the full context (``engine.score_options``) and
kept only when it scores at least ``distractor_margin`` (natural log) below the answer, so a
distractor is never the answer nor an equally good fit.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import replace

from cloze_app.core.learn.exercises import Exercise, ExerciseEngine, ExerciseItem, ExerciseOptions, blankable
from cloze_app.core.text import WordSpan, context_window, match_case, word_spans

POOL_SIZE = 60  # left-context candidates asked for per blank
NEIGHBOUR_POOL = 12  # candidates per neighbouring word
MAX_SCORED = 24  # candidates scored against the answer in one score_options call (3 rounds at most)
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_SUFFIXES = ("ing", "ed", "ly", "es", "s", "er", "est")


def _usable(candidate: str, answer: str) -> bool:
    """A whole word, not the answer, not shorter than three letters unless the answer is."""
    return (
        _WORD_RE.fullmatch(candidate) is not None
        and candidate.lower() != answer.lower()
        and len(candidate) >= min(3, len(answer))
    )


def _suffix(word: str) -> str:
    low = word.lower()
    return next((s for s in _SUFFIXES if low.endswith(s) and len(low) > len(s) + 2), "")


def _index(words: Sequence[WordSpan], item: ExerciseItem) -> int:
    return next(k for k, w in enumerate(words) if w.start == item.start)


def _neighbours(words: Sequence[WordSpan], item: ExerciseItem) -> list[int]:
    index = _index(words, item)
    return [k for k in (index - 1, index + 1) if 0 <= k < len(words) and blankable(words[k])]


def candidate_pool(
    item: ExerciseItem,
    left_alternatives: Sequence[str],
    neighbour_alternatives: Sequence[str],
    text_words: Sequence[str],
) -> list[list[str]]:
    """Distractor candidates for ``item`` in rounds, best first, without repeats or the answer.

    Round 1: what the model proposes without the right-hand context, then for the neighbouring
    positions. Round 2: other words of the text, those sharing the answer's ending (-ing, -ed,
    -s ...) first: these rescue blanks whose answer the model itself finds unlikely, where every
    word it proposes scores above the answer. Round 3: the rest of the left-context list.
    """
    suffix = _suffix(item.answer)
    same_form = [w for w in text_words if _suffix(w) == suffix]
    other = [w for w in text_words if _suffix(w) != suffix]
    seen = {item.answer.lower()}

    def fresh(words: Sequence[str], limit: int) -> list[str]:
        out: list[str] = []
        for word in words:
            if len(out) >= limit:
                break
            if _usable(word, item.answer) and word.lower() not in seen:
                seen.add(word.lower())
                out.append(word.lower())
        return out

    first = fresh(left_alternatives, MAX_SCORED * 2 // 3)
    first += fresh(neighbour_alternatives, MAX_SCORED - len(first))
    second = fresh([*same_form, *other], MAX_SCORED)
    third = fresh(left_alternatives, MAX_SCORED)
    return [r for r in (first, second, third) if r]


def _choose(scored: list[tuple[str, float]], needed: int, difficulty: str) -> list[tuple[str, float]]:
    if difficulty == "hard":  # closest to the answer while still clearly wrong
        return sorted(scored, key=lambda pair: -pair[1])[:needed]
    return scored[:needed]  # the model's left-context preference: plausible in form


def _verified(
    engine: ExerciseEngine, window: str, answer: str, ordered: Sequence[str], needed: int, margin: float
) -> tuple[list[tuple[str, float]], float]:
    """The first ``needed`` candidates that stay ``margin`` below the answer when scored together,
    exactly as shown. (An int8 model quantizes each batch on its own, so a score depends a little
    on which options share the call; the final set is scored as one call and kept only if all pass.)
    """
    shown: list[str] = []
    rest = list(ordered)
    answer_lp = 0.0
    for _ in range(8):
        trial = shown + rest[: max(0, needed - len(shown))]
        rest = rest[max(0, needed - len(shown)) :]
        if not trial:
            return [], answer_lp
        scores = {s.option: s.log_prob for s in engine.score_options(window, [answer, *trial])}
        answer_lp = scores[answer]
        passing = [w for w in trial if scores[w] <= answer_lp - margin]
        if len(passing) == len(trial) and (len(trial) >= needed or not rest):
            return [(w, scores[w]) for w in trial], answer_lp
        shown = passing
    return [], answer_lp  # could not settle on a set that passes as a whole: no choices


def add_distractors(engine: ExerciseEngine, exercise: Exercise, options: ExerciseOptions) -> Exercise:
    """The exercise with ``options.choices`` choices per item (fewer only when the model and
    the text offer too few words that are clearly wrong)."""
    if not exercise.items:
        return exercise
    text = exercise.text
    words = word_spans(text)
    spans = [(item.start, item.end) for item in exercise.items]
    left = engine.check_words(text, spans=spans, top_k=POOL_SIZE, right_context=False)

    neighbour_index = sorted({k for item in exercise.items for k in _neighbours(words, item)})
    neighbour_checks = (
        engine.check_words(
            text, spans=[(words[k].start, words[k].end) for k in neighbour_index], top_k=NEIGHBOUR_POOL
        )
        if neighbour_index
        else []
    )
    check_at = {(c.start, c.end): c for c in neighbour_checks}
    by_word = {
        k: check_at[(words[k].start, words[k].end)]
        for k in neighbour_index
        if (words[k].start, words[k].end) in check_at
    }
    left_at = {(c.start, c.end): c for c in left}
    text_words = list(dict.fromkeys(w.word.lower() for w in words if blankable(w) and not w.is_function_word))

    needed = options.choices - 1
    items = []
    for item in exercise.items:
        # The engine writes names with a capital (its truecase list); a name is no distractor.
        near = [
            alt.word
            for k in _neighbours(words, item)
            if k in by_word
            for alt in by_word[k].alternatives
            if not (alt.word[:1].isupper() and not words[k].sentence_start)
        ]
        left_check = left_at.get((item.start, item.end))
        opens = words[_index(words, item)].sentence_start
        left_words = [
            alt.word
            for alt in (left_check.alternatives if left_check else ())
            if opens or not alt.word[:1].isupper()
        ]
        probe, start, end = exercise.probe_text(item.number)
        window, _ = context_window(probe, start, end)
        clear: list[tuple[str, float]] = []
        answer_lp = item.answer_log_prob
        for rnd in candidate_pool(item, left_words, near, text_words):
            shown = [match_case(word, item.answer) for word in rnd]
            scores = {s.option: s.log_prob for s in engine.score_options(window, [item.answer, *shown])}
            answer_lp = scores[item.answer]
            limit = answer_lp - options.distractor_margin
            clear += [(word, scores[word]) for word in shown if scores[word] <= limit]
            if len(clear) >= needed * 2:  # enough to choose from
                break
        ordered = [word for word, _ in _choose(clear, len(clear), options.difficulty)]
        picked, answer_lp = _verified(engine, window, item.answer, ordered, needed, options.distractor_margin)
        choices = [item.answer, *(word for word, _ in picked)]
        random.Random(f"{options.seed}:{item.number}:{item.answer}").shuffle(choices)
        lp_of = dict(picked)
        items.append(
            replace(
                item,
                choices=tuple(choices),
                answer_log_prob=answer_lp,
                distractor_log_probs=tuple(lp_of[c] for c in choices if c != item.answer),
            )
        )
    return replace(exercise, items=tuple(items))
