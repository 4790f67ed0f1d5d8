"""Tune the checker's thresholds on BLiMP minimal pairs with a real model; write the result.

For every BLiMP item the model checks the bad sentence's target word and every word of the good
sentence (two batched ``check_words`` calls per item). Then, for each threshold setting on a
grid, the same ``judge`` the app uses decides what would be flagged:

* hit rate: the bad word is flagged in the bad sentence (what we want);
* good-word rate: the good word is flagged in the good sentence (a false alarm on the very word);
* other-word rate: any other word of a good sentence is flagged (false alarms per word).

Items are split by a hash of their id: half to choose the thresholds ("tune"), half to report
them ("held out"). The chosen setting maximises hit rate minus good-word rate among settings
whose false alarms per word of a correct sentence (good and other words) stay under
``--max-false-alarms``; the same rule gives the window's Sensitivity presets (Careful: the chosen
setting; Balanced and Eager: 10% and 20% budgets). Writes ``docs/checker-tuning.md`` and
``cloze_app/core/learn/checker_tuned.py``.

    python scripts/tune_checker.py                       # bundled model, all 8,735 items
    python scripts/tune_checker.py --limit 2000 --cache /tmp/blimp-checks.json
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from cloze_app.core.learn.checker import CheckerThresholds, checkable, judge, suggestible  # noqa: E402
from cloze_app.core.text import word_spans  # noqa: E402
from cloze_app.core.types import Candidate, WordCheck  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "eval" / "blimp_dev.jsonl"
KEEP_RANKS = (3, 5, 10, 20, 50, 100)  # "near the top" is never flagged: at least the top 3
MARGINS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0)
MIN_ALT = (-math.inf, -8.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0)
PER_PIECE = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)  # extra margin per piece beyond the first
# The window's Sensitivity presets and their false-alarm budgets (None: --max-false-alarms, so the
# first preset is the chosen setting); rows of the "Other budgets" table.
PRESET_BUDGETS: tuple[tuple[str, float | None], ...] = (
    ("Careful", None),
    ("Balanced", 0.10),
    ("Eager", 0.20),
)


@dataclass(frozen=True)
class Item:
    """One BLiMP pair as the checker sees it."""

    id: str
    phenomenon: str
    bad: WordCheck  # the bad word in the bad sentence
    good: WordCheck  # the good word in the good sentence
    others: tuple[WordCheck, ...]  # the other words of the good sentence

    @property
    def held_out(self) -> bool:
        return int(hashlib.sha256(self.id.encode()).hexdigest(), 16) % 2 == 1


def _check_to_json(check: WordCheck) -> dict:
    return {
        "start": check.start,
        "end": check.end,
        "word": check.word,
        "log_prob": check.log_prob,
        "rank": check.rank,
        "alternatives": [[a.word, a.log_prob] for a in check.alternatives],
        "pieces": check.pieces,
    }


def _check_from_json(data: dict) -> WordCheck:
    alternatives = tuple(Candidate(w, math.exp(lp), lp, ()) for w, lp in data["alternatives"])
    if "pieces" not in data:
        raise SystemExit("the --cache file predates piece counts: delete it and run again")
    return WordCheck(
        data["start"], data["end"], data["word"], data["log_prob"], data["rank"], alternatives, data["pieces"]
    )


def collect(model: str | None, rows: Sequence[dict], top_k: int) -> list[Item]:
    """Run the model over the pairs (two batched calls per item)."""
    from cloze_app.core.engine.engine import ClozeEngine

    engine = ClozeEngine.load(model)
    print(f"model: {engine.info.name} ({engine.folder})", file=sys.stderr)
    items: list[Item] = []
    started = time.perf_counter()
    for n, row in enumerate(rows, start=1):
        start = row["text"].index("___")
        bad_text = row["text"].replace("___", row["bad"], 1)
        good_text = row["text"].replace("___", row["good"], 1)
        bad_span = (start, start + len(row["bad"]))
        good_span = (start, start + len(row["good"]))
        bad = {(c.start, c.end): c for c in engine.check_words(bad_text, spans=[bad_span], top_k=top_k)}
        spans = [
            (w.start, w.end) for w in word_spans(good_text) if checkable(w) or (w.start, w.end) == good_span
        ]
        if good_span not in spans:
            spans.append(good_span)
        good = {(c.start, c.end): c for c in engine.check_words(good_text, spans=spans, top_k=top_k)}
        if bad_span not in bad or good_span not in good:
            continue
        others = tuple(c for span, c in good.items() if span != good_span)
        items.append(Item(row["id"], row["phenomenon"], bad[bad_span], good[good_span], others))
        if n % 500 == 0:
            rate = n / (time.perf_counter() - started)
            print(f"  {n}/{len(rows)} items ({rate:.1f}/s)", file=sys.stderr)
    engine.close()
    return items


def save_cache(path: Path, items: Iterable[Item]) -> None:
    data = [
        {
            "id": i.id,
            "phenomenon": i.phenomenon,
            "bad": _check_to_json(i.bad),
            "good": _check_to_json(i.good),
            "others": [_check_to_json(c) for c in i.others],
        }
        for i in items
    ]
    path.write_text(json.dumps(data), encoding="utf-8")


def load_cache(path: Path) -> list[Item]:
    return [
        Item(
            d["id"],
            d["phenomenon"],
            _check_from_json(d["bad"]),
            _check_from_json(d["good"]),
            tuple(_check_from_json(c) for c in d["others"]),
        )
        for d in json.loads(path.read_text(encoding="utf-8"))
    ]


@dataclass(frozen=True)
class Rates:
    """What one threshold setting does on a set of items."""

    hit: float  # bad word flagged in the bad sentence
    good: float  # good word flagged in the good sentence
    other: float  # other words of good sentences flagged, per word
    false_per_word: float  # all false alarms per word of a correct sentence
    items: int
    pair: float = 0.0  # bad word flagged in the bad sentence and the good word not in the good one

    @property
    def gain(self) -> float:
        return self.hit - self.good


def rates(items: Sequence[Item], thresholds: CheckerThresholds) -> Rates:
    """The rates with the app's own ``judge`` (slow; used to confirm the vectorised search)."""
    bad_flags = [judge(i.bad, thresholds) is not None for i in items]
    good_flags = [judge(i.good, thresholds) is not None for i in items]
    hit, good = sum(bad_flags), sum(good_flags)
    pair = sum(b and not g for b, g in zip(bad_flags, good_flags, strict=True))
    other_words = sum(len(i.others) for i in items)
    other = sum(judge(c, thresholds) is not None for i in items for c in i.others)
    n = max(1, len(items))
    false = (good + other) / max(1, n + other_words)
    return Rates(hit / n, good / n, other / max(1, other_words), false, len(items), pair / n)


class Table:
    """Each check reduced to what ``judge`` looks at: rank, log-prob, best suggestible alternative."""

    def __init__(self, checks: Sequence[WordCheck]) -> None:
        self.rank = np.array([c.rank if c.rank is not None else 10**9 for c in checks], dtype=np.int64)
        self.lp = np.array([c.log_prob for c in checks], dtype=np.float64)
        best = [suggestible(c) for c in checks]
        self.best = np.array([b[0].log_prob if b else -np.inf for b in best], dtype=np.float64)
        self.extra = np.array([max(0, c.pieces - 1) for c in checks], dtype=np.float64)

    def flagged(self, t: CheckerThresholds) -> np.ndarray:
        return (
            (self.rank > t.keep_rank)
            & (self.best - self.lp >= t.margin + t.margin_per_piece * self.extra)
            & (self.best >= t.min_alternative_log_prob)
        )


def fast_rates(items: Sequence[Item]) -> Callable[[CheckerThresholds], Rates]:
    bad = Table([i.bad for i in items])
    good = Table([i.good for i in items])
    other = Table([c for i in items for c in i.others])
    n, words = max(1, len(items)), max(1, len(other.lp))

    def of(t: CheckerThresholds) -> Rates:
        bad_f, good_f = bad.flagged(t), good.flagged(t)
        hits, goods, others = bad_f.sum(), good_f.sum(), other.flagged(t).sum()
        pair = (bad_f & ~good_f).sum()
        false = (goods + others) / (n + words)
        return Rates(
            float(hits / n),
            float(goods / n),
            float(others / words),
            float(false),
            len(items),
            float(pair / n),
        )

    return of


def grid() -> Iterable[CheckerThresholds]:
    for keep, margin, min_alt, per_piece in itertools.product(KEEP_RANKS, MARGINS, MIN_ALT, PER_PIECE):
        yield CheckerThresholds(
            keep_rank=keep, margin=margin, min_alternative_log_prob=min_alt, margin_per_piece=per_piece
        )


def best_within(
    table: Sequence[tuple[CheckerThresholds, Rates]], max_false: float
) -> tuple[CheckerThresholds, Rates]:
    """The setting with the largest (hit − good-word) rate whose false alarms stay within ``max_false``.

    Ties go to the quieter setting, then to the first in grid order. When nothing meets the
    budget, the quietest setting (never the noisiest).
    """
    allowed = [(t, r) for t, r in table if r.false_per_word <= max_false]
    if not allowed:
        quietest = min(r.false_per_word for _, r in table)
        print(
            f"no setting keeps false alarms under {max_false:.0%}; the lowest is {quietest:.1%}",
            file=sys.stderr,
        )
        allowed = [(t, r) for t, r in table if r.false_per_word == quietest]
    return max(allowed, key=lambda tr: (round(tr[1].gain, 4), -tr[1].false_per_word))


def choose(items: Sequence[Item], max_false: float) -> tuple[CheckerThresholds, Rates, list[tuple]]:
    of = fast_rates(items)
    table = [(t, of(t)) for t in grid()]
    best_t, best_r = best_within(table, max_false)
    slow = rates(items, best_t)
    assert abs(slow.hit - best_r.hit) < 1e-9 and abs(slow.other - best_r.other) < 1e-9, (slow, best_r)
    return best_t, best_r, table


def _fmt_min_alt(value: float) -> str:
    return "none" if value == -math.inf else f"{value:g}"


def _py_float(value: float) -> str:
    return 'float("-inf")' if value == -math.inf else repr(value)


def tuned_module(presets: Sequence[tuple[str, float, CheckerThresholds, Rates]]) -> str:
    """The source of ``cloze_app/core/learn/checker_tuned.py``: the presets (the first is chosen)."""
    lines = [
        '"""Checker thresholds chosen on BLiMP dev by ``scripts/tune_checker.py``."""',
        "",
        "# See docs/checker-tuning.md for the rates these give.",
        "",
        "# Sensitivity presets, quietest first; the first is the chosen setting and the default. Each is",
        "# the best setting whose false alarms stay within its budget; the rates were measured on the",
        "# tune split: hit_rate = the bad word of a pair flagged, false_alarms_per_word = words of",
        "# correct sentences flagged.",
        f"DEFAULT_PRESET = {json.dumps(presets[0][0])}",
        "PRESETS: tuple[dict[str, str | float], ...] = (",
    ]
    for name, budget, t, r in presets:
        lines += [
            "    {",
            f'        "name": {json.dumps(name)},',
            f'        "max_false_alarms": {budget!r},',
            f'        "keep_rank": {t.keep_rank},',
            f'        "margin": {t.margin!r},',
            f'        "min_alternative_log_prob": {_py_float(t.min_alternative_log_prob)},',
            f'        "margin_per_piece": {t.margin_per_piece!r},',
            f'        "hit_rate": {round(r.hit, 4)!r},',
            f'        "good_word_rate": {round(r.good, 4)!r},',
            f'        "false_alarms_per_word": {round(r.false_per_word, 4)!r},',
            "    },",
        ]
    lines += [")", ""]
    return "\n".join(lines)


def false_alarms_by_pieces(items: Sequence[Item], t: CheckerThresholds) -> dict[str, tuple[float, int]]:
    """Share of the words of correct sentences flagged, by the word's tokenizer pieces (1, 2, 3+)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        for check in (item.good, *item.others):
            group = counts[str(check.pieces) if check.pieces < 3 else "3+"]
            group[0] += judge(check, t) is not None
            group[1] += 1
    return {k: (flagged / max(1, n), n) for k, (flagged, n) in sorted(counts.items())}


def write_outputs(
    chosen: CheckerThresholds,
    tune: Rates,
    held: Rates,
    per_phenomenon: dict[str, Rates],
    table: list[tuple],
    args: argparse.Namespace,
    model_name: str,
    n_items: int,
    without_pieces: tuple[CheckerThresholds, Rates, dict, dict],
) -> None:
    min_alt = chosen.min_alternative_log_prob
    quietest = min(r.false_per_word for _, r in table)
    presets = [(name, budget or args.max_false_alarms) for name, budget in PRESET_BUDGETS]
    chosen_presets = [(name, budget, *best_within(table, budget)) for name, budget in presets]
    assert chosen_presets[0][2] == chosen, "the first preset is the chosen setting"
    (REPO / "cloze_app" / "core" / "checker_tuned.py").write_text(
        tuned_module(chosen_presets), encoding="utf-8"
    )

    frontier = sorted(table, key=lambda tr: tr[1].false_per_word)
    best_by_budget = []
    for budget in (0.01, 0.02, 0.03, 0.05, 0.10, 0.20):
        ok = [tr for tr in table if tr[1].false_per_word <= budget]
        if ok:  # the same choice as for the chosen setting and the presets (ties: the quieter)
            t, r = best_within(ok, budget)
            best_by_budget.append((budget, t, r))
    lines = [
        "# Checker thresholds, tuned on BLiMP",
        "",
        f"Produced by `python scripts/tune_checker.py {' '.join(args.argv)}` with **{model_name}** on "
        f"{n_items} BLiMP dev minimal pairs (`../shared/eval/blimp_dev.jsonl`; a development set, so "
        "these are development numbers). Items are split in half by a hash of their id: one half "
        "chooses the thresholds, the other half reports them.",
        "",
        "For each pair the checker looks at the bad sentence (is the bad word flagged?) and at the good "
        "sentence (is the good word flagged? is any other word flagged?). A word is flagged when an "
        "alternative is at least `margin` (natural log) more likely, that alternative has a "
        "log-probability of at least `min_alternative_log_prob`, and the word itself is not in the "
        "model's top `keep_rank`. A word of several tokenizer pieces needs `margin_per_piece` more "
        "for each piece beyond the first: its log-probability is a sum over its pieces, so it runs "
        "lower than a one-piece alternative's (contractions such as hasn't are three pieces).",
        "",
        "## Chosen",
        "",
        f"`keep_rank = {chosen.keep_rank}`, `margin = {chosen.margin:g}`, "
        f"`min_alternative_log_prob = {_fmt_min_alt(min_alt)}`, "
        f"`margin_per_piece = {chosen.margin_per_piece:g}` — the largest (hit − good-word) rate "
        f"whose false alarms stay under {args.max_false_alarms:.0%} of the words of correct sentences.",
        "",
        "| split | items | bad word flagged (hit) | good word flagged | bad flagged, good not | "
        "other words flagged (per word) |",
        "|---|---|---|---|---|---|",
        f"| tune | {tune.items} | {tune.hit:.1%} | {tune.good:.1%} | {tune.pair:.1%} | {tune.other:.1%} |",
        f"| held out | {held.items} | **{held.hit:.1%}** | **{held.good:.1%}** | {held.pair:.1%} | "
        f"{held.other:.1%} |",
        "",
        "## Reading these numbers",
        "",
        f"On held-out pairs the checker flags the bad word {held.hit / max(held.good, 1e-9):.1f} times as "
        f"often as the good one, at {held.false_per_word:.1%} false alarms per word of a correct "
        f"sentence; the quietest setting of the grid still flags {quietest:.1%} "
        "of the words of correct sentences, so a tighter budget cannot be met. It catches a small "
        "share of BLiMP's errors: the model's "
        "pair accuracy (the model card) is the ceiling for any threshold. "
        "`python -m cloze_app check --keep-rank N --margin X --min-alt LP --margin-per-piece Y` "
        "tries other settings.",
        "",
        "## Other budgets (tune split)",
        "",
        "The Check tab's Sensitivity presets are chosen the same way: "
        + ", ".join(f"{name} for {budget:.0%}" for name, budget, _, _ in chosen_presets)
        + f" ({chosen_presets[0][0]}, the default, is the chosen setting above).",
        "",
        "| false alarms per word ≤ | keep_rank | margin | min alt | per piece | hit | good word "
        "| other words |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for budget, t, r in best_by_budget:
        lines.append(
            f"| {budget:.0%} | {t.keep_rank} | {t.margin:g} | {_fmt_min_alt(t.min_alternative_log_prob)} | "
            f"{t.margin_per_piece:g} | {r.hit:.1%} | {r.good:.1%} | {r.other:.1%} |"
        )
    flat, flat_held, flat_pieces, chosen_pieces = without_pieces
    lines += [
        "",
        "## Why a margin per piece (held out)",
        "",
        f"The best setting for the same budget with `margin_per_piece = 0` (`keep_rank = {flat.keep_rank}`, "
        f"`margin = {flat.margin:g}`, "
        f"`min_alternative_log_prob = {_fmt_min_alt(flat.min_alternative_log_prob)}`) "
        f"flags the bad word {flat_held.hit:.1%} of the time and the good one {flat_held.good:.1%}. "
        "Words of several pieces are where its false alarms are:",
        "",
        "| pieces of the word | words of correct sentences | flagged, no per-piece margin "
        "| flagged, chosen |",
        "|---|---|---|---|",
    ]
    for key, (rate, n) in flat_pieces.items():
        lines.append(f"| {key} | {n:,d} | {rate:.1%} | {chosen_pieces[key][0]:.1%} |")
    lines += [
        "",
        "## By phenomenon (held out, chosen thresholds)",
        "",
        "| phenomenon | items | bad word flagged | good word flagged |",
        "|---|---|---|---|",
    ]
    for name, r in sorted(per_phenomenon.items(), key=lambda kv: -kv[1].gain):
        lines.append(f"| {name} | {r.items} | {r.hit:.1%} | {r.good:.1%} |")
    lines += [
        "",
        f"Grid: {len(frontier)} settings (keep_rank {KEEP_RANKS}, margin {MARGINS}, min alt {MIN_ALT}, "
        f"per piece {PER_PIECE}).",
        "",
    ]
    out = REPO / "docs" / "checker-tuning.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines).replace("-inf", "none"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model id or folder (default: the bundled model)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="use a random sample of this many items")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top-k", type=int, default=CheckerThresholds().top_k)
    parser.add_argument("--max-false-alarms", type=float, default=0.05, help="per word of a correct sentence")
    parser.add_argument("--cache", type=Path, help="reuse (or write) the model's checks here")
    parser.add_argument("--dry-run", action="store_true", help="print the result, write nothing")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)

    if args.cache and args.cache.is_file():
        items = load_cache(args.cache)
        model_name = json.loads(args.cache.with_suffix(".meta.json").read_text())["model"]
    else:
        rows = [
            json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        if args.limit:
            random.Random(args.seed).shuffle(rows)
            rows = rows[: args.limit]
        from cloze_app.core.engine.engine import ClozeEngine

        probe = ClozeEngine.load(args.model)
        model_name = f"{probe.info.name} ({probe.info.id})"
        training = Path(probe.folder) / "training.json"
        if training.is_file():
            model_name += f", training step {json.loads(training.read_text(encoding='utf-8')).get('step')}"
        probe.close()
        items = collect(args.model, rows, args.top_k)
        if args.cache:
            save_cache(args.cache, items)
            args.cache.with_suffix(".meta.json").write_text(json.dumps({"model": model_name}))
    tune = [i for i in items if not i.held_out]
    held = [i for i in items if i.held_out]
    chosen, tune_rates, table = choose(tune, args.max_false_alarms)
    held_rates = rates(held, chosen)
    by_phen: dict[str, list[Item]] = defaultdict(list)
    for item in held:
        by_phen[item.phenomenon].append(item)
    per_phenomenon = {name: rates(group, chosen) for name, group in by_phen.items()}
    flat, _ = best_within([(t, r) for t, r in table if t.margin_per_piece == 0], args.max_false_alarms)
    without_pieces = (
        flat,
        rates(held, flat),
        false_alarms_by_pieces(held, flat),
        false_alarms_by_pieces(held, chosen),
    )
    print(f"chosen: {chosen}")
    print(f"tune:     {tune_rates}")
    print(f"held out: {held_rates}")
    if not args.dry_run:
        write_outputs(
            chosen,
            tune_rates,
            held_rates,
            per_phenomenon,
            table,
            args,
            model_name,
            len(items),
            without_pieces,
        )
        print("wrote docs/checker-tuning.md and cloze_app/core/learn/checker_tuned.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
