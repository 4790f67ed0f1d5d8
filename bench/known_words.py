"""Words of several pieces in the suggestions: with the known-word rule and without it, in one run.

An English model suggests a word of several pieces only when it is in the dictionary, one of the
model's names, or a number (``core/engine/known_words.py``). For each held-out sentence
(``bench/heldout.jsonl``) and SWORDS context, the engine fills the blank (top 10) with the rule and
with it switched off (``decoder.known = None``, the engine before the rule). Prints how many lists
hold a multi-piece word, how many hold one that is not a word (not in the dictionary nor a name),
the held-out answer's top-1 / top-5, and the work per request.

    python -m bench.known_words [--limit 500] [--model ID|PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.beams import texts

HELDOUT = Path(__file__).resolve().parent / "heldout.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=500, help="sentences of each set")
    parser.add_argument("--model", default=None, help="model id or folder (default: the bundled model)")
    args = parser.parse_args(argv)

    from cloze_app.core.engine.engine import ClozeEngine
    from cloze_app.core.models.registry import ModelRegistry

    engine = ClozeEngine.load(ModelRegistry().resolve(args.model))
    decoder, runner = engine.decoder, engine.decoder.runner
    rule = decoder.known
    assert rule is not None, "an English model's decoder has the rule"
    words = rule  # what counts as a word: the dictionary and the model's names
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()
    answers = [json.loads(line)["answer"].lower() for line in lines]
    print(f"{engine.folder.name}, top 10 per blank")
    print(
        "| set | rule | lists with a multi-piece word | lists with a non-word | answer top-1 | answer top-5 "
        "| runs per request | batch cells per request | ms per request |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in ("heldout", "swords"):
        items = texts(name, args.limit)
        for label, known in (("known words only", rule), ("every piece pair (before)", None)):
            decoder.known = known
            multi = junk = top1 = top5 = 0
            cells, runs, started = runner.tokens_run, runner.runs, time.perf_counter()
            for k, text in enumerate(items):
                shown = engine.fill(text, top_k=10).blanks[0].candidates
                several = [c.word for c in shown if len(c.token_ids) > 1]
                multi += bool(several)
                junk += any(not words.known(w) for w in several)
                if name == "heldout":
                    found = [c.word.lower() for c in shown]
                    top1 += found[:1] == [answers[k]]
                    top5 += answers[k] in found[:5]
            elapsed = (time.perf_counter() - started) * 1000 / len(items)
            n = len(items)
            scores = f"{top1 / n:.1%} | {top5 / n:.1%}" if name == "heldout" else "n/a | n/a"
            print(
                f"| {name} ({n}) | {label} | {multi} | {junk} | {scores} | {(runner.runs - runs) / n:.2f} "
                f"| {(runner.tokens_run - cells) / n:.0f} | {elapsed:.1f} |"
            )
    decoder.known = rule
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
