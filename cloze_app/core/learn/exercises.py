"""Cloze exercises from any text: which words to blank, at which level, with or without choices.

The level decides from what the model says about each word in its full context (read several
words to a row, ``blanks.scan``; the unsure ones also from the words before them only):

* *easy*: content words the context makes clear (the model ranks them near the top);
* *hard*: content words that need the whole passage: the model does not find them from the
  words before them, but the rest of the passage (what follows, or the same word elsewhere)
  makes them likely; least supported first;
* *medium*: easy and hard content words in turn;
* *grammar*: function words (articles, prepositions, auxiliaries, pronouns, conjunctions) and
  verb forms (went, walking, goes), the ones the context decides first.

The classic mode blanks every n-th word. Names, numbers and short or split words are never
blanked, and two blanks in a row never have the same answer.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from cloze_app.core.engine.engine import CHECK_WINDOW
from cloze_app.core.errors import EmptyTextError, InputError
from cloze_app.core.learn import lexicon
from cloze_app.core.learn.blanks import left_checks, scan, slot_views
from cloze_app.core.learn.distractors import (
    KNOWN_SLACK,
    LEFT_POOL,
    SLOT_TOP,
    add_distractors,
    drop_top_words,
    likely_short,
)
from cloze_app.core.learn.items import (
    BLANK_MARK,
    DIFFICULTIES,
    Exercise,
    ExerciseEngine,
    ExerciseItem,
    ExerciseOptions,
    blankable,
)
from cloze_app.core.text import WordSpan, word_spans
from cloze_app.core.types import WordCheck

__all__ = [
    "BLANK_MARK",
    "DIFFICULTIES",
    "Exercise",
    "ExerciseEngine",
    "ExerciseItem",
    "ExerciseOptions",
    "blankable",
    "difficulty_order",
    "every_nth",
    "make_exercise",
    "pick_blanks",
]

_EXISTING_BLANK_RE = re.compile(r"_{2,}")
EASY_RANK = 3  # easy blanks: the model ranks the word this high in context
PASSAGE_GAIN = math.log(4.0)  # hard blanks: the rest of the passage makes the word this much likelier
_GRAMMAR_CLASSES = frozenset({"DET", "ADP", "AUX", "CONJ", "PRON"})
ProgressFn = Callable[[int, int, str], None]


def _content(word: WordSpan) -> bool:
    return word.is_content_word and not lexicon.is_function_word(word.word)


def _grammar(word: WordSpan) -> bool:
    """A function word of a class grammar exercises practise, or an inflected verb form."""
    if lexicon.function_class(word.word) in _GRAMMAR_CLASSES:
        return True
    tags = lexicon.form_tags(word.word)
    return bool(tags) and all(t.startswith("VB") for t in tags) and not tags & {"VB", "VBP"}


def difficulty_order(
    words: Sequence[WordSpan],
    checks: Mapping[int, WordCheck],
    difficulty: str,
    left: Mapping[int, WordCheck] | None = None,
) -> list[int]:
    """Word indices (keys of ``checks``) ordered from the best blank for ``difficulty`` down;
    words that do not suit the level at all come last, in text order.

    ``left``: the same words judged without the text to their right (used by *hard*).
    """
    indices = list(checks)
    content = [i for i in indices if _content(words[i])]

    def confident(i: int) -> tuple[bool, float, int]:
        rank = checks[i].rank
        return (not (rank is not None and rank <= EASY_RANK), -checks[i].log_prob, i)

    if difficulty == "grammar":
        chosen = sorted((i for i in indices if _grammar(words[i])), key=confident)
    elif difficulty == "easy":
        chosen = sorted(content, key=confident)
    else:
        lemma_count: dict[str, int] = {}
        for i in content:
            lemma_count[lexicon.lemma(words[i].word)] = lemma_count.get(lexicon.lemma(words[i].word), 0) + 1

        def needs_passage(i: int) -> bool:
            gain = checks[i].log_prob - left[i].log_prob if left and i in left else 0.0
            return gain >= PASSAGE_GAIN or lemma_count[lexicon.lemma(words[i].word)] > 1

        hard = sorted(
            content,
            key=lambda i: (not (needs_passage(i) and confident(i)[0] is not False), checks[i].log_prob, i),
        )
        if difficulty == "hard":
            chosen = hard
        else:
            easy = sorted(content, key=confident)
            chosen = list(dict.fromkeys(i for pair in zip(easy, hard, strict=True) for i in pair))
    rest = [i for i in indices if i not in set(chosen)]
    return [*chosen, *rest]


def _target_count(n_words: int, options: ExerciseOptions) -> int:
    count = max(1, n_words // max(1, options.words_per_blank))
    return min(count, options.max_blanks) if options.max_blanks > 0 else count


def pick_blanks(words: Sequence[WordSpan], preference: Sequence[int], count: int, min_gap: int) -> list[int]:
    """Take word indices in ``preference`` order, keeping blanks more than ``min_gap`` words
    apart and never giving two blanks in a row the same answer. Returns them sorted.

    After each blank is placed the most preferred words are tried again, so a word refused next
    to its twin ("the" after "the") gets its turn once another blank lies between them.
    """
    chosen: list[int] = []  # sorted

    def fits(idx: int) -> bool:
        at = bisect.bisect_left(chosen, idx)
        before = chosen[at - 1] if at > 0 else None
        after = chosen[at] if at < len(chosen) else None
        answer = words[idx].word.lower()
        for near in (before, after):
            if near is not None and (abs(idx - near) <= min_gap or words[near].word.lower() == answer):
                return False
        return True

    pending = list(dict.fromkeys(preference))
    while len(chosen) < count:
        placed = next((pos for pos, idx in enumerate(pending) if fits(idx)), None)
        if placed is None:
            break
        bisect.insort(chosen, pending.pop(placed))
    return chosen


def every_nth(words: Sequence[WordSpan], n: int) -> list[int]:
    """The classic cloze: every n-th word, moving on to the next blankable word when the n-th
    is a name, number or repeat of the previous answer."""
    chosen: list[int] = []
    idx = n - 1
    while idx < len(words):
        previous = words[chosen[-1]].word.lower() if chosen else None
        while idx < len(words) and (not blankable(words[idx]) or words[idx].word.lower() == previous):
            idx += 1
        if idx >= len(words):
            break
        chosen.append(idx)
        idx += n
    return chosen


def _left_pool(
    words: Sequence[WordSpan], checks: Mapping[int, WordCheck], difficulty: str, count: int
) -> list[int]:
    """The words worth judging from the words before them (the hard level's measure): content
    words the model is not sure of in context, least supported first, twice as many as the level
    may take (a confident word is never a hard blank, whatever the words before it say)."""
    if difficulty not in ("hard", "medium"):
        return []
    unsure = [i for i in checks if _content(words[i]) and (checks[i].rank or EASY_RANK + 1) > EASY_RANK]
    unsure.sort(key=lambda i: (checks[i].log_prob, i))
    wanted = count if difficulty == "hard" else (count + 1) // 2
    return sorted(unsure[: 2 * wanted + 4])


def make_exercise(
    engine: ExerciseEngine,
    text: str,
    options: ExerciseOptions | None = None,
    title: str = "",
    progress: ProgressFn | None = None,
) -> Exercise:
    """Build an exercise from ``text``.

    The level's words are read together, several per row (``blanks.scan``); *hard* and *medium*
    judge the unsure ones again from the words before them (short rows, ``blanks.left_checks``).
    The chosen blanks are then checked exactly (``check_words``, one batched call) for their
    distractors, whose candidates are verified together (``distractors.verify``).

    ``progress(done, total, message)`` is called between steps (a caller may raise from it to
    cancel).

    Raises:
        EmptyTextError: the text is empty.
        InputError: the text already has blanks or has no word that can be blanked.
    """
    options = options or ExerciseOptions()
    if not text.strip():
        raise EmptyTextError()
    if _EXISTING_BLANK_RE.search(text):
        raise InputError("The text already has blanks (___); paste a complete text to make an exercise.")
    words = word_spans(text)
    eligible = [i for i, w in enumerate(words) if blankable(w)]
    if not eligible:
        raise InputError("The text has no word that can be blanked (names and numbers are never blanked).")

    def report(done: int, total: int, message: str) -> None:
        if progress is not None:
            progress(done, total, message)

    report(0, 1, "Reading the text…")
    multiple = options.choices >= 2
    slot_top = max(SLOT_TOP, options.slot_top)
    target = _target_count(len(words), options)
    left: dict[int, WordCheck] = {}
    exact: dict[int, WordCheck] = {}
    known: dict[int, np.ndarray] = {}
    # The exact check's rows hold the whole text (as the judge's rows do): no window between them.
    short_text = len(engine.tokenizer.encode(text, add_special_tokens=False).ids) + 2 <= CHECK_WINDOW

    def read_exactly(indices: Sequence[int]) -> None:
        """The exact check of these words where missing (one batched run, as check_words reads
        a word: the slot's best words, the answer's reading and every one-piece word's score)."""
        views = slot_views(
            engine, text, words, [i for i in indices if i not in exact], slot_top, CHECK_WINDOW
        )
        for i, (check, dist) in views.items():
            exact[i] = check
            known[i] = dist

    if options.every_n:
        chosen = every_nth(words, options.every_n)
        if options.max_blanks > 0:
            chosen = chosen[: options.max_blanks]
        read_exactly(chosen)
        checks = exact
        order = chosen
        mode = "every-n"
    else:
        # Only the words the level can blank are asked about; the rest of the text is context.
        suits = _grammar if options.difficulty == "grammar" else _content
        asked = [i for i in eligible if suits(words[i])] or eligible
        singles: dict[int, np.ndarray] = {}
        checks = scan(engine, text, words, asked, top_k=slot_top, keep=singles)
        if not checks:
            raise InputError("The model could not read any word of this text.")
        report(0, 1, "Choosing the blanks…")
        pool = _left_pool(words, checks, options.difficulty, target)
        left = left_checks(engine, text, words, pool, top_k=LEFT_POOL)
        order = difficulty_order(words, checks, options.difficulty, left)
        chosen = pick_blanks(words, order, target, options.min_gap)
        mode = "model"
        if multiple:
            order, chosen = _viable(engine, text, words, options, order, chosen, checks, left, singles)

    def item_for(i: int) -> ExerciseItem:
        check = exact.get(i) or checks.get(i)
        return ExerciseItem(
            number=0,
            start=words[i].start,
            end=words[i].end,
            answer=words[i].word,
            answer_log_prob=check.log_prob if check else 0.0,
            rank=check.rank if check else None,
        )

    exercise = Exercise(text=text, items=(), difficulty=options.difficulty, mode=mode, title=title)
    done: dict[int, ExerciseItem] = {}
    banned: set[int] = set()
    checked_together = list(chosen)  # the blanks of the first exact check
    for attempt in range(3):
        new = [i for i in chosen if i not in done]
        if multiple and new:
            report(len(done), len(chosen), "Choosing distractors…")
            read_exactly(new)  # and the words before each blank
            left.update(left_checks(engine, text, words, [i for i in new if i not in left], LEFT_POOL))
            full = {(words[i].start, words[i].end): exact[i] for i in new if i in exact}
            left_spans = {(words[i].start, words[i].end): left[i] for i in new if i in left}
            batch = replace(
                exercise, items=tuple(replace(item_for(i), number=n) for n, i in enumerate(new, 1))
            )
            step, total = len(done), len(chosen)

            def relay(
                k: int, n: int, message: str, step: int = step, total: int = total, count: int = len(new)
            ) -> None:
                report(min(step + count * k // max(1, n), total), total, message)

            known_spans = {(words[i].start, words[i].end): known[i] for i in new if i in known}
            with_choices = add_distractors(
                engine,
                batch,
                options,
                full,
                relay,
                left_spans,
                known_spans,
                0.0 if short_text else KNOWN_SLACK,
            ).items
            done.update(dict(zip(new, with_choices, strict=True)))
        else:
            done.update({i: item_for(i) for i in new})
        short = {i for i in chosen if len(done[i].choices) < options.choices} if multiple else set()
        if not short or mode != "model" or attempt == 2:
            break
        # A blank without enough clearly wrong choices of its form gives way to the next best word.
        banned |= short
        chosen = pick_blanks(words, [i for i in order if i not in banned], target, options.min_gap)
    items = tuple(replace(done[i], number=n) for n, i in enumerate(chosen, start=1))
    if multiple and items:
        # The last word on the slot's best words: the exact check, if it ran on these very
        # blanks (same batch, same scores), else a new check of them all.
        ran = [exact[i] for i in chosen if i in exact] if chosen == checked_together else None
        items = drop_top_words(engine, text, items, ran)
        # A blank left without a single clearly wrong word of its form is no multiple-choice
        # question: it goes, unless no blank has choices at all (and so does a blank that would
        # then follow one with the same answer).
        offered: list[ExerciseItem] = []
        for item in items:
            if item.choices and not (offered and offered[-1].answer.lower() == item.answer.lower()):
                offered.append(item)
        if offered and len(offered) < len(items):
            items = tuple(replace(item, number=n) for n, item in enumerate(offered, start=1))
    report(1, 1, "")
    return replace(exercise, items=items)


def _viable(
    engine: ExerciseEngine,
    text: str,
    words: Sequence[WordSpan],
    options: ExerciseOptions,
    order: list[int],
    chosen: list[int],
    checks: Mapping[int, WordCheck],
    left: dict[int, WordCheck],
    singles: Mapping[int, np.ndarray],
) -> tuple[list[int], list[int]]:
    """The order and blanks without the words that would likely get too few distractors
    (``distractors.likely_short`` on the cheap reading), so the exact check and the
    verification run once on blanks that keep their choices. ``left`` gains the words before
    each chosen blank (one short batched call per round)."""
    target = _target_count(len(words), options)
    assessed: set[int] = set()
    for _ in range(3):
        new = [i for i in chosen if i not in assessed and i in singles]
        if not new:
            break
        left.update(left_checks(engine, text, words, [i for i in new if i not in left], LEFT_POOL))
        assessed.update(new)
        short = set()
        for i in new:
            spaced = words[i].start > 0 and text[words[i].start - 1].isspace()
            if likely_short(engine, checks[i], left.get(i), singles[i], spaced, options):
                short.add(i)
        if not short:
            break
        order = [i for i in order if i not in short]
        chosen = pick_blanks(words, order, target, options.min_gap)
    return order, chosen
