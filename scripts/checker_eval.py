"""Score the checker's dev sets with a model (cached) and measure thresholds on them.

Used by ``scripts/tune_checker.py``. The model's numbers (``proofread.WordScores``) for every
sentence of the generated error set (``bench/checker_dev.jsonl``, ``scripts/make_error_set.py``),
for its clean originals, and for BLiMP dev pairs (the differing word and the word after it) are
computed once and cached as JSON; measuring a threshold setting then only re-runs
``checker.judge``.

Measures (``evaluate``):

* on the error set: a flag is right when it overlaps an injected error; precision, recall and
  F0.5 overall and by kind (recall by the error's kind, precision by the flag's kind); the
  right fix first: the flag's top suggestion turns the text into the gold correction;
* false alarms per 100 words of the clean originals (every flag there is a false alarm);
* BLiMP: the bad word flagged in the bad sentence, the good word flagged in the good one.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from cloze_app.core.learn.checker import CheckerThresholds, checkable_words, judge  # noqa: E402
from cloze_app.core.learn.confusion import Alternative, alternatives, deletable  # noqa: E402
from cloze_app.core.learn.proofread import (  # noqa: E402
    CHECK_WINDOW,
    AltScore,
    Insertion,
    WordScores,
    gap_before,
    score_words,
    usable,
    word_slots,
)
from cloze_app.core.text import word_spans  # noqa: E402

DEV_SET = REPO / "bench" / "checker_dev.jsonl"
BLIMP = REPO.parent / "shared" / "eval" / "blimp_dev.jsonl"
# What the cached scores hold: bump it when scoring changes (new candidates, new rows), so an old
# cache is not mistaken for today's scores. 2: neighbours' PLL with each candidate
# (``AltScore.context``), subject pronouns for reflexives, determiners one closed class. 3: object
# pronouns for reflexives (reference, no neighbours), ever/never/every/even and even/only, a content
# word's number forms (number) with their neighbours. 4: a verb's simple past for its participle
# (participle, was inflection), contractions of another tense are inflection (were agreement),
# do/does/did not tried deleted: the same rows less those deletions. 5: a word's British or
# American spelling is no spelling neighbour of it (colour/color), so another neighbour may be.
# 6: a verb's base form after a modal or "do" (base, was inflection or number; a new candidate
# where it was none). 7: a verb's past participle after "have" (perfect) and its simple past in a
# sentence that says it happened in the past (past): new candidates, and kinds of old ones; the
# words confused with an inflected word's lemma, in its form (effects: affects, learned: taught).
# 8: neighbours' context over 4 words either side (was 2); a simple past after "be" as a perfect
# slot's word (was taken); no simple past offered after "have" (have eaten: not ate). 9: a verb's
# -ing form after a preposition (gerund); no real-word spelling slips of a one- or two-letter
# word. 10: a BLiMP sentence's three words before the differing word are scored too (a
# demonstrative and its noun are judged together: "those dancer"). 11: a misspelling that opens
# a sentence is scored too ("Unfortunatly, ..."; ``checker.checkable_words``). 12: a doubled or
# undoubled letter is half an edit (``spelling.edit_distance``), so spelling neighbours change.
SCORING = 12
# BLiMP: the words scored before the differing word (and the one after it)
BLIMP_BEFORE = 3
ERROR_KINDS = ("spelling", "grammar", "word choice", "missing word", "extra word")


def _to_json(s: WordScores) -> dict:
    data = asdict(s)
    for key in ("log_prob", "next_log_prob", "deleted_next"):
        if isinstance(data[key], float) and not math.isfinite(data[key]):
            data[key] = None if key != "log_prob" else -1e9
    for a in data["alternatives"]:
        if not math.isfinite(a["log_prob"]):
            a["log_prob"] = -1e9
    return data


def _from_json(d: dict) -> WordScores:
    return WordScores(
        **{
            **d,
            "alternatives": tuple(AltScore(**a) for a in d["alternatives"]),
            "insertions": tuple(Insertion(**i) for i in d["insertions"]),
        }
    )


@dataclass(frozen=True)
class Sentence:
    """One scored sentence: its text, gold errors (empty for clean text) and scores."""

    text: str
    errors: tuple[dict, ...]
    scores: tuple[WordScores, ...]
    split: str
    words: int


@dataclass(frozen=True)
class Pair:
    """A BLiMP pair: the target word's span in each sentence and the scores around it."""

    id: str
    phenomenon: str
    split: str
    bad: Sentence
    bad_span: tuple[int, int]
    good: Sentence
    good_span: tuple[int, int]


def _score(
    engine: object, text: str, words: Sequence | None = None, window: int = CHECK_WINDOW
) -> list[dict]:
    chosen = checkable_words(text) if words is None else list(words)
    return [_to_json(s) for s in score_words(engine, text, chosen, window=window)]  # type: ignore[arg-type]


def cache_key(row_id: object, text: str) -> str:
    """A scored sentence's key in the cache: its id and its text (a regenerated set reuses the
    scores of the sentences whose text it kept)."""
    return f"{row_id}:{hashlib.sha1(text.encode()).hexdigest()[:12]}"


def collect(
    engine: object, cache: Path, blimp_items: int, dev_items: int = 500, window: int = CHECK_WINDOW
) -> dict:
    """Score the first ``dev_items`` dev sentences, their clean originals and ``blimp_items``
    BLiMP pairs (``blimp_sample``), whatever is not yet in ``cache``; save it. Returns the
    scores of those (the cache may hold more BLiMP pairs, from other samples)."""
    fresh: dict = {"dev": {}, "clean": {}, "blimp": {}, "scoring": SCORING}
    data = json.loads(cache.read_text()) if cache.exists() else fresh
    if data.setdefault("window", window) != window:
        raise SystemExit(
            f"{cache} holds scores of {data['window']}-token rows, not {window}: use another --cache"
        )
    if data.get("scoring", 1) != SCORING:
        raise SystemExit(
            f"{cache} holds scores of an older checker (scoring {data.get('scoring', 1)}, not "
            f"{SCORING}): remove it or use another --cache"
        )
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    started, done = time.perf_counter(), 0
    for row in rows[:dev_items]:
        key, clean_key = cache_key(row["id"], row["text"]), cache_key(row["id"], row["clean"])
        if key not in data["dev"]:
            data["dev"][key] = _score(engine, row["text"], window=window)
            done += 1
        if clean_key not in data["clean"] and row["clean"] != row["text"]:
            data["clean"][clean_key] = _score(engine, row["clean"], window=window)
        if done and done % 50 == 0:
            cache.write_text(json.dumps(data))
            print(f"  dev {done} sentences, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    cache.write_text(json.dumps(data))
    sample = blimp_sample(blimp_items)
    for n, row in enumerate(sample):
        if row["id"] in data["blimp"]:
            continue
        entry = {}
        for side in ("bad", "good"):
            start = row["text"].index("___")
            text = row["text"].replace("___", row[side], 1)
            spans = word_spans(text)
            at = [i for i, w in enumerate(spans) if w.start == start]
            if not at:
                break
            near = spans[max(0, at[0] - BLIMP_BEFORE) : at[0] + 2]
            looked_at = {w.start for w in checkable_words(text)}
            chosen = [w for w in near if w.start in looked_at or w.start == start]
            entry[side] = {
                "text": text,
                "span": [start, start + len(row[side])],
                "scores": _score(engine, text, chosen, window),
            }
        else:
            data["blimp"][row["id"]] = {"phenomenon": row["phenomenon"], **entry}
        if n % 100 == 99:
            cache.write_text(json.dumps(data))
            print(f"  blimp {n + 1} pairs, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    cache.write_text(json.dumps(data))
    # the sample asked for, not every pair the cache holds from other runs
    wanted = [row["id"] for row in sample if row["id"] in data["blimp"]]
    return {**data, "blimp": {key: data["blimp"][key] for key in wanted}}


def blimp_sample(items: int) -> list[dict]:
    """``items`` BLiMP dev pairs spread evenly over the whole file (it is grouped by
    phenomenon, so every phenomenon gets its share; all of them when ``items`` is larger)."""
    rows = [json.loads(line) for line in BLIMP.read_text(encoding="utf-8").splitlines()]
    if items >= len(rows):
        return rows
    return [rows[i * len(rows) // items] for i in range(max(0, items))]


def _as_now(text: str, scores: tuple[WordScores, ...]) -> tuple[WordScores, ...]:
    """Cached scores as today's ``proofread.score_words`` would give them: a cache may hold more
    (insertions at gaps, candidates no longer in a word's confusion set and multi-piece spelling
    neighbours that are no longer scored; candidates are one-piece rows' or their own rows, so
    dropping some leaves the others' scores as they are), and words the checker no longer looks
    at (``checker.checkable_words``)."""
    words = checkable_words(text)
    looked_at = {w.start for w in words}
    gap_ok = {words[i].start for i in range(len(words)) if gap_before(words, i)}
    slots = _slots(text)
    return tuple(
        replace(
            _alternatives_now(s, slots.get(s.start, ""), text[s.end : s.next_end].strip()),
            insertions=s.insertions if s.start in gap_ok else (),
        )
        for s in scores
        if s.start in looked_at
    )


def _slots(text: str) -> dict[int, str]:
    """What the words of ``text`` in a slot (``confusion.word_slot``) want, by where they start."""
    words = word_spans(text)
    return {w.start: slot for w, slot in zip(words, word_slots(text, words), strict=True) if slot}


def _alternatives_now(s: WordScores, slot: str = "", next_word: str = "") -> WordScores:
    """A cached word's candidates that are in its confusion set today, with today's kinds (and
    its deletion only if it is still a word that may be deleted before ``next_word``); ``slot``:
    what the words before it want of it (``confusion.word_slot``)."""
    kinds = {a.word: a.kind for a in alternatives(s.word, slot=slot)}
    alts = tuple(
        replace(a, kind=kinds[a.word])
        for a in s.alternatives
        if a.word in kinds and usable(Alternative(a.word, kinds[a.word], a.cost), s.known, a.pieces)
    )
    deleted = s.deleted_next if deletable(s.word, next_word) else None
    return replace(s, alternatives=alts, deleted_next=deleted)


def load(data: dict) -> tuple[list[Sentence], list[Sentence], list[Pair]]:
    """The cached scores as sentences with errors, clean sentences and BLiMP pairs."""
    rows = {str(r["id"]): r for r in map(json.loads, DEV_SET.read_text(encoding="utf-8").splitlines())}
    dev, clean = [], []
    for row in rows.values():
        key, clean_key = cache_key(row["id"], row["text"]), cache_key(row["id"], row["clean"])
        if key not in data["dev"]:
            continue
        scores = _as_now(row["text"], tuple(_from_json(d) for d in data["dev"][key]))
        n = len(word_spans(row["text"]))
        dev.append(Sentence(row["text"], tuple(row["errors"]), scores, row["split"], n))
        if row["clean"] == row["text"]:
            clean.append(Sentence(row["text"], (), scores, row["split"], n))
        elif clean_key in data["clean"]:
            scores = _as_now(row["clean"], tuple(_from_json(d) for d in data["clean"][clean_key]))
            clean.append(Sentence(row["clean"], (), scores, row["split"], len(word_spans(row["clean"]))))
    pairs = []
    for key, item in data["blimp"].items():
        split = "test" if sum(map(ord, key)) % 2 else "tune"
        sides = []
        for side in ("bad", "good"):
            s = item[side]
            slots = _slots(s["text"])
            scores = tuple(_alternatives_now(w, slots.get(w.start, "")) for w in map(_from_json, s["scores"]))
            sides.append(Sentence(s["text"], (), scores, split, 1))
        pairs.append(
            Pair(
                key,
                item["phenomenon"],
                split,
                sides[0],
                tuple(item["bad"]["span"]),
                sides[1],
                tuple(item["good"]["span"]),
            )
        )
    return dev, clean, pairs


def without_context(
    data: tuple[list[Sentence], list[Sentence], list[Pair]],
) -> tuple[list[Sentence], list[Sentence], list[Pair]]:
    """The same scores with every candidate judged by its slot alone (``AltScore.context`` 0):
    the checker before it scored a candidate's neighbours, for comparison."""

    def plain(s: Sentence) -> Sentence:
        scores = tuple(
            replace(w, alternatives=tuple(replace(a, context=0.0) for a in w.alternatives)) for w in s.scores
        )
        return replace(s, scores=scores)

    dev, clean, pairs = data
    return (
        [plain(s) for s in dev],
        [plain(s) for s in clean],
        [replace(p, bad=plain(p.bad), good=plain(p.good)) for p in pairs],
    )


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def f_beta(precision: float, recall: float, beta: float = 0.5) -> float:
    """F-beta (0.5: precision weighs twice as much as recall)."""
    if precision <= 0 or recall <= 0:
        return 0.0
    return (1 + beta * beta) * precision * recall / (beta * beta * precision + recall)


def evaluate(
    t: CheckerThresholds,
    dev: Sequence[Sentence],
    clean: Sequence[Sentence],
    pairs: Sequence[Pair],
    split: str,
) -> dict:
    """Every measure for thresholds ``t`` on one split ("tune" or "test")."""
    found = {k: 0 for k in ERROR_KINDS}
    gold = {k: 0 for k in ERROR_KINDS}
    flagged = {k: 0 for k in ERROR_KINDS}
    right_flags = {k: 0 for k in ERROR_KINDS}
    fixed_first = hits = flags_total = flags_right = 0
    judged: dict[int, tuple] = {}  # a sentence without errors is its own clean original: judged once

    def flags_of(s: Sentence) -> tuple:
        if id(s.scores) not in judged:
            judged[id(s.scores)] = judge(s.text, s.scores, t)
        return judged[id(s.scores)]

    for s in dev:
        if s.split != split:
            continue
        flags = flags_of(s)
        flags_total += len(flags)
        for f in flags:
            flagged[f.kind] = flagged.get(f.kind, 0) + 1
            if any(_overlaps((f.start, f.end), (e["start"], e["end"])) for e in s.errors):
                flags_right += 1
                right_flags[f.kind] = right_flags.get(f.kind, 0) + 1
        for e in s.errors:
            gold[e["kind"]] += 1
            over = [f for f in flags if _overlaps((f.start, f.end), (e["start"], e["end"]))]
            if not over:
                continue
            found[e["kind"]] += 1
            hits += 1
            want = (s.text[: e["start"]] + e["correction"] + s.text[e["end"] :]).lower()
            f = over[0]
            if f.suggestions and (s.text[: f.start] + f.best + s.text[f.end :]).lower() == want:
                fixed_first += 1
    total_gold = sum(gold.values())
    precision = flags_right / flags_total if flags_total else 0.0
    recall = hits / total_gold if total_gold else 0.0
    words = sum(s.words for s in clean if s.split == split)
    false_alarms = sum(len(flags_of(s)) for s in clean if s.split == split)
    bad = good = n_pairs = 0
    for p in pairs:
        if p.split != split:
            continue
        n_pairs += 1
        bad += any(_overlaps((f.start, f.end), p.bad_span) for f in judge(p.bad.text, p.bad.scores, t))
        good += any(_overlaps((f.start, f.end), p.good_span) for f in judge(p.good.text, p.good.scores, t))
    by_kind = {}
    for k in ERROR_KINDS:
        kp = right_flags.get(k, 0) / flagged[k] if flagged.get(k) else 0.0
        kr = found[k] / gold[k] if gold[k] else 0.0
        by_kind[k] = {
            "precision": kp,
            "recall": kr,
            "f05": f_beta(kp, kr),
            "errors": gold[k],
            "flags": flagged.get(k, 0),
        }
    return {
        "precision": precision,
        "recall": recall,
        "f05": f_beta(precision, recall),
        "errors": total_gold,
        "flags": flags_total,
        "fix_first": fixed_first / hits if hits else 0.0,
        "false_alarms_per_100": 100.0 * false_alarms / words if words else 0.0,
        "clean_words": words,
        "blimp_bad": bad / n_pairs if n_pairs else 0.0,
        "blimp_good": good / n_pairs if n_pairs else 0.0,
        "blimp_pairs": n_pairs,
        "by_kind": by_kind,
    }


# BLiMP phenomena by the kind of difference, for the analysis table (every phenomenon of
# blimp_dev.jsonl falls in one group; a phenomenon not listed is "other").
PHENOMENON_GROUPS = {
    "agreement (determiner-noun, subject-verb)": (
        "determiner_noun_agreement",
        "distractor_agreement",
        "irregular_plural_subject_verb_agreement",
        "regular_plural_subject_verb_agreement",
    ),
    "anaphors and binding (himself/herself/themselves)": ("anaphor_", "principle_A"),
    "irregular forms (past, participle)": ("irregular_past_participle",),
    "relative and wh-words (who/that/what)": ("wh_vs_that",),
    "quantifiers and negative polarity (ever, any, no)": (
        "existential_there_quantifiers",
        "superlative_quantifiers",
        "npi_",
        "only_npi",
        "sentential_negation",
    ),
    "argument structure, raising, islands (another content word)": (),
}


def phenomenon_group(phenomenon: str) -> str:
    """The analysis group of a BLiMP phenomenon."""
    for group, prefixes in PHENOMENON_GROUPS.items():
        if any(phenomenon.startswith(p) for p in prefixes):
            return group
    return list(PHENOMENON_GROUPS)[-1]


def blimp_analysis(t: CheckerThresholds, pairs: Sequence[Pair], split: str) -> dict[str, dict[str, int]]:
    """Why BLiMP's bad word is flagged or missed under ``t``, by phenomenon group: ``flagged``;
    else ``no candidate`` (the good word is not in the bad word's confusion set), ``model prefers
    bad`` (the good word scores no higher), ``under margin`` (higher, by less than its margin);
    ``good flagged`` counts false alarms on the good sentence."""
    out: dict[str, dict[str, int]] = {}
    for p in pairs:
        if p.split != split:
            continue
        row = out.setdefault(
            phenomenon_group(p.phenomenon),
            {
                "pairs": 0,
                "flagged": 0,
                "no candidate": 0,
                "model prefers bad": 0,
                "under margin": 0,
                "good flagged": 0,
            },
        )
        row["pairs"] += 1
        row["good flagged"] += any(
            _overlaps((f.start, f.end), p.good_span) for f in judge(p.good.text, p.good.scores, t)
        )
        if any(_overlaps((f.start, f.end), p.bad_span) for f in judge(p.bad.text, p.bad.scores, t)):
            row["flagged"] += 1
            continue
        good_word = p.good.text[p.good_span[0] : p.good_span[1]].lower()
        bad = next((s for s in p.bad.scores if s.start == p.bad_span[0]), None)
        alt = next((a for a in bad.alternatives if a.word == good_word), None) if bad else None
        if bad is None or alt is None:
            row["no candidate"] += 1
        elif alt.log_prob <= bad.log_prob:
            row["model prefers bad"] += 1
        else:
            row["under margin"] += 1
    return out


# Hand-written learner sentences with a verb after a modal or "do" (issue 12), and clean ones
# around the same words; not used for tuning. ``python scripts/checker_eval.py`` prints what
# each preset flags in them with the bundled model.
LEARNER_BASE = (
    ("I didn't went to the party last night.", "went", "go"),
    ("She can swims very well.", "swims", "swim"),
    ("He doesn't likes spicy food.", "likes", "like"),
    ("Did you saw the film yesterday?", "saw", "see"),
    ("It will rains tomorrow, so take an umbrella.", "rains", "rain"),
    ("My brother can't drives a car yet.", "drives", "drive"),
    ("We must finished the report by Friday.", "finished", "finish"),
    ("Does she knows the answer?", "knows", "know"),
    ("They don't wanted to come with us.", "wanted", "want"),
    ("You should eats more vegetables.", "eats", "eat"),
)
LEARNER_CLEAN = (
    "I look forward to going there next summer.",
    "What she does makes me happy.",
    "Do cats like water?",
    "They will lay the table before dinner.",
    "I didn't go there, but she went.",
    "You should go to bed early.",
    "Can you see the mountains from here?",
    "He did his homework and watched a film.",
)


def learner(model: str | None = None) -> None:
    """Print each preset's flags in ``LEARNER_BASE`` and ``LEARNER_CLEAN``, how many slips its first
    fix corrects and how many flags the clean sentences get."""
    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.learn.checker import check_text, checker_presets
    from cloze_app.core.models.registry import ModelRegistry

    engine = ClozeEngine.load(ModelRegistry().resolve(model))
    for preset in checker_presets():
        found = alarms = 0
        for text, word, fix in LEARNER_BASE:
            report = check_text(engine, text, preset.thresholds)
            # right when the first fix of a flag gives the correction (it may join a neighbour)
            found += any(report.apply(f, f.best) == text.replace(word, fix, 1) for f in report.flags)
            print(f"{preset.name}: {text} -> {[f.message() for f in report.flags]}")
        for text in LEARNER_CLEAN:
            flags = check_text(engine, text, preset.thresholds).flags
            alarms += len(flags)
            print(f"{preset.name}: {text} -> {[f.message() for f in flags]}")
        print(
            f"{preset.name}: {found}/{len(LEARNER_BASE)} verbs fixed to their base form, "
            f"{alarms} flags in {len(LEARNER_CLEAN)} clean sentences"
        )


if __name__ == "__main__":
    learner(sys.argv[1] if len(sys.argv) > 1 else None)
