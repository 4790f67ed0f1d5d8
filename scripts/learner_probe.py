"""A probe of the checker on hand-written learner slips (issue 12), not used for tuning.

``bench/learner_probe.jsonl`` (written by hand for Cloze, under the project's Apache-2.0
license) holds everyday sentences with one slip of the kinds real learner essays show most
(spelling, tense and verb form, prepositions, noun number, agreement, articles, word choice and
confusables) and correct sentences around the same words. For
each preset this prints what it finds (a flag on the wrong word), what its first fix corrects
(the text becomes the intended one), the false alarms in the correct sentences, and with
``--misses`` each slip it does not fix and each false alarm.

    python scripts/learner_probe.py [--model NAME] [--misses] [--heldout]

``--heldout`` also checks the passages of ``bench/heldout.jsonl`` (held-out corpus text, blanks
filled with their answers: correct text) at each preset and counts its flags by the kind of the
fix that raised them: the false alarms each kind of candidate costs on clean text.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PROBE = REPO / "bench" / "learner_probe.jsonl"
HELDOUT = REPO / "bench" / "heldout.jsonl"


def _intended(text: str, wrong: str, fix: str) -> str:
    fixed = re.sub(rf"\b{re.escape(wrong)}\b", fix, text, count=1)
    return re.sub(r"  +", " ", fixed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--misses", action="store_true", help="list the slips not fixed and the false alarms")
    parser.add_argument("--heldout", action="store_true", help="count flags by kind on held-out clean text")
    args = parser.parse_args(argv)

    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.learn.checker import check_text, checker_presets
    from cloze_app.core.models.registry import ModelRegistry

    rows = [json.loads(line) for line in PROBE.read_text(encoding="utf-8").splitlines() if line.strip()]
    slips = [r for r in rows if r["type"] != "clean"]
    clean = [r for r in rows if r["type"] == "clean"]
    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    for preset in checker_presets():
        found: dict[str, int] = defaultdict(int)
        fixed: dict[str, int] = defaultdict(int)
        total: dict[str, int] = defaultdict(int)
        notes: list[str] = []
        for r in slips:
            text, wrong = r["text"], r["wrong"]
            start = re.search(rf"\b{re.escape(wrong)}\b", text)
            assert start, r
            report = check_text(engine, text, preset.thresholds)
            total[r["type"]] += 1
            hit = [f for f in report.flags if f.start < start.end() and start.start() < f.end]
            intended = _intended(text, wrong, r["fix"])
            ok = any(re.sub(r"  +", " ", report.apply(f, f.best)) == intended for f in hit)
            found[r["type"]] += bool(hit)
            fixed[r["type"]] += ok
            if not ok:
                notes.append(f"  missed [{r['type']}] {text} -> {[f.message() for f in report.flags]}")
        alarms = 0
        for r in clean:
            flags = check_text(engine, r["text"], preset.thresholds).flags
            alarms += len(flags)
            for f in flags:
                notes.append(f"  false alarm: {r['text']} -> {f.message()}")
        n = len(slips)
        words = sum(len(r["text"].split()) for r in clean)
        by_type = ", ".join(f"{k} {fixed[k]}/{total[k]}" for k in total)
        print(
            f"{preset.name}: {sum(found.values())}/{n} slips flagged, {sum(fixed.values())}/{n} fixed "
            f"by the first fix ({by_type}); {alarms} flags in {len(clean)} correct sentences "
            f"({words} words)"
        )
        if args.misses:
            print("\n".join(notes))
        if args.heldout:
            _heldout(engine, preset.name, preset.thresholds)


def _heldout(engine: object, name: str, thresholds: object) -> None:
    """Flags on the held-out passages (correct text), by the kind of the fix that raised each."""
    from cloze_app.core.learn.checker import CheckerThresholds, check_text, fix_kinds

    assert isinstance(thresholds, CheckerThresholds)
    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    text = "\n".join(r["text"].replace("___", r["answer"]) for r in rows)
    report = check_text(engine, text, thresholds)  # type: ignore[arg-type]
    kinds = fix_kinds(report, thresholds)
    words = len(text.split())
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    print(f"{name}: {len(report.flags)} flags in {words} held-out words ({by_kind})")


if __name__ == "__main__":
    main()
