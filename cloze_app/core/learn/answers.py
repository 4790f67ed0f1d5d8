"""Checking a learner's answers like a teacher: right, also fits, right word in the wrong form, or
wrong with the model's reasons; hints; a score.

A word other than the answer "also fits" only when it passes two questions to the model:

* *it fits the context*: with the blank masked, it is close to the best word of the answer's
  form the model has for the slot (or among its best words) and not far below the answer;
* *it means what the answer means here*: with the answer still in place (the judge knows it),
  the model's proposal for that position ranks the word close to its best alternative to the
  answer (lexical substitution's "proposal given the target", Zhou et al. 2019; Arefyev et al.
  2020), weighed with its proposal at the slot left free in a second copy of the text that
  follows the one with the answer (LSBert's sentence pair, Qiang et al. 2020: the model sees
  the answer without being asked to repeat it). A word the context allows but that says
  something else ("ocean" for "bakery") fails, and so does a word of the opposite meaning
  ("sold" for "bought": ``opposites``, WordNet's antonyms), however well the model takes it.

Both questions leave more room for a word the model's own word vectors put near the answer and
near where its proposals point, and less for one they put far (``word_vectors``: the rows of
its vocabulary head; a word that means the same is often one the model would not propose
itself). Words of several pieces are scored over all their pieces (PLL-word-l2r), except in the
pair, which reads the model's proposal: the first piece. The margins and weights are calibrated
on human judgements (SWORDS dev) by ``scripts/eval_exercises.py judge``; the README reports
them cross-validated. Another form of the answer's word ("run" for "runs", "went" for "gone") is
told apart as a form error and earns partial credit (``ExerciseSession.form_credit``: half or
none, as the learner chooses).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cloze_app.core.errors import InputError
from cloze_app.core.learn import lexicon, opposites
from cloze_app.core.learn.items import Exercise, ExerciseEngine, PlaceQuery, score_in_place
from cloze_app.core.text import context_window

CORRECT, ALSO_FITS, WRONG_FORM, WRONG, EMPTY = "correct", "also_fits", "wrong_form", "wrong", "empty"
HINT_LEVELS = 2  # 1: first letter, 2: first letter and length
TOP_WORDS = 20  # the slot's best words the model is asked for (ranks are counted among them)
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")  # a word, not a piece or special token


@dataclass(frozen=True)
class JudgeSettings:
    """When a word that is not the answer also fits (natural-log margins).

    ``top_rank``: the word is among the slot's ``top_rank`` best words; or it is at most
    ``best_margin`` below the best word of the answer's form. And in both cases it is at most
    ``answer_margin`` below the answer, and, read with the answer in place, at most
    ``aware_margin`` below the model's best proposal other than the answer (infinite: not
    asked). That last score is ``paired_weight`` parts the sentence pair's (the answer in the
    first copy, the slot free in the second) and the rest the answer-in-place one. A phrase
    needs ``phrase_margin`` more of each margin for each word beyond the first (its
    log-probability sums over more pieces). Each margin also gives ``similar_weight`` times
    (the word's similarity to the answer less ``similar_center``): more room for a word the
    model's own word vectors put near the answer, less for one they put far; and the score
    with the answer in view gains ``proposal_weight`` times (the word's similarity to where the
    model's proposals there point less ``proposal_center``): a synonym the model does not
    propose itself but whose vector lies among its proposals ("enormous" near "large, huge,
    small"). Neither counts for a view without similarities (a model without word vectors).
    """

    top_rank: int
    best_margin: float
    answer_margin: float
    phrase_margin: float = 0.0
    aware_margin: float = math.inf
    paired_weight: float = 0.0
    similar_weight: float = 0.0
    similar_center: float = 0.0
    proposal_weight: float = 0.0
    proposal_center: float = 0.0


# Fitted on SWORDS dev by `scripts/eval_exercises.py judge` (the most human-accepted substitutes
# accepted while >= 85% of rejected substitutes and >= 95% of random words of the answer's form are
# refused, and the examples judged as a teacher would: "comes to the table" for "bakery"
# refused); each substitute read in the answer's form (SWORDS lists lemmas: "investigating" for
# "checking", not "investigate"). JUDGE on all of it; what such a fit does on items it was not
# fitted on is measured by two-fold cross-validation (docs/exercise-eval.json, README).
# PLAIN_JUDGE is for a model without word vectors (fitted the same way without them).
PLAIN_JUDGE = JudgeSettings(
    top_rank=0, best_margin=15.0, answer_margin=10.0, phrase_margin=4.0, aware_margin=6.75, paired_weight=0.25
)
JUDGE = JudgeSettings(
    top_rank=0,
    best_margin=16.0,
    answer_margin=8.0,
    phrase_margin=3.0,
    aware_margin=4.0,
    paired_weight=0.5,
    similar_weight=30.0,
    similar_center=0.2,
    proposal_weight=30.0,
    proposal_center=0.25,
)
# Another form of the answer's word ("run" for "runs") fits only when the model likes it at least
# as well as the answer and nearly as well as its best word: the text asked for one form.
FORM_JUDGE = JudgeSettings(top_rank=1, best_margin=math.log(2.0), answer_margin=0.0)


@dataclass(frozen=True)
class SlotView:
    """The model's view of one blank: scores of the answer, the words given and its best words.

    ``scores`` maps casefolded words to log-probabilities in the full context (one masked
    read, so they compare). ``top`` are the slot's best words, best first;
    ``tag`` the answer's form in this slot (Penn tag, "" if unknown); ``best_log_prob`` the
    score of the best word of that form (the answer included). ``aware`` maps casefolded words
    to their score with the answer in place, less the model's best proposal there other than
    the answer (0: as good as its favourite alternative; empty: not asked); ``paired`` the same
    read at the free slot of the sentence pair (the answer in the first copy); ``similar`` maps
    casefolded words to their similarity to the answer (the cosine of their vectors,
    ``ClozeEngine.word_vectors``; empty: the model has none), ``proposed`` their similarity to
    the model's proposals with the answer in place (``WordVectors.expected``).
    """

    answer: str
    scores: Mapping[str, float]
    top: tuple[tuple[str, float], ...]
    tag: str
    best_log_prob: float
    aware: Mapping[str, float] = field(default_factory=dict)
    paired: Mapping[str, float] = field(default_factory=dict)
    similar: Mapping[str, float] = field(default_factory=dict)
    proposed: Mapping[str, float] = field(default_factory=dict)

    def log_prob(self, word: str) -> float | None:
        """The word's score in this slot (None: not scored)."""
        return self.scores.get(_fold(word))

    def rank(self, word: str) -> int | None:
        """1 + how many of the slot's best words (the answer included) score above ``word``;
        None when it is below all of them."""
        lp = self.log_prob(word)
        if lp is None:
            return None
        above = [w for w, s in self._ranked() if s > lp and _fold(w) != _fold(word)]
        return 1 + len(above) if len(above) < len(self._ranked()) else None

    def better(self, word: str, limit: int = 5) -> tuple[tuple[str, float], ...]:
        """Up to ``limit`` words (and their probabilities) the model prefers to ``word``, best first."""
        lp = self.log_prob(word)
        floor = -math.inf if lp is None else lp
        return tuple((w, math.exp(s)) for w, s in self._ranked() if s > floor and _fold(w) != _fold(word))[
            :limit
        ]

    def settings(self) -> JudgeSettings:
        """The judge's settings for this view: ``JUDGE``, or ``PLAIN_JUDGE`` without similarities."""
        return JUDGE if self.similar else PLAIN_JUDGE

    def fits(self, word: str, settings: JudgeSettings | None = None) -> bool:
        """Whether ``word`` is a real alternative to the answer here (see :class:`JudgeSettings`;
        None: :meth:`settings`)."""
        settings = settings or self.settings()
        lp, answer_lp = self.log_prob(word), self.log_prob(self.answer)
        if lp is None or answer_lp is None or opposites.opposite(word, self.answer):
            return False
        rank = self.rank(word)
        extra = settings.phrase_margin * (len(word.split()) - 1)
        similar = self.similar.get(_fold(word))
        if settings.similar_weight and similar is not None:
            extra += settings.similar_weight * (similar - settings.similar_center)
        good = (rank is not None and rank <= settings.top_rank) or (
            lp >= self.best_log_prob - settings.best_margin - extra
        )
        if self.aware and math.isfinite(settings.aware_margin):
            meaning = self.meaning(word, settings.paired_weight)
            proposed = self.proposed.get(_fold(word))
            if meaning is not None and settings.proposal_weight and proposed is not None:
                meaning += settings.proposal_weight * (proposed - settings.proposal_center)
            if meaning is None or meaning < -settings.aware_margin - extra:
                return False
        return good and lp >= answer_lp - settings.answer_margin - extra

    def meaning(self, word: str, paired_weight: float = 0.0) -> float | None:
        """How far (nats) below the model's best other proposal ``word`` is, the answer in view:
        ``paired_weight`` parts the sentence pair's score, the rest the answer-in-place one (None:
        not scored)."""
        aware = self.aware.get(_fold(word))
        if not paired_weight or aware is None:
            return aware
        paired = self.paired.get(_fold(word))
        return None if paired is None else (1.0 - paired_weight) * aware + paired_weight * paired

    def _ranked(self) -> list[tuple[str, float]]:
        words = dict(self.top)
        answer_lp = self.log_prob(self.answer)
        if answer_lp is not None:
            words.setdefault(self.answer, answer_lp)
        return sorted(words.items(), key=lambda pair: -pair[1])


def _fold(word: str) -> str:
    return " ".join(word.split()).casefold()


def _same(a: str, b: str) -> bool:
    return _fold(a) == _fold(b)


def slot_view(
    engine: ExerciseEngine,
    text: str,
    start: int,
    end: int,
    givens: Sequence[str] = (),
    top_k: int = TOP_WORDS,
) -> SlotView:
    """Ask the model about the word ``text[start:end]`` and the words ``givens`` in its place.

    Two engine calls: ``check_words`` for the slot's best words, and one ``score_in_place`` for
    the answer, the givens and those words together, masked (so every score compares; the
    PLL-word-l2r of ``score_options``, with one row for all one-piece words), read with the
    answer in place and in the sentence pair.
    """
    answer = text[start:end]
    window, offset = context_window(text, start, end)
    s, e = start - offset, end - offset
    checks = engine.check_words(window, spans=[(s, e)], top_k=top_k)
    alternatives = [a.word for a in checks[0].alternatives if _WORD_RE.fullmatch(a.word)] if checks else []
    options: dict[str, str] = {}
    for word in (answer, *givens, *alternatives):
        if word.strip() and _fold(word) not in options:
            options[_fold(word)] = " ".join(word.split())
    words = tuple(options.values())
    masked, aware, pair = score_in_place(
        engine,
        window,
        [PlaceQuery(s, e, words), PlaceQuery(s, e, words, aware=True), PlaceQuery(s, e, words, paired=True)],
    )
    if masked is not None:  # one row for all one-piece words, not one per word as score_options
        scores = {_fold(w): lp for w, lp in masked.log_probs.items()}
        scores.setdefault(_fold(answer), masked.written)  # an answer of more pieces than it scores
    else:  # the answer is not a word of its own for the tokenizer
        scored = engine.score_options(window[:s] + "___" + window[e:], list(words))
        scores = {_fold(o.option): o.log_prob for o in scored}
    top = tuple(
        sorted(((w, scores[_fold(w)]) for w in alternatives if _fold(w) in scores), key=lambda p: -p[1])
    )
    tag = lexicon.vote_tag(answer, [(w, math.exp(lp)) for w, lp in top])
    answer_lp = scores[_fold(answer)]
    if tag and not lexicon.is_function_word(answer):
        same_form = [lp for w, lp in top if tag in lexicon.form_tags(w) and not lexicon.is_function_word(w)]
    else:
        same_form = [lp for _, lp in top]
    relative = {_fold(w): lp - aware.best_other for w, lp in aware.log_probs.items()} if aware else {}
    paired = {_fold(w): lp - pair.best_other for w, lp in pair.log_probs.items()} if pair else {}
    similar, proposed = _similarities(engine, answer, words, aware.proposals if aware else ())
    return SlotView(
        answer, scores, top, tag, max([answer_lp, *same_form]), relative, paired, similar, proposed
    )


def _similarities(
    engine: ExerciseEngine, answer: str, words: Sequence[str], proposals: Sequence[tuple[int, float]]
) -> tuple[dict[str, float], dict[str, float]]:
    """Each word's cosine with the answer and with where ``proposals`` point (the model's word
    vectors; both empty when it has none)."""
    vectors = engine.word_vectors()
    if vectors is None:
        return {}, {}
    target = vectors.vector(engine.decoder.pieces(answer, True))
    pointed = vectors.expected(proposals)
    similar, proposed = {}, {}
    for word in words:
        v = vectors.vector(engine.decoder.pieces(word, True))
        if v is None:
            continue
        if target is not None:
            similar[_fold(word)] = float(v @ target)
        if pointed is not None:
            proposed[_fold(word)] = float(v @ pointed)
    return similar, proposed


def _percent(prob: float) -> str:
    if prob >= 0.01:
        return f"{prob:.0%}"
    return f"{prob:.1%}" if prob >= 0.001 else "<0.1%"


@dataclass(frozen=True)
class Verdict:
    """What became of one answer.

    ``status`` is ``correct``, ``also_fits``, ``wrong_form``, ``wrong`` or ``empty``. ``rank``
    is the model's rank of the given word among the slot's best words (None: below them);
    ``preferred`` are words the model prefers to it, with their probabilities (wrong answers).
    """

    number: int
    given: str
    answer: str
    status: str
    rank: int | None = None
    preferred: tuple[tuple[str, float], ...] = ()
    given_log_prob: float | None = None
    answer_log_prob: float | None = None
    form: str = ""  # a word of another form than the slot's: the form that fits ("investigating")
    opposite: bool = False  # a word of the opposite meaning ("sold" for "bought")

    @property
    def accepted(self) -> bool:
        """True for the exact answer and for one that also fits."""
        return self.status in (CORRECT, ALSO_FITS)

    @property
    def better(self) -> tuple[str, ...]:
        """The words the model prefers to the one given."""
        return tuple(w for w, _ in self.preferred)

    def message(self) -> str:
        """One line for the learner: which case it is and why."""
        n = self.number
        if self.status == CORRECT:
            return f"{n}. Right: {self.answer}."
        if self.status == ALSO_FITS:
            return f"{n}. Also fits: {self.given} works here too (the text has {self.answer})."
        if self.status == EMPTY:
            return f"{n}. No answer; the text has {self.answer}."
        if self.status == WRONG_FORM and self.form:
            return (
                f"{n}. Right word, wrong form: {self.given!r} fits here as {self.form!r} "
                f"(the text has {self.answer})."
            )
        if self.status == WRONG_FORM:
            return f"{n}. Right word, wrong form: {self.given!r} should be {self.answer!r} here."
        if self.opposite:
            why = f"{self.given!r} means the opposite of {self.answer!r}"
        elif self.given_log_prob is None:
            why = f"the model cannot place {self.given!r} here"
        else:
            chance = _percent(math.exp(self.given_log_prob))
            if self.rank is not None:
                why = f"the model ranks {self.given!r} #{self.rank} here ({chance})"
            else:
                why = f"{self.given!r} hardly fits here for the model ({chance})"
        better = ", ".join(f"{w} ({_percent(p)})" for w, p in self.preferred)
        prefers = f"; it prefers {better}" if better else ""
        return f"{n}. Not quite: {why}{prefers}. The text has {self.answer}."


def judge(
    view: SlotView,
    number: int,
    given: str,
    multiple_choice: bool = False,
    settings: JudgeSettings | None = None,
    forms: Sequence[str] = (),
) -> Verdict:
    """The verdict on ``given`` from the model's view of the slot (no model call). ``forms``:
    ``given`` in the answer's forms (``lexicon.in_forms``), scored in ``view`` too: a word that
    does not fit as written but fits in the form the answer has in this slot (its voted tag; the
    likeliest such form) is the right word in the wrong form ("investigate" for "checking":
    investigating)."""
    answer = view.answer
    settings = settings or view.settings()
    lp, answer_lp = view.log_prob(given), view.log_prob(answer)
    same_word = lexicon.same_lemma(given, answer)
    if opposites.opposite(given, answer):
        return Verdict(
            number, given, answer, WRONG, view.rank(given), view.better(given), lp, answer_lp, opposite=True
        )
    fits = view.fits(given, FORM_JUDGE if same_word else settings)
    if not multiple_choice and same_word and not fits:
        return Verdict(number, given, answer, WRONG_FORM, view.rank(given), (), lp, answer_lp)
    # only a form of the class and form the answer has in this slot (its voted tag)
    in_slot = [
        f
        for f in forms
        if _fold(f) != _fold(given) and view.tag and any(view.tag in lexicon.form_tags(w) for w in f.split())
    ]
    best = max(((p, f) for f in in_slot if (p := view.log_prob(f)) is not None), default=None)
    form_fits = best is not None and view.fits(best[1], settings)
    # a word of another form than the slot's ("are examine") fits only where its form does not
    # fit better: else it is the right word in the wrong form, however well the model takes it
    off_form = bool(view.tag) and len(given.split()) == 1 and view.tag not in lexicon.form_tags(given)
    form_better = form_fits and best is not None and (lp is None or best[0] > lp)
    if not multiple_choice and fits and not (off_form and form_better):
        return Verdict(number, given, answer, ALSO_FITS, view.rank(given), (), lp, answer_lp)
    if not multiple_choice and form_fits and best is not None:
        return Verdict(number, given, answer, WRONG_FORM, view.rank(given), (), lp, answer_lp, best[1])
    return Verdict(number, given, answer, WRONG, view.rank(given), view.better(given), lp, answer_lp)


def check_answer(
    engine: ExerciseEngine,
    exercise: Exercise,
    number: int,
    given: str,
    settings: JudgeSettings | None = None,
) -> Verdict:
    """Judge ``given`` for blank ``number``; asks the model only when it is not the exact answer."""
    item = exercise.item(number)
    given = " ".join(given.split())
    if not given:
        return Verdict(number, given, item.answer, EMPTY)
    if _same(given, item.answer):
        return Verdict(number, given, item.answer, CORRECT)
    forms = (
        ()
        if item.is_multiple_choice or lexicon.same_lemma(given, item.answer)
        else in_forms(given, item.answer)
    )
    view = slot_view(engine, exercise.text, item.start, item.end, [given, *forms])
    return judge(view, number, given, item.is_multiple_choice, settings, forms)


def in_forms(given: str, answer: str) -> tuple[str, ...]:
    """``given`` in the forms ``answer`` can have (``lexicon.in_forms``), at most three."""
    return lexicon.in_forms(given, answer)[:3]


def check_answers(engine: ExerciseEngine, exercise: Exercise, answers: Mapping[int, str]) -> list[Verdict]:
    """Judge several answers at once (``{number: given}``), in blank order."""
    return [check_answer(engine, exercise, number, answers[number]) for number in sorted(answers)]


def hint(answer: str, level: int) -> str:
    """A hint for ``answer``: level 1 the first letter, level 2 also its length."""
    if level <= 0:
        return ""
    first = f"starts with “{answer[0]}”"
    if level == 1:
        return first
    return f"{first}, {len(answer)} letters: {answer[0]}{' _' * (len(answer) - 1)}"


@dataclass(frozen=True)
class Score:
    """The result at the end. An accepted answer earns 1 point, a right word in the wrong form
    ``form_credit`` (0.5 or 0); a hint halves what a blank earns."""

    total: int
    correct: int
    also_fits: int
    wrong: int
    unanswered: int
    hints_used: int
    points: float
    wrong_form: int = 0

    def summary(self) -> str:
        """One line, e.g. ``Score 6.5/8: 6 right, 1 also fits, 1 wrong (2 hints)``."""
        pts = f"{self.points:g}"
        parts = [f"{self.correct} right", f"{self.also_fits} also fit"]
        if self.wrong_form:
            parts.append(f"{self.wrong_form} wrong form")
        parts.append(f"{self.wrong} wrong")
        if self.unanswered:
            parts.append(f"{self.unanswered} unanswered")
        hints = f" ({self.hints_used} hint{'s' if self.hints_used != 1 else ''})" if self.hints_used else ""
        return f"Score {pts}/{self.total}: {', '.join(parts)}{hints}"


@dataclass
class ExerciseSession:
    """A learner working through an exercise: answers and hints so far (mutable, one per run).

    ``form_credit``: what a right word in the wrong form earns (0.5: half a point, 0: nothing).
    """

    exercise: Exercise
    verdicts: dict[int, Verdict] = field(default_factory=dict)
    hints: dict[int, int] = field(default_factory=dict)
    form_credit: float = 0.5

    def answer(self, engine: ExerciseEngine, number: int, given: str) -> Verdict:
        """Check and record an answer (a later answer to the same blank replaces it)."""
        verdict = check_answer(engine, self.exercise, number, given)
        self.verdicts[number] = verdict
        return verdict

    def hint(self, number: int) -> str:
        """The next hint for blank ``number`` (first letter, then length); repeats the last one."""
        item = self.exercise.item(number)
        level = min(self.hints.get(number, 0) + 1, HINT_LEVELS)
        self.hints[number] = level
        return hint(item.answer, level)

    def record(self, verdict: Verdict) -> None:
        """Keep a verdict judged elsewhere (e.g. on a worker thread)."""
        self.verdicts[verdict.number] = verdict

    def _points(self, verdict: Verdict) -> float:
        earned = 1.0 if verdict.accepted else self.form_credit if verdict.status == WRONG_FORM else 0.0
        return earned * (0.5 if self.hints.get(verdict.number) else 1.0)

    def score(self) -> Score:
        """The score so far; blanks without an answer count as unanswered."""
        total = len(self.exercise.items)
        statuses = [v.status for v in self.verdicts.values()]
        answered = sum(1 for s in statuses if s != EMPTY)
        return Score(
            total=total,
            correct=statuses.count(CORRECT),
            also_fits=statuses.count(ALSO_FITS),
            wrong=statuses.count(WRONG),
            unanswered=total - answered,
            hints_used=sum(1 for n in self.hints if self.hints[n]),
            points=sum(self._points(v) for v in self.verdicts.values()),
            wrong_form=statuses.count(WRONG_FORM),
        )


def validate_choice(exercise: Exercise, number: int, given: str) -> None:
    """Raise InputError when a multiple-choice blank gets a word that is not one of its choices."""
    item = exercise.item(number)
    if item.is_multiple_choice and not any(_same(given, c) for c in item.choices):
        raise InputError(f"Blank {number} takes one of: {', '.join(item.choices)}.")
