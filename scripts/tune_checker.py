"""Tune the checker's margins on the generated error set; write the presets and the tuning doc.

The model scores the dev sets once (``scripts/checker_eval.py``, cached with ``--cache``):
the generated error set (``bench/checker_dev.jsonl``, made by ``scripts/make_error_set.py``),
its clean originals and BLiMP dev pairs. Sentences are split in two halves by a hash; the
margins are chosen on "tune" and every reported number is from "test".

Each preset maximises an F-beta on the tune half's errors while its false alarms per 100 words
of clean tune text stay within its budget (Careful: F0.5 within 0.3; Balanced, the default: F1
within 0.6; Eager: F2 within 2), by coordinate search over the margins from quiet ones; ties are
broken by BLiMP's tune half (its bad word flagged, its good word at most 4%). The default counts
BLiMP as much as the error set: its good word flagged at most 4% is a budget too, and it
maximises F1 plus the share of BLiMP's bad words flagged. The default is also tuned on the same
scores without the neighbours' context (``proofread.CONTEXT_KINDS``), for comparison. The presets are
then made nested: Careful's margins are at least Balanced's, Eager's at most (``rare_zipf`` and
``bare_zipf`` the other way round), so whatever Careful flags the others flag too.
Writes ``cloze_app/core/learn/checker_presets.json`` and ``docs/checker-tuning.md``.

    python scripts/tune_checker.py --cache /tmp/checker-scores.json [--dev 300] [--blimp 1000]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import checker_eval  # noqa: E402

from cloze_app.core.learn.checker import AGREEMENT_FLOOR, MARGIN_FIELDS, CheckerThresholds  # noqa: E402
from cloze_app.core.learn.proofread import (  # noqa: E402
    CHECK_WINDOW,
    CONTEXT_CAP,
    CONTEXT_KINDS,
    CONTEXT_WORDS,
)

PRESETS_JSON = REPO / "cloze_app" / "core" / "learn" / "checker_presets.json"
DOC = REPO / "docs" / "checker-tuning.md"
# Each preset: its false-alarm budget (per 100 clean words) and the F-beta it maximises. Careful
# weighs precision twice (F0.5); Balanced, the default, weighs both alike (F1), since a learner
# also needs the errors found, within a budget well below the target of 1 per 100 words; Eager weighs
# recall twice (F2).
BUDGETS = (("Careful", 0.3), ("Balanced", 0.6), ("Eager", 2.0))
BETAS = {"Careful": 0.5, "Balanced": 1.0, "Eager": 2.0}
# Upper bounds on the default's margins, for the task rather than the error set: a learner's
# number and form errors of issue 12's example gain, with their neighbours' context, about
# 4.9 ("She go": goes) and 4 nats ("informations", not a word)
# with the bundled model, so the default keeps margins that catch them.
# The verb slots' kinds (base after a modal or do, perfect after have, past where the sentence
# says when, gerund after a preposition) are nearly absent from the error set and BLiMP, so the
# search cannot choose their margins (any value measures the same, and a quiet start of 8 would
# stay); they are capped at the margins set by hand for the default, checked on the hand-written
# learner probe (scripts/learner_probe.py, not used here). So is the homophones' (its/it's,
# lose/loose, their/they're): edited text holds almost none of these slips, and any margin from 0
# to 8 measures the same on the error set, its clean text and BLiMP (a false alarm first at -1);
# the learner probe's its/it's, lose/loose and effects/affects gain 4.7 to 6 nats with their fix,
# "Their going" 1.3, so the default's is 1 (on the 9,872 held-out words of
# `learner_probe.py --heldout`, one flag more, "consideration too--Mrs.": to, at any margin under 5).
CAPS = {
    "Balanced": {
        "number": 4.5,
        "unknown": 4.0,
        "base": 3.0,
        "perfect": 3.0,
        "past": 4.0,
        "gerund": 3.0,
        "homophone": 1.0,
    }
}
# Lower bounds, for the same reason: in issue 12's example "She go" goes gains about 4.9 with its
# neighbours and went (another tense) 6.05, so an inflection margin under that puts went first;
# and in the README's check example "the youngest was the most beautiful" were gains 3.06, a false
# alarm under an agreement margin of 3.
# An extra word is offered from 8 nats: on the everyday chat of scripts/everyday_probe.py (400
# messages, 5,261 words) most extra-word flags under 8 read as false alarms ("check in on the
# app", "mention it on here", "a week in because"), the real slips there gain 10 or more ("to to",
# "an then", "a quite a"), and the learner probe's "go to the work" gains 8.4.
MINIMA = {"Balanced": {"inflection": 6.5, "agreement": 3.5, "extra": 8.0}}
DEFAULT = "Balanced"
# Ties on the error set (a margin whose value changes none of its flags, e.g. one for errors it
# holds few of) are broken by BLiMP's tune half: the bad word flagged, the good word at most this,
# which is also the default's budget for it: a point under issue 12's 5%, for the difference
# between the halves (with 150 pairs each, one pair 0.7 points, an earlier version of the checker
# held to 5% here flagged 6.4% of the test half's good words; with 500 each the shipped margins of
# a12f49f flagged 6.9% of the tune half's and 5.4% of the test half's).
BLIMP_GOOD = 0.04
QUIET = 8.0  # every margin at the search's start
MARGIN_GRID = (-2.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0, 12.0, 99.0)
GRIDS = {
    **{name: (*MARGIN_GRID, 3.5, 6.0, 7.0) for name in MARGIN_FIELDS},
    "rare_zipf": (0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0),
    "bare_zipf": (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0),
    "per_piece": (0.0, 0.5, 1.0, 2.0, 3.0),
}


def _objective(m: dict, budget: float, beta: float, blimp: bool = False) -> tuple[float, float]:
    """F-beta within the false-alarm budget (over it, the smaller the excess the better); ties
    are broken by BLiMP's tune half: its bad word flagged while its good word stays within
    ``BLIMP_GOOD`` (over it, the fewer good words flagged the better).

    With ``blimp`` (the default preset), BLiMP counts as much as the error set: its good word
    flagged at most ``BLIMP_GOOD`` is a budget like the false alarms', and within both the score
    is F-beta plus the share of bad words flagged."""
    tie = m["blimp_bad"] if m["blimp_good"] <= BLIMP_GOOD else -m["blimp_good"]
    if m["false_alarms_per_100"] > budget:
        return -10.0 - m["false_alarms_per_100"], tie
    f = checker_eval.f_beta(m["precision"], m["recall"], beta)
    if not blimp:
        return f, tie
    if m["blimp_good"] > BLIMP_GOOD:
        return -m["blimp_good"], tie
    return f + m["blimp_bad"], tie


def _better(score: tuple[float, float], than: tuple[float, float]) -> bool:
    if score[0] > than[0] + 1e-9:
        return True
    return abs(score[0] - than[0]) <= 1e-9 and score[1] > than[1] + 1e-9


def tune(
    data: tuple,
    budget: float,
    beta: float,
    start: CheckerThresholds,
    fixed: tuple[str, ...] = (),
    rounds: int = 3,
    caps: dict[str, float] | None = None,
    blimp: bool = False,
    minima: dict[str, float] | None = None,
) -> CheckerThresholds:
    """Coordinate search over the margins on the tune half, from ``start`` (margins at most
    ``caps`` and at least ``minima``)."""
    dev, clean, pairs = data
    caps = caps or {}
    minima = minima or {}

    def score(t: CheckerThresholds) -> tuple[float, float]:
        return _objective(checker_eval.evaluate(t, dev, clean, pairs, "tune"), budget, beta, blimp)

    best = replace(start, **{k: min(v, getattr(start, k)) for k, v in caps.items()})
    best = replace(best, **{k: max(v, getattr(best, k)) for k, v in minima.items()})
    best_score = score(best)
    for _ in range(rounds):
        improved = False
        for name, grid in GRIDS.items():
            if name in fixed:
                continue
            for value in (v for v in grid if minima.get(name, v) <= v <= caps.get(name, v)):
                change: dict[str, Any] = {name: value}
                trial = replace(best, **change)
                trial_score = score(trial)
                if _better(trial_score, best_score):
                    best, best_score, improved = trial, trial_score, True
        if not improved:
            break
    return best


def tune_default(
    data: tuple,
    budget: float,
    beta: float,
    start: CheckerThresholds,
    caps: dict[str, float] | None,
    shipped: CheckerThresholds | None = None,
    minima: dict[str, float] | None = None,
) -> CheckerThresholds:
    """The default preset: the coordinate search (``tune``, counting BLiMP) from ``start`` and from
    the ``shipped`` preset (the margins in ``checker_presets.json``, so a re-tuning never does
    worse on the tune half than what it replaces), the better on the tune half kept. A search
    moves one margin at a time and, from quiet margins, spends the false-alarm budget on the first
    margins it tries (spelling, inflection), which can lock out better uses of it."""
    dev, clean, pairs = data
    best: CheckerThresholds | None = None
    best_score = (-1e9, -1e9)
    starts = [start] if shipped is None else [start, shipped]
    for begin in starts:
        found = tune(data, budget, beta, begin, caps=caps, blimp=True, minima=minima)
        score = _objective(checker_eval.evaluate(found, dev, clean, pairs, "tune"), budget, beta, True)
        print(f"  from {begin}: {score[0]:.3f} {found}", file=sys.stderr)
        if best is None or _better(score, best_score):
            best, best_score = found, score
    assert best is not None
    return best


def nest(presets: dict[str, CheckerThresholds]) -> dict[str, CheckerThresholds]:
    """Careful >= Balanced >= Eager in every margin (rare_zipf and bare_zipf the other way round)."""
    careful, balanced, eager = presets["Careful"], presets["Balanced"], presets["Eager"]
    up = {n: max(getattr(careful, n), getattr(balanced, n)) for n in MARGIN_FIELDS}
    down = {n: min(getattr(eager, n), getattr(balanced, n)) for n in MARGIN_FIELDS}
    return {
        "Careful": replace(
            careful,
            **up,
            rare_zipf=min(careful.rare_zipf, balanced.rare_zipf),
            bare_zipf=min(careful.bare_zipf, balanced.bare_zipf),
            per_piece=balanced.per_piece,
        ),
        "Balanced": balanced,
        "Eager": replace(
            eager,
            **down,
            rare_zipf=max(eager.rare_zipf, balanced.rare_zipf),
            bare_zipf=max(eager.bare_zipf, balanced.bare_zipf),
            per_piece=balanced.per_piece,
        ),
    }


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _over_budget(tune_m: dict[str, dict]) -> str:
    """The presets whose tune-half measures exceed their budgets, in words ("none" if none)."""
    over = []
    for name, budget in BUDGETS:
        m = tune_m[name]
        if m["false_alarms_per_100"] > budget:
            over.append(
                f"{name}'s false alarms, {m['false_alarms_per_100']:.2f} per 100 words (budget {budget:g})"
            )
        if name == DEFAULT and m["blimp_good"] > BLIMP_GOOD:
            over.append(
                f"{name}'s BLiMP good word flagged, {_pct(m['blimp_good'])} (budget {BLIMP_GOOD:.0%})"
            )
    return "; ".join(over) or "none"


def write_doc(
    model: str,
    presets: dict[str, CheckerThresholds],
    test: dict[str, dict],
    tune_m: dict[str, dict],
    counts: str,
    blimp: dict[str, dict[str, int]],
    window: int,
    plain: dict | None = None,
    kept: bool = False,
) -> None:
    """The tuning doc: chosen margins, test-half measures by preset and kind, BLiMP; ``plain``:
    the default preset tuned and measured without the neighbours' context, for comparison."""
    lines = [
        "# Checker margins, tuned on a generated error set",
        "",
        f"Produced by `python scripts/tune_checker.py` with **{model}**. {counts}",
        "Sentences (and BLiMP pairs) are split in halves by a hash: the margins are chosen on the tune half,",
        "every number below is from the **test half** unless it says tune.",
        "",
        "How it checks (`cloze_app/core/learn/checker.py`): each word is compared with its confusion",
        "set (its other forms, spelling neighbours, commonly confused words, the forms of its closed-class",
        "paradigm that differ only in agreement: this/these, he/him, he/himself, doesn't/don't, a/an; a",
        "reflexive's other persons and an object pronoun's reflexive: himself/herself, him -> himself;",
        "the other members of its closed class) and each gap before a content word with an inserted",
        "article, preposition or auxiliary; a written article, preposition or auxiliary (not an emphatic",
        "do/does/did) the model finds unlikely is also tried deleted. The kinds, each with its margin: a",
        "closed-class form of another number or person (this/these, is/are, has/have) is `agreement`; a",
        "content word's (go/goes, child/children) is `number`; a reflexive's other person or an object",
        "pronoun's reflexive is `reference`; a verb's simple past for its past participle or back",
        "(went/gone, broke/broken) is `participle`; a verb's base form after a modal or a form of do",
        "(can swims, didn't went, did you finished: `confusion.base_slot`; not after to, and not for a",
        "word that is itself a base form, bore/bear, saw/see) is `base`; a verb's past participle after",
        "a form of have (has live, have ate, had went: `confusion.perfect_slot`; a simple past there,",
        "ate or went, is flagged by any gain of its participle) is `perfect`; a present form's simple",
        "past in a sentence that says when, in the past (yesterday, two years ago, last week:",
        "`confusion.past_slot`) is `past`; a base form's -ing form after a preposition (look forward",
        "to meet, interested in learn: `confusion.gerund_slot`) is `gerund`; other forms (go/went,",
        "walks/walked, and a contraction of",
        "another tense: hasn't/hadn't) are `inflection`. The words confused with an inflected word's",
        "lemma are tried in its form (effects: affects, learned: taught). A candidate",
        "is a fix when it beats the",
        "written text by the margin of its kind (natural log, PLL over all pieces in the word's",
        f"sentence, rows of at most {window} tokens). A candidate of a kind in `proofread.CONTEXT_KINDS` "
        f"({', '.join(sorted(CONTEXT_KINDS))})",
        "that the model prefers in the slot is also judged by its neighbours: the",
        f"PLL of up to {CONTEXT_WORDS} words either side with it in place, less theirs as written, is added",
        f"to its gain (at most {CONTEXT_CAP:g} nats). A word not in the dictionary and rarer than",
        "`rare_zipf` is a misspelling in any case.",
        "",
        "Words that must agree and do not (`cloze_app/core/learn/agreement.py`, read from the words'",
        "dictionary tags) get fixes whatever the margins: a determiner and its noun (those dancer,",
        "every students, these new college campus), a subject at a clause's start and its verb right",
        "after it, or after one adverb or a prepositional phrase (The teacher were, She go, The shows",
        'about Monet doesn\'t; not after a noun of quantity or a group, "a lot of", "the team"), and a',
        "reflexive and the subject of its clause (The girls discovered herself: themselves; He hurt",
        "herself: himself; a name's or a singular noun's gender is left to the margins). One of the two",
        "words is wrong whatever the model says, so the change of either to the other's number is a fix",
        f"if it is no more than {-AGREEMENT_FLOOR:g} nats less likely than the text as written",
        "(`checker.AGREEMENT_FLOOR`, chosen on the tune halves: from 0 to -3 it flags more of BLiMP's",
        "bad words and no clean text, below -3 no more), one flag over both words, the likelier fix",
        "first. Every preset flags them, in the kinds it has not switched off.",
        "",
        "The error set's grammar errors include closed-class agreement swaps (a third of them, where the",
        "sentence has such a word). Rows are pruned (`proofread.Pruning`): a candidate that cannot clear",
        "the smallest margin of any preset, even with the most its neighbours can add, is not scored; the",
        "tuning scores everything, and the app's flags are the same.",
        "",
        "Presets: Careful maximises F0.5 within 0.3 false alarms per 100 clean words (tune half),",
        "Eager F2 within 2, ties broken by BLiMP's tune half (its bad word flagged while its good word",
        f"stays within {BLIMP_GOOD:.0%}). Balanced (the default) counts BLiMP as much as the error set:",
        f"within 0.6 false alarms per 100 clean words and BLiMP's good word flagged at most {BLIMP_GOOD:.0%}",
        "(tune halves; a point under issue 12's 5%, for the difference between the halves), it",
        "maximises F1 plus the share of BLiMP's bad words flagged. The search moves one margin at a",
        f"time from margins of {QUIET:g} (for Balanced, also from the margins shipped before this run,",
        "the better on the tune half kept); then the presets are nested (below). Balanced's",
        ", ".join(f"`{k}`" for k in CAPS[DEFAULT])
        + " margins are capped at "
        + ", ".join(f"{v:g}" for v in CAPS[DEFAULT].values())
        + " (`CAPS` in the script) so that issue 12's example",
        '("She go", "I have went", "informations") is flagged at the default, and so are the learner',
        "probe's verb slips and homophones, which the error set and BLiMP hold too few of to choose",
        "a margin (`scripts/learner_probe.py`, not used here; the comments on `CAPS`), and its",
        ", ".join(f"`{k}`" for k in MINIMA[DEFAULT])
        + " margins are at least "
        + ", ".join(f"{v:g}" for v in MINIMA[DEFAULT].values())
        + ' (`MINIMA`) so that "She go" gets goes first, not went,',
        'the README\'s check example "the youngest was the most beautiful" is not flagged for were,',
        "and everyday chat is not flagged for extra words that read as false alarms"
        " (`scripts/everyday_probe.py`, not used here; the comment on `MINIMA`).",
        *(
            [
                "",
                "**This run kept the shipped margins** (`--keep-margins`): no search, the presets of",
                "`checker_presets.json` (chosen by an earlier run of the search, on the scores of an earlier",
                "checker) measured on today's scores; `--no-write` without `--keep-margins` prints what the",
                f"search would choose today. Over budget on the tune half: {_over_budget(tune_m)}.",
            ]
            if kept
            else []
        ),
        "",
        "## Presets (test half)",
        "",
        "| preset | precision | recall | F0.5 | right fix first | false alarms per 100 clean words "
        "| BLiMP bad flagged | BLiMP good flagged |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, _ in BUDGETS:
        m = test[name]
        default = " (default)" if name == DEFAULT else ""
        lines.append(
            f"| {name}{default} | {_pct(m['precision'])} | {_pct(m['recall'])} | {m['f05']:.2f} "
            f"| {_pct(m['fix_first'])} "
            f"| {m['false_alarms_per_100']:.2f} | {_pct(m['blimp_bad'])} | {_pct(m['blimp_good'])} |"
        )
    lines += ["", "Tune half, for comparison (the budget each preset was held to):", ""]
    lines += [
        "| preset | budget | F0.5 | false alarms per 100 clean words | BLiMP bad flagged "
        "| BLiMP good flagged |",
        "|---|---|---|---|---|---|",
    ]
    for name, budget in BUDGETS:
        m = tune_m[name]
        lines.append(
            f"| {name} | {budget} | {m['f05']:.2f} | {m['false_alarms_per_100']:.2f} "
            f"| {_pct(m['blimp_bad'])} | {_pct(m['blimp_good'])} |"
        )
    if plain is not None:
        m = plain
        lines += [
            "",
            f"Without the neighbours' context (the same scores with `AltScore.context` left out, {DEFAULT}",
            "tuned the same way), for comparison:",
            "",
            "| preset | precision | recall | F0.5 | right fix first | false alarms per 100 clean words "
            "| BLiMP bad flagged | BLiMP good flagged |",
            "|---|---|---|---|---|---|---|---|",
            f"| {DEFAULT}, slot alone | {_pct(m['precision'])} | {_pct(m['recall'])} | {m['f05']:.2f} "
            f"| {_pct(m['fix_first'])} | {m['false_alarms_per_100']:.2f} | {_pct(m['blimp_bad'])} "
            f"| {_pct(m['blimp_good'])} |",
        ]
    lines += [
        "",
        f"## By kind ({DEFAULT}, test half)",
        "",
        "Recall by the injected error's kind, precision by the kind the flag names.",
        "",
    ]
    lines += ["| kind | errors | recall | flags | precision | F0.5 |", "|---|---|---|---|---|---|"]
    for kind, k in test[DEFAULT]["by_kind"].items():
        lines.append(
            f"| {kind} | {k['errors']} | {_pct(k['recall'])} | {k['flags']} | {_pct(k['precision'])} "
            f"| {k['f05']:.2f} |"
        )
    lines += [
        "",
        f"## BLiMP by phenomenon ({DEFAULT}, test half)",
        "",
        "Why the bad word is flagged or missed: `no candidate`, the good word is not in the bad word's",
        "confusion set; `model prefers bad`, the model scores the good word no higher; `under margin`,",
        "higher but by less than the margin of its kind. `good flagged`: false alarms on the good word.",
        "",
        "| phenomena | pairs | bad flagged | no candidate | model prefers bad | under margin "
        "| good flagged |",
        "|---|---|---|---|---|---|---|",
    ]
    for group, row in sorted(blimp.items(), key=lambda kv: -kv[1]["pairs"]):
        lines.append(
            f"| {group} | {row['pairs']} | {row['flagged']} | {row['no candidate']} "
            f"| {row['model prefers bad']} | {row['under margin']} | {row['good flagged']} |"
        )
    lines += [
        "",
        "## Margins",
        "",
        "| preset | "
        + " | ".join(f.name for f in fields(CheckerThresholds) if f.name != "max_suggestions")
        + " |",
    ]
    lines.append("|---" * (len(fields(CheckerThresholds))) + "|")
    for name, _ in BUDGETS:
        t = presets[name]
        lines.append(
            f"| {name} | "
            + " | ".join(
                f"{getattr(t, f.name):g}" for f in fields(CheckerThresholds) if f.name != "max_suggestions"
            )
            + " |"
        )
    lines += [
        "",
        "The margins are nested (Careful ≥ Balanced ≥ Eager, `rare_zipf` and `bare_zipf` the other way), so",
        "every flag of Careful is inside a flag of Balanced and Eager. A margin of 99 switches a kind off.",
        "",
        "## Caveats",
        "",
        "- The errors are injected by a script (`scripts/make_error_set.py`) into Wikipedia and Jane",
        "  Austen sentences, from the same kinds of confusion the checker knows; real learners make",
        "  errors it has no candidate for (word order, several words at once), so real recall is lower.",
        "- The clean text is edited prose; a learner's correct sentences are simpler, and false alarms",
        "  on them may differ.",
        "- BLiMP pairs differ in one word, often in ways no confusion set covers (islands, negative",
        "  polarity items, argument structure: `no candidate` above); where a candidate exists, the small",
        "  model often scores the bad word higher or by less than the margin that keeps false alarms on",
        "  clean text within budget. Only the differing word, the three before it and the one after it",
        "  are checked.",
        "- The int8 model quantizes activations per token, so a row scores the same in any batch: the",
        "  tuner's cache (each sentence alone) and the app (rows of many sentences batched together)",
        "  see the same gains.",
        "- Rates are from a few hundred sentences (BLiMP: about 500 pairs a half, so one pair is 0.2",
        "  points and a rate's standard error about 2 points): a difference of a few points is within noise.",
    ]
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model id or folder (default: the bundled model)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/checker-scores.json"))
    parser.add_argument("--dev", type=int, default=300, help="sentences of the error set to score")
    parser.add_argument(
        "--blimp", type=int, default=1000, help="BLiMP pairs to score, spread over the whole file"
    )
    parser.add_argument(
        "--window", type=int, default=CHECK_WINDOW, help="tokens per row (the checker's CHECK_WINDOW)"
    )
    parser.add_argument("--no-write", action="store_true", help="print the result only")
    parser.add_argument(
        "--keep-margins",
        action="store_true",
        help="no search: measure the shipped presets on today's scores and write the doc (and their "
        "measures) with the margins unchanged",
    )
    args = parser.parse_args()
    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.models.registry import ModelRegistry

    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    model = f"{engine.info.name} ({engine.info.id})"
    data = checker_eval.load(checker_eval.collect(engine, args.cache, args.blimp, args.dev, args.window))
    dev, clean, pairs = data
    if args.keep_margins:
        kept = {name: CheckerThresholds.preset(name) for name, _ in BUDGETS}
        return report(args, model, data, kept, None, kept=True)
    presets: dict[str, CheckerThresholds] = {}
    # from quiet margins (within every budget), so the search spends a budget rather than first
    # cutting the false alarms of the loose defaults, which locks some kinds out for good
    quiet: dict[str, Any] = dict.fromkeys(MARGIN_FIELDS, QUIET)
    start = replace(CheckerThresholds(), **quiet)
    for name, budget in sorted(BUDGETS, key=lambda b: b[0] != DEFAULT):  # the default first
        if presets:  # from the default's margins, per_piece shared
            # from the default's margins, or quieter ones for a smaller budget (a start over the
            # budget is searched by cutting false alarms first, which can switch a kind off)
            begin = presets[DEFAULT]
            if budget < dict(BUDGETS)[DEFAULT]:
                quieter: dict[str, Any] = {n: max(QUIET, getattr(begin, n)) for n in MARGIN_FIELDS}
                begin = replace(begin, **quieter)
            presets[name] = tune(data, budget, BETAS[name], begin, fixed=("per_piece",), rounds=2)
        else:
            shipped = CheckerThresholds.preset(name)  # read before this run writes the file
            presets[name] = tune_default(
                data, budget, BETAS[name], start, CAPS.get(name), shipped, MINIMA.get(name)
            )
        print(name, presets[name], file=sys.stderr)
    presets = nest(presets)
    plain_data = checker_eval.without_context(data)
    plain_t = tune_default(
        plain_data,
        dict(BUDGETS)[DEFAULT],
        BETAS[DEFAULT],
        start,
        CAPS.get(DEFAULT),
        minima=MINIMA.get(DEFAULT),
    )
    plain = checker_eval.evaluate(plain_t, *plain_data, "test")
    print(f"{DEFAULT} without context: {plain_t}", file=sys.stderr)
    return report(args, model, data, presets, plain)


def report(
    args: argparse.Namespace,
    model: str,
    data: tuple[list, list, list],
    presets: dict[str, CheckerThresholds],
    plain: dict | None,
    kept: bool = False,
) -> int:
    """Measure ``presets`` on both halves, print the measures and (unless ``--no-write``) write
    the presets file and the doc; ``kept``: the presets are the shipped ones, not searched."""
    dev, clean, pairs = data
    test = {n: checker_eval.evaluate(presets[n], dev, clean, pairs, "test") for n, _ in BUDGETS}
    tune_m = {n: checker_eval.evaluate(presets[n], dev, clean, pairs, "tune") for n, _ in BUDGETS}
    for name, _ in BUDGETS:
        m = test[name]
        print(
            f"{name}: P {m['precision']:.2f} R {m['recall']:.2f} F0.5 {m['f05']:.2f} "
            f"fix-first {m['fix_first']:.2f} "
            f"FA/100 {m['false_alarms_per_100']:.2f} BLiMP bad {m['blimp_bad']:.2f}"
            f" good {m['blimp_good']:.2f}"
        )
    if plain is not None:
        print(
            f"{DEFAULT} without context: F0.5 {plain['f05']:.2f} fix-first {plain['fix_first']:.2f} "
            f"FA/100 {plain['false_alarms_per_100']:.2f} BLiMP bad {plain['blimp_bad']:.2f} "
            f"good {plain['blimp_good']:.2f}"
        )
    blimp = checker_eval.blimp_analysis(presets[DEFAULT], pairs, "test")
    for group, row in blimp.items():
        print(f"  BLiMP {group}: {row}")
    if args.no_write:
        return 0
    counts = (
        f"Error set: {sum(1 for s in dev if s.split == 'test')} test sentences with "
        f"{test[DEFAULT]['errors']} injected errors; clean text: {test[DEFAULT]['clean_words']} test words; "
        f"BLiMP: {test[DEFAULT]['blimp_pairs']} test pairs of {len(pairs)} scored."
    )
    out = {
        "source": f"scripts/tune_checker.py with {model}; measured on the test half (docs/checker-tuning.md)",
        "default": DEFAULT,
        "presets": [
            {
                "name": name,
                "budget_false_alarms_per_100": budget,
                "thresholds": {k: v for k, v in asdict(presets[name]).items() if k != "max_suggestions"},
                "measured": {k: round(v, 4) for k, v in test[name].items() if isinstance(v, float)},
            }
            for name, budget in BUDGETS
        ],
    }
    PRESETS_JSON.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    write_doc(model, presets, test, tune_m, counts, blimp, args.window, plain, kept)
    print(f"wrote {PRESETS_JSON.relative_to(REPO)} and {DOC.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
