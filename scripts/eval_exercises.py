"""Measure (and calibrate) exercises with a real model: the judge, the distractors, the speed.

``judge``: SWORDS dev (``../shared/eval/swords_dev.jsonl``) lists substitutes for a target word in
context with the share of judges who accepted them. For every item the app's own ``slot_view``
scores the target, every substitute, five random words of the target's class and form (from
wordfreq's common words) and the target's other inflections together: masked (does it fit the
context), and with the target in place and in the sentence pair (does it mean what the target
means there), and each word's similarity to the target and to the model's proposals (its word
vectors). ``JudgeSettings`` are fitted (the most gold substitutes accepted while zero-score
substitutes are refused >= 85% and random words >= 95%, among the settings that judge the
issue's ``EXAMPLES`` as a teacher would) on all items for the app (``fitted_on_all``), and
measured by two-fold cross-validation: items split in halves by a hash of their id, fitted on
one half and measured on the other, both ways, the two measures pooled (``cross_validated``);
``without_the_pair`` and ``without_word_similarity`` are the same with the pair's weight 0 or no
word vectors. Form errors: each target's other
inflections, labelled "right word, wrong form" or not. ``check_cost``: the model runs, batch
cells and time of one ``check_answers`` over a 300-word exercise's answers.

``distractors``: multiple-choice exercises from held-out corpus text (``bench/heldout.jsonl``,
never trained on); counts distractors of another class or form, function-word distractors for
content answers and distractors among the slot's 10 best words.

``speed``: the time to build a 300-word multiple-choice exercise (median of runs, warm), with
the model runs and batch cells it asks for (the same on any machine, busy or not).

``levels``: what each level blanks in held-out passages, in the model's exact view.

    python scripts/eval_exercises.py judge --cache /tmp/swords-views.json
    python scripts/eval_exercises.py distractors --items 300
    python scripts/eval_exercises.py speed
    python scripts/eval_exercises.py levels --passages 8
Writes ``docs/exercise-eval.json`` (each part replaces its own entry).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import random
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cloze_app.core.engine.engine import ClozeEngine  # noqa: E402
from cloze_app.core.learn import lexicon, opposites  # noqa: E402
from cloze_app.core.learn.answers import (  # noqa: E402
    JUDGE,
    PLAIN_JUDGE,
    WRONG_FORM,
    JudgeSettings,
    SlotView,
    judge,
    slot_view,
)
from cloze_app.core.models.registry import ModelRegistry  # noqa: E402

SWORDS = REPO.parent / "shared" / "eval" / "swords_dev.jsonl"
HELDOUT = REPO / "bench" / "heldout.jsonl"
OUT = REPO / "docs" / "exercise-eval.json"
RANDOM_PER_ITEM = 5
ZERO_PER_ITEM = 10  # zero-score substitutes scored per item (a seeded sample)


def _half(item_id: str) -> str:
    return "fit" if hashlib.sha256(item_id.encode()).digest()[0] % 2 == 0 else "report"


def _random_pool() -> dict[str, list[str]]:
    """Common content words by form tag (wordfreq's top 20,000 English words)."""
    import wordfreq

    pool: dict[str, list[str]] = {}
    for word in wordfreq.top_n_list("en", 20000):
        if not word.isalpha() or len(word) < 3 or lexicon.is_function_word(word):
            continue
        for tag in lexicon.form_tags(word):
            pool.setdefault(tag, []).append(word)
    return pool


_POS_TAGS = {"VERB": "VB", "NOUN": "NN", "ADJ": "JJ", "ADV": "RB"}


def in_form(sub: str, target: str, pos: str) -> str:
    """``sub`` in the form ``target`` has in its slot (``lexicon.in_forms`` for SWORDS's part of
    speech; the first, or ``sub`` itself). SWORDS lists substitutes as lemmas ("investigate",
    "try" for "checking"; "request" for "asked"): a learner writes the word in the form the
    sentence needs ("investigating", "requested"), and the judge reads the word in the slot,
    where a lemma of the wrong form is a wrong answer (the app says "right word, wrong form")."""
    forms = lexicon.in_forms(sub, target, _POS_TAGS.get(pos, ""))
    return forms[0] if forms else sub


def _views(engine: ClozeEngine, limit: int, cache: Path | None) -> list[dict[str, Any]]:
    if cache and cache.is_file():
        return json.loads(cache.read_text(encoding="utf-8"))
    pool = _random_pool()
    rng = random.Random(13)
    rows = []
    items = [json.loads(line) for line in SWORDS.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    for k, item in enumerate(items[:limit] if limit else items):
        target = item["target"]
        start = item["text"].index("___")
        text = item["text"][:start] + target + item["text"][start + 3 :]
        # Substitutes between 0 and 0.5 count in no rate; zero-score ones are many (~26 an
        # item), so a fixed sample of them keeps the run short without biasing the rate.
        subs: dict[str, float] = {}
        for s in sorted(item["substitutes"], key=lambda s: -s["score"]):
            word = in_form(s["word"], target, item["pos"])
            if word.lower() != target.lower() and (s["score"] >= 0.5 or s["score"] == 0.0):
                subs.setdefault(word, s["score"])
        zeros = sorted(w for w, score in subs.items() if score == 0.0)
        dropped = set(zeros) - set(rng.sample(zeros, min(len(zeros), ZERO_PER_ITEM)))
        subs = {w: score for w, score in subs.items() if w not in dropped}
        tags = lexicon.form_tags(target)
        same_class = sorted({w for t in tags for w in pool.get(t, ())})
        taken = {w.lower() for w in subs} | lexicon.inflections(target)
        randoms = [w for w in rng.sample(same_class, min(len(same_class), 40)) if w not in taken]
        randoms = randoms[:RANDOM_PER_ITEM]
        forms = sorted(lexicon.inflections(target) - {target.lower()})
        view = slot_view(engine, text, start, start + len(target), [*subs, *randoms, *forms])
        rows.append(
            {
                "id": item["id"],
                "target": target,
                "pos": item["pos"],
                "subs": subs,
                "randoms": randoms,
                "forms": forms,
                "view": {
                    "answer": view.answer,
                    "scores": dict(view.scores),
                    "top": view.top,
                    "tag": view.tag,
                    "best_log_prob": view.best_log_prob,
                    "aware": dict(view.aware),
                    "paired": dict(view.paired),
                    "similar": dict(view.similar),
                    "proposed": dict(view.proposed),
                },
            }
        )
        if k % 25 == 0:
            print(f"  {k}/{len(items)} items, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if cache:
        cache.write_text(json.dumps(rows), encoding="utf-8")
    return rows


def _view(row: dict[str, Any]) -> SlotView:
    v = row["view"]
    top = tuple(tuple(p) for p in v["top"])
    aware, paired = v.get("aware", {}), v.get("paired", {})
    similar, proposed = v.get("similar", {}), v.get("proposed", {})
    return SlotView(
        v["answer"], v["scores"], top, v["tag"], v["best_log_prob"], aware, paired, similar, proposed
    )


def _rates(rows: list[dict[str, Any]], settings: JudgeSettings) -> dict[str, float]:
    """The rates with the app's own ``SlotView.fits`` and ``judge``."""
    gold = zero = rand = form = 0
    gold_ok = zero_ok = rand_ok = form_ok = 0
    for row in rows:
        view = _view(row)
        for word, score in row["subs"].items():
            fits = view.fits(word, settings)
            if score >= 0.5:
                gold, gold_ok = gold + 1, gold_ok + fits
            elif score == 0.0:
                zero, zero_ok = zero + 1, zero_ok + (not fits)
        for word in row["randoms"]:
            rand, rand_ok = rand + 1, rand_ok + (not view.fits(word, settings))
        for word in row["forms"]:
            if view.log_prob(word) is None:
                continue
            form += 1
            form_ok += judge(view, 1, word, settings=settings).status == WRONG_FORM
    return {
        "gold_accepted": gold_ok / max(1, gold),
        "zero_refused": zero_ok / max(1, zero),
        "random_refused": rand_ok / max(1, rand),
        "form_errors_labelled": form_ok / max(1, form),
        "gold": gold,
        "zero": zero,
        "random": rand,
        "forms": form,
        "items": len(rows),
    }


Features = dict[str, Any]  # see _features: one numpy array per column


def _features(rows: list[dict[str, Any]]) -> Features:
    """For every gold, zero-score and random word: its kind, log-prob minus the answer's, minus
    the best of the answer's form, words, rank, and the answer-aware and sentence-pair scores
    (minus the best other proposal): what ``SlotView.fits`` decides on."""
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "kind",
            "rel_answer",
            "rel_best",
            "words",
            "rank",
            "aware",
            "paired",
            "similar",
            "proposed",
            "opposite",
        )
    }
    for row in rows:
        view = _view(row)
        answer_lp = view.log_prob(row["target"])
        kinds = [("gold" if s >= 0.5 else "zero", w) for w, s in row["subs"].items()]
        for kind, word in [*kinds, *(("random", w) for w in row["randoms"])]:
            lp = view.log_prob(word)
            if lp is None or answer_lp is None:
                continue
            key = " ".join(word.split()).casefold()
            # As SlotView.fits: no aware scores at all (the answer not a word of its own) asks nothing.
            aware = view.aware.get(key, -math.inf) if view.aware else 0.0
            paired = view.paired.get(key, -math.inf) if view.aware else 0.0
            similar, proposed = view.similar.get(key, math.nan), view.proposed.get(key, math.nan)
            values = (
                kind,
                lp - answer_lp,
                lp - view.best_log_prob,
                len(word.split()),
                view.rank(word) or 10**6,
            )
            for name, value in zip(
                cols,
                (*values, aware, paired, similar, proposed, opposites.opposite(word, row["target"])),
                strict=True,
            ):
                cols[name].append(value)
    return {name: np.array(values) for name, values in cols.items()}


def _feature_rates(f: Features, s: JudgeSettings) -> dict[str, float]:
    """``SlotView.fits`` over the feature columns at once (the same rule, vectorised)."""
    extra = s.phrase_margin * (f["words"] - 1)
    if s.similar_weight:
        extra = extra + np.nan_to_num(s.similar_weight * (f["similar"] - s.similar_center), nan=0.0)
    good = (f["rank"] <= s.top_rank) | (f["rel_best"] >= -s.best_margin - extra)
    with np.errstate(invalid="ignore"):  # -inf * 0 where a weight is 0
        meaning = (
            f["aware"]
            if not s.paired_weight
            else (1 - s.paired_weight) * f["aware"] + s.paired_weight * f["paired"]
        )
    meaning = np.nan_to_num(meaning, nan=-np.inf)
    if s.proposal_weight:
        meaning = meaning + np.nan_to_num(s.proposal_weight * (f["proposed"] - s.proposal_center), nan=0.0)
    means = meaning >= -s.aware_margin - extra
    accepted = good & means & (f["rel_answer"] >= -s.answer_margin - extra) & ~f["opposite"]
    kind = f["kind"]
    return {
        "gold_accepted": float(accepted[kind == "gold"].mean()),
        "zero_refused": float(1 - accepted[kind == "zero"].mean()),
        "random_refused": float(1 - accepted[kind == "random"].mean()),
    }


def _grid(similar: bool = True) -> list[JudgeSettings]:
    """The settings tried: without word similarity (``PLAIN_JUDGE``'s grid) or with it (a
    narrower grid of the other margins, each with every weight and centre of the similarity to
    the answer and to the proposals)."""
    margins = [float(x) for x in range(4, 17)]  # 4 to 16 nats below the best word of the form
    aware = [x / 4 for x in range(16, 41)] + [math.inf]  # 4 to 10 nats below the best proposal
    if not similar:
        return [
            JudgeSettings(top, best, answer, phrase, near, weight)
            for top, best, answer, phrase, near, weight in itertools.product(
                (0, 5, 10), margins, (6.0, 8.0, 10.0), (0.0, 2.0, 3.0, 4.0), aware, (0.0, 0.25, 0.5, 0.75)
            )
        ]
    return [
        JudgeSettings(0, best, answer, phrase, near, weight, sim, centre, prop, prop_centre)
        for best, answer, phrase, near, weight, sim, centre, prop, prop_centre in itertools.product(
            (12.0, 14.0, 16.0),
            (6.0, 8.0, 10.0),
            (3.0, 4.0),
            [x / 2 for x in range(8, 25)],  # 4 to 12 nats: the proposals' similarity adds room
            (0.0, 0.25, 0.5),
            (10.0, 20.0, 30.0),
            (0.2, 0.25),
            (0.0, 10.0, 20.0, 30.0, 40.0),
            (0.25, 0.3),
        )
    ]


def check_cost(engine: ClozeEngine, repeat: int = 3) -> dict[str, Any]:
    """The model work of one check of a learner's answers, as the window's Check button asks it
    (``check_answers``): a 300-word held-out passage made into a medium open-answer exercise,
    every blank answered with the slot's best word other than the answer (so each is judged by
    the model, none is the exact answer). Runs and batch cells do not depend on the machine's
    load; the time is the median of ``repeat`` checks, warm."""
    from cloze_app.core.learn.answers import check_answers
    from cloze_app.core.learn.exercises import ExerciseOptions, make_exercise

    text = " ".join(" ".join(_heldout_passages(300)[:1]).split()[:300])
    exercise = make_exercise(engine, text, ExerciseOptions(difficulty="medium"))
    spans = [(item.start, item.end) for item in exercise.items]
    answers = {}
    for item, found in zip(exercise.items, engine.check_words(text, spans=spans, top_k=5), strict=True):
        others = [a.word for a in found.alternatives if a.word.casefold() != item.answer.casefold()]
        answers[item.number] = others[0] if others else "thing"
    check_answers(engine, exercise, answers)  # warm
    runner = engine.decoder.runner
    times = []
    for _ in range(repeat):
        runs, cells, started = runner.runs, runner.tokens_run, time.perf_counter()
        verdicts = check_answers(engine, exercise, answers)
        times.append(time.perf_counter() - started)
        runs, cells = runner.runs - runs, runner.tokens_run - cells
    return {
        "answers": len(answers),
        "also_fits": sum(v.status == "also_fits" for v in verdicts),
        "session_runs": runs,
        "batch_cells": cells,
        "median_s": round(statistics.median(times), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


# The examples (tests/test_exercises_bundled.py asserts the same verdicts): (text, answer,
# words that also fit, words that do not). Settings that judge any of them otherwise are not
# chosen, however many substitutes they accept.
EXAMPLES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Every morning my grandmother comes to the bakery to buy fresh bread.",
        "bakery",
        ("store",),
        ("table", "ocean"),
    ),
    (
        "In the morning she walks to the bakery and buys fresh bread for them.",
        "bakery",
        ("store",),
        ("ocean",),
    ),
    ("She bought a loaf of bread at the bakery on the corner.", "bakery", (), ("ocean",)),
    ("In the evening she likes to sit in the garden and read a book.", "evening", (), ("ocean", "table")),
    ("The Seine flows through Paris and into the sea.", "flows", ("runs", "passes"), ("sleeps",)),
    ("The Seine flows through Paris.", "flows", ("runs",), ()),
)


# Opposites, words of the same kind and synonyms the model may not propose (not used to fit):
# (text, answer, words given). ``run_judge`` reports each verdict with and without word vectors.
PROBES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Yesterday I bought a new car from my neighbour.", "bought", ("sold", "purchased", "got", "ate")),
    ("The film was so boring that I fell asleep.", "boring", ("exciting", "dull", "long", "tedious")),
    ("The children played in the park all afternoon.", "children", ("dogs", "kids", "boys", "students")),
    ("We owe them each month for a total of three million dollars.", "total", ("sum", "amount", "ocean")),
    ("He opened the door with his key.", "key", ("hand", "foot", "card", "knife")),
    ("She was very happy to see her old friend again.", "happy", ("glad", "sad", "pleased", "angry")),
    ("They live in a big house near the river.", "big", ("enormous", "huge", "gigantic", "small")),
    ("It was a very interesting book about the history of Rome.", "interesting", ("intriguing", "boring")),
    ("I want a cup of tea, please.", "want", ("desire", "need")),
)


def _probe_verdicts(engine: ClozeEngine) -> dict[str, dict[str, dict[str, str]]]:
    """``PROBES``' verdicts: {answer: {given: {"app": status, "without_word_vectors": status}}}."""
    from cloze_app.core.learn.answers import check_answer
    from cloze_app.core.learn.items import Exercise, ExerciseItem

    out: dict[str, dict[str, dict[str, str]]] = {}
    for text, answer, givens in PROBES:
        start = text.index(answer)
        exercise = Exercise(text, (ExerciseItem(1, start, start + len(answer), answer),))
        out[answer] = {
            g: {
                "app": check_answer(engine, exercise, 1, g).status,
                "without_word_vectors": check_answer(engine, exercise, 1, g, PLAIN_JUDGE).status,
            }
            for g in givens
        }
    return out


def _example_views(engine: ClozeEngine) -> list[tuple[SlotView, tuple[str, ...], tuple[str, ...]]]:
    views = []
    for text, answer, fits, wrong in EXAMPLES:
        start = text.index(answer)
        views.append((slot_view(engine, text, start, start + len(answer), [*fits, *wrong]), fits, wrong))
    return views


def _best_settings(
    features: Features,
    examples: list[tuple[SlotView, tuple[str, ...], tuple[str, ...]]],
    zero_min: float,
    random_min: float,
    pair: bool = True,
    similar: bool = True,
) -> JudgeSettings | None:
    """The grid's settings that accept the most gold substitutes of ``features`` while refusing
    ``zero_min`` of the zero-score ones and ``random_min`` of the random words, and judge the
    issue's examples as a teacher would (``pair`` False: only settings that leave the sentence
    pair out; ``similar`` False: the grid without word similarity)."""
    best: tuple[float, JudgeSettings] | None = None
    for settings in _grid(similar):
        if settings.paired_weight and not pair:
            continue
        r = _feature_rates(features, settings)
        if r["zero_refused"] < zero_min or r["random_refused"] < random_min:
            continue
        if best is not None and r["gold_accepted"] <= best[0] + 1e-9:
            continue
        if all(
            all(view.fits(w, settings) for w in fits) and not any(view.fits(w, settings) for w in wrong)
            for view, fits, wrong in examples
        ):
            best = (r["gold_accepted"], settings)
    return best[1] if best else None


def _similarity_medians(f: Features) -> dict[str, dict[str, float]]:
    """Median cosine of gold, zero-score and random words with the target (``similar``) and with
    the model's proposals, the target in place (``proposed``)."""
    kinds = ("gold", "zero", "random")
    return {
        column: {kind: round(float(np.nanmedian(f[column][f["kind"] == kind])), 3) for kind in kinds}
        for column in ("similar", "proposed")
    }


def _pooled(parts: list[dict[str, Any]]) -> dict[str, float]:
    """The rates of several folds' reports as one (each count weighed by its fold's size)."""
    out: dict[str, float] = {}
    for rate, count in (
        ("gold_accepted", "gold"),
        ("zero_refused", "zero"),
        ("random_refused", "random"),
        ("form_errors_labelled", "forms"),
    ):
        total = sum(p[count] for p in parts)
        out[rate] = sum(p[rate] * p[count] for p in parts) / max(1, total)
        out[count] = total
    return out


Half = tuple[list[dict[str, Any]], Features]  # a half's rows and their feature columns


def _cross_validated(
    halves: tuple[Half, Half],
    examples: list[tuple[SlotView, tuple[str, ...], tuple[str, ...]]],
    zero_min: float = 0.85,
    random_min: float = 0.95,
    **grid: bool,
) -> dict[str, Any]:
    """Two-fold cross-validation: fit on each half, measure on the other, and both measures pooled."""
    folds = []
    for (_, fit), (report, _) in (halves, halves[::-1]):
        settings = _best_settings(fit, examples, zero_min, random_min, **grid)
        if settings is None:
            return {"settings": None}
        folds.append({"settings": asdict(settings), "other_half": _rates(report, settings)})
    return {"pooled": _pooled([f["other_half"] for f in folds]), "folds": folds}


def run_judge(engine: ClozeEngine, args: argparse.Namespace) -> dict[str, Any]:
    rows = _views(engine, args.limit, args.cache)
    fit_rows = [r for r in rows if _half(r["id"]) == "fit"]
    report_rows = [r for r in rows if _half(r["id"]) == "report"]
    halves = ((fit_rows, _features(fit_rows)), (report_rows, _features(report_rows)))
    examples, features = _example_views(engine), _features(rows)
    chosen = _best_settings(features, examples, 0.85, 0.95) or JUDGE
    plain = _best_settings(features, examples, 0.85, 0.95, similar=False) or PLAIN_JUDGE
    stricter = {
        f"zero>={zero_min}, random>={random_min}": _cross_validated(halves, examples, zero_min, random_min)
        for zero_min, random_min in ((0.9, 0.97), (0.95, 0.99))
    }
    return {
        "model": engine.info.id,
        "cross_validated": _cross_validated(halves, examples),
        "fitted_on_all": asdict(chosen),
        "in_app": asdict(JUDGE),
        "all_with_app_settings": _rates(rows, JUDGE),
        "stricter_operating_points": stricter,
        "without_the_pair": _cross_validated(halves, examples, pair=False),
        "without_word_similarity": {
            **_cross_validated(halves, examples, similar=False),
            "fitted_on_all": asdict(plain),
            "in_app_without_vectors": asdict(PLAIN_JUDGE),
        },
        "similarity_medians": _similarity_medians(features),
        "probes": _probe_verdicts(engine),
        "check_cost": check_cost(engine),
    }


def _heldout_passages(words_per_passage: int) -> list[str]:
    """Held-out corpus sentences (answers filled in) joined into passages of about N words."""
    passages, current = [], []
    for line in HELDOUT.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        current.append(item["text"].replace("___", item["answer"], 1))
        if sum(len(t.split()) for t in current) >= words_per_passage:
            passages.append(" ".join(current))
            current = []
    return passages


def run_distractors(engine: ClozeEngine, args: argparse.Namespace) -> dict[str, Any]:
    from cloze_app.core.learn.distractors import slot_tag
    from cloze_app.core.learn.exercises import ExerciseOptions, make_exercise

    counts = dict.fromkeys(
        (
            "items",
            "multiple_choice",
            "distractors",
            "other_class",
            "other_form",
            "function_for_content",
            "in_top10",
            "within_20x_in_judge_view",
        ),
        0,
    )
    examples: list[str] = []
    levels = ("easy", "medium", "hard")
    for k, passage in enumerate(_heldout_passages(120)):
        if counts["items"] >= args.items:
            break
        level = levels[k % len(levels)]
        exercise = make_exercise(engine, passage, ExerciseOptions(difficulty=level, choices=4, seed=k))
        spans = [(i.start, i.end) for i in exercise.items]
        fresh = {(c.start, c.end): c for c in engine.check_words(passage, spans=spans, top_k=10)}
        for item in exercise.items:
            if item.choices:  # as the judge scores the choices: one blank, the model's full window
                probe, _, _ = exercise.probe_text(item.number)
                scores = {s.option: s.log_prob for s in engine.score_options(probe, item.choices)}
                close = [d for d in item.distractors if scores[d] > scores[item.answer] - math.log(20)]
                counts["within_20x_in_judge_view"] += len(close)
                examples += [f"{item.answer} -> {d} within 20x of the answer (judge's view)" for d in close]
            counts["items"] += 1
            counts["multiple_choice"] += item.is_multiple_choice
            check = fresh.get((item.start, item.end))
            top = {a.word.casefold() for a in check.alternatives} if check else set()
            tag = slot_tag(item.answer, check)
            for d in item.distractors:
                counts["distractors"] += 1
                content = not lexicon.is_function_word(item.answer)
                d_tags = lexicon.form_tags(d)
                if (
                    content
                    and tag
                    and lexicon.CLASS_OF_TAG[tag] not in {lexicon.CLASS_OF_TAG[t] for t in d_tags}
                ):
                    counts["other_class"] += 1
                    examples.append(f"{item.answer}/{tag} -> {d} {sorted(d_tags)} (class)")
                elif content and tag and tag not in d_tags:
                    counts["other_form"] += 1
                    examples.append(f"{item.answer}/{tag} -> {d} {sorted(d_tags)} (form)")
                if content and lexicon.is_function_word(d):
                    counts["function_for_content"] += 1
                    examples.append(f"{item.answer} -> function word {d}")
                if d.casefold() in top:
                    counts["in_top10"] += 1
                    examples.append(f"{item.answer} -> {d} in the slot's top 10")
        print(f"  {counts['items']} items", file=sys.stderr)
    return {"model": engine.info.id, "levels": levels, **counts, "examples": examples[:20]}


def run_levels(engine: ClozeEngine, args: argparse.Namespace) -> dict[str, Any]:
    """What each level blanks, in the model's exact view (``check_words`` of the chosen blanks,
    in context and from the words before them only): the share the context makes clear (rank
    <= 3), the mean log-probability, the share the rest of the passage makes at least 4x likelier
    than the words before them, the share of function words. Held-out 300-word passages, open
    answers (the blanks as the level chooses them)."""
    from cloze_app.core.learn.exercises import ExerciseOptions, make_exercise

    passages = [" ".join(p.split()[:300]) for p in _heldout_passages(300)[: args.passages]]
    out: dict[str, Any] = {}
    for level in ("easy", "medium", "hard", "grammar"):
        ranks, lps, gains, function = [], [], [], []
        for text in passages:
            exercise = make_exercise(engine, text, ExerciseOptions(difficulty=level))
            spans = [(i.start, i.end) for i in exercise.items]
            full = {(c.start, c.end): c for c in engine.check_words(text, spans=spans)}
            left = {(c.start, c.end): c for c in engine.check_words(text, spans=spans, right_context=False)}
            for item in exercise.items:
                span = (item.start, item.end)
                if span not in full or span not in left:
                    continue
                rank = full[span].rank
                ranks.append(rank is not None and rank <= 3)
                lps.append(full[span].log_prob)
                gains.append(full[span].log_prob - left[span].log_prob >= math.log(4.0))
                function.append(lexicon.is_function_word(item.answer))
        out[level] = {
            "blanks": len(ranks),
            "context_makes_clear": round(statistics.mean(ranks), 3),
            "mean_log_prob": round(statistics.mean(lps), 2),
            "passage_makes_4x_likelier": round(statistics.mean(gains), 3),
            "function_words": round(statistics.mean(function), 3),
        }
        print(f"  {level}: {out[level]}", file=sys.stderr)
    return {"model": engine.info.id, "passages": len(passages), "words": 300, "levels": out}


def run_speed(engine: ClozeEngine, args: argparse.Namespace) -> dict[str, Any]:
    """Time to build a 300-word exercise, against checking every word of the same text (the
    engine's own batched pass over it) measured in the same run, so a busy machine shows as a
    slower reference too. Also the work asked of the model, which no other load changes: its
    runs (``session.run`` calls) and batch cells (rows x padded length)."""
    from cloze_app.core.learn.exercises import ExerciseOptions, make_exercise

    text = " ".join(" ".join(_heldout_passages(300)[:1]).split()[:300])
    settings = {
        "medium, 4 choices": ExerciseOptions(difficulty="medium", choices=4),
        "easy, 4 choices": ExerciseOptions(difficulty="easy", choices=4),
        "hard, 4 choices": ExerciseOptions(difficulty="hard", choices=4),
        "grammar, 4 choices": ExerciseOptions(difficulty="grammar", choices=4),
        "medium, open answers": ExerciseOptions(difficulty="medium"),
    }
    runner = engine.decoder.runner
    reference = "check every word (reference)"
    jobs: dict[str, Any] = {reference: lambda: engine.check_words(text)}
    for key, options in settings.items():
        jobs[key] = lambda options=options: make_exercise(engine, text, options)
    jobs["medium, 4 choices"]()  # warm: tables, caches
    runs: dict[str, list[float]] = {}
    session_runs: dict[str, int] = {}
    cells: dict[str, int] = {}
    for _ in range(args.repeat):
        for key, job in jobs.items():
            before, cells_before = runner.runs, runner.tokens_run
            started = time.perf_counter()
            job()
            runs.setdefault(key, []).append(time.perf_counter() - started)
            session_runs[key] = runner.runs - before
            cells[key] = runner.tokens_run - cells_before
    median = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "model": engine.info.id,
        "words": len(text.split()),
        "median_s": {k: round(v, 2) for k, v in median.items()},
        "times_the_reference": {k: round(v / median[reference], 2) for k, v in median.items()},
        "session_runs": session_runs,
        "batch_cells": cells,
        "cells_of_the_reference": {k: round(v / cells[reference], 2) for k, v in cells.items()},
        "runs": args.repeat,
        "load_average_1min": round(os.getloadavg()[0], 2),
        "note": "warm; medians of the runs; the machine may be shared (see the reference and the load)",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("judge", "distractors", "speed", "levels"))
    parser.add_argument("--model", default=None, help="model folder or id (default: the bundled model)")
    parser.add_argument("--limit", type=int, default=0, help="at most N SWORDS items (0: all)")
    parser.add_argument("--items", type=int, default=300, help="distractors: exercise items to make")
    parser.add_argument("--cache", type=Path, default=None, help="judge: keep the model's views here")
    parser.add_argument("--repeat", type=int, default=3, help="speed: runs per setting")
    parser.add_argument("--passages", type=int, default=8, help="levels: 300-word passages")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    lexicon.warm()
    if args.part == "judge":
        result = run_judge(engine, args)
    elif args.part == "distractors":
        result = run_distractors(engine, args)
    elif args.part == "levels":
        result = run_levels(engine, args)
    else:
        result = run_speed(engine, args)
    print(json.dumps(result, indent=2))
    if not args.no_write:
        data = json.loads(OUT.read_text(encoding="utf-8")) if OUT.is_file() else {}
        data[args.part] = result
        OUT.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
